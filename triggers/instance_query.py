"""One page of the Durable Functions instance query, with its continuation token.

The Python SDK's `get_status_by` / `get_status_all` send neither `top` nor the
`x-ms-continuation-token` header and drop the token from the answer, so on Azure they
return only the extension's first page (100 instances) and hide that more exist. This
module asks the same endpoint the SDK asks (the binding's `rpcBaseUrl` + `instances/`)
with the paging the Durable HTTP API documents, and reads each instance the way the
SDK does (`DurableOrchestrationStatus.from_json`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

import aiohttp
import azure.durable_functions as df
from azure.durable_functions.models.DurableOrchestrationBindings import (
    DurableOrchestrationBindings,
)
from azure.durable_functions.models.DurableOrchestrationStatus import (
    DurableOrchestrationStatus,
)

from golive.errors import InstanceQueryError

CONTINUATION_HEADER = "x-ms-continuation-token"
# What the Azure Storage provider sends for "no more pages": base64 of the JSON `null`.
_END_TOKENS = frozenset({"", "null", "bnVsbA=="})
QUERY_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class InstancePage:
    statuses: list[DurableOrchestrationStatus]
    continuation_token: str | None


@dataclass(frozen=True)
class InstanceQuery:
    """Filters the extension applies itself (the rest is the caller's business)."""

    runtime_statuses: tuple[df.OrchestrationRuntimeStatus, ...] = ()
    instance_id_prefix: str | None = None
    page_size: int = 100

    def params(self) -> dict[str, str]:
        params = {"showInput": "false", "top": str(self.page_size)}
        if self.runtime_statuses:
            params["runtimeStatus"] = ",".join(s.value for s in self.runtime_statuses)
        if self.instance_id_prefix:
            params["instanceIdPrefix"] = self.instance_id_prefix
        return params


class InstanceQueryClient:
    """Pages through instances over one HTTP session; use as `async with`."""

    def __init__(self, client_binding: str) -> None:
        base = DurableOrchestrationBindings.from_json(client_binding).rpc_base_url
        if not base:
            raise InstanceQueryError("the durable client binding has no rpcBaseUrl")
        self._url = f"{base}instances/"
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> InstanceQueryClient:
        timeout = aiohttp.ClientTimeout(total=QUERY_TIMEOUT_SECONDS)
        self._session = aiohttp.ClientSession(timeout=timeout)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._session is not None:
            await self._session.close()

    async def page(self, query: InstanceQuery, token: str | None) -> InstancePage:
        """The page that starts at `token` (None: the first page)."""
        if self._session is None:
            raise RuntimeError("use InstanceQueryClient as an async context manager")
        headers = {CONTINUATION_HEADER: token} if token else {}
        try:
            async with self._session.get(
                self._url, params=query.params(), headers=headers
            ) as answer:
                text = await answer.text()
                status = answer.status
                next_token = answer.headers.get(CONTINUATION_HEADER, "").strip()
        except (TimeoutError, aiohttp.ClientError) as error:
            raise InstanceQueryError(f"instance query failed: {error!r}") from error
        if status != 200:
            raise InstanceQueryError(f"instance query answered {status}: {text[:200]}")
        try:
            body = json.loads(text)
        except ValueError:
            raise InstanceQueryError("instance query answered with something not JSON") from None
        if not isinstance(body, list):
            raise InstanceQueryError("instance query did not answer with a list")
        return InstancePage(
            statuses=_statuses(body),
            continuation_token=None if next_token in _END_TOKENS else next_token,
        )


def _statuses(items: Iterable[object]) -> list[DurableOrchestrationStatus]:
    return [DurableOrchestrationStatus.from_json(item) for item in items if isinstance(item, dict)]

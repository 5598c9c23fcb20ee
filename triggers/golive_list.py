"""`GET /api/golive`: every go-live, filtered and paged, one table row each.

Built on the Durable extension's instance query (see `instance_query`), so it pages
the same way on Azure as on devhost. Runtime status and publisher are filtered by the
extension; phase, outcome, API and "needs a person" live in each instance's custom
status and are filtered here, page by page. Our continuation token says where the next
row is: the extension's token of the page holding it and how many rows of that page
are already behind us, so a page never skips or repeats a go-live. A request reads at
most `MAX_PAGES_PER_REQUEST` pages of the extension; when filters match few go-lives
the answer may hold fewer than `top` rows and still a token, as the extension's own
query does.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from dataclasses import dataclass
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from golive.errors import InstanceQueryError, InvalidFilterError
from golive.structured_log import log_event
from triggers.golive_filters import GoLiveFilter, parse_filter
from triggers.instance_query import CONTINUATION_HEADER, InstanceQuery, InstanceQueryClient
from triggers.responses import error_response, json_response
from triggers.status_view import go_live_row

blueprint = df.Blueprint(http_auth_level=func.AuthLevel.FUNCTION)
logger = logging.getLogger("golive.http")
PAGE_SIZE = 100
MAX_PAGES_PER_REQUEST = 10


@dataclass(frozen=True)
class Position:
    """Where a listing resumes: the extension's page token and rows of it already read."""

    page_token: str | None = None
    skip: int = 0

    def encode(self) -> str:
        text = json.dumps({"t": self.page_token, "s": self.skip}, separators=(",", ":"))
        return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Position:
        try:
            padded = token + "=" * (-len(token) % 4)
            data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
            page_token, skip = data["t"], data["s"]
        except (ValueError, KeyError, TypeError, binascii.Error, UnicodeError):
            raise InvalidFilterError("continuationToken is not one this route gave out") from None
        if not (page_token is None or isinstance(page_token, str)) or not isinstance(skip, int):
            raise InvalidFilterError("continuationToken is not one this route gave out")
        return cls(page_token, max(skip, 0))


@blueprint.route(route="golive", methods=["GET"])
@blueprint.generic_input_binding(arg_name="client", type="durableClient")
async def list_go_lives_http(req: func.HttpRequest, client: str) -> func.HttpResponse:
    """One page of go-lives matching the filters, with the token of the next page."""
    # The host joins a repeated parameter's values with commas.
    query = {name: [value] for name, value in req.params.items()}
    try:
        wanted = parse_filter(query)
        token = _single_token(req)
        start = Position.decode(token) if token else Position()
    except InvalidFilterError as error:
        return error_response(400, "InvalidFilter", str(error))
    try:
        rows, resume = await list_go_lives(client, wanted, start)
    except InstanceQueryError as error:
        log_event(logger, "go-live listing failed", {"reason": str(error)})
        return error_response(503, "ListingUnavailable", "the instance query failed; try again")
    next_token = resume.encode() if resume else None
    headers = {CONTINUATION_HEADER: next_token} if next_token else None
    return json_response({"goLives": rows, "continuationToken": next_token}, headers=headers)


async def list_go_lives(
    client_binding: str, wanted: GoLiveFilter, start: Position
) -> tuple[list[dict[str, Any]], Position | None]:
    """Up to `wanted.top` matching rows from `start`, and where the next page starts."""
    query = InstanceQuery(
        runtime_statuses=wanted.runtime_statuses(),
        instance_id_prefix=wanted.instance_id_prefix(),
        page_size=PAGE_SIZE,
    )
    rows: list[dict[str, Any]] = []
    position = start
    async with InstanceQueryClient(client_binding) as instances:
        for _ in range(MAX_PAGES_PER_REQUEST):
            if len(rows) == wanted.top:
                return rows, position
            page = await instances.page(query, position.page_token)
            for index in range(position.skip, len(page.statuses)):
                if len(rows) == wanted.top:
                    return rows, Position(position.page_token, index)
                row = go_live_row(page.statuses[index])
                if wanted.matches(row):
                    rows.append(row)
            if page.continuation_token is None:
                return rows, None
            position = Position(page.continuation_token, 0)
    return rows, position


def _single_token(req: func.HttpRequest) -> str | None:
    """The token from `continuationToken` or the `x-ms-continuation-token` header."""
    token = req.params.get("continuationToken") or req.headers.get(CONTINUATION_HEADER) or ""
    return token.strip() or None

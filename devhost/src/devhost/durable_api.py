"""The Durable Functions HTTP API under `/runtime/webhooks/durabletask/`, and the client binding.

One set of routes serves both callers the host serves: the SDK's `DurableOrchestrationClient`
(through the binding's `rpcBaseUrl`) and people or tools using the public HTTP API (the
`statusQueryGetUri` and friends). Status codes follow the extension's HttpApiHandler: start
202 + Location; status 202 while Pending/Running/ContinuedAsNew (Location, Retry-After: 5),
200 once finished (500 for Failed only with returnInternalServerErrorOnFailure=true), 404 for
an unknown id; raiseEvent/terminate 202, 404 unknown, 410 finished; purge 200 or 404.

Bodies: the SDK JSON-encodes the input or event data itself and aiohttp encodes that text
once more (docs/devhost.md). The host decodes one layer; so does devhost. When that layer is a
string holding JSON (the SDK's case) the string is the value's JSON text; any other body
(a plain JSON document posted with curl) is the value itself.

Not emulated: suspend, resume and rewind answer 501; the runtime does not implement them.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from aiohttp import web

from devhost.limits import InvalidInstanceIdError
from devhost.runtime import (
    DurableRuntime,
    InstanceExistsError,
    InstanceNotFoundError,
    InstanceNotRunningError,
    UnknownFunctionError,
)

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/runtime/webhooks/durabletask"  # public: the system key or the master key
RPC_PATH = "/durabletask"  # the host-internal endpoint the SDK client calls (no key)
CONNECTION_NAME = "Storage"
INSTANCE_PLACEHOLDER = "INSTANCEID"
RUNNING_STATUSES = frozenset({"Pending", "Running", "ContinuedAsNew", "Suspended"})
RUNTIME_STATUSES = (
    "Running",
    "Completed",
    "ContinuedAsNew",
    "Failed",
    "Canceled",
    "Terminated",
    "Pending",
    "Suspended",
)
STATUS_RETRY_AFTER_SECONDS = 5
START_RETRY_AFTER_SECONDS = 10


def management_urls(
    origin: str, instance_id: str, task_hub: str, system_key: str | None
) -> dict[str, str]:
    """The check-status payload for an instance, as `CreateCheckStatusResponse` builds it:
    public URLs that carry the extension's system key as `code`."""
    prefix = f"{origin}{WEBHOOK_PATH}/instances/{quote(instance_id, safe='')}"
    suffix = f"taskHub={quote(task_hub)}&connection={CONNECTION_NAME}{_code(system_key)}"
    return {
        "id": instance_id,
        "statusQueryGetUri": f"{prefix}?{suffix}",
        "sendEventPostUri": f"{prefix}/raiseEvent/{{eventName}}?{suffix}",
        "terminatePostUri": f"{prefix}/terminate?reason={{text}}&{suffix}",
        "rewindPostUri": f"{prefix}/rewind?reason={{text}}&{suffix}",
        "purgeHistoryDeleteUri": f"{prefix}?{suffix}",
        "restartPostUri": f"{prefix}/restart?{suffix}",
        "suspendPostUri": f"{prefix}/suspend?reason={{text}}&{suffix}",
        "resumePostUri": f"{prefix}/resume?reason={{text}}&{suffix}",
    }


def _code(system_key: str | None) -> str:
    return f"&code={quote(system_key, safe='')}" if system_key else ""


def client_binding_json(
    base_url: str, rpc_base_url: str, task_hub: str, system_key: str | None
) -> str:
    """The durableClient input binding value the host passes a function (a JSON string).

    The SDK client calls `rpcBaseUrl` (host-internal, no key); the creation and
    management URLs it hands out are the public ones, with the system key.
    """
    base = f"{base_url}{WEBHOOK_PATH}"
    urls = management_urls(base_url, INSTANCE_PLACEHOLDER, task_hub, system_key)
    urls["id"] = INSTANCE_PLACEHOLDER
    start = f"{base}/orchestrators/{{functionName}}[/{{instanceId}}]"
    code = f"?code={quote(system_key, safe='')}" if system_key else ""
    return json.dumps(
        {
            "taskHubName": task_hub,
            "creationUrls": {
                "createNewInstancePostUri": f"{start}{code}",
                "createAndWaitOnNewInstancePostUri": (
                    f"{start}?timeout={{timeoutInSeconds}}&pollingInterval={{intervalInSeconds}}"
                    f"{_code(system_key)}"
                ),
            },
            "managementUrls": urls,
            "baseUrl": base,
            "requiredQueryStringParameters": code.lstrip("?"),
            "rpcBaseUrl": f"{rpc_base_url}{RPC_PATH}/",
        }
    )


def decode_client_payload(text: str) -> str:
    """One layer of JSON decoding (see module docstring); returns the value's JSON text.

    Raises ValueError when the body is not JSON.
    """
    value = json.loads(text)
    if isinstance(value, str):
        try:
            json.loads(value)
        except ValueError:
            return json.dumps(value)
        return value
    return json.dumps(value)


_DOTNET_EXCEPTION_TYPES = {
    "InvalidInstanceIdError": "System.ArgumentException",
    "UnknownFunctionError": "System.ArgumentException",
}


def _error(status: int, message: str, exc: BaseException | None = None) -> web.Response:
    """The host's HttpError body; the SDK reads `ExceptionMessage` on a failed start."""
    body: dict[str, Any] = {"Message": message}
    if exc is not None:
        body["ExceptionMessage"] = str(exc)
        body["ExceptionType"] = _DOTNET_EXCEPTION_TYPES.get(type(exc).__name__, type(exc).__name__)
    return web.json_response(body, status=status)


def _flag(request: web.Request, name: str, default: bool) -> bool:
    value = request.query.get(name)
    if value is None or value.lower() not in ("true", "false"):
        return default
    return value.lower() == "true"


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _parse_statuses(request: web.Request) -> list[str] | None:
    by_lower = {s.lower(): s for s in RUNTIME_STATUSES}
    names = [
        by_lower[p.strip().lower()]
        for value in request.query.getall("runtimeStatus", [])
        for p in value.split(",")
        if p.strip().lower() in by_lower
    ]
    return names or None


def _origin(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


class DurableHttpApi:
    """aiohttp routes answering like the Durable Functions extension's HTTP API."""

    def __init__(self, runtime: DurableRuntime, task_hub: str, system_key: str | None) -> None:
        """`system_key`: the key the management URLs carry (the routes do not check it)."""
        self._runtime = runtime
        self._task_hub = task_hub
        self._system_key = system_key

    def add_routes(self, app: web.Application, base: str = WEBHOOK_PATH) -> None:
        """Register the routes; instance ids and event names are single path segments."""
        instance = f"{base}/instances/{{instance_id}}"
        app.router.add_post(f"{base}/orchestrators/{{name}}", self.start)
        app.router.add_post(f"{base}/orchestrators/{{name}}/{{instance_id}}", self.start)
        for path in (f"{base}/instances", f"{base}/instances/"):
            app.router.add_get(path, self.list_instances)
            app.router.add_delete(path, self.purge_filtered)
        app.router.add_get(instance, self.get_status)
        app.router.add_delete(instance, self.purge_one)
        app.router.add_post(f"{instance}/raiseEvent/{{event}}", self.raise_event)
        app.router.add_post(f"{instance}/terminate", self.terminate)
        app.router.add_post(f"{instance}/restart", self.restart)
        app.router.add_post(f"{instance}/{{operation:suspend|resume|rewind}}", self.unsupported)

    def check_status_response(self, request: web.Request, instance_id: str) -> web.Response:
        """202 with the management URLs, Location and Retry-After: 10."""
        payload = management_urls(_origin(request), instance_id, self._task_hub, self._system_key)
        payload.pop("rewindPostUri")
        return web.json_response(
            payload,
            status=202,
            headers={
                "Location": payload["statusQueryGetUri"],
                "Retry-After": str(START_RETRY_AFTER_SECONDS),
            },
        )

    async def start(self, request: web.Request) -> web.Response:
        """POST orchestrators/{name}[/{id}]: body is the input."""
        name = request.match_info["name"]
        text = await request.text()
        try:
            input_json = decode_client_payload(text) if text.strip() else None
        except ValueError as exc:
            return _error(400, "Invalid JSON content", exc)
        try:
            instance_id = await self._runtime.start_new(
                name, request.match_info.get("instance_id"), input_json
            )
        except (UnknownFunctionError, InvalidInstanceIdError) as exc:
            return _error(400, "One or more of the arguments submitted is incorrect", exc)
        except InstanceExistsError as exc:
            return self._exists_error(request.match_info.get("instance_id", ""), exc)
        log.info("started %s as instance %s", name, instance_id)
        timeout = _seconds(request.query.get("timeout"))
        interval = _seconds(request.query.get("pollingInterval"))
        if timeout is not None and interval is not None:
            return await self._wait_or_check(request, instance_id, timeout, interval)
        return self.check_status_response(request, instance_id)

    def _exists_error(self, instance_id: str, exc: InstanceExistsError) -> web.Response:
        """The host answers 500 with the InvalidOperationException of StartNewAsync."""
        found = self._runtime.get_status(instance_id, show_input=False)
        state = found["runtimeStatus"] if found else "Running"
        body = {
            "Message": "Something went wrong while processing your request",
            "ExceptionMessage": f"An Orchestration instance with the status {state} "
            "already exists.",
            "ExceptionType": "System.InvalidOperationException",
        }
        log.info("refused to start %s: %s", instance_id, exc)
        return web.json_response(body, status=500)

    async def _wait_or_check(
        self, request: web.Request, instance_id: str, timeout: float, interval: float
    ) -> web.Response:
        """`createAndWaitOnNewInstancePostUri`: the output if it finishes in time."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            status = self._runtime.get_status(instance_id)
            if status is not None and status["runtimeStatus"] not in RUNNING_STATUSES:
                if status["runtimeStatus"] == "Completed":
                    return web.json_response(status.get("output"))
                return web.json_response(status)
            if loop.time() >= deadline:
                return self.check_status_response(request, instance_id)
            await asyncio.sleep(max(0.01, min(interval, deadline - loop.time())))

    async def get_status(self, request: web.Request) -> web.Response:
        """GET instances/{id}[?showHistory&showHistoryOutput&showInput]."""
        status = self._runtime.get_status(
            request.match_info["instance_id"],
            show_history=_flag(request, "showHistory", False),
            show_history_output=_flag(request, "showHistoryOutput", False),
            show_input=_flag(request, "showInput", True),
        )
        if status is None:
            return web.Response(status=404)
        runtime_status = status.get("runtimeStatus")
        if runtime_status in RUNNING_STATUSES:
            headers = {
                "Location": str(request.url),
                "Retry-After": str(STATUS_RETRY_AFTER_SECONDS),
            }
            return web.json_response(status, status=202, headers=headers)
        failed_as_500 = _flag(request, "returnInternalServerErrorOnFailure", False)
        code = 500 if runtime_status == "Failed" and failed_as_500 else 200
        return web.json_response(status, status=code)

    async def list_instances(self, request: web.Request) -> web.Response:
        """GET instances/?runtimeStatus&createdTimeFrom&createdTimeTo&instanceIdPrefix&top."""
        statuses = self._runtime.query(
            runtime_status=_parse_statuses(request),
            created_from=_parse_time(request.query.get("createdTimeFrom")),
            created_to=_parse_time(request.query.get("createdTimeTo")),
            instance_id_prefix=request.query.get("instanceIdPrefix") or None,
        )
        if not _flag(request, "showInput", True):
            statuses = [{k: v for k, v in s.items() if k != "input"} for s in statuses]
        start = _int(request.headers.get("x-ms-continuation-token"), 0)
        top = _int(request.query.get("top"), 0)
        end = start + top if top > 0 else len(statuses)
        headers = {"x-ms-continuation-token": str(end) if end < len(statuses) else ""}
        return web.json_response(statuses[start:end], headers=headers)

    async def purge_one(self, request: web.Request) -> web.Response:
        """DELETE instances/{id}: 200 {instancesDeleted} or 404."""
        instance_id = request.match_info["instance_id"]
        if self._runtime.get_status(instance_id, show_input=False) is None:
            return web.Response(status=404)
        return web.json_response({"instancesDeleted": self._runtime.purge(instance_id)})

    async def purge_filtered(self, request: web.Request) -> web.Response:
        """DELETE instances/?createdTimeFrom=..[&createdTimeTo][&runtimeStatus]."""
        created_from = _parse_time(request.query.get("createdTimeFrom"))
        if created_from is None:
            return web.json_response(
                "Please provide value for 'createdTimeFrom' parameter.", status=400
            )
        matches = self._runtime.query(
            runtime_status=_parse_statuses(request),
            created_from=created_from,
            created_to=_parse_time(request.query.get("createdTimeTo")),
        )
        deleted = sum(self._runtime.purge(s["instanceId"]) for s in matches)
        if deleted == 0:
            return web.Response(status=404)
        return web.json_response({"instancesDeleted": deleted})

    async def raise_event(self, request: web.Request) -> web.Response:
        """POST instances/{id}/raiseEvent/{event}: JSON body is the event data."""
        instance_id = request.match_info["instance_id"]
        refusal = self._refuse_unless_running(instance_id)
        if refusal is not None:
            return refusal
        if request.content_type.lower() != "application/json":
            return _error(400, "Only application/json request content is supported")
        text = await request.text()
        try:
            data_json = decode_client_payload(text) if text.strip() else None
        except ValueError as exc:
            return _error(400, "Invalid JSON content", exc)
        event = request.match_info["event"]
        try:
            await self._runtime.raise_event(instance_id, event, data_json)
        except InstanceNotFoundError:
            return web.Response(status=404)
        except InstanceNotRunningError:
            return web.Response(status=410)
        log.info("raised event %s on instance %s", event, instance_id)
        return web.Response(status=202)

    async def terminate(self, request: web.Request) -> web.Response:
        """POST instances/{id}/terminate?reason=: 202, 404 unknown, 410 finished."""
        instance_id = request.match_info["instance_id"]
        refusal = self._refuse_unless_running(instance_id)
        if refusal is not None:
            return refusal
        try:
            await self._runtime.terminate(instance_id, request.query.get("reason"))
        except InstanceNotFoundError:
            return web.Response(status=404)
        except InstanceNotRunningError:
            return web.Response(status=410)
        log.info("terminated instance %s", instance_id)
        return web.Response(status=202)

    async def restart(self, request: web.Request) -> web.Response:
        """POST instances/{id}/restart[?restartWithNewInstanceId=false]: same input again."""
        instance_id = request.match_info["instance_id"]
        status = self._runtime.get_status(instance_id, show_input=True)
        if status is None:
            return _error(400, "InstanceId does not match a valid orchestration instance.")
        new_id = None if _flag(request, "restartWithNewInstanceId", True) else instance_id
        value = status.get("input")
        input_json = None if value is None else json.dumps(value)
        try:
            started = await self._runtime.start_new(status["name"], new_id, input_json)
        except (InstanceExistsError, UnknownFunctionError) as exc:
            return _error(500, "Something went wrong while processing your request", exc)
        return self.check_status_response(request, started)

    async def unsupported(self, request: web.Request) -> web.Response:
        """suspend, resume and rewind are not emulated by devhost."""
        operation = request.match_info["operation"]
        return _error(501, f"devhost does not support '{operation}'")

    def _refuse_unless_running(self, instance_id: str) -> web.Response | None:
        status = self._runtime.get_status(instance_id, show_input=False)
        if status is None:
            return web.Response(status=404)
        if status.get("runtimeStatus") not in RUNNING_STATUSES:
            return web.Response(status=410)
        return None


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return default

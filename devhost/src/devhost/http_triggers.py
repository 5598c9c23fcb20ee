"""HTTP triggers: `/{routePrefix}/{route}` requests into the worker's RpcHttp, answers back.

The route prefix comes from host.json `extensions.http.routePrefix` (default `api`). A
trigger without a route is served at its function name; without methods it takes every
method. Routes match the path as it arrived, still percent-encoded, as ASP.NET Core routing
does: `%2F` inside a segment is not a separator, and a route value reaches the function
decoded. authLevel is enforced with the host's keys (see devhost.keys) unless devhost runs
with `--no-auth-keys`. A path that matches no route, or a route whose methods exclude the
request's, gets 404 as from the host.

While an HTTP function runs, the durable runtime is held: virtual time does not jump under
it. A function that waits for an orchestration that itself waits on a timer (for example
`wait_for_completion_or_create_check_status_response`) therefore sees no progress in virtual
time until its own wait expires (in real seconds), then answers with the check-status 202.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from aiohttp import web
from multidict import CIMultiDict, MultiMapping

from devhost.invocation import FunctionInvoker, string_data
from devhost.keys import HostKeys, request_key, unauthorized
from devhost.registry import FunctionSpec
from devhost.route_template import RouteTemplate, parse_route
from devhost.runtime import DurableRuntime
from devhost.worker_protos import RpcHttp, TypedData

log = logging.getLogger(__name__)

DEFAULT_ROUTE_PREFIX = "api"
_KEEP_ENCODED_SLASH = re.compile("%2F", re.IGNORECASE)
MAX_JSON_DEPTH = 64  # Newtonsoft.Json's default MaxDepth, which the host's reader uses


def _text(value: Any) -> str:
    """Binding values may be enums (func.HttpMethod, func.AuthLevel) or plain strings."""
    return str(getattr(value, "value", value))


@dataclass(frozen=True)
class HttpRoute:
    """One HTTP trigger as served: its function, template, methods and declared auth level."""

    spec: FunctionSpec
    template: RouteTemplate
    methods: frozenset[str] | None
    auth_level: str

    def describe(self) -> str:
        """`GET,POST /api/orders/{id:int}` style text for start-up output."""
        methods = ",".join(sorted(self.methods)) if self.methods else "ANY"
        return f"{methods} {self.template.text}"


def route_prefix(host_json: dict[str, Any]) -> str:
    """host.json `extensions.http.routePrefix`, without slashes ('' is allowed)."""
    http = host_json.get("extensions", {}).get("http", {})
    return str(http.get("routePrefix", DEFAULT_ROUTE_PREFIX)).strip("/")


def build_routes(functions: Iterable[FunctionSpec]) -> list[HttpRoute]:
    """Parse every HTTP trigger's route; ordered like ASP.NET routing (literals first)."""
    routes = []
    for spec in functions:
        trigger = spec.trigger
        methods = trigger.get("methods")
        routes.append(
            HttpRoute(
                spec=spec,
                template=parse_route(str(trigger.get("route") or spec.name)),
                methods=frozenset(_text(m).upper() for m in methods) if methods else None,
                auth_level=_text(trigger.get("authLevel", "function")).lower(),
            )
        )
    routes.sort(key=lambda r: (r.template.precedence, r.template.text.lower()))
    return routes


class HttpTriggerRouter:
    """Finds the HTTP trigger for a method and a path below the route prefix."""

    def __init__(self, routes: list[HttpRoute]) -> None:
        self.routes = routes

    def resolve(self, method: str, path: str) -> tuple[HttpRoute, dict[str, str]] | None:
        """The first route (by precedence) whose template and methods accept the request."""
        trimmed = path.strip("/")
        for route in self.routes:
            if route.methods is not None and method.upper() not in route.methods:
                continue
            params = route.template.match(trimmed)
            if params is not None:
                return route, params
        return None


class HttpTriggerHandler:
    """aiohttp handler that runs the matching HTTP trigger function through the worker."""

    def __init__(
        self,
        router: HttpTriggerRouter,
        invoker: FunctionInvoker,
        runtime: DurableRuntime,
        client_binding: Callable[[], str],
        keys: HostKeys | None,
        prefix: str = DEFAULT_ROUTE_PREFIX,
    ) -> None:
        """`keys`: enforce each function's auth level with them (None: Core Tools' habit)."""
        self._prefix = prefix
        self._router = router
        self._invoker = invoker
        self._runtime = runtime
        self._client_binding = client_binding
        self._keys = keys

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Match, invoke and convert; 404 when no route matches, 500 when the function fails."""
        path = routing_path(request.raw_path, self._prefix)
        found = self._router.resolve(request.method, path)
        if found is None:
            return web.Response(status=404)
        route, params = found
        if self._keys is not None and not self._keys.admits(route.auth_level, request_key(request)):
            return unauthorized()
        spec = route.spec
        inputs = {spec.trigger_arg: await to_rpc_http(request, params)}
        if spec.durable_client_arg:
            inputs[spec.durable_client_arg] = string_data(self._client_binding())
        with self._runtime.hold():
            result = await self._invoker.invoke(spec, inputs)
        if not result.succeeded:
            return web.Response(status=500)
        return to_web_response(result.return_value)


def routing_path(raw_path: str, prefix: str) -> str:
    """The path below the route prefix as ASP.NET Core routes it: percent-decoded except
    `%2F`, which stays as the three characters "%2F" inside its segment."""
    path = raw_path.split("?", 1)[0].lstrip("/")
    if prefix:
        path = path[len(prefix) :].lstrip("/") if path.startswith(prefix) else path
    return "/".join(unquote(_KEEP_ENCODED_SLASH.sub("%252F", s)) for s in path.split("/"))


async def to_rpc_http(request: web.Request, route_params: dict[str, str]) -> TypedData:
    """The RpcHttp the host sends the worker: method, full URL, headers, query, route, body."""
    http = RpcHttp(
        method=request.method,
        url=str(request.url),
        headers=_collapse(request.headers, ", "),
        query=_collapse(request.query, ","),
        params=dict(route_params),
        body=http_body(request.content_type, await request.read()),
    )
    return TypedData(http=http)


def http_body(content_type: str, raw: bytes) -> TypedData | None:
    """The request body as the host types it: JSON text for a JSON body that parses, bytes
    for octet-stream and multipart, text for everything else; nothing for an empty body."""
    if not raw:
        return None
    media_type = content_type.lower()
    if media_type == "application/octet-stream" or media_type.startswith("multipart/"):
        return TypedData(bytes=raw)
    text = raw.decode("utf-8", errors="replace")
    if media_type == "application/json" and _parses_as_json(text):
        return TypedData(json=text)
    return TypedData(string=text)


def _parses_as_json(text: str) -> bool:
    """Whether the host's JSON reader (Newtonsoft, nesting at most 64 deep) reads it."""
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return _nesting(text) <= MAX_JSON_DEPTH


def _nesting(text: str) -> int:
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _collapse(values: MultiMapping[str], separator: str) -> dict[str, str]:
    """Repeated headers or query keys arrive joined, as the host flattens them."""
    collapsed: dict[str, str] = {}
    for key in values:
        if key not in collapsed:
            collapsed[key] = separator.join(values.getall(key))
    return collapsed


def to_web_response(value: TypedData | None) -> web.Response:
    """The worker's `$return` for the http binding: an RpcHttp, a plain string or bytes
    (200 with that body), or nothing (204)."""
    if value is None or value.WhichOneof("data") is None:
        return web.Response(status=204)
    http = value.http
    if http is None:
        body = _body_bytes(value)
        return web.Response(status=200, body=body, content_type="text/plain", charset="utf-8")
    headers: CIMultiDict[str] = CIMultiDict()
    for key, header in (http.headers or {}).items():
        headers.add(key, header)
    for cookie in http.cookies or []:
        headers.add("Set-Cookie", f"{cookie.name}={cookie.value}")
    status = int(http.status_code or 200)
    return web.Response(status=status, body=_body_bytes(http.body), headers=headers)


def _body_bytes(value: TypedData | None) -> bytes:
    if value is None:
        return b""
    kind = value.WhichOneof("data")
    data = getattr(value, kind) if kind else None
    if data is None:
        return b""
    if isinstance(data, bytes):
        return data
    return str(data).encode("utf-8")

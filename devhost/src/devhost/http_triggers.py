"""HTTP triggers: `/{routePrefix}/{route}` requests into `func.HttpRequest`, answers back.

The route prefix comes from host.json `extensions.http.routePrefix` (default `api`). A
trigger without a route is served at its function name; without methods it takes every
method. authLevel is read but not enforced: Core Tools does not check function or admin
keys when it runs an app locally, so neither does devhost (a `code` query parameter or an
`x-functions-key` header is accepted and ignored). A path that matches no route, or a
route whose methods exclude the request's, gets 404 as from the host.

While an HTTP function runs, the durable runtime is held: virtual time does not jump under
it. A function that waits for an orchestration that itself waits on a timer (for example
`wait_for_completion_or_create_check_status_response`) therefore sees no progress in virtual
time until its own wait expires (in real seconds), then answers with the check-status 202.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import azure.functions as func
from aiohttp import web
from multidict import CIMultiDict, MultiMapping

from devhost.invocation import FunctionInvoker
from devhost.registry import FunctionSpec
from devhost.route_template import RouteTemplate, parse_route
from devhost.runtime import DurableRuntime

log = logging.getLogger(__name__)

DEFAULT_ROUTE_PREFIX = "api"


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
    """aiohttp handler that runs the matching HTTP trigger function."""

    def __init__(
        self,
        router: HttpTriggerRouter,
        invoker: FunctionInvoker,
        runtime: DurableRuntime,
        client_binding: Callable[[], str],
    ) -> None:
        self._router = router
        self._invoker = invoker
        self._runtime = runtime
        self._client_binding = client_binding

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Match, invoke and convert; 404 when no route matches, 500 when the function raises."""
        path = request.match_info.get("tail", "")
        found = self._router.resolve(request.method, path)
        if found is None:
            return web.Response(status=404)
        route, params = found
        spec = route.spec
        arguments: dict[str, Any] = {spec.trigger_arg: await to_http_request(request, params)}
        if spec.durable_client_arg:
            arguments[spec.durable_client_arg] = self._client_binding()
        try:
            with self._runtime.hold():
                result = await self._invoker.invoke(spec, arguments)
        except Exception:
            log.exception("HTTP function %s failed on %s %s", spec.name, request.method, path)
            return web.Response(status=500)
        try:
            return to_web_response(result)
        except TypeError:
            log.exception("HTTP function %s returned an unsupported value", spec.name)
            return web.Response(status=500)


async def to_http_request(request: web.Request, route_params: dict[str, str]) -> func.HttpRequest:
    """What the worker hands the function: method, full URL, headers, query, route, body."""
    return func.HttpRequest(
        method=request.method,
        url=str(request.url),
        headers=_collapse(request.headers, ", "),
        params=_collapse(request.query, ","),
        route_params=route_params,
        body=await request.read(),
    )


def _collapse(values: MultiMapping[str], separator: str) -> dict[str, str]:
    """Repeated headers or query keys arrive joined, as the host flattens them."""
    collapsed: dict[str, str] = {}
    for key in values:
        if key not in collapsed:
            collapsed[key] = separator.join(values.getall(key))
    return collapsed


def to_web_response(result: Any) -> web.Response:
    """Convert what the function returned: HttpResponse, str, bytes, or None (204)."""
    if result is None:
        return web.Response(status=204)
    if isinstance(result, str):
        result = func.HttpResponse(result)
    elif isinstance(result, bytes | bytearray):
        result = func.HttpResponse(bytes(result), mimetype="application/octet-stream")
    if not isinstance(result, func.HttpResponse):
        raise TypeError(f"HTTP function returned {type(result).__name__}")
    headers: CIMultiDict[str] = CIMultiDict()
    for key, value in result.headers.items():
        headers.add(key, value)
    if "Content-Type" not in headers:
        mimetype = result.mimetype
        textual = mimetype.startswith("text/") or mimetype.endswith("json")
        headers["Content-Type"] = f"{mimetype}; charset={result.charset}" if textual else mimetype
    return web.Response(status=result.status_code, body=result.get_body(), headers=headers)

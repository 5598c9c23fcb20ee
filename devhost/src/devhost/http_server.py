"""The one aiohttp server of a devhost: the app's HTTP triggers and the durable HTTP API.

Routes: `/runtime/webhooks/durabletask/...` (durable_api) first, then everything under the
route prefix (`/api/...` by default) to the HTTP trigger router. The server binds loopback
only; port 0 lets the OS pick a free port, read back from the listening socket.
"""

from __future__ import annotations

import logging
import socket
from typing import Any

from aiohttp import web

from devhost.durable_api import RPC_PATH, WEBHOOK_PATH, DurableHttpApi
from devhost.http_triggers import HttpTriggerHandler
from devhost.keys import HostKeys, request_key, unauthorized

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
MAX_REQUEST_BYTES = 100 * 1024 * 1024  # the host's default request size limit (100 MB)


def build_web_app(
    durable_api: DurableHttpApi,
    triggers: HttpTriggerHandler,
    route_prefix: str,
    keys: HostKeys | None,
) -> web.Application:
    """Assemble the public routing table: the durable API (behind its system key when
    `keys` are enforced), then the HTTP triggers under the prefix."""
    middlewares = [_durable_api_guard(keys)] if keys is not None else []
    app = web.Application(client_max_size=MAX_REQUEST_BYTES, middlewares=middlewares)
    durable_api.add_routes(app, WEBHOOK_PATH)
    if route_prefix:
        app.router.add_route("*", f"/{route_prefix}", triggers.handle)
        app.router.add_route("*", f"/{route_prefix}/{{tail:.*}}", triggers.handle)
    else:
        app.router.add_route("*", "/{tail:.*}", triggers.handle)
    return app


def build_rpc_app(durable_api: DurableHttpApi) -> web.Application:
    """The host-internal endpoint the SDK's durable client calls (`rpcBaseUrl`): the same
    API under `/durabletask/`, no key, on a listener of its own (Azure: 127.0.0.1:17071)."""
    app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    durable_api.add_routes(app, RPC_PATH)
    return app


def _durable_api_guard(keys: HostKeys) -> Any:
    @web.middleware
    async def guard(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path.startswith(WEBHOOK_PATH + "/") and not keys.admits_durable_api(
            request_key(request)
        ):
            return unauthorized()
        return await handler(request)

    return guard


class HttpServer:
    """Runs an aiohttp application on 127.0.0.1 and reports the port it got."""

    def __init__(self, app: web.Application, host: str = LOOPBACK, port: int = 0) -> None:
        self._app = app
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT` once started."""
        if self.port is None:
            raise RuntimeError("server not started")
        return f"http://{self._host}:{self.port}"

    async def start(self) -> str:
        """Listen and return the base URL."""
        self._runner = web.AppRunner(self._app, access_log=None, handle_signals=False)
        await self._runner.setup()
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self._host, self._port))
        self.port = int(listener.getsockname()[1])
        await web.SockSite(self._runner, listener).start()
        log.info("listening on %s", self.base_url)
        return self.base_url

    async def stop(self) -> None:
        """Close the listener and open connections."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

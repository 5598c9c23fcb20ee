"""The one aiohttp server of a devhost: the app's HTTP triggers and the durable HTTP API.

Routes: `/runtime/webhooks/durabletask/...` (durable_api) first, then everything under the
route prefix (`/api/...` by default) to the HTTP trigger router. The server binds loopback
only; port 0 lets the OS pick a free port, read back from the listening socket.
"""

from __future__ import annotations

import logging
import socket

from aiohttp import web

from devhost.durable_api import DurableHttpApi
from devhost.http_triggers import HttpTriggerHandler

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
MAX_REQUEST_BYTES = 100 * 1024 * 1024  # the host's default request size limit (100 MB)


def build_web_app(
    durable_api: DurableHttpApi, triggers: HttpTriggerHandler, route_prefix: str
) -> web.Application:
    """Assemble the routing table: durable API, then the HTTP triggers under the prefix."""
    app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    durable_api.add_routes(app)
    if route_prefix:
        app.router.add_route("*", f"/{route_prefix}", triggers.handle)
        app.router.add_route("*", f"/{route_prefix}/{{tail:.*}}", triggers.handle)
    else:
        app.router.add_route("*", "/{tail:.*}", triggers.handle)
    return app


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

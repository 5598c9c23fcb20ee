"""The part every simulator shares: an aiohttp app on 127.0.0.1 in a background thread.

A simulator is a context manager: entering starts it on an OS-picked port (unless told one)
and exiting stops it, so a test that starts one always stops it. Every request except the
simulator's own `/_sim/` introspection routes is recorded, secrets masked, with the time of
the simulator's clock.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import threading
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from simulators.clock import Now, wall_clock
from simulators.recording import RecordedRequest, RequestLog, mask_headers

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
RECORD_KEY = web.RequestKey("record", RecordedRequest)
DROPPED_KEY = web.RequestKey("dropped", bool)
INTROSPECTION_PREFIX = "/_sim/"
# Larger than any limit a simulator enforces itself, so it can answer its own 413.
_MAX_BODY = 8 * 1024 * 1024


def json_response(
    body: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        status=status,
        text=json.dumps(body),
        content_type="application/json",
        headers=headers,
    )


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    """The Azure error shape: `{"error": {"code": ..., "message": ...}}`."""
    body = {"error": {"code": code, "message": message}}
    return json_response(body, status=status, headers=headers)


class InjectedStatuses:
    """Statuses queued by a test to answer the next requests instead of the real work.

    Thread-safe: tests queue from their own thread while the server takes on its loop.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._statuses: list[int] = []

    def add(self, status: int, count: int = 1) -> None:
        with self._lock:
            self._statuses.extend([status] * count)

    def take(self) -> int | None:
        """The status the next request meets (used up), or None to serve it normally."""
        with self._lock:
            return self._statuses.pop(0) if self._statuses else None

    def clear(self) -> None:
        with self._lock:
            self._statuses.clear()


def record_of(request: web.Request) -> RecordedRequest | None:
    return request.get(RECORD_KEY)


def drop_connection(request: web.Request) -> web.Response:
    """Reset the TCP connection (RST, not a clean close): the client sees 'connection reset'.

    The returned response is never sent; aiohttp needs one to finish the handler.
    """
    transport = request.transport
    if transport is not None:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    request[DROPPED_KEY] = True
    record = record_of(request)
    if record is not None:
        record.note = "connection reset"
    return web.Response(status=599)


class Simulator:
    """Base class: owns the server thread, the request log and the clock."""

    name = "simulator"

    def __init__(self, *, now: Now = wall_clock, host: str = "127.0.0.1", port: int = 0) -> None:
        self.now = now
        self._host = host
        self._port = port
        self._log = RequestLog()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None

    # -- what subclasses provide -------------------------------------------------------
    def add_routes(self, app: web.Application) -> None:
        raise NotImplementedError

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> Self:
        if self._thread is not None:
            raise RuntimeError(f"{self.name} simulator is already running")
        loop = asyncio.new_event_loop()
        started: asyncio.Future[None] = loop.create_future()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._start_server())
            except BaseException as error:  # reported to start() below
                started.set_exception(error)
                ready.set()
                loop.close()
                return
            started.set_result(None)
            ready.set()
            loop.run_forever()
            loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=run, name=f"{self.name}-simulator", daemon=True)
        self._thread.start()
        ready.wait()
        if started.exception() is not None:
            self._thread.join()
            self._thread = None
            raise RuntimeError(f"{self.name} simulator failed to start") from started.exception()
        return self

    def stop(self) -> None:
        if self._thread is None or self._loop is None:
            return
        if self._runner is not None:
            cleanup = asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop)
            cleanup.result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        self._thread = None
        self._runner = None
        self._base_url = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>`, without a trailing slash."""
        if self._base_url is None:
            raise RuntimeError(f"{self.name} simulator is not running")
        return self._base_url

    # -- the request log -----------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far (secrets masked), oldest first."""
        return self._log.snapshot()

    def clear_requests(self) -> None:
        self._log.clear()

    # -- internals -----------------------------------------------------------------------
    async def _start_server(self) -> None:
        app = web.Application(middlewares=[self._record], client_max_size=_MAX_BODY)
        app.router.add_get(INTROSPECTION_PREFIX + "requests", self._list_requests)
        self.add_routes(app)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self._base_url = f"http://{host}:{port}"

    @web.middleware
    async def _record(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(INTROSPECTION_PREFIX):
            return await handler(request)
        record = RecordedRequest(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers=mask_headers(dict(request.headers)),
            body=b"",
            time=self.now(),
        )
        self._log.append(record)
        try:
            record.body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            record.status = 413
            record.note = "body larger than the simulator reads"
            raise
        request[RECORD_KEY] = record
        try:
            response = await handler(request)
        except web.HTTPException as error:
            record.status = error.status
            raise
        if not request.get(DROPPED_KEY, False):
            record.status = response.status
        return response

    async def _list_requests(self, request: web.Request) -> web.Response:
        return json_response([item.to_json() for item in self._log.snapshot()])

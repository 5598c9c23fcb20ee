"""A loopback HTTP proxy in front of Azurite that can fail or stall chosen requests.

Storage faults (a lease renewal refused, a response that arrives late) cannot be produced
on demand by Azurite itself; this proxy forwards real requests to it and lets a test pick
which ones go wrong. Requests are forwarded unchanged, so Shared Key signatures stay valid.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from aiohttp import ClientSession, web
from devhost.azurite import Azurite

_HOP_BY_HOP = {"connection", "content-length", "transfer-encoding", "content-encoding", "host"}
Matcher = Callable[[web.Request], bool]


def is_lease_update(request: web.Request) -> bool:
    """An Update Message call (what renews or releases a message's lease)."""
    return request.method == "PUT" and "popreceipt" in request.query_string.lower()


class StorageProxy:
    """Start with `await start()` on the loop that serves it; `connection_string` points here."""

    def __init__(self, azurite: Azurite) -> None:
        self._target = azurite.queue_endpoint
        self._runner: web.AppRunner | None = None
        self._session: ClientSession | None = None
        self._fail: tuple[Matcher, int] | None = None
        self._stall: Matcher | None = None
        self.failed = 0
        self.stalled = threading.Event()  # a response is being held back
        self.release = threading.Event()  # lets it go
        self.port = 0
        self._azurite = azurite

    @property
    def connection_string(self) -> str:
        """The Azurite connection string with its queue endpoint replaced by the proxy's."""
        return self._azurite.connection_string.replace(
            f"QueueEndpoint={self._target}/", f"QueueEndpoint=http://127.0.0.1:{self.port}/"
        )

    def fail_next(self, matcher: Matcher, count: int = 1) -> None:
        """Answer the next `count` matching requests 400 without forwarding them."""
        self._fail = (matcher, count)

    def stall_next(self, matcher: Matcher) -> None:
        """Forward the next matching request, then hold its response until `release`."""
        self._stall = matcher

    async def start(self) -> None:
        self._session = ClientSession()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        self.release.set()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        if self._fail is not None and self._fail[0](request):
            matcher, count = self._fail
            self._fail = (matcher, count - 1) if count > 1 else None
            self.failed += 1
            return web.Response(status=400, text="refused by the test proxy")
        stall = self._stall is not None and self._stall(request)
        if stall:
            self._stall = None
        assert self._session is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        async with self._session.request(
            request.method,
            f"{self._target}{request.path_qs}",
            headers=headers,
            data=await request.read(),
            skip_auto_headers=("Content-Type", "Accept-Encoding", "User-Agent"),
        ) as upstream:
            body = await upstream.read()
            reply_headers = {
                k: v for k, v in upstream.headers.items() if k.lower() not in _HOP_BY_HOP
            }
        if stall:
            self.stalled.set()
            await asyncio.to_thread(self.release.wait, 30)
        return web.Response(status=upstream.status, headers=reply_headers, body=body)

"""The instance query over real HTTP on loopback, against a stand-in for the extension."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from golive.errors import InstanceQueryError
from triggers.instance_query import InstanceQuery, InstanceQueryClient

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def binding(rpc_base_url: str) -> str:
    return json.dumps(
        {
            "taskHubName": "hub",
            "creationUrls": {},
            "managementUrls": {},
            "rpcBaseUrl": rpc_base_url,
        }
    )


async def served(handler: Handler, call: Callable[[str], Awaitable[Any]]) -> Any:
    """Run `handler` on 127.0.0.1 (a port the OS picks) while `call(rpc_base_url)` runs."""
    app = web.Application()
    app.router.add_get("/durabletask/instances/", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        return await call(f"http://127.0.0.1:{port}/durabletask/")
    finally:
        await runner.cleanup()


async def first_page(base: str, token: str | None = None) -> Any:
    async with InstanceQueryClient(binding(base)) as client:
        return await client.page(InstanceQuery(instance_id_prefix="golive:", page_size=7), token)


def test_asks_with_paging_and_reads_the_next_token() -> None:
    seen: list[web.Request] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(request)
        item = {"name": "o", "instanceId": "golive:a:b", "runtimeStatus": "Running"}
        return web.json_response([item], headers={"x-ms-continuation-token": "next-1"})

    page = asyncio.run(served(handler, lambda base: first_page(base, "tok-0")))
    assert [s.instance_id for s in page.statuses] == ["golive:a:b"]
    assert page.continuation_token == "next-1"
    [request] = seen
    assert request.query["top"] == "7"
    assert request.query["showInput"] == "false"
    assert request.query["instanceIdPrefix"] == "golive:"
    assert request.headers["x-ms-continuation-token"] == "tok-0"


@pytest.mark.parametrize("end", ["", "null", "bnVsbA=="])
def test_the_last_page_has_no_token(end: str) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.json_response([], headers={"x-ms-continuation-token": end})

    assert asyncio.run(served(handler, first_page)).continuation_token is None


@pytest.mark.parametrize(
    "answer",
    [web.Response(status=500, text="boom"), web.Response(text="not json"), web.json_response({})],
)
def test_anything_but_a_list_is_an_error(answer: web.Response) -> None:
    async def handler(request: web.Request) -> web.Response:
        return answer

    with pytest.raises(InstanceQueryError):
        asyncio.run(served(handler, first_page))


def test_nobody_listening_is_an_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(InstanceQueryError):
        asyncio.run(first_page(f"http://127.0.0.1:{port}/durabletask/"))

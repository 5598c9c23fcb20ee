"""One running devhost: durable runtime, HTTP server and queue listeners on one event loop.

The CLI and `devhost.testing` both build a DevHost; it owns the start/stop order:
runtime first (recovering instances from the state file), then the HTTP server (whose port
the durable client binding needs), then the queue listeners. Stopping runs it backwards.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from azure.durable_functions.models.utils import http_utils

from devhost.clock import Clock
from devhost.durable_api import WEBHOOK_PATH, DurableHttpApi, client_binding_json
from devhost.http_server import LOOPBACK, HttpServer, build_rpc_app, build_web_app
from devhost.http_triggers import (
    HttpTriggerHandler,
    HttpTriggerRouter,
    build_routes,
    route_prefix,
)
from devhost.invocation import FunctionInvoker
from devhost.keys import DURABLE_SYSTEM_KEY_NAME, load_or_create_keys
from devhost.queues import QueueTriggerHost
from devhost.registry import FunctionRegistry
from devhost.runtime import DurableRuntime
from devhost.storage_connection import CredentialFactory

log = logging.getLogger(__name__)

DEFAULT_TASK_HUB = "TestHubName"
_hosts_per_loop: dict[asyncio.AbstractEventLoop, int] = {}


def task_hub_name(host_json: Mapping[str, Any]) -> str:
    """host.json `extensions.durableTask.hubName`; Core Tools' local default otherwise."""
    durable = host_json.get("extensions", {}).get("durableTask", {})
    return str(durable.get("hubName") or DEFAULT_TASK_HUB)


class DevHost:
    """Serves one loaded app. Create it, `await start()`, later `await stop()`."""

    def __init__(
        self,
        registry: FunctionRegistry,
        *,
        clock: Clock,
        state_path: Path | None = None,
        port: int = 0,
        environ: Mapping[str, str] | None = None,
        enforce_keys: bool = True,
        queue_credentials: CredentialFactory | None = None,
    ) -> None:
        """`queue_credentials` builds the credential of an identity-based queue connection
        (default: the one its settings describe, from azure-identity)."""
        self.registry = registry
        self.clock = clock
        self.task_hub = task_hub_name(registry.host_json)
        self.runtime = DurableRuntime(
            registry,
            clock=clock,
            state_path=state_path,
            task_hub=self.task_hub,
            client_binding=self.client_binding,
        )
        self._environ = environ if environ is not None else os.environ
        self.keys = load_or_create_keys(state_path)
        self.enforce_keys = enforce_keys
        checked = self.keys if enforce_keys else None
        self._invoker = FunctionInvoker(registry.worker)
        self.route_prefix = route_prefix(registry.host_json)
        self.http_routes = build_routes(registry.http.values())
        triggers = HttpTriggerHandler(
            HttpTriggerRouter(self.http_routes),
            self._invoker,
            self.runtime,
            self.client_binding,
            checked,
            self.route_prefix,
        )
        durable_api = DurableHttpApi(self.runtime, self.task_hub, self.keys.durable_system)
        web_app = build_web_app(durable_api, triggers, self.route_prefix, checked)
        self._server = HttpServer(web_app, LOOPBACK, port)
        self._rpc_server = HttpServer(build_rpc_app(durable_api), LOOPBACK, 0)
        self.queues = QueueTriggerHost(
            registry.queue.values(),
            registry.host_json,
            self.runtime,
            self._invoker,
            self.client_binding,
            self._environ,
            queue_credentials,
        )
        self._started = False

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT` of the running server."""
        return self._server.base_url

    def client_binding(self) -> str:
        """The durableClient binding JSON for this host's own durable HTTP API."""
        return client_binding_json(
            self.base_url, self._rpc_server.base_url, self.task_hub, self.keys.durable_system
        )

    async def start(self) -> None:
        """Recover and start the runtime, listen, then begin polling queues."""
        loop = asyncio.get_running_loop()
        _forget_foreign_sdk_session(loop)
        _hosts_per_loop[loop] = _hosts_per_loop.get(loop, 0) + 1
        self._started = True
        try:
            await self.runtime.start()
            await self._rpc_server.start()
            await self._server.start()
            await self.queues.start()
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Stop queues, server and runtime; safe to call after a failed start."""
        if not self._started:
            return
        self._started = False
        try:
            await self.queues.stop()
            await self._server.stop()
            await self._rpc_server.stop()
            await self.runtime.stop()
        finally:
            await _release_sdk_session()

    def describe(self) -> list[str]:
        """Human-readable lines: each function with its trigger, and the URLs served."""
        lines = ["Functions:"]
        prefix = f"/{self.route_prefix}" if self.route_prefix else ""
        for route in self.http_routes:
            methods = ",".join(sorted(route.methods)) if route.methods else "ANY"
            url = f"{self.base_url}{prefix}/{route.template.text.strip('/')}"
            lines.append(f"  {route.spec.name}: httpTrigger [{methods}] {url}")
        for listener in self.queues.listeners:
            lines.append(f"  {listener.spec.name}: queueTrigger {listener.queue_name}")
        for name in sorted(self.registry.orchestrators):
            lines.append(f"  {name}: orchestrationTrigger")
        for name in sorted(self.registry.activities):
            lines.append(f"  {name}: activityTrigger")
        lines.append(f"Durable HTTP API: {self.base_url}{WEBHOOK_PATH}/")
        if self.enforce_keys:
            lines.append("Keys (send as ?code= or the x-functions-key header):")
            lines.append(f"  master: {self.keys.master}")
            lines.append(f"  default (function): {self.keys.default_function}")
            lines.append(f"  {DURABLE_SYSTEM_KEY_NAME} (system): {self.keys.durable_system}")
        else:
            lines.append("Keys: not checked (--no-auth-keys)")
        return lines


def _forget_foreign_sdk_session(loop: asyncio.AbstractEventLoop) -> None:
    """Drop an SDK session left bound to another (likely closed) loop by earlier code."""
    session = http_utils._client_session
    if session is not None and getattr(session, "_loop", loop) is not loop:
        http_utils._client_session = None


async def _release_sdk_session() -> None:
    """Close the SDK client's shared aiohttp session when the last host on this loop stops.

    The SDK keeps one module-level session bound to the loop that created it; closing it
    avoids unclosed-session warnings and a stale session if a later host uses another loop.
    """
    loop = asyncio.get_running_loop()
    remaining = _hosts_per_loop.get(loop, 1) - 1
    if remaining > 0:
        _hosts_per_loop[loop] = remaining
        return
    _hosts_per_loop.pop(loop, None)
    await http_utils._close_session()

"""Run devhost inside a test process: a context manager and a pytest fixture factory.

    with run_devhost(Path("devhost/devhost_tests/apps/chaining")) as devhost:
        requests.post(f"{devhost.base_url}/api/orchestrators/Chain")

Every devhost started here runs on one shared background event loop (a daemon thread), so
tests stay synchronous while the runtime, the HTTP server and the app's async functions
share a loop as they do in the Functions worker. The shared loop also keeps the durable SDK's
process-wide HTTP session on a single loop, so several apps may run one after another or at
the same time in one pytest process.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Callable, Coroutine, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from devhost.clock import Clock, VirtualClock, WallClock
from devhost.host import DevHost
from devhost.keys import KEY_HEADER, HostKeys
from devhost.local_settings import apply_values, setting_values
from devhost.registry import FunctionRegistry, load_app
from devhost.runtime import DurableRuntime
from devhost.storage_connection import CredentialFactory

T = TypeVar("T")
START_TIMEOUT = 60.0


class _LoopThread:
    """A process-wide event loop on a daemon thread."""

    _lock = threading.Lock()
    _loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def loop(cls) -> asyncio.AbstractEventLoop:
        with cls._lock:
            if cls._loop is None or cls._loop.is_closed():
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name="devhost-loop", daemon=True)
                thread.start()
                cls._loop = loop
            return cls._loop


def run_on_loop[T](coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
    """Run a coroutine on the devhost loop from a test's thread and return its result."""
    future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, _LoopThread.loop())
    return future.result(timeout)


@dataclass
class RunningDevhost:
    """What `run_devhost` yields."""

    base_url: str
    clock: Clock
    runtime: DurableRuntime
    registry: FunctionRegistry
    host: DevHost

    @property
    def keys(self) -> HostKeys:
        """The host's keys: `keys.default_function` for FUNCTION routes, `keys.master`."""
        return self.host.keys

    @property
    def function_key_headers(self) -> dict[str, str]:
        """Headers that admit a request to FUNCTION-level routes (`x-functions-key`)."""
        return {KEY_HEADER: self.host.keys.default_function}

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float | None = 60.0) -> T:
        """Await something on the devhost loop (e.g. `runtime.start_new(...)`)."""
        return run_on_loop(coroutine, timeout)

    def wait_for(self, instance_id: str, timeout: float = 60.0) -> dict[str, Any]:
        """The instance's final status (runtime.wait_for on the devhost loop)."""
        return run_on_loop(self.runtime.wait_for(instance_id, timeout), timeout + 5)


@contextlib.contextmanager
def _environment(overrides: Mapping[str, str], app_dir: Path) -> Iterator[None]:
    """Set `overrides`, then local.settings.json Values (Core Tools rule); restore on exit."""
    saved = dict(os.environ)
    try:
        os.environ.update(overrides)
        apply_values(setting_values(app_dir), os.environ)
        yield
    finally:
        # Undo key by key: other devhosts on the shared loop may be reading the environment.
        for key in set(os.environ) - set(saved):
            os.environ.pop(key, None)
        for key, value in saved.items():
            if os.environ.get(key) != value:
                os.environ[key] = value


@contextlib.contextmanager
def run_devhost(
    app_dir: Path | str,
    *,
    virtual_time: bool = True,
    env: Mapping[str, str] | None = None,
    state_path: Path | str | None = None,
    port: int = 0,
    clock: Clock | None = None,
    enforce_keys: bool = True,
    queue_credentials: CredentialFactory | None = None,
) -> Iterator[RunningDevhost]:
    """Load the app in `app_dir` and serve it on 127.0.0.1 until the block ends.

    `env` is set in os.environ (and restored afterwards) before the app is imported;
    local.settings.json Values fill in what is still unset. With `virtual_time` the
    runtime uses a VirtualClock that jumps to the next timer whenever nothing can run.
    Pass `clock` to share one clock with in-process simulators started before devhost.
    HTTP routes check the host's keys as on Azure (`RunningDevhost.function_key_headers`);
    `enforce_keys=False` turns that off.
    """
    directory = Path(app_dir).resolve()
    with _environment(dict(env or {}), directory):
        registry = load_app(directory)
        runtime_clock = clock or (VirtualClock() if virtual_time else WallClock())
        host = DevHost(
            registry,
            clock=runtime_clock,
            state_path=Path(state_path) if state_path is not None else None,
            port=port,
            enforce_keys=enforce_keys,
            queue_credentials=queue_credentials,
        )
        run_on_loop(host.start(), START_TIMEOUT)
        try:
            yield RunningDevhost(host.base_url, runtime_clock, host.runtime, registry, host)
        finally:
            run_on_loop(host.stop(), START_TIMEOUT)


def devhost_fixture(
    app_dir: Path | str, *, scope: str = "module", **options: Any
) -> Callable[..., Any]:
    """A pytest fixture that runs `app_dir` for its scope: `chain = devhost_fixture(APP)`."""
    import pytest

    def _fixture() -> Iterator[RunningDevhost]:
        with run_devhost(app_dir, **options) as running:
            yield running

    return pytest.fixture(scope=scope)(_fixture)  # type: ignore[call-overload]

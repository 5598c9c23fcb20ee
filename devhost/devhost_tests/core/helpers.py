"""Drive a DurableRuntime directly (no HTTP) over the small apps in ./apps."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from devhost.clock import Clock, VirtualClock
from devhost.registry import load_app
from devhost.runtime import DurableRuntime

APPS = Path(__file__).parent / "apps"
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
T = TypeVar("T")


def run[T](test: Callable[[], Awaitable[T]], timeout: float = 60) -> T:
    """Run an async test body on a fresh loop (pytest-asyncio is not installed)."""

    async def bounded() -> T:
        return await asyncio.wait_for(test(), timeout)

    return asyncio.run(bounded())


@asynccontextmanager
async def running(
    app: str,
    *,
    clock: Clock | None = None,
    state_path: Path | None = None,
    activity_workers: int = 16,
) -> AsyncIterator[DurableRuntime]:
    """A started runtime for apps/<app>, stopped at the end of the block."""
    runtime = DurableRuntime(
        load_app(APPS / app),
        clock=clock or VirtualClock(EPOCH),
        state_path=state_path,
        activity_workers=activity_workers,
    )
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()


async def start_and_wait(
    runtime: DurableRuntime,
    orchestrator: str,
    value: Any = None,
    *,
    instance_id: str | None = None,
    timeout: float = 30,
) -> dict[str, Any]:
    """Start an instance with a JSON input and wait until it finishes."""
    started = await runtime.start_new(orchestrator, instance_id, json.dumps(value))
    return await runtime.wait_for(started, timeout)


async def wait_until(predicate: Callable[[], bool], timeout: float = 10) -> None:
    """Poll a condition on the loop (for states between start and finish)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(0.005)


def history(runtime: DurableRuntime, instance_id: str) -> list[dict[str, Any]]:
    """The stored replay history (raw events, as the SDK sees them)."""
    return runtime.raw_history(instance_id)

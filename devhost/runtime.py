"""DurableRuntime: the local stand-in for the Durable Functions extension and its task hub.

(Skeleton: the public surface is final; the implementation lands in the next commits.)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from devhost.clock import Clock
from devhost.registry import FunctionRegistry


class InstanceExistsError(Exception):
    """start_new with the id of an instance that is Running or Pending."""


class InstanceNotFoundError(Exception):
    """No instance has that id."""


class InstanceNotRunningError(Exception):
    """raise_event/terminate on an instance that already finished (the HTTP API answers 410)."""


class UnknownFunctionError(Exception):
    """No orchestrator function of that name."""


class DurableRuntime:
    """Runs orchestrations and activities of one app on the caller's asyncio loop."""

    def __init__(self, registry: FunctionRegistry, *, clock: Clock, state_path: Path | None = None,
                 task_hub: str = "TestHubName", activity_workers: int = 16) -> None:
        self.registry = registry
        self.clock = clock
        self.state_path = state_path
        self.task_hub = task_hub
        self.activity_workers = activity_workers

    async def start(self) -> None:
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError

    async def start_new(self, orchestrator: str, instance_id: str | None,
                        input_json: str | None) -> str:
        raise NotImplementedError

    def get_status(self, instance_id: str, *, show_history: bool = False,
                   show_history_output: bool = False,
                   show_input: bool = True) -> dict[str, Any] | None:
        raise NotImplementedError

    def query(self, *, runtime_status: list[str] | None = None,
              created_from: datetime | None = None, created_to: datetime | None = None,
              instance_id_prefix: str | None = None) -> list[dict[str, Any]]:
        raise NotImplementedError

    async def raise_event(self, instance_id: str, event_name: str, data_json: str | None) -> None:
        raise NotImplementedError

    async def terminate(self, instance_id: str, reason: str | None) -> None:
        raise NotImplementedError

    def purge(self, instance_id: str) -> int:
        raise NotImplementedError

    @contextmanager
    def hold(self) -> Iterator[None]:
        raise NotImplementedError
        yield

    async def wait_for(self, instance_id: str, timeout: float) -> dict[str, Any]:
        raise NotImplementedError

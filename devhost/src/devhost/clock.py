"""The runtime's sense of time: real, or virtual so that weeks of timers pass in seconds.

Everything in devhost that needs "now" (orchestrator timestamps, timer due times, status
timestamps) reads one `Clock`, and in-process simulators read the same one through
`clock.now`, so a virtual jump is seen consistently by the app and by its fakes.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """A source of timezone-aware UTC instants."""

    def now(self) -> datetime: ...


class WallClock:
    """Real time: timers fire when the wall clock reaches them."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "WallClock()"


class VirtualClock:
    """Time that stands still until the runtime jumps it to the next due timer.

    The runtime calls `advance_to` only when nothing can run (no episode, no activity, no
    hold), which makes long orchestrations finish in seconds and keeps them deterministic.
    """

    def __init__(self, start: datetime | None = None) -> None:
        instant = start if start is not None else datetime.now(UTC)
        if instant.tzinfo is None:
            raise ValueError("VirtualClock needs a timezone-aware start instant")
        self._now = instant.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return self._now

    def advance_to(self, when: datetime) -> None:
        """Move time forward to `when`; an earlier instant is ignored (time never goes back)."""
        if when.tzinfo is None:
            raise ValueError("advance_to needs a timezone-aware instant")
        with self._lock:
            target = when.astimezone(UTC)
            if target > self._now:
                self._now = target

    def __repr__(self) -> str:
        return f"VirtualClock({self._now.isoformat()})"

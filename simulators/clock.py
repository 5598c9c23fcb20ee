"""Clocks the simulators read scenario time from.

A simulator takes `now: Now`, a callable answering a timezone-aware UTC datetime. By default
that is the wall clock; devhost's virtual clock (or `ManualClock` in tests) can be passed
instead so a scenario lasting days plays out in seconds. Token expiry never uses this clock:
azure-identity caches tokens by the wall clock, so tokens must expire by the wall clock too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Now = Callable[[], datetime]


def wall_clock() -> datetime:
    """The real time, timezone-aware UTC."""
    return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to: for tests that must not sleep."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by `delta` and return the new time."""
        if delta < timedelta(0):
            raise ValueError("time only moves forward")
        with self._lock:
            self._now += delta
            return self._now


class TickingClock:
    """A clock that moves `step` on at every read: scenario time then advances with the calls
    made to the simulator, whatever clock (wall or virtual, in another process) the caller
    runs on, so a run's outcome does not depend on how fast it is driven."""

    def __init__(self, step: timedelta, start: datetime | None = None) -> None:
        if step <= timedelta(0):
            raise ValueError("step must be positive")
        self._step = step
        self._now = start or wall_clock()
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            self._now += self._step
            return self._now


class ScaledClock:
    """Wall time running `scale` times faster from the moment it is made: for manual demos."""

    def __init__(self, scale: float, wall: Now = wall_clock) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        self._scale = scale
        self._wall = wall
        self._origin = wall()

    def __call__(self) -> datetime:
        return self._origin + (self._wall() - self._origin) * self._scale

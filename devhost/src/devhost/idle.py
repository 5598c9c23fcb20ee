"""When may a virtual clock jump: nothing runs, nothing is held, and no outside work waits.

The runtime knows its own work (episodes, activities, pending writes). Work it cannot see
comes from outside: an HTTP function running, a queue message fetched or about to be.
Those `hold()` the runtime while they run, and before each jump the idle probes (each
queue listener polls once) look for work that has arrived but not been fetched; a probe
that finds some holds the runtime before it returns. Only then does the clock move to the
next due timer of a live instance, so a two-week go-live runs in seconds without skipping
past a message that was already waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime

from devhost.clock import Clock

log = logging.getLogger("devhost.runtime")

IdleProbe = Callable[[], Awaitable[object]]  # looks for outside work before a virtual jump

PROBE_SECONDS = 5.0  # idle probes that take longer do not hold the virtual clock back


class IdleDetector:
    """Holds, idle probes and the jump of a virtual clock to the next due timer."""

    def __init__(self, clock: Clock, busy: Callable[[], bool], released: Callable[[], None]):
        """`busy`: the runtime's own work in flight; `released` runs when a hold ends."""
        self._clock = clock
        self._busy = busy
        self._released = released
        self._lock = threading.Lock()
        self._holds = 0
        self._probes: list[IdleProbe] = []

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Mark outside work in progress: the virtual clock does not jump while held."""
        with self._lock:
            self._holds += 1
        try:
            yield
        finally:
            with self._lock:
                self._holds -= 1
            self._released()

    def add_probe(self, probe: IdleProbe) -> Callable[[], None]:
        """Have `probe` look for outside work before each jump; returns its remover."""
        self._probes.append(probe)

        def remove() -> None:
            if probe in self._probes:
                self._probes.remove(probe)

        return remove

    def idle(self) -> bool:
        return not self._holds and not self._busy()

    async def jump(
        self, has_timers: Callable[[], bool], next_live_due: Callable[[], datetime | None]
    ) -> bool:
        """Jump a virtual clock to the next live timer when idle; True if it jumped."""
        advance = getattr(self._clock, "advance_to", None)
        if advance is None or not self.idle() or not has_timers():
            return False
        if self._probes:
            await self._run_probes()
            if not self.idle():
                return False  # the probes found work (or work arrived meanwhile): it runs first
        due = next_live_due()
        if due is None:
            return False
        advance(due)
        return True

    async def _run_probes(self) -> None:
        probes = asyncio.gather(*(probe() for probe in list(self._probes)))
        try:
            await asyncio.wait_for(probes, PROBE_SECONDS)
        except Exception:  # a probe's own trouble must not stop time for good
            log.warning("an idle probe failed or did not answer; the clock jumps anyway")

"""Group commit: the state changes of one loop iteration written in one transaction.

With hundreds of instances in flight, each episode and activity result is a small change;
one SQLite transaction each would bound throughput by fsyncs. Changes queued in the same
loop iteration share one transaction, and nothing becomes visible in memory (published)
before it has committed. A refused write (a locked or failing state file) fails the whole
group; each change is then tried again until written or the runtime stops, so its work
stays in flight and is never lost from memory.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable

from devhost.store import Store, Transaction

log = logging.getLogger("devhost.runtime")

Write = Callable[[Transaction], bool]  # writes a change; False: nothing to publish
Publish = Callable[[], None]  # makes a committed change visible in memory
_Pending = tuple[Write, Publish | None, "asyncio.Future[None] | None"]

WRITE_RETRY_SECONDS = 1.0  # a refused state write is tried again after this pause


class NotWrittenError(Exception):
    """The store refused the group's transaction; the change is tried again."""


class GroupCommit:
    """Queues changes, writes each group in one transaction, publishes it in order."""

    def __init__(
        self,
        lock: threading.RLock,
        flushed: Callable[[], None],
        stopping: Callable[[], bool],
    ) -> None:
        """`lock` guards what publishing changes; `flushed` runs after every group (the
        dispatcher's wake-up); `stopping` ends the retries of a refused write."""
        self._lock = lock
        self._flushed = flushed
        self._stopping = stopping
        self._loop: asyncio.AbstractEventLoop | None = None
        self._store: Store | None = None
        self._batch: list[_Pending] = []
        self.last_flush_share = 0.0  # seconds of the last group, per change

    def open(self, loop: asyncio.AbstractEventLoop, store: Store) -> None:
        self._loop, self._store, self._batch = loop, store, []

    @property
    def pending(self) -> bool:
        """Changes are waiting for their transaction (the runtime is not idle)."""
        return bool(self._batch)

    async def commit(self, write: Write, publish: Publish) -> None:
        """Commit with the next group; return once durable and published in memory."""
        assert self._loop is not None
        while True:
            done = self._loop.create_future()
            self.queue(write, publish, done)
            try:
                await done
                return
            except NotWrittenError:
                if self._stopping():
                    raise
                await asyncio.sleep(WRITE_RETRY_SECONDS)

    def queue(
        self, write: Write, publish: Publish | None, done: asyncio.Future[None] | None
    ) -> None:
        """Add a change to the next group (nobody waits for it when `done` is None)."""
        self._batch.append((write, publish, done))
        if len(self._batch) == 1 and self._loop is not None:
            self._loop.call_soon(self.flush)

    def flush(self) -> None:
        """Write the whole group in one transaction, then publish it, in order."""
        batch, self._batch = self._batch, []
        if not batch or self._store is None:
            return
        started = time.perf_counter()
        with self._lock:
            try:
                with self._store.transaction() as tx:
                    applied = [write(tx) for write, _, _ in batch]
            except Exception as exc:
                log.warning("devhost could not write its state (will retry): %s", exc)
                _fail_all(batch, NotWrittenError(str(exc)))
                self._flushed()
                return
            try:
                for (_, publish, _), ok in zip(batch, applied, strict=True):
                    if ok and publish is not None:
                        publish()
            except Exception as exc:  # a devhost bug: the waiters must not hang
                _fail_all(batch, exc)
                raise
        self.last_flush_share = (time.perf_counter() - started) / len(batch)
        for _, _, done in batch:
            if done is not None and not done.done():
                done.set_result(None)
        # A pending group kept the runtime busy: the virtual clock may jump now even when
        # nothing new was published.
        self._flushed()


def _fail_all(batch: list[_Pending], error: Exception) -> None:
    for _, _, done in batch:
        if done is not None and not done.done():
            done.set_exception(error)

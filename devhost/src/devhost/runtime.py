"""DurableRuntime: the local stand-in for the Durable Functions extension and its task hub.

It owns the durable state (`store`), runs orchestrator episodes through the SDK (`engine`)
and activities through the worker's converters, and keeps time with a `Clock`. Work flows
as in Azure Storage: every result is a queued message; an instance with visible messages
gets an episode; an episode's outcome (history, new work, status) commits atomically
before anything else sees it (the changes of one loop iteration share a transaction).
In memory it mirrors the store so that 500 instances in flight need no polling and no
re-reading.

All of it runs on the caller's asyncio loop; episodes and activities are invocations of the
worker, which runs plain functions on its thread pool, so a long replay never stalls the
HTTP server sharing the loop. This module dispatches work; devhost.group_commit writes it,
and devhost.idle decides when a `VirtualClock` may jump to the next due timer.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import json
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from devhost import _activity as activity_runner
from devhost import _history as h
from devhost._history import EventType
from devhost._messages import ACTIVITY, Message, orchestrator_message
from devhost._status import status_of
from devhost.clock import Clock
from devhost.engine import (
    CONTINUED_AS_NEW,
    PENDING,
    RUNNING,
    EpisodeOutcome,
    ExecutionSnapshot,
    OrchestratorCall,
    fail_without_replay,
    new_engine_state,
    run_episode,
    terminate,
)
from devhost.group_commit import GroupCommit, Publish, Write
from devhost.idle import IdleDetector, IdleProbe
from devhost.invocation import FunctionInvoker, string_data
from devhost.limits import check_instance_id
from devhost.registry import FunctionRegistry, FunctionSpec
from devhost.store import InstanceRecord, StorageCounts, Store, Transaction
from devhost.worker import InvocationResult

log = logging.getLogger("devhost.runtime")

_MAX_EPISODES_IN_FLIGHT = 8  # episodes replaying at once (each an invocation of the worker)


class InstanceExistsError(Exception):
    """start_new with the id of an instance that is Running or Pending."""


class InstanceNotFoundError(Exception):
    """No instance has that id."""


class InstanceNotRunningError(Exception):
    """raise_event/terminate on an instance that already finished (the HTTP API answers 410)."""


class UnknownFunctionError(Exception):
    """No orchestrator function of that name."""


@dataclass
class RuntimeStats:
    """Counters for benchmarks: how much of an episode is the SDK's own replay."""

    episodes: int = 0
    episode_seconds: float = 0.0  # devhost's work per episode: build, replay, interpret, commit
    handle_seconds: float = 0.0  # of which inside the SDK's handle()
    activities: int = 0
    storage: StorageCounts = field(default_factory=StorageCounts)  # committed rows


class DurableRuntime:
    """Runs the orchestrations and activities of one app on the caller's asyncio loop."""

    def __init__(
        self,
        registry: FunctionRegistry,
        *,
        clock: Clock,
        state_path: Path | None = None,
        task_hub: str = "TestHubName",
        activity_workers: int = 16,
        client_binding: Callable[[], str] | None = None,
    ) -> None:
        """`client_binding` gives the durable client binding JSON for activities that bind
        one; only a host serving the durable HTTP API (DevHost) can give it."""
        self.registry = registry
        self.client_binding = client_binding
        self.clock = clock
        self.state_path = state_path
        self.task_hub = task_hub
        self.activity_workers = max(1, activity_workers)
        self.stats = RuntimeStats()
        self._store: Store | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.RLock()  # guards records/histories for readers on other threads
        self._records: dict[str, InstanceRecord] = {}
        self._histories: dict[str, list[str]] = {}  # unfinished instances' played events
        self._inbox: dict[str, list[Message]] = {}  # visible orchestrator messages
        self._ready: dict[str, None] = {}  # instances with messages and no episode (ordered)
        self._running: set[str] = set()  # instances with an episode in flight
        self._claimed: dict[str, str] = {}  # child id -> parent, created but not committed
        self._timers: list[tuple[datetime, int, Message]] = []  # messages not yet visible
        self._activity_queue: deque[Message] = deque()
        self._activities_running = 0
        self._next_message_id = 1
        self._group = GroupCommit(self._lock, self._poke, lambda: self._stopping)
        self._idle = IdleDetector(clock, self._busy, self._poke)
        self._tasks: set[asyncio.Task[None]] = set()
        self._waiters: dict[str, list[asyncio.Future[None]]] = {}
        self._wake: asyncio.Event | None = None
        self._pump_task: asyncio.Task[None] | None = None
        self._stopping = False
        self._invoker = FunctionInvoker(registry.worker)

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Recover every instance and queued message from the store, then begin dispatching."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._stopping = False
        self._store = Store(self.state_path, self.stats.storage)
        loaded = self._store.load()
        self._resume_virtual_time(loaded.instances)
        with self._lock:
            self._records = {r.instance_id: r for r in loaded.instances}
            self._histories = loaded.histories
        self._inbox, self._ready, self._running, self._claimed = {}, {}, set(), {}
        self._timers, self._activity_queue = [], deque()
        self._group.open(self._loop, self._store)
        for message in loaded.messages:
            self._next_message_id = max(self._next_message_id, message.id + 1)
            if message.kind == ACTIVITY:
                self._activity_queue.append(message)
            else:
                heapq.heappush(self._timers, (message.visible_at, message.id, message))
        self._pump_task = self._loop.create_task(self._pump(), name="devhost-pump")

    def _resume_virtual_time(self, instances: list[InstanceRecord]) -> None:
        """A virtual clock restarted on a state file must not run behind what it recorded."""
        advance = getattr(self.clock, "advance_to", None)
        if advance is not None and instances:
            advance(max(r.last_updated_time for r in instances))

    async def stop(self) -> None:
        """Stop dispatching; let episodes in flight commit, abandon running activities.

        An abandoned activity's work item stays in the store, so it runs again on the next
        start (at least once, as in Azure).
        """
        self._stopping = True
        if self._pump_task is not None:
            self._pump_task.cancel()
            await asyncio.gather(self._pump_task, return_exceptions=True)
            self._pump_task = None
        episodes = [t for t in self._tasks if t.get_name().startswith("episode")]
        if episodes:
            await asyncio.wait(episodes, timeout=30)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            self._group.flush()  # what already happened stays; the rest is redone on restart
        if self._store is not None:
            self._store.close()
            self._store = None

    # -- client operations ----------------------------------------------------------------

    async def start_new(
        self, orchestrator: str, instance_id: str | None, input_json: str | None
    ) -> str:
        """Schedule a new instance; a finished id may start again, a Running/Pending one not."""
        spec = self.registry.find_orchestrator(orchestrator)
        if spec is None:
            raise UnknownFunctionError(f"no orchestrator function named '{orchestrator}'")
        if instance_id:
            check_instance_id(instance_id)
        instance_id = instance_id or uuid.uuid4().hex
        existing = self._records.get(instance_id)
        if existing is not None and not existing.is_terminal:
            raise InstanceExistsError(
                f"an instance with id '{instance_id}' is already {existing.status}"
            )
        if instance_id in self._claimed:
            raise InstanceExistsError(f"an instance with id '{instance_id}' is already {PENDING}")
        record, start = self._new_instance(instance_id, spec.name, input_json, parent=None)
        with self._db.transaction() as tx:
            tx.delete_instance(instance_id)
            tx.put_instance(record)
            tx.add_messages([start])
        with self._lock:
            self._records[instance_id] = record
            self._histories[instance_id] = []
        self._inbox.pop(instance_id, None)  # leftovers of a previous run are void
        self._ready.pop(instance_id, None)
        self._route([start])
        return instance_id

    def get_status(
        self,
        instance_id: str,
        *,
        show_history: bool = False,
        show_history_output: bool = False,
        show_input: bool = True,
    ) -> dict[str, Any] | None:
        """The instance's status in the HTTP API shape, or None if there is no such instance."""
        with self._lock:
            record = self._records.get(instance_id)
            if record is None:
                return None
            history: list[str] | None = None
            if show_history:
                cached = self._histories.get(instance_id)
                history = list(cached) if cached is not None else self._db.history(instance_id)
        return status_of(
            record, show_input=show_input, history=history, show_history_output=show_history_output
        )

    def raw_history(self, instance_id: str) -> list[dict[str, Any]]:
        """The current execution's history exactly as the SDK replays it (tests, debugging)."""
        with self._lock:
            cached = self._histories.get(instance_id)
            texts = list(cached) if cached is not None else self._db.history(instance_id)
        return [json.loads(text) for text in texts]

    def query(
        self,
        *,
        runtime_status: list[str] | None = None,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
        instance_id_prefix: str | None = None,
    ) -> list[dict[str, Any]]:
        """Statuses of the instances matching every given filter, oldest first."""
        wanted = {s.lower() for s in runtime_status} if runtime_status else None
        created_from, created_to = _aware(created_from), _aware(created_to)
        with self._lock:
            records = list(self._records.values())
        matches = [
            r
            for r in records
            if (wanted is None or r.status.lower() in wanted)
            and (created_from is None or r.created_time >= created_from)
            and (created_to is None or r.created_time <= created_to)
            and (instance_id_prefix is None or r.instance_id.startswith(instance_id_prefix))
        ]
        matches.sort(key=lambda r: (r.created_time, r.instance_id))
        return [status_of(r, show_input=True) for r in matches]

    async def raise_event(self, instance_id: str, event_name: str, data_json: str | None) -> None:
        """Queue an event for the instance; it is buffered until the orchestrator waits for it."""
        record = self._running_record(instance_id)
        message = orchestrator_message(
            record.instance_id,
            None,
            self.clock.now(),
            h.event_raised(self.clock.now(), event_name, data_json),
        )
        self._enqueue([message])

    async def terminate(self, instance_id: str, reason: str | None) -> None:
        """Queue a termination; the instance ends Terminated at its next episode.

        Like a raised event it is for whichever execution is current when it is handled (as
        the extension clears its execution id): an episode in flight may continue as new.
        """
        record = self._running_record(instance_id)
        reason_json = None if reason is None else json.dumps(reason)
        message = orchestrator_message(
            record.instance_id,
            None,
            self.clock.now(),
            h.execution_terminated(self.clock.now(), reason_json),
        )
        self._enqueue([message])

    def purge(self, instance_id: str) -> int:
        """Delete the instance, its history and its queued work; the number deleted (0 or 1)."""
        with self._lock:
            if instance_id not in self._records:
                return 0
            with self._db.transaction() as tx:
                tx.delete_instance(instance_id)
            del self._records[instance_id]
            self._histories.pop(instance_id, None)
        return 1  # queued messages still in memory are discarded when dispatched

    def hold(self) -> contextlib.AbstractContextManager[None]:
        """Mark outside work in progress: the virtual clock does not jump while held."""
        return self._idle.hold()

    def add_idle_probe(self, probe: IdleProbe) -> Callable[[], None]:
        """Have `probe` look for outside work (e.g. poll a queue once) before each virtual jump.

        A probe that finds work must `hold()` the runtime before it returns: the clock then
        stays until that work is done. Returns the function that removes the probe.
        """
        return self._idle.add_probe(probe)

    async def wait_for(self, instance_id: str, timeout: float) -> dict[str, Any]:
        """Wait (real seconds) until the instance is Completed, Failed or Terminated."""
        record = self._records.get(instance_id)
        if record is None:
            raise InstanceNotFoundError(instance_id)
        if not record.is_terminal:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.setdefault(instance_id, []).append(waiter)
            try:
                await asyncio.wait_for(waiter, timeout)
            finally:
                waiters = self._waiters.get(instance_id, [])
                if waiter in waiters:
                    waiters.remove(waiter)
        status = self.get_status(instance_id)
        if status is None:
            raise InstanceNotFoundError(instance_id)
        return status

    # -- dispatching ----------------------------------------------------------------------

    async def _pump(self) -> None:
        """Release due timers, start episodes and activities; jump virtual time when idle."""
        assert self._wake is not None
        while not self._stopping:
            self._wake.clear()
            try:
                self._release_due_timers()
                self._dispatch_episodes()
                self._dispatch_activities()
                if await self._jump_virtual_clock():
                    continue
            except Exception:  # e.g. the state file became unwritable; keep serving reads
                log.exception("devhost dispatcher error")
                await asyncio.sleep(1)
                continue
            delay = self._delay_to_next_timer()
            if delay is None:
                await self._wake.wait()
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), delay)

    def _release_due_timers(self) -> None:
        now = self.clock.now()
        while self._timers and self._timers[0][0] <= now:
            self._deliver(heapq.heappop(self._timers)[2])

    async def _jump_virtual_clock(self) -> bool:
        """When nothing runs, jump to the next live timer (see devhost.idle)."""
        return await self._idle.jump(lambda: bool(self._timers), self._next_live_due)

    def _next_live_due(self) -> datetime | None:
        self._drop_dead_timers()
        return self._timers[0][0] if self._timers else None

    def _drop_dead_timers(self) -> None:
        """Forget due times of finished instances: time need not pass for nobody."""
        dead: list[Message] = []
        while self._timers and not self._is_live(self._timers[0][2]):
            dead.append(heapq.heappop(self._timers)[2])
        self._discard(dead)

    def _is_live(self, message: Message) -> bool:
        record = self._records.get(message.instance_id)
        return (
            record is not None
            and not record.is_terminal
            and message.execution_id in (None, record.execution_id)
        )

    def _busy(self) -> bool:
        """The runtime's own work in flight: episodes, activities, writes not yet committed."""
        return bool(
            self._ready
            or self._running
            or self._activity_queue
            or self._activities_running
            or self._group.pending
        )

    def _delay_to_next_timer(self) -> float | None:
        if not self._timers:
            return None
        return max(0.0, (self._timers[0][0] - self.clock.now()).total_seconds())

    def _dispatch_episodes(self) -> None:
        while self._ready and len(self._running) < _MAX_EPISODES_IN_FLIGHT:
            instance_id = next(iter(self._ready))
            del self._ready[instance_id]
            messages = self._inbox.pop(instance_id, [])
            if messages:
                self._running.add(instance_id)
                self._spawn(self._episode(instance_id, messages), f"episode:{instance_id}")

    def _dispatch_activities(self) -> None:
        while self._activity_queue and self._activities_running < self.activity_workers:
            message = self._activity_queue.popleft()
            record = self._records.get(message.instance_id)
            if record is None or record.is_terminal or record.execution_id != message.execution_id:
                self._discard([message])
                continue
            self._activities_running += 1
            self._spawn(self._run_activity(message), f"activity:{message.instance_id}")

    def _spawn(self, coroutine: Any, name: str) -> None:
        assert self._loop is not None
        task = self._loop.create_task(coroutine, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- episodes -------------------------------------------------------------------------

    async def _episode(self, instance_id: str, messages: list[Message]) -> None:
        try:
            await self._run_episode(instance_id, messages)
        except Exception:
            log.exception("episode of instance %s failed inside devhost", instance_id)
        finally:
            self._running.discard(instance_id)
            if self._inbox.get(instance_id):
                self._ready[instance_id] = None
            self._poke()

    async def _run_episode(self, instance_id: str, messages: list[Message]) -> None:
        record = self._records.get(instance_id)
        if record is None or record.is_terminal:
            self._discard(messages)
            return
        current = [m for m in messages if m.execution_id in (None, record.execution_id)]
        stale = [m for m in messages if m.execution_id not in (None, record.execution_id)]
        if not current:
            self._discard(stale)
            return
        snapshot = self._snapshot(record)
        now = self.clock.now()
        terminated = next(
            (m for m in current if m.event["EventType"] == EventType.EXECUTION_TERMINATED), None
        )
        spec = self.registry.find_orchestrator(record.name)
        work_seconds = 0.0
        if terminated is not None:
            outcome = terminate(snapshot, terminated.event.get("Input"), now)
        elif spec is None:
            message = f"The orchestrator function '{record.name}' does not exist in this app."
            outcome = fail_without_replay(snapshot, message, now)
        else:
            outcome, work_seconds = await self._replay(spec, snapshot, current, now)
        committing = time.perf_counter()
        write, publish = self._episode_commit(record, snapshot, current + stale, outcome, now)
        preparing = time.perf_counter() - committing
        try:
            await self._commit(write, publish)
        finally:
            if self._claimed:
                self._claimed = {c: p for c, p in self._claimed.items() if p != instance_id}
        self.stats.episodes += 1
        self.stats.episode_seconds += work_seconds + preparing + self._group.last_flush_share
        self.stats.handle_seconds += outcome.handle_seconds

    async def _replay(
        self,
        spec: FunctionSpec,
        snapshot: ExecutionSnapshot,
        messages: list[Message],
        now: datetime,
    ) -> tuple[EpisodeOutcome, float]:
        """Run the episode through the worker (which replays on its thread pool, so a long
        history never stalls the loop); also return the seconds it took."""
        started = time.perf_counter()
        outcome = await run_episode(snapshot, messages, now, self.orchestrator_call(spec))
        return outcome, time.perf_counter() - started

    def orchestrator_call(self, spec: FunctionSpec) -> OrchestratorCall:
        """Invoke `spec` with one episode's context JSON as its trigger value."""

        async def call(body: str) -> InvocationResult:
            return await self._invoker.invoke(spec, {spec.trigger_arg: string_data(body)})

        return call

    def _snapshot(self, record: InstanceRecord) -> ExecutionSnapshot:
        history = self._histories.get(record.instance_id)
        if history is None:
            history = self._db.history(record.instance_id)
            with self._lock:
                self._histories[record.instance_id] = history
        return ExecutionSnapshot(
            instance_id=record.instance_id,
            execution_id=record.execution_id,
            name=record.name,
            input_json=record.input_json,
            parent=record.parent,
            history=list(history),
            engine=record.engine,
        )

    def _episode_commit(
        self,
        record: InstanceRecord,
        snapshot: ExecutionSnapshot,
        consumed: list[Message],
        outcome: EpisodeOutcome,
        now: datetime,
    ) -> tuple[Write, Publish]:
        """The writes of an episode's outcome, and how to publish them once committed."""
        instance_id = record.instance_id
        custom = (
            outcome.custom_status_json if outcome.custom_status_set else record.custom_status_json
        )
        messages = list(outcome.messages)
        played = [_played(e) for e in outcome.new_events]
        restart = outcome.status == CONTINUED_AS_NEW
        if restart:
            updated = replace(
                record,
                execution_id=uuid.uuid4().hex,
                status=RUNNING,
                input_json=outcome.continue_input_json,
                output_json=None,
                custom_status_json=custom,
                last_updated_time=now,
                engine=new_engine_state(),
            )
            messages.append(self._start_message(updated, now))
        else:
            updated = replace(
                record,
                status=outcome.status,
                output_json=outcome.output_json,
                custom_status_json=custom,
                last_updated_time=now,
                engine=outcome.engine,
            )
        children: list[InstanceRecord] = []
        for child in outcome.children:
            created = self._create_child(
                child.instance_id, child.name, child.input_json, child.parent, now, messages
            )
            if created is not None:
                children.append(created)
        self._assign_ids(messages)

        def write(tx: Transaction) -> bool:
            tx.delete_messages(m.id for m in consumed)
            if self._records.get(instance_id) is not record:  # purged or restarted meanwhile
                return False
            if restart:
                tx.clear_history(instance_id)
            else:
                tx.append_history(instance_id, len(snapshot.history), played)
            tx.put_instance(updated)
            for child_record in children:
                tx.delete_instance(child_record.instance_id)
                tx.put_instance(child_record)
            tx.add_messages(messages)
            return True

        def publish() -> None:
            self._records[instance_id] = updated
            if restart:
                self._histories[instance_id] = []
            elif updated.is_terminal:
                self._histories.pop(instance_id, None)
            else:
                self._histories[instance_id] = snapshot.history + played
            for child_record in children:
                self._records[child_record.instance_id] = child_record
                self._histories[child_record.instance_id] = []
                self._inbox.pop(child_record.instance_id, None)
            self._route(messages)
            if updated.is_terminal:
                self._notify_waiters(instance_id)

        return write, publish

    def _create_child(
        self,
        instance_id: str,
        name: str,
        input_json: str | None,
        parent: dict[str, Any],
        now: datetime,
        messages: list[Message],
    ) -> InstanceRecord | None:
        """A sub-orchestration's instance, or a failure notice to the parent if impossible.

        The id is claimed until the parent's episode commits, so that another parent (or a
        client) cannot create the same explicit id in the same group commit.
        """
        spec = self.registry.find_orchestrator(name)
        existing = self._records.get(instance_id)
        reason = None
        if spec is None:
            reason = f"The orchestrator function '{name}' does not exist in this app."
        elif existing is not None and not existing.is_terminal:
            reason = f"An instance with id '{instance_id}' is already {existing.status}."
        elif instance_id in self._claimed:
            reason = f"An instance with id '{instance_id}' is already {PENDING}."
        if spec is None or reason is not None:
            notice = h.sub_orchestration_failed(now, parent["task_id"], reason or "", "")
            messages.append(
                orchestrator_message(parent["instance_id"], parent["execution_id"], now, notice)
            )
            return None
        self._claimed[instance_id] = parent["instance_id"]
        record, start = self._new_instance(instance_id, spec.name, input_json, parent)
        messages.append(start)
        return record

    def _new_instance(
        self, instance_id: str, name: str, input_json: str | None, parent: dict[str, Any] | None
    ) -> tuple[InstanceRecord, Message]:
        now = self.clock.now()
        record = InstanceRecord(
            instance_id=instance_id,
            name=name,
            execution_id=uuid.uuid4().hex,
            status=PENDING,
            input_json=input_json,
            output_json=None,
            custom_status_json=None,
            created_time=now,
            last_updated_time=now,
            parent=parent,
            engine=new_engine_state(),
        )
        start = self._start_message(record, now)
        self._assign_ids([start])
        return record, start

    def _start_message(self, record: InstanceRecord, now: datetime) -> Message:
        started = h.execution_started(
            now,
            name=record.name,
            input_json=record.input_json,
            instance_id=record.instance_id,
            execution_id=record.execution_id,
            parent=record.parent,
        )
        return orchestrator_message(record.instance_id, record.execution_id, now, started)

    # -- activities -----------------------------------------------------------------------

    async def _run_activity(self, message: Message) -> None:
        try:
            name = message.body["name"]
            input_json = message.body.get("input")
            spec = self.registry.find_activity(name)
            if spec is None:
                result = activity_runner.unknown_activity(name)
            else:
                client_json = None
                if spec.durable_client_arg and self.client_binding is not None:
                    client_json = self.client_binding()
                result = await activity_runner.run_activity(
                    self._invoker, spec, input_json, client_json
                )
            if not self._stopping:
                await self._commit_activity(message, result)
        except Exception:
            log.exception(
                "activity %s of instance %s failed inside devhost",
                message.body.get("name"),
                message.instance_id,
            )
        finally:
            self._activities_running -= 1
            self._poke()

    async def _commit_activity(
        self, message: Message, result: activity_runner.ActivityResult
    ) -> None:
        """Replace the work item by its result message, atomically."""
        self.stats.activities += 1
        now = self.clock.now()
        task_id = message.body["task_id"]
        record = self._records.get(message.instance_id)
        replies: list[Message] = []
        if (
            record is not None
            and not record.is_terminal
            and record.execution_id == message.execution_id
        ):
            event = (
                h.task_completed(now, task_id, result.result_json)
                if result.succeeded
                else h.task_failed(now, task_id, result.reason, result.details)
            )
            replies.append(
                orchestrator_message(message.instance_id, message.execution_id, now, event)
            )
        self._assign_ids(replies)

        def write(tx: Transaction) -> bool:
            tx.delete_messages([message.id])
            tx.add_messages(replies)
            return True

        await self._commit(write, lambda: self._route(replies))

    # -- plumbing -------------------------------------------------------------------------

    @property
    def _db(self) -> Store:
        if self._store is None:
            raise RuntimeError("the DurableRuntime is not started")
        return self._store

    def _running_record(self, instance_id: str) -> InstanceRecord:
        record = self._records.get(instance_id)
        if record is None:
            raise InstanceNotFoundError(f"no instance with id '{instance_id}'")
        if record.is_terminal:
            raise InstanceNotRunningError(
                f"instance '{instance_id}' is not running (it is {record.status})"
            )
        return record

    def _enqueue(self, messages: list[Message]) -> None:
        self._assign_ids(messages)
        with self._db.transaction() as tx:
            tx.add_messages(messages)
        self._route(messages)

    def _discard(self, messages: list[Message]) -> None:
        """Delete consumed-but-void messages with the next group commit (nobody waits)."""
        if messages:
            ids = [m.id for m in messages]

            def write(tx: Transaction) -> bool:
                tx.delete_messages(ids)
                return False

            self._queue_commit(write, None, None)

    async def _commit(self, write: Write, publish: Publish) -> None:
        """Commit with the next group (see devhost.group_commit), durable and published."""
        await self._group.commit(write, publish)

    def _queue_commit(
        self, write: Write, publish: Publish | None, done: asyncio.Future[None] | None
    ) -> None:
        self._group.queue(write, publish, done)

    def _assign_ids(self, messages: list[Message]) -> None:
        for message in messages:
            message.id = self._next_message_id
            self._next_message_id += 1

    def _route(self, messages: list[Message]) -> None:
        """Hand committed messages to the dispatcher: now, or when their time comes."""
        now = self.clock.now()
        for message in messages:
            if message.kind == ACTIVITY:
                self._activity_queue.append(message)
            elif message.visible_at <= now:
                self._deliver(message)
            else:
                heapq.heappush(self._timers, (message.visible_at, message.id, message))
        self._poke()

    def _deliver(self, message: Message) -> None:
        self._inbox.setdefault(message.instance_id, []).append(message)
        if message.instance_id not in self._running:
            self._ready[message.instance_id] = None

    def _notify_waiters(self, instance_id: str) -> None:
        for waiter in self._waiters.pop(instance_id, []):
            if not waiter.done():
                waiter.set_result(None)

    def _poke(self) -> None:
        """Wake the dispatcher, from the loop's thread or any other."""
        loop, wake = self._loop, self._wake
        if loop is None or wake is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            wake.set()
        else:
            loop.call_soon_threadsafe(wake.set)


def _played(event: dict[str, Any]) -> str:
    """An event as stored: it will have been played by the next episode."""
    event["IsPlayed"] = True
    return json.dumps(event)


def _aware(moment: datetime | None) -> datetime | None:
    """A filter instant without a timezone is taken as UTC (the API's times are UTC)."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment

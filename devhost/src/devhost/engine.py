"""One orchestrator episode, the way the Durable Functions host runs it.

An episode replays the execution's whole history through the SDK's own `handle()` (replay
schema V3), with the events that arrived since the last episode appended as not yet played,
then turns the answer into history and work: new actions are those beyond what earlier
episodes already interpreted (the SDK answers with every action so far). Task ids follow
the host's rule: one sequence per execution, taken in the order the orchestrator schedules
activities, timers and sub-orchestrations. `call_activity_with_retry` and
`call_sub_orchestrator_with_retry` are emulated as DTFx does: after each failed attempt a
retry timer takes the next id, and the re-attempt the id after it once the timer fires;
the last failure also gets its timer (the SDK waits for it before raising).

This module is pure: it reads an `ExecutionSnapshot` and returns an `EpisodeOutcome`; the
runtime persists the outcome in one transaction and dispatches its work.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from devhost import _history as h
from devhost._history import EventType
from devhost._messages import Message, activity_message, orchestrator_message
from devhost.limits import PayloadTooLargeError, check_custom_status
from devhost.worker import InvocationResult

PENDING = "Pending"
RUNNING = "Running"
COMPLETED = "Completed"
CONTINUED_AS_NEW = "ContinuedAsNew"
FAILED = "Failed"
TERMINATED = "Terminated"
TERMINAL_STATUSES = frozenset({COMPLETED, FAILED, TERMINATED})

# What the Functions host tells the SDK (docs/devhost.md): replay schema V3, and the Azure
# Storage timer limits under which the SDK splits long timers itself.
_CONTEXT_SETTINGS = {
    "upperSchemaVersion": 1,
    "upperSchemaVersionNew": 2,
    "maximumShortTimerDuration": "6.00:00:00",
    "longRunningTimerIntervalDuration": "3.00:00:00",
}
_OUT_OF_PROC_LABEL = "\n\n$OutOfProcData$:"
OrchestratorCall = Callable[[str], Awaitable[InvocationResult]]

_CALL_ACTIVITY = 0
_CALL_ACTIVITY_WITH_RETRY = 1
_CALL_SUB_ORCHESTRATOR = 2
_CALL_SUB_ORCHESTRATOR_WITH_RETRY = 3
_CONTINUE_AS_NEW = 4
_CREATE_TIMER = 5
_WAIT_FOR_EXTERNAL_EVENT = 6
_COMPOUND = {11, 12}
_UNSUPPORTED = {7: "call_entity", 8: "call_http", 9: "signal_entity"}

_FAILURE_EVENTS = {EventType.TASK_FAILED, EventType.SUB_ORCHESTRATION_FAILED}
_SUCCESS_EVENTS = {EventType.TASK_COMPLETED, EventType.SUB_ORCHESTRATION_COMPLETED}


class UnsupportedActionError(Exception):
    """The orchestrator asked for something devhost does not emulate (entities, durable HTTP)."""


def new_engine_state() -> dict[str, Any]:
    """Host bookkeeping for a fresh execution (persisted with the instance as JSON)."""
    # next_id: the execution's task id sequence. cursor: how many (flattened) actions
    # earlier episodes interpreted. retries: retry emulations in progress, keyed by the
    # id of their first attempt; retry_of: attempt/timer id -> that key.
    return {"next_id": 0, "cursor": 0, "retries": {}, "retry_of": {}}


@dataclass
class ExecutionSnapshot:
    """What an episode needs of an instance; a private copy, safe to use in a worker thread."""

    instance_id: str
    execution_id: str
    name: str
    input_json: str | None
    parent: dict[str, Any] | None  # {"instance_id", "execution_id", "task_id", "name"}
    history: list[str]  # played events as JSON text, oldest first
    engine: dict[str, Any]


@dataclass
class ChildStart:
    """A sub-orchestration the runtime must create in the same transaction."""

    instance_id: str
    name: str
    input_json: str | None
    parent: dict[str, Any]


@dataclass
class EpisodeOutcome:
    """Everything an episode changes, applied by the runtime in one transaction."""

    status: str
    new_events: list[dict[str, Any]] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    children: list[ChildStart] = field(default_factory=list)
    engine: dict[str, Any] = field(default_factory=new_engine_state)
    output_json: str | None = None
    custom_status_json: str | None = None
    custom_status_set: bool = False
    continue_input_json: str | None = None
    handle_seconds: float = 0.0


async def run_episode(
    snapshot: ExecutionSnapshot,
    messages: list[Message],
    now: datetime,
    call_orchestrator: OrchestratorCall,
) -> EpisodeOutcome:
    """Replay the execution with the new events through the worker and interpret its answer."""
    episode = _Episode(snapshot, now)
    new_events = episode.order_new_events([m.event for m in messages])
    played_events = [h.orchestrator_started(now), *new_events]
    body = _context_body(snapshot, played_events)
    started = time.perf_counter()
    result = await call_orchestrator(body)
    episode.outcome.handle_seconds = time.perf_counter() - started
    try:
        state, error = read_answer(result)
    except (TypeError, ValueError) as exc:
        state, error = {}, f"devhost could not read the orchestrator's answer ({exc})"
    episode.outcome.new_events.extend(played_events)
    if "customStatus" in state:
        try:
            check_custom_status(state["customStatus"])
            episode.set_custom_status(state["customStatus"])
        except PayloadTooLargeError as exc:  # the extension refuses before scheduling anything
            state, error = {}, str(exc)
    if error is not None:
        episode.fail(f"Orchestrator function '{snapshot.name}' failed: {error}")
    else:
        try:
            episode.interpret(state, new_events)
        except UnsupportedActionError as exc:
            episode.fail(f"Orchestrator function '{snapshot.name}' failed: {exc}")
        except (KeyError, TypeError, ValueError) as exc:  # an answer we cannot read
            episode.fail(
                f"Orchestrator function '{snapshot.name}' failed: devhost could not "
                f"interpret the orchestrator's answer ({type(exc).__name__}: {exc})"
            )
    episode.outcome.new_events.append(h.orchestrator_completed(now))
    return episode.outcome


def terminate(
    snapshot: ExecutionSnapshot, reason_json: str | None, now: datetime
) -> EpisodeOutcome:
    """End the execution as Terminated without running the orchestrator (as DTFx does)."""
    episode = _Episode(snapshot, now)
    episode.outcome.new_events.extend(
        [
            h.orchestrator_started(now),
            h.execution_terminated(now, reason_json),
        ]
    )
    episode.finish(TERMINATED, reason_json)
    episode.outcome.new_events.append(h.orchestrator_completed(now))
    return episode.outcome


def fail_without_replay(snapshot: ExecutionSnapshot, message: str, now: datetime) -> EpisodeOutcome:
    """End the execution as Failed when it cannot even be replayed (unknown orchestrator)."""
    episode = _Episode(snapshot, now)
    episode.outcome.new_events.append(h.orchestrator_started(now))
    episode.fail(message)
    episode.outcome.new_events.append(h.orchestrator_completed(now))
    return episode.outcome


def _context_body(snapshot: ExecutionSnapshot, new_events: list[dict[str, Any]]) -> str:
    """The JSON the host hands the orchestrator binding; played events are reused as text."""
    settings = json.dumps(
        {
            "input": snapshot.input_json,
            "instanceId": snapshot.instance_id,
            "isReplaying": bool(snapshot.history),
            "parentInstanceId": snapshot.parent["instance_id"] if snapshot.parent else None,
            **_CONTEXT_SETTINGS,
        }
    )
    events = [*snapshot.history, *(json.dumps(e) for e in new_events)]
    return '{"history":[' + ",".join(events) + "]," + settings[1:]


def read_answer(result: InvocationResult) -> tuple[dict[str, Any], str | None]:
    """The orchestrator's state, and its failure message when it raised.

    The SDK reports an uncaught orchestrator error by raising an exception whose message
    carries the state after `$OutOfProcData$:`; the worker returns it as a failed
    invocation whose message is "<ExceptionType>: <message>".
    """
    if result.error is not None:
        message, _, data = result.error.partition(_OUT_OF_PROC_LABEL)
        try:
            state = json.loads(data) if data else {}
        except ValueError:
            state = {}
        state = state if isinstance(state, dict) else {}
        # The extension reports the state's `error` (the orchestrator's own exception text),
        # not the worker's "<ExceptionType>: ..." wrapper around it.
        return state, str(state.get("error") or message)
    value = result.return_value
    kind = value.WhichOneof("data") if value is not None else None
    answer = getattr(value, kind) if kind else None
    if not isinstance(answer, str | bytes):
        raise TypeError(f"the orchestrator's answer is {kind or 'empty'}, not JSON text")
    return json.loads(answer), None


def flatten_actions(actions: Iterable[Any]) -> list[dict[str, Any]]:
    """The SDK's action answer as a flat list of leaf actions, in scheduling order.

    V2/V3 wrap every action in one outer list; task_all/task_any appear as compound actions
    whose children are scheduled in order.
    """
    leaves: list[dict[str, Any]] = []
    for action in actions:
        if isinstance(action, list):
            leaves.extend(flatten_actions(action))
        elif action.get("actionType") in _COMPOUND:
            leaves.extend(flatten_actions(action.get("compoundActions") or []))
        else:
            leaves.append(action)
    return leaves


class _Episode:
    """Mutable state of one episode's interpretation."""

    def __init__(self, snapshot: ExecutionSnapshot, now: datetime) -> None:
        self.snapshot = snapshot
        self.now = now
        self.engine = copy.deepcopy(snapshot.engine)
        self.outcome = EpisodeOutcome(status=RUNNING, engine=self.engine)

    # -- ordering of the new events -------------------------------------------------------

    def order_new_events(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """ExecutionStarted first; events that make the host allocate retry ids last.

        The SDK assigns ids while it replays, in event order; the host allocates a retry
        timer (or re-attempt) id when it handles the failure (or the timer). Putting those
        events last means every action the other new events unblock is yielded, and so
        numbered, before them on both sides.
        """
        starts = [e for e in events if e["EventType"] == EventType.EXECUTION_STARTED]
        others = [e for e in events if e["EventType"] != EventType.EXECUTION_STARTED]
        plain = [e for e in others if not self._allocates_retry_id(e)]
        retry = [e for e in others if self._allocates_retry_id(e)]
        return starts + plain + retry

    def _allocates_retry_id(self, event: dict[str, Any]) -> bool:
        """True for a failed attempt (its timer) or a retry timer followed by another attempt.

        The timer after the last attempt allocates nothing: the SDK raises the failure and
        the orchestrator's code runs on, scheduling like any plain event.
        """
        retry = self._retry_for(event)
        if retry is None:
            return False
        kind = event["EventType"]
        if kind in _FAILURE_EVENTS:
            return bool(retry["attempt_id"] == event["TaskScheduledId"])
        if kind == EventType.TIMER_FIRED:
            exhausted = retry["attempts"] >= retry["max_attempts"]
            return bool(retry["timer_id"] == event["TimerId"]) and not exhausted
        return False

    def _retry_for(self, event: dict[str, Any]) -> dict[str, Any] | None:
        kind = event["EventType"]
        if kind in _FAILURE_EVENTS or kind in _SUCCESS_EVENTS:
            task_id = event["TaskScheduledId"]
        elif kind == EventType.TIMER_FIRED:
            task_id = event["TimerId"]
        else:
            return None
        key = self.engine["retry_of"].get(str(task_id))
        if key is None:
            return None
        retry: dict[str, Any] | None = self.engine["retries"].get(key)
        return retry

    # -- interpreting the SDK's answer ----------------------------------------------------

    def interpret(self, state: dict[str, Any], new_events: list[dict[str, Any]]) -> None:
        leaves = flatten_actions(state.get("actions") or [])
        fresh = leaves[self.engine["cursor"] :]
        self.engine["cursor"] = len(leaves)
        continue_as_new = next((a for a in fresh if a.get("actionType") == _CONTINUE_AS_NEW), None)
        if state.get("isDone") and continue_as_new is not None:
            self.outcome.status = CONTINUED_AS_NEW
            self.outcome.continue_input_json = continue_as_new.get("input")
            return
        if state.get("isDone"):
            output = state.get("output")
            self.finish(COMPLETED, None if output is None else json.dumps(output))
            return
        for action in fresh:
            self._schedule(action)
        for event in new_events:
            self._advance_retry(event)

    def _schedule(self, action: dict[str, Any]) -> None:
        kind = action.get("actionType")
        if kind in (_CALL_ACTIVITY, _CALL_ACTIVITY_WITH_RETRY):
            task_id = self._take_id()
            if kind == _CALL_ACTIVITY_WITH_RETRY:
                self._start_retry(task_id, "activity", action)
            self._schedule_activity(task_id, action["functionName"], action.get("input"))
        elif kind in (_CALL_SUB_ORCHESTRATOR, _CALL_SUB_ORCHESTRATOR_WITH_RETRY):
            task_id = self._take_id()
            if kind == _CALL_SUB_ORCHESTRATOR_WITH_RETRY:
                self._start_retry(task_id, "suborchestration", action)
            self._schedule_child(
                task_id, action["functionName"], action.get("input"), action.get("instanceId")
            )
        elif kind == _CREATE_TIMER:
            # A timer canceled by task_any still exists in DTFx: it fires later, unseen.
            self._schedule_timer(self._take_id(), h.parse_time(action["fireAt"]))
        elif kind in (_WAIT_FOR_EXTERNAL_EVENT, _CONTINUE_AS_NEW):
            pass  # events are matched by name; continue-as-new only counts when done
        elif kind in _UNSUPPORTED:
            raise UnsupportedActionError(f"devhost does not support {_UNSUPPORTED[kind]}")
        else:
            raise UnsupportedActionError(f"devhost does not know action type {kind!r}")

    def _take_id(self) -> int:
        task_id: int = self.engine["next_id"]
        self.engine["next_id"] = task_id + 1
        return task_id

    def _schedule_activity(self, task_id: int, name: str, input_json: str | None) -> None:
        snap = self.snapshot
        self.outcome.new_events.append(h.task_scheduled(self.now, task_id, name, input_json))
        self.outcome.messages.append(
            activity_message(
                snap.instance_id,
                snap.execution_id,
                self.now,
                task_id=task_id,
                name=name,
                input_json=input_json,
            )
        )

    def _schedule_child(
        self, task_id: int, name: str, input_json: str | None, instance_id: str | None
    ) -> None:
        snap = self.snapshot
        child_id = instance_id or f"{snap.instance_id}:{task_id}"
        self.outcome.new_events.append(
            h.sub_orchestration_created(self.now, task_id, name, child_id, input_json)
        )
        parent = {
            "instance_id": snap.instance_id,
            "execution_id": snap.execution_id,
            "task_id": task_id,
            "name": snap.name,
        }
        self.outcome.children.append(ChildStart(child_id, name, input_json, parent))

    def _schedule_timer(self, timer_id: int, fire_at: datetime) -> None:
        snap = self.snapshot
        self.outcome.new_events.append(h.timer_created(self.now, timer_id, fire_at))
        self.outcome.messages.append(
            orchestrator_message(
                snap.instance_id,
                snap.execution_id,
                fire_at,
                h.timer_fired(fire_at, timer_id, fire_at),
            )
        )

    # -- retry emulation ------------------------------------------------------------------

    def _start_retry(self, task_id: int, kind: str, action: dict[str, Any]) -> None:
        options = action.get("retryOptions") or {}
        key = str(task_id)
        self.engine["retries"][key] = {
            "key": key,
            "kind": kind,
            "name": action["functionName"],
            "input": action.get("input"),
            "instance_id": action.get("instanceId"),
            "interval_ms": int(options.get("firstRetryIntervalInMilliseconds", 0)),
            "max_attempts": int(options.get("maxNumberOfAttempts", 1)),
            "attempts": 1,
            "attempt_id": task_id,
            "timer_id": None,
        }
        self.engine["retry_of"][key] = key

    def _advance_retry(self, event: dict[str, Any]) -> None:
        retry = self._retry_for(event)
        if retry is None:
            return
        kind = event["EventType"]
        if kind in _SUCCESS_EVENTS and retry["attempt_id"] == event["TaskScheduledId"]:
            self._end_retry(retry)
        elif kind in _FAILURE_EVENTS and retry["attempt_id"] == event["TaskScheduledId"]:
            timer_id = self._take_id()
            retry["timer_id"] = timer_id
            self.engine["retry_of"][str(timer_id)] = retry["key"]
            self._schedule_timer(timer_id, self.now + timedelta(milliseconds=retry["interval_ms"]))
        elif kind == EventType.TIMER_FIRED and retry["timer_id"] == event["TimerId"]:
            if retry["attempts"] >= retry["max_attempts"]:
                self._end_retry(retry)  # the SDK now raises the last failure
                return
            attempt_id = self._take_id()
            retry["attempts"] += 1
            retry["attempt_id"] = attempt_id
            retry["timer_id"] = None
            self.engine["retry_of"][str(attempt_id)] = retry["key"]
            if retry["kind"] == "activity":
                self._schedule_activity(attempt_id, retry["name"], retry["input"])
            else:
                self._schedule_child(
                    attempt_id, retry["name"], retry["input"], retry["instance_id"]
                )

    def _end_retry(self, retry: dict[str, Any]) -> None:
        key = retry["key"]
        del self.engine["retries"][key]
        self.engine["retry_of"] = {
            task: owner for task, owner in self.engine["retry_of"].items() if owner != key
        }

    # -- endings --------------------------------------------------------------------------

    def set_custom_status(self, value: Any) -> None:
        self.outcome.custom_status_set = True
        self.outcome.custom_status_json = None if value is None else json.dumps(value)

    def fail(self, message: str) -> None:
        self.finish(FAILED, json.dumps(message))

    def finish(self, status: str, output_json: str | None) -> None:
        """Record the end of the execution and tell the parent orchestration, if any."""
        outcome = self.outcome
        outcome.status = status
        outcome.output_json = output_json
        outcome.new_events.append(h.execution_completed(self.now, status, output_json))
        parent = self.snapshot.parent
        if parent is None:
            return
        if status == COMPLETED:
            notice = h.sub_orchestration_completed(self.now, parent["task_id"], output_json)
        else:
            reason = _text_of(output_json) or status
            if status == TERMINATED:
                reason = f"Sub-orchestration '{self.snapshot.instance_id}' was terminated: {reason}"
            notice = h.sub_orchestration_failed(self.now, parent["task_id"], reason, "")
        outcome.messages.append(
            orchestrator_message(parent["instance_id"], parent["execution_id"], self.now, notice)
        )


def _text_of(value_json: str | None) -> str:
    """A JSON string value as plain text (any other JSON as its text)."""
    if value_json is None:
        return ""
    try:
        value = json.loads(value_json)
    except ValueError:
        return value_json
    return value if isinstance(value, str) else value_json

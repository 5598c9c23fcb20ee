"""Drive the registered orchestrator through the SDK's own replay, in process.

`Replay` plays the part of the Durable backend the way the extension does: it keeps a
history (OrchestratorStarted, ExecutionStarted, TaskCompleted, TimerFired, EventRaised,
...), hands it to the function the app registered (`Orchestrator.create`'s handler, the
very callable the worker invokes) and reads back the actions. Activities are answered by
the test's scripts; timers fire on a virtual clock; `continue_as_new` starts a new
execution with its input, as the backend does. No storage, no HTTP: a run of weeks
replays in milliseconds.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from orchestrators.blueprint import go_live_orchestrator

INSTANCE_ID = "golive:contoso:offer-1"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

# The SDK's event and action type numbers (HistoryEventType, ActionType).
ORCHESTRATOR_STARTED, ORCHESTRATOR_COMPLETED, EXECUTION_STARTED = 12, 13, 0
TASK_SCHEDULED, TASK_COMPLETED, TASK_FAILED = 4, 5, 6
TIMER_CREATED, TIMER_FIRED, EVENT_RAISED = 10, 11, 15
CALL_ACTIVITY, CONTINUE_AS_NEW, CREATE_TIMER, WAIT_FOR_EVENT = 0, 4, 5, 6

Activity = Callable[[dict[str, Any]], Any]


class ActivityFailed(Exception):
    """Raised by a script to make the activity fail (TaskFailed), as an unhandled error would."""


@dataclass
class Call:
    """One activity invocation the orchestrator asked for."""

    name: str
    payload: dict[str, Any]
    at: datetime


@dataclass
class Outcome:
    """How a replayed run ended."""

    output: Any = None
    error: str | None = None
    executions: int = 1
    calls: list[Call] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    episodes: int = 0
    clock: datetime = START

    def names(self) -> list[str]:
        return [call.name for call in self.calls]

    def payloads(self, name: str) -> list[dict[str, Any]]:
        return [call.payload for call in self.calls if call.name == name]


# When a raised event reaches the history, relative to what else happens in that episode.
WHILE_WAITING = "while waiting"  # alone, while the orchestrator waits on a timer
WHILE_ACTIVITY_RUNS = "while an activity runs"  # just before the activity's answer
WITH_TIMER = "with the timer"  # just after a timer fires, in the same episode


@dataclass
class _Raise:
    name: str
    payload: Any
    when: Callable[[Replay], bool]
    moment: str


class Replay:
    """A tiny in-memory Durable backend for one orchestration instance."""

    def __init__(self, orchestration_input: dict[str, Any], activities: dict[str, Activity]):
        self.input = orchestration_input
        self.activities = activities
        self.clock = START
        self.outcome = Outcome()
        self.status: dict[str, Any] = {}
        self.waiting_timers: dict[int, datetime] = {}
        self._raises: list[_Raise] = []
        self._history: list[dict[str, Any]] = []
        self._answered = 0

    def raise_event(
        self,
        name: str,
        payload: Any,
        when: Callable[[Replay], bool],
        moment: str = WHILE_WAITING,
    ) -> None:
        """Raise `name` once `when(self)` holds, at `moment` of an episode."""
        self._raises.append(_Raise(name, payload, when, moment))

    @property
    def phase(self) -> str | None:
        return self.status.get("phase")

    def run(self, max_episodes: int = 5000) -> Outcome:
        self._start_execution(self.input)
        for _ in range(max_episodes):
            finished = self._episode()
            if finished:
                self.outcome.clock = self.clock
                return self.outcome
        raise AssertionError(f"the orchestration did not end within {max_episodes} episodes")

    # -- the backend's loop --------------------------------------------------------------

    def _start_execution(self, orchestration_input: Any) -> None:
        self._history = [
            _event(ORCHESTRATOR_STARTED, self.clock),
            _event(EXECUTION_STARTED, self.clock, Name="go_live_orchestrator", Version="",
                   Input=json.dumps(orchestration_input)),
        ]  # fmt: skip
        self._answered = 0
        self.waiting_timers = {}

    def _episode(self) -> bool:
        """Replay once, act on the new actions, and queue what happens next."""
        self.outcome.episodes += 1
        state = self._invoke()
        if state.get("customStatus") is not None:
            self.status = state["customStatus"]
            self.outcome.statuses.append(self.status)
        if "error" in state:
            self.outcome.error = state["error"]
            return True
        actions = [
            action
            for group in state["actions"]
            for action in group
            if action["actionType"] != WAIT_FOR_EVENT
        ]
        for task_id, action in enumerate(actions):
            if action["actionType"] == CREATE_TIMER and action.get("isCanceled"):
                self.waiting_timers.pop(task_id, None)
        new, self._answered = actions[self._answered :], len(actions)
        first_id = len(actions) - len(new)
        completions: list[dict[str, Any]] = []
        for task_id, action in enumerate(new, start=first_id):
            kind = action["actionType"]
            if kind == CONTINUE_AS_NEW:
                self.outcome.executions += 1
                self._start_execution(json.loads(action["input"]))
                return False
            if kind == CALL_ACTIVITY:
                completions.append(self._call(task_id, action))
            elif kind == CREATE_TIMER and not action.get("isCanceled"):
                fire_at = _parse(action["fireAt"])
                self._history.append(_event(TIMER_CREATED, self.clock, EventId=task_id,
                                            FireAt=action["fireAt"]))  # fmt: skip
                self.waiting_timers[task_id] = fire_at
        self._history.append(_event(ORCHESTRATOR_COMPLETED, self.clock))
        if state.get("isDone"):
            self.outcome.output = state.get("output")
            return True
        if completions:
            self._history.append(_event(ORCHESTRATOR_STARTED, self.clock))
            self._maybe_raise(WHILE_ACTIVITY_RUNS)
            self._history.extend(completions)
            return False
        if self._maybe_raise(WHILE_WAITING, opens_episode=True):
            return False
        if not self.waiting_timers:
            raise AssertionError("the orchestration waits for nothing the test will send")
        timer_id, fire_at = min(self.waiting_timers.items(), key=lambda item: item[1])
        del self.waiting_timers[timer_id]
        self.clock = max(self.clock, fire_at)
        self._history.append(_event(ORCHESTRATOR_STARTED, self.clock))
        fired = _event(TIMER_FIRED, self.clock, TimerId=timer_id, FireAt=fire_at.isoformat())
        self._history.append(fired)
        self._maybe_raise(WITH_TIMER)
        return False

    def _maybe_raise(self, moment: str, *, opens_episode: bool = False) -> bool:
        """Append the first due event for `moment`; True when one was."""
        for index, raised in enumerate(self._raises):
            if raised.moment == moment and raised.when(self):
                del self._raises[index]
                if opens_episode:
                    self._history.append(_event(ORCHESTRATOR_STARTED, self.clock))
                payload = json.dumps(raised.payload)
                self._history.append(
                    _event(EVENT_RAISED, self.clock, Name=raised.name, Input=payload)
                )
                return True
        return False

    def _call(self, task_id: int, action: dict[str, Any]) -> dict[str, Any]:
        name = action["functionName"]
        payload: dict[str, Any] = json.loads(action["input"]) if action.get("input") else {}
        self.outcome.calls.append(Call(name, payload, self.clock))
        self._history.append(_event(TASK_SCHEDULED, self.clock, EventId=task_id, Name=name))
        try:
            result = self.activities[name](payload)
        except ActivityFailed as error:
            return _event(TASK_FAILED, self.clock, TaskScheduledId=task_id, Reason=str(error),
                          Details="raised by the test")  # fmt: skip
        return _event(
            TASK_COMPLETED, self.clock, TaskScheduledId=task_id, Result=json.dumps(result)
        )

    def _invoke(self) -> dict[str, Any]:
        """Call the registered orchestrator function exactly as the worker does."""
        handle = go_live_orchestrator._function.get_user_function()
        body = json.dumps(
            {
                "history": self._history,
                "input": self._history[1]["Input"],
                "instanceId": INSTANCE_ID,
                "isReplaying": False,
                "parentInstanceId": None,
                "upperSchemaVersion": 0,
            }
        )
        try:
            state: dict[str, Any] = json.loads(handle(body))
        except Exception as error:  # the SDK raises the orchestrator's failure with its state
            message, _, data = str(error).partition("\n\n$OutOfProcData$:")
            state = json.loads(data) if data else {}
            state["error"] = message
        return state


def _event(kind: int, at: datetime, **fields: Any) -> dict[str, Any]:
    return {
        "EventType": kind,
        "EventId": fields.pop("EventId", -1),
        "IsPlayed": False,
        "Timestamp": at.isoformat(),
        **fields,
    }


def _parse(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def after(base: datetime, **delta: float) -> datetime:
    return base + timedelta(**delta)

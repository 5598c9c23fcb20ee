"""Episodes driven one by one, with the new events chosen by the test.

The runtime decides which events reach an episode together; here the test does, to pin the
cases where task ids could drift apart between the host and the SDK.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

from devhost._messages import Message, orchestrator_message
from devhost.engine import (
    COMPLETED,
    RUNNING,
    EpisodeOutcome,
    ExecutionSnapshot,
    flatten_actions,
    new_engine_state,
    run_episode,
)
from devhost.invocation import FunctionInvoker, string_data
from devhost.registry import load_app
from devhost.worker import InvocationResult

from devhost import _history as h
from devhost_tests.core.helpers import APPS, EPOCH


class Driver:
    """One execution, advanced an episode at a time."""

    def __init__(self, app: str, orchestrator: str, input_value: Any = None) -> None:
        registry = load_app(APPS / app)
        spec = registry.find_orchestrator(orchestrator)
        assert spec is not None
        self.spec = spec
        self.invoker = FunctionInvoker(registry.worker)
        self.snapshot = ExecutionSnapshot(
            instance_id="i1",
            execution_id="e1",
            name=orchestrator,
            input_json=json.dumps(input_value),
            parent=None,
            history=[],
            engine=new_engine_state(),
        )
        self.now = EPOCH

    def episode(self, *events: dict[str, Any]) -> EpisodeOutcome:
        messages = [orchestrator_message("i1", "e1", self.now, e) for e in events]
        outcome = asyncio.run(run_episode(self.snapshot, messages, self.now, self._call))
        for event in outcome.new_events:
            event["IsPlayed"] = True
        self.snapshot.history += [json.dumps(e) for e in outcome.new_events]
        self.snapshot.engine = outcome.engine
        self.now += timedelta(seconds=1)
        return outcome

    async def _call(self, body: str) -> InvocationResult:
        return await self.invoker.invoke(self.spec, {self.spec.trigger_arg: string_data(body)})

    def start(self) -> EpisodeOutcome:
        return self.episode(
            h.execution_started(
                self.now,
                name=self.snapshot.name,
                input_json=self.snapshot.input_json,
                instance_id="i1",
                execution_id="e1",
                parent=None,
            )
        )


def scheduled(outcome: EpisodeOutcome) -> list[tuple[int, int, str | None]]:
    """(event type, id, name) of what the episode scheduled."""
    return [
        (e["EventType"], e["EventId"], e.get("Name"))
        for e in outcome.new_events
        if e["EventType"] in (h.EventType.TASK_SCHEDULED, h.EventType.TIMER_CREATED)
    ]


def test_retry_failure_and_an_unblocking_completion_in_one_episode_keep_ids_aligned() -> None:
    driver = Driver("retries", "race_retry")
    first = driver.start()
    assert scheduled(first) == [(4, 0, "flaky"), (4, 1, "echo")]
    # The retry's failure arrives *before* the completion that unblocks the orchestrator.
    second = driver.episode(
        h.task_failed(driver.now, 0, "Activity function 'flaky' failed: boom", ""),
        h.task_completed(driver.now, 1, json.dumps("fast")),
    )
    # The orchestrator schedules "after" while replaying the completion; the retry timer is
    # numbered after it, on both sides.
    assert scheduled(second) == [(4, 2, "echo"), (10, 3, None)]
    third = driver.episode(h.task_completed(driver.now, 2, json.dumps("after")))
    assert scheduled(third) == []
    fourth = driver.episode(h.timer_fired(driver.now, 3, driver.now))
    assert scheduled(fourth) == [(4, 4, "flaky")]
    last = driver.episode(h.task_completed(driver.now, 4, json.dumps("third time")))
    assert last.status == COMPLETED
    assert json.loads(last.output_json or "null") == {
        "winner": "fast",
        "after": "after",
        "late": "third time",
    }


def test_actions_are_cumulative_and_only_new_ones_are_scheduled() -> None:
    driver = Driver("chaining", "chain", "Oslo")
    assert scheduled(driver.start()) == [(4, 0, "greet")]
    second = driver.episode(h.task_completed(driver.now, 0, json.dumps("Hello Oslo")))
    assert scheduled(second) == [(4, 1, "shout")]
    assert second.status == RUNNING
    kinds = [e["EventType"] for e in second.new_events]
    # OrchestratorStarted, TaskCompleted, TaskScheduled, OrchestratorCompleted
    assert kinds == [12, 5, 4, 13]
    messages: list[Message] = second.messages
    assert [(m.kind, m.body["task_id"], m.body["name"]) for m in messages] == [
        ("activity", 1, "shout")
    ]


def test_history_sent_to_the_sdk_marks_only_the_new_events_unplayed() -> None:
    driver = Driver("chaining", "chain", "Oslo")
    driver.start()
    played = [json.loads(t) for t in driver.snapshot.history]
    assert [e["EventType"] for e in played] == [12, 0, 4, 13]
    assert all(e["IsPlayed"] for e in played)
    assert played[1]["OrchestrationInstance"] == {"InstanceId": "i1", "ExecutionId": "e1"}


def test_compound_actions_flatten_in_scheduling_order() -> None:
    actions = [
        [
            {"actionType": 0, "functionName": "a"},
            {
                "actionType": 12,
                "compoundActions": [
                    {"actionType": 0, "functionName": "b"},
                    {
                        "actionType": 11,
                        "compoundActions": [
                            {"actionType": 6, "externalEventName": "e"},
                            {"actionType": 5, "fireAt": "2024-01-01T00:00:00.000000Z"},
                        ],
                    },
                ],
            },
        ]
    ]
    kinds = [(a["actionType"], a.get("functionName")) for a in flatten_actions(actions)]
    assert kinds == [(0, "a"), (0, "b"), (6, None), (5, None)]

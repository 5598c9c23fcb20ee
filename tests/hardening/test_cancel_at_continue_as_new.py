"""A cancel that arrives in the same batch as the timer that ends an execution is honoured.

The Python SDK stops reading the batch once the orchestrator function returns, and the
extension drops what was not read when the execution continues as new; the route had
already answered 202. The orchestrator is run here through the real SDK on the history
the extension would send for that batch: TimerFired, then EventRaised.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import azure.durable_functions as df
import pytest

from golive import events
from golive.activity_results import OperationStatus
from golive.function_names import CANCEL_EVENT, POLL_ACTIVITY, PUBLISH_ACTIVITY
from golive.go_live_request import GoLiveRequest
from golive.operation import parse_operation
from golive.run_status import Phase
from golive.settings import OrchestrationConfig
from orchestrators.go_live import orchestrate
from orchestrators.state import GoLiveState

INSTANCE = "golive:contoso:offer"
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
OPERATION_URL = "https://cpp.example/api/publishers/contoso/offers/offer/operations/op-1"


def event(kind: int, at: datetime, played: bool = True, **fields: Any) -> dict[str, Any]:
    return {
        "EventType": kind,
        "EventId": fields.pop("EventId", -1),
        "IsPlayed": played,
        "Timestamp": at.isoformat(),
        **fields,
    }


def last_execution_batch(cancel: dict[str, Any]) -> list[dict[str, Any]]:
    """One poll, its timer, then the timer firing together with the cancel (one batch)."""
    config = replace(OrchestrationConfig.defaults(), polls_per_execution=1)
    state = GoLiveState.new(GoLiveRequest("contoso", "offer"), config).begun("run-1", T0)
    state = replace(state, phase=Phase.POLLING, operation_url=OPERATION_URL)
    snapshot = parse_operation({"id": "op-1", "status": "running", "steps": []})
    polled = T0 + timedelta(seconds=1)
    fire_at = polled + timedelta(seconds=config.poll_initial_interval_seconds)
    woke = fire_at + timedelta(milliseconds=5)
    return [
        event(12, T0),
        event(
            0,
            T0,
            Name="go_live_orchestrator",
            Version="",
            Input=json.dumps(state.to_json()),
            OrchestrationInstance={"InstanceId": INSTANCE, "ExecutionId": "e1"},
        ),
        event(4, T0, EventId=0, Name=POLL_ACTIVITY),
        event(13, T0),
        event(12, polled),
        event(
            5,
            polled,
            TaskScheduledId=0,
            Result=json.dumps(OperationStatus(snapshot).to_json()),
        ),
        event(10, polled, EventId=1, FireAt=fire_at.isoformat()),
        event(13, polled),
        event(12, woke, played=False),
        event(11, woke, played=False, TimerId=1, FireAt=fire_at.isoformat()),
        event(15, woke, played=False, Name=CANCEL_EVENT, Input=json.dumps(cancel)),
    ]


def run(history: list[dict[str, Any]]) -> dict[str, Any]:
    handle = df.Orchestrator.create(orchestrate)
    context = {
        "history": history,
        "input": history[1]["Input"],
        "instanceId": INSTANCE,
        "isReplaying": False,
        "parentInstanceId": None,
        "upperSchemaVersion": 1,
        "upperSchemaVersionNew": 2,
    }
    answer: dict[str, Any] = json.loads(handle(json.dumps(context)))
    return answer


def new_actions(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """The actions of this episode (the answer lists every action so far)."""
    leaves: list[dict[str, Any]] = []
    for group in answer["actions"]:
        for action in group if isinstance(group, list) else [group]:
            leaves.append(action)
    return leaves[2:]  # the poll and the timer were scheduled by earlier episodes


@pytest.mark.parametrize("cancel_operation", [False, True])
def test_a_cancel_in_the_batch_that_ends_an_execution_is_not_lost(cancel_operation: bool) -> None:
    cancel = {"cancelOperation": cancel_operation, "reason": "release postponed"}
    answer = run(last_execution_batch(cancel))
    actions = new_actions(answer)
    assert not any(action["actionType"] == 4 for action in actions), "continued as new"
    assert answer["isDone"] is False
    expected = "cancel_operation" if cancel_operation else PUBLISH_ACTIVITY
    assert actions[0]["actionType"] == 0 and actions[0]["functionName"] == expected
    if not cancel_operation:
        published = json.loads(actions[0]["input"])["event"]
        assert published["type"] == events.CANCELED
        assert "release postponed" in published["data"]["reason"]


def test_without_a_cancel_the_execution_continues_as_new() -> None:
    history = last_execution_batch({})[:-1]
    answer = run(history)
    actions = new_actions(answer)
    assert answer["isDone"] is True
    assert [action["actionType"] for action in actions] == [4]
    carried = json.loads(actions[0]["input"])
    assert carried["execution"] == 2 and carried["phase"] == Phase.POLLING

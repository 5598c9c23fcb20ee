"""Starting, querying and purging instances; indexing an app."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from devhost.registry import UnsupportedBindingError, load_app
from devhost.runtime import InstanceExistsError, InstanceNotFoundError, UnknownFunctionError

from devhost_tests.core.helpers import APPS, EPOCH, run, running, start_and_wait, wait_until


def test_registry_indexes_orchestrators_and_activities() -> None:
    registry = load_app(APPS / "chaining")
    assert set(registry.orchestrators) == {"chain"}
    assert set(registry.activities) == {"greet", "shout", "exclaim"}
    shout = registry.activities["shout"]
    assert shout.trigger_arg == "text" and shout.function_id
    assert shout.trigger["type"] == "activityTrigger"
    assert not registry.http and not registry.queue


def test_unsupported_binding_is_refused_by_name() -> None:
    with pytest.raises(UnsupportedBindingError) as refused:
        load_app(APPS / "unsupported")
    assert "every_five_minutes" in str(refused.value)
    assert "timerTrigger" in str(refused.value)


def test_running_id_is_refused_and_finished_id_starts_again() -> None:
    async def body() -> None:
        async with running("approval") as runtime:
            await runtime.start_new("wait_forever", "solo", None)
            with pytest.raises(InstanceExistsError):
                await runtime.start_new("wait_forever", "solo", None)
            await runtime.raise_event("solo", "Never", json.dumps("first"))
            assert (await runtime.wait_for("solo", 10))["output"] == "first"
            await runtime.start_new("wait_forever", "solo", None)
            await runtime.raise_event("solo", "Never", json.dumps("second"))
            status = await runtime.wait_for("solo", 10)
            assert status["output"] == "second"
            events = runtime.get_status("solo", show_history=True)["historyEvents"]  # type: ignore[index]
            assert len([e for e in events if e["EventType"] == "EventRaised"]) == 1

    run(body)


def test_unknown_orchestrator_and_instance() -> None:
    async def body() -> None:
        async with running("chaining") as runtime:
            with pytest.raises(UnknownFunctionError):
                await runtime.start_new("nope", None, None)
            assert runtime.get_status("missing") is None
            with pytest.raises(InstanceNotFoundError):
                await runtime.raise_event("missing", "e", None)
            with pytest.raises(InstanceNotFoundError):
                await runtime.wait_for("missing", 1)

    run(body)


def test_query_filters_and_purge() -> None:
    async def body() -> None:
        async with running("approval") as runtime:
            await start_and_wait(runtime, "approval", {"deadline_hours": 1}, instance_id="a-1")
            await runtime.start_new("wait_forever", "a-2", None)
            await runtime.start_new("wait_forever", "b-1", None)
            await wait_until(lambda: len(runtime.query(runtime_status=["Running"])) == 2)
            assert [s["instanceId"] for s in runtime.query(instance_id_prefix="a-")] == [
                "a-1",
                "a-2",
            ]
            completed = runtime.query(runtime_status=["Completed"])
            assert [s["instanceId"] for s in completed] == ["a-1"]
            later = runtime.query(created_from=EPOCH + timedelta(minutes=30))
            assert {s["instanceId"] for s in later} == {"a-2", "b-1"}  # after the 1 h deadline
            assert runtime.query(created_to=EPOCH - timedelta(days=1)) == []
            naive = datetime(2024, 1, 1, 0, 30)  # taken as UTC
            assert {s["instanceId"] for s in runtime.query(created_from=naive)} == {"a-2", "b-1"}
            assert runtime.purge("a-1") == 1
            assert runtime.purge("a-1") == 0
            assert runtime.get_status("a-1") is None
            assert runtime.purge("b-1") == 1  # a running instance can be purged too
            assert {s["instanceId"] for s in runtime.query()} == {"a-2"}

    run(body)


def test_status_shows_history_and_hides_input_on_request() -> None:
    async def body() -> None:
        async with running("chaining") as runtime:
            done = await start_and_wait(runtime, "chain", "Lima", instance_id="h")
            assert done["output"][0] == "Hello Lima"
            brief = runtime.get_status("h", show_input=False)
            assert brief is not None and brief["input"] is None and "historyEvents" not in brief
            full = runtime.get_status("h", show_history=True, show_history_output=True)
            assert full is not None
            kinds = [e["EventType"] for e in full["historyEvents"]]
            assert kinds == [
                "ExecutionStarted",
                "TaskCompleted",
                "TaskCompleted",
                "TaskCompleted",
                "ExecutionCompleted",
            ]
            assert full["historyEvents"][1]["FunctionName"] == "greet"
            assert full["historyEvents"][1]["Result"] == "Hello Lima"
            quiet = runtime.get_status("h", show_history=True)
            assert quiet is not None and "Result" not in quiet["historyEvents"][1]

    run(body)

"""The classic Durable Functions patterns, replayed by the real SDK on DurableRuntime."""

from __future__ import annotations

import json
from datetime import timedelta

from devhost._history import parse_time
from devhost.clock import VirtualClock

from devhost_tests.core.helpers import EPOCH, history, run, running, start_and_wait

TASK_SCHEDULED, TASK_COMPLETED, TIMER_CREATED, TIMER_FIRED = 4, 5, 10, 11


def test_chaining_passes_each_result_to_the_next_activity() -> None:
    async def body() -> None:
        async with running("chaining") as runtime:
            status = await start_and_wait(runtime, "chain", "Tokyo")
            assert status["runtimeStatus"] == "Completed"
            assert status["output"] == ["Hello Tokyo", "HELLO TOKYO", "HELLO TOKYO!"]
            assert status["input"] == "Tokyo"
            events = history(runtime, status["instanceId"])
            scheduled = [
                (e["EventId"], e["Name"]) for e in events if e["EventType"] == TASK_SCHEDULED
            ]
            assert scheduled == [(0, "greet"), (1, "shout"), (2, "exclaim")]
            assert all(e["IsPlayed"] for e in events)

    run(body)


def test_fan_out_fan_in_over_a_hundred_parallel_activities() -> None:
    async def body() -> None:
        async with running("fan_out") as runtime:
            status = await start_and_wait(runtime, "fan_out", 150)
            assert status["runtimeStatus"] == "Completed"
            assert status["output"] == {"count": 150, "total": sum(n * n for n in range(150))}
            events = history(runtime, status["instanceId"])
            ids = [e["EventId"] for e in events if e["EventType"] == TASK_SCHEDULED]
            assert ids == list(range(151))
            assert len([e for e in events if e["EventType"] == TASK_COMPLETED]) == 151

    run(body)


def test_monitor_polls_on_timers_and_continues_as_new() -> None:
    async def body() -> None:
        clock = VirtualClock(EPOCH)
        async with running("monitor", clock=clock) as runtime:
            state = {
                "polls": 0,
                "generation": 0,
                "polls_needed": 8,
                "polls_per_generation": 3,
                "interval_seconds": 3600,
            }
            status = await start_and_wait(runtime, "monitor", state)
            assert status["runtimeStatus"] == "Completed"
            # 7 timers of an hour each between the 8 polls, across 3 continue-as-new.
            assert status["output"] == {"polls": 8, "generation": 2, "elapsed_seconds": 7 * 3600}
            assert status["customStatus"] == {"polls": 8, "last": "done"}
            assert clock.now() == EPOCH + timedelta(hours=7)
            # The current execution's history starts afresh and holds only its own polls.
            events = history(runtime, status["instanceId"])
            assert [e["EventType"] for e in events[:2]] == [12, 0]
            assert json.loads(events[1]["Input"])["generation"] == 2
            assert len([e for e in events if e["EventType"] == TASK_SCHEDULED]) == 2

    run(body)


def test_long_timer_is_split_by_the_sdk_and_fires_in_virtual_time() -> None:
    async def body() -> None:
        clock = VirtualClock(EPOCH)
        async with running("long_timer", clock=clock) as runtime:
            status = await start_and_wait(runtime, "long_wait", {"days": 14})
            assert status["runtimeStatus"] == "Completed"
            assert status["output"] == {"waited_days": 14.0, "stamp": "waited 1209600s"}
            assert clock.now() == EPOCH + timedelta(days=14)
            events = history(runtime, status["instanceId"])
            created = [
                (e["EventId"], e["FireAt"]) for e in events if e["EventType"] == TIMER_CREATED
            ]
            fired = [(e["TimerId"], e["FireAt"]) for e in events if e["EventType"] == TIMER_FIRED]
            assert created == fired
            fire_days = [(parse_time(at) - EPOCH).days for _, at in created]
            assert fire_days == [3, 6, 9, 14]  # 3-day chunks until within 6 days, then the end
            assert [timer_id for timer_id, _ in created] == [0, 1, 2, 3]

    run(body)


def test_sub_orchestrations_return_results_and_failures_to_the_parent() -> None:
    async def body() -> None:
        async with running("sub_orchestration") as runtime:
            status = await start_and_wait(runtime, "parent", None, instance_id="p1")
            assert status["runtimeStatus"] == "Completed"
            output = status["output"]
            assert [r["text"] for r in output["results"]] == ["A", "B", "C", "D"]
            assert {r["parent"] for r in output["results"]} == {"p1"}
            assert "child broke" in output["failure"]
            explicit = runtime.get_status("p1-b")
            assert explicit is not None and explicit["runtimeStatus"] == "Completed"
            assert explicit["output"] == {"text": "B", "parent": "p1"}
            children = runtime.query(instance_id_prefix="p1:")
            assert len(children) == 4
            assert sorted(c["runtimeStatus"] for c in children) == [
                "Completed",
                "Completed",
                "Completed",
                "Failed",
            ]

    run(body)


def test_two_parents_creating_one_explicit_child_id_together_get_one_child() -> None:
    async def body() -> None:
        async with running("sub_orchestration") as runtime:
            # Started in one go: both first episodes commit in the same group.
            first = await runtime.start_new("claims_shared_child", "parent-1", None)
            second = await runtime.start_new("claims_shared_child", "parent-2", None)
            outputs = [(await runtime.wait_for(i, 10))["output"] for i in (first, second)]
            winners = [o["child"] for o in outputs if "child" in o]
            refusals = [o["refused"] for o in outputs if "refused" in o]
            assert len(winners) == 1 and len(refusals) == 1, outputs
            assert "'shared-child' is already Pending" in refusals[0]
            child = runtime.get_status("shared-child")
            assert child is not None and child["output"] == winners[0]

    run(body)

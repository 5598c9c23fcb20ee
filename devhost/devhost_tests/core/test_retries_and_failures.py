"""call_activity_with_retry as the host emulates it, and how failures surface."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from devhost.clock import VirtualClock

from devhost_tests.core.helpers import EPOCH, history, run, running, start_and_wait

TASK_SCHEDULED, TASK_COMPLETED, TASK_FAILED, TIMER_CREATED, TIMER_FIRED = 4, 5, 6, 10, 11


def _shape(events: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """(event type, task id) of the scheduling and completion events, in order."""
    keyed = {
        TASK_SCHEDULED: "EventId",
        TIMER_CREATED: "EventId",
        TASK_COMPLETED: "TaskScheduledId",
        TASK_FAILED: "TaskScheduledId",
        TIMER_FIRED: "TimerId",
    }
    return [(e["EventType"], e[keyed[e["EventType"]]]) for e in events if e["EventType"] in keyed]


def _failed_attempts(count: int) -> list[tuple[int, int]]:
    """The shape of `count` failed attempts from id 0: each task fails, then its retry timer."""
    shape: list[tuple[int, int]] = []
    for task_id in range(0, 2 * count, 2):
        timer_id = task_id + 1
        shape += [(TASK_SCHEDULED, task_id), (TASK_FAILED, task_id)]
        shape += [(TIMER_CREATED, timer_id), (TIMER_FIRED, timer_id)]
    return shape


def _completed(task_id: int) -> list[tuple[int, int]]:
    """The shape of one task that is scheduled and completes."""
    return [(TASK_SCHEDULED, task_id), (TASK_COMPLETED, task_id)]


def test_retry_succeeds_on_the_third_attempt_with_a_timer_after_each_failure() -> None:
    async def body() -> None:
        clock = VirtualClock(EPOCH)
        async with running("retries", clock=clock) as runtime:
            status = await start_and_wait(runtime, "retry_until_third", None, instance_id="r3")
            assert status["runtimeStatus"] == "Completed"
            assert status["output"] == {"result": {"key": "r3", "attempts": 3}, "after": "after"}
            # Two failures with their timers, the third attempt, then the "echo" activity.
            assert _shape(history(runtime, "r3")) == (
                _failed_attempts(2) + _completed(4) + _completed(5)
            )
            assert clock.now() == EPOCH + timedelta(seconds=60)  # two 30 s retry timers

    run(body)


def test_retry_exhausting_its_attempts_raises_the_last_failure() -> None:
    async def body() -> None:
        async with running("retries") as runtime:
            status = await start_and_wait(runtime, "retry_exhausted", None, instance_id="rx")
            assert status["runtimeStatus"] == "Completed"
            caught = status["output"]["caught"]
            assert "Activity function 'always_fails' failed: RuntimeError: no luck with x" in caught
            assert status["output"]["after"] == "after"
            # The last failure gets its timer too; the next task takes the id after it.
            assert _shape(history(runtime, "rx")) == _failed_attempts(2) + _completed(4)

    run(body)


def test_retries_side_by_side_with_plain_activities() -> None:
    async def body() -> None:
        async with running("retries") as runtime:
            status = await start_and_wait(runtime, "retry_in_parallel", None, instance_id="rp")
            assert status["runtimeStatus"] == "Completed"
            assert status["output"] == [
                {"key": "rp-1", "attempts": 3},
                "plain",
                {"key": "rp-2", "attempts": 3},
            ]

    run(body)


def test_two_retries_resolving_in_one_episode_keep_their_ids_apart() -> None:
    async def body() -> None:
        clock = VirtualClock(EPOCH)
        async with running("retries", clock=clock) as runtime:
            status = await start_and_wait(runtime, "retries_resolve_together", instance_id="rt")
            assert status["runtimeStatus"] == "Completed", status["output"]
            # At 4 s a's last timer (a raises) and b's retry timer fire together.
            assert status["output"] == {
                "caught": "Activity function 'always_fails' failed: RuntimeError: no luck with a ",
                "cleanup": "cleanup",
            }
            assert clock.now() == EPOCH + timedelta(seconds=4)

    run(body)


def test_sub_orchestration_with_retry() -> None:
    async def body() -> None:
        async with running("retries") as runtime:
            status = await start_and_wait(runtime, "sub_retry", None, instance_id="sr")
            assert status["runtimeStatus"] == "Completed"
            assert status["output"] == {"key": "sr-child", "attempts": 3}
            failed_children = runtime.query(instance_id_prefix="sr:", runtime_status=["Failed"])
            assert len(failed_children) == 2

    run(body)


def test_uncaught_orchestrator_error_fails_the_instance_with_its_message() -> None:
    async def body() -> None:
        async with running("failures") as runtime:
            status = await start_and_wait(runtime, "uncaught")
            assert status["runtimeStatus"] == "Failed"
            assert status["output"] == (
                "Orchestrator function 'uncaught' failed: the orchestrator gave up"
            )
            assert "$OutOfProcData$" not in status["output"]
            assert status["customStatus"] == "about to fail"

    run(body)


def test_activity_failure_is_raised_inside_the_orchestrator() -> None:
    async def body() -> None:
        async with running("failures") as runtime:
            status = await start_and_wait(runtime, "activity_error")
            caught = status["output"]["caught"]
            reason = "Activity function 'explode' failed: KeyError: 'boom happened'"
            assert caught.startswith(reason)
            details = json.loads(caught.split("\n")[1])  # "<reason> \n <details>"
            assert details["Message"] == "KeyError: 'boom happened'"
            assert "Traceback" in details["StackTrace"]
            uncaught = await start_and_wait(runtime, "activity_error_uncaught")
            assert uncaught["runtimeStatus"] == "Failed"
            reason = "Activity function 'explode' failed: KeyError: 'bang happened'"
            assert reason in uncaught["output"]

    run(body)


def test_missing_activity_and_unsupported_actions_fail_clearly() -> None:
    async def body() -> None:
        async with running("failures") as runtime:
            missing = await start_and_wait(runtime, "missing_activity")
            assert missing["runtimeStatus"] == "Failed"
            assert "no_such_activity" in missing["output"]
            entities = await start_and_wait(runtime, "uses_entities")
            assert entities["runtimeStatus"] == "Failed"
            assert "does not support call_entity" in entities["output"]

    run(body)


def test_an_orchestrator_that_is_a_plain_function_completes() -> None:
    async def body() -> None:
        async with running("failures") as runtime:
            status = await start_and_wait(runtime, "plain_function", 7)
            assert status["output"] == {"not": "a generator", "input": 7}

    run(body)

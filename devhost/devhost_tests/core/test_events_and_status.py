"""External events, custom status and termination."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from devhost.clock import VirtualClock
from devhost.runtime import DurableRuntime, InstanceNotFoundError, InstanceNotRunningError

from devhost_tests.core.helpers import EPOCH, run, running, wait_until
from devhost_tests.gate import REPLAY_GATE


def _status(runtime: DurableRuntime, instance_id: str) -> dict[str, Any]:
    status = runtime.get_status(instance_id)
    assert status is not None
    return status


def test_event_raised_before_the_orchestrator_waits_is_buffered_and_wins() -> None:
    async def body() -> None:
        async with running("approval") as runtime:
            instance = await runtime.start_new("approval", None, json.dumps({"deadline_hours": 72}))
            await runtime.raise_event(instance, "Approval", json.dumps({"by": "Ada"}))
            status = await runtime.wait_for(instance, 10)
            assert status["runtimeStatus"] == "Completed"
            assert status["output"] == "approved by Ada"
            assert status["customStatus"] == "decided"

    run(body)


def test_event_raised_while_the_orchestrator_waits_wins_over_the_timer() -> None:
    async def body() -> None:
        clock = VirtualClock(EPOCH)
        async with running("approval", clock=clock) as runtime:
            with runtime.hold():  # keep virtual time still until the event is in
                instance = await runtime.start_new(
                    "approval", None, json.dumps({"deadline_hours": 72})
                )
                await wait_until(lambda: _status(runtime, instance)["runtimeStatus"] == "Running")
                assert _status(runtime, instance)["customStatus"] == "waiting for approval"
                await runtime.raise_event(instance, "Approval", json.dumps({"by": "Grace"}))
            status = await runtime.wait_for(instance, 10)
            assert status["output"] == "approved by Grace"
            assert clock.now() == EPOCH  # the canceled deadline never had to fire

    run(body)


def test_timer_wins_when_no_event_comes() -> None:
    async def body() -> None:
        clock = VirtualClock(EPOCH)
        async with running("approval", clock=clock) as runtime:
            instance = await runtime.start_new("approval", None, json.dumps({"deadline_hours": 72}))
            status = await runtime.wait_for(instance, 10)
            assert status["runtimeStatus"] == "Completed"
            assert status["output"] == "timed out"
            assert status["customStatus"] == "timed out"
            assert clock.now().isoformat() == "2024-01-04T00:00:00+00:00"
            with pytest.raises(InstanceNotRunningError):
                await runtime.raise_event(instance, "Approval", "{}")

    run(body)


def test_events_arriving_in_any_order_are_delivered_by_name() -> None:
    async def body() -> None:
        async with running("approval") as runtime:
            instance = await runtime.start_new("collect", None, None)
            await runtime.raise_event(instance, "Second", json.dumps(2))
            await runtime.raise_event(instance, "First", json.dumps(1))
            status = await runtime.wait_for(instance, 10)
            assert status["output"] == [1, 2]
            assert status["customStatus"] == {"first": 1}

    run(body)


def test_terminate_ends_a_waiting_instance_with_the_reason() -> None:
    async def body() -> None:
        async with running("approval") as runtime:
            instance = await runtime.start_new("wait_forever", "forever", None)
            await wait_until(lambda: _status(runtime, instance)["runtimeStatus"] == "Running")
            assert _status(runtime, instance)["customStatus"] == {"stage": "waiting"}
            await runtime.terminate(instance, "operator said stop")
            status = await runtime.wait_for(instance, 10)
            assert status["runtimeStatus"] == "Terminated"
            assert status["output"] == "operator said stop"
            with pytest.raises(InstanceNotRunningError):
                await runtime.terminate(instance, "again")
            with pytest.raises(InstanceNotFoundError):
                await runtime.terminate("nobody", "x")

    run(body)


def test_terminate_while_an_episode_continues_as_new_ends_the_next_execution() -> None:
    async def body() -> None:
        REPLAY_GATE.reset()
        async with running("held") as runtime:
            instance = await runtime.start_new("held_monitor", "held", None)
            loop = asyncio.get_running_loop()
            try:
                assert await loop.run_in_executor(None, REPLAY_GATE.reached.wait, 20)
                # The episode in flight ends in continue_as_new: a new execution id.
                await runtime.terminate(instance, "stop the monitor")
            finally:
                REPLAY_GATE.opened.set()
            status = await runtime.wait_for(instance, 20)
            assert status["runtimeStatus"] == "Terminated"
            assert status["output"] == "stop the monitor"
            assert status["input"] == "continued"

    run(body)


def test_terminate_a_pending_instance_before_it_ever_runs() -> None:
    async def body() -> None:
        async with running("approval") as runtime:
            instance = await runtime.start_new("wait_forever", None, None)
            assert _status(runtime, instance)["runtimeStatus"] == "Pending"
            await runtime.terminate(instance, None)
            status = await runtime.wait_for(instance, 10)
            assert status["runtimeStatus"] == "Terminated"
            assert status["customStatus"] is None  # the orchestrator never ran

    run(body)


def test_a_canceled_timer_that_fires_later_is_ignored_by_the_orchestrator() -> None:
    async def body() -> None:
        async with running("approval") as runtime:
            instance = await runtime.start_new("approve_then_wait", None, None)
            await runtime.raise_event(instance, "Approval", json.dumps(True))
            status = await runtime.wait_for(instance, 10)
            assert status["output"] == {"approved": True, "waited_hours": 2.0}
            fired = [e for e in runtime.raw_history(instance) if e["EventType"] == 11]
            assert [e["TimerId"] for e in fired] == [0, 1]  # the canceled one fired first

    run(body)


def test_a_deadline_longer_than_six_days_times_out_at_the_right_time() -> None:
    async def body() -> None:
        clock = VirtualClock(EPOCH)
        async with running("approval", clock=clock) as runtime:
            instance = await runtime.start_new(
                "approval", None, json.dumps({"deadline_hours": 240})
            )
            status = await runtime.wait_for(instance, 10)
            assert status["output"] == "timed out"
            assert status["lastUpdatedTime"] == "2024-01-11T00:00:00Z"

    run(body)


def test_an_event_beats_a_long_deadline() -> None:
    async def body() -> None:
        async with running("approval") as runtime:
            instance = await runtime.start_new(
                "approval", None, json.dumps({"deadline_hours": 240})
            )
            await runtime.raise_event(instance, "Approval", json.dumps({"by": "Lin"}))
            status = await runtime.wait_for(instance, 10)
            assert status["output"] == "approved by Lin"
            assert status["lastUpdatedTime"] == "2024-01-01T00:00:00Z"

    run(body)

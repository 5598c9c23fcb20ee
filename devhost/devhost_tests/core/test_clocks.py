"""Real and virtual time give the same results; virtual time follows the timers."""

from __future__ import annotations

import json
from typing import Any

from devhost.clock import Clock, VirtualClock, WallClock

from devhost_tests.core.helpers import EPOCH, run, running, start_and_wait


def _run_mixed(clock: Clock) -> dict[str, Any]:
    async def body() -> dict[str, Any]:
        async with running("mixed", clock=clock) as runtime:
            return await start_and_wait(
                runtime, "mixed", {"round": 0, "results": []}, instance_id="same"
            )

    return run(body)


def test_same_output_in_real_and_in_virtual_time() -> None:
    real = _run_mixed(WallClock())
    virtual_clock = VirtualClock(EPOCH)
    virtual = _run_mixed(virtual_clock)
    assert real["runtimeStatus"] == virtual["runtimeStatus"] == "Completed"
    assert real["output"] == virtual["output"]
    assert real["output"] == [
        0,
        "same-0 after 3",
        "deadline",
        [0, 2, 4, 6, 8],
        20,
        2,
        "same-1 after 3",
        "deadline",
        [0, 2, 4, 6, 8],
        22,
    ]
    assert virtual_clock.now() > EPOCH  # timers moved virtual time, not the wall clock


def test_virtual_clock_never_goes_back() -> None:
    clock = VirtualClock(EPOCH)
    clock.advance_to(EPOCH.replace(day=3))
    clock.advance_to(EPOCH.replace(day=2))
    assert clock.now() == EPOCH.replace(day=3)


def test_status_timestamps_follow_the_runtime_clock() -> None:
    async def body() -> None:
        clock = VirtualClock(EPOCH)
        async with running("long_timer", clock=clock) as runtime:
            status = await start_and_wait(runtime, "long_wait", {"days": 10})
            assert status["createdTime"] == "2024-01-01T00:00:00Z"
            assert status["lastUpdatedTime"] == "2024-01-11T00:00:00Z"
            assert json.loads(json.dumps(status))["output"]["waited_days"] == 10.0

    run(body)

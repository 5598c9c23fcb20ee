"""The SQLite state survives a killed process: every instance resumes and completes."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from devhost.clock import VirtualClock, WallClock
from devhost.runtime import DurableRuntime

from devhost_tests.core.crash_child import STEPS
from devhost_tests.core.helpers import EPOCH, run, running, start_and_wait, wait_until
from devhost_tests.gate import ACTIVITY_GATE
from devhost_tests.support import DEVHOST_ROOT, child_environ

INSTANCES = 6


def _expected(instance_id: str) -> list[str]:
    return [f"{instance_id}/{n}" for n in range(STEPS + 3)]


def _journal(path: Path) -> list[tuple[str, str, int, int]]:
    """(kind, instance, step, pid) per journal line."""
    if not path.exists():
        return []
    lines = [line.split() for line in path.read_text().splitlines() if line.strip()]
    return [(k, i, int(n), int(p)) for k, i, n, p in lines]


def _running_activity(journal: Path, pid: int, timeout: float = 60) -> tuple[str, int]:
    """Wait until the process `pid` is inside an activity; which one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        entries = _journal(journal)
        done = {(i, n) for k, i, n, p in entries if k == "done" and p == pid}
        for kind, instance, step, owner in entries:
            if kind == "start" and owner == pid and (instance, step) not in done:
                return instance, step
        time.sleep(0.01)
    raise TimeoutError("no activity started")


def test_sigkill_at_any_moment_then_restart_completes_every_instance(tmp_path: Path) -> None:
    state, journal = tmp_path / "state.db", tmp_path / "journal.txt"
    env = child_environ(
        {"DEVHOST_CRASH_JOURNAL": str(journal), "DEVHOST_CRASH_STEP_SECONDS": "0.15"}
    )
    command = [
        sys.executable,
        "-m",
        "devhost_tests.core.crash_child",
        str(state),
        str(INSTANCES),
        "--start",
    ]

    def spawn() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            command, cwd=DEVHOST_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )

    # First kill: while an activity is running, so that it must run again.
    first = spawn()
    _running_activity(journal, first.pid)
    first.kill()
    first.wait()
    entries = _journal(journal)
    finished = {(i, n) for k, i, n, p in entries if k == "done" and p == first.pid}
    victims = {
        (i, n)
        for k, i, n, p in entries
        if k == "start" and p == first.pid and (i, n) not in finished
    }
    assert victims, "the first process was not killed inside an activity"
    # More kills, at whatever point each process has reached by then.
    for delay in (0.45, 0.6, 0.75):
        process = spawn()
        time.sleep(delay)
        process.kill()
        process.wait()
    final = subprocess.run(
        command, cwd=DEVHOST_ROOT, env=env, capture_output=True, timeout=180, check=True
    )
    outputs = json.loads(final.stdout.decode().strip().splitlines()[-1])

    assert outputs == {
        f"crash-{n}": ["Completed", _expected(f"crash-{n}")] for n in range(INSTANCES)
    }
    rerun = {(i, n) for k, i, n, p in _journal(journal) if k == "done" and p != first.pid}
    assert victims <= rerun, "an activity killed mid-run never ran again"


def test_graceful_stop_mid_run_and_reopen_resumes_from_the_file(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    os.environ["DEVHOST_CRASH_STEP_SECONDS"] = "0.05"

    async def first_half() -> list[str]:
        async with running("crash", clock=WallClock(), state_path=state) as runtime:
            ids = [
                await runtime.start_new("crashy", f"r{n}", json.dumps({"steps": STEPS}))
                for n in range(4)
            ]
            while not any(_done_steps(runtime, i) for i in ids):
                await asyncio.sleep(0.02)
            statuses = [runtime.get_status(i) or {} for i in ids]
            assert not all(s.get("runtimeStatus") == "Completed" for s in statuses)
            return ids

    async def second_half(ids: list[str]) -> None:
        async with running("crash", clock=WallClock(), state_path=state) as runtime:
            for instance_id in ids:
                status = await runtime.wait_for(instance_id, 60)
                assert status["runtimeStatus"] == "Completed"
                assert status["output"] == _expected(instance_id)

    try:
        ids = run(first_half)
        run(lambda: second_half(ids))
    finally:
        os.environ.pop("DEVHOST_CRASH_STEP_SECONDS", None)


def test_virtual_clock_resumes_from_the_time_recorded_in_the_file(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    monitor = {
        "polls": 0,
        "generation": 0,
        "polls_needed": 4,
        "polls_per_generation": 2,
        "interval_seconds": 3600,
    }

    async def first() -> None:
        async with running("monitor", clock=VirtualClock(EPOCH), state_path=state) as runtime:
            status = await start_and_wait(runtime, "monitor", monitor, instance_id="m")
            assert status["output"]["elapsed_seconds"] == 3 * 3600

    async def reopened() -> None:
        clock = VirtualClock(EPOCH)
        async with running("monitor", clock=clock, state_path=state) as runtime:
            assert clock.now() >= EPOCH.replace(hour=3)
            status = runtime.get_status("m", show_history=True)
            assert status is not None and status["runtimeStatus"] == "Completed"
            assert status["historyEvents"][-1]["EventType"] == "ExecutionCompleted"

    run(first)
    run(reopened)


def test_restart_in_virtual_time_with_leftover_work_still_jumps_the_clock(tmp_path: Path) -> None:
    """A stale activity work item is discarded on restart; the clock then jumps to the timer."""
    state = tmp_path / "state.db"

    def status_of(runtime: DurableRuntime, instance_id: str) -> str:
        return (runtime.get_status(instance_id) or {}).get("runtimeStatus", "")

    async def first() -> None:
        ACTIVITY_GATE.reset()
        try:
            async with running("held", clock=VirtualClock(EPOCH), state_path=state) as runtime:
                await runtime.start_new("held_activity", "stale", None)
                loop = asyncio.get_running_loop()
                assert await loop.run_in_executor(None, ACTIVITY_GATE.reached.wait, 20)
                await runtime.terminate("stale", "leave the activity's work item behind")
                await wait_until(lambda: status_of(runtime, "stale") == "Terminated")
                # While the activity runs the clock cannot jump to the sleeper's timer.
                await runtime.start_new("sleeper", "sleeper", None)
                await wait_until(lambda: status_of(runtime, "sleeper") == "Running")
        finally:
            ACTIVITY_GATE.opened.set()  # after the stop: the abandoned activity never commits

    async def reopened() -> None:
        clock = VirtualClock(EPOCH)
        async with running("held", clock=clock, state_path=state) as runtime:
            status = await runtime.wait_for("sleeper", 10)
            assert status["runtimeStatus"] == "Completed"
            assert status["output"] == "woke"
            assert clock.now() == EPOCH + timedelta(hours=1)

    run(first)
    run(reopened)


def test_refused_state_writes_are_tried_again_and_nothing_is_lost(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """While the state file refuses writes, a fired timer and an activity result wait."""
    state = tmp_path / "state.db"
    refuse = (
        "CREATE TRIGGER refuse_{0} BEFORE INSERT ON {0} "
        "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
    )

    async def body() -> None:
        ACTIVITY_GATE.reset()
        clock = VirtualClock(EPOCH)
        async with running("held", clock=clock, state_path=state) as runtime:
            other_writer = sqlite3.connect(state, isolation_level=None)
            try:
                with runtime.hold():  # the clock stays still while the stage is set
                    await runtime.start_new("sleeper", "sleeper", None)
                    await runtime.start_new("held_activity", "worker", None)
                    loop = asyncio.get_running_loop()
                    assert await loop.run_in_executor(None, ACTIVITY_GATE.reached.wait, 20)
                    for table in ("history", "messages"):
                        other_writer.execute(refuse.format(table))
                    clock.advance_to(EPOCH + timedelta(hours=1))  # the sleeper's timer is due
                    ACTIVITY_GATE.opened.set()
                await wait_until(lambda: caplog.text.count("refused by the test") >= 2, 20)
                for table in ("history", "messages"):
                    other_writer.execute(f"DROP TRIGGER refuse_{table}")
            finally:
                other_writer.close()
            for instance_id, output in (("sleeper", "woke"), ("worker", "work")):
                status = await runtime.wait_for(instance_id, 10)
                assert (status["runtimeStatus"], status["output"]) == ("Completed", output)

    run(body)


def _done_steps(runtime: DurableRuntime, instance_id: str) -> bool:
    return any(e["EventType"] == 5 for e in runtime.raw_history(instance_id))

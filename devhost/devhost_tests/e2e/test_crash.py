"""Kill devhost with SIGKILL mid-run, again and again; every instance still completes right."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import requests

from devhost_tests.e2e.helpers import APPS, follow, start
from devhost_tests.e2e.process import DevhostProcess

APP = APPS / "crash"
JOBS = {f"job-{seed}": {"seed": seed, "steps": 12, "fan": 24} for seed in (1, 2, 3)}
KILL_AFTER_SECONDS = (0.7, 0.9, 0.7)  # of run time after each start; not asserted on


RICH_JOBS = {f"rich-{name}": {"name": name} for name in ("ann", "bo")}


def expected_rich(name: str) -> dict[str, Any]:
    """What rich_job returns once its event ("go" with the name) has come."""
    return {"flaky": f"{name} ok", "child": f"{name}:{len(name) * 2 + 1}", "go": name}


def expected(job: dict[str, int]) -> dict[str, Any]:
    """What slow_job computes, worked out independently of devhost."""
    chain, value = [], job["seed"]
    for step in range(job["steps"]):
        value = value * 2 + step
        chain.append(value)
    return {"chain": chain, "fan_total": sum(n * n for n in range(job["fan"]))}


def status_url(child: DevhostProcess, instance_id: str, operation: str = "") -> str:
    base = f"{child.base_url}/runtime/webhooks/durabletask/instances/{instance_id}"
    return f"{base}{operation}?code={child.keys.durable_system}"


def unfinished(child: DevhostProcess, instance_ids: list[str]) -> list[str]:
    return [
        instance_id
        for instance_id in instance_ids
        if requests.get(status_url(child, instance_id), timeout=10).status_code == 202
    ]


def raise_go(child: DevhostProcess, instance_id: str, name: str) -> None:
    url = status_url(child, instance_id, "/raiseEvent/go")
    assert requests.post(url, json=name, timeout=10).status_code == 202


def test_instances_survive_repeated_sigkill(tmp_path: Path) -> None:
    state = tmp_path / "devhost.sqlite"
    env = {"DEVHOST_CRASH_DIR": str(tmp_path)}

    def spawn() -> DevhostProcess:
        return DevhostProcess(APP, "--port", "0", "--state", str(state), env=env)

    child = spawn()
    try:
        child.wait_listening()
        for instance_id, job in JOBS.items():
            start(child, "slow_job", job, instance_id=instance_id)
        for instance_id, rich in RICH_JOBS.items():
            start(child, "rich_job", rich, instance_id=instance_id)
        for kill, pause in enumerate(KILL_AFTER_SECONDS):
            time.sleep(pause)
            running_at_kill = unfinished(child, [*JOBS, *RICH_JOBS])
            child.kill()
            # The crash must land mid-run, or this test would prove nothing.
            assert running_at_kill, "every job finished before the kill"
            if kill < 2:  # their events are not raised yet: killed somewhere on the way
                assert set(RICH_JOBS) <= set(running_at_kill)
            child.close()
            child = spawn()
            child.wait_listening()
            if kill == 1:  # the events come after two crashes, buffered or awaited
                for instance_id, rich in RICH_JOBS.items():
                    raise_go(child, instance_id, rich["name"])
        for instance_id, job in JOBS.items():
            final = follow(status_url(child, instance_id), timeout=120)
            assert final["runtimeStatus"] == "Completed", final
            assert final["output"] == expected(job)
            assert final["input"] == job
        for instance_id, rich in RICH_JOBS.items():
            final = follow(status_url(child, instance_id), timeout=120)
            assert final["runtimeStatus"] == "Completed", final
            assert final["output"] == expected_rich(rich["name"])
            runs = (tmp_path / f"{rich['name']}.runs").read_text().splitlines()
            assert len(runs) >= 3  # two failed runs, retried after their timers
    finally:
        child.close()

"""`make run` stays true: the demo runs the whole stack and ends with the completion event."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.azurite
def test_demo_runs_a_three_day_go_live_to_its_completion_event() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "demo", "run"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any("queue golive-requests <-" in line for line in lines)
    assert any("(blocked)" in line for line in lines)
    events = [line for line in lines if line.startswith("EVENT ")]
    assert [line.split()[1] for line in events] == [
        "Marketplace.GoLive.ActionRequired",
        "Marketplace.GoLive.Succeeded",
    ]
    assert lines[-1].startswith("done: Completed, outcome Marketplace.GoLive.Succeeded")
    assert " 3d0" in lines[-1]  # three simulated days (and the last poll interval)

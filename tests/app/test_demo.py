"""`make run` stays true: the demo runs the whole stack and ends with the completion event."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.azurite
def test_demo_runs_a_go_live_through_each_api_to_its_completion_event() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "demo", "run"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    queued = [line for line in lines if line.startswith("queue golive-requests <-")]
    assert ['"api": "cpp"' in queued[0], '"api": "productIngestion"' in queued[1]] == [True, True]
    assert any("(blocked)" in line for line in lines)
    assert any("stage=live job=completed/succeeded" in line for line in lines)
    events = [line for line in lines if line.startswith("EVENT ")]
    assert [line.split()[1] for line in events] == [
        "Marketplace.GoLive.ActionRequired",
        "Marketplace.GoLive.Succeeded",
        "Marketplace.GoLive.Succeeded",
    ]
    done = [line for line in lines if line.startswith("done: ")]
    assert len(done) == 2
    assert all(
        line.startswith("done: Completed, outcome Marketplace.GoLive.Succeeded") for line in done
    )
    assert " 3d0" in done[0]  # three simulated days (and the last poll interval)
    assert " 2d0" in done[1]  # a day and a quarter of job, three quarters of a day live
    assert "api=productIngestion" in result.stdout

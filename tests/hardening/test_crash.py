"""The host killed with SIGKILL at random moments, 20 times, while go-lives run (short run).

The long run (100 go-lives, 50 kills) is `make soak`.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from devhost.azurite import Azurite

from tests.hardening.crash import crash_run
from tests.hardening.hosted_app import Simulators, hosted_app

pytestmark = pytest.mark.azurite


def test_go_lives_survive_20_sigkills(
    azurite: Azurite, simulators: Simulators, tmp_path: Path
) -> None:
    seed = int(os.environ.get("CRASH_SEED") or random.randrange(1_000_000))
    with hosted_app(azurite, simulators, tmp_path, queue_name="hardening-crash") as app:
        report = crash_run(app, go_lives=24, kills=20, seed=seed)
    print(f"seed {seed}: {report.summary()}")
    assert report.kills >= 20
    assert report.problems == [], f"seed {seed} (CRASH_SEED={seed} repeats it)"

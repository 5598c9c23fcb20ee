"""Many go-lives queued at once all complete, nothing lost (a small run; `make soak` queues
1,000 and prints the figures)."""

from __future__ import annotations

from pathlib import Path

import pytest
from devhost.azurite import Azurite

from tests.hardening.hosted_app import Simulators, hosted_app
from tests.hardening.load import load_run

pytestmark = pytest.mark.azurite


def test_60_go_lives_queued_at_once_all_complete(
    azurite: Azurite, simulators: Simulators, tmp_path: Path
) -> None:
    with hosted_app(azurite, simulators, tmp_path, queue_name="hardening-load") as app:
        report = load_run(app, go_lives=60)
    print(report.summary())
    assert report.problems == []

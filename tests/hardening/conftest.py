"""Fixtures for the hardening suites: the simulators, and the app on a devhost child process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from devhost.azurite import Azurite

from tests.hardening.hosted_app import HostedApp, Simulators, hosted_app, run_simulators


@pytest.fixture(scope="module")
def simulators() -> Iterator[Simulators]:
    with run_simulators() as running:
        yield running


@pytest.fixture(scope="module")
def bad_input_app(
    azurite: Azurite, simulators: Simulators, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HostedApp]:
    """One app for the bad-input suite, on a queue of its own."""
    state_dir: Path = tmp_path_factory.mktemp("bad-input")
    with hosted_app(azurite, simulators, state_dir, queue_name="hardening-bad-input") as app:
        yield app

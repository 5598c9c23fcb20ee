"""Fixtures devhost's tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from devhost.azurite import Azurite, run_azurite


@pytest.fixture(scope="session")
def azurite() -> Iterator[Azurite]:
    """One private in-memory Azurite for the test session, stopped at its end."""
    with run_azurite() as instance:
        yield instance

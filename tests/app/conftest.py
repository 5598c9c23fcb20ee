"""One running go-live app for the end-to-end tests: Azurite, simulators, devhost.

The app runs once per session (as it would in one Functions worker); each test uses
its own offer ids, whose words pick the CPP scenario (docs/simulators.md), so tests
never see each other's runs. Virtual time lets multi-day go-lives finish in seconds.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from devhost.azurite import Azurite

from demo.stack import LocalStack, run_local_stack
from tests.app.driver import AppDriver

# Small numbers so continue_as_new, bounded retries and the deadline all happen quickly.
TEST_SETTINGS = {
    "POLLS_PER_EXECUTION": "10",
    "CPP_REQUEST_TIMEOUT_SECONDS": "2",
    "GOLIVE_DEADLINE_DAYS": "8",
    "START_MAX_ATTEMPTS": "4",
    "POLL_MAX_REFUSALS": "4",
    "CANCEL_MAX_ATTEMPTS": "4",
    # Production waits 30 s before a failed message is tried again; tests need not.
    "AzureFunctionsJobHost__extensions__queues__visibilityTimeout": "00:00:01",
}


class CapturedLogs(logging.Handler):
    """Every log record the process emits while the app runs, rendered as text."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name} {record.getMessage()} {record.__dict__}")


@pytest.fixture(scope="session")
def app_logs() -> Iterator[CapturedLogs]:
    handler = CapturedLogs()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(previous)


@pytest.fixture(scope="session")
def stack(azurite: Azurite, app_logs: CapturedLogs) -> Iterator[LocalStack]:
    with run_local_stack(azurite=azurite, settings=TEST_SETTINGS) as running:
        yield running


@pytest.fixture
def app(stack: LocalStack) -> AppDriver:
    return AppDriver(stack)

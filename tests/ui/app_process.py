"""The app for the dashboard tests, run in a process of its own (see stack_server)."""

from __future__ import annotations

import contextlib
import json
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import requests

from tests.ui.stack_server import BLOCKED_OFFER, PUBLISHER

PROJECT_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 120.0
# Offer-id words pick the CPP simulator's scenario (docs/simulators.md).
STARTING = "ui-starting-burst503x100_post"
POLLING = "ui-polling-slow"
REJECTED = "ui-refused-rejected"
BLOCKED_REASON = "Waiting for the publisher"


@dataclass
class DashboardApp:
    """The running app as the tests see it."""

    base_url: str
    cpp_url: str
    function_key: str

    @property
    def dashboard_url(self) -> str:
        return f"{self.base_url}/api/dashboard"

    def headers(self) -> dict[str, str]:
        return {"x-functions-key": self.function_key}

    def start(self, publisher: str, offer: str) -> None:
        url = f"{self.base_url}/api/golive/{publisher}/{offer}"
        response = requests.post(url, headers=self.headers(), timeout=30)
        assert response.status_code == 202, response.text

    def go_lives(self, **filters: str) -> list[dict[str, Any]]:
        url = f"{self.base_url}/api/golive"
        response = requests.get(url, params=filters, headers=self.headers(), timeout=30)
        response.raise_for_status()
        rows: list[dict[str, Any]] = response.json()["goLives"]
        return rows

    def wait_for(self, offer: str, timeout: float = 60.0, **expected: Any) -> dict[str, Any]:
        """The offer's row once every `expected` field has its value."""
        deadline = time.monotonic() + timeout
        row: dict[str, Any] | None = None
        while time.monotonic() < deadline:
            row = next((r for r in self.go_lives() if r["offerId"] == offer), None)
            if row and all(row.get(k) == v for k, v in expected.items()):
                return row
            time.sleep(0.2)
        raise AssertionError(f"{offer} never reached {expected}: {row}")

    def cpp_requests(self) -> list[dict[str, Any]]:
        response = requests.get(f"{self.cpp_url}/_sim/requests", timeout=30)
        response.raise_for_status()
        body: list[dict[str, Any]] = response.json()
        return body


def _first_json_line(stream: IO[str], timeout: float) -> dict[str, Any]:
    """The first line of `stream` that is a JSON object, read on a helper thread."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for line in stream:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        if line is None:
            break
        if line.startswith("{"):
            facts: dict[str, Any] = json.loads(line)
            return facts
    raise RuntimeError("the dashboard test app did not start (see its stderr above)")


@contextlib.contextmanager
def run_dashboard_app() -> Iterator[DashboardApp]:
    """`python -m tests.ui.stack_server` until the block ends (it stops when stdin closes)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.ui.stack_server"],
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        facts = _first_json_line(process.stdout, START_TIMEOUT)
        yield DashboardApp(facts["baseUrl"], facts["cppUrl"], facts["functionKey"])
    finally:
        if process.stdin:
            process.stdin.close()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_sample_go_lives(app: DashboardApp) -> None:
    """Four go-lives that stay put: starting, polling, blocked (needs a person), Rejected."""
    for offer in (STARTING, POLLING, BLOCKED_OFFER, REJECTED):
        app.start(PUBLISHER, offer)
    app.wait_for(STARTING, phase="starting")
    app.wait_for(POLLING, phase="polling")
    app.wait_for(BLOCKED_OFFER, needsPerson=True)
    app.wait_for(REJECTED, outcome="Marketplace.GoLive.Rejected")


def open_dashboard(page: Any, app: DashboardApp, key: str | None = None) -> None:
    """Load the page and enter the key once, as an operator does."""
    page.goto(app.dashboard_url)
    page.get_by_label("Function key").fill(key if key is not None else app.function_key)
    page.get_by_role("button", name="Use key").click()

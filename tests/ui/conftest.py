"""Fixtures for the dashboard tests: the app in its own process, and headless Chromium.

The browser is the system's Chromium (Debian's `chromium` package), driven by
Playwright; nothing is downloaded. Where it is missing the tests skip and say how to
install it; CI (.ci/run) installs it before `make test`, so there they always run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ui.app_process import DashboardApp, run_dashboard_app

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_HINT = (
    "the dashboard tests need Chromium: `sudo apt-get install -y chromium chromium-driver` "
    "on Debian/Ubuntu (or set CHROMIUM_PATH to a Chromium binary); .ci/run installs it"
)


def chromium_path() -> str | None:
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured if Path(configured).is_file() else None
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def chromium() -> str:
    path = chromium_path()
    if path is None:
        pytest.skip(INSTALL_HINT)
    return path


@pytest.fixture(scope="module")
def dashboard_app(chromium: str) -> Iterator[DashboardApp]:
    with run_dashboard_app() as app:
        yield app


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Any]:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="pip install -r requirements-dev.txt"
    )
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    opened = context.new_page()
    yield opened
    context.close()

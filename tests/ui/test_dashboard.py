"""The dashboard in headless Chromium against the app on devhost with the simulators.

Four go-lives stay put while the page is looked at: one retrying its start (CPP
answers 503), one polling a three-day operation, one blocked at its first step waiting
for the publisher, and one already Rejected.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
import requests

from tests.ui.app_process import (
    BLOCKED_REASON,
    POLLING,
    REJECTED,
    STARTING,
    DashboardApp,
    open_dashboard,
    start_sample_go_lives,
)
from tests.ui.stack_server import BLOCKED_OFFER, PUBLISHER

pytestmark = pytest.mark.azurite
# Waits retry until they hold (page.wait_for_function would evaluate a string: the page's
# Content-Security-Policy forbids that).
expect = pytest.importorskip(
    "playwright.sync_api", reason="pip install -r requirements-dev.txt"
).expect


@pytest.fixture(scope="module")
def go_lives(dashboard_app: DashboardApp) -> DashboardApp:
    start_sample_go_lives(dashboard_app)
    return dashboard_app


def row_of(page: Any, offer: str) -> Any:
    return page.locator("#golives tbody tr", has_text=f"{PUBLISHER}/{offer}")


def wait_for_row_text(page: Any, offer: str, text: str, timeout: float = 60.0) -> None:
    """Press Refresh until the offer's row shows `text` (the page does not reload)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in row_of(page, offer).inner_text():
            return
        page.get_by_role("button", name="Refresh").click()
        page.wait_for_timeout(300)
    raise AssertionError(f"{offer} row never showed {text!r}: {row_of(page, offer).inner_text()}")


def test_the_page_lists_go_lives_in_their_phases(page: Any, go_lives: DashboardApp) -> None:
    open_dashboard(page, go_lives)
    for offer, phase in (
        (STARTING, "starting"),
        (POLLING, "polling"),
        (BLOCKED_OFFER, "polling"),
        (REJECTED, "finished"),
    ):
        row = row_of(page, offer)
        row.wait_for()
        cells = row.locator("td")
        assert cells.nth(1).inner_text() == "CPP"
        assert cells.nth(2).inner_text() == phase
    assert row_of(page, REJECTED).locator("td").nth(9).inner_text() == "Rejected"
    assert row_of(page, POLLING).locator("td").nth(3).inner_text()  # its current step
    assert page.get_by_role("status").inner_text().startswith("4 go-lives")


def test_a_blocked_go_live_is_highlighted_with_its_reason(
    page: Any, go_lives: DashboardApp
) -> None:
    open_dashboard(page, go_lives)
    blocked = row_of(page, BLOCKED_OFFER)
    blocked.wait_for()
    assert "needs-person" in (blocked.get_attribute("class") or "")
    assert re.search(r"Needs a person: .*blocked.*" + BLOCKED_REASON, blocked.inner_text())
    for offer in (STARTING, POLLING, REJECTED):
        assert "needs-person" not in (row_of(page, offer).get_attribute("class") or "")
    assert "1 waiting for a person" in page.get_by_role("status").inner_text()


def test_the_detail_view_shows_steps_messages_and_events(page: Any, go_lives: DashboardApp) -> None:
    open_dashboard(page, go_lives)
    row_of(page, BLOCKED_OFFER).get_by_role("button", name="Details").click()
    dialog = page.get_by_role("dialog")
    steps = dialog.locator("table.steps tbody tr")
    steps.first.wait_for()
    assert steps.count() == 5
    first = steps.first.inner_text()
    assert "blocked" in first and BLOCKED_REASON in first
    assert dialog.locator("progress").count() == 5
    assert "Needs a person" in dialog.inner_text()
    events = dialog.locator("ul.events li")
    events.first.wait_for()
    assert "ActionRequired" in events.first.inner_text()
    page.keyboard.press("Escape")
    assert not dialog.is_visible()


def test_filters_narrow_the_table(page: Any, go_lives: DashboardApp) -> None:
    open_dashboard(page, go_lives)
    row_of(page, POLLING).wait_for()
    page.get_by_label("Needs a person").select_option("true")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#golives tbody tr")).to_have_count(1)
    expect(row_of(page, BLOCKED_OFFER)).to_have_count(1)
    page.get_by_label("Needs a person").select_option("")
    page.get_by_label("Phase").select_option("starting")
    page.get_by_role("button", name="Apply filters").click()
    expect(row_of(page, STARTING)).to_have_count(1)
    expect(page.locator("#golives tbody tr")).to_have_count(1)


def test_cancel_asks_first_then_ends_the_go_live_canceled(
    page: Any, go_lives: DashboardApp
) -> None:
    open_dashboard(page, go_lives)
    page.evaluate("window.notReloaded = true")
    cancel = row_of(page, POLLING).get_by_role("button", name=f"Cancel {PUBLISHER}/{POLLING}")
    cancel.click()
    dialog = page.get_by_role("dialog", name="Cancel go-live?")
    assert dialog.is_visible()
    dialog.get_by_role("button", name="Keep it running").click()
    assert not dialog.is_visible()
    assert go_lives.wait_for(POLLING)["runtimeStatus"] == "Running"

    cancel.click()
    dialog.get_by_label("Also cancel the operation").check()
    dialog.get_by_label("Reason").fill("wrong offer version")
    dialog.get_by_role("button", name="Cancel go-live").click()
    expect(page.get_by_role("alert")).to_contain_text("Cancel requested")
    wait_for_row_text(page, POLLING, "Canceled")
    assert page.evaluate("window.notReloaded") is True
    assert not row_of(page, POLLING).get_by_role("button", name=re.compile("^Cancel")).count()
    cancels = [r for r in go_lives.cpp_requests() if r["path"].endswith(f"/{POLLING}/cancel")]
    assert len(cancels) == 1


def test_keyboard_alone_opens_and_closes_the_detail_view(page: Any, go_lives: DashboardApp) -> None:
    open_dashboard(page, go_lives)
    details = row_of(page, STARTING).get_by_role("button", name="Details")
    details.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("Runtime status").wait_for()
    page.keyboard.press("Escape")
    assert not dialog.is_visible()


def test_without_a_key_the_page_asks_for_one(page: Any, go_lives: DashboardApp) -> None:
    page.goto(go_lives.dashboard_url)
    expect(page.get_by_role("alert")).to_contain_text("Enter the function key")
    assert page.locator("#golives tbody tr").count() == 0


def test_a_wrong_key_gets_a_clear_message(page: Any, go_lives: DashboardApp) -> None:
    assert requests.get(f"{go_lives.base_url}/api/golive", timeout=30).status_code == 401
    open_dashboard(page, go_lives, key="not-the-key")
    expect(page.get_by_role("alert")).to_contain_text(
        re.compile(r"function key was refused \(HTTP 40[13]\)")
    )
    assert page.locator("#golives tbody tr").count() == 0


def test_the_key_never_appears_in_a_url(page: Any, go_lives: DashboardApp) -> None:
    sent: list[tuple[str, str | None]] = []
    page.on("request", lambda r: sent.append((r.url, r.headers.get("x-functions-key"))))
    open_dashboard(page, go_lives)
    row_of(page, BLOCKED_OFFER).get_by_role("button", name="Details").click()
    page.locator("table.steps tbody tr").first.wait_for()
    key = go_lives.function_key
    assert not any(key in url for url, _ in sent)
    data_calls = [(url, sent_key) for url, sent_key in sent if "/api/golive" in url]
    assert len(data_calls) >= 2
    assert all(sent_key == key for _, sent_key in data_calls)

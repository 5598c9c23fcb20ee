"""`python -m tests.ui.screenshot [DIR]`: the pictures of the dashboard in docs/ (default).

Takes them from the real page, as the dashboard tests see it: the four sample go-lives
in headless Chromium, then the detail view of the blocked one.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.ui.app_process import (
    PROJECT_ROOT,
    open_dashboard,
    run_dashboard_app,
    start_sample_go_lives,
)
from tests.ui.conftest import CHROMIUM_FLAGS, INSTALL_HINT, chromium_path
from tests.ui.stack_server import BLOCKED_OFFER, PUBLISHER


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else PROJECT_ROOT / "docs"
    chromium = chromium_path()
    if chromium is None:
        print(INSTALL_HINT, file=sys.stderr)
        return 1
    with run_dashboard_app() as app, sync_playwright() as playwright:
        start_sample_go_lives(app)
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1500, "height": 700})
        open_dashboard(page, app)
        page.locator("#golives tbody tr").nth(3).wait_for()
        page.screenshot(path=str(target / "dashboard.png"))
        row = page.locator("#golives tbody tr", has_text=f"{PUBLISHER}/{BLOCKED_OFFER}")
        row.get_by_role("button", name="Details").click()
        page.locator("table.steps tbody tr").first.wait_for()
        page.set_viewport_size({"width": 1500, "height": 900})
        page.screenshot(path=str(target / "dashboard-detail.png"))
        browser.close()
    print(f"wrote {target / 'dashboard.png'} and {target / 'dashboard-detail.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

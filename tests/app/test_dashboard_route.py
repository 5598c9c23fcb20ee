"""`GET /api/dashboard`: the page and its two files, anonymous, nothing from elsewhere."""

from __future__ import annotations

import re

import pytest
import requests

from tests.app.driver import AppDriver

pytestmark = pytest.mark.azurite


def get(app: AppDriver, path: str) -> requests.Response:
    return requests.get(f"{app.stack.base_url}{path}", timeout=30)


@pytest.mark.parametrize("path", ["/api/dashboard", "/api/dashboard/", "/api/dashboard/index.html"])
def test_the_page_is_served_without_a_key_and_addresses_its_files_absolutely(
    app: AppDriver, path: str
) -> None:
    page = get(app, path)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert '<meta name="page-base" content="/api/dashboard">' in page.text
    assert 'src="/api/dashboard/dashboard.js"' in page.text
    assert "{{" not in page.text


@pytest.mark.parametrize(
    ("asset", "content_type"),
    [("dashboard.js", "text/javascript"), ("dashboard.css", "text/css")],
)
def test_its_files_have_their_types_and_a_strict_policy(
    app: AppDriver, asset: str, content_type: str
) -> None:
    answer = get(app, f"/api/dashboard/{asset}")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith(content_type)
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in answer.headers["Content-Security-Policy"]


@pytest.mark.parametrize("asset", ["function_app.py", "..%2Ffunction_app.py", "secrets.json"])
def test_nothing_else_is_served(app: AppDriver, asset: str) -> None:
    assert get(app, f"/api/dashboard/{asset}").status_code == 404


def test_nothing_is_fetched_from_another_origin(app: AppDriver) -> None:
    for path in ("/api/dashboard", "/api/dashboard/dashboard.js", "/api/dashboard/dashboard.css"):
        text = get(app, path).text
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.IGNORECASE), path
        assert "@import" not in text

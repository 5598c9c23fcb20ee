"""`GET /api/golive` through the whole app: rows equal to the status route's answer,
filters, paging that neither skips nor repeats, and 400 for a bad filter.

Each test uses publishers of its own, so the runs of other tests never show up.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from golive import events
from tests.app.driver import AppDriver
from triggers import golive_list

pytestmark = pytest.mark.azurite

DETAIL_ONLY = {"steps", "events", "operationLocation"}


def listing(app: AppDriver, **params: str) -> requests.Response:
    return app.stack.http.get(f"{app.stack.base_url}/api/golive", params=params, timeout=30)


def rows(app: AppDriver, **params: str) -> list[dict[str, Any]]:
    response = listing(app, **params)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["goLives"]
    return found


def offers(found: list[dict[str, Any]]) -> set[str]:
    return {row["offerId"] for row in found}


def start_all(app: AppDriver, publisher: str, names: list[str]) -> None:
    for name in names:
        assert app.start(publisher, name).status_code == 202
    for name in names:
        app.wait_until_finished(publisher, name)


def test_each_row_is_the_status_routes_answer_without_steps_and_events(app: AppDriver) -> None:
    start_all(app, "list-rows", ["lr-plain", "lr-rejected", "lr-blocked"])
    found = rows(app, publisher="list-rows")
    assert offers(found) == {"lr-plain", "lr-rejected", "lr-blocked"}
    for row in found:
        status = app.current("list-rows", row["offerId"])
        assert row == {k: v for k, v in status.items() if k not in DETAIL_ONLY}
        assert row["publisherId"] == "list-rows"
        assert row["api"] == "cpp"
        assert row["needsPerson"] is False


def test_filters_by_outcome_phase_api_running_and_needs_person(app: AppDriver) -> None:
    start_all(app, "list-filters", ["lf-plain", "lf-rejected"])
    mine = {"publisher": "list-filters"}
    assert offers(rows(app, **mine, outcome="Succeeded")) == {"lf-plain"}
    assert offers(rows(app, **mine, outcome="rejected")) == {"lf-rejected"}
    assert offers(rows(app, **mine, outcome=events.REJECTED)) == {"lf-rejected"}
    assert offers(rows(app, **mine, outcome="Succeeded,Rejected")) == {"lf-plain", "lf-rejected"}
    assert rows(app, **mine, outcome="none") == []
    assert offers(rows(app, **mine, phase="finished")) == {"lf-plain", "lf-rejected"}
    assert rows(app, **mine, phase="polling") == []
    assert offers(rows(app, **mine, api="cpp")) == {"lf-plain", "lf-rejected"}
    assert rows(app, **mine, api="productIngestion") == []
    assert rows(app, **mine, running="true") == []
    assert offers(rows(app, **mine, running="false")) == {"lf-plain", "lf-rejected"}
    assert rows(app, **mine, needsPerson="true") == []
    assert offers(rows(app, **mine, needsPerson="false")) == {"lf-plain", "lf-rejected"}
    assert offers(rows(app, publisher="LIST-FILTERS")) == {"lf-plain", "lf-rejected"}


def test_paging_returns_every_go_live_once_across_the_extensions_pages(
    app: AppDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = [f"lp-{n}" for n in range(7)]
    start_all(app, "list-paging", names)
    # Small pages of the extension's query, so our pages start inside and across them.
    monkeypatch.setattr(golive_list, "PAGE_SIZE", 3)
    seen: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        headers = {"x-ms-continuation-token": token} if token and pages % 2 else {}
        params = {"publisher": "list-paging", "top": "2"}
        if token and "x-ms-continuation-token" not in headers:
            params["continuationToken"] = token
        response = app.stack.http.get(
            f"{app.stack.base_url}/api/golive", params=params, headers=headers, timeout=30
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["goLives"]) <= 2
        seen += [row["offerId"] for row in body["goLives"]]
        token = body["continuationToken"]
        assert response.headers.get("x-ms-continuation-token") == (token or None)
        pages += 1
        if token is None:
            break
        assert pages < 10
    assert sorted(seen) == sorted(names)
    assert pages >= 4


def test_a_filter_that_matches_few_still_finds_them_all(
    app: AppDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    start_all(app, "list-sparse", ["ls-a", "ls-b", "ls-c-rejected", "ls-d", "ls-e-rejected"])
    monkeypatch.setattr(golive_list, "PAGE_SIZE", 2)
    monkeypatch.setattr(golive_list, "MAX_PAGES_PER_REQUEST", 1)
    seen: list[str] = []
    token: str | None = None
    answers = 0
    while answers < 10:
        answers += 1
        params = {"publisher": "list-sparse", "outcome": "Rejected"}
        if token:
            params["continuationToken"] = token
        body = listing(app, **params).json()
        seen += [row["offerId"] for row in body["goLives"]]
        token = body["continuationToken"]
        if token is None:
            break
    assert sorted(seen) == ["ls-c-rejected", "ls-e-rejected"]
    # One page of two instances per answer: five instances take three answers.
    assert answers == 3


@pytest.mark.parametrize(
    ("params", "mentions"),
    [
        ({"phase": "waiting"}, "phase"),
        ({"outcome": "Won"}, "outcome"),
        ({"api": "graph"}, "api"),
        ({"needsPerson": "maybe"}, "needsPerson"),
        ({"running": "yes"}, "running"),
        ({"top": "0"}, "top"),
        ({"top": "101"}, "top"),
        ({"top": "ten"}, "top"),
        ({"publisher": "bad..id"}, "publisher"),
        ({"continuationToken": "not-a-token"}, "continuationToken"),
        ({"phase": "polling", "ofer": "x"}, "ofer"),
    ],
)
def test_a_bad_filter_is_refused_with_its_reason(
    app: AppDriver, params: dict[str, str], mentions: str
) -> None:
    response = listing(app, **params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "InvalidFilter"
    assert mentions in error["message"]


def test_the_function_key_parameter_is_not_a_filter(app: AppDriver) -> None:
    url = f"{app.stack.base_url}/api/golive"
    params = {"code": app.stack.devhost.keys.default_function, "publisher": "nobody-here"}
    answer = requests.get(url, params=params, timeout=30)
    assert answer.status_code == 200
    assert answer.json() == {"goLives": [], "continuationToken": None}


@pytest.mark.parametrize("headers", [{}, {"x-functions-key": "not-the-key"}])
def test_the_list_needs_the_function_key(app: AppDriver, headers: dict[str, str]) -> None:
    url = f"{app.stack.base_url}/api/golive"
    assert requests.get(url, headers=headers, timeout=30).status_code == 401


def test_the_status_route_lists_the_events_published_for_the_run(app: AppDriver) -> None:
    start_all(app, "list-events", ["le-blocked"])
    status = app.current("list-events", "le-blocked")
    received = app.events_for("list-events", "le-blocked")
    assert [e["type"] for e in received] == [events.ACTION_REQUIRED, events.SUCCEEDED]
    assert status["events"] == [
        {"id": e["id"], "type": e["type"], "time": e["time"]} for e in received
    ]
    assert status["steps"] and all("messages" in step for step in status["steps"])

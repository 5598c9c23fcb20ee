"""Every CPP simulator scenario, run through the whole app: the right completion event
with the right data, exactly one per run, and a history that stays bounded.

All runs start together (as they would in production) and share the virtual clock.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from golive import events
from golive.events import validate_event
from tests.app.driver import AppDriver

PUBLISHER = "contoso"
# Events per poll iteration are few (task scheduled/completed, timer created/fired and the
# episode markers); with POLLS_PER_EXECUTION=10 an execution stays well below this.
HISTORY_BOUND = 150


@dataclass(frozen=True)
class Case:
    offer: str
    expected: str
    publisher: str = PUBLISHER


CASES = [
    Case("sc-plain", events.SUCCEEDED),
    Case("sc-slow", events.SUCCEEDED),
    Case("sc-polls5", events.SUCCEEDED),
    Case("sc-fail", events.FAILED),
    Case("sc-failprovisioning-errtext", events.FAILED),
    Case("sc-blocked", events.SUCCEEDED),
    Case("sc-canceled", events.CANCELED),
    Case("sc-rejected", events.REJECTED),
    Case("sc-any", events.REJECTED, publisher="missing"),
    Case("sc-any", events.REJECTED, publisher="forbidden"),
    Case("sc-legacy", events.SUCCEEDED),
    Case("sc-oploc", events.SUCCEEDED),
    Case("sc-array-legacy", events.SUCCEEDED),
    Case("sc-succeeded", events.SUCCEEDED),
    Case("sc-complete", events.SUCCEEDED),
    Case("sc-unknownstatus", events.SUCCEEDED),
    Case("sc-throttled600", events.SUCCEEDED),
    Case("sc-throttleddate900", events.SUCCEEDED),
    Case("sc-throttled120_post", events.SUCCEEDED),
    Case("sc-burst500", events.SUCCEEDED),
    Case("sc-burst503x3_post", events.SUCCEEDED),
    Case("sc-burst503x10_post", events.FAILED),
    Case("sc-reset", events.SUCCEEDED),
    Case("sc-reset_post", events.SUCCEEDED),
    Case("sc-hang3", events.SUCCEEDED),
    Case("sc-hang3_post", events.SUCCEEDED),
    Case("sc-10d", events.TIMED_OUT),
]


@dataclass
class Run:
    status: dict[str, Any]
    events: list[dict[str, Any]]
    completions: list[dict[str, Any]]
    cpp_requests: list[Any]
    durable: dict[str, Any]


@pytest.fixture(scope="module")
def runs(stack: Any) -> dict[tuple[str, str], Run]:
    app = AppDriver(stack)
    for case in CASES:
        response = app.start(case.publisher, case.offer, {"requestId": f"req-{case.offer}"})
        assert response.status_code == 202, response.text
    results = {}
    for case in CASES:
        status = app.wait_until_finished(case.publisher, case.offer, timeout=180)
        results[(case.publisher, case.offer)] = Run(
            status=status,
            events=app.events_for(case.publisher, case.offer),
            completions=app.completion_events(case.publisher, case.offer),
            cpp_requests=app.cpp_requests(case.publisher, case.offer),
            durable=app.durable_status(status["instanceId"], history=True),
        )
    return results


@pytest.mark.azurite
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.publisher}/{c.offer}")
def test_each_scenario_ends_with_exactly_one_valid_completion_event(
    runs: dict[tuple[str, str], Run], case: Case
) -> None:
    run = runs[(case.publisher, case.offer)]
    assert run.status["runtimeStatus"] == "Completed", run.status
    assert [e["type"] for e in run.completions] == [case.expected]
    completion = run.completions[0]
    for event in run.events:
        validate_event(event)
    data = completion["data"]
    assert data["publisherId"] == case.publisher
    assert data["offerId"] == case.offer
    assert data["requestId"] == f"req-{case.offer}"
    assert data["instanceId"] == run.status["instanceId"]
    assert completion["subject"] == f"publishers/{case.publisher}/offers/{case.offer}"
    assert run.status["outcome"] == case.expected
    assert run.status["eventId"] == completion["id"]


@pytest.mark.azurite
def test_history_per_execution_stays_bounded_over_a_long_go_live(
    runs: dict[tuple[str, str], Run],
) -> None:
    run = runs[(PUBLISHER, "sc-slow")]
    polls = run.completions[0]["data"]["polls"]
    assert polls > 100  # three days of polling at most every 15 minutes
    assert run.durable["customStatus"]["execution"] > polls // 10
    assert len(run.durable["historyEvents"]) < HISTORY_BOUND


def _data(
    runs: dict[tuple[str, str], Run], offer: str, publisher: str = PUBLISHER
) -> dict[str, Any]:
    data: dict[str, Any] = runs[(publisher, offer)].completions[0]["data"]
    return data


@pytest.mark.azurite
def test_failed_operation_reports_the_failing_step_and_its_messages(
    runs: dict[tuple[str, str], Run],
) -> None:
    error = _data(runs, "sc-fail")["error"]
    assert error["step"] == "Certification"
    assert any("Certification failed" in m for m in error["messages"])
    assert _data(runs, "sc-failprovisioning-errtext")["error"]["step"] == "Provisioning"


@pytest.mark.azurite
def test_rejections_carry_cpp_error_and_identity_hint(
    runs: dict[tuple[str, str], Run],
) -> None:
    rejected = _data(runs, "sc-rejected")
    assert rejected["rejection"]["httpStatus"] == 400
    assert rejected["rejection"]["code"]
    assert rejected["polls"] == 0
    assert _data(runs, "sc-any", "missing")["rejection"]["httpStatus"] == 404
    forbidden = _data(runs, "sc-any", "forbidden")["rejection"]
    assert forbidden["httpStatus"] == 403
    assert forbidden["hint"] and "identity" in forbidden["hint"].lower()
    posts = [r for r in runs[(PUBLISHER, "sc-rejected")].cpp_requests if r.method == "POST"]
    assert len(posts) == 1  # a 400 is never retried


@pytest.mark.azurite
def test_blocked_step_is_announced_once_then_the_go_live_succeeds(
    runs: dict[tuple[str, str], Run],
) -> None:
    run = runs[(PUBLISHER, "sc-blocked")]
    announced = [e for e in run.events if e["type"] == events.ACTION_REQUIRED]
    assert len(announced) == 1
    condition = announced[0]["data"]["condition"]
    assert condition["step"] == "Certification"
    assert condition["status"] == "blocked"
    assert run.events.index(announced[0]) < run.events.index(run.completions[0])


@pytest.mark.azurite
def test_legacy_operation_location_keeps_its_dollar_signs(
    runs: dict[tuple[str, str], Run],
) -> None:
    location = _data(runs, "sc-legacy")["operationLocation"]
    assert "$sc-legacy$" in location and "%24" not in location
    gets = [r for r in runs[(PUBLISHER, "sc-legacy")].cpp_requests if r.method == "GET"]
    assert gets and all("$" in r.path for r in gets)


@pytest.mark.parametrize(
    ("offer", "seconds"), [("sc-throttled600", 600), ("sc-throttleddate900", 900)]
)
@pytest.mark.azurite
def test_retry_after_is_honoured(
    runs: dict[tuple[str, str], Run], offer: str, seconds: int
) -> None:
    requests_seen = [r for r in runs[(PUBLISHER, offer)].cpp_requests if r.method == "GET"]
    throttled = next(i for i, r in enumerate(requests_seen) if r.status == 429)
    waited = requests_seen[throttled + 1].time - requests_seen[throttled].time
    assert timedelta(seconds=seconds - 1) <= waited < timedelta(hours=1)


@pytest.mark.azurite
def test_transient_start_errors_are_retried_then_give_up(
    runs: dict[tuple[str, str], Run],
) -> None:
    posts = [r for r in runs[(PUBLISHER, "sc-burst503x10_post")].cpp_requests if r.method == "POST"]
    assert len(posts) == 4  # START_MAX_ATTEMPTS in the test settings
    assert "4 attempts" in _data(runs, "sc-burst503x10_post")["reason"]


@pytest.mark.azurite
def test_a_go_live_accepted_behind_a_timeout_is_followed_not_rejected(
    runs: dict[tuple[str, str], Run],
) -> None:
    """The POST timed out but CPP created the operation: the retry finds it (409)."""
    run = runs[(PUBLISHER, "sc-hang3_post")]
    posts = [r for r in run.cpp_requests if r.method == "POST"]
    assert len(posts) >= 2
    assert run.completions[0]["data"]["operationLocation"]


@pytest.mark.azurite
def test_deadline_ends_the_run_timed_out_without_canceling_the_operation(
    runs: dict[tuple[str, str], Run],
) -> None:
    data = _data(runs, "sc-10d")
    started = datetime.fromisoformat(data["startedAt"])
    finished = datetime.fromisoformat(data["finishedAt"])
    assert timedelta(days=8) <= finished - started < timedelta(days=8, hours=1)
    assert not any("/cancel" in r.path for r in runs[(PUBLISHER, "sc-10d")].cpp_requests)
    assert data["cppStatus"] and not re.match("(?i)complete", data["cppStatus"])


@pytest.mark.azurite
def test_polls_start_at_a_short_interval_and_grow_to_the_cap(
    runs: dict[tuple[str, str], Run],
) -> None:
    """Defaults: 1 minute, doubling, capped at 15 minutes."""
    gets = [r for r in runs[(PUBLISHER, "sc-slow")].cpp_requests if r.method == "GET"]
    gaps = [round((b.time - a.time).total_seconds()) for a, b in itertools.pairwise(gets)]
    assert gaps[:6] == [60, 120, 240, 480, 900, 900]
    assert max(gaps) == 900


@pytest.mark.azurite
def test_a_throttled_go_live_request_waits_for_retry_after(
    runs: dict[tuple[str, str], Run],
) -> None:
    posts = [
        r for r in runs[(PUBLISHER, "sc-throttled120_post")].cpp_requests if r.method == "POST"
    ]
    assert [p.status for p in posts][:1] == [429]
    assert timedelta(seconds=119) <= posts[1].time - posts[0].time < timedelta(hours=1)


@pytest.mark.azurite
def test_activity_log_lines_carry_the_go_live_ids(
    runs: dict[tuple[str, str], Run], app_logs: Any
) -> None:
    polled = [
        line
        for line in app_logs.lines
        if "operation polled" in line and "offerId=sc-plain " in line
    ]
    assert polled
    for field in (
        "instanceId=golive:contoso:sc-plain",
        "publisherId=contoso",
        "requestId=req-sc-plain",
        "runId=",
    ):
        assert all(field in line for line in polled)

"""Every Product Ingestion simulator scenario through the whole app, from HTTP and from
the queue: the right completion event with the right data, exactly one per run.

The offer id (the product's external id) picks the scenario (docs/simulators.md). All runs
start together and share the virtual clock, as the CPP scenarios do.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from golive import events
from golive.events import validate_event
from tests.app.driver import AppDriver

PUBLISHER = "fabrikam"
INGESTION = {"api": "productIngestion"}


@dataclass(frozen=True)
class Case:
    offer: str
    expected: str


CASES = [
    Case("pi-plain", events.SUCCEEDED),
    Case("pi-3d-live1d", events.SUCCEEDED),
    Case("pi-rejected", events.REJECTED),
    Case("pi-jobfailed", events.FAILED),
    Case("pi-certfailed", events.FAILED),
    Case("pi-inprogress", events.REJECTED),
    Case("pi-busy", events.REJECTED),
    Case("pi-stale", events.REJECTED),
    Case("pi-livefailed", events.FAILED),
    Case("pi-previewfailed", events.REJECTED),
    Case("pi-nopreview", events.REJECTED),
    Case("pi-alreadylive", events.REJECTED),
    Case("pi-missing", events.REJECTED),
    Case("pi-forbidden", events.REJECTED),
    Case("pi-jobidcaps-capitalized", events.SUCCEEDED),
    Case("pi-throttled600", events.SUCCEEDED),
    Case("pi-throttleddate900_submission", events.SUCCEEDED),
    Case("pi-throttled120_post", events.SUCCEEDED),
    Case("pi-burst500", events.SUCCEEDED),
    Case("pi-burst503x3_post", events.SUCCEEDED),
    Case("pi-burst503x10_product", events.FAILED),
    Case("pi-reset", events.SUCCEEDED),
    Case("pi-hang3_post", events.SUCCEEDED),
    Case("pi-hang3_post-jobfailed", events.FAILED),
    Case("pi-10d", events.TIMED_OUT),
]
# Started from the queue (the others over HTTP): one of each ending.
FROM_QUEUE = {
    "pi-plain",
    "pi-rejected",
    "pi-certfailed",
    "pi-livefailed",
    "pi-throttled600",
    "pi-10d",
}


@dataclass
class Run:
    status: dict[str, Any]
    events: list[dict[str, Any]]
    completions: list[dict[str, Any]]
    requests: list[Any]


@pytest.fixture(scope="module")
def runs(stack: Any) -> dict[str, Run]:
    app = AppDriver(stack)
    for case in CASES:
        if case.offer in FROM_QUEUE:
            stack.send_go_live(
                {"publisherId": PUBLISHER, "offerId": case.offer, "requestId": f"req-{case.offer}"}
                | INGESTION
            )
        else:
            body = {"requestId": f"req-{case.offer}", **INGESTION}
            response = app.start(PUBLISHER, case.offer, body)
            assert response.status_code == 202, response.text
    results = {}
    for case in CASES:
        app.wait_for_status(PUBLISHER, case.offer, timeout=60)
        status = app.wait_until_finished(PUBLISHER, case.offer, timeout=180)
        results[case.offer] = Run(
            status=status,
            events=app.events_for(PUBLISHER, case.offer),
            completions=app.completion_events(PUBLISHER, case.offer),
            requests=app.ingestion_requests(case.offer),
        )
    return results


def _data(runs: dict[str, Run], offer: str) -> dict[str, Any]:
    data: dict[str, Any] = runs[offer].completions[0]["data"]
    return data


@pytest.mark.azurite
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.offer)
def test_each_scenario_ends_with_exactly_one_valid_completion_event(
    runs: dict[str, Run], case: Case
) -> None:
    run = runs[case.offer]
    assert run.status["runtimeStatus"] == "Completed", run.status
    assert [e["type"] for e in run.completions] == [case.expected]
    for event in run.events:
        validate_event(event)
        assert event["data"]["api"] == "productIngestion"
    data = run.completions[0]["data"]
    assert data["requestId"] == f"req-{case.offer}"
    assert data["operationLocation"] is None and data["cppStatus"] is None
    assert run.status["api"] == "productIngestion"
    assert run.status["outcome"] == case.expected


@pytest.mark.azurite
def test_success_needs_both_stages_and_reports_them(runs: dict[str, Run]) -> None:
    data = _data(runs, "pi-3d-live1d")
    stages = data["productIngestion"]
    assert (stages["stage"], stages["jobStatus"], stages["jobResult"]) == (
        "live",
        "completed",
        "succeeded",
    )
    assert (stages["liveStatus"], stages["liveResult"]) == ("completed", "succeeded")
    assert stages["submissionId"].endswith("/2") and stages["jobId"]
    started = datetime.fromisoformat(data["startedAt"])
    finished = datetime.fromisoformat(data["finishedAt"])
    assert timedelta(days=4) <= finished - started < timedelta(days=4, hours=1)


@pytest.mark.azurite
def test_the_job_is_never_polled_more_than_once_a_minute(runs: dict[str, Run]) -> None:
    for offer in ("pi-3d-live1d", "pi-plain", "pi-throttled600"):
        gets = [r for r in runs[offer].requests if r.method == "GET" and "/configure/" in r.path]
        assert len(gets) > 3
        gaps = [(b.time - a.time).total_seconds() for a, b in itertools.pairwise(gets)]
        assert min(gaps) >= 60, gaps


@pytest.mark.azurite
def test_refusals_carry_the_reason(runs: dict[str, Run]) -> None:
    expected = {
        "pi-rejected": (400, "schemaValidationError"),
        "pi-busy": (409, "SubmissionInProgress"),
        "pi-inprogress": (409, "SubmissionInProgress"),
        "pi-stale": (409, "NotLatestSubmission"),
        "pi-previewfailed": (409, "PreviewNotReady"),
        "pi-nopreview": (409, "PreviewNotFound"),
        "pi-alreadylive": (409, "AlreadyLive"),
        "pi-missing": (404, "ProductNotFound"),
        "pi-forbidden": (403, "forbidden"),
    }
    for offer, (status, code) in expected.items():
        rejection = _data(runs, offer)["rejection"]
        assert (rejection["httpStatus"], rejection["code"]) == (status, code), offer
        assert rejection["message"]
    assert "Manager" in _data(runs, "pi-forbidden")["rejection"]["hint"]
    assert "latest" in _data(runs, "pi-stale")["rejection"]["message"]
    posts = [r for r in runs["pi-rejected"].requests if r.method == "POST"]
    assert len(posts) == 1  # a 400 is never retried
    assert not [r for r in runs["pi-busy"].requests if r.method == "POST"]


@pytest.mark.azurite
def test_certification_failure_needs_a_person_then_fails(runs: dict[str, Run]) -> None:
    run = runs["pi-certfailed"]
    announced = [e for e in run.events if e["type"] == events.ACTION_REQUIRED]
    assert len(announced) == 1
    condition = announced[0]["data"]["condition"]
    assert condition["step"] == "certification"
    assert "certification" in condition["message"]
    error = _data(runs, "pi-certfailed")["error"]
    assert error["step"] == "configure job" and error["messages"]
    assert run.events.index(announced[0]) < run.events.index(run.completions[0])


@pytest.mark.azurite
def test_failures_carry_the_errors_of_their_stage(runs: dict[str, Run]) -> None:
    job = _data(runs, "pi-jobfailed")
    assert job["error"]["step"] == "configure job"
    assert "no price" in job["error"]["message"]
    assert job["productIngestion"]["errors"][0]["resource"] == "gold-plan"
    live = _data(runs, "pi-livefailed")
    assert live["error"]["step"] == "live submission"
    assert live["productIngestion"]["jobResult"] == "succeeded"
    assert live["productIngestion"]["liveResult"] == "failed"
    assert not [e for e in runs["pi-livefailed"].events if e["type"] == events.ACTION_REQUIRED]


@pytest.mark.azurite
def test_retry_after_is_honoured_on_the_job_and_the_configure(runs: dict[str, Run]) -> None:
    gets = [r for r in runs["pi-throttled600"].requests if "/configure/" in r.path]
    throttled = next(i for i, r in enumerate(gets) if r.status == 429)
    assert gets[throttled + 1].time - gets[throttled].time >= timedelta(seconds=599)
    posts = [r for r in runs["pi-throttled120_post"].requests if r.method == "POST"]
    assert [p.status for p in posts] == [429, 200]
    assert posts[1].time - posts[0].time >= timedelta(seconds=119)


@pytest.mark.azurite
def test_transient_reads_are_retried_then_the_start_gives_up(runs: dict[str, Run]) -> None:
    products = [r for r in runs["pi-burst503x10_product"].requests if "/product" in r.path]
    assert len(products) == 4  # START_MAX_ATTEMPTS in the test settings
    assert "4 attempts" in _data(runs, "pi-burst503x10_product")["reason"]


@pytest.mark.azurite
def test_a_configure_accepted_behind_a_timeout_is_followed_not_repeated(
    runs: dict[str, Run],
) -> None:
    run = runs["pi-hang3_post"]
    assert len([r for r in run.requests if r.method == "POST"]) == 1
    assert _data(runs, "pi-hang3_post")["productIngestion"]["jobId"] is None


@pytest.mark.azurite
def test_a_push_followed_without_its_job_fails_when_the_live_target_falls_back(
    runs: dict[str, Run],
) -> None:
    """The configure answer was lost, then the job failed: the live target shows the earlier
    submission again, and the run ends Failed instead of waiting for the deadline."""
    data = _data(runs, "pi-hang3_post-jobfailed")
    assert data["productIngestion"]["jobId"] is None
    assert "stopped going live" in data["reason"]
    started = datetime.fromisoformat(data["startedAt"])
    assert datetime.fromisoformat(data["finishedAt"]) - started < timedelta(hours=3)


@pytest.mark.azurite
def test_the_deadline_ends_a_job_running_for_days(runs: dict[str, Run]) -> None:
    data = _data(runs, "pi-10d")
    started = datetime.fromisoformat(data["startedAt"])
    finished = datetime.fromisoformat(data["finishedAt"])
    assert timedelta(days=8) <= finished - started < timedelta(days=8, hours=1)
    assert data["productIngestion"]["jobStatus"] == "running"
    assert not any("/cancel" in r.path for r in runs["pi-10d"].requests)


@pytest.mark.azurite
def test_a_cancel_reaches_the_job_and_a_refusal_does_not_fail_the_run(
    stack: Any,
) -> None:
    app = AppDriver(stack)
    for offer in ("pi-cancel-slow", "pi-cancellate-nocancel-slow"):
        assert app.start(PUBLISHER, offer, dict(INGESTION)).status_code == 202
    for offer in ("pi-cancel-slow", "pi-cancellate-nocancel-slow"):
        _wait_for_job(app, offer)
        answer = app.cancel(PUBLISHER, offer, {"cancelOperation": True, "reason": "test"})
        assert answer.status_code == 202, answer.text
    accepted = _ended(app, "pi-cancel-slow")
    assert accepted["type"] == events.CANCELED
    assert "cancel accepted" in accepted["data"]["reason"]
    refused = _ended(app, "pi-cancellate-nocancel-slow")
    assert refused["type"] == events.CANCELED
    assert "Cannot cancel job, job has already completed." in refused["data"]["reason"]
    cancels = [r for r in app.ingestion_requests("pi-cancel-slow") if r.path.endswith("/cancel")]
    assert len(cancels) == 1


def _wait_for_job(app: AppDriver, offer: str) -> None:
    import time

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = app.status(PUBLISHER, offer)
        if status and (status.get("productIngestion") or {}).get("jobId"):
            return
        time.sleep(0.05)
    raise AssertionError(f"{offer} never got a job: {app.status(PUBLISHER, offer)}")


def _ended(app: AppDriver, offer: str) -> dict[str, Any]:
    app.wait_until_finished(PUBLISHER, offer)
    [completion] = app.completion_events(PUBLISHER, offer)
    return completion

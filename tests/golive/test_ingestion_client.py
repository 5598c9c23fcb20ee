"""The Product Ingestion client against the simulator and scripted servers, over real HTTP."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from azure.identity import ManagedIdentityCredential

from golive.activity_results import (
    ActivityResult,
    ConfigureAccepted,
    JobCancelAccepted,
    JobCancelRefused,
    JobStatus,
    LivePushFound,
    LiveSubmissionStatus,
    Rejected,
    Transient,
    ingestion_start_result,
    job_cancel_result,
    job_poll_result,
    live_poll_result,
)
from golive.errors import UnsafeLocationError
from golive.go_live_request import GoLiveRequest
from golive.ingestion_client import DEFAULT_SCOPE, IngestionClient
from golive.ingestion_states import FailureKind
from golive.operation import Outcome
from simulators import ManualClock, TokenAuthority
from simulators.faults import Fault
from simulators.ingestion import IngestionSimulator, product_guid
from tests.golive.fakes import FailingCredential, FakeCredential
from tests.golive.local_server import LocalServer, Received, Reply, always, serve

TIMEOUT = 0.5


def _request(offer: str) -> GoLiveRequest:
    return GoLiveRequest("contoso", offer)


@pytest.fixture
def sim(clock: ManualClock, authority: TokenAuthority) -> Iterator[IngestionSimulator]:
    with IngestionSimulator(authority=authority, now=clock, slow_answer_delay=2.0) as running:
        yield running


@pytest.fixture
def client(sim: IngestionSimulator, authority: TokenAuthority) -> Iterator[IngestionClient]:
    with IngestionClient(sim.api_base_url, authority.credential(), DEFAULT_SCOPE, TIMEOUT) as c:
        yield c


def _accepted(client: IngestionClient, offer: str) -> ConfigureAccepted:
    result = client.go_live(_request(offer))
    assert isinstance(result, ConfigureAccepted), result
    return result


def _job(client: IngestionClient, job_id: str) -> JobStatus:
    result = client.get_job(job_id)
    assert isinstance(result, JobStatus), result
    return result


def _live(client: IngestionClient, accepted: ConfigureAccepted) -> LiveSubmissionStatus:
    result = client.get_live_submission(accepted.product_id, accepted.submission_id)
    assert isinstance(result, LiveSubmissionStatus), result
    return result


# -- the go-live, stage by stage ---------------------------------------------------------------


def test_a_go_live_resolves_the_product_configures_and_follows_both_stages(
    client: IngestionClient, sim: IngestionSimulator, clock: ManualClock
) -> None:
    accepted = _accepted(client, "contoso-saas")
    guid = product_guid("contoso-saas")
    assert accepted.product_id == guid
    assert accepted.submission_id == f"submission/{guid}/2"
    assert accepted.job.outcome is Outcome.IN_PROGRESS
    [post] = [r for r in sim.requests if r.method == "POST"]
    assert post.query["$version"] == "2022-07-01"
    resource = post.json()["resources"][0]
    assert resource["target"] == {"targetType": "live"}
    assert resource["product"] == f"product/{guid}"
    clock.advance(timedelta(hours=1))
    job = _job(client, accepted.job.job_id).job
    assert (job.outcome, job.job_status, job.job_result) == (
        Outcome.SUCCEEDED,
        "completed",
        "succeeded",
    )
    live = _live(client, accepted).submission
    assert live.ours and live.outcome is Outcome.IN_PROGRESS
    clock.advance(timedelta(hours=2))
    live = _live(client, accepted).submission
    assert live.ours and live.outcome is Outcome.SUCCEEDED


def test_a_live_submission_that_fails_after_the_job_carries_its_errors(
    client: IngestionClient, clock: ManualClock
) -> None:
    accepted = _accepted(client, "contoso-livefailed")
    clock.advance(timedelta(hours=4))
    assert _job(client, accepted.job.job_id).job.outcome is Outcome.SUCCEEDED
    live = _live(client, accepted).submission
    assert live.outcome is Outcome.FAILED
    assert "no price" in live.errors[0].message


@pytest.mark.parametrize(
    ("word", "kind", "needs_person"),
    [
        ("certfailed", FailureKind.CERTIFICATION, True),
        ("jobfailed", FailureKind.OTHER, True),
        ("inprogress", FailureKind.IN_PROGRESS, False),
        ("stale", FailureKind.NOT_LATEST, False),
    ],
)
def test_a_failed_job_is_sorted_by_its_errors(
    client: IngestionClient,
    clock: ManualClock,
    word: str,
    kind: FailureKind,
    needs_person: bool,
) -> None:
    accepted = _accepted(client, f"contoso-{word}")
    clock.advance(timedelta(hours=1))
    job = _job(client, accepted.job.job_id).job
    assert job.outcome is Outcome.FAILED
    assert job.failure is kind
    assert job.needs_person is needs_person
    assert job.errors and job.errors[0].message
    if word == "certfailed":
        assert "invalidState" in job.errors[0].message  # nested details kept
    if word == "jobfailed":
        assert job.errors[0].resource == "gold-plan"  # resourceId given as {resourceName}


def test_a_job_running_for_days_stays_in_progress(
    client: IngestionClient, clock: ManualClock
) -> None:
    accepted = _accepted(client, "contoso-slow")
    clock.advance(timedelta(days=2))
    assert _job(client, accepted.job.job_id).job.outcome is Outcome.IN_PROGRESS


def test_states_are_read_case_insensitively_and_jobid_in_either_spelling(
    client: IngestionClient, clock: ManualClock
) -> None:
    accepted = _accepted(client, "contoso-jobidcaps-capitalized")
    assert accepted.job.job_status == "NotStarted"
    clock.advance(timedelta(hours=4))
    assert _job(client, accepted.job.job_id).job.outcome is Outcome.SUCCEEDED
    assert _live(client, accepted).submission.outcome is Outcome.SUCCEEDED


# -- refusals before and at submit time ----------------------------------------------------------


@pytest.mark.parametrize(
    ("offer", "status", "code"),
    [
        ("contoso-rejected", 400, "schemaValidationError"),
        ("contoso-busy", 409, "SubmissionInProgress"),
        ("contoso-previewfailed", 409, "PreviewNotReady"),
        ("contoso-nopreview", 409, "PreviewNotFound"),
        ("contoso-alreadylive", 409, "AlreadyLive"),
        ("contoso-missing", 404, "ProductNotFound"),
        ("contoso-forbidden", 403, "forbidden"),
    ],
)
def test_refusals_carry_a_status_a_code_and_a_reason(
    client: IngestionClient, sim: IngestionSimulator, offer: str, status: int, code: str
) -> None:
    result = client.go_live(_request(offer))
    assert isinstance(result, Rejected), result
    assert (result.http_status, result.code) == (status, code)
    assert result.message
    if status == 403:
        assert result.hint is not None and "Manager" in result.hint
    if status == 409:
        assert not [r for r in sim.requests if r.method == "POST"]  # nothing submitted


def test_a_repeated_start_follows_the_push_already_under_way(
    client: IngestionClient, sim: IngestionSimulator
) -> None:
    first = _accepted(client, "contoso-saas")
    again = client.go_live(_request("contoso-saas"))
    assert again == LivePushFound(first.product_id, first.submission_id)
    assert len(sim.jobs) == 1


# -- transient answers ------------------------------------------------------------------------


def test_429_keeps_retry_after_and_5xx_is_transient(
    client: IngestionClient, sim: IngestionSimulator
) -> None:
    offer = "contoso-throttled90-burst503x1_submission"
    failed = client.go_live(_request(offer))
    assert isinstance(failed, Transient) and failed.http_status == 503
    assert not [r for r in sim.requests if r.method == "POST"]
    accepted = _accepted(client, offer)
    throttled = client.get_job(accepted.job.job_id)
    assert isinstance(throttled, Transient)
    assert (throttled.http_status, throttled.retry_after_seconds) == (429, 90.0)
    assert isinstance(client.get_job(accepted.job.job_id), JobStatus)


def test_an_http_date_retry_after_counts_from_the_servers_clock(
    client: IngestionClient, sim: IngestionSimulator
) -> None:
    accepted = _accepted(client, "contoso-throttleddate120")
    throttled = client.get_job(accepted.job.job_id)
    assert isinstance(throttled, Transient)
    assert throttled.retry_after_seconds == pytest.approx(120, abs=1)


@pytest.mark.parametrize(
    "fault", [Fault.connection_reset(on="golive"), Fault.slow_answer(on="golive")]
)
def test_a_reset_or_a_slow_configure_is_transient(
    client: IngestionClient, sim: IngestionSimulator, fault: Fault
) -> None:
    sim.inject_fault(fault)
    assert isinstance(client.go_live(_request("contoso-saas")), Transient)


def test_a_token_failure_is_transient_and_sends_nothing(sim: IngestionSimulator) -> None:
    failing = FailingCredential()
    with IngestionClient(sim.api_base_url, failing, DEFAULT_SCOPE, TIMEOUT) as client:
        assert isinstance(client.go_live(_request("contoso-saas")), Transient)
    assert sim.requests == []


# -- cancel -----------------------------------------------------------------------------------


def test_cancel_a_running_job_then_a_refusal_is_an_answer(
    client: IngestionClient, clock: ManualClock
) -> None:
    accepted = _accepted(client, "contoso-saas")
    cancelled = client.cancel_job(accepted.job.job_id)
    assert isinstance(cancelled, JobCancelAccepted)
    assert cancelled.job is not None and cancelled.job.outcome is Outcome.CANCELED
    refused = client.cancel_job(accepted.job.job_id)
    assert refused == JobCancelRefused("Cannot cancel job, job has already completed.")


# -- where the token goes -----------------------------------------------------------------------


@pytest.mark.usefixtures("managed_identity_env")
def test_the_token_is_for_graph_and_goes_only_to_the_configured_origin(
    sim: IngestionSimulator,
) -> None:
    credential = ManagedIdentityCredential()
    with IngestionClient(sim.api_base_url, credential, DEFAULT_SCOPE, TIMEOUT) as client:
        accepted = _accepted(client, "contoso-saas")
        assert isinstance(client.get_job(accepted.job.job_id), JobStatus)
    assert {r.header("Authorization") for r in sim.requests} == {"Bearer ***"}


def test_a_base_url_that_would_leak_the_token_is_refused() -> None:
    for url in ("http://graph.example.com/rp/product-ingestion", "ftp://x", "https://u:p@h/x"):
        with pytest.raises(UnsafeLocationError):
            IngestionClient(url, FakeCredential(), DEFAULT_SCOPE, TIMEOUT)


def test_a_redirect_is_not_followed_and_ids_from_answers_are_checked() -> None:
    credential = FakeCredential()

    def handler(received: Received) -> Reply:
        if received.target.startswith("/rp/product"):
            product = {"id": "product/../../elsewhere", "identity": {"externalId": "o"}}
            return Reply(200, body=json.dumps({"value": [product]}).encode())
        return Reply(302, headers={"Location": "http://127.0.0.2:9/steal"})

    with (
        serve(handler) as server,
        IngestionClient(server.base_url + "/rp", credential, DEFAULT_SCOPE, TIMEOUT) as client,
    ):
        missing = client.go_live(_request("o"))
        assert isinstance(missing, Rejected) and missing.code == "ProductNotFound"
        redirected = client.get_job("0a4b")
        assert isinstance(redirected, Rejected) and redirected.code == "UnexpectedRedirect"
        assert isinstance(client.get_job("../x"), Rejected)
    assert len(server.received) == 2


def test_the_token_never_reaches_the_logs(
    caplog: pytest.LogCaptureFixture, sim: IngestionSimulator
) -> None:
    credential = FakeCredential()
    caplog.set_level(logging.DEBUG)
    with IngestionClient(sim.api_base_url, credential, DEFAULT_SCOPE, TIMEOUT) as client:
        client.go_live(_request("contoso-saas"))
    assert credential.token not in caplog.text


def test_a_bare_product_object_and_unreadable_bodies(
    credential: FakeCredential | None = None,
) -> None:
    guid = "0f0e0d0c-0b0a-0908-0706-050403020100"

    def handler(received: Received) -> Reply:
        if received.target.startswith("/product"):
            return Reply(200, body=json.dumps({"id": f"product/{guid}"}).encode())
        return Reply(200, body=b"<html>gateway</html>")

    with (
        serve(handler) as server,
        IngestionClient(server.base_url, FakeCredential(), DEFAULT_SCOPE, TIMEOUT) as client,
    ):
        assert isinstance(client.go_live(_request("o")), Transient)  # found, then an HTML page
        assert isinstance(client.get_job("abc"), Transient)
    assert server.received[1].target.startswith(f"/submission/{guid}?")


def test_every_result_survives_a_json_round_trip(
    client: IngestionClient, clock: ManualClock
) -> None:
    accepted = _accepted(client, "contoso-certfailed-throttled")
    results: list[ActivityResult] = [
        accepted,
        client.get_job(accepted.job.job_id),  # 429
        _live(client, accepted),
        LivePushFound(accepted.product_id, accepted.submission_id),
        JobCancelRefused("no"),
    ]
    clock.advance(timedelta(hours=1))
    results.append(_job(client, accepted.job.job_id))
    results.append(client.cancel_job(accepted.job.job_id))
    results.append(client.go_live(_request("contoso-nopreview")))
    rebuilders = (ingestion_start_result, job_poll_result, live_poll_result, job_cancel_result)
    for result in results:
        data = json.loads(json.dumps(result.to_json()))
        assert any(_rebuilds(rebuild, data) == result for rebuild in rebuilders), result


def _rebuilds(rebuild: Any, data: Any) -> Any:
    try:
        return rebuild(data)
    except ValueError:
        return None


def test_a_server_that_never_answers_in_time(credential: FakeCredential | None = None) -> None:
    with serve(always(Reply(200, hold=True))) as server:
        client = IngestionClient(server.base_url, FakeCredential(), DEFAULT_SCOPE, 0.2)
        assert isinstance(client.get_job("abc"), Transient)
        client.close()
    assert isinstance(server, LocalServer)

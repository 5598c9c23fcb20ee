"""The activities on their own: the registered functions, called as the worker calls them
(a JSON payload in, a JSON result out), against the CPP, Event Grid and identity
simulators on 127.0.0.1 (and the Product Ingestion one), with the clients built from the
app's settings."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from activities import blueprint as registered
from activities.clients import cpp_client, event_grid_sender, ingestion_client
from golive import events
from golive.activity_inputs import JobCall, LiveCall, OfferCall, PollCall, PublishCall
from golive.activity_results import (
    Accepted,
    CancelAccepted,
    ConfigureAccepted,
    JobCancelAccepted,
    JobCancelRefused,
    JobStatus,
    LivePushFound,
    LiveSubmissionStatus,
    OperationStatus,
    Published,
    PublishFailed,
    Transient,
    UnsafeLocation,
    cancel_result,
    ingestion_start_result,
    job_cancel_result,
    job_poll_result,
    live_poll_result,
    poll_result,
    publish_result,
    start_result,
)
from golive.go_live_request import GoLiveRequest
from golive.operation import Outcome
from golive.settings import current_settings
from simulators.cpp import CppSimulator
from simulators.eventgrid import EventGridSimulator
from simulators.identity import IdentitySimulator
from simulators.ingestion import IngestionSimulator
from simulators.tokens import TokenAuthority
from tests.golive.samples import run_summary

REQUEST = GoLiveRequest("contoso", "activity-offer", "req-7", "corr-7")
LOG = {"instanceId": REQUEST.instance_id, "runId": "run-7", "requestId": "req-7"}


class Simulators:
    def __init__(
        self, cpp: CppSimulator, topic: EventGridSimulator, ingestion: IngestionSimulator
    ) -> None:
        self.cpp = cpp
        self.topic = topic
        self.ingestion = ingestion


@pytest.fixture
def sims(monkeypatch: pytest.MonkeyPatch) -> Iterator[Simulators]:
    """The services, and the app's settings pointing at them, as a worker process sees them."""
    authority = TokenAuthority()
    with (
        IdentitySimulator(authority=authority) as identity,
        CppSimulator(authority=authority) as cpp,
        EventGridSimulator(authority=authority) as topic,
        IngestionSimulator(authority=authority) as ingestion,
    ):
        environment = {
            **identity.environment(),
            "AZURE_TOKEN_CREDENTIALS": "ManagedIdentityCredential",
            "CPP_API_BASE_URL": cpp.base_url,
            "PRODUCT_INGESTION_BASE_URL": ingestion.api_base_url,
            "EVENTGRID_TOPIC_ENDPOINT": topic.endpoint,
            "EVENTGRID_TOPIC_KEY": topic.key,
        }
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        _forget_clients()
        yield Simulators(cpp, topic, ingestion)
        _forget_clients()


def _forget_clients() -> None:
    for cached in (current_settings, cpp_client, event_grid_sender, ingestion_client):
        cached.cache_clear()


def invoke(function: Any, payload: dict[str, Any]) -> Any:
    """Call a registered activity the way the worker does: JSON in, JSON out."""
    user_function: Callable[[dict[str, Any]], Any] = function._function.get_user_function()
    return json.loads(json.dumps(user_function(json.loads(json.dumps(payload)))))


def go_live() -> Any:
    return start_result(invoke(registered.start_go_live, OfferCall(REQUEST, LOG).to_json()))


def poll(url: str) -> Any:
    return poll_result(invoke(registered.poll_operation, PollCall(url, LOG).to_json()))


def test_go_live_then_poll_follows_the_operation(sims: Simulators) -> None:
    accepted = go_live()
    assert isinstance(accepted, Accepted)
    assert accepted.operation_url.startswith(sims.cpp.base_url)
    polled = poll(accepted.operation_url)
    assert isinstance(polled, OperationStatus)
    assert polled.snapshot.outcome is Outcome.IN_PROGRESS
    assert polled.snapshot.steps


def test_a_repeated_go_live_follows_the_same_operation(sims: Simulators) -> None:
    """Activities run at least once: the second POST meets CPP's 409 and is not a refusal."""
    first, second = go_live(), go_live()
    assert isinstance(first, Accepted)
    assert isinstance(second, Accepted)
    assert poll(first.operation_url).snapshot.id == poll(second.operation_url).snapshot.id


def test_cancel_is_accepted_and_harmless_when_repeated(sims: Simulators) -> None:
    assert isinstance(go_live(), Accepted)
    payload = OfferCall(REQUEST, LOG).to_json()
    for _ in range(2):
        result = cancel_result(invoke(registered.cancel_operation, payload))
        assert isinstance(result, CancelAccepted)
        assert result.http_status in (200, 202)


def test_a_poll_off_the_cpp_origin_is_refused_without_a_request(sims: Simulators) -> None:
    result = poll("https://elsewhere.example/api/operations/x")
    assert isinstance(result, UnsafeLocation)
    assert not [r for r in sims.cpp.requests if r.path.startswith("/api/")]


def test_cpp_trouble_comes_back_as_transient(sims: Simulators) -> None:
    sims.cpp.fail_next(1, status=503, on="golive")
    result = go_live()
    assert isinstance(result, Transient)
    assert result.http_status == 503


def test_publish_sends_the_event_once_and_reports_refusals(sims: Simulators) -> None:
    event = events.build_completion_event(
        events.SUCCEEDED, run_summary(), source="/marketplace/golive", time=datetime.now(UTC)
    )
    payload = PublishCall(event, LOG).to_json()
    assert publish_result(invoke(registered.publish_event, payload)) == Published()
    assert [received["id"] for received in sims.topic.events] == [event["id"]]
    sims.topic.fail_next(1, status=503)
    refused = publish_result(invoke(registered.publish_event, payload))
    assert isinstance(refused, PublishFailed)
    assert refused.transient


def test_each_activity_logs_its_ids_and_outcome_and_no_secret(
    sims: Simulators, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="golive.activities")
    go_live()
    [record] = [r for r in caplog.records if r.name == "golive.activities"]
    assert "go-live requested" in record.getMessage()
    assert record.__dict__["instanceId"] == REQUEST.instance_id
    assert record.__dict__["kind"] == "accepted"
    assert sims.topic.key not in caplog.text
    assert "sim1." not in caplog.text


def test_product_ingestion_start_polls_and_cancel_are_safe_to_repeat(sims: Simulators) -> None:
    """Start, job and live reads, then cancel twice: each activity JSON in, JSON out."""
    offer = OfferCall(GoLiveRequest("contoso", "activity-saas", api=None), LOG).to_json()
    started = ingestion_start_result(invoke(registered.start_ingestion_go_live, offer))
    assert isinstance(started, ConfigureAccepted)
    again = ingestion_start_result(invoke(registered.start_ingestion_go_live, offer))
    assert again == LivePushFound(started.product_id, started.submission_id)
    job = JobCall(started.job.job_id, LOG).to_json()
    assert isinstance(job_poll_result(invoke(registered.poll_configure_job, job)), JobStatus)
    live = LiveCall(started.product_id, started.submission_id, LOG).to_json()
    polled = live_poll_result(invoke(registered.poll_live_submission, live))
    assert isinstance(polled, LiveSubmissionStatus) and polled.submission.ours
    first = job_cancel_result(invoke(registered.cancel_configure_job, job))
    second = job_cancel_result(invoke(registered.cancel_configure_job, job))
    assert isinstance(first, JobCancelAccepted)
    assert isinstance(second, JobCancelRefused)
    assert len(sims.ingestion.jobs) == 1

"""The Event Grid sender against a real HTTP sink on 127.0.0.1."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import pytest

from golive.activity_results import Published, PublishFailed
from golive.event_grid import EventGridSender
from golive.events import FAILED, build_completion_event, validate_event
from tests.golive.fakes import FailingCredential, FakeCredential
from tests.golive.local_server import LocalServer, Reply, always, serve
from tests.golive.samples import run_summary

KEY = "SECRET-TOPIC-KEY-0123456789abcdef"


def an_event() -> dict[str, Any]:
    summary = run_summary(
        cpp_status="failed",
        error={"code": "CertificationFailed", "message": "no", "step": "Cert", "messages": []},
    )
    event = build_completion_event(
        FAILED, summary, source="/marketplace/golive", time=datetime(2025, 3, 4, 9, 30, tzinfo=UTC)
    )
    validate_event(event)
    return event


def endpoint(server: LocalServer) -> str:
    return f"{server.base_url}/api/events"


def sent_events(server: LocalServer) -> list[dict[str, Any]]:
    [request] = server.received
    events: list[dict[str, Any]] = json.loads(request.body)
    return events


def test_publishes_the_event_unchanged_with_the_topic_key() -> None:
    event = an_event()
    with serve(always(Reply(200))) as sink, EventGridSender(endpoint(sink), KEY, None) as publisher:
        result = publisher.send(event)
    assert result == Published()
    request = sink.received[0]
    assert request.method == "POST"
    assert request.target == "/api/events?api-version=2018-01-01"
    assert request.headers["aeg-sas-key"] == KEY
    assert request.headers["content-type"].startswith("application/cloudevents-batch+json")
    [sent] = sent_events(sink)
    times = [datetime.fromisoformat(e["time"]) for e in (sent, event)]
    assert times[0] == times[1]
    assert {k: v for k, v in sent.items() if k != "time"} == {
        k: v for k, v in event.items() if k != "time"
    }


def test_publishes_with_a_token_when_no_key_is_set() -> None:
    credential = FakeCredential()
    with (
        serve(always(Reply(200))) as sink,
        EventGridSender(endpoint(sink), None, credential) as publisher,
    ):
        result = publisher.send(an_event())
    assert result == Published()
    headers = sink.received[0].headers
    assert headers["authorization"] == f"Bearer {credential.token}"
    assert "aeg-sas-key" not in headers
    assert credential.scopes == [("https://eventgrid.azure.net/.default",)]


@pytest.mark.parametrize(
    ("reply", "transient", "retry_after"),
    [
        (Reply(429, {"Retry-After": "30"}), True, 30.0),
        (Reply(500), True, None),
        (Reply(503, {"Retry-After": "5"}), True, 5.0),
        (Reply(400, body=b'{"error":{"code":"BadRequest","message":"bad event"}}'), False, None),
        (Reply(401), False, None),
        (Reply(403), False, None),
        (Reply(404), False, None),
        (Reply(413), False, None),
    ],
)
def test_failures_come_back_classified_and_are_not_retried_by_the_sdk(
    reply: Reply, transient: bool, retry_after: float | None
) -> None:
    with serve(always(reply)) as sink, EventGridSender(endpoint(sink), KEY, None) as publisher:
        result = publisher.send(an_event())
    assert isinstance(result, PublishFailed)
    assert result.transient is transient
    assert result.retry_after_seconds == retry_after
    assert result.http_status == reply.status
    assert str(reply.status) in result.reason
    assert len(sink.received) == 1  # retries belong to the orchestrator


def test_an_unreachable_topic_is_transient() -> None:
    with serve(always(Reply(200))) as sink:
        url = endpoint(sink)
    with EventGridSender(url, KEY, None) as publisher:
        result = publisher.send(an_event())
    assert isinstance(result, PublishFailed)
    assert result.transient


def test_a_token_failure_is_transient_and_sends_nothing() -> None:
    with (
        serve(always(Reply(200))) as sink,
        EventGridSender(endpoint(sink), None, FailingCredential()) as publisher,
    ):
        result = publisher.send(an_event())
    assert isinstance(result, PublishFailed)
    assert result.transient
    assert sink.received == []


def test_the_key_and_token_never_reach_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    credential = FakeCredential()
    results = []
    for reply in (Reply(200), Reply(401), Reply(500)):
        with serve(always(reply)) as sink:
            for publisher in (
                EventGridSender(endpoint(sink), KEY, None),
                EventGridSender(endpoint(sink), None, credential),
            ):
                with publisher:
                    results.append(publisher.send(an_event()))
    assert caplog.records
    assert KEY not in caplog.text
    assert credential.token not in caplog.text
    dumped = json.dumps([r.to_json() for r in results])
    assert KEY not in dumped
    assert credential.token not in dumped


def test_refuses_plain_http_off_loopback_and_a_missing_credential() -> None:
    with pytest.raises(ValueError, match="https"):
        EventGridSender("http://topic.westeurope-1.eventgrid.azure.net/api/events", KEY, None)
    with pytest.raises(ValueError, match="key or a token"):
        EventGridSender("https://topic.westeurope-1.eventgrid.azure.net/api/events", None, None)

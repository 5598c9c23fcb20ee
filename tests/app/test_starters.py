"""The starters as operators and upstream systems meet them: 202, 409, 400, duplicates,
the poison queue, cancel and the status route."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
import requests

from demo.stack import LocalStack
from golive import events
from simulators.cpp import Fault, Scenario
from tests.app.conftest import CapturedLogs
from tests.app.driver import AppDriver

pytestmark = pytest.mark.azurite


@contextmanager
def time_stands_still(stack: LocalStack) -> Iterator[None]:
    """Hold the virtual clock so a go-live stays mid-flight while the test acts on it."""
    with stack.devhost.runtime.hold():
        yield


def wait_for_phase(app: AppDriver, publisher: str, offer: str, phase: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = app.status(publisher, offer)
        if status and status["phase"] == phase:
            return status
        time.sleep(0.05)
    raise AssertionError(f"never reached {phase}: {app.status(publisher, offer)}")


def instance_count(stack: LocalStack) -> int:
    url = f"{stack.base_url}/runtime/webhooks/durabletask/instances"
    return len(requests.get(url, params=stack.durable_api_key, timeout=30).json())


def test_start_answers_202_with_the_check_status_payload(app: AppDriver) -> None:
    response = app.start("contoso", "st-accepted", {"requestId": "a-1", "correlationId": "c-1"})
    assert response.status_code == 202
    body = response.json()
    assert body["id"] == "golive:contoso:st-accepted"
    assert response.headers["Location"] == body["statusQueryGetUri"]
    assert requests.get(body["statusQueryGetUri"], timeout=30).status_code in (200, 202)
    status = app.wait_until_finished("contoso", "st-accepted")
    assert status["outcome"] == events.SUCCEEDED
    assert status["requestId"] == "a-1" and status["correlationId"] == "c-1"


def test_second_start_while_running_is_409_and_starts_nothing(
    app: AppDriver, stack: LocalStack
) -> None:
    with time_stands_still(stack):
        assert app.start("contoso", "st-busy", {"requestId": "b-1"}).status_code == 202
        running = wait_for_phase(app, "contoso", "st-busy", "polling")
        same_request = app.start("contoso", "st-busy", {"requestId": "b-1"})
        assert same_request.status_code == 409
        again = app.start("contoso", "st-busy", {"requestId": "b-2"})
        assert again.status_code == 409
        body = again.json()
        assert body["error"]["code"] == "GoLiveAlreadyRunning"
        assert body["instanceId"] == running["instanceId"]
        assert (
            body["statusQueryGetUri"].endswith(running["instanceId"].replace(":", "%3A"))
            or running["instanceId"] in body["statusQueryGetUri"]
        )
    app.wait_until_finished("contoso", "st-busy")
    assert len(app.completion_events("contoso", "st-busy")) == 1


def test_repeated_request_id_never_starts_a_second_run(app: AppDriver) -> None:
    assert app.start("contoso", "st-dup", {"requestId": "d-1"}).status_code == 202
    first = app.wait_until_finished("contoso", "st-dup")
    repeat = app.start("contoso", "st-dup", {"requestId": "d-1"})
    assert repeat.status_code == 200
    assert repeat.json()["duplicate"] is True
    assert app.current("contoso", "st-dup")["eventId"] == first["eventId"]
    fresh = app.start("contoso", "st-dup", {"requestId": "d-2"})
    assert fresh.status_code == 202  # a finished offer may go live again under a new request
    second = app.wait_until_finished("contoso", "st-dup")
    assert second["eventId"] != first["eventId"]
    # d-1 is still remembered after d-2's run replaced it
    assert app.start("contoso", "st-dup", {"requestId": "d-1"}).status_code == 200
    assert len(app.completion_events("contoso", "st-dup")) == 2


@pytest.mark.parametrize(
    ("path", "body", "words"),
    [
        ("bad..id/offer", None, "publisherId"),
        ("contoso/off%24er", None, "offerId"),
        ("contoso/" + "o" * 200, None, "offerId"),
        ("contoso/st-bad-body", b"{not json", "JSON"),
        ("contoso/st-bad-body", b"[1, 2]", "object"),
        ("contoso/st-bad-body", b'{"requestid": "x"}', "requestid"),
        ("contoso/st-bad-body", b'{"requestId": "' + b"r" * 300 + b'"}', "requestId"),
    ],
)
def test_invalid_input_is_400_with_a_json_reason_and_starts_nothing(
    stack: LocalStack, path: str, body: bytes | None, words: str
) -> None:
    before = instance_count(stack)
    response = stack.http.post(f"{stack.base_url}/api/golive/{path}", data=body, timeout=30)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "InvalidRequest"
    assert words.lower() in error["message"].lower()
    assert instance_count(stack) == before


def test_status_route_shows_the_go_live_and_404_when_there_is_none(app: AppDriver) -> None:
    assert (
        app.stack.http.get(app.stack.go_live_url("contoso", "st-never"), timeout=30).status_code
        == 404
    )
    app.start("contoso", "st-status-blocked")
    status = app.wait_until_finished("contoso", "st-status-blocked")
    for field in (
        "phase",
        "operationLocation",
        "cppStatus",
        "steps",
        "polls",
        "nextPollAt",
        "startedAt",
        "deadline",
        "outcome",
        "currentStep",
    ):
        assert field in status
    assert status["phase"] == "finished"
    assert status["cppStatus"] == "completed"
    assert status["polls"] > 0
    assert status["steps"][0]["name"] == "Validate Pre-Requisites"


def test_status_route_while_polling_says_when_the_next_poll_is(
    app: AppDriver, stack: LocalStack
) -> None:
    with time_stands_still(stack):
        app.start("contoso", "st-watch-slow")
        status = wait_for_phase(app, "contoso", "st-watch-slow", "polling")
        deadline = time.monotonic() + 30
        while status["polls"] < 1 and time.monotonic() < deadline:
            status = app.status("contoso", "st-watch-slow") or status
            time.sleep(0.05)
        assert status["runtimeStatus"] == "Running"
        assert status["nextPollAt"] is not None and status["cppStatus"] == "running"
        assert status["operationLocation"].startswith(stack.cpp.base_url)
    app.wait_until_finished("contoso", "st-watch-slow")


@pytest.mark.parametrize("cancel_operation", [False, True])
def test_cancel_ends_the_run_canceled(
    app: AppDriver, stack: LocalStack, cancel_operation: bool
) -> None:
    offer = f"st-cancel-{'cpp' if cancel_operation else 'wait'}-slow"
    with time_stands_still(stack):
        app.start("contoso", offer)
        wait_for_phase(app, "contoso", offer, "polling")
        response = app.cancel(
            "contoso", offer, {"cancelOperation": cancel_operation, "reason": "release postponed"}
        )
        assert response.status_code == 202
    status = app.wait_until_finished("contoso", offer)
    assert status["outcome"] == events.CANCELED
    [completion] = app.completion_events("contoso", offer)
    assert "release postponed" in completion["data"]["reason"]
    cancels = [r for r in app.cpp_requests("contoso", offer) if r.path.endswith("/cancel")]
    assert len(cancels) == (1 if cancel_operation else 0)
    if cancel_operation:
        [operation] = [op for op in stack.cpp.operations if op.offer == offer]
        assert operation.status(stack.clock.now()).lower() == "canceled"
    assert app.cancel("contoso", offer).status_code == 409  # already finished


def test_cancel_of_an_unknown_go_live_is_404(app: AppDriver) -> None:
    assert app.cancel("contoso", "st-nothing-here").status_code == 404


def test_queue_message_starts_a_go_live_and_a_replay_starts_nothing(
    app: AppDriver, stack: LocalStack, app_logs: CapturedLogs
) -> None:
    message = {
        "publisherId": "contoso",
        "offerId": "st-queued",
        "requestId": "q-1",
        "correlationId": "corr-q",
    }
    stack.send_go_live(message)
    app.wait_for_status("contoso", "st-queued")
    first = app.wait_until_finished("contoso", "st-queued")
    assert first["outcome"] == events.SUCCEEDED
    stack.send_go_live(message)  # the upstream system sends the same request again
    deadline = time.monotonic() + 30
    while not any("duplicate" in line and "st-queued" in line for line in app_logs.lines):
        assert time.monotonic() < deadline, "the replayed message was never handled"
        time.sleep(0.1)
    assert app.current("contoso", "st-queued")["eventId"] == first["eventId"]
    assert len(app.completion_events("contoso", "st-queued")) == 1
    assert any("corr-q" in line and "go-live started" in line for line in app_logs.lines)


INVALID_MESSAGES = [
    '{"publisherId": "contoso", "correlationId": "poison-missing-offer"}',
    '{"publisherId": "con/toso", "offerId": "x", "correlationId": "poison-bad-id"}',
    "this is not json (poison)",
]


def test_invalid_queue_messages_end_in_poison_with_their_reason_logged(
    stack: LocalStack, app_logs: CapturedLogs
) -> None:
    before = instance_count(stack)
    for text in INVALID_MESSAGES:
        stack.send_go_live(text)
    poison = stack.queue(stack.queue_name + "-poison")
    deadline = time.monotonic() + 90
    arrived: set[str] = set()
    while arrived != set(INVALID_MESSAGES) and time.monotonic() < deadline:
        arrived |= {
            base64.b64decode(m.content).decode() for m in poison.peek_messages(max_messages=32)
        }
        time.sleep(0.25)
    assert arrived >= set(INVALID_MESSAGES), "not every invalid message reached the poison queue"
    reasons = [line for line in app_logs.lines if "invalid go-live message" in line]
    assert any("offerId" in line for line in reasons)
    assert any("publisherId" in line for line in reasons)
    assert any("JSON" in line for line in reasons)
    assert instance_count(stack) == before


def test_events_survive_an_event_grid_outage_and_the_history_stays_bounded(
    app: AppDriver, stack: LocalStack
) -> None:
    stack.eventgrid.fail_next(40, status=503)
    app.start("contoso", "st-outage-blocked")
    status = app.wait_until_finished("contoso", "st-outage-blocked")
    assert status["outcome"] == events.SUCCEEDED
    published = app.events_for("contoso", "st-outage-blocked")
    assert [e["type"] for e in published] == [events.ACTION_REQUIRED, events.SUCCEEDED]
    durable = app.durable_status(status["instanceId"], history=True)
    assert durable["customStatus"]["undeliveredEvents"] == 0
    assert len(durable["historyEvents"]) < 150
    rejected = [r for r in stack.eventgrid.requests if r.method == "POST" and r.status == 503]
    assert len(rejected) == 40


def gets(app: AppDriver, offer: str) -> list[Any]:
    return [r for r in app.cpp_requests("contoso", offer) if r.method == "GET"]


def test_cancel_raised_while_a_poll_is_in_flight_is_not_lost(
    app: AppDriver, stack: LocalStack
) -> None:
    """The third poll answers slowly; the operator cancels while it is in flight."""
    offer = "st-cancel-in-flight"
    slow_third_poll = Fault.slow_answer(1.0, on="operation", times=1, after=2)
    stack.cpp.add_offer(
        "contoso", offer, Scenario(duration=timedelta(days=20), faults=(slow_third_poll,))
    )
    app.start("contoso", offer)
    deadline = time.monotonic() + 30
    while len(gets(app, offer)) < 3:
        assert time.monotonic() < deadline, "the third poll never came"
        time.sleep(0.01)
    assert app.cancel("contoso", offer, {"reason": "mid-poll"}).status_code == 202
    status = app.wait_until_finished("contoso", offer)
    assert status["outcome"] == events.CANCELED
    assert status["polls"] == 3


def test_cancel_during_start_retries_stops_them(app: AppDriver, stack: LocalStack) -> None:
    offer = "st-cancel-starting-burst503x3_post"
    with time_stands_still(stack):
        app.start("contoso", offer)
        deadline = time.monotonic() + 30
        while app.current("contoso", offer).get("phase") != "starting" or not [
            r for r in app.cpp_requests("contoso", offer) if r.method == "POST"
        ]:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.3)  # let the orchestrator reach its backoff timer
        assert app.cancel("contoso", offer).status_code == 202
    status = app.wait_until_finished("contoso", offer)
    assert status["outcome"] == events.CANCELED
    posts = [r for r in app.cpp_requests("contoso", offer) if r.method == "POST"]
    assert len(posts) == 1


@pytest.mark.parametrize(
    "body", [b"not json", b"[]", b'{"cancelOperation": "yes"}', b'{"force": true}']
)
def test_invalid_cancel_body_is_400(app: AppDriver, body: bytes) -> None:
    url = app.stack.go_live_url("contoso", "st-any") + "/cancel"
    response = app.stack.http.post(url, data=body, timeout=30)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "InvalidRequest"


def test_queue_request_for_a_running_go_live_is_logged_as_duplicate_and_completed(
    app: AppDriver, stack: LocalStack, app_logs: CapturedLogs
) -> None:
    offer = "st-queue-busy"
    with time_stands_still(stack):
        stack.send_go_live({"publisherId": "contoso", "offerId": offer, "requestId": "qb-1"})
        wait_for_phase(app, "contoso", offer, "polling")
        stack.send_go_live({"publisherId": "contoso", "offerId": offer, "requestId": "qb-2"})
        deadline = time.monotonic() + 30
        while not any("already running" in line and offer in line for line in app_logs.lines):
            assert time.monotonic() < deadline, "the second request was never handled"
            time.sleep(0.05)
    status = app.wait_until_finished("contoso", offer)
    assert status["requestId"] == "qb-1"
    assert len(app.completion_events("contoso", offer)) == 1
    poisoned = stack.queue(stack.queue_name + "-poison").peek_messages(max_messages=32)
    assert not [m for m in poisoned if offer in base64.b64decode(m.content).decode()]


def test_a_completion_event_never_accepted_fails_the_run_with_the_event_kept(
    app: AppDriver, stack: LocalStack
) -> None:
    """Event Grid refuses for longer than PUBLISH_GIVE_UP_HOURS: the instance ends Failed,
    the event in its output; a cancel while the outcome is being delivered is refused."""
    offer = "st-never-delivered-polls1"
    stack.eventgrid.fail_next(100_000, status=503)
    try:
        app.start("contoso", offer)
        wait_for_phase(app, "contoso", offer, "publishing")
        with time_stands_still(stack):
            refused = app.cancel("contoso", offer)
            assert refused.status_code == 409
            assert refused.json()["error"]["code"] == "GoLiveNotRunning"
        status = app.wait_until_finished("contoso", offer, timeout=120)
    finally:
        stack.eventgrid.clear_faults()
    assert status["runtimeStatus"] == "Failed"
    assert "not accepted by Event Grid" in status["failure"]
    assert "Marketplace.GoLive.Succeeded" in status["failure"]
    assert app.events_for("contoso", offer) == []

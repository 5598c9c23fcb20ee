"""Each CPP scenario as a `requests` client sees it, on a manual clock (no sleeping)."""

from __future__ import annotations

import email.utils
from datetime import timedelta
from typing import Any

import pytest
import requests

from simulators import CppSimulator, Fault, ManualClock, Scenario
from simulators.cpp import UNKNOWN_STATUS_WORD
from tests.simulators.conftest import API_VERSION, CLIENT_TIMEOUT, CppClient, operation_body


def _steps(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step["id"]: step for step in body["steps"]}


def _statuses(body: dict[str, Any]) -> dict[str, str]:
    return {step_id: step["status"] for step_id, step in _steps(body).items()}


# -- how an operation unfolds --------------------------------------------------------------


def test_succeeds_after_its_duration_with_steps_progressing(
    client: CppClient, clock: ManualClock
) -> None:
    accepted = client.golive("contoso", "app-10h")
    start = operation_body(client.poll(accepted))
    assert start["status"] == "running"
    assert _statuses(start)["validation"] == "inProgress"
    clock.advance(timedelta(hours=3))
    middle = operation_body(client.poll(accepted))
    assert middle["status"] == "running"
    assert _statuses(middle)["validation"] == "complete"
    certification = _steps(middle)["certification"]
    assert certification["status"] == "inProgress"
    assert 0 < certification["progressPercentage"] < 100
    assert middle["lastActionDateTime"] > start["lastActionDateTime"]
    clock.advance(timedelta(hours=6, minutes=59))
    assert operation_body(client.poll(accepted))["status"] == "running"
    clock.advance(timedelta(minutes=1))
    done = operation_body(client.poll(accepted))
    assert done["status"] == "completed"
    assert set(_statuses(done).values()) == {"complete"}
    assert done["lastActionDateTime"] == (clock()).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert done["liveLinks"]


def test_succeeds_after_a_number_of_polls_whatever_the_clock(client: CppClient) -> None:
    accepted = client.golive("contoso", "app-polls3")
    seen = [operation_body(client.poll(accepted))["status"] for _ in range(4)]
    assert seen == ["running", "running", "completed", "completed"]


def test_a_slow_golive_takes_days_of_scenario_time(client: CppClient, clock: ManualClock) -> None:
    accepted = client.golive("contoso", "app-slow")
    clock.advance(timedelta(days=2, hours=23))
    assert operation_body(client.poll(accepted))["status"] == "running"
    clock.advance(timedelta(hours=1))
    body = operation_body(client.poll(accepted))
    assert body["status"] == "completed"
    live_messages = _steps(body)["live"]["messages"]
    assert live_messages[-1]["timestamp"] == clock().strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@pytest.mark.parametrize(
    ("offer", "step"), [("app-fail", "certification"), ("app-faillive", "live")]
)
def test_fails_at_a_step_with_an_error_message(
    client: CppClient, clock: ManualClock, offer: str, step: str
) -> None:
    accepted = client.golive("contoso", offer)
    clock.advance(timedelta(hours=2))
    body = operation_body(client.poll(accepted))
    assert body["status"] == "failed"
    assert body["error"]["code"] == "OperationFailed"
    assert "Certification failed" in body["error"]["message"]
    failed = _steps(body)[step]
    assert failed["status"] == "failed"
    assert failed["messages"][-1]["level"] == "error"
    assert failed["messages"][-1]["messageHtml"] == body["error"]["message"]
    later = list(_statuses(body).values())[list(_steps(body)).index(step) + 1 :]
    assert set(later) <= {"notStarted"}


def test_the_error_can_be_a_plain_string(client: CppClient, clock: ManualClock) -> None:
    accepted = client.golive("contoso", "app-fail-errtext")
    clock.advance(timedelta(days=1))
    body = operation_body(client.poll(accepted))
    assert body["status"] == "failed"
    assert isinstance(body["error"], str) and body["error"]


def test_a_step_blocked_on_the_publisher_then_resumes(
    client: CppClient, clock: ManualClock
) -> None:
    accepted = client.golive("contoso", "app-10h-blocked")
    clock.advance(timedelta(hours=3))  # certification runs from 0.5h to 4.5h; blocks at 2.5h
    blocked = operation_body(client.poll(accepted))
    assert blocked["status"] == "running"
    certification = _steps(blocked)["certification"]
    assert certification["status"] == "blocked"
    assert certification["messages"][-1]["level"] == "error"
    assert "Waiting for the publisher" in certification["messages"][-1]["messageHtml"]
    clock.advance(timedelta(hours=11))
    still = operation_body(client.poll(accepted))
    assert _steps(still)["certification"]["status"] == "blocked"
    assert _steps(still)["certification"]["progressPercentage"] == 50
    clock.advance(timedelta(hours=1))
    resumed = operation_body(client.poll(accepted))
    assert _statuses(resumed)["certification"] == "inProgress"
    assert _steps(resumed)["certification"]["messages"][-1]["level"] == "information"
    clock.advance(timedelta(hours=6, minutes=59))  # 10h of work + 12h blocked = 22h
    assert operation_body(client.poll(accepted))["status"] == "running"
    clock.advance(timedelta(minutes=1))
    assert operation_body(client.poll(accepted))["status"] == "completed"


def test_blocked_for_a_number_of_polls(client: CppClient) -> None:
    accepted = client.golive("contoso", "app-polls4-blockedprovisioning")
    bodies = [operation_body(client.poll(accepted)) for _ in range(6)]
    provisioning = [_statuses(body)["provisioning"] for body in bodies]
    assert provisioning == [
        "notStarted",
        "inProgress",
        "blocked",
        "blocked",
        "complete",
        "complete",
    ]
    # four polls of work plus two blocked ones
    assert [body["status"] for body in bodies] == ["running"] * 5 + ["completed"]


def test_canceled_by_the_portal(client: CppClient, clock: ManualClock) -> None:
    accepted = client.golive("contoso", "app-canceled")
    clock.advance(timedelta(hours=2))
    body = operation_body(client.poll(accepted))
    assert body["status"] == "canceled"
    assert body["error"] is None
    assert _statuses(body)["certification"] == "canceled"


def test_rejected_at_golive_with_a_400(client: CppClient, cpp: CppSimulator) -> None:
    answer = client.golive("contoso", "app-rejected")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "InvalidOfferState"
    assert answer.json()["error"]["message"]
    assert cpp.operations == []


# -- how the answers look ------------------------------------------------------------------


def test_the_non_migrated_location_form_keeps_literal_dollars(
    client: CppClient, cpp: CppSimulator
) -> None:
    accepted = client.golive("contoso", "app-polls1-legacy")
    location = accepted.headers["Location"]
    assert (
        location == f"/api/operations/contoso$app-polls1-legacy$2$preview?api-version={API_VERSION}"
    )
    body = operation_body(client.poll(accepted))
    assert body["status"] == "completed"
    assert body["id"] == cpp.operations[0].id
    assert cpp.requests[-1].path == "/api/operations/contoso$app-polls1-legacy$2$preview"


def test_operation_location_with_an_absolute_url(client: CppClient) -> None:
    accepted = client.golive("contoso", "app-oploc")
    assert "Location" not in accepted.headers
    assert accepted.headers["Operation-Location"].startswith(client.sim.base_url + "/api/")
    assert client.poll(accepted).status_code == 200


def test_the_operation_body_wrapped_in_a_one_element_array(client: CppClient) -> None:
    accepted = client.golive("contoso", "app-array")
    body = client.poll(accepted).json()
    assert isinstance(body, list) and len(body) == 1
    assert body[0]["status"] == "running"


@pytest.mark.parametrize(("word", "status"), [("succeeded", "Succeeded"), ("complete", "Complete")])
def test_success_status_words_in_other_case(client: CppClient, word: str, status: str) -> None:
    accepted = client.golive("contoso", f"app-polls1-{word}")
    assert operation_body(client.poll(accepted))["status"] == status


def test_an_unknown_status_word_while_running(client: CppClient) -> None:
    accepted = client.golive("contoso", "app-polls2-unknownstatus")
    assert operation_body(client.poll(accepted))["status"] == UNKNOWN_STATUS_WORD
    assert operation_body(client.poll(accepted))["status"] == "completed"


# -- faults --------------------------------------------------------------------------------


def test_429_with_retry_after_in_seconds_then_normal(client: CppClient) -> None:
    accepted = client.golive("contoso", "app-throttled7")
    throttled = client.poll(accepted)
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "7"
    assert throttled.json()["error"]["code"] == "TooManyRequests"
    assert client.poll(accepted).status_code == 200


def test_429_with_retry_after_as_an_http_date_on_the_scenario_clock(
    client: CppClient, clock: ManualClock
) -> None:
    clock.advance(timedelta(days=5))
    accepted = client.golive("contoso", "app-throttleddate120x2")
    for _ in range(2):
        throttled = client.poll(accepted)
        assert throttled.status_code == 429
        retry_at = email.utils.parsedate_to_datetime(throttled.headers["Retry-After"])
        assert retry_at == clock() + timedelta(seconds=120)
    assert client.poll(accepted).status_code == 200


def test_429_on_the_golive_post_starts_nothing(client: CppClient, cpp: CppSimulator) -> None:
    throttled = client.golive("contoso", "app-throttled3_post")
    assert (throttled.status_code, throttled.headers["Retry-After"]) == (429, "3")
    assert cpp.operations == []
    assert client.golive("contoso", "app-throttled3_post").status_code == 202


@pytest.mark.parametrize("status", [500, 503])
def test_a_burst_of_server_errors_then_normal(client: CppClient, status: int) -> None:
    accepted = client.golive("contoso", f"app-burst{status}x3")
    answers = [client.poll(accepted) for _ in range(4)]
    assert [a.status_code for a in answers] == [status, status, status, 200]
    assert answers[0].json()["error"]["message"] == (
        "We cannot complete the request now, please try again later."
    )


def test_faults_can_hit_both_the_post_and_the_get(client: CppClient) -> None:
    first = client.golive("contoso", "app-burst503x1_any")
    assert first.status_code == 503
    accepted = client.golive("contoso", "app-burst503x1_any")
    assert accepted.status_code == 202
    assert client.poll(accepted).status_code == 200  # the one 503 was spent on the POST
    sim = client.sim
    sim.add_offer(
        "contoso", "both", Scenario(faults=(Fault.server_errors(503, on="any", times=2),))
    )
    assert client.golive("contoso", "both").status_code == 503
    accepted = client.golive("contoso", "both")
    assert accepted.status_code == 503
    accepted = client.golive("contoso", "both")
    assert client.poll(accepted).status_code == 200


def test_a_connection_reset_then_normal(client: CppClient) -> None:
    accepted = client.golive("contoso", "app-reset")
    with pytest.raises(requests.ConnectionError):
        client.poll(accepted)
    assert client.poll(accepted).status_code == 200
    assert [r.status for r in client.sim.requests[1:]] == [None, 200]
    assert client.sim.requests[1].note == "connection reset"


def test_a_reset_after_the_golive_started_leaves_it_running(
    client: CppClient, cpp: CppSimulator
) -> None:
    fault = Fault.connection_reset(on="golive", takes_effect=True)
    cpp.add_offer("contoso", "app", Scenario().with_faults(fault))
    with pytest.raises(requests.ConnectionError):
        client.golive("contoso", "app")
    assert len(cpp.operations) == 1
    assert client.golive("contoso", "app").status_code == 409


def test_an_answer_slower_than_the_client_timeout(client: CppClient, cpp: CppSimulator) -> None:
    with pytest.raises(requests.Timeout):
        client.golive("contoso", "app-hang_post", timeout=CLIENT_TIMEOUT)
    assert len(cpp.operations) == 1  # the go-live started although the client gave up
    again = client.golive("contoso", "app-hang_post", timeout=CLIENT_TIMEOUT)
    assert again.status_code == 409


def test_a_slow_operation_get_then_normal(client: CppClient) -> None:
    accepted = client.golive("contoso", "app-hang")
    with pytest.raises(requests.Timeout):
        client.poll(accepted, timeout=CLIENT_TIMEOUT)
    assert client.poll(accepted, timeout=5).status_code == 200


def test_faults_let_some_requests_through_first(client: CppClient, cpp: CppSimulator) -> None:
    cpp.add_offer("contoso", "app", Scenario(faults=(Fault.server_errors(500, times=1, after=2),)))
    accepted = client.golive("contoso", "app")
    assert [client.poll(accepted).status_code for _ in range(4)] == [200, 200, 500, 200]


def test_injected_faults_apply_to_every_offer(client: CppClient, cpp: CppSimulator) -> None:
    cpp.inject_fault(Fault.throttled(5, on="golive"))
    assert client.golive("contoso", "one").status_code == 429
    assert client.golive("contoso", "two").status_code == 202


def test_fail_next_targets_one_offer(client: CppClient, cpp: CppSimulator) -> None:
    accepted = client.golive("contoso", "one")
    other = client.golive("contoso", "two")
    cpp.fail_next(2, status=500, publisher="contoso", offer="one")
    assert [client.poll(accepted).status_code for _ in range(3)] == [500, 500, 200]
    assert client.poll(other).status_code == 200
    with pytest.raises(KeyError):
        cpp.fail_next(publisher="contoso", offer="missing-offer")


# -- composition ---------------------------------------------------------------------------


def test_scenario_parts_compose(client: CppClient, clock: ManualClock) -> None:
    offer = "app-10h-blocked-array-legacy-burst503x2-succeeded"
    accepted = client.golive("contoso", offer)
    assert "$" in accepted.headers["Location"]
    assert [client.poll(accepted).status_code for _ in range(2)] == [503, 503]
    clock.advance(timedelta(hours=3))
    blocked = client.poll(accepted).json()
    assert isinstance(blocked, list)
    assert _statuses(blocked[0])["certification"] == "blocked"
    clock.advance(timedelta(hours=19))
    assert client.poll(accepted).json()[0]["status"] == "Succeeded"


def test_the_demo_three_days_with_a_step_blocked_for_a_while(
    cpp: CppSimulator, client: CppClient, clock: ManualClock
) -> None:
    cpp.add_offer(
        "contoso",
        "demo",
        Scenario(
            duration=timedelta(days=2, hours=12),
            blocked_step="certification",
            blocked_for=timedelta(hours=12),
        ),
    )
    accepted = client.golive("contoso", "demo")
    seen: list[str] = []
    for _ in range(3 * 24 // 6):
        clock.advance(timedelta(hours=6))
        body = operation_body(client.poll(accepted))
        seen.append(_statuses(body)["certification"])
    assert "blocked" in seen
    assert body["status"] == "completed"
    assert body["lastActionDateTime"] == clock().strftime("%Y-%m-%dT%H:%M:%S.%fZ")

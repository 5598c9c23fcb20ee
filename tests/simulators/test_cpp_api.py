"""The CPP go-live API's protocol: auth, api-version, unknown offers, conflicts, cancel."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from azure.identity import ManagedIdentityCredential

from simulators import CPP_AUDIENCE, EVENTGRID_AUDIENCE, CppSimulator, ManualClock, Scenario
from simulators.recording import MASK
from simulators.tokens import TokenAuthority
from tests.simulators.conftest import API_VERSION, CppClient, operation_body

GOLIVE = "/api/publishers/contoso/offers/app/golive"


def test_golive_answers_202_with_a_relative_location_to_the_operation(
    client: CppClient, cpp: CppSimulator
) -> None:
    accepted = client.golive("contoso", "app")
    assert accepted.status_code == 202
    location = accepted.headers["Location"]
    [operation] = cpp.operations
    assert location == (
        f"/api/publishers/contoso/offers/app/operations/{operation.id}?api-version={API_VERSION}"
    )
    assert "Operation-Location" not in accepted.headers
    body = operation_body(client.poll(accepted))
    assert body["id"] == operation.id
    assert body["status"] == "running"


def test_the_operation_carries_the_documented_and_sample_fields(
    client: CppClient, clock: ManualClock
) -> None:
    created = clock()
    accepted = client.golive("contoso", "app")
    clock.advance(timedelta(minutes=30))
    body = operation_body(client.poll(accepted))
    assert set(body) >= {
        "id", "submissionType", "createdDateTime", "lastActionDateTime", "status", "error",
        "messages", "publishingVersion", "offerVersion", "cancellationRequestState",
        "previewLinks", "liveLinks", "notificationEmails", "steps",
    }  # fmt: skip
    assert body["createdDateTime"] == created.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert body["error"] is None
    steps = body["steps"]
    assert isinstance(steps, list)
    assert [step["id"] for step in steps] == [
        "validation", "certification", "provisioning", "packaging", "live",
    ]  # fmt: skip
    for step in steps:
        assert set(step) == {
            "id", "stepName", "description", "status", "progressPercentage",
            "estimatedTimeFrame", "messages",
        }  # fmt: skip
        for message in step["messages"]:
            assert set(message) == {"messageHtml", "level", "timestamp"}


def test_a_managed_identity_token_is_accepted(
    cpp: CppSimulator, managed_identity_env: dict[str, str]
) -> None:
    with ManagedIdentityCredential() as credential:
        token = credential.get_token(CPP_AUDIENCE + "/.default").token
    assert CppClient(cpp, token).golive("contoso", "app").status_code == 202
    assert cpp.requests[-1].header("Authorization") == f"Bearer {MASK}"


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer not-a-token", "Basic dXNlcjpwYXNz"],
    ids=["missing", "invalid", "not-bearer"],
)
def test_missing_or_invalid_tokens_get_401(cpp: CppSimulator, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    answer = requests.post(
        cpp.base_url + GOLIVE, params={"api-version": API_VERSION}, headers=headers, timeout=5
    )
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "Unauthorized"
    assert cpp.operations == []


def test_tokens_for_another_resource_expired_or_foreign_get_401(
    cpp: CppSimulator, authority: TokenAuthority
) -> None:
    wrong_audience = authority.token_for(EVENTGRID_AUDIENCE)
    expired = authority.token_for(CPP_AUDIENCE, lifetime=timedelta(seconds=-1))
    foreign = TokenAuthority(b"another tenant").token_for(CPP_AUDIENCE)
    for token, reason in [
        (wrong_audience, "not https://cloudpartner.azure.com"),
        (expired, "expired"),
        (foreign, "signature"),
    ]:
        answer = CppClient(cpp, token).golive("contoso", "app")
        assert answer.status_code == 401
        assert reason in answer.json()["error"]["message"]
    assert cpp.operations == []


@pytest.mark.parametrize("version", [None, "2016-08-01", ""])
def test_a_wrong_or_missing_api_version_gets_the_documented_400(
    cpp: CppSimulator, version: str | None
) -> None:
    params = {"api-version": version} if version is not None else {}
    answer = requests.post(
        cpp.base_url + GOLIVE,
        params=params,
        headers={"Authorization": f"Bearer {cpp.token()}"},
        timeout=5,
    )
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "InvalidAPIVersion"
    assert API_VERSION in error["message"]


def test_unknown_publisher_or_offer_gets_404(client: CppClient) -> None:
    for publisher, offer, named in [
        ("missing-publisher", "app", "Publisher"),
        ("contoso", "missing-offer", "Offer"),
    ]:
        answer = client.golive(publisher, offer)
        assert answer.status_code == 404
        assert answer.json()["error"]["message"].startswith(named)


def test_strict_mode_knows_only_registered_offers(
    clock: ManualClock, authority: TokenAuthority
) -> None:
    with CppSimulator(authority=authority, now=clock, offers_from_ids=False) as sim:
        sim.add_offer("contoso", "registered", Scenario(polls=1))
        client = CppClient(sim)
        assert client.golive("contoso", "registered").status_code == 202
        unknown_offer = client.golive("contoso", "other")
        unknown_publisher = client.golive("fabrikam", "registered")
        assert (unknown_offer.status_code, unknown_publisher.status_code) == (404, 404)
        assert "Offer 'other'" in unknown_offer.json()["error"]["message"]
        assert "Publisher 'fabrikam'" in unknown_publisher.json()["error"]["message"]


def test_a_publisher_the_caller_does_not_belong_to_gets_403(client: CppClient) -> None:
    answer = client.golive("forbidden-publisher", "app")
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "Forbidden"


def test_an_unknown_operation_gets_404(client: CppClient) -> None:
    client.golive("contoso", "app")
    answer = client.session.get(
        client.url("/api/publishers/contoso/offers/app/operations/nope"),
        params={"api-version": API_VERSION},
    )
    assert answer.status_code == 404


def test_a_second_golive_while_one_runs_gets_409_then_is_allowed_after_it_ends(
    client: CppClient, cpp: CppSimulator, clock: ManualClock
) -> None:
    first = client.golive("contoso", "app-1h")
    conflict = client.golive("contoso", "app-1h")
    assert conflict.status_code == 409
    error = conflict.json()["error"]
    assert error["code"] == "Conflict"
    assert cpp.operations[0].id in error["message"]
    assert "Location" not in conflict.headers
    clock.advance(timedelta(hours=1))
    assert operation_body(client.poll(first))["status"] == "completed"
    second = client.golive("contoso", "app-1h")
    assert second.status_code == 202
    assert second.headers["Location"] != first.headers["Location"]
    assert len(cpp.operations) == 2


def test_cancel_of_a_running_golive_answers_202_and_the_operation_ends_canceled(
    client: CppClient, clock: ManualClock
) -> None:
    accepted = client.golive("contoso", "app")
    clock.advance(timedelta(minutes=40))
    canceled = client.cancel("contoso", "app")
    assert canceled.status_code == 202
    assert canceled.headers["Location"] == accepted.headers["Location"]
    body = operation_body(client.poll(accepted))
    assert body["status"] == "canceled"
    assert body["cancellationRequestState"] == "cannotCancel"
    assert any(step["status"] == "canceled" for step in body["steps"])
    again = client.cancel("contoso", "app")
    assert again.status_code == 200
    clock.advance(timedelta(days=1))
    assert operation_body(client.poll(accepted))["status"] == "canceled"


def test_cancel_may_be_accepted_and_ignored(client: CppClient, clock: ManualClock) -> None:
    accepted = client.golive("contoso", "app-1h-ignorecancel")
    assert client.cancel("contoso", "app-1h-ignorecancel").status_code == 202
    body = operation_body(client.poll(accepted))
    assert (body["status"], body["cancellationRequestState"]) == ("running", "cancelRequested")
    clock.advance(timedelta(hours=1))
    assert operation_body(client.poll(accepted))["status"] == "completed"


def test_cancel_without_a_running_operation_gets_400(client: CppClient) -> None:
    answer = client.cancel("contoso", "app")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "NoRunningOperation"


def test_the_submissions_listing_filters_by_status(client: CppClient, clock: ManualClock) -> None:
    client.golive("contoso", "app-1h")
    clock.advance(timedelta(hours=2))
    client.golive("contoso", "app-1h")
    listing = client.session.get(
        client.url("/api/publishers/contoso/offers/app-1h/submissions/"),
        params={"api-version": API_VERSION, "status": "running"},
    ).json()
    assert [item["submissionState"] for item in listing] == ["running"]
    assert listing[0]["publishingVersion"] == 3


def test_every_request_is_recorded_with_the_scenario_clock_and_secrets_masked(
    client: CppClient, cpp: CppSimulator, clock: ManualClock
) -> None:
    clock.advance(timedelta(days=3))
    client.golive("contoso", "app", json={"note": "hello"})
    [request] = cpp.requests
    assert (request.method, request.path) == ("POST", "/api/publishers/contoso/offers/app/golive")
    assert request.query == {"api-version": API_VERSION}
    assert request.json() == {"note": "hello"}
    assert request.time == clock()
    assert request.status == 202
    assert request.header("Authorization") == f"Bearer {MASK}"
    listed = requests.get(cpp.base_url + "/_sim/requests", timeout=5).json()
    assert listed[0]["headers"]["Authorization"] == f"Bearer {MASK}"
    assert cpp.token().split(".")[0] + "." not in str(listed)


def test_scenarios_and_faults_can_be_registered_over_http(cpp: CppSimulator) -> None:
    registered = requests.post(
        cpp.base_url + "/_sim/offers",
        json={"publisher": "contoso", "offer": "plain", "scenario": {"polls": 1}},
        timeout=5,
    )
    assert registered.status_code == 201
    added = requests.post(
        cpp.base_url + "/_sim/faults",
        json={"publisher": "contoso", "offer": "plain", "fault": {"status": 500}},
        timeout=5,
    )
    assert added.status_code == 201
    bad = requests.post(
        cpp.base_url + "/_sim/offers",
        json={"publisher": "contoso", "offer": "x", "scenario": {"nonsense": 1}},
        timeout=5,
    )
    assert bad.status_code == 400
    client = CppClient(cpp)
    accepted = client.golive("contoso", "plain")
    assert client.poll(accepted).status_code == 500
    assert operation_body(client.poll(accepted))["status"] == "completed"
    listing = requests.get(cpp.base_url + "/_sim/operations", timeout=5).json()
    assert listing[0]["operation"]["status"] == "completed"

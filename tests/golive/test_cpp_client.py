"""The CPP client against real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from azure.core.credentials import TokenCredential

from golive.activity_results import (
    Accepted,
    CancelAccepted,
    OperationStatus,
    Rejected,
    Transient,
    UnsafeLocation,
)
from golive.cpp_client import CppClient
from golive.go_live_request import GoLiveRequest
from golive.operation import Outcome
from tests.golive.fakes import FailingCredential, FakeCredential
from tests.golive.local_server import LocalServer, Received, Reply, always, serve

SCOPE = "https://cloudpartner.azure.com/.default"
OFFER = GoLiveRequest("contoso", "contoso-offer")
GOLIVE_PATH = "/api/publishers/contoso/offers/contoso-offer/golive?api-version=2017-10-31"
MIGRATED = (
    "/api/publishers/contoso/offers/contoso-offer/operations/"
    "56615b67-2185-49fe-80d2-c4ddf77bb2e8?api-version=2017-10-31"
)
NON_MIGRATED = "/api/operations/contoso$contoso-offer$2$preview?api-version=2017-10-31"

OPERATION = {
    "id": "56615b67-2185-49fe-80d2-c4ddf77bb2e8",
    "submissionType": "Published",
    "createdDateTime": "2018-01-12T01:51:18.2330302Z",
    "lastActionDateTime": "2018-01-12T02:03:36.5498055Z",
    "status": "Running",
    "error": None,
    "steps": [
        {
            "id": "ad68cfb9-5b43-4d68-a6a1-3bf3c5fd1e41",
            "stepName": "Certification",
            "description": "Certification of your offer",
            "status": "Blocked",
            "progressPercentage": 40,
            "messages": [
                {
                    "messageHtml": "<b>Policy</b> check needs your answer",
                    "level": "Error",
                    "timestamp": "2018-01-12T02:00:00Z",
                }
            ],
        }
    ],
}


@pytest.fixture
def credential() -> FakeCredential:
    return FakeCredential()


@pytest.fixture
def cpp() -> Iterator[LocalServer]:
    """A CPP stand-in whose answers each test scripts through `cpp.script`."""
    replies: dict[tuple[str, str], Reply] = {}

    def handler(received: Received) -> Reply:
        return replies.get((received.method, received.target), Reply(404, body=b"{}"))

    with serve(handler) as server:
        server.script = replies  # type: ignore[attr-defined]
        yield server


def script(server: LocalServer, method: str, target: str, reply: Reply) -> None:
    server.script[(method, target)] = reply  # type: ignore[attr-defined]


def client_for(server: LocalServer, credential: TokenCredential, timeout: float = 5.0) -> CppClient:
    return CppClient(server.base_url, credential, SCOPE, timeout)


def error_body(code: str, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}).encode()


# -- start: where the operation is -------------------------------------------------------


@pytest.mark.parametrize("location", [MIGRATED, NON_MIGRATED])
@pytest.mark.parametrize("header", ["Location", "Operation-Location"])
def test_start_follows_relative_and_absolute_operation_headers(
    cpp: LocalServer, credential: FakeCredential, location: str, header: str
) -> None:
    for value in (location, cpp.base_url + location):
        script(cpp, "POST", GOLIVE_PATH, Reply(202, {header: value}))
        with client_for(cpp, credential) as client:
            result = client.go_live(OFFER)
        assert result == Accepted(operation_url=cpp.base_url + location)


def test_start_sends_a_bearer_token_for_the_cpp_scope(
    cpp: LocalServer, credential: FakeCredential
) -> None:
    script(cpp, "POST", GOLIVE_PATH, Reply(202, {"Location": MIGRATED}))
    with client_for(cpp, credential) as client:
        client.go_live(OFFER)
    [request] = cpp.received
    assert request.method == "POST"
    assert request.target == GOLIVE_PATH
    assert request.headers["authorization"] == f"Bearer {credential.token}"
    assert request.headers["content-type"] == "application/json"
    assert credential.scopes == [(SCOPE,)]


def test_start_adds_a_missing_api_version(cpp: LocalServer, credential: FakeCredential) -> None:
    script(cpp, "POST", GOLIVE_PATH, Reply(202, {"Location": "/api/operations/a$b$1$preview"}))
    with client_for(cpp, credential) as client:
        result = client.go_live(OFFER)
    assert result == Accepted(
        operation_url=f"{cpp.base_url}/api/operations/a$b$1$preview?api-version=2017-10-31"
    )


def test_start_without_an_operation_header_is_rejected(
    cpp: LocalServer, credential: FakeCredential
) -> None:
    script(cpp, "POST", GOLIVE_PATH, Reply(202))
    with client_for(cpp, credential) as client:
        result = client.go_live(OFFER)
    assert isinstance(result, Rejected)
    assert result.code == "MissingOperationLocation"


# -- start: refusals and transient trouble -----------------------------------------------


@pytest.mark.parametrize("status", [400, 404])
def test_client_errors_are_rejections_with_cpps_code_and_message(
    cpp: LocalServer, credential: FakeCredential, status: int
) -> None:
    body = error_body("InvalidOffer", "The offer contoso-offer is not valid.")
    script(cpp, "POST", GOLIVE_PATH, Reply(status, {"Content-Type": "application/json"}, body))
    with client_for(cpp, credential) as client:
        result = client.go_live(OFFER)
    assert result == Rejected(status, "InvalidOffer", "The offer contoso-offer is not valid.")
    assert len(cpp.received) == 1  # no retry inside the client


OPERATIONS_PATH = "/api/publishers/contoso/offers/contoso-offer/operations?api-version=2017-10-31"


def test_a_conflict_follows_the_go_live_already_running(
    cpp: LocalServer, credential: FakeCredential
) -> None:
    """A repeated POST (the activity ran twice) must find the operation, not be rejected."""
    script(cpp, "POST", GOLIVE_PATH, Reply(409, body=error_body("Conflict", "running")))
    operations = [{"id": "old", "status": "completed"}, {"id": "op-7", "status": "Running"}]
    script(cpp, "GET", OPERATIONS_PATH, Reply(200, body=json.dumps(operations).encode()))
    with client_for(cpp, credential) as client:
        result = client.go_live(OFFER)
    assert result == Accepted(
        operation_url=f"{cpp.base_url}/api/publishers/contoso/offers/contoso-offer/operations/"
        "op-7?api-version=2017-10-31"
    )


def test_a_conflict_with_nothing_running_listed_stays_a_rejection(
    cpp: LocalServer, credential: FakeCredential
) -> None:
    script(cpp, "POST", GOLIVE_PATH, Reply(409, body=error_body("Conflict", "running")))
    finished = [{"id": "old", "status": "completed"}]
    script(cpp, "GET", OPERATIONS_PATH, Reply(200, body=json.dumps(finished).encode()))
    with client_for(cpp, credential) as client:
        result = client.go_live(OFFER)
    assert result == Rejected(409, "Conflict", "running")


@pytest.mark.parametrize(
    ("status", "words"),
    [(401, ["CPP_TOKEN_SCOPE", "managed identity"]), (403, ["Partner Center", "managed identity"])],
)
def test_auth_refusals_say_how_to_fix_the_identity(
    cpp: LocalServer, credential: FakeCredential, status: int, words: list[str]
) -> None:
    script(cpp, "POST", GOLIVE_PATH, Reply(status, body=error_body("Unauthorized", "no")))
    with client_for(cpp, credential) as client:
        result = client.go_live(OFFER)
    assert isinstance(result, Rejected)
    assert (result.http_status, result.code, result.message) == (status, "Unauthorized", "no")
    assert result.hint is not None
    for word in words:
        assert word in result.hint


def test_a_body_without_cpps_error_shape_still_gives_a_readable_rejection(
    cpp: LocalServer, credential: FakeCredential
) -> None:
    script(cpp, "POST", GOLIVE_PATH, Reply(404, body=b"Not Found"))
    with client_for(cpp, credential) as client:
        result = client.go_live(OFFER)
    assert result == Rejected(404, "HTTP404", "Not Found")


def test_429_with_retry_after_seconds_is_transient(
    cpp: LocalServer, credential: FakeCredential
) -> None:
    script(cpp, "POST", GOLIVE_PATH, Reply(429, {"Retry-After": "120"}))
    with client_for(cpp, credential) as client:
        result = client.go_live(OFFER)
    assert isinstance(result, Transient)
    assert result.retry_after_seconds == 120
    assert result.http_status == 429


def test_429_with_retry_after_http_date_is_transient(
    cpp: LocalServer, credential: FakeCredential
) -> None:
    later = datetime.now(UTC) + timedelta(minutes=10)
    script(cpp, "POST", GOLIVE_PATH, Reply(429, {"Retry-After": format_datetime(later, True)}))
    with client_for(cpp, credential) as client:
        result = client.go_live(OFFER)
    assert isinstance(result, Transient)
    assert result.retry_after_seconds is not None
    assert 0 < result.retry_after_seconds <= 600


def test_an_http_date_retry_after_counts_from_the_servers_date(
    cpp: LocalServer, credential: FakeCredential
) -> None:
    server_now = datetime(2031, 7, 1, 12, 0, tzinfo=UTC)  # the server's clock, far from ours
    headers = {
        "Date": format_datetime(server_now, True),
        "Retry-After": format_datetime(server_now + timedelta(seconds=45), True),
    }
    script(cpp, "POST", GOLIVE_PATH, Reply(503, headers))
    with client_for(cpp, credential) as client:
        result = client.go_live(OFFER)
    assert isinstance(result, Transient)
    assert result.retry_after_seconds == 45


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_transient(
    cpp: LocalServer, credential: FakeCredential, status: int
) -> None:
    body = error_body(
        "InternalServerError", "We cannot complete the request now, please try again later."
    )
    script(cpp, "POST", GOLIVE_PATH, Reply(status, body=body))
    with client_for(cpp, credential) as client:
        result = client.go_live(OFFER)
    assert isinstance(result, Transient)
    assert result.http_status == status
    assert "InternalServerError" in result.reason
    assert result.retry_after_seconds is None


def test_a_timeout_is_transient(cpp: LocalServer, credential: FakeCredential) -> None:
    script(cpp, "POST", GOLIVE_PATH, Reply(202, {"Location": MIGRATED}, hold=True))
    with client_for(cpp, credential, timeout=0.2) as client:
        result = client.go_live(OFFER)
    assert isinstance(result, Transient)
    assert "did not answer" in result.reason


def test_a_connection_reset_is_transient(cpp: LocalServer, credential: FakeCredential) -> None:
    script(cpp, "POST", GOLIVE_PATH, Reply(reset=True))
    with client_for(cpp, credential) as client:
        result = client.go_live(OFFER)
    assert isinstance(result, Transient)
    assert len(cpp.received) == 1


def test_a_refused_connection_is_transient(credential: FakeCredential) -> None:
    with serve(always(Reply())) as server:
        base_url = server.base_url
    with CppClient(base_url, credential, SCOPE, 5.0) as client:
        result = client.go_live(OFFER)
    assert isinstance(result, Transient)


def test_an_oversized_answer_is_transient(cpp: LocalServer, credential: FakeCredential) -> None:
    script(cpp, "POST", GOLIVE_PATH, Reply(500, body=b"x" * (3 * 1024 * 1024)))
    with client_for(cpp, credential) as client:
        result = client.go_live(OFFER)
    assert isinstance(result, Transient)
    assert "larger than" in result.reason


def test_a_token_failure_is_transient_and_sends_nothing(cpp: LocalServer) -> None:
    failing = FailingCredential()
    with client_for(cpp, failing) as client:
        result = client.go_live(OFFER)
    assert isinstance(result, Transient)
    assert "token" in result.reason
    assert failing.calls == 1
    assert cpp.received == []


def test_ids_stay_inside_their_path_segment(cpp: LocalServer, credential: FakeCredential) -> None:
    """Ids are checked where a request arrives; the client still quotes every character."""
    script(
        cpp,
        "POST",
        "/api/publishers/contoso/offers/a%2F..%3Fx/golive?api-version=2017-10-31",
        Reply(202, {"Location": MIGRATED}),
    )
    with client_for(cpp, credential) as client:
        result = client.go_live(GoLiveRequest("contoso", "a/..?x"))
    assert result == Accepted(cpp.base_url + MIGRATED)


# -- the token stays on the CPP origin ---------------------------------------------------


def test_a_location_on_another_origin_is_unsafe_and_gets_no_token(
    cpp: LocalServer, credential: FakeCredential
) -> None:
    with serve(always(Reply(200, body=json.dumps(OPERATION).encode()))) as foreign:
        for elsewhere in (
            foreign.base_url + MIGRATED,  # another port
            f"http://localhost:{cpp.port}{MIGRATED}",  # another host name
            f"https://127.0.0.1:{cpp.port}{MIGRATED}",  # another scheme
            f"//127.0.0.1:{foreign.port}{MIGRATED}",  # scheme-relative
        ):
            script(cpp, "POST", GOLIVE_PATH, Reply(202, {"Location": elsewhere}))
            with client_for(cpp, credential) as client:
                started = client.go_live(OFFER)
                polled = client.get_operation(elsewhere)
            assert isinstance(started, UnsafeLocation), elsewhere
            assert started.location == elsewhere
            assert "origin" in started.reason
            assert isinstance(polled, UnsafeLocation), elsewhere
        assert foreign.received == []


def test_a_redirect_is_not_followed(cpp: LocalServer, credential: FakeCredential) -> None:
    with serve(always(Reply(200, body=json.dumps(OPERATION).encode()))) as foreign:
        script(cpp, "GET", MIGRATED, Reply(302, {"Location": foreign.base_url + MIGRATED}))
        with client_for(cpp, credential) as client:
            result = client.get_operation(cpp.base_url + MIGRATED)
        assert isinstance(result, Rejected)
        assert result.code == "UnexpectedRedirect"
        assert foreign.received == []


def test_the_token_never_reaches_the_logs(
    cpp: LocalServer, credential: FakeCredential, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    script(cpp, "POST", GOLIVE_PATH, Reply(202, {"Location": "https://elsewhere.example/x"}))
    script(cpp, "GET", MIGRATED, Reply(200, body=json.dumps(OPERATION).encode()))
    script(cpp, "POST", GOLIVE_PATH.replace("golive", "cancel"), Reply(403))
    with client_for(cpp, credential) as client:
        results = [
            client.go_live(OFFER),
            client.get_operation(cpp.base_url + MIGRATED),
            client.get_operation("https://elsewhere.example/x"),
            client.cancel_go_live(OFFER),
        ]
    assert caplog.records, "the client should log what it did"
    assert credential.token not in caplog.text
    assert credential.token not in json.dumps([r.to_json() for r in results])


# -- polling ------------------------------------------------------------------------------


@pytest.mark.parametrize("wrap", [False, True])
def test_poll_reads_a_bare_or_array_wrapped_operation(
    cpp: LocalServer, credential: FakeCredential, wrap: bool
) -> None:
    body = [OPERATION] if wrap else OPERATION
    script(cpp, "GET", MIGRATED, Reply(200, body=json.dumps(body).encode()))
    with client_for(cpp, credential) as client:
        result = client.get_operation(cpp.base_url + MIGRATED)
    assert isinstance(result, OperationStatus)
    assert result.snapshot.status == "Running"
    assert result.snapshot.outcome is Outcome.IN_PROGRESS
    step = result.snapshot.steps[0]
    assert (step.name, step.status) == ("Certification", "Blocked")
    assert step.messages[0].text == "Policy check needs your answer"
    assert cpp.received[0].headers["authorization"] == f"Bearer {credential.token}"


def test_poll_keeps_literal_dollars_in_the_path(
    cpp: LocalServer, credential: FakeCredential
) -> None:
    script(cpp, "GET", NON_MIGRATED, Reply(200, body=json.dumps(OPERATION).encode()))
    with client_for(cpp, credential) as client:
        result = client.get_operation(cpp.base_url + NON_MIGRATED)
    assert isinstance(result, OperationStatus)
    assert cpp.received[0].target == NON_MIGRATED


def test_poll_passes_on_retry_after(cpp: LocalServer, credential: FakeCredential) -> None:
    headers = {"Retry-After": "300"}
    script(cpp, "GET", MIGRATED, Reply(200, headers, json.dumps(OPERATION).encode()))
    with client_for(cpp, credential) as client:
        result = client.get_operation(cpp.base_url + MIGRATED)
    assert isinstance(result, OperationStatus)
    assert result.retry_after_seconds == 300


@pytest.mark.parametrize("body", [b"<html>gateway</html>", b"[]", b'"text"', b""])
def test_an_unreadable_operation_is_transient(
    cpp: LocalServer, credential: FakeCredential, body: bytes
) -> None:
    script(cpp, "GET", MIGRATED, Reply(200, body=body))
    with client_for(cpp, credential) as client:
        result = client.get_operation(cpp.base_url + MIGRATED)
    assert isinstance(result, Transient)


@pytest.mark.parametrize(
    ("status", "kind"), [(400, Rejected), (403, Rejected), (404, Rejected), (429, Transient)]
)
def test_poll_failures_are_classified(
    cpp: LocalServer, credential: FakeCredential, status: int, kind: type
) -> None:
    script(cpp, "GET", MIGRATED, Reply(status, body=error_body("Code", "message")))
    with client_for(cpp, credential) as client:
        result = client.get_operation(cpp.base_url + MIGRATED)
    assert isinstance(result, kind)


# -- cancel ---------------------------------------------------------------------------------

CANCEL_PATH = "/api/publishers/contoso/offers/contoso-offer/cancel?api-version=2017-10-31"


def test_cancel_200_and_202(cpp: LocalServer, credential: FakeCredential) -> None:
    with client_for(cpp, credential) as client:
        script(cpp, "POST", CANCEL_PATH, Reply(200))
        assert client.cancel_go_live(OFFER) == CancelAccepted(200, None)
        script(cpp, "POST", CANCEL_PATH, Reply(202, {"Location": NON_MIGRATED}))
        assert client.cancel_go_live(OFFER) == CancelAccepted(202, cpp.base_url + NON_MIGRATED)
        script(cpp, "POST", CANCEL_PATH, Reply(202, {"Location": "https://elsewhere.example/"}))
        assert client.cancel_go_live(OFFER) == CancelAccepted(202, None)
    assert all(r.target == CANCEL_PATH for r in cpp.received)


def test_cancel_refusals(cpp: LocalServer, credential: FakeCredential) -> None:
    with client_for(cpp, credential) as client:
        script(cpp, "POST", CANCEL_PATH, Reply(403, body=error_body("Forbidden", "not yours")))
        refused = client.cancel_go_live(OFFER)
        script(cpp, "POST", CANCEL_PATH, Reply(503))
        unavailable = client.cancel_go_live(OFFER)
    assert isinstance(refused, Rejected)
    assert refused.hint is not None
    assert isinstance(unavailable, Transient)


def test_refuses_a_base_url_that_would_leak_the_token(credential: FakeCredential) -> None:
    with pytest.raises(ValueError):
        CppClient("http://cloudpartner.azure.com", credential, SCOPE, 5.0)


def test_a_conflict_whose_listing_fails_transiently_is_retried_not_rejected(
    cpp: LocalServer, credential: FakeCredential
) -> None:
    script(cpp, "POST", GOLIVE_PATH, Reply(409, body=error_body("Conflict", "running")))
    script(cpp, "GET", OPERATIONS_PATH, Reply(503, body=error_body("ServiceUnavailable", "x")))
    with client_for(cpp, credential) as client:
        result = client.go_live(OFFER)
    assert isinstance(result, Transient)
    assert result.http_status == 503


def test_a_conflict_follows_only_a_go_live_not_a_publish(
    cpp: LocalServer, credential: FakeCredential
) -> None:
    script(cpp, "POST", GOLIVE_PATH, Reply(409, body=error_body("Conflict", "running")))
    operations = [{"id": "pub-1", "status": "running", "submissionType": "Publish"}]
    script(cpp, "GET", OPERATIONS_PATH, Reply(200, body=json.dumps(operations).encode()))
    with client_for(cpp, credential) as client:
        result = client.go_live(OFFER)
    assert isinstance(result, Rejected)
    assert result.http_status == 409

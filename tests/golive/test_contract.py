"""The orchestrator-activity contract and the run's status: typed values that survive
the JSON boundary, and refuse what is not theirs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from golive import errors
from golive.activity_inputs import OfferCall, PollCall, PublishCall
from golive.activity_results import (
    Accepted,
    ActivityResult,
    CancelAccepted,
    OperationStatus,
    Published,
    PublishFailed,
    Rejected,
    Transient,
    UnsafeLocation,
    cancel_result,
    poll_result,
    publish_result,
    start_result,
)
from golive.cancel_request import CancelRequest, parse_cancel_body
from golive.errors import ActivityResultError, GoLiveError, InvalidRequestError
from golive.go_live_request import GoLiveRequest
from golive.operation import parse_operation
from golive.run_status import Phase, RunOutput, RunStatus, StepView, within_status_limit

SNAPSHOT = parse_operation(
    {
        "id": "op-1",
        "status": "running",
        "steps": [{"id": "s1", "stepName": "Certification", "status": "inProgress"}],
    }
)
REQUEST = GoLiveRequest("contoso", "offer", "r-1", None)


def over_json(value: Any) -> Any:
    return json.loads(json.dumps(value))


@pytest.mark.parametrize(
    ("rebuild", "results"),
    [
        (start_result, [Accepted("https://cpp/op"), Rejected(403, "Forbidden", "no", "hint")]),
        (start_result, [Transient("busy", 12.5, 429), UnsafeLocation("https://x/", "elsewhere")]),
        (poll_result, [OperationStatus(SNAPSHOT, 30.0), Rejected(404, "NotFound", "gone")]),
        (cancel_result, [CancelAccepted(202, "https://cpp/op"), Transient("reset")]),
        (publish_result, [Published(), PublishFailed("Event Grid answered 503", True, 5.0, 503)]),
    ],
)
def test_every_result_survives_the_json_boundary(
    rebuild: Any, results: list[ActivityResult]
) -> None:
    for result in results:
        assert rebuild(over_json(result.to_json())) == result


@pytest.mark.parametrize(
    ("rebuild", "data", "words"),
    [
        (start_result, OperationStatus(SNAPSHOT).to_json(), "is not a go-live result"),
        (cancel_result, UnsafeLocation("x", "y").to_json(), "is not a cancel result"),
        (publish_result, Accepted("u").to_json(), "is not a publish result"),
        (poll_result, {"kind": "mystery"}, "unknown poll result kind"),
        (start_result, {"kind": "accepted"}, "lacks 'operationUrl'"),
        (start_result, "accepted", "not a JSON object"),
        (start_result, None, "not a JSON object"),
    ],
)
def test_what_an_activity_does_not_return_is_refused(rebuild: Any, data: Any, words: str) -> None:
    with pytest.raises(ActivityResultError, match=words):
        rebuild(data)


def test_inputs_survive_the_json_boundary() -> None:
    log = {"instanceId": REQUEST.instance_id, "runId": "run"}
    offer = OfferCall(REQUEST, log)
    assert OfferCall.from_json(over_json(offer.to_json())) == offer
    poll = PollCall("https://cpp/op", log)
    assert PollCall.from_json(over_json(poll.to_json())) == poll
    publish = PublishCall({"id": "e", "type": "t"}, log)
    assert PublishCall.from_json(over_json(publish.to_json())) == publish


# -- the run's status ------------------------------------------------------------------------


def test_the_custom_status_round_trips_and_keeps_its_keys() -> None:
    status = RunStatus(
        phase=Phase.POLLING,
        run_id="run",
        request_id="r-1",
        steps=(StepView("Certification", "inProgress", 40.0),),
        polls=3,
        next_poll_at="2026-03-02T10:00:00+00:00",
    )
    data = over_json(status.to_json())
    assert data["phase"] == "polling"
    assert data["steps"] == [
        {
            "name": "Certification",
            "status": "inProgress",
            "progressPercentage": 40.0,
            "messages": [],
        }
    ]
    assert RunStatus.from_json(data) == status


def test_a_status_that_is_not_ours_reads_as_none() -> None:
    for foreign in (None, "text", {}, {"phase": "dancing"}):
        assert RunStatus.from_json(foreign) is None
    assert RunOutput.from_json({"outcome": "x"}) is None


def test_the_custom_status_goes_through_its_budget() -> None:
    """The budget itself is tested in tests/orchestrators/test_custom_status_budget.py."""
    steps = tuple(StepView("s" * 2000, "inProgress", 1.0) for _ in range(20))
    many = RunStatus(phase=Phase.POLLING, steps=steps)
    assert many.to_json() == within_status_limit(many._json())
    assert many.to_json()["stepsOmitted"] is True


def test_only_publishing_and_finished_are_decided() -> None:
    assert [phase for phase in Phase if phase.is_decided] == [Phase.PUBLISHING, Phase.FINISHED]


# -- the cancel request ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"", CancelRequest()),
        (b"  ", CancelRequest()),
        (b'{"cancelOperation": true}', CancelRequest(cancel_operation=True)),
        (b'{"reason": "wrong offer"}', CancelRequest(reason="wrong offer")),
    ],
)
def test_cancel_bodies(body: bytes, expected: CancelRequest) -> None:
    assert parse_cancel_body(body) == expected
    assert CancelRequest.from_json(over_json(expected.to_json())) == expected


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"{", "not valid JSON"),
        (b"[]", "JSON object"),
        (b'{"cancel": true}', "unknown field"),
        (b'{"cancelOperation": "yes"}', "true or false"),
        (b'{"reason": 5}', "at most 500"),
        (b"\xff", "not valid JSON"),
    ],
)
def test_bad_cancel_bodies_say_why(body: bytes, words: str) -> None:
    with pytest.raises(InvalidRequestError, match=words):
        parse_cancel_body(body)


# -- one exception tree ---------------------------------------------------------------------


def test_every_exception_the_app_raises_is_a_go_live_error() -> None:
    names = [name for name in errors.__all__ if name != "GoLiveError"]
    for name in names:
        assert issubclass(getattr(errors, name), GoLiveError)
        assert name in (errors.__doc__ or "")

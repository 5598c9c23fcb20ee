"""The go-live business process, read as tests: the registered orchestrator replayed by the
SDK itself (tests/orchestrators/replay.py), activities answered by scripts, time virtual."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from itertools import pairwise
from typing import Any

import pytest

from golive import events
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
)
from golive.events import validate_event
from golive.function_names import (
    CANCEL_ACTIVITY,
    CANCEL_EVENT,
    GO_LIVE_ACTIVITY,
    POLL_ACTIVITY,
    PUBLISH_ACTIVITY,
)
from golive.go_live_request import GoLiveRequest
from golive.operation import parse_operation
from golive.run_status import Phase, RunOutput
from golive.settings import OrchestrationConfig
from orchestrators.state import GoLiveState
from tests.orchestrators.replay import (
    INSTANCE_ID,
    START,
    WHILE_ACTIVITY_RUNS,
    ActivityFailed,
    Outcome,
    Replay,
)

REQUEST = GoLiveRequest("contoso", "offer-1", "req-1", "corr-1")
OPERATION_URL = (
    "https://cloudpartner.azure.com/api/publishers/contoso/offers/offer-1/operations/"
    "op-1?api-version=2017-10-31"
)
CONFIG = replace(
    OrchestrationConfig.defaults(),
    poll_initial_interval_seconds=60,
    poll_max_interval_seconds=900,
    polls_per_execution=20,
    start_max_attempts=3,
    poll_max_refusals=2,
    cancel_max_attempts=2,
    transient_retry_initial_seconds=30,
    transient_retry_max_seconds=900,
    publish_retry_initial_seconds=15,
    publish_retry_max_interval_seconds=900,
)


def status(word: str, *steps: dict[str, Any]) -> OperationStatus:
    """A poll answer: CPP's operation with status `word` and `steps` as CPP writes them."""
    operation = {"id": "op-1", "status": word, "submissionType": "GoLive", "steps": list(steps)}
    return OperationStatus(parse_operation(operation))


def step(name: str, word: str, *errors: str) -> dict[str, Any]:
    messages = [
        {"messageHtml": text, "level": "error", "timestamp": f"t-{text}"} for text in errors
    ]
    return {"id": name.lower(), "stepName": name, "status": word, "messages": messages}


RUNNING = status("running", step("Certification", "inProgress"))
BLOCKED = status("running", step("Certification", "blocked", "The logo is too small"))
SUCCEEDED = status("completed", step("Certification", "complete"), step("Live", "complete"))


class Script:
    """Answers for each activity, in order; the last answer repeats."""

    def __init__(self, **answers: Sequence[ActivityResult | Exception]) -> None:
        self.answers = {name: list(values) for name, values in answers.items()}
        self.published: list[dict[str, Any]] = []

    def activities(self) -> dict[str, Callable[[dict[str, Any]], Any]]:
        return {
            GO_LIVE_ACTIVITY: lambda payload: self._answer("start", OfferCall.from_json(payload)),
            POLL_ACTIVITY: lambda payload: self._answer("poll", PollCall.from_json(payload)),
            CANCEL_ACTIVITY: lambda payload: self._answer("cancel", OfferCall.from_json(payload)),
            PUBLISH_ACTIVITY: self._publish,
        }

    def _answer(self, name: str, call: object) -> dict[str, Any]:
        if isinstance(call, OfferCall):
            assert call.request == REQUEST
        if isinstance(call, PollCall):
            assert call.operation_url == OPERATION_URL
        queue = self.answers[name]
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise ActivityFailed(str(answer))
        return answer.to_json()

    def _publish(self, payload: dict[str, Any]) -> dict[str, Any]:
        call = PublishCall.from_json(payload)
        validate_event(call.event)
        answer = self._answer("publish", call)
        if answer == Published().to_json():
            self.published.append(dict(call.event))
        return answer


def replay(script: Script, config: OrchestrationConfig = CONFIG) -> Replay:
    state = GoLiveState.new(REQUEST, config, ["req-0"])
    return Replay(state.to_json(), script.activities())


def script(**answers: Sequence[ActivityResult | Exception]) -> Script:
    defaults: dict[str, Sequence[ActivityResult | Exception]] = {
        "start": [Accepted(OPERATION_URL)],
        "poll": [SUCCEEDED],
        "cancel": [CancelAccepted(202)],
        "publish": [Published()],
    }
    return Script(**{**defaults, **answers})


def ended(outcome: Outcome) -> RunOutput:
    assert outcome.error is None, outcome.error
    output = RunOutput.from_json(outcome.output)
    assert output is not None
    return output


def waits(outcome: Outcome, name: str) -> list[float]:
    """Seconds between consecutive calls of one activity."""
    times = [call.at for call in outcome.calls if call.name == name]
    return [(later - earlier).total_seconds() for earlier, later in pairwise(times)]


# -- the way it should go -----------------------------------------------------------------


def test_accepted_polled_blocked_action_required_then_succeeded() -> None:
    cpp = script(poll=[RUNNING, BLOCKED, BLOCKED, RUNNING, SUCCEEDED])
    outcome = replay(cpp).run()
    output = ended(outcome)
    assert output.outcome == events.SUCCEEDED
    assert outcome.names()[:2] == [GO_LIVE_ACTIVITY, POLL_ACTIVITY]
    assert [event["type"] for event in cpp.published] == [events.ACTION_REQUIRED, events.SUCCEEDED]
    notice, completion = cpp.published
    assert notice["data"]["condition"]["message"].endswith("The logo is too small")
    assert completion["id"] == output.event_id
    assert completion["data"]["polls"] == 5
    assert completion["data"]["cppStatus"] == "completed"
    assert [s["name"] for s in completion["data"]["steps"]] == ["Certification", "Live"]
    assert output.request_ids == ("req-0", "req-1")
    assert waits(outcome, POLL_ACTIVITY) == [60, 120, 240, 480]
    phases = [s["phase"] for s in outcome.statuses]
    assert phases[0] == Phase.STARTING
    assert phases[-1] == Phase.FINISHED
    assert Phase.POLLING in phases and Phase.PUBLISHING in phases
    final = outcome.statuses[-1]
    assert final["outcome"] == events.SUCCEEDED
    assert final["cppStatus"] == "completed"
    assert final["requestId"] == "req-1"
    assert final["undeliveredEvents"] == 0


def test_every_activity_carries_the_ids_its_log_lines_need() -> None:
    outcome = replay(script()).run()
    for call in outcome.calls:
        assert call.payload["log"]["instanceId"] == INSTANCE_ID
        assert call.payload["log"]["requestId"] == "req-1"
        assert call.payload["log"]["runId"]


def test_a_poll_waits_at_least_as_long_as_cpp_asks() -> None:
    slow = OperationStatus(RUNNING.snapshot, retry_after_seconds=600)
    outcome = replay(script(poll=[slow, SUCCEEDED])).run()
    assert ended(outcome).outcome == events.SUCCEEDED
    assert waits(outcome, POLL_ACTIVITY) == [600]


def test_cpp_failing_the_operation_ends_failed_with_the_failing_step() -> None:
    failed = status("failed", step("Certification", "failed", "Logo rejected"))
    cpp = script(poll=[RUNNING, failed])
    output = ended(replay(cpp).run())
    assert output.outcome == events.FAILED
    error = cpp.published[-1]["data"]["error"]
    assert error["step"] == "Certification"
    assert "Logo rejected" in error["messages"]


def test_cpp_canceling_the_operation_ends_canceled() -> None:
    output = ended(replay(script(poll=[status("canceled")])).run())
    assert output.outcome == events.CANCELED


# -- asking CPP to go live ------------------------------------------------------------------


def test_transient_start_errors_are_retried_with_backoff_until_accepted() -> None:
    cpp = script(start=[Transient("503"), Transient("429", retry_after_seconds=100), Accepted(
        OPERATION_URL
    )])  # fmt: skip
    outcome = replay(cpp).run()
    assert ended(outcome).outcome == events.SUCCEEDED
    assert waits(outcome, GO_LIVE_ACTIVITY) == [30, 100]


def test_a_start_that_never_passes_ends_failed_after_its_budget() -> None:
    cpp = script(start=[Transient("CPP answered 503")])
    outcome = replay(cpp).run()
    assert ended(outcome).outcome == events.FAILED
    assert outcome.names().count(GO_LIVE_ACTIVITY) == CONFIG.start_max_attempts
    assert "after 3 attempts" in cpp.published[-1]["data"]["reason"]
    assert POLL_ACTIVITY not in outcome.names()


def test_an_activity_that_fails_counts_as_transient() -> None:
    cpp = script(start=[RuntimeError("worker lost"), Accepted(OPERATION_URL)])
    outcome = replay(cpp).run()
    assert ended(outcome).outcome == events.SUCCEEDED
    assert outcome.names().count(GO_LIVE_ACTIVITY) == 2


def test_a_refused_go_live_ends_rejected_with_cpps_reason() -> None:
    refusal = Rejected(403, "Forbidden", "not allowed", hint="grant the identity access")
    cpp = script(start=[refusal])
    output = ended(replay(cpp).run())
    assert output.outcome == events.REJECTED
    assert cpp.published[-1]["data"]["rejection"] == {
        "httpStatus": 403,
        "code": "Forbidden",
        "message": "not allowed",
        "hint": "grant the identity access",
    }


def test_an_operation_location_off_the_cpp_origin_fails_without_a_poll() -> None:
    cpp = script(start=[UnsafeLocation("https://elsewhere.example/op", "other origin")])
    outcome = replay(cpp).run()
    assert ended(outcome).outcome == events.FAILED
    assert POLL_ACTIVITY not in outcome.names()
    assert "no token was sent" in cpp.published[-1]["data"]["reason"]


# -- following the operation ----------------------------------------------------------------


def test_refused_polls_are_tolerated_until_their_own_budget_runs_out() -> None:
    refused = Rejected(401, "Unauthorized", "token expired")
    once = replay(script(poll=[refused, RUNNING, refused, SUCCEEDED])).run()
    assert ended(once).outcome == events.SUCCEEDED
    cpp = script(poll=[refused])
    always = replay(cpp).run()
    assert ended(always).outcome == events.FAILED
    assert always.names().count(POLL_ACTIVITY) == CONFIG.poll_max_refusals
    assert cpp.published[-1]["data"]["error"]["code"] == "Unauthorized"


def test_transient_poll_errors_are_retried_until_the_deadline() -> None:
    config = replace(CONFIG, golive_deadline_days=4 / 24, polls_per_execution=5)
    outcome = replay(script(poll=[Transient("502")]), config).run()
    output = ended(outcome)
    assert output.outcome == events.TIMED_OUT
    assert outcome.clock - START == timedelta(hours=4)
    assert outcome.names().count(POLL_ACTIVITY) > 5


def test_the_deadline_ends_a_run_timed_out_and_no_timer_outlives_it() -> None:
    config = replace(CONFIG, golive_deadline_days=1 / 24)
    cpp = script(poll=[RUNNING])
    outcome = replay(cpp, config).run()
    assert ended(outcome).outcome == events.TIMED_OUT
    assert outcome.clock - START == timedelta(hours=1)
    assert all(call.at - START <= timedelta(hours=1) for call in outcome.calls)
    assert CANCEL_ACTIVITY not in outcome.names()  # the CPP operation is left running


# -- cancel, in every phase ---------------------------------------------------------------


def cancel_when(run: Replay, phase: Phase, payload: dict[str, Any], moment: str = "") -> None:
    def due(replay: Replay) -> bool:
        return replay.phase == phase and bool(replay.waiting_timers or moment)

    run.raise_event(CANCEL_EVENT, payload, due, *([moment] if moment else []))


def test_cancel_while_waiting_to_retry_the_start() -> None:
    cpp = script(start=[Transient("503")])
    run = replay(cpp)
    cancel_when(run, Phase.STARTING, {"reason": "wrong offer"})
    outcome = run.run()
    assert ended(outcome).outcome == events.CANCELED
    assert cpp.published[-1]["data"]["reason"] == "wrong offer"
    assert outcome.names() == [GO_LIVE_ACTIVITY, PUBLISH_ACTIVITY]


def test_cancel_while_the_start_activity_runs_is_not_lost() -> None:
    cpp = script(poll=[RUNNING])
    run = replay(cpp)
    cancel_when(run, Phase.STARTING, {}, WHILE_ACTIVITY_RUNS)
    outcome = run.run()
    assert ended(outcome).outcome == events.CANCELED
    assert outcome.names() == [GO_LIVE_ACTIVITY, POLL_ACTIVITY, PUBLISH_ACTIVITY]
    assert cpp.published[-1]["data"]["reason"] == "canceled by an operator"


def test_cancel_while_polling_with_cancel_operation_asks_cpp_to_cancel() -> None:
    cpp = script(poll=[RUNNING])
    run = replay(cpp)
    cancel_when(run, Phase.POLLING, {"cancelOperation": True, "reason": "stop"})
    outcome = run.run()
    assert ended(outcome).outcome == events.CANCELED
    assert outcome.names()[-2:] == [CANCEL_ACTIVITY, PUBLISH_ACTIVITY]
    assert cpp.published[-1]["data"]["reason"] == "stop; CPP cancel: accepted (HTTP 202)"


def test_a_cpp_cancel_that_keeps_failing_is_retried_within_its_budget() -> None:
    cpp = script(poll=[RUNNING], cancel=[Transient("503")])
    run = replay(cpp)
    cancel_when(run, Phase.POLLING, {"cancelOperation": True})
    outcome = run.run()
    assert ended(outcome).outcome == events.CANCELED
    assert outcome.names().count(CANCEL_ACTIVITY) == CONFIG.cancel_max_attempts
    assert "not confirmed (503)" in cpp.published[-1]["data"]["reason"]


def test_cancel_during_the_last_poll_of_an_execution_ends_it_there() -> None:
    config = replace(CONFIG, polls_per_execution=2)
    cpp = script(poll=[RUNNING])
    run = replay(cpp, config)
    run.raise_event(
        CANCEL_EVENT,
        {"reason": "late"},
        lambda r: r.phase == Phase.POLLING and r.status.get("polls") == 1,
        WHILE_ACTIVITY_RUNS,
    )
    outcome = run.run()
    assert ended(outcome).outcome == events.CANCELED
    assert outcome.executions == 1
    assert cpp.published[-1]["data"]["reason"] == "late"


def test_cancel_once_the_outcome_is_decided_changes_nothing() -> None:
    cpp = script(publish=[PublishFailed("Event Grid answered 503", True), Published()])
    run = replay(cpp)
    cancel_when(run, Phase.PUBLISHING, {"cancelOperation": True})
    outcome = run.run()
    assert ended(outcome).outcome == events.SUCCEEDED
    assert CANCEL_ACTIVITY not in outcome.names()


# -- announcing the end -------------------------------------------------------------------


def test_a_refused_completion_event_is_retried_with_backoff_and_the_same_id() -> None:
    cpp = script(
        publish=[
            PublishFailed("Event Grid answered 503", True),
            Transient("connection reset"),
            PublishFailed("Event Grid answered 429", True, retry_after_seconds=120),
            Published(),
        ]
    )
    outcome = replay(cpp).run()
    output = ended(outcome)
    assert output.outcome == events.SUCCEEDED
    assert waits(outcome, PUBLISH_ACTIVITY) == [15, 30, 120]
    ids = {payload["event"]["id"] for payload in outcome.payloads(PUBLISH_ACTIVITY)}
    assert ids == {output.event_id}


def test_an_event_never_accepted_fails_the_run_after_the_give_up_time_carrying_it() -> None:
    config = replace(
        CONFIG, publish_give_up_hours=6.0, publish_retry_max_interval_seconds=1800.0,
        polls_per_execution=5,
    )  # fmt: skip
    cpp = script(publish=[PublishFailed("Event Grid answered 401", False)])
    outcome = replay(cpp, config).run()
    assert outcome.error is not None
    assert "not accepted by Event Grid" in outcome.error
    assert events.SUCCEEDED in outcome.error  # the event itself is in the message
    assert outcome.clock - START == config.publish_give_up
    assert outcome.executions > 1  # publishing went on across continue_as_new


def test_an_action_required_notice_event_grid_refuses_is_retried_on_the_next_poll() -> None:
    cpp = script(
        poll=[BLOCKED, RUNNING, SUCCEEDED],
        publish=[PublishFailed("Event Grid answered 503", True), Published()],
    )
    ended(replay(cpp).run())
    assert [event["type"] for event in cpp.published] == [events.ACTION_REQUIRED, events.SUCCEEDED]


# -- weeks of polls -----------------------------------------------------------------------


def test_continue_as_new_carries_the_run_its_polls_and_what_was_announced() -> None:
    config = replace(CONFIG, polls_per_execution=3)
    cpp = script(poll=[RUNNING, BLOCKED, *[BLOCKED] * 6, RUNNING, RUNNING, SUCCEEDED])
    outcome = replay(cpp, config).run()
    output = ended(outcome)
    assert output.outcome == events.SUCCEEDED
    assert outcome.executions == 4
    assert [event["type"] for event in cpp.published] == [events.ACTION_REQUIRED, events.SUCCEEDED]
    run_ids = {payload["log"]["runId"] for payload in outcome.payloads(POLL_ACTIVITY)}
    assert len(run_ids) == 1
    completion = cpp.published[-1]["data"]
    assert completion["polls"] == 11
    assert completion["startedAt"].startswith(START.strftime("%Y-%m-%dT%H:%M:%S"))
    assert outcome.statuses[-1]["execution"] == 4
    assert output.request_ids == ("req-0", "req-1")


def test_the_custom_status_stays_within_its_budget_however_many_steps() -> None:
    many = status("running", *[step(f"Step {n} " + "x" * 150, "inProgress") for n in range(30)])
    outcome = replay(script(poll=[many, SUCCEEDED])).run()
    ended(outcome)
    polling = [s for s in outcome.statuses if s["phase"] == Phase.POLLING and s["steps"]]
    assert polling
    assert all(len(s["steps"]) <= 20 for s in outcome.statuses)


@pytest.mark.parametrize("phase", [Phase.STARTING, Phase.POLLING])
def test_the_status_says_when_the_next_call_is_due(phase: Phase) -> None:
    cpp = script(start=[Transient("503"), Accepted(OPERATION_URL)], poll=[RUNNING, SUCCEEDED])
    outcome = replay(cpp).run()
    waiting = [s for s in outcome.statuses if s["phase"] == phase and s["nextPollAt"]]
    assert waiting
    assert all(s["deadline"] for s in waiting)

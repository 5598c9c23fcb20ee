"""The Product Ingestion go-live, read as tests: the registered orchestrator replayed by the
SDK (tests/orchestrators/replay.py), the four Product Ingestion activities answered by
scripts, time virtual. Each ending of docs/product-ingestion.md's mapping, in milliseconds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from golive import events
from golive.activity_inputs import JobCall, LiveCall, OfferCall, PublishCall
from golive.activity_results import (
    ActivityResult,
    ConfigureAccepted,
    JobCancelAccepted,
    JobCancelRefused,
    JobStatus,
    LivePushFound,
    LiveSubmissionStatus,
    Published,
    Rejected,
    Transient,
)
from golive.apis import GoLiveApi
from golive.events import validate_event
from golive.function_names import (
    CANCEL_EVENT,
    INGESTION_CANCEL_ACTIVITY,
    INGESTION_JOB_ACTIVITY,
    INGESTION_LIVE_ACTIVITY,
    INGESTION_START_ACTIVITY,
    PUBLISH_ACTIVITY,
)
from golive.go_live_request import GoLiveRequest
from golive.ingestion_states import IngestionError, JobSnapshot, SubmissionSnapshot
from golive.run_status import RunOutput
from orchestrators.state import GoLiveState
from tests.orchestrators.replay import Outcome, Replay
from tests.orchestrators.test_go_live_orchestrator import CONFIG, waits

REQUEST = GoLiveRequest("contoso", "saas-1", "req-1", "corr-1", GoLiveApi.PRODUCT_INGESTION)
PRODUCT = "0f0e0d0c-0b0a-0908-0706-050403020100"
SUBMISSION = f"submission/{PRODUCT}/2"


def job(status: str, result: str, *errors: IngestionError) -> JobSnapshot:
    return JobSnapshot("job-1", status, result, errors)


def live(status: str, result: str, *, ours: bool = True) -> SubmissionSnapshot:
    return SubmissionSnapshot(
        SUBMISSION if ours else f"submission/{PRODUCT}/1", status, result, ours
    )


ACCEPTED = ConfigureAccepted(PRODUCT, SUBMISSION, job("notStarted", "pending"))
RUNNING = JobStatus(job("running", "pending"))
JOB_DONE = JobStatus(job("completed", "succeeded"))
LIVE_RUNNING = LiveSubmissionStatus(live("running", "pending"))
LIVE_DONE = LiveSubmissionStatus(live("completed", "succeeded"))


class Script:
    """Answers per activity, in order; the last answer repeats."""

    def __init__(self, **answers: Sequence[ActivityResult]) -> None:
        defaults: dict[str, Sequence[ActivityResult]] = {
            "start": [ACCEPTED],
            "job": [RUNNING, JOB_DONE],
            "live": [LIVE_RUNNING, LIVE_DONE],
            "cancel": [JobCancelAccepted(job("completed", "cancelled"))],
        }
        self.answers = {name: list(values) for name, values in {**defaults, **answers}.items()}
        self.published: list[dict[str, Any]] = []

    def activities(self) -> dict[str, Callable[[dict[str, Any]], Any]]:
        return {
            INGESTION_START_ACTIVITY: lambda p: self._answer("start", OfferCall.from_json(p)),
            INGESTION_JOB_ACTIVITY: lambda p: self._answer("job", JobCall.from_json(p)),
            INGESTION_LIVE_ACTIVITY: lambda p: self._answer("live", LiveCall.from_json(p)),
            INGESTION_CANCEL_ACTIVITY: lambda p: self._answer("cancel", JobCall.from_json(p)),
            PUBLISH_ACTIVITY: self._publish,
        }

    def _answer(self, name: str, call: object) -> dict[str, Any]:
        if isinstance(call, OfferCall):
            assert call.request == REQUEST
        if isinstance(call, JobCall):
            assert call.job_id == "job-1"
        if isinstance(call, LiveCall):
            assert (call.product_id, call.submission_id) == (PRODUCT, SUBMISSION)
        queue = self.answers[name]
        return (queue.pop(0) if len(queue) > 1 else queue[0]).to_json()

    def _publish(self, payload: dict[str, Any]) -> dict[str, Any]:
        event = PublishCall.from_json(payload).event
        validate_event(event)
        self.published.append(dict(event))
        return Published().to_json()


def run(script: Script, **raise_cancel: Any) -> tuple[Outcome, RunOutput]:
    state = GoLiveState.new(REQUEST, CONFIG)
    replay = Replay(state.to_json(), script.activities())
    if raise_cancel:
        replay.raise_event(CANCEL_EVENT, raise_cancel["payload"], raise_cancel["when"])
    outcome = replay.run()
    assert outcome.error is None, outcome.error
    output = RunOutput.from_json(outcome.output)
    assert output is not None
    return outcome, output


def completion(script: Script) -> dict[str, Any]:
    data: dict[str, Any] = script.published[-1]["data"]
    return data


def test_succeeded_only_after_the_job_and_then_the_live_submission() -> None:
    script = Script()
    outcome, output = run(script)
    assert output.outcome == events.SUCCEEDED
    assert outcome.names()[:3] == [
        INGESTION_START_ACTIVITY,
        INGESTION_JOB_ACTIVITY,
        INGESTION_JOB_ACTIVITY,
    ]
    assert outcome.names().count(INGESTION_LIVE_ACTIVITY) == 2
    data = completion(script)
    assert data["api"] == "productIngestion"
    assert data["productIngestion"]["jobResult"] == "succeeded"
    assert data["productIngestion"]["liveResult"] == "succeeded"
    assert data["operationLocation"] is None
    assert outcome.statuses[-1]["api"] == "productIngestion"


def test_the_job_is_read_at_most_once_a_minute_even_when_asked_sooner() -> None:
    config_fast = replace(CONFIG, poll_initial_interval_seconds=5, poll_max_interval_seconds=5)
    script = Script(job=[RUNNING, RUNNING, RUNNING, JOB_DONE])
    state = GoLiveState.new(REQUEST, config_fast)
    outcome = Replay(state.to_json(), script.activities()).run()
    assert outcome.error is None
    job_times = [call.at for call in outcome.calls if call.name == INGESTION_JOB_ACTIVITY]
    start_time = next(c.at for c in outcome.calls if c.name == INGESTION_START_ACTIVITY)
    assert (job_times[0] - start_time).total_seconds() >= 60
    assert min(waits(outcome, INGESTION_JOB_ACTIVITY)) >= 60


def test_retry_after_on_the_job_is_honoured() -> None:
    slow = JobStatus(job("running", "pending"), retry_after_seconds=900)
    outcome, output = run(Script(job=[slow, JOB_DONE]))
    assert output.outcome == events.SUCCEEDED
    assert waits(outcome, INGESTION_JOB_ACTIVITY) == [900]


def test_a_certification_failure_needs_a_person_then_fails() -> None:
    certification = IngestionError(
        "internalServerError", "Operation failed | invalidState: failed certification", SUBMISSION
    )
    script = Script(job=[JobStatus(job("completed", "failed", certification))])
    _, output = run(script)
    assert output.outcome == events.FAILED
    assert [e["type"] for e in script.published] == [events.ACTION_REQUIRED, events.FAILED]
    assert script.published[0]["data"]["condition"]["step"] == "certification"
    assert completion(script)["error"]["step"] == "configure job"


def test_an_in_progress_or_stale_job_is_a_conflict_rejected_with_its_reason() -> None:
    for message, code in (
        ("An In Progress submission 3 already exists.", "SubmissionInProgress"),
        ("The submission cannot be pushed to live as its not the latest submission.",
         "NotLatestSubmission"),
    ):  # fmt: skip
        failed = job("Completed", "Failed", IngestionError("conflict", message))
        script = Script(job=[JobStatus(failed)])
        _, output = run(script)
        assert output.outcome == events.REJECTED
        rejection = completion(script)["rejection"]
        assert (rejection["httpStatus"], rejection["code"]) == (409, code)
        assert message in rejection["message"]


def test_a_refused_start_and_a_failed_live_submission() -> None:
    refused = Script(start=[Rejected(409, "PreviewNotReady", "preview ended failed")])
    _, output = run(refused)
    assert output.outcome == events.REJECTED
    assert completion(refused)["rejection"]["code"] == "PreviewNotReady"
    failing = LiveSubmissionStatus(live("completed", "failed"))
    script = Script(live=[LIVE_RUNNING, failing])
    _, output = run(script)
    assert output.outcome == events.FAILED
    assert completion(script)["error"]["step"] == "live submission"


def test_a_push_already_under_way_is_followed_without_a_job() -> None:
    script = Script(start=[LivePushFound(PRODUCT, SUBMISSION)])
    outcome, output = run(script)
    assert output.outcome == events.SUCCEEDED
    assert INGESTION_JOB_ACTIVITY not in outcome.names()
    assert completion(script)["productIngestion"]["jobId"] is None


def test_a_push_without_its_job_fails_when_the_live_target_falls_back() -> None:
    earlier = LiveSubmissionStatus(live("completed", "succeeded", ours=False))
    script = Script(start=[LivePushFound(PRODUCT, SUBMISSION)], live=[LIVE_RUNNING, earlier])
    _, output = run(script)
    assert output.outcome == events.FAILED
    assert "stopped going live" in completion(script)["reason"]


def test_transient_starts_are_retried_then_give_up() -> None:
    script = Script(start=[Transient("503", retry_after_seconds=120)])
    outcome, output = run(script)
    assert output.outcome == events.FAILED
    assert outcome.names().count(INGESTION_START_ACTIVITY) == CONFIG.start_max_attempts
    assert "Product Ingestion did not accept" in completion(script)["reason"]


def test_cancel_calls_the_job_cancel_and_a_refusal_is_reported() -> None:
    for answer, words in (
        (JobCancelAccepted(job("completed", "cancelled")), "cancel accepted"),
        (JobCancelRefused("Cannot cancel job, job has already completed."), "already completed"),
    ):
        script = Script(job=[RUNNING], cancel=[answer])
        outcome, output = run(
            script,
            payload={"cancelOperation": True},
            when=lambda r: r.phase == "polling" and r.status.get("polls") == 1,
        )
        assert output.outcome == events.CANCELED
        assert outcome.names().count(INGESTION_CANCEL_ACTIVITY) == 1
        assert words in completion(script)["reason"]

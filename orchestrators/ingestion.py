"""The Product Ingestion stages of a go-live, inside the same durable orchestration.

Two stages follow the start: the configure job, then the live submission. Succeeded only
when both have succeeded. How each answer maps onto the run's ending
(docs/product-ingestion.md):

- a 400 at submit time, a preview that is not ready, not the latest, or another submission
  in progress: Rejected, with the reason;
- a certification failure, or job errors naming a resource: ActionRequired, then Failed;
- any other failed job, or a failed live submission: Failed, with the errors;
- a cancelled job: Canceled.

The job is never read more than once a minute (the API's documented limit). Like the rest
of the orchestrator this code is deterministic: it matches on rebuilt activity results.
"""

from __future__ import annotations

import hashlib
from collections.abc import Generator
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from golive import events
from golive.activity_inputs import JobCall, LiveCall, OfferCall
from golive.activity_results import (
    ConfigureAccepted,
    JobCancelAccepted,
    JobCancelRefused,
    JobPollResult,
    JobStatus,
    LivePollResult,
    LivePushFound,
    LiveSubmissionStatus,
    Rejected,
    Transient,
    ingestion_start_result,
    job_cancel_result,
    job_poll_result,
    live_poll_result,
)
from golive.function_names import (
    INGESTION_CANCEL_ACTIVITY,
    INGESTION_JOB_ACTIVITY,
    INGESTION_LIVE_ACTIVITY,
    INGESTION_START_ACTIVITY,
)
from golive.ingestion_states import (
    FailureKind,
    IngestionError,
    IngestionProgress,
    JobSnapshot,
    Stage,
    SubmissionSnapshot,
    is_completed,
)
from golive.operation import AttentionCondition, Outcome
from golive.run_status import Phase
from orchestrators.ending import Ending, seconds

if TYPE_CHECKING:
    from orchestrators.go_live import GoLiveRun

Steps = Generator[Any, Any, Any]

# "Poll at most once per minute" (the job status; docs/product-ingestion.md).
MIN_POLL_INTERVAL = timedelta(minutes=1)
MAX_ERRORS_SHOWN = 10
_CONFLICTS = {
    FailureKind.IN_PROGRESS: (
        "SubmissionInProgress",
        "Wait for the submission in progress to complete, then send the go-live again.",
    ),
    FailureKind.NOT_LATEST: (
        "NotLatestSubmission",
        "A newer draft or preview exists: publish it to preview, then send the go-live again.",
    ),
}


class IngestionStages:
    """Start, poll and cancel through Product Ingestion on behalf of one `GoLiveRun`."""

    def __init__(self, run: GoLiveRun) -> None:
        self.run = run

    def summary(self) -> dict[str, Any] | None:
        progress = self.run.state.ingestion
        return progress.summary() if progress else None

    # -- start ------------------------------------------------------------------------------

    def start(self) -> Steps:
        """Check the preview and submit it to live; None once a stage is there to follow."""
        run = self.run
        while True:
            run.show(next_poll_at=None)
            call = OfferCall(run.state.request, run.log_fields())
            result = yield from run.call(
                INGESTION_START_ACTIVITY, call.to_json(), ingestion_start_result
            )
            match result:
                case ConfigureAccepted(product_id, submission_id, job):
                    self._save(IngestionProgress(product_id, submission_id, job.job_id, Stage.JOB))
                    # The job's first status read, too, waits the API's minute.
                    return (yield from run.pause(run.now() + MIN_POLL_INTERVAL))
                case LivePushFound(product_id, submission_id):
                    self._save(IngestionProgress(product_id, submission_id, None, Stage.LIVE))
                    return None
                case Rejected() as rejected:
                    return Ending(events.REJECTED, rejection=rejected)
                case Transient() as transient:
                    ending = yield from run.retry_start(transient)
                    if ending is not None:
                        return ending

    # -- follow -----------------------------------------------------------------------------

    def poll(self) -> Steps:
        """One read of the current stage: (an Ending or None, the wait before the next)."""
        run = self.run
        progress = run.state.ingestion
        assert progress is not None, "polling before the go-live was accepted"
        result: JobPollResult | LivePollResult
        if progress.stage is Stage.JOB and progress.job_id is not None:
            job_call = JobCall(progress.job_id, run.log_fields())
            result = yield from run.call(
                INGESTION_JOB_ACTIVITY, job_call.to_json(), job_poll_result
            )
        else:
            live_call = LiveCall(progress.product_id, progress.submission_id, run.log_fields())
            result = yield from run.call(
                INGESTION_LIVE_ACTIVITY, live_call.to_json(), live_poll_result
            )
        match result:
            case JobStatus(job, wait):
                ending = yield from self._take_job(progress, job)
            case LiveSubmissionStatus(submission, wait):
                ending = self._take_live(progress, submission)
            case Rejected() | Transient() as trouble:
                return run.poll_trouble(trouble)
        interval = run.poll_policy.interval(run.state.polls - 1, seconds(wait))
        return ending, max(interval, MIN_POLL_INTERVAL)

    def _take_job(self, progress: IngestionProgress, job: JobSnapshot) -> Steps:
        self._save(progress.with_job(job), polled=True)
        match job.outcome:
            case Outcome.CANCELED:
                return Ending(events.CANCELED, reason="the configure job was cancelled")
            case Outcome.FAILED:
                return (yield from self._job_failed(job))
        return None

    def _job_failed(self, job: JobSnapshot) -> Steps:
        conflict = _CONFLICTS.get(job.failure) if job.failure else None
        if conflict is not None:
            code, hint = conflict
            message = _messages(job.errors) or f"configure job {job.job_id} failed"
            return Ending(events.REJECTED, rejection=Rejected(409, code, message, hint))
        if job.needs_person:
            self.run.announce(_condition(job))
            yield from self.run.flush_outbox()
        return Ending(events.FAILED, error=_error("configure job", job.errors, job.job_result))

    def _take_live(self, progress: IngestionProgress, live: SubmissionSnapshot) -> Ending | None:
        if _push_abandoned(progress, live):
            # Our push showed on the live target, and now an earlier submission does again:
            # the job behind it (unknown to this run, see LivePushFound) ended without it.
            self._save(replace(progress, live=live), polled=True)
            reason = (
                f"{progress.submission_id} stopped going live and the live target shows "
                f"{live.id} again; the configure job behind it ended without it"
            )
            return Ending(events.FAILED, reason=reason)
        self._save(replace(progress, live=live), polled=True)
        match live.outcome:
            case Outcome.SUCCEEDED:
                return Ending(events.SUCCEEDED)
            case Outcome.FAILED:
                error = _error("live submission", live.errors, live.result)
                return Ending(events.FAILED, error=error)
            case Outcome.CANCELED:
                return Ending(events.CANCELED, reason="the live submission was cancelled")
        return None

    # -- cancel -----------------------------------------------------------------------------

    def cancel(self) -> Steps:
        """Ask the API to cancel the configure job; its answer in words (never a failure)."""
        run = self.run
        progress = run.state.ingestion
        if progress is None or progress.job_id is None:
            return "no configure job of this run to cancel"
        call = JobCall(progress.job_id, run.log_fields())
        result = yield from run.call_until_answered(
            INGESTION_CANCEL_ACTIVITY, call.to_json(), job_cancel_result
        )
        match result:
            case JobCancelAccepted():
                return f"job {progress.job_id} cancel accepted"
            case JobCancelRefused(message):
                return f"refused ({message})"
            case Rejected(http_status, code):
                return f"refused (HTTP {http_status} {code})"
            case Transient(reason):
                return f"not confirmed ({reason})"

    def _save(self, progress: IngestionProgress, *, polled: bool = False) -> None:
        state = replace(self.run.state, phase=Phase.POLLING, ingestion=progress)
        if polled:
            state = replace(state, polls=state.polls + 1, poll_failures=0, poll_refusals=0)
        self.run.state = state


def _push_abandoned(progress: IngestionProgress, live: SubmissionSnapshot) -> bool:
    """The live target went back from our submission in progress to a completed other one."""
    before = progress.live
    return (
        before is not None
        and before.ours
        and not live.ours
        and is_completed(live.status)
        and progress.job_id is None
    )


def _messages(errors: tuple[IngestionError, ...]) -> str:
    return " / ".join(error.message for error in errors if error.message)[:1000]


def _error(stage: str, errors: tuple[IngestionError, ...], result: str | None) -> dict[str, Any]:
    first = errors[0] if errors else None
    return {
        "code": first.code if first else None,
        "message": (first.message if first else None) or f"the {stage} ended {result!r}",
        "step": stage,
        "messages": [error.message for error in errors[:MAX_ERRORS_SHOWN]],
    }


def _condition(job: JobSnapshot) -> AttentionCondition:
    """A failed job someone must act on (fix the offer, pass certification)."""
    text = _messages(job.errors) or f"configure job {job.job_id} failed"
    key = hashlib.sha256(f"{job.job_id}\x1f{text}".encode()).hexdigest()[:24]
    return AttentionCondition(
        key=key,
        step="certification" if job.failure is FailureKind.CERTIFICATION else "configure job",
        status=f"{job.job_status}/{job.job_result}",
        level="error",
        message=text,
    )

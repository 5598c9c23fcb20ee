"""The Product Ingestion stages of a go-live, inside the same durable orchestration.

Two stages follow the start: the configure job, then the live submission. Succeeded only
when both have succeeded. How each answer maps onto the run's ending (the mapping in
docs/product-ingestion.md):

- a 400 at submit time, a preview that is not ready, not the latest, or another submission
  in progress: Rejected, with the reason;
- a certification failure, or job errors naming a resource: ActionRequired, then Failed;
- any other failed job, or a failed live submission: Failed, with the errors;
- a cancelled job: Canceled.

Polls of the job are never closer than a minute apart (the API's documented limit).
Like the rest of the orchestrator this code is deterministic: it decides on activity
results rebuilt into their classes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Generator
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from golive import events
from golive.cpp_results import Rejected, Transient
from golive.function_names import (
    INGESTION_CANCEL_ACTIVITY,
    INGESTION_JOB_ACTIVITY,
    INGESTION_LIVE_ACTIVITY,
    INGESTION_START_ACTIVITY,
)
from golive.ingestion_results import (
    ConfigureAccepted,
    FailureKind,
    IngestionError,
    IngestionResult,
    JobCancelAccepted,
    JobCancelRefused,
    JobSnapshot,
    JobStatus,
    LivePushFound,
    LiveSubmissionStatus,
    SubmissionSnapshot,
    ingestion_result_from_dict,
    is_completed,
)
from golive.operation import AttentionCondition, Outcome
from orchestrators.ending import Ending, rejection_of, retry_after
from orchestrators.state import POLLING

if TYPE_CHECKING:
    from orchestrators.go_live import GoLiveRun

Steps = Generator[Any, Any, Any]

JOB = "job"
LIVE = "live"
# "Poll at most once per minute" (job status, docs/product-ingestion.md).
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


@dataclass(frozen=True)
class IngestionProgress:
    """What the run knows of its go-live; carried across `continue_as_new` in the state."""

    product_id: str
    submission_id: str
    job_id: str | None
    stage: str
    job: JobSnapshot | None = None
    live: SubmissionSnapshot | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "productId": self.product_id,
            "submissionId": self.submission_id,
            "jobId": self.job_id,
            "stage": self.stage,
            "job": self.job.to_dict() if self.job else None,
            "live": self.live.to_dict() if self.live else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IngestionProgress:
        job, live = data.get("job"), data.get("live")
        return cls(
            product_id=str(data["productId"]),
            submission_id=str(data["submissionId"]),
            job_id=data.get("jobId"),
            stage=str(data.get("stage") or JOB),
            job=JobSnapshot.from_dict(job) if job else None,
            live=SubmissionSnapshot.from_dict(live) if live else None,
        )

    def summary(self) -> dict[str, Any]:
        """What events and the status route show (docs/events.md, `productIngestion`)."""
        errors = [*(self.job.errors if self.job else ()), *(self.live.errors if self.live else ())]
        return {
            "productId": self.product_id,
            "submissionId": self.submission_id,
            "jobId": self.job_id,
            "stage": self.stage,
            "jobStatus": self.job.status if self.job else None,
            "jobResult": self.job.result if self.job else None,
            "liveStatus": self.live.status if self.live and self.live.ours else None,
            "liveResult": self.live.result if self.live and self.live.ours else None,
            "errors": [error.to_dict() for error in errors[:MAX_ERRORS_SHOWN]],
        }


class IngestionStages:
    """Start, poll and cancel through Product Ingestion on behalf of one `GoLiveRun`."""

    def __init__(self, run: GoLiveRun) -> None:
        self.run = run

    @property
    def progress(self) -> IngestionProgress | None:
        data = self.run.state.ingestion
        return IngestionProgress.from_dict(data) if data else None

    def summary(self) -> dict[str, Any] | None:
        progress = self.progress
        return progress.summary() if progress else None

    # -- start ------------------------------------------------------------------------------

    def start(self) -> Steps:
        """Check the preview and submit it to live; None once a stage is there to follow."""
        run = self.run
        while True:
            run.show(next_poll_at=None)
            data = yield from run.call(
                INGESTION_START_ACTIVITY, {"request": run.state.request.to_dict()}
            )
            match _rebuilt(data):
                case ConfigureAccepted(product_id, submission_id, job):
                    self._save(IngestionProgress(product_id, submission_id, job.job_id, JOB, job))
                    # The job's first status read, too, waits the API's minute.
                    return (yield from run.pause(run.now() + MIN_POLL_INTERVAL))
                case LivePushFound(product_id, submission_id):
                    self._save(IngestionProgress(product_id, submission_id, None, LIVE))
                    return None
                case Rejected():
                    return Ending(events.REJECTED, rejection=rejection_of(data))
                case _:
                    ending = yield from run.retry_start(data)
                    if ending is not None:
                        return ending

    # -- follow -----------------------------------------------------------------------------

    def poll(self) -> Steps:
        """One read of the current stage: (an Ending or None, the wait before the next)."""
        run = self.run
        progress = self.progress
        assert progress is not None, "polling before the go-live was accepted"
        if progress.stage == JOB and progress.job_id is not None:
            data = yield from run.call(INGESTION_JOB_ACTIVITY, {"jobId": progress.job_id})
        else:
            payload = {"productId": progress.product_id, "submissionId": progress.submission_id}
            data = yield from run.call(INGESTION_LIVE_ACTIVITY, payload)
        match _rebuilt(data):
            case JobStatus(job):
                ending = yield from self._take_job(progress, job)
            case LiveSubmissionStatus(submission):
                ending = self._take_live(progress, submission)
            case _:
                return run.poll_trouble(data)
        interval = run.poll_policy.interval(run.state.polls - 1, retry_after(data))
        return ending, max(interval, MIN_POLL_INTERVAL)

    def _take_job(self, progress: IngestionProgress, job: JobSnapshot) -> Steps:
        stage = LIVE if job.outcome is Outcome.SUCCEEDED else JOB
        self._save(replace(progress, job=job, stage=stage), polled=True)
        if job.outcome is Outcome.CANCELED:
            return Ending(events.CANCELED, reason="the configure job was cancelled")
        if job.outcome is not Outcome.FAILED:
            return None
        conflict = _CONFLICTS.get(job.failure) if job.failure else None
        if conflict is not None:
            code, hint = conflict
            rejection = {
                "httpStatus": 409,
                "code": code,
                "message": _messages(job.errors) or f"configure job {job.job_id} failed",
                "hint": hint,
            }
            return Ending(events.REJECTED, rejection=rejection)
        if job.needs_person:
            self.run.announce(_condition(job))
            yield from self.run.flush_outbox()
        return Ending(events.FAILED, error=_error("configure job", job.errors, job.result))

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
        if live.outcome is Outcome.SUCCEEDED:
            return Ending(events.SUCCEEDED)
        if live.outcome is Outcome.FAILED:
            return Ending(events.FAILED, error=_error("live submission", live.errors, live.result))
        if live.outcome is Outcome.CANCELED:
            return Ending(events.CANCELED, reason="the live submission was cancelled")
        return None

    # -- cancel -----------------------------------------------------------------------------

    def cancel(self) -> Steps:
        """Ask the API to cancel the configure job; the answer in words (never a failure)."""
        progress = self.progress
        if progress is None or progress.job_id is None:
            return "no configure job of this run to cancel"
        data = yield from self.run.call_until_answered(
            INGESTION_CANCEL_ACTIVITY, {"jobId": progress.job_id}
        )
        match _rebuilt(data):
            case JobCancelAccepted():
                return f"job {progress.job_id} cancel accepted"
            case JobCancelRefused(message):
                return f"refused ({message})"
            case Rejected(http_status, code):
                return f"refused (HTTP {http_status} {code})"
            case Transient(reason):
                return f"not confirmed ({reason})"
            case _:
                return "not confirmed (unexpected answer)"

    def _save(self, progress: IngestionProgress, *, polled: bool = False) -> None:
        state = replace(self.run.state, phase=POLLING, ingestion=progress.to_dict())
        if polled:
            state = replace(state, polls=state.polls + 1, poll_failures=0, poll_refusals=0)
        self.run.state = state


def _rebuilt(data: dict[str, Any]) -> IngestionResult:
    """The activity's result as its class; anything unreadable counts as transient."""
    try:
        return ingestion_result_from_dict(data)
    except (ValueError, KeyError, TypeError) as error:
        return Transient(reason=f"unreadable activity result ({error})")


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
        status=f"{job.status}/{job.result}",
        level="error",
        message=text,
    )

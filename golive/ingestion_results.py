"""What a Product Ingestion call ended in, as JSON-able results that cross the activity boundary.

The go-live runs in two stages: the configure job (`jobStatus`/`jobResult`), then the live
submission (`status`/`result`). Each stage's words are compared case-insensitively
(`cancelled` and `canceled` alike) and mapped onto the app's `Outcome`; unknown words mean
"still running". A failed job's errors are kept, flattened and bounded, and sorted into the
cases that decide the run's ending: a certification failure, another submission in
progress, a preview that is not the latest, or any other error. `Rejected` and `Transient`
are the CPP client's own classes: they mean the same here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from golive.cpp_results import Rejected, Transient, result_from_dict
from golive.operation import Outcome

__all__ = [
    "ConfigureAccepted",
    "FailureKind",
    "IngestionError",
    "JobCancelAccepted",
    "JobCancelRefused",
    "JobSnapshot",
    "JobStatus",
    "LivePushFound",
    "LiveSubmissionStatus",
    "SubmissionSnapshot",
    "ingestion_result_from_dict",
    "stage_outcome",
]

MAX_ERRORS = 10
MAX_TEXT_CHARS = 1000
MAX_FIELD_CHARS = 200

_SUCCEEDED = frozenset({"succeeded"})
_FAILED = frozenset({"failed"})
_CANCELED = frozenset({"cancelled", "canceled"})


def is_completed(status: str | None) -> bool:
    return (status or "").strip().lower() == "completed"


def stage_outcome(status: str | None, result: str | None) -> Outcome:
    """A stage ends only when its status is `completed`; then its result says how."""
    if not is_completed(status):
        return Outcome.IN_PROGRESS
    word = (result or "").strip().lower()
    if word in _SUCCEEDED:
        return Outcome.SUCCEEDED
    if word in _FAILED:
        return Outcome.FAILED
    if word in _CANCELED:
        return Outcome.CANCELED
    return Outcome.IN_PROGRESS


class FailureKind(StrEnum):
    """Why a configure job failed, as far as its errors tell (docs/product-ingestion.md)."""

    CERTIFICATION = "certification"  # permanent for this submission: a person must act
    IN_PROGRESS = "inProgress"  # another submission is being published: a conflict
    NOT_LATEST = "notLatest"  # the preview is stale: publish a new preview first
    OTHER = "other"


@dataclass(frozen=True)
class IngestionError:
    """One error of a job or a submission, nested details flattened into `message`."""

    code: str | None
    message: str
    resource: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "resource": self.resource}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IngestionError:
        return cls(
            code=_text(data.get("code"), MAX_FIELD_CHARS),
            message=_text(data.get("message"), MAX_TEXT_CHARS) or "",
            resource=_text(data.get("resource"), MAX_FIELD_CHARS),
        )


def parse_errors(value: object) -> tuple[IngestionError, ...]:
    """`errors[]` as the API sends it: code, message, resourceId (text or {resourceName}),
    and nested `details[]` whose codes and messages join the parent's message."""
    items = [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []
    return tuple(_parse_error(item) for item in items[:MAX_ERRORS])


def _parse_error(item: Mapping[str, Any]) -> IngestionError:
    parts = [str(item.get("message") or "").strip()]
    for detail in _details(item):
        code, message = detail.get("code"), str(detail.get("message") or "").strip()
        parts.append(f"{code}: {message}" if code else message)
    resource = item.get("resourceId")
    if isinstance(resource, Mapping):
        resource = resource.get("resourceName") or resource.get("id")
    return IngestionError(
        code=_text(item.get("code"), MAX_FIELD_CHARS),
        message=_clip(" | ".join(part for part in parts if part), MAX_TEXT_CHARS),
        resource=_text(resource, MAX_FIELD_CHARS),
    )


def _details(item: Mapping[str, Any], depth: int = 0) -> Iterable[Mapping[str, Any]]:
    details = item.get("details")
    if depth > 3 or not isinstance(details, list):
        return
    for detail in details:
        if isinstance(detail, Mapping):
            yield detail
            yield from _details(detail, depth + 1)


def failure_kind(errors: Iterable[IngestionError]) -> FailureKind:
    """Sort a failed job by its errors; `conflict` alone does not mean concurrency."""
    texts = [(error.code or "").lower() + " " + error.message.lower() for error in errors]
    if any("certification" in text for text in texts):
        return FailureKind.CERTIFICATION
    if any("in progress submission" in text for text in texts):
        return FailureKind.IN_PROGRESS
    if any("not the latest" in text for text in texts):
        return FailureKind.NOT_LATEST
    return FailureKind.OTHER


@dataclass(frozen=True)
class JobSnapshot:
    """One read of the configure job: its words as sent, and what they mean."""

    job_id: str
    status: str | None
    result: str | None
    errors: tuple[IngestionError, ...] = ()

    @property
    def outcome(self) -> Outcome:
        return stage_outcome(self.status, self.result)

    @property
    def failure(self) -> FailureKind | None:
        return failure_kind(self.errors) if self.outcome is Outcome.FAILED else None

    @property
    def needs_person(self) -> bool:
        """A certification failure, or errors naming a resource someone has to fix."""
        if self.failure is FailureKind.CERTIFICATION:
            return True
        return self.failure is FailureKind.OTHER and any(e.resource for e in self.errors)

    def to_dict(self) -> dict[str, Any]:
        return {
            "jobId": self.job_id,
            "jobStatus": self.status,
            "jobResult": self.result,
            "errors": [error.to_dict() for error in self.errors],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JobSnapshot:
        return cls(
            job_id=str(data["jobId"]),
            status=_text(data.get("jobStatus"), MAX_FIELD_CHARS),
            result=_text(data.get("jobResult"), MAX_FIELD_CHARS),
            errors=tuple(IngestionError.from_dict(e) for e in _dicts(data.get("errors"))),
        )


@dataclass(frozen=True)
class SubmissionSnapshot:
    """The live target's submission: ours when its id is the one the job pushed."""

    id: str | None
    status: str | None
    result: str | None
    ours: bool
    errors: tuple[IngestionError, ...] = ()

    @property
    def outcome(self) -> Outcome:
        """Our submission's outcome; another one on the live target means not yet."""
        return stage_outcome(self.status, self.result) if self.ours else Outcome.IN_PROGRESS

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "result": self.result,
            "ours": self.ours,
            "errors": [error.to_dict() for error in self.errors],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SubmissionSnapshot:
        return cls(
            id=_text(data.get("id"), MAX_FIELD_CHARS),
            status=_text(data.get("status"), MAX_FIELD_CHARS),
            result=_text(data.get("result"), MAX_FIELD_CHARS),
            ours=bool(data.get("ours")),
            errors=tuple(IngestionError.from_dict(e) for e in _dicts(data.get("errors"))),
        )


# -- results -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfigureAccepted:
    """`POST configure` took the preview submission to live; the job is `job`."""

    product_id: str
    submission_id: str
    job: JobSnapshot

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "configureAccepted",
            "productId": self.product_id,
            "submissionId": self.submission_id,
            "job": self.job.to_dict(),
        }


@dataclass(frozen=True)
class LivePushFound:
    """The preview is already on its way to live (an earlier, unanswered try of this run):
    follow the live submission; the job id is not known."""

    product_id: str
    submission_id: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "livePushFound",
            "productId": self.product_id,
            "submissionId": self.submission_id,
        }


@dataclass(frozen=True)
class JobStatus:
    """One read of the job; `retry_after_seconds` if the API asked to wait."""

    job: JobSnapshot
    retry_after_seconds: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "jobStatus",
            "job": self.job.to_dict(),
            "retryAfterSeconds": self.retry_after_seconds,
        }


@dataclass(frozen=True)
class LiveSubmissionStatus:
    """One read of the live target."""

    submission: SubmissionSnapshot
    retry_after_seconds: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "liveSubmissionStatus",
            "submission": self.submission.to_dict(),
            "retryAfterSeconds": self.retry_after_seconds,
        }


@dataclass(frozen=True)
class JobCancelAccepted:
    """The API took the cancel; `job` is the status it answered with."""

    job: JobSnapshot | None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "jobCancelAccepted", "job": self.job.to_dict() if self.job else None}


@dataclass(frozen=True)
class JobCancelRefused:
    """The API refused the cancel ("Cannot cancel job, job has already completed.")."""

    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "jobCancelRefused", "message": self.message}


IngestionStartResult = ConfigureAccepted | LivePushFound | Rejected | Transient
JobPollResult = JobStatus | Rejected | Transient
LivePollResult = LiveSubmissionStatus | Rejected | Transient
JobCancelResult = JobCancelAccepted | JobCancelRefused | Rejected | Transient
IngestionResult = (
    ConfigureAccepted
    | LivePushFound
    | JobStatus
    | LiveSubmissionStatus
    | JobCancelAccepted
    | JobCancelRefused
    | Rejected
    | Transient
)


def ingestion_result_from_dict(data: Mapping[str, Any]) -> IngestionResult:
    """Rebuild any result from its `to_dict()`; ValueError for an unknown kind."""
    kind = data.get("kind")
    if kind == "configureAccepted":
        return ConfigureAccepted(
            product_id=str(data["productId"]),
            submission_id=str(data["submissionId"]),
            job=JobSnapshot.from_dict(data["job"]),
        )
    if kind == "livePushFound":
        return LivePushFound(str(data["productId"]), str(data["submissionId"]))
    if kind == "jobStatus":
        return JobStatus(JobSnapshot.from_dict(data["job"]), _seconds(data))
    if kind == "liveSubmissionStatus":
        return LiveSubmissionStatus(
            SubmissionSnapshot.from_dict(data["submission"]), _seconds(data)
        )
    if kind == "jobCancelAccepted":
        job = data.get("job")
        return JobCancelAccepted(JobSnapshot.from_dict(job) if job else None)
    if kind == "jobCancelRefused":
        return JobCancelRefused(str(data["message"]))
    if kind in ("rejected", "transient"):
        result = result_from_dict(data)
        assert isinstance(result, Rejected | Transient)
        return result
    raise ValueError(f"unknown Product Ingestion result kind {kind!r}")


def _seconds(data: Mapping[str, Any]) -> float | None:
    value = data.get("retryAfterSeconds")
    return None if value is None else float(value)


def _dicts(value: object) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _text(value: object, limit: int) -> str | None:
    if value is None or isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    return _clip(str(value), limit)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

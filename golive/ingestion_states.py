"""The Product Ingestion go-live as this app understands it: two stages and their words.

A go-live runs in two stages: the configure job (`jobStatus`/`jobResult`), then the live
submission (`status`/`result`). Each stage's words are compared case-insensitively
(`cancelled` and `canceled` alike) and mapped onto the app's `Outcome`; unknown words mean
"still running". A failed job's errors are kept, flattened and bounded, and sorted into the
cases that decide the run's ending: a certification failure, another submission in
progress, a preview that is not the latest, or any other error (docs/product-ingestion.md).
Snapshots are bounded because they travel through activity results, the orchestration
state and the events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from golive.json_fields import from_json_fields, json_fields
from golive.operation import Outcome

__all__ = [
    "FailureKind",
    "IngestionError",
    "IngestionProgress",
    "JobSnapshot",
    "Stage",
    "SubmissionSnapshot",
    "parse_errors",
    "stage_outcome",
]

MAX_ERRORS = 10
MAX_TEXT_CHARS = 1000
MAX_FIELD_CHARS = 200

_SUCCEEDED = frozenset({"succeeded"})
_FAILED = frozenset({"failed"})
_CANCELED = frozenset({"cancelled", "canceled"})


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


def is_completed(status: str | None) -> bool:
    return (status or "").strip().lower() == "completed"


class FailureKind(StrEnum):
    """Why a configure job failed, as far as its errors tell."""

    CERTIFICATION = "certification"  # permanent for this submission: a person must act
    IN_PROGRESS = "inProgress"  # another submission is being published: a conflict
    NOT_LATEST = "notLatest"  # the preview is stale: publish a new preview first
    OTHER = "other"


class Stage(StrEnum):
    """Which stage of the go-live the run follows."""

    JOB = "job"
    LIVE = "live"


@dataclass(frozen=True)
class IngestionError:
    """One error of a job or a submission, nested details flattened into `message`."""

    code: str | None
    message: str
    resource: str | None = None

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


def _errors(value: object) -> tuple[IngestionError, ...]:
    items = value if isinstance(value, list) else []
    return tuple(IngestionError.from_dict(e) for e in items[:MAX_ERRORS] if isinstance(e, Mapping))


@dataclass(frozen=True)
class JobSnapshot:
    """One read of the configure job: its words as sent, and what they mean."""

    job_id: str
    job_status: str | None
    job_result: str | None
    errors: tuple[IngestionError, ...] = ()

    @property
    def outcome(self) -> Outcome:
        return stage_outcome(self.job_status, self.job_result)

    @property
    def failure(self) -> FailureKind | None:
        return failure_kind(self.errors) if self.outcome is Outcome.FAILED else None

    @property
    def needs_person(self) -> bool:
        """A certification failure, or errors naming a resource someone has to fix."""
        if self.failure is FailureKind.CERTIFICATION:
            return True
        return self.failure is FailureKind.OTHER and any(e.resource for e in self.errors)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JobSnapshot:
        return from_json_fields(cls, data, {"errors": _errors})


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

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SubmissionSnapshot:
        return from_json_fields(cls, data, {"errors": _errors})


@dataclass(frozen=True)
class IngestionProgress:
    """What a run knows of its go-live; carried across `continue_as_new` in its state."""

    product_id: str
    submission_id: str
    job_id: str | None
    stage: Stage
    job: JobSnapshot | None = None
    live: SubmissionSnapshot | None = None

    def to_json(self) -> dict[str, Any]:
        return json_fields(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> IngestionProgress:
        decoders: dict[str, Callable[[Any], Any]] = {
            "stage": Stage,
            "job": JobSnapshot.from_dict,
            "live": SubmissionSnapshot.from_dict,
        }
        return from_json_fields(cls, data, decoders)

    def with_job(self, job: JobSnapshot) -> IngestionProgress:
        """After a job read: the live stage follows a job that succeeded."""
        stage = Stage.LIVE if job.outcome is Outcome.SUCCEEDED else self.stage
        return replace(self, job=job, stage=stage)

    def summary(self) -> dict[str, Any]:
        """What events and the status route show (docs/events.md, `productIngestion`)."""
        live = self.live if self.live and self.live.ours else None
        errors = [*(self.job.errors if self.job else ()), *(live.errors if live else ())]
        return {
            "productId": self.product_id,
            "submissionId": self.submission_id,
            "jobId": self.job_id,
            "stage": self.stage.value,
            "jobStatus": self.job.job_status if self.job else None,
            "jobResult": self.job.job_result if self.job else None,
            "liveStatus": live.status if live else None,
            "liveResult": live.result if live else None,
            "errors": [json_fields(error) for error in errors[:MAX_ERRORS]],
        }


def _text(value: object, limit: int) -> str | None:
    if value is None or isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    return _clip(str(value), limit)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

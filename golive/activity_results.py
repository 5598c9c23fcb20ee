"""What each activity's side effect ended in: the results the orchestrator decides on.

An activity classifies every answer of CPP or Event Grid into one of these classes and
returns `result.to_json()`; the orchestrator rebuilds it at once with `start_result()`,
`poll_result()`, `cancel_result()` or `publish_result()` and dispatches on its class
(`match`). The `kind` tag that tells the shapes apart in JSON is written and read only
in this module; its values never change, because histories of running orchestrations
hold them.

- `Accepted`, `OperationStatus`, `CancelAccepted`, `Published`: the call did its job;
- `Rejected`: CPP refused; retrying without fixing the cause will not help;
- `Transient`: the call may succeed later (429, 5xx, timeouts, connection, token);
- `UnsafeLocation`: CPP pointed somewhere the bearer token must not go;
- `PublishFailed`: Event Grid did not accept the event;
- Product Ingestion (golive/ingestion_client.py): `ConfigureAccepted` and `LivePushFound`
  start a go-live, `JobStatus` and `LiveSubmissionStatus` follow its two stages,
  `JobCancelAccepted` and `JobCancelRefused` answer a cancel; `Rejected` and `Transient`
  mean the same as for CPP.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, cast

from golive.errors import ActivityResultError
from golive.ingestion_states import JobSnapshot, SubmissionSnapshot
from golive.json_fields import from_json_fields, json_fields
from golive.operation import OperationSnapshot

__all__ = [
    "Accepted",
    "ActivityResult",
    "CancelAccepted",
    "CancelResult",
    "ConfigureAccepted",
    "IngestionStartResult",
    "JobCancelAccepted",
    "JobCancelRefused",
    "JobCancelResult",
    "JobPollResult",
    "JobStatus",
    "LivePollResult",
    "LivePushFound",
    "LiveSubmissionStatus",
    "OperationStatus",
    "PollResult",
    "PublishFailed",
    "PublishResult",
    "Published",
    "Rejected",
    "StartResult",
    "Transient",
    "UnsafeLocation",
    "cancel_result",
    "ingestion_start_result",
    "job_cancel_result",
    "job_poll_result",
    "live_poll_result",
    "poll_result",
    "publish_result",
    "start_result",
]

_KIND = "kind"
_SHAPES: dict[str, type[_Shape]] = {}


class _Shape:
    """JSON in and out for a frozen dataclass: camelCase keys plus the `kind` tag."""

    KIND: ClassVar[str]
    # Fields rebuilt from JSON by more than their plain value: name -> decode.
    DECODERS: ClassVar[dict[str, Callable[[Any], Any]]] = {}

    def __init_subclass__(cls, kind: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.KIND = kind
        _SHAPES[kind] = cls

    def to_json(self) -> dict[str, Any]:
        """The JSON-able value an activity returns."""
        return {_KIND: self.KIND, **json_fields(self)}

    @classmethod
    def _from_json(cls, data: Mapping[str, Any]) -> _Shape:
        try:
            return from_json_fields(cls, data, cls.DECODERS)
        except KeyError as missing:
            raise ActivityResultError(f"a {cls.KIND!r} result lacks {missing}") from None


@dataclass(frozen=True)
class Accepted(_Shape, kind="accepted"):
    """CPP accepted the go-live; the operation lives at `operation_url` (absolute, safe)."""

    operation_url: str


@dataclass(frozen=True)
class Rejected(_Shape, kind="rejected"):
    """CPP refused the request; retrying without fixing the cause will not help."""

    http_status: int
    code: str
    message: str
    hint: str | None = None


@dataclass(frozen=True)
class Transient(_Shape, kind="transient"):
    """The call may succeed later: 429, 5xx, timeouts, connection errors, token errors."""

    reason: str
    retry_after_seconds: float | None = None
    http_status: int | None = None


@dataclass(frozen=True)
class UnsafeLocation(_Shape, kind="unsafeLocation"):
    """CPP's operation header points outside the configured CPP origin; never followed."""

    location: str
    reason: str


@dataclass(frozen=True)
class OperationStatus(_Shape, kind="status"):
    """One successful poll; `retry_after_seconds` if CPP asked to wait before the next."""

    DECODERS: ClassVar = {"snapshot": OperationSnapshot.from_dict}

    snapshot: OperationSnapshot
    retry_after_seconds: float | None = None


@dataclass(frozen=True)
class CancelAccepted(_Shape, kind="cancelAccepted"):
    """CPP answered the cancel with 200 (canceled) or 202 (canceling).

    CPP answers 202 whether or not it will cancel (docs/cpp-api.md): this is no proof.
    `operation_url` is set only for a 202 whose Location passed the origin check.
    """

    http_status: int
    operation_url: str | None = None


@dataclass(frozen=True)
class Published(_Shape, kind="published"):
    """Event Grid accepted the event (HTTP 200)."""


@dataclass(frozen=True)
class PublishFailed(_Shape, kind="failed"):
    """Event Grid did not accept the event.

    `transient` is False for answers that need a fix (400, 401, 403, 404, 413): the
    orchestrator still retries until its give-up time, since a fixed key or role
    assignment makes the same event go through and nothing must be lost.
    """

    reason: str
    transient: bool
    retry_after_seconds: float | None = None
    http_status: int | None = None


@dataclass(frozen=True)
class ConfigureAccepted(_Shape, kind="configureAccepted"):
    """`POST configure` took the preview submission to live; the job is `job`."""

    DECODERS: ClassVar = {"job": JobSnapshot.from_dict}

    product_id: str
    submission_id: str
    job: JobSnapshot


@dataclass(frozen=True)
class LivePushFound(_Shape, kind="livePushFound"):
    """The preview is already on its way to live (an earlier try whose answer was lost):
    follow the live submission; the job id is not known."""

    product_id: str
    submission_id: str


@dataclass(frozen=True)
class JobStatus(_Shape, kind="jobStatus"):
    """One read of the configure job; `retry_after_seconds` if the API asked to wait."""

    DECODERS: ClassVar = {"job": JobSnapshot.from_dict}

    job: JobSnapshot
    retry_after_seconds: float | None = None


@dataclass(frozen=True)
class LiveSubmissionStatus(_Shape, kind="liveSubmissionStatus"):
    """One read of the live target's submission."""

    DECODERS: ClassVar = {"submission": SubmissionSnapshot.from_dict}

    submission: SubmissionSnapshot
    retry_after_seconds: float | None = None


@dataclass(frozen=True)
class JobCancelAccepted(_Shape, kind="jobCancelAccepted"):
    """The API took the cancel; `job` is the status it answered with, if readable."""

    DECODERS: ClassVar = {"job": JobSnapshot.from_dict}

    job: JobSnapshot | None = None


@dataclass(frozen=True)
class JobCancelRefused(_Shape, kind="jobCancelRefused"):
    """The API refused the cancel ("Cannot cancel job, job has already completed.")."""

    message: str


StartResult = Accepted | Rejected | Transient | UnsafeLocation
PollResult = OperationStatus | Rejected | Transient | UnsafeLocation
CancelResult = CancelAccepted | Rejected | Transient
PublishResult = Published | PublishFailed | Transient
IngestionStartResult = ConfigureAccepted | LivePushFound | Rejected | Transient
JobPollResult = JobStatus | Rejected | Transient
LivePollResult = LiveSubmissionStatus | Rejected | Transient
JobCancelResult = JobCancelAccepted | JobCancelRefused | Rejected | Transient
ActivityResult = (
    StartResult
    | PollResult
    | CancelResult
    | PublishResult
    | IngestionStartResult
    | JobPollResult
    | LivePollResult
    | JobCancelResult
)


def _rebuilt(data: object, shape: Any, activity: str) -> Any:
    """The result `data` encodes, if it is one the activity returns; else ActivityResultError."""
    if not isinstance(data, Mapping):
        raise ActivityResultError(f"the {activity} result is not a JSON object")
    cls = _SHAPES.get(str(data.get(_KIND)))
    if cls is None:
        raise ActivityResultError(f"unknown {activity} result kind {data.get(_KIND)!r}")
    try:
        result = cls._from_json(data)
    except (TypeError, ValueError) as error:
        raise ActivityResultError(f"unreadable {activity} result ({error})") from None
    if not isinstance(result, shape):
        raise ActivityResultError(f"{cls.KIND!r} is not a {activity} result")
    return result


def start_result(data: object) -> StartResult:
    """Rebuild what the go-live activity returned."""
    return cast(StartResult, _rebuilt(data, StartResult, "go-live"))


def poll_result(data: object) -> PollResult:
    """Rebuild what the poll activity returned."""
    return cast(PollResult, _rebuilt(data, PollResult, "poll"))


def cancel_result(data: object) -> CancelResult:
    """Rebuild what the cancel activity returned."""
    return cast(CancelResult, _rebuilt(data, CancelResult, "cancel"))


def publish_result(data: object) -> PublishResult:
    """Rebuild what the publish activity returned."""
    return cast(PublishResult, _rebuilt(data, PublishResult, "publish"))


def ingestion_start_result(data: object) -> IngestionStartResult:
    """Rebuild what the Product Ingestion go-live activity returned."""
    return cast(IngestionStartResult, _rebuilt(data, IngestionStartResult, "configure"))


def job_poll_result(data: object) -> JobPollResult:
    """Rebuild what the configure job poll returned."""
    return cast(JobPollResult, _rebuilt(data, JobPollResult, "job poll"))


def live_poll_result(data: object) -> LivePollResult:
    """Rebuild what the live submission poll returned."""
    return cast(LivePollResult, _rebuilt(data, LivePollResult, "live poll"))


def job_cancel_result(data: object) -> JobCancelResult:
    """Rebuild what the configure job cancel returned."""
    return cast(JobCancelResult, _rebuilt(data, JobCancelResult, "job cancel"))

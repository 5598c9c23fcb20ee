"""What a CPP call ended in, as JSON-able results that cross the activity boundary.

An activity classifies every answer so the orchestrator can decide without touching
the network: `Accepted`/`OperationStatus`/`CancelAccepted` for success, `Rejected` for
answers that retrying cannot fix, `Transient` for those it can, `UnsafeLocation` when
CPP pointed somewhere the bearer token must not go. Each has `to_dict()` with a `kind`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from golive.operation import OperationSnapshot

__all__ = [
    "Accepted",
    "CancelAccepted",
    "CancelResult",
    "OperationStatus",
    "PollResult",
    "Rejected",
    "StartResult",
    "Transient",
    "UnsafeLocation",
    "cancel_result_from_dict",
    "poll_result_from_dict",
    "result_from_dict",
    "start_result_from_dict",
]


@dataclass(frozen=True)
class Accepted:
    """CPP accepted the go-live; the operation lives at `operation_url` (absolute, safe)."""

    operation_url: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "accepted", "operationUrl": self.operation_url}


@dataclass(frozen=True)
class Rejected:
    """CPP refused the request; retrying without fixing the cause will not help."""

    http_status: int
    code: str
    message: str
    hint: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "rejected",
            "httpStatus": self.http_status,
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
        }


@dataclass(frozen=True)
class Transient:
    """The call may succeed later: 429, 5xx, timeouts, connection errors, token errors."""

    reason: str
    retry_after_seconds: float | None = None
    http_status: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "transient",
            "reason": self.reason,
            "retryAfterSeconds": self.retry_after_seconds,
            "httpStatus": self.http_status,
        }


@dataclass(frozen=True)
class UnsafeLocation:
    """CPP's operation header points outside the configured CPP origin; never followed."""

    location: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "unsafeLocation", "location": self.location, "reason": self.reason}


@dataclass(frozen=True)
class OperationStatus:
    """One successful poll; `retry_after_seconds` if CPP asked to wait before the next."""

    snapshot: OperationSnapshot
    retry_after_seconds: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "status",
            "snapshot": self.snapshot.to_dict(),
            "retryAfterSeconds": self.retry_after_seconds,
        }


@dataclass(frozen=True)
class CancelAccepted:
    """CPP answered the cancel with 200 (canceled) or 202 (canceling).

    CPP answers 202 whether or not it will cancel (FACTS.md §1): this is no proof.
    `operation_url` is set only for a 202 whose Location passed the origin check.
    """

    http_status: int
    operation_url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "cancelAccepted",
            "httpStatus": self.http_status,
            "operationUrl": self.operation_url,
        }


StartResult = Accepted | Rejected | Transient | UnsafeLocation
PollResult = OperationStatus | Rejected | Transient | UnsafeLocation
CancelResult = CancelAccepted | Rejected | Transient
AnyResult = Accepted | OperationStatus | CancelAccepted | Rejected | Transient | UnsafeLocation


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def result_from_dict(data: Mapping[str, Any]) -> AnyResult:
    """Rebuild any result from its `to_dict()`; ValueError for an unknown kind."""
    kind = data.get("kind")
    if kind == "accepted":
        return Accepted(operation_url=str(data["operationUrl"]))
    if kind == "rejected":
        return Rejected(
            http_status=int(data["httpStatus"]),
            code=str(data["code"]),
            message=str(data["message"]),
            hint=data.get("hint"),
        )
    if kind == "transient":
        status = data.get("httpStatus")
        return Transient(
            reason=str(data["reason"]),
            retry_after_seconds=_optional_float(data.get("retryAfterSeconds")),
            http_status=None if status is None else int(status),
        )
    if kind == "unsafeLocation":
        return UnsafeLocation(location=str(data["location"]), reason=str(data["reason"]))
    if kind == "status":
        return OperationStatus(
            snapshot=OperationSnapshot.from_dict(data["snapshot"]),
            retry_after_seconds=_optional_float(data.get("retryAfterSeconds")),
        )
    if kind == "cancelAccepted":
        return CancelAccepted(
            http_status=int(data["httpStatus"]), operation_url=data.get("operationUrl")
        )
    raise ValueError(f"unknown result kind {kind!r}")


def start_result_from_dict(data: Mapping[str, Any]) -> StartResult:
    result = result_from_dict(data)
    if not isinstance(result, Accepted | Rejected | Transient | UnsafeLocation):
        raise ValueError(f"{data.get('kind')!r} is not a start result")
    return result


def poll_result_from_dict(data: Mapping[str, Any]) -> PollResult:
    result = result_from_dict(data)
    if not isinstance(result, OperationStatus | Rejected | Transient | UnsafeLocation):
        raise ValueError(f"{data.get('kind')!r} is not a poll result")
    return result


def cancel_result_from_dict(data: Mapping[str, Any]) -> CancelResult:
    result = result_from_dict(data)
    if not isinstance(result, CancelAccepted | Rejected | Transient):
        raise ValueError(f"{data.get('kind')!r} is not a cancel result")
    return result

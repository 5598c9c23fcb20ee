"""What the orchestrator hands each activity: typed on both sides, JSON in between.

The orchestrator builds one of these and passes `to_json()` to `call_activity`; the
activity rebuilds it at once with `from_json`. Each carries `log`, the ids every log
line of the activity names (instance, run, publisher, offer, request, correlation).
The JSON keys never change: histories of running orchestrations hold them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from golive.go_live_request import GoLiveRequest

__all__ = ["JobCall", "LiveCall", "OfferCall", "PollCall", "PublishCall"]

LogIds = Mapping[str, Any]


@dataclass(frozen=True)
class OfferCall:
    """Input of the go-live and cancel activities: the offer's request."""

    request: GoLiveRequest
    log: LogIds = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"request": self.request.to_json(), "log": dict(self.log)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> OfferCall:
        return cls(GoLiveRequest.from_json(data["request"]), data.get("log") or {})


@dataclass(frozen=True)
class PollCall:
    """Input of the poll activity: the operation URL CPP gave (origin-checked again)."""

    operation_url: str
    log: LogIds = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"operationUrl": self.operation_url, "log": dict(self.log)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PollCall:
        return cls(str(data["operationUrl"]), data.get("log") or {})


@dataclass(frozen=True)
class PublishCall:
    """Input of the publish activity: one CloudEvent, built by golive.events."""

    event: Mapping[str, Any]
    log: LogIds = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"event": dict(self.event), "log": dict(self.log)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PublishCall:
        return cls(data["event"], data.get("log") or {})


@dataclass(frozen=True)
class JobCall:
    """Input of the configure job poll and cancel: the job's id."""

    job_id: str
    log: LogIds = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"jobId": self.job_id, "log": dict(self.log)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> JobCall:
        return cls(str(data["jobId"]), data.get("log") or {})


@dataclass(frozen=True)
class LiveCall:
    """Input of the live submission poll: the product and the submission it should show."""

    product_id: str
    submission_id: str
    log: LogIds = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "productId": self.product_id,
            "submissionId": self.submission_id,
            "log": dict(self.log),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LiveCall:
        return cls(str(data["productId"]), str(data["submissionId"]), data.get("log") or {})

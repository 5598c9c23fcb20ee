"""One go-live operation: its identity, progress counters and the JSON the API shows.

Not thread-safe by itself: `CppSimulator` calls it under its lock.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from simulators.cpp.scenario import Scenario
from simulators.cpp.timeline import Snapshot, StepState, Timeline

API_VERSION = "2017-10-31"
MARKETPLACE = "https://azuremarketplace.microsoft.com/marketplace/apps"


def iso(moment: datetime) -> str:
    """The API's timestamp form: UTC with microseconds and a Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Operation:
    """A go-live started on an offer, advancing by the clock or by polls."""

    def __init__(
        self,
        *,
        publisher: str,
        offer: str,
        scenario: Scenario,
        created: datetime,
        publishing_version: int,
    ) -> None:
        self.id = str(uuid.uuid4())
        self.publisher = publisher
        self.offer = offer
        self.scenario = scenario
        self.created = created
        self.publishing_version = publishing_version
        self.timeline = Timeline(scenario)
        self.poll_times: list[datetime] = []
        self.cancel_requested_at: float | None = None
        self.cancel_requested = False

    # -- where it stands -----------------------------------------------------------------
    def units(self, now: datetime) -> float:
        if self.scenario.polls:
            return float(len(self.poll_times))
        return max(0.0, (now - self.created).total_seconds())

    def time_of(self, units: float) -> datetime:
        if not self.scenario.polls:
            return self.created + timedelta(seconds=units)
        if units <= 0 or not self.poll_times:
            return self.created
        return self.poll_times[min(math.ceil(units), len(self.poll_times)) - 1]

    def snapshot(self, now: datetime) -> Snapshot:
        return self.timeline.at(self.units(now), self.cancel_requested_at)

    def is_running(self, now: datetime) -> bool:
        return self.snapshot(now).outcome is None

    def status(self, now: datetime) -> str:
        return self._status_word(self.snapshot(now))

    # -- what clients do to it -----------------------------------------------------------
    def record_poll(self, now: datetime) -> None:
        self.poll_times.append(now)

    def request_cancel(self, now: datetime) -> None:
        """Note the request; the scenario decides whether it is honoured."""
        self.cancel_requested = True
        if self.scenario.honour_cancel and self.is_running(now):
            self.cancel_requested_at = self.units(now)

    # -- what the API shows --------------------------------------------------------------
    def path(self) -> str:
        """The operation's path, in the migrated or the non-migrated (literal `$`) form."""
        if self.scenario.location == "legacy":
            ref = f"{self.publisher}${self.offer}${self.publishing_version}$preview"
            return f"/api/operations/{ref}"
        return f"/api/publishers/{self.publisher}/offers/{self.offer}/operations/{self.id}"

    def locator(self, base_url: str) -> tuple[str, str]:
        """The header a 202 carries: relative `Location` or absolute `Operation-Location`."""
        relative = f"{self.path()}?api-version={API_VERSION}"
        if self.scenario.foreign_origin is not None:
            return "Operation-Location", self.scenario.foreign_origin.rstrip("/") + relative
        if self.scenario.operation_header == "Operation-Location":
            return "Operation-Location", base_url + relative
        return "Location", relative

    def to_json(self, now: datetime) -> dict[str, Any]:
        snapshot = self.snapshot(now)
        live = snapshot.outcome == "succeeded"
        listing = f"{MARKETPLACE}/{self.publisher}.{self.offer}"
        return {
            "id": self.id,
            "submissionType": "goLive",
            "createdDateTime": iso(self.created),
            "lastActionDateTime": iso(self.time_of(snapshot.last_action)),
            "status": self._status_word(snapshot),
            "error": self._error(snapshot),
            "messages": [],
            "publishingVersion": self.publishing_version,
            "offerVersion": self.publishing_version - 1,
            "cancellationRequestState": self._cancellation_state(snapshot),
            "steps": [self._step_json(step) for step in snapshot.steps],
            "previewLinks": [],
            "liveLinks": ([{"displayText": "Azure Marketplace", "uri": listing}] if live else []),
            "notificationEmails": f"marketplace-ops@{self.publisher}.example.com",
        }

    def summary_json(self, now: datetime) -> dict[str, Any]:
        """The shorter form the submissions listing shows."""
        return {
            "id": self.id,
            "offerId": self.offer,
            "publisherId": self.publisher,
            "submissionType": "goLive",
            "submissionState": self.status(now),
            "publishingVersion": self.publishing_version,
            "slot": "production",
            "changedTime": iso(self.time_of(self.snapshot(now).last_action)),
        }

    def _status_word(self, snapshot: Snapshot) -> str:
        if snapshot.outcome == "succeeded":
            return self.scenario.success_status
        if snapshot.outcome == "failed":
            return "failed"
        if snapshot.outcome == "canceled":
            return "canceled"
        return self.scenario.running_status

    def _error(self, snapshot: Snapshot) -> Any:
        if snapshot.outcome != "failed":
            return None
        if self.scenario.error_as_text:
            return self.scenario.error_message
        return {"code": "OperationFailed", "message": self.scenario.error_message}

    def _cancellation_state(self, snapshot: Snapshot) -> str:
        if snapshot.outcome is not None:
            return "cannotCancel"
        return "cancelRequested" if self.cancel_requested else "canCancel"

    def _step_json(self, step: StepState) -> dict[str, Any]:
        return {
            "id": step.spec.id,
            "stepName": step.spec.name,
            "description": step.spec.description,
            "status": step.status,
            "progressPercentage": step.progress,
            "estimatedTimeFrame": step.spec.estimate,
            "messages": [
                {
                    "messageHtml": event.text,
                    "level": event.level,
                    "timestamp": iso(self.time_of(event.at)),
                }
                for event in sorted(step.events, key=lambda e: e.at)
            ],
        }

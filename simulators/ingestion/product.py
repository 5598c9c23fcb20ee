"""One product in Partner Center: its submissions per target and its configure jobs.

Everything is computed from the scenario and the clock at the moment of asking, so the
same product answers consistently however often (or rarely) it is polled. Not thread-safe
by itself: `IngestionSimulator` calls it under its lock.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from simulators.ingestion.scenario import IngestionScenario, JobError

SCHEMA_HOST = "https://schema.mp.microsoft.com/schema"
PRODUCT_SCHEMA = f"{SCHEMA_HOST}/product/2022-03-01-preview3"
SUBMISSION_SCHEMA = f"{SCHEMA_HOST}/submission/2022-03-01-preview2"
CONFIGURE_SCHEMA = f"{SCHEMA_HOST}/configure/2022-07-01"
CONFIGURE_STATUS_SCHEMA = f"{SCHEMA_HOST}/configure-status/2022-07-01"
NOT_ENDED = "0001-01-01T00:00:00"
LIVE_SUBMISSION = 1  # the submission live before the go-live
PREVIEW_SUBMISSION = 2  # the one the go-live promotes

JobResult = Literal["succeeded", "failed", "cancelled"]


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def product_guid(external_id: str) -> str:
    """A stable durable id per external id, so runs and tests can predict it."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"product-ingestion/{external_id.lower()}"))


@dataclass(frozen=True)
class StageState:
    """Where a job or a submission stands: (`status`, `result`), as the schema spells them."""

    status: Literal["notStarted", "running", "completed"]
    result: Literal["pending", "succeeded", "failed", "cancelled"]
    ended_at: datetime | None = None

    @property
    def completed(self) -> bool:
        return self.status == "completed"


@dataclass
class Job:
    """A configure job that pushes `submission` of `product` to live."""

    product: Product
    submission: int
    created: datetime
    resources: list[dict[str, Any]]
    # An error decided when the job was made (another submission in progress, a preview
    # that cannot go live); None: the scenario decides.
    forced_error: tuple[JobError, str] | None = None
    cancelled_at: datetime | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def ends_at(self) -> datetime:
        if self.forced_error is not None:
            return self.created + self.product.scenario.queued_for
        return self.created + self.product.scenario.job_duration

    @property
    def promotes(self) -> bool:
        """Whether the job ever stood for the submission going live."""
        return self.forced_error is None

    def state(self, now: datetime) -> StageState:
        scenario = self.product.scenario
        if self.cancelled_at is not None and self.cancelled_at <= now:
            return StageState("completed", "cancelled", self.cancelled_at)
        if now >= self.ends_at:
            failed = self.forced_error is not None or scenario.job_error is not None
            return StageState("completed", "failed" if failed else "succeeded", self.ends_at)
        if now < self.created + scenario.queued_for:
            return StageState("notStarted", "pending")
        return StageState("running", "pending")

    def errors(self, now: datetime) -> list[dict[str, Any]]:
        if self.state(now).result != "failed":
            return []
        kind, message = self.forced_error or _scenario_error(self.product.scenario)
        return [_error_item(kind, message, self.product, self.submission)]

    def status_json(self, now: datetime) -> dict[str, Any]:
        state = self.state(now)
        scenario = self.product.scenario
        body: dict[str, Any] = {
            "$schema": CONFIGURE_STATUS_SCHEMA,
            scenario.job_id_key: self.id,
            "jobStatus": _word(state.status, scenario),
            "jobResult": _word(state.result, scenario),
            "jobStart": iso(self.created),
            "jobEnd": iso(state.ended_at) if state.ended_at else NOT_ENDED,
            "errors": self.errors(now),
        }
        if state.result == "succeeded":
            origin = scenario.foreign_origin or "https://product-ingestion.mp.microsoft.com"
            body["resourceUri"] = f"{origin.rstrip('/')}/configure/{self.id}"
        return body


class Product:
    """A product with a live and a preview submission, taken live by configure jobs."""

    def __init__(self, external_id: str, scenario: IngestionScenario, created: datetime) -> None:
        self.external_id = external_id
        self.guid = product_guid(external_id)
        self.scenario = scenario
        self.created = created
        self.jobs: list[Job] = []

    @property
    def id(self) -> str:
        return f"product/{self.guid}"

    def submission_id(self, number: int) -> str:
        return f"submission/{self.guid}/{number}"

    def resource_json(self) -> dict[str, Any]:
        return {
            "$schema": PRODUCT_SCHEMA,
            "id": self.id,
            "identity": {"externalId": self.external_id},
            "type": self.scenario.product_type,
            "alias": self.external_id,
        }

    # -- the submissions -----------------------------------------------------------------
    def preview_state(self) -> StageState | None:
        preview = self.scenario.preview
        finished = self.created - timedelta(days=1)
        if preview == "absent":
            return None
        if preview == "running":
            return StageState("running", "pending")
        if preview == "failed":
            return StageState("completed", "failed", finished)
        return StageState("completed", "succeeded", finished)

    def live_entry(self, now: datetime) -> tuple[int, StageState]:
        """The submission the live target shows now, and its state."""
        if self.scenario.preview == "live":
            return PREVIEW_SUBMISSION, StageState("completed", "succeeded", self.created)
        for job in reversed(self.jobs):
            if not job.promotes or job.created > now:
                continue
            state = job.state(now)
            if not state.completed:
                return job.submission, StageState(state.status, "pending")
            if state.result != "succeeded":
                continue  # the push ended without going live: the earlier live one shows
            live_end = job.ends_at + self.scenario.live_duration
            if now < live_end:
                return job.submission, StageState("running", "pending")
            if self.scenario.live_fails:
                return job.submission, StageState("completed", "failed", live_end)
            return job.submission, StageState("completed", "succeeded", live_end)
        return LIVE_SUBMISSION, StageState("completed", "succeeded", self.created)

    def submissions_json(self, now: datetime, target: str | None) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = [
            {
                "$schema": SUBMISSION_SCHEMA,
                "id": self.submission_id(PREVIEW_SUBMISSION + 1),
                "product": self.id,
                "target": {"targetType": "draft"},
            }
        ]
        preview = self.preview_state()
        if preview is not None:
            entries.append(self._entry(PREVIEW_SUBMISSION, "preview", preview))
        live_number, live = self.live_entry(now)
        entries.append(self._entry(live_number, "live", live))
        if target:
            entries = [e for e in entries if e["target"]["targetType"].lower() == target.lower()]
        return entries

    def _entry(self, number: int, target: str, state: StageState) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "$schema": SUBMISSION_SCHEMA,
            "id": self.submission_id(number),
            "product": self.id,
            "target": {"targetType": target},
            "status": _word(state.status, self.scenario),
            "result": _word(state.result, self.scenario),
            "created": iso(self.created - timedelta(days=2 - min(number, 2))),
        }
        if state.result == "failed" and target == "live":
            entry["errors"] = [
                {"code": "publishFailed", "message": self.scenario.live_error_message}
            ]
        return entry

    # -- going live ----------------------------------------------------------------------
    def in_progress(self, now: datetime) -> int | None:
        """The number of a submission still being published, if any."""
        preview = self.preview_state()
        if preview is not None and not preview.completed:
            return PREVIEW_SUBMISSION
        number, live = self.live_entry(now)
        return None if live.completed else number

    def configure(self, number: int, resources: list[dict[str, Any]], now: datetime) -> Job:
        """Start a job pushing submission `number` to live; what it meets decides its end."""
        busy = self.in_progress(now)
        preview = self.preview_state()
        forced: tuple[JobError, str] | None = None
        if busy is not None:
            forced = ("inProgress", f"An In Progress submission {busy} already exists.")
        elif number != PREVIEW_SUBMISSION or preview is None or preview.result != "succeeded":
            forced = ("failed", f"Submission {number} is not a preview submission that succeeded.")
        elif self.live_entry(now)[0] == number:
            forced = ("failed", f"Submission {number} is already live.")
        job = Job(self, number, now, resources, forced_error=forced)
        self.jobs.append(job)
        return job


def _scenario_error(scenario: IngestionScenario) -> tuple[JobError, str]:
    kind = scenario.job_error or "failed"
    defaults: dict[JobError, str] = {
        "failed": "The plan 'gold' has no price for market 'US'.",
        "certification": (
            "The submission failed certification: the offer's technical configuration "
            "does not meet policy 100.4."
        ),
        "inProgress": f"An In Progress submission {PREVIEW_SUBMISSION + 1} already exists.",
        "notLatest": "The submission cannot be pushed to live as its not the latest submission.",
    }
    return kind, scenario.error_message or defaults[kind]


def _error_item(kind: JobError, message: str, product: Product, number: int) -> dict[str, Any]:
    """An `errors[]` item as the job status shows it (code, message, resourceId, details)."""
    resource = product.submission_id(number)
    if kind == "certification":
        return {
            "code": "internalServerError",
            "message": "Operation failed",
            "resourceId": resource,
            "details": [{"code": "invalidState", "message": message, "resourceId": resource}],
        }
    if kind == "inProgress":
        return {"code": "internalServerError", "message": message, "resourceId": resource}
    if kind == "notLatest":
        return {"code": "conflict", "message": message, "resourceId": resource}
    return {
        "code": "businessValidationError",
        "message": message,
        "resourceId": {"resourceName": "gold-plan"},
        "details": [],
    }


def _word(word: str, scenario: IngestionScenario) -> str:
    return word[0].upper() + word[1:] if scenario.capitalized else word

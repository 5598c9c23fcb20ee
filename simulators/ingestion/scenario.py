"""What one product's go-live through Product Ingestion does: its `IngestionScenario`.

A scenario is chosen per product (by `IngestionSimulator.add_product`, a scenarios JSON
file, or the external id itself, see `scenario_from_external_id`). Its parts compose: a
job that runs for days, a 429 on the job status and a live submission that fails.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

from simulators.durations import parse_duration
from simulators.faults import Fault, FaultTarget, fault_from_word, known_fields

# How the configure job ends when it does not succeed (docs/product-ingestion.md, failure signals):
# failed: errors about the request's resources; certification: invalidState under
# internalServerError "Operation failed"; inProgress: another submission is in progress;
# notLatest: the preview is not the latest submission.
JobError = Literal["failed", "certification", "inProgress", "notLatest"]
# The preview submission before the go-live: ready (completed/succeeded), still being
# published (running), failed, absent, or already live (the live entry has its id).
PreviewState = Literal["ready", "running", "failed", "absent", "live"]
JobIdKey = Literal["jobId", "jobID"]

_JOB_ERRORS: tuple[str, ...] = ("failed", "certification", "inProgress", "notLatest")
_PREVIEW_STATES: tuple[str, ...] = ("ready", "running", "failed", "absent", "live")


@dataclass(frozen=True)
class IngestionScenario:
    """How a submission to live unfolds on the simulator clock; all parts compose.

    The configure job waits `queued_for` (notStarted), runs until `job_duration`, then
    ends; if it succeeded, the live submission runs `live_duration` more and ends
    succeeded, or failed with `live_fails`.
    """

    job_duration: timedelta = timedelta(hours=1)
    queued_for: timedelta = timedelta(minutes=2)
    live_duration: timedelta = timedelta(hours=2)
    reject: bool = False
    reject_message: str = (
        "The request does not match the schema: resources[0].target.targetType is required."
    )
    job_error: JobError | None = None
    error_message: str | None = None
    live_fails: bool = False
    live_error_message: str = (
        "Publishing the submission to live failed: the plan 'gold' has no price."
    )
    preview: PreviewState = "ready"
    job_id_key: JobIdKey = "jobId"
    capitalized: bool = False
    cancellable: bool = True
    product_type: str = "softwareAsAService"
    # Another origin (e.g. a host that must never see the token): the job's `resourceUri`
    # and the submissions listing's `@nextLink` point there.
    foreign_origin: str | None = None
    faults: tuple[Fault, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        for name in ("job_duration", "live_duration"):
            if getattr(self, name) <= timedelta(0):
                raise ValueError(f"{name} must be positive")
        if self.queued_for < timedelta(0):
            raise ValueError("queued_for must not be negative")
        if self.job_error is not None and self.job_error not in _JOB_ERRORS:
            raise ValueError(f"job_error must be one of {_JOB_ERRORS}, not {self.job_error!r}")
        if self.preview not in _PREVIEW_STATES:
            raise ValueError(f"preview must be one of {_PREVIEW_STATES}, not {self.preview!r}")
        if self.job_id_key not in ("jobId", "jobID"):
            raise ValueError("job_id_key must be 'jobId' or 'jobID'")
        for fault in self.faults:
            if fault.on not in _TARGET_WORDS.values():
                raise ValueError(f"fault target {fault.on!r} does not exist in Product Ingestion")

    def with_faults(self, *faults: Fault) -> IngestionScenario:
        return dataclasses.replace(self, faults=self.faults + faults)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IngestionScenario:
        """Read a scenario object from a scenarios file (durations as "3d", "90m" or seconds)."""
        values = known_fields(cls, data, "scenario")
        for name in ("job_duration", "queued_for", "live_duration"):
            if name in values:
                values[name] = parse_duration(values[name])
        if "faults" in values:
            values["faults"] = tuple(Fault.from_json(item) for item in values["faults"])
        return cls(**values)


# -- choosing a scenario from the external id (the offer id) -------------------------------

_TARGET_WORDS: dict[str, FaultTarget] = {
    "post": "golive",
    "get": "operation",
    "cancel": "cancel",
    "product": "product",
    "submission": "submission",
    "any": "any",
}
_DURATION = re.compile(r"(?:\d+[smhd])+")
_LIVE_DURATION = re.compile(r"live(?P<duration>(?:\d+[smhd])+)")
_WORDS: dict[str, dict[str, Any]] = {
    "slow": {"job_duration": timedelta(days=3)},
    "rejected": {"reject": True},
    "jobfailed": {"job_error": "failed"},
    "certfailed": {"job_error": "certification"},
    "inprogress": {"job_error": "inProgress"},
    "stale": {"job_error": "notLatest"},
    "livefailed": {"live_fails": True},
    "busy": {"preview": "running"},
    "previewfailed": {"preview": "failed"},
    "nopreview": {"preview": "absent"},
    "alreadylive": {"preview": "live"},
    "jobidcaps": {"job_id_key": "jobID"},
    "capitalized": {"capitalized": True},
    "nocancel": {"cancellable": False},
}


def scenario_from_external_id(
    external_id: str, base: IngestionScenario | None = None
) -> IngestionScenario:
    """Read scenario words from an external id split on '-'; unknown words are ignored."""
    scenario = base or IngestionScenario()
    changes: dict[str, Any] = {}
    faults: list[Fault] = []
    for token in external_id.lower().split("-"):
        changes.update(_WORDS.get(token, {}))
        if _DURATION.fullmatch(token):
            changes["explicit_duration"] = parse_duration(token)
        elif match := _LIVE_DURATION.fullmatch(token):
            changes["live_duration"] = parse_duration(match.group("duration"))
        elif fault := fault_from_word(token, _TARGET_WORDS):
            faults.append(fault)
    if "explicit_duration" in changes:
        changes["job_duration"] = changes.pop("explicit_duration")
    return dataclasses.replace(scenario, faults=scenario.faults + tuple(faults), **changes)


EXTERNAL_ID_WORDS_HELP = """\
External-id words (the offer id, split on '-'; other words are ignored; combine freely):
  (none)            the job succeeds after the default duration (1h), live 2h later
  90m, 6h, 3d, 1d12h  how long the configure job runs
  slow              the configure job runs 3 days
  live<dur>         how long the live submission runs after the job (e.g. live2d)
  rejected          POST configure answers 400 (schemaValidationError)
  jobfailed         the job ends completed/failed with errors naming a resource
  certfailed        the job ends failed: internalServerError > invalidState, certification
  inprogress        the job ends failed: "An In Progress submission ... already exists."
  stale             the job ends failed: conflict, "... not the latest submission."
  livefailed        the job succeeds, then the live submission ends completed/failed
  busy              the preview submission is still being published (running)
  previewfailed     the preview submission ended failed
  nopreview         there is no preview submission
  alreadylive       the preview submission is already live (same id as the live one)
  jobidcaps         configure answers spell the job id key `jobID`
  capitalized       state words capitalised (Running, Completed, Succeeded)
  nocancel          cancel refused: "Cannot cancel job, job has already completed."
  throttled[<s>], throttleddate[<s>], burst500, burst503, reset, hang[<s>]: faults, with
  x<N> and _post (configure), _get (job status, default), _cancel, _product,
  _submission or _any, e.g. throttled120_get, burst503x5_submission.
  An external id with the word `missing` has no product; `forbidden` gives 403.
"""

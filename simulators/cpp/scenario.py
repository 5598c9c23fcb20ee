"""What one offer's go-live does: its `Scenario` and the `Fault`s its requests meet.

A scenario is chosen per offer (by `CppSimulator.add_offer`, a scenarios JSON file, or the
offer id itself, see `scenario_from_offer_id`) and its parts compose freely: a blocked step,
an array-wrapped body and a 503 burst can all apply to one offer.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

from simulators.cpp.steps import step_index
from simulators.durations import parse_duration
from simulators.faults import Fault, FaultTarget, fault_from_word, known_fields

LocationForm = Literal["migrated", "legacy"]
OperationHeader = Literal["Location", "Operation-Location"]


@dataclass(frozen=True)
class Scenario:
    """How a go-live unfolds; all parts are independent and compose.

    Progress runs on the simulator clock for `duration` of working time, or, when `polls`
    is set, advances one step per successful operation GET and ends at the `polls`-th.
    A blocked step pauses the work for `blocked_for` (or `blocked_polls` GETs) on top.
    """

    duration: timedelta = timedelta(hours=2)
    polls: int | None = None
    fail_at: str | None = None
    error_message: str = "Certification failed: the offer's technical configuration is invalid."
    error_as_text: bool = False
    cancel_at: str | None = None
    blocked_step: str | None = None
    blocked_for: timedelta = timedelta(hours=12)
    blocked_polls: int = 2
    blocked_message: str = (
        "Waiting for the publisher: the offer listing needs a support contact before "
        "certification can continue."
    )
    reject: bool = False
    reject_message: str = "The offer has not been published to preview, so it cannot go live."
    success_status: str = "completed"
    running_status: str = "running"
    location: LocationForm = "migrated"
    operation_header: OperationHeader = "Location"
    # An absolute operation URL on another origin (e.g. a host that must never see the
    # token): makes the 202 carry `Operation-Location: {foreign_origin}{path}`.
    foreign_origin: str | None = None
    array_body: bool = False
    honour_cancel: bool = True
    faults: tuple[Fault, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        for step in (self.fail_at, self.cancel_at, self.blocked_step):
            if step is not None:
                step_index(step)
        if self.polls is not None and self.polls < 1:
            raise ValueError("polls must be at least 1")
        if self.duration <= timedelta(0):
            raise ValueError("duration must be positive")
        if self.location not in ("migrated", "legacy"):
            raise ValueError("location must be 'migrated' or 'legacy'")
        if self.operation_header not in ("Location", "Operation-Location"):
            raise ValueError("operation_header must be 'Location' or 'Operation-Location'")

    def with_faults(self, *faults: Fault) -> Scenario:
        return dataclasses.replace(self, faults=self.faults + faults)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Scenario:
        """Read a scenario object from a scenarios file (durations as "3d", "90m" or seconds)."""
        values = known_fields(cls, data, "scenario")
        for name in ("duration", "blocked_for"):
            if name in values:
                values[name] = parse_duration(values[name])
        if "faults" in values:
            values["faults"] = tuple(Fault.from_json(item) for item in values["faults"])
        return cls(**values)


# -- choosing a scenario from the offer id ------------------------------------------------

UNKNOWN_STATUS_WORD = "queuedForRollout"
_TARGET_WORDS: dict[str, FaultTarget] = {
    "post": "golive",
    "get": "operation",
    "cancel": "cancel",
    "any": "any",
}
_STEP_TOKEN = re.compile(r"(?P<name>fail|blocked|canceled|cancelled)(?P<step>[a-z]*)")
_DURATION_TOKEN = re.compile(r"(?:\d+[smhd])+")


def scenario_from_offer_id(offer_id: str, base: Scenario | None = None) -> Scenario:
    """Read scenario words from an offer id split on '-'; words it does not know are ignored.

    So `contoso-app` is a plain success and `contoso-app-slow-blocked-array` takes three
    days, blocks at certification and wraps the operation in an array. docs/simulators.md
    lists the words.
    """
    scenario = base or Scenario()
    changes: dict[str, Any] = {}
    faults: list[Fault] = []
    for token in offer_id.lower().split("-"):
        changes.update(_simple_word(token))
        if _DURATION_TOKEN.fullmatch(token):
            changes["explicit_duration"] = parse_duration(token)
        elif match := re.fullmatch(r"polls(\d+)", token):
            changes["polls"] = max(1, int(match.group(1)))
        elif match := _STEP_TOKEN.fullmatch(token):
            changes.update(_step_word(match.group("name"), match.group("step") or "certification"))
        elif fault := fault_from_word(token, _TARGET_WORDS):
            faults.append(fault)
    if "explicit_duration" in changes:
        changes["duration"] = changes.pop("explicit_duration")
    return dataclasses.replace(scenario, faults=scenario.faults + tuple(faults), **changes)


def _simple_word(token: str) -> dict[str, Any]:
    words: dict[str, dict[str, Any]] = {
        "slow": {"duration": timedelta(days=3)},
        "rejected": {"reject": True},
        "legacy": {"location": "legacy"},
        "oploc": {"operation_header": "Operation-Location"},
        "array": {"array_body": True},
        "succeeded": {"success_status": "Succeeded"},
        "complete": {"success_status": "Complete"},
        "unknownstatus": {"running_status": UNKNOWN_STATUS_WORD},
        "errtext": {"error_as_text": True},
        "ignorecancel": {"honour_cancel": False},
    }
    return words.get(token, {})


def _step_word(name: str, step: str) -> dict[str, Any]:
    try:
        step_index(step)
    except ValueError:
        return {}
    if name == "fail":
        return {"fail_at": step}
    if name == "blocked":
        return {"blocked_step": step}
    return {"cancel_at": step}


OFFER_ID_WORDS_HELP = """\
Offer-id words (split the offer id on '-'; other words are ignored; combine freely):
  (none)            succeed after the default duration (2h of scenario time)
  90m, 6h, 3d, 1d12h  working time before success
  slow              working time of 3 days
  polls<N>          advance by operation GETs instead of time; the N-th GET ends it
  fail[<step>]      fail in the middle of <step> (default certification) with an error
  errtext           the operation's `error` is a plain string, not {code, message}
  blocked[<step>]   <step> (default certification) is `blocked` waiting for the publisher,
                    for 12h (or 2 GETs with polls<N>), then resumes
  canceled[<step>]  the operation ends `canceled` in the middle of <step>
  ignorecancel      POST .../cancel answers 202 but the go-live carries on
  rejected          POST .../golive answers 400 (InvalidOfferState)
  legacy            Location is /api/operations/{p}${o}${v}$preview (literal $)
  oploc             absolute Operation-Location header instead of relative Location
  array             the operation body is wrapped in a one-element JSON array
  succeeded, complete  the success status word is `Succeeded` / `Complete`
  unknownstatus     while running, status is an unknown word (queuedForRollout)
  throttled[<s>]    one 429 with Retry-After: <s> seconds (default 30)
  throttleddate[<s>]  one 429 with Retry-After as an HTTP date <s> seconds ahead
  burst500, burst503  three 500 / 503 answers in a row
  reset             the connection is reset instead of answered
  hang[<s>]         the answer comes after <s> seconds (default: --slow-answer)
  Fault words take x<N> for N times and _post|_get|_cancel|_any for the request they hit
  (default _get = operation GET), e.g. burst503x5_post, throttleddate120x2.
  Steps: validation, certification, provisioning, packaging, live.
  A publisher or offer word `missing` gives 404; a publisher word `forbidden` gives 403.
"""

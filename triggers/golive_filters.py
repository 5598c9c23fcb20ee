"""The filters of `GET /api/golive`, read strictly from the query string.

A typo in a filter must not silently widen the answer (an operator cancelling "every
blocked go-live of contoso" must not get everyone's), so unknown parameters and values
are refused with the list of what is accepted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import azure.durable_functions as df

from golive import events
from golive.apis import GoLiveApi
from golive.errors import InvalidFilterError, InvalidRequestError
from golive.go_live_request import INSTANCE_ID_PREFIX, INSTANCE_ID_SEPARATOR, parse_http_request
from golive.run_status import Phase

PHASES = tuple(str(phase) for phase in Phase)
APIS = tuple(api.value for api in GoLiveApi)
OUTCOMES = {
    "succeeded": events.SUCCEEDED,
    "failed": events.FAILED,
    "canceled": events.CANCELED,
    "timedout": events.TIMED_OUT,
    "rejected": events.REJECTED,
}
# "none": no outcome decided yet.
NO_OUTCOME = "none"
DEFAULT_TOP = 25
MAX_TOP = 100
# Query parameters the route reads; `code` is the function key on Azure, not a filter.
PARAMETERS = (
    "phase",
    "outcome",
    "api",
    "needsPerson",
    "publisher",
    "running",
    "top",
    "continuationToken",
    "code",
)
_RUNNING = (
    df.OrchestrationRuntimeStatus.Running,
    df.OrchestrationRuntimeStatus.Pending,
    df.OrchestrationRuntimeStatus.ContinuedAsNew,
    df.OrchestrationRuntimeStatus.Suspended,
)
_ENDED = (
    df.OrchestrationRuntimeStatus.Completed,
    df.OrchestrationRuntimeStatus.Failed,
    df.OrchestrationRuntimeStatus.Terminated,
    df.OrchestrationRuntimeStatus.Canceled,
)


@dataclass(frozen=True)
class GoLiveFilter:
    """Which go-lives to list; None (or empty) means "any"."""

    phases: frozenset[str] = frozenset()
    outcomes: frozenset[str | None] = frozenset()
    apis: frozenset[str] = frozenset()
    needs_person: bool | None = None
    publisher: str | None = None
    running: bool | None = None
    top: int = DEFAULT_TOP

    def runtime_statuses(self) -> tuple[df.OrchestrationRuntimeStatus, ...]:
        """The runtime statuses the extension can filter on itself."""
        if self.running is False and not self.needs_person:
            return _ENDED
        if self.running or self.needs_person:
            return _RUNNING
        return ()

    def instance_id_prefix(self) -> str:
        """Go-live instances only (of one publisher when asked): the task hub may hold others."""
        sep = INSTANCE_ID_SEPARATOR
        if self.publisher is None:
            return f"{INSTANCE_ID_PREFIX}{sep}"
        return f"{INSTANCE_ID_PREFIX}{sep}{self.publisher.lower()}{sep}"

    def matches(self, row: Mapping[str, Any]) -> bool:
        """True when a row of `go_live_row` passes every filter."""
        running = row.get("runtimeStatus") in {s.value for s in _RUNNING}
        return (
            (not self.phases or row.get("phase") in self.phases)
            and (not self.outcomes or row.get("outcome") in self.outcomes)
            and (not self.apis or row.get("api") in self.apis)
            and (self.needs_person is None or bool(row.get("needsPerson")) == self.needs_person)
            and (self.running is None or running == self.running)
            and (self.publisher is None or row.get("publisherId") == self.publisher.lower())
        )


def parse_filter(query: Mapping[str, Sequence[str]]) -> GoLiveFilter:
    """Read the filters from query parameters (each name to all of its values)."""
    unknown = sorted(set(query) - set(PARAMETERS))
    if unknown:
        allowed = ", ".join(p for p in PARAMETERS if p != "code")
        raise InvalidFilterError(f"unknown parameter(s) {', '.join(unknown)}; use {allowed}")
    return GoLiveFilter(
        phases=frozenset(_choices(query, "phase", {p: p for p in PHASES})),
        outcomes=frozenset(_outcomes(query)),
        apis=frozenset(_choices(query, "api", {a.lower(): a for a in APIS})),
        needs_person=_flag(query, "needsPerson"),
        publisher=_publisher(query),
        running=_flag(query, "running"),
        top=_top(query),
    )


def _values(query: Mapping[str, Sequence[str]], name: str) -> list[str]:
    """Every comma-separated value given for `name`, blanks dropped."""
    return [
        part.strip() for value in query.get(name, ()) for part in value.split(",") if part.strip()
    ]


def _single(query: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = query.get(name, ())
    if len(values) > 1:
        raise InvalidFilterError(f"{name} may be given once")
    return values[0].strip() if values else None


def _choices(query: Mapping[str, Sequence[str]], name: str, known: Mapping[str, str]) -> list[str]:
    chosen = []
    for value in _values(query, name):
        canonical = known.get(value.lower()) or known.get(value)
        if canonical is None:
            raise InvalidFilterError(
                f"{name} {value!r} is not one of {', '.join(sorted(set(known.values())))}"
            )
        chosen.append(canonical)
    return chosen


def _outcomes(query: Mapping[str, Sequence[str]]) -> list[str | None]:
    chosen: list[str | None] = []
    by_type = {event_type.lower(): event_type for event_type in OUTCOMES.values()}
    for value in _values(query, "outcome"):
        word = value.lower()
        if word == NO_OUTCOME:
            chosen.append(None)
        elif word in OUTCOMES or word in by_type:
            chosen.append(OUTCOMES.get(word) or by_type[word])
        else:
            names = "Succeeded, Failed, Canceled, TimedOut, Rejected, none"
            raise InvalidFilterError(f"outcome {value!r} is not one of {names}")
    return chosen


def _flag(query: Mapping[str, Sequence[str]], name: str) -> bool | None:
    value = _single(query, name)
    if value is None:
        return None
    if value.lower() not in ("true", "false"):
        raise InvalidFilterError(f"{name} must be true or false, not {value!r}")
    return value.lower() == "true"


def _publisher(query: Mapping[str, Sequence[str]]) -> str | None:
    value = _single(query, "publisher")
    if value is None:
        return None
    try:
        parse_http_request(value, "x", b"")
    except InvalidRequestError as error:
        raise InvalidFilterError(f"publisher: {error.reason}") from None
    return value


def _top(query: Mapping[str, Sequence[str]]) -> int:
    value = _single(query, "top")
    if value is None:
        return DEFAULT_TOP
    if not value.isdigit() or not 1 <= int(value) <= MAX_TOP:
        raise InvalidFilterError(f"top must be a whole number from 1 to {MAX_TOP}, not {value!r}")
    return int(value)

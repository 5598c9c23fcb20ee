"""Faults shared by the API simulators: which request meets which fault, what it then sees.

A `Fault` names the requests it hits (`on`: the go-live request, polls of the operation,
cancels, and for Product Ingestion the product and submission reads) and what they meet
(an error status, a reset, a slow answer). Faults on the same target fire in the order they
were added: each lets `after` matching requests through, then answers the next `times`
itself, then stands aside.
"""

from __future__ import annotations

import asyncio
import dataclasses
import email.utils
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from aiohttp import web

from simulators.server import drop_connection, error_response

# golive: the request to go live (CPP POST golive, Product Ingestion POST configure);
# operation: a poll of what it started (CPP operation GET, Product Ingestion job status);
# product, submission: Product Ingestion's reads before and after the job.
FaultTarget = Literal["golive", "operation", "cancel", "product", "submission", "any"]
FaultKind = Literal["status", "reset", "slow"]

_TARGETS: tuple[str, ...] = ("golive", "operation", "cancel", "product", "submission", "any")
_KINDS: tuple[str, ...] = ("status", "reset", "slow")
TRANSIENT_MESSAGE = "We cannot complete the request now, please try again later."


@dataclass(frozen=True)
class Fault:
    """A misbehaviour met by matching requests: the `times` requests after the first `after`.

    `takes_effect` says whether the request is still carried out behind the fault (e.g. a
    go-live that starts although the client sees a reset); by default only slow answers do.
    """

    kind: FaultKind = "status"
    on: FaultTarget = "operation"
    times: int = 1
    after: int = 0
    status: int = 503
    retry_after: int | None = None
    retry_after_as_date: bool = False
    delay: float | None = None
    takes_effect: bool | None = None

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"fault kind must be one of {_KINDS}, not {self.kind!r}")
        if self.on not in _TARGETS:
            raise ValueError(f"fault target must be one of {_TARGETS}, not {self.on!r}")
        if self.times < 1 or self.after < 0:
            raise ValueError("a fault needs times >= 1 and after >= 0")

    @classmethod
    def throttled(
        cls,
        seconds: int = 30,
        *,
        as_date: bool = False,
        on: FaultTarget = "operation",
        times: int = 1,
        after: int = 0,
    ) -> Fault:
        """429 with `Retry-After` in seconds, or as an HTTP date on the scenario clock."""
        return cls("status", on, times, after, 429, seconds, as_date)

    @classmethod
    def server_errors(
        cls, status: int = 503, *, times: int = 3, on: FaultTarget = "operation", after: int = 0
    ) -> Fault:
        """A burst of 5xx answers with the transient error body seen in the wild."""
        return cls("status", on, times, after, status)

    @classmethod
    def connection_reset(
        cls,
        *,
        on: FaultTarget = "operation",
        times: int = 1,
        after: int = 0,
        takes_effect: bool = False,
    ) -> Fault:
        """The TCP connection is reset instead of answered."""
        return cls("reset", on, times, after, takes_effect=takes_effect)

    @classmethod
    def slow_answer(
        cls,
        delay: float | None = None,
        *,
        on: FaultTarget = "operation",
        times: int = 1,
        after: int = 0,
    ) -> Fault:
        """The answer comes after `delay` seconds (None: the simulator's slow_answer_delay)."""
        return cls("slow", on, times, after, delay=delay)

    def matches(self, target: FaultTarget) -> bool:
        return self.on in ("any", target)

    @property
    def processed(self) -> bool:
        """Whether the request is carried out even though the client meets the fault."""
        if self.kind == "slow":
            return True  # a slow answer is still an answer
        return bool(self.takes_effect)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        return cls(**known_fields(cls, data, "fault"))


def known_fields(kind: type, data: dict[str, Any], label: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValueError(f"a {label} must be a JSON object")
    names = {f.name for f in dataclasses.fields(kind)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ValueError(f"unknown {label} field(s) {unknown}; known: {sorted(names)}")
    return dict(data)


@dataclass
class _Entry:
    fault: Fault
    seen: int = 0
    used: int = 0


class FaultBook:
    """The faults waiting for one offer (or for every offer)."""

    def __init__(self, faults: tuple[Fault, ...] = ()) -> None:
        self._entries = [_Entry(fault) for fault in faults]

    def add(self, fault: Fault) -> None:
        self._entries.append(_Entry(fault))

    def take(self, target: FaultTarget) -> Fault | None:
        """The fault this request meets, if any; counts the request either way."""
        for entry in self._entries:
            if not entry.fault.matches(target) or entry.used >= entry.fault.times:
                continue
            entry.seen += 1
            if entry.seen > entry.fault.after:
                entry.used += 1
                return entry.fault
            return None
        return None


def status_answer(fault: Fault, now: datetime) -> web.Response:
    """An error answer with the body real services send, and `Retry-After` if asked."""
    # The server's Date is its own (scenario) clock, so that a client computing an HTTP-date
    # Retry-After against Date gets the intended wait under virtual time too.
    server_date = email.utils.format_datetime(now.astimezone(UTC), usegmt=True)
    headers: dict[str, str] = {"Date": server_date}
    if fault.retry_after is not None:
        if fault.retry_after_as_date:
            moment = (now + timedelta(seconds=fault.retry_after)).astimezone(UTC)
            headers["Retry-After"] = email.utils.format_datetime(moment, usegmt=True)
        else:
            headers["Retry-After"] = str(fault.retry_after)
    if fault.status == 429:
        return error_response(
            429, "TooManyRequests", "Rate limit is exceeded. Try again later.", headers
        )
    codes = {500: "InternalServerError", 502: "BadGateway", 503: "ServiceUnavailable"}
    code = codes.get(fault.status, "InternalServerError")
    return error_response(fault.status, code, TRANSIENT_MESSAGE, headers)


async def answer_with_fault(
    request: web.Request,
    fault: Fault,
    processed: web.Response | None,
    now: datetime,
    slow_delay: float,
) -> web.Response:
    """Turn a request that met `fault` into what the client sees."""
    if fault.kind == "reset":
        return drop_connection(request)
    if fault.kind == "slow":
        await asyncio.sleep(fault.delay if fault.delay is not None else slow_delay)
        if processed is None:
            raise RuntimeError("a slow answer needs the processed response")
        return processed
    return status_answer(fault, now)


FAULT_WORD = re.compile(
    r"(?P<name>throttleddate|throttled|burst500|burst503|reset|hang)"
    r"(?P<param>\d+)?(?:x(?P<times>\d+))?(?:_(?P<target>[a-z]+))?"
)


def fault_from_word(token: str, targets: Mapping[str, FaultTarget]) -> Fault | None:
    """A fault word such as `burst503x5_post` (see the simulators' help), or None.

    `targets` maps the suffix words a simulator knows to the requests they hit; no suffix
    means polls of the operation. A word with an unknown suffix is not a fault word.
    """
    match = FAULT_WORD.fullmatch(token)
    if match is None:
        return None
    target = targets.get(match.group("target") or "get")
    if target is None:
        return None
    name = match.group("name")
    param = int(match.group("param")) if match.group("param") else None
    times = int(match.group("times")) if match.group("times") else None
    if name in ("throttled", "throttleddate"):
        return Fault.throttled(
            30 if param is None else param,
            as_date=name == "throttleddate",
            on=target,
            times=times or 1,
        )
    if name in ("burst500", "burst503"):
        return Fault.server_errors(int(name[-3:]), times=times or 3, on=target)
    if name == "reset":
        return Fault.connection_reset(on=target, times=times or 1)
    return Fault.slow_answer(None if param is None else float(param), on=target, times=times or 1)

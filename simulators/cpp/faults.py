"""Which request meets which fault, and what the client then sees.

Faults on the same target fire in the order they were added: each lets `after` matching
requests through, then answers the next `times` itself, then stands aside.
"""

from __future__ import annotations

import asyncio
import email.utils
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aiohttp import web

from simulators.cpp.scenario import Fault, FaultTarget
from simulators.server import drop_connection, error_response

TRANSIENT_MESSAGE = "We cannot complete the request now, please try again later."


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

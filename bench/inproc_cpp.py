"""CPP operations answered in-process, for benchmarks that measure orchestration alone.

Each operation is the CPP simulator's own `Operation` with `Scenario(polls=N)`: one step
per poll, done at the N-th. Its URL names N and how many polls it had already answered,
so a benchmark can begin a go-live part-way through (as continue-as-new would carry it)
and the operation stands where that go-live left it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from golive.activity_results import OperationStatus
from golive.operation import OperationSnapshot, parse_operation
from simulators.cpp import Operation, Scenario

BASE_URL = "https://cpp.bench.invalid"


def operation_url(publisher_id: str, total_polls: int, done: int = 0) -> str:
    """Where the operation of a `total_polls`-poll go-live lives, `done` polls in."""
    return f"{BASE_URL}/api/publishers/{publisher_id}/offers/polls-{total_polls}?done={done}"


def new_operation(url: str) -> Operation:
    """The operation behind `url`, already polled as often as the URL says."""
    parts = urlsplit(url)
    offer = parts.path.rstrip("/").rsplit("/", 1)[-1]
    prefix, _, count = offer.rpartition("-")
    if prefix != "polls" or not count.isdigit():
        raise ValueError(f"bench operations are for offers named polls-N, not {offer!r}")
    done = int(parse_qs(parts.query).get("done", ["0"])[0])
    now = datetime.now(UTC)
    operation = Operation(
        publisher=parts.path.split("/")[3],
        offer=offer,
        scenario=Scenario(polls=int(count)),
        created=now,
        publishing_version=2,
    )
    for _ in range(done):
        operation.record_poll(now)
    return operation


def poll(operation: Operation) -> dict[str, object]:
    """One GET: the operation advances a step and answers as the app's client would."""
    now = datetime.now(UTC)
    operation.record_poll(now)
    return OperationStatus(snapshot=parse_operation(operation.to_json(now))).to_json()


def snapshot_after(url: str) -> OperationSnapshot:
    """The snapshot a go-live holds after the polls `url` says were answered."""
    operation = new_operation(url)
    return parse_operation(operation.to_json(datetime.now(UTC)))

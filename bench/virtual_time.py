"""Virtual time: wall time to run one go-live of 3 and of 16 simulated days end to end.

The demo's path (demo/): Azurite, the CPP, Event Grid and identity simulators and the app on
devhost with a virtual clock; the go-live goes in as a queue message and the demo's own
progress loop (reading the status route every 0.1 s) follows it. The operation takes the
given number of days, half a day of it blocked at certification (an ActionRequired event),
as in `make run`. Printed: wall time, polls, wall ms per poll, and where the time went as devhost
counts it (SDK replay inside handle(), the rest of devhost's episode work and commits,
activities including their HTTP calls), with the process CPU.
Goal: 16 days in under 10 s on 2 cores.

Run: `.venv/bin/python -m bench.virtual_time`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from bench.table import print_table
from demo.stack import LocalStack, run_local_stack
from simulators.cpp import Scenario

DAYS = (3, 16)
PUBLISHER = "contoso"
WALL_LIMIT_SECONDS = 600.0


@dataclass(frozen=True)
class Timing:
    days: int
    wall_seconds: float
    cpu_seconds: float
    polls: int
    episodes: int
    handle_seconds: float
    episode_seconds: float
    succeeded: bool


def scenario(days: int) -> Scenario:
    """`days` in all, the last half day of work blocked at certification (as the demo)."""
    return Scenario(
        duration=timedelta(days=days) - timedelta(hours=12),
        blocked_step="certification",
        blocked_for=timedelta(hours=12),
    )


def follow(stack: LocalStack, offer: str) -> str:
    """What the demo's progress loop does: read the status route every 0.1 s until the end."""
    started = time.monotonic()
    while time.monotonic() - started < WALL_LIMIT_SECONDS:
        status = stack.status(PUBLISHER, offer)
        if status and status.get("runtimeStatus") in {"Completed", "Failed", "Terminated"}:
            return str(status["runtimeStatus"])
        time.sleep(0.1)
    raise SystemExit(f"the {offer} go-live did not finish within {WALL_LIMIT_SECONDS:.0f} s")


def one_go_live(stack: LocalStack, days: int) -> Timing:
    offer = offer_id(days)
    stats = stack.devhost.runtime.stats
    episodes, handle, work = stats.episodes, stats.handle_seconds, stats.episode_seconds
    cpu, wall = time.process_time(), time.perf_counter()
    stack.send_go_live({"publisherId": PUBLISHER, "offerId": offer, "requestId": offer})
    outcome = follow(stack, offer)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    (operation,) = [o for o in stack.cpp.operations if o.offer == offer]
    return Timing(
        days=days,
        wall_seconds=wall,
        cpu_seconds=cpu,
        polls=len(operation.poll_times),
        episodes=stats.episodes - episodes,
        handle_seconds=stats.handle_seconds - handle,
        episode_seconds=stats.episode_seconds - work,
        succeeded=outcome == "Completed",
    )


def offer_id(days: int) -> str:
    return f"virtual-{days}d"


def main() -> None:
    logging.disable(logging.WARNING)
    # One stack for both: the app reads its settings once per process, as on Azure.
    scenarios = {(PUBLISHER, offer_id(days)): scenario(days) for days in DAYS}
    with run_local_stack(scenarios=scenarios) as stack:
        timings = [one_go_live(stack, days) for days in DAYS]
    rows = [
        [
            f"{t.days} days",
            "yes" if t.succeeded else "NO",
            t.wall_seconds,
            t.cpu_seconds,
            t.polls,
            t.wall_seconds * 1e3 / t.polls,
            t.episodes,
            t.handle_seconds,
            t.episode_seconds - t.handle_seconds,
            t.wall_seconds - t.episode_seconds,
        ]
        for t in timings
    ]
    print_table(
        "Virtual time: one go-live end to end on the demo's path (goal: 16 days < 10 s)",
        [
            "go-live",
            "succeeded",
            "wall s",
            "CPU s",
            "CPP GETs",
            "wall ms/GET",
            "episodes",
            "replay s (handle)",
            "devhost episode s",
            "rest s (activities, HTTP, idle)",
        ],
        rows,
    )


if __name__ == "__main__":
    main()

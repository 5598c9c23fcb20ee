"""API economy: CPP GETs and detection delay, our poll policy against a fixed 30 s poller.

For operations lasting 10 minutes, 6 hours, 3 days and 16 days it prints:
- GETs and detection delay (operation finished -> completion event) of the app, measured
  end to end: the four go-lives run at once through the demo's stack (Azurite, the CPP,
  Event Grid and identity simulators, the app on devhost in virtual time), started by queue
  messages. GETs are the operation GETs the CPP simulator answered; the delay is the
  completion event's time minus the moment the simulated operation finished;
- the same two figures from the poll policy evaluated directly (golive/policy.py with the
  app's default settings, the rule orchestrators/go_live.py applies: poll at once, then wait
  `interval(polls - 1)`), which must agree with the measurement, and the policy's worst and
  mean delay for operations ending anywhere in the next poll cap after that duration;
- a fixed 30-second poller (what public publishing scripts do): GETs, and its delay, at
  worst 30 s and 15 s on average.
Goal: at least 20x fewer calls from 6 hours up, delay never above the poll cap.

Run: `.venv/bin/python -m bench.api_economy`.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from bench.table import print_table
from demo.stack import LocalStack, run_local_stack
from golive.events import SUCCEEDED
from golive.policy import PollPolicy
from golive.settings import OrchestrationConfig
from simulators.cpp import Scenario

DURATIONS = {
    "10 min": timedelta(minutes=10),
    "6 h": timedelta(hours=6),
    "3 days": timedelta(days=3),
    "16 days": timedelta(days=16),
}
FIXED_INTERVAL = 30.0
PUBLISHER = "economy"
WALL_LIMIT_SECONDS = 900.0


@dataclass(frozen=True)
class Polling:
    """How one go-live was followed: GETs made and seconds from finish to detection."""

    gets: int
    delay_seconds: float


def policy_polling(policy: PollPolicy, duration: float) -> Polling:
    """Poll at once, then after `interval(polls - 1)`, until a poll sees the end."""
    moment, gets = 0.0, 1
    while moment < duration:
        moment += policy.interval(gets - 1).total_seconds()
        gets += 1
    return Polling(gets, moment - duration)


def fixed_polling(duration: float) -> Polling:
    """GET every 30 s from the start until one sees the end."""
    polls_after_start = math.ceil(duration / FIXED_INTERVAL)
    return Polling(polls_after_start + 1, polls_after_start * FIXED_INTERVAL - duration)


def policy_delays(policy: PollPolicy, duration: float) -> tuple[float, float]:
    """Worst and mean delay for operations ending anywhere in one poll cap after `duration`."""
    cap = policy.maximum.total_seconds()
    delays = [
        policy_polling(policy, duration + cap * step / 200).delay_seconds for step in range(200)
    ]
    return max(delays), sum(delays) / len(delays)


def offer_id(label: str) -> str:
    return "economy-" + label.replace(" ", "")


def measured(stack: LocalStack) -> dict[str, Polling]:
    """Run the four go-lives at once on the stack; GETs and delay of each."""
    for label in DURATIONS:
        stack.send_go_live({"publisherId": PUBLISHER, "offerId": offer_id(label)})
    started = time.monotonic()
    while True:
        finished = {
            event["data"]["offerId"]: event
            for event in stack.eventgrid.events
            if event["type"].startswith("Marketplace.GoLive.")
            and event["type"] != "Marketplace.GoLive.ActionRequired"
        }
        if len(finished) == len(DURATIONS):
            break
        if time.monotonic() - started > WALL_LIMIT_SECONDS:
            raise SystemExit(f"go-lives did not finish in {WALL_LIMIT_SECONDS:.0f} s")
        time.sleep(0.05)
    results = {}
    operations = {operation.offer: operation for operation in stack.cpp.operations}
    for label, duration in DURATIONS.items():
        event = finished[offer_id(label)]
        if event["type"] != SUCCEEDED:
            raise SystemExit(f"{label}: {event['type']}")
        operation = operations[offer_id(label)]
        ended = operation.created + duration
        # Event times carry milliseconds: round so that a truncated instant does not read -0.
        delay = round((datetime.fromisoformat(event["time"]) - ended).total_seconds(), 1) + 0.0
        results[label] = Polling(len(operation.poll_times), delay)
    return results


def main() -> None:
    logging.disable(logging.WARNING)
    policy = OrchestrationConfig.defaults().poll_policy()
    scenarios = {
        (PUBLISHER, offer_id(label)): Scenario(duration=duration)
        for label, duration in DURATIONS.items()
    }
    started = time.perf_counter()
    with run_local_stack(scenarios=scenarios) as stack:
        stack_started = time.perf_counter()
        app = measured(stack)
        stack_seconds = time.perf_counter() - stack_started
    rows = []
    for label, duration in DURATIONS.items():
        seconds = duration.total_seconds()
        model = policy_polling(policy, seconds)
        fixed = fixed_polling(seconds)
        worst, mean = policy_delays(policy, seconds)
        rows.append(
            [
                label,
                app[label].gets,
                model.gets,
                fixed.gets,
                f"{fixed.gets / app[label].gets:.1f}x",
                app[label].delay_seconds,
                model.delay_seconds,
                worst,
                mean,
                f"{FIXED_INTERVAL:.0f} / {FIXED_INTERVAL / 2:.0f}",
            ]
        )
    print_table(
        f"CPP GETs and detection delay: poll policy {policy.initial.total_seconds():.0f} s "
        f"x{policy.factor:g} up to {policy.maximum.total_seconds():.0f} s vs a fixed "
        f"{FIXED_INTERVAL:.0f} s poller (stack run {stack_seconds:.1f} s wall, "
        f"{time.perf_counter() - started:.1f} s with start-up)",
        [
            "operation",
            "GETs (app)",
            "GETs (policy)",
            "GETs (30 s)",
            "fewer calls",
            "delay s (app)",
            "delay s (policy)",
            "worst s (policy)",
            "mean s (policy)",
            "worst/mean s (30 s)",
        ],
        rows,
    )


if __name__ == "__main__":
    main()

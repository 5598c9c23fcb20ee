"""`python -m demo run` (make run) and `python -m demo serve` (make serve).

run:   two go-lives sent through the queue, as an upstream system would: a CPP offer
       whose operation takes three simulated days, half a day of it blocked at
       certification, then a Partner Center product through Product Ingestion whose
       configure job runs a day and its live submission most of another; live progress,
       the ActionRequired and completion events; exit 0.
serve: the same stack kept running for trying the HTTP routes by hand (both APIs).
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import time
import uuid
from datetime import timedelta
from typing import Any

from demo.stack import STATUS_READ_SECONDS, LocalStack, run_local_stack
from simulators.cpp import Scenario
from simulators.ingestion import IngestionScenario

PUBLISHER = "contoso"
OFFER = "contoso-analytics"
# Two and a half days of work plus half a day blocked at certification: three days in all.
DEMO_SCENARIO = Scenario(
    duration=timedelta(days=2, hours=12),
    blocked_step="certification",
    blocked_for=timedelta(hours=12),
)
INGESTION_OFFER = "contoso-insights-saas"
DEMO_PRODUCT = IngestionScenario(
    job_duration=timedelta(days=1, hours=6), live_duration=timedelta(hours=18)
)
WALL_LIMIT_SECONDS = 50.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m demo",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", choices=["run", "serve"])
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        help="devhost port (serve: 7071 by default; run: any free port)",
    )
    parser.add_argument(
        "--real-time",
        action="store_true",
        help="serve only: run timers on the wall clock instead of virtual time",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "run":
        return run_demo(args.port or 0)
    return serve(args.port if args.port is not None else 7071, virtual_time=not args.real_time)


def run_demo(port: int) -> int:
    say(
        "starting Azurite, the CPP / Event Grid / managed-identity simulators and devhost "
        "(virtual time)..."
    )
    with run_local_stack(
        scenarios={(PUBLISHER, OFFER): DEMO_SCENARIO},
        products={INGESTION_OFFER: DEMO_PRODUCT},
        port=port,
    ) as stack:
        say(f"devhost serving the app at {stack.base_url}")
        results = []
        for offer, api in ((OFFER, "cpp"), (INGESTION_OFFER, "productIngestion")):
            message = {
                "publisherId": PUBLISHER,
                "offerId": offer,
                "requestId": f"demo-{uuid.uuid4().hex[:8]}",
                "correlationId": "make-run",
                "api": api,
            }
            say(f"--- go-live through {api}")
            say(f"queue {stack.queue_name} <- {json.dumps(message)}")
            stack.send_go_live(message)
            results.append(follow(stack, offer))
        return max(results)


def follow(stack: LocalStack, offer: str) -> int:
    """Print progress as it changes and each event as Event Grid receives it."""
    started_wall = time.monotonic()
    started_sim = stack.clock.now()
    last_line = ""
    printed_events = len(stack.eventgrid.events)
    while time.monotonic() - started_wall < WALL_LIMIT_SECONDS:
        status = stack.status(PUBLISHER, offer)
        if status is not None:
            line = progress_line(status)
            if line != last_line:
                elapsed = stack.clock.now() - started_sim
                say(f"[sim +{format_elapsed(elapsed)}] {line}")
                last_line = line
        events = stack.eventgrid.events
        for event in events[printed_events:]:
            show_event(event)
        printed_events = len(events)
        if status and status.get("runtimeStatus") in {"Completed", "Failed", "Terminated"}:
            wall = time.monotonic() - started_wall
            say(
                f"done: {status['runtimeStatus']}, outcome {status.get('outcome')}, "
                f"{status.get('polls')} polls, {format_elapsed(stack.clock.now() - started_sim)} "
                f"simulated in {wall:.1f} s"
            )
            return 0 if status["runtimeStatus"] == "Completed" else 1
        time.sleep(STATUS_READ_SECONDS)
    say(f"the go-live did not finish within {WALL_LIMIT_SECONDS:.0f} s")
    return 1


def progress_line(status: dict[str, Any]) -> str:
    """One line of what changed; polls rounded while running so that every poll is not a
    new line, exact once the run has finished."""
    polls = status.get("polls") or 0
    running = status.get("phase") != "finished"
    shown_polls = polls - polls % 25 if running and polls > 25 else polls
    if status.get("api") == "productIngestion":
        stages = status.get("productIngestion") or {}

        def shown(key: str) -> str:
            return str(stages.get(key) or "-")

        return (
            f"phase={status.get('phase')} stage={shown('stage')} "
            f"job={shown('jobStatus')}/{shown('jobResult')} "
            f"live={shown('liveStatus')}/{shown('liveResult')} polls={shown_polls}"
        )
    step = status.get("currentStep")
    step_status = next(
        (s.get("status") for s in status.get("steps") or [] if s.get("name") == step), None
    )
    shown_step = f"{step} ({step_status})" if step_status else str(step)
    return (
        f"phase={status.get('phase')} cpp={status.get('cppStatus')} "
        f"step={shown_step} polls={shown_polls}"
    )


def show_event(event: dict[str, Any]) -> None:
    data = event.get("data") or {}
    say(f"EVENT {event.get('type')} id={event.get('id')} subject={event.get('subject')}")
    condition = data.get("condition")
    if condition:
        say(
            f"      needs a person: step={condition.get('step')} status={condition.get('status')}"
            f" message={condition.get('message')!r}"
        )
    elif data.get("api") == "productIngestion":
        stages = data.get("productIngestion") or {}
        say(
            f"      api=productIngestion job={stages.get('jobId')} "
            f"{stages.get('jobStatus')}/{stages.get('jobResult')} "
            f"live={stages.get('liveStatus')}/{stages.get('liveResult')} "
            f"polls={data.get('polls')} finished={data.get('finishedAt')}"
        )
    else:
        say(
            f"      cppStatus={data.get('cppStatus')} polls={data.get('polls')} "
            f"started={data.get('startedAt')} finished={data.get('finishedAt')}"
        )


def serve(port: int, *, virtual_time: bool) -> int:
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    with run_local_stack(port=port, virtual_time=virtual_time) as stack:
        base = stack.base_url
        say(f"devhost: {base}  ({'virtual' if virtual_time else 'real'} time)")
        say(f"CPP simulator: {stack.cpp.base_url}  Event Grid: {stack.eventgrid.endpoint}")
        say(f"Product Ingestion simulator: {stack.ingestion.api_base_url}")
        keys = stack.devhost.keys
        durable_api = f"{base}/runtime/webhooks/durabletask/instances"
        say(f"Durable API:   {durable_api}?code={keys.durable_system}")
        say(f"Function key:  {keys.default_function}  (master key: {keys.master})")
        say("try (offer-id words choose the CPP scenario, see docs/simulators.md):")
        key = f'-H "x-functions-key: {keys.default_function}"'
        say(f"  curl -i -X POST {key} {base}/api/golive/contoso/demo-offer-slow-blocked")
        say(f"  curl -s {key} {base}/api/golive/contoso/demo-offer-slow-blocked")
        say(
            f"  curl -i -X POST {key} {base}/api/golive/contoso/demo-offer-slow-blocked/cancel "
            "-d '{\"cancelOperation\": true}'"
        )
        say(
            f"  curl -i -X POST {key} {base}/api/golive/contoso/saas-offer-slow "
            '-d \'{"api": "productIngestion"}\'   # Product Ingestion'
        )
        say(f"  curl -s {key} {base}/api/golive/contoso/saas-offer-slow")
        say(f"  curl -s {stack.eventgrid.endpoint}   # events received")
        say(f"Dashboard:     {base}/api/dashboard  (enter once: {keys.default_function})")
        say("Ctrl-C stops everything.")
        stopping.wait()
    return 0


def format_elapsed(delta: timedelta) -> str:
    hours, rest = divmod(int(delta.total_seconds()), 3600)
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h{rest // 60:02d}m"


def say(text: str) -> None:
    print(text, flush=True)


if __name__ == "__main__":
    sys.exit(main())

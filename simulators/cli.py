"""`python -m simulators cpp|ingestion|eventgrid|identity --port N`: one simulator until Ctrl-C.

Keys and secrets come from environment variables, never from arguments or output, so that
they do not show in process listings or logs.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from simulators.clock import Now, ScaledClock, wall_clock
from simulators.cpp import CppSimulator, Scenario
from simulators.cpp.scenario import OFFER_ID_WORDS_HELP
from simulators.durations import parse_duration
from simulators.eventgrid import EventGridSimulator
from simulators.identity import IdentitySimulator
from simulators.ingestion import IngestionScenario, IngestionSimulator
from simulators.ingestion.scenario import EXTERNAL_ID_WORDS_HELP
from simulators.server import Simulator
from simulators.tokens import SIGNING_KEY_ENV, TokenAuthority

EVENTGRID_KEY_ENV = "SIMULATORS_EVENTGRID_KEY"
IDENTITY_HEADER_ENV = "SIMULATORS_IDENTITY_HEADER"

CPP_EPILOG = f"""\
Choosing scenarios, per offer (first match wins):
  1. --scenarios FILE: {{"offers": {{"contoso/my-offer": {{"duration": "3d",
     "blocked_step": "certification", "blocked_for": "12h", "array_body": true,
     "faults": [{{"kind": "status", "status": 503, "times": 2, "on": "operation"}}]}}}}}}
     (fields of simulators.cpp.Scenario and Fault; durations as 90s, 15m, 6h, 3d, 1d12h)
  2. POST /_sim/offers {{"publisher": ..., "offer": ..., "scenario": {{...}}}} while running.
  3. The offer id itself (unless --strict):

{OFFER_ID_WORDS_HELP}
Tokens: bearer tokens for https://cloudpartner.azure.com from the identity simulator,
verified with the key in ${SIGNING_KEY_ENV} (run both with the same value).
Inspect: GET /_sim/requests, GET /_sim/operations.
"""

INGESTION_EPILOG = f"""\
Routes under /rp/product-ingestion (point the app's PRODUCT_INGESTION_BASE_URL there).
Choosing scenarios, per product (first match wins):
  1. --scenarios FILE: {{"products": {{"my-offer": {{"job_duration": "3d",
     "job_error": "certification", "live_fails": false,
     "faults": [{{"kind": "status", "status": 429, "retry_after": 60, "on": "operation"}}]}}}}}}
     (fields of simulators.ingestion.IngestionScenario and simulators.faults.Fault)
  2. POST /_sim/products {{"externalId": ..., "scenario": {{...}}}} while running.
  3. The external id (offer id) itself (unless --strict):

{EXTERNAL_ID_WORDS_HELP}
Tokens: bearer tokens for https://graph.microsoft.com from the identity simulator,
verified with the key in ${SIGNING_KEY_ENV} (run both with the same value).
Inspect: GET /_sim/requests, GET /_sim/jobs.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m simulators",
        description=(
            "Local stand-ins for the CPP go-live API, the Product Ingestion API, "
            "Event Grid and managed identity."
        ),
    )
    commands = parser.add_subparsers(dest="command", required=True)

    _api_simulator(
        commands,
        "cpp",
        help="the Cloud Partner Portal go-live API",
        description="The CPP go-live API simulator.",
        epilog=CPP_EPILOG,
        things="offers",
        default_duration=timedelta(hours=2),
        duration_help="working time of a plain offer (default 2h)",
    )
    _api_simulator(
        commands,
        "ingestion",
        help="the Partner Center Product Ingestion API",
        description="The Product Ingestion API simulator (products, submissions, configure).",
        epilog=INGESTION_EPILOG,
        things="products",
        default_duration=timedelta(hours=1),
        duration_help="how long a plain product's configure job runs (default 1h)",
    )

    eventgrid = commands.add_parser(
        "eventgrid",
        help="an Event Grid topic",
        description="An Event Grid topic: POST /api/events?api-version=2018-01-01.",
        epilog=(
            f"Key auth: aeg-sas-key must equal ${EVENTGRID_KEY_ENV} (if unset, a random key "
            f"is used and only bearer tokens work). Bearer tokens for "
            f"https://eventgrid.azure.net are verified with ${SIGNING_KEY_ENV}.\n"
            "Scenarios: none to choose at start; faults are injected in-process "
            "(EventGridSimulator.fail_next). GET /api/events lists accepted events."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common(eventgrid)
    eventgrid.add_argument("--jsonl", type=Path, help="also append accepted events to this file")
    eventgrid.add_argument(
        "--schema",
        choices=("any", "cloudevents", "eventgrid"),
        default="any",
        help="the topic's input schema (default: decided by content type)",
    )

    identity = commands.add_parser(
        "identity",
        help="the App Service managed-identity endpoint",
        description="The App Service managed-identity endpoint (GET /msi/token).",
        epilog=(
            f"X-IDENTITY-HEADER must equal ${IDENTITY_HEADER_ENV} (required). Point clients at "
            "it with IDENTITY_ENDPOINT=<printed endpoint> and IDENTITY_HEADER=<same secret>. "
            f"Tokens are signed with ${SIGNING_KEY_ENV}.\n"
            "Scenarios: none; token lifetime via --token-lifetime."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common(identity)
    identity.add_argument(
        "--token-lifetime",
        type=parse_duration,
        default=timedelta(hours=24),
        help="wall-clock lifetime of issued tokens (default 24h)",
    )
    return parser


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port", type=int, default=0, help="port on 127.0.0.1 (default 0: the OS picks)"
    )


def _api_simulator(
    commands: Any,
    name: str,
    *,
    help: str,
    description: str,
    epilog: str,
    things: str,
    default_duration: timedelta,
    duration_help: str,
) -> None:
    """A subcommand for an API simulator: scenarios, clock and fault options."""
    parser = commands.add_parser(
        name,
        help=help,
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common(parser)
    parser.add_argument("--scenarios", type=Path, help=f"JSON file of scenarios per {things[:-1]}")
    parser.add_argument(
        "--strict", action="store_true", help=f"only {things} from --scenarios exist (no id words)"
    )
    parser.add_argument(
        "--default-duration", type=parse_duration, default=default_duration, help=duration_help
    )
    parser.add_argument(
        "--slow-answer",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="delay of the hang fault (default 30)",
    )
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        help="scenario time runs this many times faster than the wall clock (default 1)",
    )


def _clock(args: argparse.Namespace) -> Now:
    return wall_clock if args.time_scale == 1.0 else ScaledClock(args.time_scale)


def _authority() -> TokenAuthority:
    if not os.environ.get(SIGNING_KEY_ENV):
        print(
            f"note: {SIGNING_KEY_ENV} is unset; tokens from other processes will not verify",
            file=sys.stderr,
        )
    return TokenAuthority.from_env()


def make_simulator(args: argparse.Namespace) -> Simulator:
    if args.command == "cpp":
        simulator: CppSimulator | IngestionSimulator = CppSimulator(
            authority=_authority(),
            now=_clock(args),
            offers_from_ids=not args.strict,
            default_scenario=Scenario(duration=args.default_duration),
            slow_answer_delay=args.slow_answer,
            port=args.port,
        )
        if args.scenarios is not None:
            simulator.load_scenarios(args.scenarios)
        return simulator
    if args.command == "ingestion":
        simulator = IngestionSimulator(
            authority=_authority(),
            now=_clock(args),
            products_from_ids=not args.strict,
            default_scenario=IngestionScenario(job_duration=args.default_duration),
            slow_answer_delay=args.slow_answer,
            port=args.port,
        )
        if args.scenarios is not None:
            simulator.load_scenarios(args.scenarios)
        return simulator
    if args.command == "eventgrid":
        key = os.environ.get(EVENTGRID_KEY_ENV) or None
        if key is None:
            print(f"note: {EVENTGRID_KEY_ENV} is unset; using a random key", file=sys.stderr)
        return EventGridSimulator(
            authority=_authority(),
            key=key,
            input_schema=args.schema,
            jsonl_path=args.jsonl,
            port=args.port,
        )
    secret = os.environ.get(IDENTITY_HEADER_ENV)
    if not secret:
        raise SystemExit(f"set {IDENTITY_HEADER_ENV} to the secret clients send")
    return IdentitySimulator(
        authority=_authority(), secret=secret, token_lifetime=args.token_lifetime, port=args.port
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        simulator = make_simulator(args)
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        simulator.start()
    except RuntimeError as error:
        print(f"error: {error}: {error.__cause__}", file=sys.stderr)
        return 2
    try:
        print(f"{simulator.name} simulator listening on {simulator.base_url}", flush=True)
        if isinstance(simulator, IdentitySimulator):
            print(f"IDENTITY_ENDPOINT={simulator.endpoint}", flush=True)
        if isinstance(simulator, IngestionSimulator):
            print(f"API base URL: {simulator.api_base_url}", flush=True)
        if isinstance(simulator, EventGridSimulator):
            print(f"topic endpoint: {simulator.endpoint}", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        simulator.stop()
    return 0

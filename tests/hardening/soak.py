"""`make soak`: the long crash and load runs, with their figures (minutes; not in `make test`).

    python -m tests.hardening.soak [--go-lives 100] [--kills 50] [--load 1000] [--seed N]

Prints one line per run (the figures docs/reliability.md quotes) and exits 1 if a run lost
anything, ended a go-live twice or sent more go-live POSTs than the kills explain.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from devhost.azurite import run_azurite

from tests.hardening.crash import crash_run
from tests.hardening.hosted_app import hosted_app, run_simulators
from tests.hardening.load import load_run


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.hardening.soak")
    parser.add_argument("--go-lives", type=int, default=100, help="go-lives in the crash run")
    parser.add_argument("--kills", type=int, default=50, help="SIGKILLs in the crash run")
    parser.add_argument("--load", type=int, default=1000, help="go-lives queued at once")
    parser.add_argument("--seed", type=int, default=None, help="the crash run's random seed")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(1_000_000)
    problems: list[str] = []
    with run_azurite() as azurite, tempfile.TemporaryDirectory() as folder:
        if args.kills:
            with (
                run_simulators() as simulators,
                hosted_app(azurite, simulators, Path(folder), queue_name="soak-crash") as app,
            ):
                crash = crash_run(app, go_lives=args.go_lives, kills=args.kills, seed=seed)
            print(f"seed {seed}: {crash.summary()}", flush=True)
            problems += crash.problems
        if args.load:
            with (
                run_simulators() as simulators,
                hosted_app(
                    azurite, simulators, Path(folder) / "load", queue_name="soak-load"
                ) as app,
            ):
                load = load_run(app, go_lives=args.load)
            print(load.summary(), flush=True)
            problems += load.problems
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""`python -m bench` (make bench): every benchmark, each in its own process, in turn.

Each benchmark module prints its own table; this prints them one after another with the
wall time each took. A process per benchmark because the app reads its settings once per
process (as on Azure), and two benchmarks run it against different simulators.
`python -m bench replay_cost engines` runs only those.
"""

from __future__ import annotations

import subprocess
import sys
import time

BENCHMARKS = ("replay_cost", "api_economy", "engines", "virtual_time")


def main(argv: list[str]) -> int:
    chosen = argv or list(BENCHMARKS)
    unknown = sorted(set(chosen) - set(BENCHMARKS))
    if unknown:
        print(f"unknown benchmark(s) {unknown}; choose from {list(BENCHMARKS)}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    failed = []
    for name in chosen:
        began = time.perf_counter()
        print(f"\n=== bench.{name}", flush=True)
        code = subprocess.call([sys.executable, "-m", f"bench.{name}"])
        print(f"=== bench.{name}: {time.perf_counter() - began:.0f} s", flush=True)
        if code != 0:
            failed.append(name)
    print(f"\nall benchmarks: {time.perf_counter() - started:.0f} s", flush=True)
    if failed:
        print(f"failed: {failed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Benchmark devhost: orchestrations per second, and its overhead over the SDK's replay.

Runs 500 instances of a 10-activity chain at once (virtual clock, state in a SQLite file)
and prints:
- orchestrations per second, end to end (start, 11 episodes and 10 activities each);
- devhost's time per orchestrator episode (building the history, replay, interpreting the
  actions, the commit) against the SDK's own `handle()` time on the same history, and the
  ratio of the two.

Run from the repository root: `.venv/bin/python bench/devhost_throughput.py`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devhost.clock import VirtualClock  # noqa: E402
from devhost.registry import load_app  # noqa: E402
from devhost.runtime import DurableRuntime  # noqa: E402

APP = Path(__file__).resolve().parent / "apps" / "chain10"
INSTANCES = 500


async def throughput(state_path: Path | None) -> tuple[float, DurableRuntime]:
    runtime = DurableRuntime(load_app(APP), clock=VirtualClock(), state_path=state_path)
    await runtime.start()
    try:
        started = time.perf_counter()
        ids = [
            await runtime.start_new("chain10", f"bench-{n}", json.dumps(n))
            for n in range(INSTANCES)
        ]
        for n, instance_id in enumerate(ids):
            status = await runtime.wait_for(instance_id, 600)
            if status["output"] != n + 10:
                raise SystemExit(f"wrong output for {instance_id}: {status}")
        elapsed = time.perf_counter() - started
    finally:
        await runtime.stop()
    return elapsed, runtime


def report(label: str, elapsed: float, runtime: DurableRuntime) -> None:
    stats = runtime.stats
    per_episode = stats.episode_seconds / stats.episodes
    per_handle = stats.handle_seconds / stats.episodes
    print(f"{label}:")
    print(
        f"  {INSTANCES} x 10-activity chain in {elapsed:.2f} s: "
        f"{INSTANCES / elapsed:.1f} orchestrations/s "
        f"({stats.episodes} episodes, {stats.activities} activities)"
    )
    print(
        f"  per episode: devhost {per_episode * 1e3:.3f} ms, "
        f"SDK handle() {per_handle * 1e3:.3f} ms, "
        f"overhead ratio {per_episode / per_handle:.2f}x"
    )


def main() -> None:
    logging.disable(logging.WARNING)  # the SDK's "auth level" notice is noise here
    with tempfile.TemporaryDirectory() as scratch:
        elapsed, runtime = asyncio.run(throughput(Path(scratch) / "state.db"))
        report("SQLite file (WAL)", elapsed, runtime)
    elapsed, runtime = asyncio.run(throughput(None))
    report("in-memory store", elapsed, runtime)


if __name__ == "__main__":
    main()

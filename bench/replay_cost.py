"""Replay cost of the real go-live orchestrator against the continue-as-new interval.

For go-lives of 100, 1,000 and 5,000 polls and POLLS_PER_EXECUTION 1, 5, 10, 20, 50 and
unbounded, on devhost (virtual clock, state in a SQLite file) with in-process activities
(bench/apps/golive_inproc), it prints per poll:
- process CPU (devhost, SDK replay, orchestrator, activities: all of it, one process), and
  how much of devhost's episode time was the orchestrator's invocation through the
  worker (azure-functions-runtime and the SDK's replay, which Azure runs the same way; the
  rest is devhost building histories and committing);
- history events per execution, and storage operations (rows written or deleted) as
  devhost counts them, a proxy for Azure Storage transactions.

How each cell is measured (column "run"):
- full: the whole go-live, from the go-live POST to the published completion event;
- window: the last 100 polls of the go-live, begun from the state continue-as-new carries
  at that poll (polls made, operation URL, last snapshot, execution number). With a bounded
  interval each execution starts from that state and an empty history, so this is the
  same work as polls N-99..N of a full run, without paying for the polls before;
- projected: unbounded histories grow with every poll, so replay cost per poll grows with
  the run; 1,000 and 5,000 polls would take hours, and are extrapolated linearly from the
  full runs of 30 and 100 polls (CPU per poll is linear in history length).
The 100-poll and window cells are the cheapest of 3 runs (noise on a shared machine only
ever adds time); the full 5,000-poll run of the default interval runs once, so its ratio to
the 100-poll cell errs on the high side. That run is also timed over its own first and
last 100 polls, the fairest comparison: same go-live, same process, same moment.

`--full` runs every bounded cell end to end (about 15 minutes on 2 cores).
Run: `.venv/bin/python -m bench.replay_cost [--full]`.
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from devhost.testing import RunningDevhost, run_devhost

from bench import inproc_cpp
from bench.table import print_table, ratio
from golive.function_names import ORCHESTRATOR
from golive.go_live_request import GoLiveRequest
from golive.settings import OrchestrationConfig
from orchestrators.state import GoLiveState, Phase

APP = Path(__file__).resolve().parent / "apps" / "golive_inproc"
SIZES = (100, 1_000, 5_000)
INTERVALS: tuple[int | None, ...] = (1, 5, 10, 20, 50, None)  # None: never continue-as-new
WINDOW = 100
REPEATS = 3  # short cells run this many times; the table shows the cheapest
SHORT_UNBOUNDED = 30  # with the 100-poll run, the two points the projection is drawn through
UNBOUNDED = 10**9
# 5,000 polls at the 15-minute cap is 52 days: a deadline past that lets every run finish.
DEADLINE_DAYS = 60.0


@dataclass(frozen=True)
class Cost:
    """What `polls` polls of one go-live cost."""

    polls: int
    cpu_seconds: float
    handle_share: float  # of devhost's episode time, the part in the worker's invocation
    history_rows: int
    executions: int
    storage_operations: int
    # Within a full run: CPU ms per poll over its first and over its last WINDOW polls.
    first_and_last: tuple[float, float] | None = None

    @property
    def cpu_ms_per_poll(self) -> float:
        return self.cpu_seconds * 1e3 / self.polls

    @property
    def events_per_execution(self) -> float:
        return self.history_rows / self.executions

    @property
    def operations_per_poll(self) -> float:
        return self.storage_operations / self.polls


class Bench:
    """One devhost running the bench app; go-lives run one at a time so costs separate."""

    def __init__(self, devhost: RunningDevhost) -> None:
        self.devhost = devhost
        self.runs = 0

    def config(self, interval: int | None) -> OrchestrationConfig:
        return replace(
            OrchestrationConfig.defaults(),
            polls_per_execution=interval or UNBOUNDED,
            golive_deadline_days=DEADLINE_DAYS,
        )

    def full(self, polls: int, interval: int | None, *, watch: bool = False) -> Cost:
        """A whole go-live of `polls` polls; `watch` also times its first and last WINDOW."""
        request = self.request(polls)
        state = GoLiveState.new(request, self.config(interval))
        executions = -(-polls // (interval or UNBOUNDED))
        return self.measure(state, polls, executions, watch=watch)

    def window(self, polls: int, interval: int) -> Cost:
        """The last WINDOW polls of a go-live of `polls` polls, begun as continue-as-new
        would carry it at poll `polls - WINDOW` (an execution boundary)."""
        done = polls - WINDOW
        if done % interval:
            raise ValueError("a window must begin where an execution begins")
        request = self.request(polls)
        url = inproc_cpp.operation_url(request.publisher_id, polls, done)
        begun = GoLiveState.new(request, self.config(interval)).begun(
            f"run-{self.runs}", self.devhost.clock.now()
        )
        state = replace(
            begun,
            phase=Phase.POLLING,
            operation_url=url,
            polls=done,
            execution=done // interval + 1,
            snapshot=inproc_cpp.snapshot_after(url),
        )
        return self.measure(state, WINDOW, executions=WINDOW // interval)

    def request(self, polls: int) -> GoLiveRequest:
        self.runs += 1
        return GoLiveRequest(f"bench-{self.runs}", f"polls-{polls}", f"req-{self.runs}", "bench")

    def measure(
        self, state: GoLiveState, polls: int, executions: int, *, watch: bool = False
    ) -> Cost:
        runtime = self.devhost.runtime
        stats = runtime.stats
        handle, episode, storage = stats.handle_seconds, stats.episode_seconds, stats.storage
        rows, operations = storage.history_rows_written, storage.operations
        cpu = time.process_time()
        instance = self.devhost.call(
            runtime.start_new(ORCHESTRATOR, f"replay-{self.runs}", json.dumps(state.to_json()))
        )
        marks = self.watch(instance, (WINDOW, polls - WINDOW)) if watch else None
        status = self.devhost.wait_for(instance, 3600)
        ended = time.process_time()
        first_and_last = None
        if marks is not None:
            first_and_last = (
                (marks[0] - cpu) * 1e3 / WINDOW,
                (ended - marks[1]) * 1e3 / WINDOW,
            )
        cpu = ended - cpu
        if status["runtimeStatus"] != "Completed" or status["output"]["outcome"].endswith(
            "TimedOut"
        ):
            raise SystemExit(f"go-live {instance} did not succeed: {status}")
        time.sleep(0.05)  # the last episode's counters land just after its waiters wake
        return Cost(
            polls=polls,
            cpu_seconds=cpu,
            handle_share=(stats.handle_seconds - handle) / (stats.episode_seconds - episode),
            history_rows=storage.history_rows_written - rows,
            executions=max(1, executions),
            storage_operations=storage.operations - operations,
            first_and_last=first_and_last,
        )

    def watch(self, instance: str, marks: tuple[int, int]) -> tuple[float, float]:
        """Process CPU time when the go-live's custom status first shows each poll count
        (read every 20 ms, cheap next to the polls it times)."""
        reached: list[float] = []
        while len(reached) < len(marks):
            status = self.devhost.runtime.get_status(instance, show_input=False) or {}
            polls = (status.get("customStatus") or {}).get("polls") or 0
            while len(reached) < len(marks) and polls >= marks[len(reached)]:
                reached.append(time.process_time())
            if status.get("runtimeStatus") not in (None, "Pending", "Running"):
                raise SystemExit(f"{instance} ended before poll {marks[len(reached)]}")
            time.sleep(0.02)
        return reached[0], reached[1]


@contextmanager
def running_bench() -> Iterator[Bench]:
    logging.disable(logging.WARNING)  # the SDK's "auth level" notice is noise here
    with (
        tempfile.TemporaryDirectory() as scratch,
        run_devhost(APP, virtual_time=True, state_path=Path(scratch) / "state.db") as devhost,
    ):
        yield Bench(devhost)


def projected(small: Cost, large: Cost, polls: int) -> Cost:
    """Extrapolate an unbounded run from two full ones. Totals of history rows and storage
    operations grow linearly with the polls; CPU per poll does (every poll replays a history
    that grew by the same few events), so total CPU grows with the square."""

    def line(a: float, b: float) -> float:
        return b + (b - a) * (polls - large.polls) / (large.polls - small.polls)

    return Cost(
        polls=polls,
        cpu_seconds=line(small.cpu_ms_per_poll, large.cpu_ms_per_poll) * polls / 1e3,
        handle_share=large.handle_share,
        history_rows=round(line(small.history_rows, large.history_rows)),
        executions=1,
        storage_operations=round(line(small.storage_operations, large.storage_operations)),
    )


def measure_all(
    bench: Bench, *, full: bool, default: int
) -> dict[tuple[int, int | None], tuple[str, Cost]]:
    results: dict[tuple[int, int | None], tuple[str, Cost]] = {}
    for interval in INTERVALS:
        if interval is None:
            short = bench.full(SHORT_UNBOUNDED, None)
            results[(100, None)] = ("full", bench.full(100, None))
            for polls in SIZES[1:]:
                results[(polls, None)] = (
                    "projected",
                    projected(short, results[(100, None)][1], polls),
                )
            continue
        for polls in SIZES:
            if interval == default and polls == SIZES[-1]:
                results[(polls, interval)] = ("full", bench.full(polls, interval, watch=True))
            elif full:
                results[(polls, interval)] = ("full", bench.full(polls, interval))
            elif polls == SIZES[0]:
                results[(polls, interval)] = ("full", best(bench.full, polls, interval))
            else:
                results[(polls, interval)] = ("window", best(bench.window, polls, interval))
    return results


def best(run: Callable[[int, int], Cost], polls: int, interval: int) -> Cost:
    """The cheapest of REPEATS runs: on a shared machine noise only ever adds time."""
    return min((run(polls, interval) for _ in range(REPEATS)), key=lambda c: c.cpu_seconds)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.replay_cost", description=__doc__)
    parser.add_argument("--full", action="store_true", help="every bounded cell end to end")
    args = parser.parse_args(argv)
    default = OrchestrationConfig.defaults().polls_per_execution
    started = time.perf_counter()
    with running_bench() as bench:
        results = measure_all(bench, full=args.full, default=default)
    rows = []
    for interval in INTERVALS:
        base = results[(SIZES[0], interval)][1]
        for polls in SIZES:
            how, cost = results[(polls, interval)]
            rows.append(
                [
                    "unbounded" if interval is None else interval,
                    polls,
                    how,
                    cost.cpu_ms_per_poll,
                    f"{cost.handle_share:.0%}",
                    ratio(cost.cpu_ms_per_poll, base.cpu_ms_per_poll),
                    cost.events_per_execution,
                    cost.operations_per_poll,
                ]
            )
    print_table(
        f"Replay cost per poll vs POLLS_PER_EXECUTION (default {default}); "
        f"{time.perf_counter() - started:.0f} s",
        [
            "polls/execution",
            "polls",
            "run",
            "CPU ms/poll",
            "in invocation",
            "vs 100 polls",
            "history events/execution",
            "storage ops/poll",
        ],
        rows,
    )
    _, watched = results[(SIZES[-1], default)]
    if watched.first_and_last is not None:
        first, last = watched.first_and_last
        print(
            f"Within the one {SIZES[-1]:,}-poll go-live at the default: CPU {first:.2f} ms/poll "
            f"over polls 1-{WINDOW}, {last:.2f} ms/poll over the last {WINDOW} "
            f"(with the completion): {ratio(last, first)}"
        )


if __name__ == "__main__":
    main()

"""Engines side by side: devhost against durabletask's in-memory backend, and the floor.

The same go-live-shaped orchestration (bench/shape.py: start, 20 polls each followed by a
10 ms timer, publish; no continue_as_new) runs GO_LIVES times at once on:
- devhost, virtual clock, state in a SQLite file (timers take no wall time);
- devhost, real clock, state in a SQLite file;
- durabletask 1.12's in-memory test backend (gRPC on loopback, its own Python SDK), whose
  timers run on the real clock;
- the floor: the Azure Functions SDK's own `handle()` on the very context JSON devhost
  handed the worker in those runs (one go-live's episodes, recorded, then called directly
  on one thread), i.e. what any engine running this SDK must spend replaying (Azure too).
Each engine runs in its own child process of this one run, so peak RSS is its own; the
table gives go-lives/s, process CPU per go-live (load on a shared machine slows the wall
clock, much less the CPU), p50/p99 time from start to completion, peak RSS (and its growth
over the process after start-up), state bytes per finished go-live (history, input,
output and status payloads as stored), and devhost's ratios to the peer and to the floor.

Run: `.venv/bin/python -m bench.engines`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.shape import POLLS, TIMER
from bench.table import print_table, ratio

GO_LIVES = 30
APP = Path(__file__).resolve().parent / "apps" / "golive_shape"
ENGINES = ("devhost-virtual", "devhost-real", "durabletask")
LABELS = {
    "devhost-virtual": "devhost, virtual clock, SQLite file",
    "devhost-real": "devhost, real clock, SQLite file",
    "durabletask": "durabletask in-memory backend",
}


@dataclass
class EngineRun:
    """What one engine did with GO_LIVES go-lives started at once."""

    engine: str
    wall_seconds: float
    completion_seconds: list[float]
    peak_rss_mb: float
    start_rss_mb: float
    state_bytes: int
    cpu_seconds: float  # this process's CPU over the run, every thread
    handle_seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return GO_LIVES / self.wall_seconds

    def percentile(self, q: int) -> float:
        return statistics.quantiles(self.completion_seconds, n=100, method="inclusive")[q - 1]


def rss_mb() -> float:
    """This process's resident set now (Linux /proc)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# devhost -------------------------------------------------------------------------------------


def run_devhost_engine(virtual: bool) -> EngineRun:
    from devhost.testing import run_devhost

    with tempfile.TemporaryDirectory() as scratch:
        state = Path(scratch) / "state.db"
        with run_devhost(APP, virtual_time=virtual, state_path=state) as devhost:
            runtime = devhost.runtime
            bodies = record_first_go_live(runtime)
            start_rss = rss_mb()

            async def all_go_lives() -> list[float]:
                async def one(n: int) -> float:
                    began = time.perf_counter()
                    instance = await runtime.start_new("golive_shape", f"go-{n}", json.dumps(n))
                    status = await runtime.wait_for(instance, 600)
                    if status["runtimeStatus"] != "Completed":
                        raise RuntimeError(f"{instance}: {status}")
                    return time.perf_counter() - began

                return await asyncio.gather(*(one(n) for n in range(GO_LIVES)))

            began, cpu = time.perf_counter(), time.process_time()
            completions = devhost.call(all_go_lives(), timeout=900)
            wall, cpu = time.perf_counter() - began, time.process_time() - cpu
        return EngineRun(
            engine="devhost-virtual" if virtual else "devhost-real",
            wall_seconds=wall,
            completion_seconds=completions,
            peak_rss_mb=peak_rss_mb(),
            start_rss_mb=start_rss,
            state_bytes=_sqlite_payload_bytes(state),
            cpu_seconds=cpu,
            handle_seconds=GO_LIVES * sdk_replay_seconds(bodies),
        )


def record_first_go_live(runtime: Any) -> list[str]:
    """Keep the context JSON of every episode of go-live 0, as devhost hands it to the
    worker (all go-lives have the same shape, so one stands for each)."""
    bodies: list[str] = []
    original = runtime.orchestrator_call

    def recording(spec: Any) -> Any:
        call = original(spec)

        async def record(body: str) -> Any:
            if json.loads(body).get("instanceId") == "go-0":
                bodies.append(body)
            return await call(body)

        return record

    runtime.orchestrator_call = recording
    return bodies


def sdk_replay_seconds(bodies: list[str]) -> float:
    """CPU seconds the SDK's own orchestrator `handle()` takes for these episodes, called
    directly on one thread (the cheapest of 3 passes): what any engine running this SDK
    must spend, the floor."""
    from azure.functions._durable_functions import OrchestrationContext

    from bench.apps.golive_shape import function_app

    (function,) = [
        f for f in function_app.app.get_functions() if f.get_function_name() == "golive_shape"
    ]
    handle = function.get_user_function()
    passes = []
    for _ in range(3):
        began = time.process_time()
        for body in bodies:
            handle(OrchestrationContext(body))
        passes.append(time.process_time() - began)
    return min(passes)


def _sqlite_payload_bytes(path: Path) -> int:
    with sqlite3.connect(path) as db:
        (history,) = db.execute("SELECT coalesce(sum(length(event)), 0) FROM history").fetchone()
        (instances,) = db.execute(
            "SELECT coalesce(sum(coalesce(length(input), 0) + coalesce(length(output), 0)"
            " + coalesce(length(custom_status), 0) + length(engine)), 0) FROM instances"
        ).fetchone()
    return int(history) + int(instances)


# durabletask ---------------------------------------------------------------------------------


def run_durabletask_engine() -> EngineRun:
    import grpc
    from durabletask import client as dt_client
    from durabletask import task as dt_task
    from durabletask import worker as dt_worker
    from durabletask.internal import orchestrator_service_pb2_grpc as stubs
    from durabletask.testing import InMemoryOrchestrationBackend

    def golive_shape(ctx: dt_task.OrchestrationContext, offer: str) -> Any:
        yield ctx.call_activity(start, input=offer)
        for n in range(POLLS):
            yield ctx.call_activity(poll, input=n)
            yield ctx.create_timer(TIMER)
        return (yield ctx.call_activity(publish, input=offer))

    def start(ctx: dt_task.ActivityContext, offer: str) -> dict[str, Any]:
        return {"kind": "accepted", "operationUrl": f"https://cpp.invalid/operations/{offer}"}

    def poll(ctx: dt_task.ActivityContext, n: int) -> dict[str, Any]:
        return {"kind": "status", "snapshot": {"status": "running", "poll": n}}

    def publish(ctx: dt_task.ActivityContext, offer: str) -> dict[str, Any]:
        return {"kind": "published", "offer": offer}

    # The backend's own start() listens on every interface at a fixed port; this serves the
    # same servicer on loopback at a port the OS picks.
    backend = InMemoryOrchestrationBackend()
    server = grpc.server(__import__("concurrent.futures").futures.ThreadPoolExecutor(10))
    stubs.add_TaskHubSidecarServiceServicer_to_server(backend, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    backend._server = server  # so that backend.stop() stops it
    address = f"127.0.0.1:{port}"
    worker = dt_worker.TaskHubGrpcWorker(host_address=address)
    worker.add_orchestrator(golive_shape)
    for activity in (start, poll, publish):
        worker.add_activity(activity)
    worker.start()
    client = dt_client.TaskHubGrpcClient(host_address=address)
    try:
        start_rss = rss_mb()
        began, cpu = time.perf_counter(), time.process_time()
        ids = [
            client.schedule_new_orchestration(
                golive_shape, input=f"offer-{n}", instance_id=f"go-{n}"
            )
            for n in range(GO_LIVES)
        ]
        completions = []
        for instance in ids:
            state = client.wait_for_orchestration_completion(instance, timeout=600)
            if state is None or state.runtime_status != dt_client.OrchestrationStatus.COMPLETED:
                raise RuntimeError(f"{instance}: {state}")
            completions.append((state.last_updated_at - state.created_at).total_seconds())
        wall, cpu = time.perf_counter() - began, time.process_time() - cpu
        stored = 0
        for instance in ids:
            record = backend._instances[instance]
            stored += sum(event.ByteSize() for event in record.history)
            stored += sum(
                len(text or "") for text in (record.input, record.output, record.custom_status)
            )
    finally:
        worker.stop()
        client.close()
        backend.stop()
    return EngineRun(
        engine="durabletask",
        wall_seconds=wall,
        completion_seconds=completions,
        peak_rss_mb=peak_rss_mb(),
        start_rss_mb=start_rss,
        state_bytes=stored,
        cpu_seconds=cpu,
    )


# one run, one child per engine -----------------------------------------------------------


def run_child(engine: str) -> EngineRun:
    command = [sys.executable, "-m", "bench.engines", "--child", engine]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=1200)
    if done.returncode != 0:
        raise SystemExit(f"{engine} failed:\n{done.stderr}")
    return EngineRun(**json.loads(done.stdout.strip().splitlines()[-1]))


def report(runs: dict[str, EngineRun]) -> None:
    peer = runs["durabletask"]
    # The SDK's replay alone, at its cheapest in either devhost run.
    floor_cpu = min(runs[e].handle_seconds for e in ENGINES if e.startswith("devhost"))
    floor_per_second = GO_LIVES / floor_cpu
    rows: list[list[object]] = []
    for engine in ENGINES:
        run = runs[engine]
        rows.append(
            [
                LABELS[engine],
                run.per_second,
                ratio(run.per_second, peer.per_second),
                ratio(run.per_second, floor_per_second),
                run.cpu_seconds * 1e3 / GO_LIVES,
                ratio(run.cpu_seconds, floor_cpu),
                run.percentile(50) * 1e3,
                run.percentile(99) * 1e3,
                run.peak_rss_mb,
                run.peak_rss_mb - run.start_rss_mb,
                run.state_bytes / GO_LIVES,
            ]
        )
    rows.append(
        [
            "floor: the SDK's handle() alone",
            floor_per_second,
            ratio(floor_per_second, peer.per_second),
            "1.00x",
            floor_cpu * 1e3 / GO_LIVES,
            "1.00x",
            "-",
            "-",
            "-",
            "-",
            "-",
        ]
    )
    print_table(
        f"Engines: {GO_LIVES} go-lives at once (start, {POLLS} polls with "
        f"{TIMER.total_seconds() * 1e3:.0f} ms timers, publish)",
        [
            "engine",
            "go-lives/s",
            "vs durabletask",
            "vs floor",
            "CPU ms/go-live",
            "CPU vs floor",
            "p50 ms",
            "p99 ms",
            "peak RSS MB",
            "RSS growth MB",
            "state bytes/go-live",
        ],
        rows,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.engines", description=__doc__)
    parser.add_argument("--child", choices=ENGINES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    if args.child:
        if args.child == "durabletask":
            run = run_durabletask_engine()
        else:
            run = run_devhost_engine(virtual=args.child == "devhost-virtual")
        print(json.dumps(asdict(run)))
        return
    report({engine: run_child(engine) for engine in ENGINES})


if __name__ == "__main__":
    main()

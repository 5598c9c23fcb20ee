"""A devhost process for the crash test: resume the state file, run everything to the end.

Run as `python -m devhost_tests.core.crash_child STATE INSTANCES [--start]`; prints the
outputs of all instances as one JSON object when they are all finished.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from devhost.clock import WallClock
from devhost.registry import load_app
from devhost.runtime import DurableRuntime

from devhost_tests.core.helpers import APPS

STEPS = 4


async def main(state: Path, instances: int, start: bool) -> None:
    runtime = DurableRuntime(load_app(APPS / "crash"), clock=WallClock(), state_path=state)
    await runtime.start()
    ids = [f"crash-{n}" for n in range(instances)]
    if start:
        for instance_id in ids:
            if runtime.get_status(instance_id) is None:
                await runtime.start_new("crashy", instance_id, json.dumps({"steps": STEPS}))
    outputs = {}
    for instance_id in ids:
        status = await runtime.wait_for(instance_id, 120)
        outputs[instance_id] = [status["runtimeStatus"], status["output"]]
    await runtime.stop()
    print(json.dumps(outputs), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("state", type=Path)
    parser.add_argument("instances", type=int)
    parser.add_argument("--start", action="store_true")
    args = parser.parse_args()
    asyncio.run(main(args.state, args.instances, args.start))

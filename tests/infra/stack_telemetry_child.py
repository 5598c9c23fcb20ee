"""Run in a child process by test_telemetry.py: one go-live through the whole local stack
(Azurite, simulators, devhost on the pinned worker runtime) with the telemetry settings
infra/ gives the app, so the worker's OpenTelemetry set-up exports what the app logs.

Its own process because the worker installs process-wide OpenTelemetry providers. Prints
one JSON line: the go-live's final status.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import requests

from demo.stack import LocalStack, run_local_stack
from simulators.cpp import Scenario

PUBLISHER = "contoso"
OFFER = "telemetry-offer"
REQUEST = {
    "publisherId": PUBLISHER,
    "offerId": OFFER,
    "requestId": "r-telemetry",
    "correlationId": "c-telemetry",
}
FINISHED = {"Completed", "Failed", "Terminated"}


def go_live_status(stack: LocalStack) -> dict[str, Any] | None:
    """The status route's answer (with a function key, as on Azure), None before it exists."""
    response = requests.get(
        stack.go_live_url(PUBLISHER, OFFER),
        headers=stack.devhost.function_key_headers,
        timeout=30,
    )
    if response.status_code == 404:
        return None
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def main() -> None:
    scenario = Scenario(duration=timedelta(hours=2))
    with run_local_stack(scenarios={(PUBLISHER, OFFER): scenario}) as stack:
        stack.send_go_live(REQUEST)
        deadline = time.monotonic() + 90
        status: dict[str, Any] | None = None
        while time.monotonic() < deadline:
            status = go_live_status(stack)
            if status and status.get("runtimeStatus") in FINISHED:
                break
            time.sleep(0.1)
    print(json.dumps(status))


if __name__ == "__main__":
    main()

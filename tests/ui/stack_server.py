"""The app on devhost for the dashboard tests, in a process of its own, on the wall clock.

`python -m tests.ui.stack_server` starts Azurite, the simulators and devhost, prints one
JSON line (`baseUrl`, `cppUrl`, `eventGridUrl`, `functionKey`), then serves until its
standard input closes. A process of its own because the app reads its settings once per
process (the end-to-end stack in the test process has other ones), and the wall clock
because a page shows go-lives that stay where they are while a browser looks at them;
virtual time would finish them in a blink.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta

from demo.stack import run_local_stack
from simulators.cpp import Scenario

PUBLISHER = "contoso"
# Blocked at its first step after half a second, for longer than any test runs.
BLOCKED_OFFER = "ui-blocked"
SCENARIOS = {
    (PUBLISHER, BLOCKED_OFFER): Scenario(
        duration=timedelta(seconds=20),
        blocked_step="validation",
        blocked_for=timedelta(days=10),
    )
}
SETTINGS = {
    "GOLIVE_QUEUE_NAME": "golive-dashboard-tests",
    "POLL_INITIAL_INTERVAL_SECONDS": "0.5",
    "POLL_MAX_INTERVAL_SECONDS": "1",
    "POLL_BACKOFF_FACTOR": "1",
    # A start that CPP keeps refusing stays in "starting" for minutes.
    "TRANSIENT_RETRY_INITIAL_SECONDS": "5",
    "TRANSIENT_RETRY_MAX_SECONDS": "30",
    "START_MAX_ATTEMPTS": "20",
    "CPP_REQUEST_TIMEOUT_SECONDS": "5",
}


def main() -> int:
    with run_local_stack(virtual_time=False, scenarios=SCENARIOS, settings=SETTINGS) as stack:
        facts = {
            "baseUrl": stack.base_url,
            "cppUrl": stack.cpp.base_url,
            "eventGridUrl": stack.eventgrid.endpoint,
            "functionKey": stack.devhost.keys.default_function,
        }
        print(json.dumps(facts), flush=True)
        sys.stdin.read()
    return 0


if __name__ == "__main__":
    sys.exit(main())

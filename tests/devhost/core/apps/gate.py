"""Gates that hold app code mid-run so that a test can act while it is in flight."""

from __future__ import annotations

import threading


class Gate:
    """Set up by a test (`reset`), passed by app code, opened by the test."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.opened = threading.Event()

    def reset(self) -> None:
        self.reached.clear()
        self.opened.clear()

    def pass_through(self) -> None:
        """Wait for the test; only off the loop's thread (a long replay, a sync activity)."""
        if threading.current_thread() is threading.main_thread():
            raise RuntimeError("the gate was reached on the event loop's thread")
        self.reached.set()
        self.opened.wait(30)


REPLAY_GATE = Gate()  # an orchestrator episode
ACTIVITY_GATE = Gate()  # an activity

"""Gates that hold app code mid-run so that a test can act while it is in flight."""

from __future__ import annotations

import threading
from typing import Any


class Gate:
    """Set up by a test (`reset`), passed by app code, opened by the test.

    `notes` records what each pass was given (e.g. a message's dequeue count), so a test
    can count how often the app code ran; `left` is set once a pass has gone through.
    """

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.opened = threading.Event()
        self.left = threading.Event()
        self.notes: list[Any] = []

    def reset(self) -> None:
        self.reached.clear()
        self.opened.clear()
        self.left.clear()
        self.notes.clear()

    def pass_through(self, note: Any = None) -> None:
        """Wait for the test; only off the loop's thread (a long replay, a sync function)."""
        if threading.current_thread() is threading.main_thread():
            raise RuntimeError("the gate was reached on the event loop's thread")
        self.notes.append(note)
        self.reached.set()
        self.opened.wait(30)
        self.left.set()


REPLAY_GATE = Gate()  # an orchestrator episode
ACTIVITY_GATE = Gate()  # an activity
QUEUE_GATE = Gate()  # a queue-triggered function

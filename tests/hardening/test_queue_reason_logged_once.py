"""An invalid queue message lands in poison with its reason logged once, not at every try.

The host tries a failing message `maxDequeueCount` times (5) before it moves it to
`<queue>-poison`; an invalid message can never succeed, so its reason is logged at the
first try only, and a deeply nested one is logged at all (its `RecursionError` used to
escape the parser's handler).
"""

from __future__ import annotations

import base64
import time

import pytest

from tests.hardening.hosted_app import HostedApp

pytestmark = pytest.mark.azurite

MESSAGES = {
    "offerId is required": '{"publisherId": "contoso", "requestId": "logged-once"}',
    "nested too deeply": "[" * 12_000,
}


def test_each_invalid_message_is_poisoned_with_its_reason_logged_once(
    bad_input_app: HostedApp,
) -> None:
    app = bad_input_app
    for text in MESSAGES.values():
        app.send(text)
    deadline = time.monotonic() + 60
    while not set(MESSAGES.values()) <= {base64.b64decode(t).decode() for t in app.poisoned()}:
        assert time.monotonic() < deadline, "not every invalid message reached poison"
        time.sleep(0.25)
    lines = [line for line in app.log_text().splitlines() if "invalid go-live message" in line]
    for reason in MESSAGES:
        logged = [line for line in lines if reason in line]
        assert len(logged) == 1, logged
        assert "messageId=" in logged[0] and "dequeueCount=1" in logged[0]

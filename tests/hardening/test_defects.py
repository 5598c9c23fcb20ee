"""The input defects found by trying the app as an attacker would (issue 9), one test each.

Deeply nested JSON made the parsers raise `RecursionError`, which escaped the `ValueError`
handlers: the HTTP routes answered 500 and a queue message failed without its reason.
"""

from __future__ import annotations

import pytest

from golive.cancel_request import parse_cancel_body
from golive.errors import InvalidRequestError
from golive.go_live_request import parse_http_request, parse_queue_message

# Deep enough to exhaust the JSON decoder's recursion limit, yet under the 16 KB size cap.
DEEP_ARRAY = "[" * 12_000
DEEPEST_ARRAY = "[" * 16_000 + "]" * 384  # exactly at the cap


@pytest.mark.parametrize("text", [DEEP_ARRAY, DEEPEST_ARRAY])
def test_a_deeply_nested_queue_message_is_invalid_with_a_reason(text: str) -> None:
    with pytest.raises(InvalidRequestError) as raised:
        parse_queue_message(text)
    assert "nested" in raised.value.reason


@pytest.mark.parametrize("text", [DEEP_ARRAY, DEEPEST_ARRAY])
def test_a_deeply_nested_start_body_is_invalid_with_a_reason(text: str) -> None:
    with pytest.raises(InvalidRequestError) as raised:
        parse_http_request("contoso", "offer", text.encode())
    assert "nested" in raised.value.reason


def test_a_deeply_nested_cancel_body_is_invalid_with_a_reason() -> None:
    with pytest.raises(InvalidRequestError, match="nested"):
        parse_cancel_body(DEEP_ARRAY.encode())


def test_a_huge_cancel_body_is_refused_before_it_is_parsed() -> None:
    huge = b'{"reason": "' + b"x" * (5 * 1024 * 1024) + b'"}'
    with pytest.raises(InvalidRequestError, match="longer than"):
        parse_cancel_body(huge)

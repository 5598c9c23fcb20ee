"""Bad input, generated: whatever arrives, the answer is a clear 4xx and nothing starts.

Property-based (hypothesis) against the real app on devhost: route parameters, start and
cancel bodies, content types, methods and queue message texts. Every HTTP answer is one of
200/202/400/404/405/409, never a 5xx; the app's own errors are JSON with a code and a
message; no orchestration starts and neither API is called; every invalid queue message
lands in `<queue>-poison` with its reason logged once. `api` must be exactly "cpp" or
"productIngestion": near misses ("CPP", "product-ingestion") are refused, not guessed.

Which ids are valid is restated here from the documented rule (docs/operations.md: 1-50
letters, digits, `-` or `_`, starting with a letter or digit), not read from the app.
"""

from __future__ import annotations

import base64
import json
import re
import time
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from tests.hardening.hosted_app import HostedApp

pytestmark = pytest.mark.azurite

VALID_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,49}")
VALID_TOKEN = re.compile(r"[A-Za-z0-9._:-]{1,128}")
ALLOWED = {200, 202, 400, 404, 405, 409}
APIS = ("cpp", "productIngestion")  # the documented values of `api`, case-sensitive
OFFER = "contoso/bad-input"  # never started: every body sent to it is invalid
EXAMPLES = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def json_object(body: bytes) -> dict[str, Any] | None:
    """The body as a JSON object; None if it is anything else (or no JSON at all)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def is_token_or_none(value: object) -> bool:
    return value is None or (isinstance(value, str) and bool(VALID_TOKEN.fullmatch(value)))


def is_api_or_none(value: object) -> bool:
    return value is None or value in APIS


def is_valid_start_body(body: bytes) -> bool:
    """The documented body: empty, or an object of optional requestId/correlationId tokens
    and an optional `api`."""
    if not body.strip():
        return True
    data = json_object(body)
    return (
        data is not None
        and set(data) <= {"requestId", "correlationId", "api"}
        and all(is_token_or_none(data.get(k)) for k in ("requestId", "correlationId"))
        and is_api_or_none(data.get("api"))
    )


def is_valid_cancel_body(body: bytes) -> bool:
    """The documented body: empty, or an object of optional cancelOperation/reason."""
    if not body.strip():
        return True
    data = json_object(body)
    return (
        data is not None
        and set(data) <= {"cancelOperation", "reason"}
        and isinstance(data.get("cancelOperation", False), bool)
        and isinstance(data.get("reason", ""), str)
        and len(data.get("reason", "")) <= 500
    )


# Values of `api` a careless client sends: wrong case, spaces, the other API's old names.
near_miss_apis = st.sampled_from(
    ["CPP", "Cpp", " cpp", "productingestion", "ProductIngestion", "product-ingestion", "graph"]
) | st.text(max_size=20)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


def encoded(value: Any) -> bytes:
    return json.dumps(value).encode()


DEEP = b"[" * 12_000  # past the JSON decoder's recursion limit, under the 16 KB cap


@st.composite
def nested(draw: st.DrawFn) -> bytes:
    depth = draw(st.sampled_from([5_000, 8_000, 12_000, 16_000]) | st.integers(900, 16_000))
    closed = draw(st.booleans())
    opener = draw(st.sampled_from(["[", '{"a":']))
    text = opener * depth + ("]" * depth if closed and opener == "[" else "")
    return text.encode()


# Texts that are no request: wrong JSON, wrong fields, wrong types, huge, deep, not UTF-8.
bad_bodies = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200).map(lambda t: t.encode("utf-8", errors="surrogatepass")),
    json_values.map(encoded),
    st.dictionaries(st.text(max_size=20), json_values, min_size=1, max_size=4).map(encoded),
    st.fixed_dictionaries({"requestId": json_values | st.text(min_size=129, max_size=300)}).map(
        encoded
    ),
    st.fixed_dictionaries({"cancelOperation": json_values, "reason": json_values}).map(encoded),
    st.fixed_dictionaries({"api": json_values | near_miss_apis}).map(encoded),
    st.integers(min_value=16 * 1024 + 1, max_value=200_000).map(lambda n: b'"' + b"x" * n + b'"'),
    nested(),
)
content_types = st.sampled_from(
    [None, "application/json", "text/plain", "application/x-www-form-urlencoded", "x/y; z"]
)


def assert_clear_refusal(response: Any, expected: set[int]) -> None:
    assert response.status_code in expected, (response.status_code, response.text[:300])
    if response.status_code == 400:
        error = response.json()["error"]
        assert error["code"] and error["message"]


def headers_for(content_type: str | None) -> dict[str, str]:
    return {"Content-Type": content_type} if content_type else {}


BODY_ROUTES = {"start": ("", is_valid_start_body), "cancel": ("/cancel", is_valid_cancel_body)}


@pytest.mark.parametrize("route", BODY_ROUTES)
@given(body=bad_bodies, content_type=content_types)
@example(body=DEEP, content_type="application/json")
@example(body=b'{"reason": "' + b"x" * 5_000_000 + b'"}', content_type=None)
@EXAMPLES
def test_an_invalid_body_is_400_with_a_json_reason(
    bad_input_app: HostedApp, route: str, body: bytes, content_type: str | None
) -> None:
    suffix, is_valid = BODY_ROUTES[route]
    assume(not is_valid(body))
    response = bad_input_app.request(
        "POST", f"/api/golive/{OFFER}{suffix}", data=body, headers=headers_for(content_type)
    )
    assert_clear_refusal(response, {400})


@given(publisher=st.text(max_size=70), offer=st.text(max_size=70), action=st.integers(0, 2))
@EXAMPLES
def test_invalid_route_parameters_are_refused(
    bad_input_app: HostedApp, publisher: str, offer: str, action: int
) -> None:
    assume(not (VALID_ID.fullmatch(publisher) and VALID_ID.fullmatch(offer)))
    path = "/api/golive/" + quote(publisher, safe="") + "/" + quote(offer, safe="")
    method, suffix = [("POST", ""), ("GET", ""), ("POST", "/cancel")][action]
    response = bad_input_app.request(method, path + suffix)
    if method == "GET" and response.status_code == 200:  # empty segments: the list route
        assert response.json()["goLives"] == []
        return
    assert_clear_refusal(response, {400, 404, 405})


@given(method=st.sampled_from(["PUT", "DELETE", "PATCH", "OPTIONS"]), cancel=st.booleans())
@EXAMPLES
def test_other_methods_are_refused(bad_input_app: HostedApp, method: str, cancel: bool) -> None:
    path = f"/api/golive/{OFFER}" + ("/cancel" if cancel else "")
    assert_clear_refusal(bad_input_app.request(method, path, data=b"{}"), {404, 405})


# Queue message texts: what the host decodes (base64) and what it cannot.
queue_texts = st.one_of(
    bad_bodies.map(lambda raw: ("base64", raw)),
    st.fixed_dictionaries(
        {
            "publisherId": json_values | st.text(max_size=80),
            "offerId": json_values | st.text(max_size=80),
        }
    ).map(lambda d: ("base64", encoded(d))),
    st.fixed_dictionaries(
        {"publisherId": st.just("contoso"), "offerId": st.just("bad-api"), "api": near_miss_apis}
    ).map(lambda d: ("base64", encoded(d))),
    st.text(alphabet="!?*~ \u00e9\u4e2d", min_size=1, max_size=40).map(
        lambda t: ("raw", t.encode())
    ),
)


def is_valid_message(raw: bytes) -> bool:
    data = json_object(raw)
    if data is None:
        return False
    if not set(data) <= {"publisherId", "offerId", "requestId", "correlationId", "api"}:
        return False
    ids = (data.get("publisherId"), data.get("offerId"))
    return (
        all(isinstance(i, str) and VALID_ID.fullmatch(i) for i in ids)
        and all(is_token_or_none(data.get(k)) for k in ("requestId", "correlationId"))
        and is_api_or_none(data.get("api"))
    )


def test_invalid_queue_messages_land_in_poison_with_their_reason_logged_once(
    bad_input_app: HostedApp,
) -> None:
    app = bad_input_app
    sent: dict[str, str] = {}  # message id -> the text as stored in the queue

    @given(item=queue_texts)
    @example(item=("base64", DEEP))
    @settings(EXAMPLES, max_examples=25)
    def send(item: tuple[str, bytes]) -> None:
        how, raw = item
        assume(len(raw) <= 40_000 and not is_valid_message(raw))
        if how == "raw":
            text = raw.decode()
            sent[app.send_raw(text)] = text
        else:
            sent[app.send(raw)] = base64.b64encode(raw).decode("ascii")

    send()
    deadline = time.monotonic() + 120
    poisoned: list[str] = []
    while True:
        poisoned = app.poisoned()
        if all(text in poisoned for text in sent.values()):
            break
        assert time.monotonic() < deadline, f"{len(sent)} sent, {len(poisoned)} in poison"
        time.sleep(0.5)
    log = app.log_text().splitlines()
    for message_id in sent:
        lines = [
            line
            for line in log
            if message_id in line and ("invalid go-live message" in line or "-poison" in line)
        ]
        reasons = [line for line in lines if "reason=" in line or "(" in line]
        app_lines = [line for line in lines if "invalid go-live message" in line]
        assert reasons, f"no reason logged for {message_id}"
        assert len(app_lines) <= 1, app_lines


def test_nothing_started_and_no_api_called(bad_input_app: HostedApp) -> None:
    """Runs after the suites above (file order): all their input was invalid."""
    assert bad_input_app.instances() == []
    assert bad_input_app.simulators.cpp.requests == []
    assert bad_input_app.simulators.ingestion.requests == []

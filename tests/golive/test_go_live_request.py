"""Go-live requests: strict parsing of queue messages and HTTP input, and instance ids."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest

from golive.apis import GoLiveApi
from golive.go_live_request import (
    GoLiveRequest,
    InvalidRequestError,
    parse_http_request,
    parse_queue_message,
)


def message(**fields: object) -> str:
    return json.dumps(fields)


def test_a_full_queue_message() -> None:
    request = parse_queue_message(
        message(publisherId="contoso", offerId="contoso-offer", requestId="r-1", correlationId="c")
    )
    assert request == GoLiveRequest("contoso", "contoso-offer", "r-1", "c")


def test_optional_ids_may_be_missing_or_null() -> None:
    expected = GoLiveRequest("contoso", "offer_1", None, None)
    assert parse_queue_message(message(publisherId="contoso", offerId="offer_1")) == expected
    assert (
        parse_queue_message(
            message(publisherId="contoso", offerId="offer_1", requestId=None, correlationId=None)
        )
        == expected
    )


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "not valid JSON"),
        ("{", "not valid JSON"),
        ("[]", "JSON object"),
        ('"contoso"', "JSON object"),
        (message(offerId="o"), "publisherId is required"),
        (message(publisherId="p"), "offerId is required"),
        (message(publisherId="p", offerId=""), "offerId is required"),
        (message(publisherId=7, offerId="o"), "publisherId must be a string"),
        (message(publisherId="p", offerId="o", requestId=5), "requestId must be a string"),
        (message(publisherId="p", offerId="o", offerID="o"), "unknown field(s) 'offerID'"),
        ('{"publisherId": "p", "offerId": "o", "offerId": "x"}', "repeats the field 'offerId'"),
        ("x" * 20000, "longer than"),
    ],
)
def test_bad_queue_messages_say_why(text: str, words: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        parse_queue_message(text)
    assert words in caught.value.reason
    assert str(caught.value) == caught.value.reason


BAD_IDS = [
    "a/b",
    "..",
    "a.b",
    "a%2F",
    "a$b",
    "a b",
    "a?b",
    "a#b",
    "a\\b",
    "a:b",
    "-abc",
    "_abc",
    "abc\n",
    "ünïcode",
    "a" * 51,
]


@pytest.mark.parametrize("bad", BAD_IDS)
@pytest.mark.parametrize("field", ["publisherId", "offerId"])
def test_ids_that_could_change_a_url_are_refused(bad: str, field: str) -> None:
    fields = {"publisherId": "contoso", "offerId": "offer", field: bad}
    with pytest.raises(InvalidRequestError) as caught:
        parse_queue_message(json.dumps(fields))
    assert caught.value.reason.startswith(f"{field} ")


@pytest.mark.parametrize("good", ["a", "A9", "contoso-offer_2", "x" * 50, "9lives"])
def test_plain_ids_are_accepted(good: str) -> None:
    assert parse_queue_message(message(publisherId=good, offerId=good)).offer_id == good


@pytest.mark.parametrize("good", ["r", "2025-01-01T00:00:00Z", "a.b_c:d-e", "x" * 128])
def test_request_and_correlation_ids(good: str) -> None:
    request = parse_queue_message(
        message(publisherId="p", offerId="o", requestId=good, correlationId=good)
    )
    assert (request.request_id, request.correlation_id) == (good, good)


@pytest.mark.parametrize("bad", ["", "x" * 129, "a b", "a/b", "a$b", "é"])
@pytest.mark.parametrize("field", ["requestId", "correlationId"])
def test_bad_request_and_correlation_ids(bad: str, field: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        parse_queue_message(json.dumps({"publisherId": "p", "offerId": "o", field: bad}))
    assert caught.value.reason.startswith(f"{field} ")


def test_long_bad_values_are_not_echoed_in_full() -> None:
    with pytest.raises(InvalidRequestError) as caught:
        parse_queue_message(message(publisherId="p", offerId="/" * 5000))
    assert len(caught.value.reason) < 300


@pytest.mark.parametrize("body", [b"", b"  \n", b"{}"])
def test_http_requests_may_have_no_body(body: bytes) -> None:
    assert parse_http_request("contoso", "offer", body) == GoLiveRequest("contoso", "offer")


def test_http_body_carries_the_optional_ids() -> None:
    body = json.dumps({"requestId": "r-9", "correlationId": "c-9"}).encode()
    assert parse_http_request("contoso", "offer", body) == GoLiveRequest(
        "contoso", "offer", "r-9", "c-9"
    )


@pytest.mark.parametrize(
    ("publisher", "offer", "body", "words"),
    [
        ("contoso", "a.b", b"", "offerId"),
        ("con/toso", "offer", b"", "publisherId"),
        ("contoso", "offer", b"[1]", "JSON object"),
        ("contoso", "offer", b"{nope", "not valid JSON"),
        ("contoso", "offer", b"\xff\xfe", "UTF-8"),
        ("contoso", "offer", b'{"offerId": "other"}', "unknown field(s) 'offerId'"),
        ("contoso", "offer", b'{"requestId": "a b"}', "requestId"),
    ],
)
def test_bad_http_requests_say_why(publisher: str, offer: str, body: bytes, words: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        parse_http_request(publisher, offer, body)
    assert words in caught.value.reason


def test_round_trip_through_json() -> None:
    request = GoLiveRequest("contoso", "offer", "r", None)
    assert request.to_json() == {
        "publisherId": "contoso",
        "offerId": "offer",
        "requestId": "r",
        "correlationId": None,
        "api": None,
    }
    assert GoLiveRequest.from_json(json.loads(json.dumps(request.to_json()))) == request


def instance_id_for(publisher_id: str, offer_id: str) -> str:
    return parse_http_request(publisher_id, offer_id, b"").instance_id


def test_the_api_is_chosen_in_the_message_or_the_body() -> None:
    queued = parse_queue_message(message(publisherId="p", offerId="o", api="productIngestion"))
    assert queued.api is GoLiveApi.PRODUCT_INGESTION
    assert parse_http_request("p", "o", b'{"api": "cpp"}').api is GoLiveApi.CPP
    assert parse_http_request("p", "o", b"").api is None  # the starter applies the default
    routed = GoLiveRequest("p", "o", api=GoLiveApi.PRODUCT_INGESTION)
    assert GoLiveRequest.from_json(routed.to_json()) == routed
    for bad in (b'{"api": "CPP"}', b'{"api": 1}', b'{"api": "ingestion"}'):
        with pytest.raises(InvalidRequestError) as caught:
            parse_http_request("p", "o", bad)
        assert '"cpp" or "productIngestion"' in caught.value.reason


def test_instance_ids_are_one_per_offer_whatever_the_case() -> None:
    assert instance_id_for("Contoso", "Offer-1") == "golive:contoso:offer-1"
    assert instance_id_for("CONTOSO", "OFFER-1") == instance_id_for("contoso", "offer-1")
    assert GoLiveRequest("Contoso", "Offer-1").instance_id == "golive:contoso:offer-1"


def test_instance_ids_are_unambiguous() -> None:
    pairs = [("a-b", "c"), ("a", "b-c"), ("a_b", "c"), ("a", "b_c"), ("ab", "c"), ("a", "bc")]
    assert len({instance_id_for(p, o) for p, o in pairs}) == len(pairs)


def test_instance_ids_are_valid_durable_ids_and_url_safe() -> None:
    longest = instance_id_for("p" * 50, "o" * 50)
    for instance_id in (instance_id_for("a", "b"), longest):
        assert 1 <= len(instance_id) <= 256
        assert not instance_id.startswith("@")
        assert not re.search(r"[/\\#?\x00-\x1f\x7f]", instance_id)
        assert quote(instance_id, safe=":") == instance_id


def test_instance_ids_need_valid_ids() -> None:
    with pytest.raises(InvalidRequestError):
        instance_id_for("a:b", "c")

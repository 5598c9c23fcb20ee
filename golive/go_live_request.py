"""A request to take one offer live, validated once, where it arrives by queue or HTTP.

Publisher and offer ids end up inside CPP URL paths and the Durable instance id, so they
are restricted to letters, digits, `-` and `_`: nothing that could add a path segment,
escape, or query. Queue messages are strict JSON objects with known fields only: a typo
such as `requestID` would otherwise silently disable duplicate detection.

`parse_queue_message` and `parse_http_request` are the only ways in from outside; past
them a `GoLiveRequest` travels as a typed value (`to_json`/`from_json` across the Durable
boundaries) and is not checked again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from golive.apis import GoLiveApi
from golive.errors import InvalidRequestError
from golive.json_fields import from_json_fields, json_fields

__all__ = [
    "GoLiveRequest",
    "InvalidRequestError",
    "parse_http_request",
    "parse_queue_message",
]

MAX_OFFER_ID_LENGTH = 50
MAX_TOKEN_LENGTH = 128
MAX_MESSAGE_CHARS = 16 * 1024

_OFFER_ID = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_-]{{0,{MAX_OFFER_ID_LENGTH - 1}}}")
_TOKEN = re.compile(rf"[A-Za-z0-9._:-]{{1,{MAX_TOKEN_LENGTH}}}")

_QUEUE_FIELDS = ("publisherId", "offerId", "requestId", "correlationId", "api")
_HTTP_BODY_FIELDS = ("requestId", "correlationId", "api")

INSTANCE_ID_PREFIX = "golive"
# `:` can appear in no publisher or offer id, so the instance id splits back unambiguously.
INSTANCE_ID_SEPARATOR = ":"


@dataclass(frozen=True)
class GoLiveRequest:
    """Take `offer_id` of `publisher_id` live; the optional ids travel into the events.

    Built from outside input only by the `parse_*` functions, which check every id.
    """

    publisher_id: str
    offer_id: str
    request_id: str | None = None
    correlation_id: str | None = None
    # Which API takes the offer live; None until the starter applies GOLIVE_DEFAULT_API.
    api: GoLiveApi | None = None

    @property
    def instance_id(self) -> str:
        """The Durable instance id of the offer's go-live: `golive:{publisher}:{offer}`.

        Lowercased, because CPP treats ids case-insensitively and two spellings of one
        offer must not run two go-lives. Valid as an instance id (no `/ \\ # ?`, no
        leading `@`, at most 108 characters) and safe in a URL path segment (`:` is a
        legal path char, and can appear in no id, so the instance id splits back).
        """
        sep = INSTANCE_ID_SEPARATOR
        publisher, offer = self.publisher_id.lower(), self.offer_id.lower()
        return f"{INSTANCE_ID_PREFIX}{sep}{publisher}{sep}{offer}"

    def to_json(self) -> dict[str, Any]:
        return json_fields(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> GoLiveRequest:
        """Rebuild what `to_json()` wrote (it was checked when it first arrived)."""
        return from_json_fields(cls, data, {"api": GoLiveApi})


def parse_queue_message(text: str) -> GoLiveRequest:
    """Parse a queue message: a JSON object with publisherId, offerId, optional ids and api.

    Unknown fields are rejected (see module docstring); `null` counts as absent for the
    optional ids.
    """
    if len(text) > MAX_MESSAGE_CHARS:
        raise InvalidRequestError(f"the message is longer than {MAX_MESSAGE_CHARS} characters")
    data = _load_object(text, what="the message")
    _reject_unknown(data, _QUEUE_FIELDS, what="the message")
    return _checked(data)


def parse_http_request(publisher_id: str, offer_id: str, body: bytes) -> GoLiveRequest:
    """Build a request from the route's ids and an optional JSON body.

    The body may be empty (or whitespace); otherwise it is a JSON object with only the
    optional `requestId`, `correlationId` and `api` ("cpp" or "productIngestion").
    """
    data: dict[str, Any] = {}
    if body.strip():
        if len(body) > MAX_MESSAGE_CHARS:
            raise InvalidRequestError(f"the body is longer than {MAX_MESSAGE_CHARS} bytes")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidRequestError("the body is not UTF-8 text") from None
        data = _load_object(text, what="the body")
        _reject_unknown(data, _HTTP_BODY_FIELDS, what="the body")
    return _checked({**data, "publisherId": publisher_id, "offerId": offer_id})


def _checked(data: Mapping[str, Any]) -> GoLiveRequest:
    """The request `data` describes, every id checked: the one validation there is."""
    request = GoLiveRequest(
        publisher_id=_required(data, "publisherId"),
        offer_id=_required(data, "offerId"),
        request_id=_optional(data, "requestId"),
        correlation_id=_optional(data, "correlationId"),
        api=_api(data.get("api")),
    )
    _check_offer_id("publisherId", request.publisher_id)
    _check_offer_id("offerId", request.offer_id)
    _check_token("requestId", request.request_id)
    _check_token("correlationId", request.correlation_id)
    return request


def _api(value: object) -> GoLiveApi | None:
    if value is None:
        return None
    try:
        return GoLiveApi.parse(value)
    except ValueError as error:
        raise InvalidRequestError(str(error)) from None


def _load_object(text: str, *, what: str) -> dict[str, Any]:
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except _DuplicateKeyError as error:
        raise InvalidRequestError(f"{what} repeats the field {error.key!r}") from None
    except ValueError as error:
        raise InvalidRequestError(f"{what} is not valid JSON ({error})") from None
    except RecursionError:  # not a ValueError: it would escape as a 500 or an unlogged retry
        raise InvalidRequestError(f"{what} is nested too deeply to be a request") from None
    if not isinstance(data, dict):
        raise InvalidRequestError(f"{what} must be a JSON object")
    return data


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(key)
        result[key] = value
    return result


def _reject_unknown(data: Mapping[str, Any], allowed: tuple[str, ...], *, what: str) -> None:
    unknown = sorted(key for key in data if key not in allowed)
    if unknown:
        names = ", ".join(repr(_clip(key)) for key in unknown[:5])
        raise InvalidRequestError(
            f"{what} has unknown field(s) {names}; allowed: {', '.join(allowed)}"
        )


def _required(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if value is None:
        raise InvalidRequestError(f"{name} is required")
    if not isinstance(value, str):
        raise InvalidRequestError(f"{name} must be a string")
    return value


def _optional(data: Mapping[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidRequestError(f"{name} must be a string")
    return value


def _check_offer_id(name: str, value: object) -> None:
    if not isinstance(value, str):
        raise InvalidRequestError(f"{name} must be a string")
    if not value:
        raise InvalidRequestError(f"{name} is required")
    if not _OFFER_ID.fullmatch(value):
        raise InvalidRequestError(
            f"{name} {_clip(value)!r} is invalid: use 1-{MAX_OFFER_ID_LENGTH} letters, "
            "digits, '-' or '_', starting with a letter or digit"
        )


def _check_token(name: str, value: object) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise InvalidRequestError(f"{name} must be a string")
    if not _TOKEN.fullmatch(value):
        raise InvalidRequestError(
            f"{name} {_clip(value)!r} is invalid: use 1-{MAX_TOKEN_LENGTH} letters, digits, "
            "'.', '_', ':' or '-'"
        )


def _clip(value: str, limit: int = 60) -> str:
    """Echo at most `limit` characters of a bad value back into an error message."""
    return value if len(value) <= limit else value[:limit] + "…"

"""The Cloud Partner Portal go-live API: start, poll and cancel, each answer classified.

Safety rule: the bearer token is attached only to URLs on the configured CPP origin
(https, or http on a loopback host when the base URL itself is loopback http). CPP's
`Location` header is checked against that origin before anything follows it, and
checked again right before every poll. Redirects are never followed. Nothing here logs
a header, so the token cannot reach a log.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qsl, quote, urljoin, urlsplit, urlunsplit

import requests
from azure.core.credentials import TokenCredential

from golive.activity_results import (
    Accepted,
    CancelAccepted,
    CancelResult,
    OperationStatus,
    PollResult,
    Rejected,
    StartResult,
    Transient,
    UnsafeLocation,
)
from golive.bearer_http import (
    Answer,
    BearerClient,
    BearerSession,
    checked_origin,
    classify_failure,
    clip,
)
from golive.errors import UnsafeLocationError
from golive.go_live_request import GoLiveRequest
from golive.http_headers import retry_after_seconds
from golive.operation import OperationFormatError, Outcome, classify_status, parse_operation
from golive.origin import Origin, origin_of

__all__ = ["API_VERSION", "CppClient", "UnsafeLocationError", "resolve_operation_url"]

API_VERSION = "2017-10-31"

_log = logging.getLogger(__name__)

_HINT_401 = (
    "CPP did not accept the bearer token. Check that the token is issued for "
    "CPP_TOKEN_SCOPE https://cloudpartner.azure.com/.default and that the app's managed "
    "identity (MANAGED_IDENTITY_CLIENT_ID for a user-assigned one) is the identity you "
    "registered."
)
_HINT_403 = (
    "The app's identity is not allowed on this publisher account. Grant the app's managed "
    "identity (its Azure AD application/service principal) access to the publisher "
    "account in Partner Center (Users > Azure AD applications, role Owner or Manager), "
    "and check the token audience is https://cloudpartner.azure.com."
)


def resolve_operation_url(base_url: str, location: str) -> str:
    """Turn CPP's `Location`/`Operation-Location` value into the absolute URL to poll.

    A relative path is resolved against `base_url`; literal `$` (non-migrated offers) is
    kept as is; `api-version` is added when missing; a fragment is dropped. Raises
    UnsafeLocationError unless the result has the same scheme, host and port as
    `base_url`, and `base_url` is https or loopback http.
    """
    base = _checked_base_origin(base_url)
    value = location.strip()
    if not value:
        raise UnsafeLocationError("the operation location is empty")
    if any(not ("!" <= char <= "~") or char == "\\" for char in value):
        raise UnsafeLocationError(
            "the operation location contains spaces, control or non-ASCII characters, "
            "or a backslash"
        )
    resolved = urljoin(base_url.rstrip("/") + "/", value)
    try:
        target = origin_of(resolved)
        parts = urlsplit(resolved)
    except ValueError as error:
        raise UnsafeLocationError(f"the operation location is not a valid URL ({error})") from None
    if parts.username is not None or parts.password is not None:
        raise UnsafeLocationError("the operation location carries user information")
    if target != base:
        raise UnsafeLocationError(
            f"the operation location's origin {target} is not the CPP origin {base}"
        )
    query = parts.query
    if not any(key.lower() == "api-version" for key, _ in parse_qsl(query, True)):
        query = f"{query}&api-version={API_VERSION}" if query else f"api-version={API_VERSION}"
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def _checked_base_origin(base_url: str) -> Origin:
    return checked_origin(base_url, "CPP")


class CppClient(BearerClient):
    """Calls the CPP go-live API with a bearer token from `credential` for `scope`."""

    def __init__(
        self,
        base_url: str,
        credential: TokenCredential,
        scope: str,
        timeout: float,
        session: requests.Session | None = None,
    ) -> None:
        # Refuses a base that would leak the token.
        self._http = BearerSession("CPP", base_url, credential, scope, timeout, session)
        self._base_url = base_url.rstrip("/")

    # -- public calls ---------------------------------------------------------------

    def go_live(self, request: GoLiveRequest) -> StartResult:
        """POST .../golive; Accepted carries the absolute, origin-checked operation URL."""
        answer = self._call("POST", self._offer_url(request, "golive"))
        if not isinstance(answer, Answer):
            return answer
        if answer.status == 409:
            return self._running_go_live(request, answer)
        if not answer.ok:
            return _classify_failure(answer)
        location = _operation_header(answer)
        if location is None:
            return Rejected(
                http_status=answer.status,
                code="MissingOperationLocation",
                message=(
                    f"CPP answered {answer.status} to go-live but sent neither a Location "
                    "nor an Operation-Location header, so the operation cannot be followed"
                ),
            )
        try:
            return Accepted(operation_url=resolve_operation_url(self._base_url, location))
        except UnsafeLocationError as error:
            _log.warning("CPP go-live answered with an unsafe operation location: %s", error)
            return UnsafeLocation(location=clip(location), reason=str(error))

    def get_operation(self, operation_url: str) -> PollResult:
        """GET the operation; the URL is origin-checked again before the token is sent."""
        try:
            url = resolve_operation_url(self._base_url, operation_url)
        except UnsafeLocationError as error:
            return UnsafeLocation(location=clip(operation_url), reason=str(error))
        answer = self._call("GET", url)
        if not isinstance(answer, Answer):
            return answer
        if not answer.ok:
            return _classify_failure(answer)
        try:
            snapshot = parse_operation(answer.json())
        except (ValueError, OperationFormatError) as error:
            # A proxy or gateway page in place of the operation: try again later rather
            # than end a go-live that may well be progressing.
            return Transient(
                reason=f"CPP answered {answer.status} with an unreadable operation ({error})",
                http_status=answer.status,
            )
        retry_after = retry_after_seconds(answer.headers)
        return OperationStatus(snapshot=snapshot, retry_after_seconds=retry_after)

    def cancel_go_live(self, request: GoLiveRequest) -> CancelResult:
        """POST .../cancel; 200 and 202 both count as accepted (CPP gives no stronger proof)."""
        answer = self._call("POST", self._offer_url(request, "cancel"))
        if not isinstance(answer, Answer):
            return answer
        if not answer.ok:
            return _classify_failure(answer)
        location = _operation_header(answer)
        operation_url = None
        if location is not None:
            try:
                operation_url = resolve_operation_url(self._base_url, location)
            except UnsafeLocationError as error:
                _log.warning("CPP cancel answered with an unsafe operation location: %s", error)
        return CancelAccepted(http_status=answer.status, operation_url=operation_url)

    def _running_go_live(self, request: GoLiveRequest, conflict: Answer) -> StartResult:
        """A 409: a go-live already runs, most often ours, accepted behind a timeout.

        Activities run at least once, so a repeated POST must not end the run Rejected:
        list the offer's operations and follow the one in progress instead.
        """
        listing = self._call("GET", self._offer_url(request, "operations"))
        if not isinstance(listing, Answer):
            return listing
        if not listing.ok:
            # The listing itself failed: a transient answer is retried as such, rather
            # than ending a go-live that CPP may well be running.
            return _classify_failure(listing)
        try:
            items = listing.json()
        except ValueError:
            items = None
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                continue
            if _is_go_live(item) and classify_status(item.get("status")) is Outcome.IN_PROGRESS:
                path = f"operations/{quote(item['id'], safe='')}"
                return Accepted(operation_url=self._offer_url(request, path))
        return _classify_failure(conflict)

    # -- plumbing ---------------------------------------------------------------------

    def _offer_url(self, request: GoLiveRequest, action: str) -> str:
        # The ids were checked where the request arrived; quoting keeps each in one segment.
        publisher = quote(request.publisher_id, safe="")
        offer = quote(request.offer_id, safe="")
        return (
            f"{self._base_url}/api/publishers/{publisher}/offers/{offer}/{action}"
            f"?api-version={API_VERSION}"
        )

    def _call(self, method: str, url: str) -> Answer | Transient:
        """Send one request with the bearer token; transport trouble becomes Transient."""
        # The last line of defence: whatever built `url`, the token goes nowhere else, and
        # what is sent is the URL exactly as checked.
        return self._http.send(method, resolve_operation_url(self._base_url, url))


def _is_go_live(operation: dict[str, Any]) -> bool:
    """A go-live operation, not a publish; a listing without the field is taken as is."""
    kind = operation.get("submissionType")
    return not isinstance(kind, str) or "live" in kind.lower()


def _operation_header(answer: Answer) -> str | None:
    for name in ("Location", "Operation-Location"):
        value = answer.headers.get(name)
        if value and value.strip():
            return value
    return None


def _classify_failure(answer: Answer) -> Rejected | Transient:
    """Every non-2xx answer: 408, 429 and 5xx may pass; anything else needs a fix first."""
    return classify_failure(answer, "CPP", _error_body(answer), {401: _HINT_401, 403: _HINT_403})


def _error_body(answer: Answer) -> tuple[str, str]:
    """CPP's `{"error": {"code", "message"}}`, or the best that can be read instead."""
    fallback_code = f"HTTP{answer.status}"
    try:
        data = answer.json()
    except ValueError:
        text = answer.body.decode("utf-8", "replace").strip()
        return fallback_code, clip(text) if text else f"CPP answered {answer.status}"
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        error = data if isinstance(data, dict) else {}
    code = error.get("code")
    message = error.get("message")
    return (
        clip(str(code)) if code else fallback_code,
        clip(str(message)) if message else f"CPP answered {answer.status}",
    )

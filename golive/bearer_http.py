"""HTTP with a bearer token, to one origin only: what the CPP and Product Ingestion clients share.

`BearerSession.send` attaches the token only to a URL on the origin it was built for
(https, or http on a loopback host), never follows a redirect, reads at most
MAX_BODY_BYTES of an answer, and turns transport trouble (timeouts, resets, a token that
cannot be had) into `Transient`. Nothing here logs a header, so no token reaches a log.
`classify_failure` sorts the non-2xx answers: 408, 429 and 5xx may pass; anything else
needs a fix first.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any, Self
from urllib.parse import urlsplit

import requests
from azure.core.credentials import TokenCredential
from azure.core.exceptions import AzureError
from requests.structures import CaseInsensitiveDict

from golive.activity_results import Rejected, Transient
from golive.errors import UnsafeLocationError
from golive.http_headers import retry_after_seconds
from golive.origin import Origin, origin_of

__all__ = [
    "MAX_BODY_BYTES",
    "Answer",
    "BearerClient",
    "BearerSession",
    "checked_origin",
    "classify_failure",
    "clip",
]

MAX_BODY_BYTES = 2 * 1024 * 1024
USER_AGENT = "marketplace-golive-orchestrator/0.1"
_MAX_ECHO = 500

_log = logging.getLogger(__name__)


class Answer:
    """Status, headers and (bounded) body of one HTTP answer."""

    def __init__(self, status: int, headers: CaseInsensitiveDict[str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8-sig"))


def checked_origin(base_url: str, service: str) -> Origin:
    """The origin of `base_url`, if a token may go there; else UnsafeLocationError."""
    try:
        origin = origin_of(base_url)
    except ValueError as error:
        raise UnsafeLocationError(f"the {service} base URL is not valid ({error})") from None
    if origin.scheme != "https" and not origin.is_loopback:
        raise UnsafeLocationError(
            f"the {service} base URL must be https unless its host is loopback"
        )
    parts = urlsplit(base_url)
    if parts.username is not None or parts.password is not None or parts.query:
        raise UnsafeLocationError(f"the {service} base URL must not carry a user or a query")
    return origin


class BearerSession:
    """Requests to `service` at `base_url`'s origin, each with a token for `scope`."""

    def __init__(
        self,
        service: str,
        base_url: str,
        credential: TokenCredential,
        scope: str,
        timeout: float,
        session: requests.Session | None = None,
    ) -> None:
        self.service = service
        self.origin = checked_origin(base_url, service)
        self._credential = credential
        self._scope = scope
        self._timeout = timeout
        self._own_session = session is None
        self._session = session if session is not None else requests.Session()

    def close(self) -> None:
        if self._own_session:
            self._session.close()

    def send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> Answer | Transient:
        """One request; the answer whatever its status, or Transient for transport trouble."""
        if origin_of(url) != self.origin:  # the last line of defence for the token
            raise UnsafeLocationError(
                f"refusing to send the {self.service} token outside {self.origin}"
            )
        try:
            token = self._credential.get_token(self._scope).token
        except AzureError as error:
            return Transient(reason=f"could not get a token for {self._scope}: {clip(str(error))}")
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        if method == "POST":
            headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode("utf-8") if body is not None else None
        path = urlsplit(url).path
        try:
            with self._session.request(
                method,
                url,
                params=params,
                data=data,
                headers=headers,
                timeout=self._timeout,
                allow_redirects=False,
                stream=True,
            ) as response:
                content = response.raw.read(MAX_BODY_BYTES + 1, decode_content=True)
                answer = Answer(response.status_code, response.headers, content)
        except requests.Timeout:
            _log.warning("%s %s %s timed out after %ss", self.service, method, path, self._timeout)
            return Transient(
                reason=f"{self.service} did not answer within {self._timeout:g} seconds"
            )
        except (requests.RequestException, OSError) as error:
            kind = type(error).__name__
            _log.warning("%s %s %s failed: %s", self.service, method, path, kind)
            return Transient(reason=f"could not reach {self.service} ({kind})")
        if len(answer.body) > MAX_BODY_BYTES:
            return Transient(
                reason=f"{self.service}'s answer is larger than {MAX_BODY_BYTES} bytes"
            )
        _log.info("%s %s %s -> %s", self.service, method, path, answer.status)
        return answer


def classify_failure(
    answer: Answer, service: str, error: tuple[str, str], hints: Mapping[int, str]
) -> Rejected | Transient:
    """A non-2xx answer, with the (code, message) read from its body and hints by status."""
    code, message = error
    status = answer.status
    if status in (408, 429) or status >= 500:
        return Transient(
            reason=f"{service} answered {status} {code}: {message}",
            retry_after_seconds=retry_after_seconds(answer.headers),
            http_status=status,
        )
    if 300 <= status < 400:
        return Rejected(
            http_status=status,
            code="UnexpectedRedirect",
            message=f"{service} answered with a redirect ({status}); redirects are not followed",
        )
    return Rejected(http_status=status, code=code, message=message, hint=hints.get(status))


def clip(text: str) -> str:
    """At most a few hundred characters of a text that came from outside."""
    return text if len(text) <= _MAX_ECHO else text[: _MAX_ECHO - 1] + "…"


class BearerClient:
    """Base of the API clients: their `BearerSession`, closed with the client."""

    _http: BearerSession

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

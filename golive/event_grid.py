"""Sends one CloudEvent to the Event Grid topic and says whether it was accepted.

The orchestrator owns retries (with durable timers, for at least a day), so the SDK is
told not to retry (`retry_total=0`) and every failure comes back as a result. The event
keeps the id, time and subject it was built with, so a re-run publishes the same event.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from azure.core.credentials import AzureKeyCredential, TokenCredential
from azure.core.exceptions import AzureError, HttpResponseError
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridPublisherClient

from golive.activity_results import Published, PublishFailed, PublishResult
from golive.http_headers import retry_after_seconds
from golive.origin import is_loopback_host

__all__ = ["EventGridSender"]

_log = logging.getLogger(__name__)
_MAX_REASON = 500

_SEND_OPTIONS = frozenset({"retry_total", "connection_timeout", "read_timeout", "enforce_https"})


class _DropSendOptionWarnings(logging.Filter):
    """Silence one warning per option per event that azure-eventgrid 4.22 logs.

    Its basic-topic `send()` passes the per-call options to its CloudEvent model as well
    as to the pipeline; the model warns it ignores them, while the pipeline does use them.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        return not (
            isinstance(record.msg, str)
            and record.msg.startswith("%s is not a known attribute of class")
            and isinstance(args, tuple)
            and bool(args)
            and args[0] in _SEND_OPTIONS
        )


logging.getLogger("azure.eventgrid._legacy._generated._serialization").addFilter(
    _DropSendOptionWarnings()
)


class EventGridSender:
    """Sends events with a topic key when one is set, else with the app's identity."""

    def __init__(
        self,
        endpoint: str,
        key: str | None,
        credential: TokenCredential | None,
        *,
        timeout: float = 30.0,
    ) -> None:
        parts = urlsplit(endpoint)
        loopback_http = parts.scheme == "http" and is_loopback_host(parts.hostname or "")
        if parts.scheme != "https" and not loopback_http:
            raise ValueError("the Event Grid endpoint must be https unless its host is loopback")
        auth: AzureKeyCredential | TokenCredential
        if key:
            auth = AzureKeyCredential(key)
        elif credential is not None:
            auth = credential
        else:
            raise ValueError("an Event Grid topic key or a token credential is required")
        self._uses_token = not key
        self._loopback_http = loopback_http
        self._timeout = timeout
        self._client = EventGridPublisherClient(endpoint, auth)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> EventGridSender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, event: Mapping[str, Any]) -> PublishResult:
        """Send one event (a CloudEvents JSON dict, as built by golive.events)."""
        options: dict[str, Any] = {
            "retry_total": 0,
            "connection_timeout": self._timeout,
            "read_timeout": self._timeout,
        }
        if self._uses_token and self._loopback_http:
            # Only the bearer-token policy reads this option; it refuses plain http otherwise.
            options["enforce_https"] = False
        try:
            self._client.send(_cloud_event(event), **options)
        except HttpResponseError as error:
            return _http_failure(error)
        except AzureError as error:
            reason = f"could not reach Event Grid ({type(error).__name__})"
            _log.warning("publishing event %s failed: %s", event.get("id"), reason)
            return PublishFailed(reason=reason, transient=True)
        _log.info("published event %s (%s)", event.get("id"), event.get("type"))
        return Published()


def _cloud_event(event: Mapping[str, Any]) -> CloudEvent[Any]:
    if event.get("specversion") != "1.0":
        raise ValueError("only CloudEvents 1.0 events can be published")
    return CloudEvent(
        source=event["source"],
        type=event["type"],
        id=event["id"],
        time=datetime.fromisoformat(event["time"]),
        subject=event.get("subject"),
        datacontenttype=event.get("datacontenttype"),
        data=event.get("data"),
    )


def _http_failure(error: HttpResponseError) -> PublishFailed:
    # The SDK re-raises a 404 as a new error without the response; the cause has it.
    answered = _with_status(error)
    status = answered.status_code if answered else None
    response = answered.response if answered else None
    if status is None:
        # No answer at all (e.g. the token could not be obtained): may pass later.
        return PublishFailed(
            reason=f"Event Grid publish failed: {_clip(error.message)}", transient=True
        )
    retry_after = None
    if response is not None:
        headers = getattr(response, "headers", None) or {}
        retry_after = retry_after_seconds(headers)
    transient = status in (408, 429) or status >= 500
    assert answered is not None
    reason = f"Event Grid answered {status}: {_clip(answered.message or answered.reason or '')}"
    _log.warning("publishing an event failed: %s", reason)
    return PublishFailed(
        reason=reason, transient=transient, retry_after_seconds=retry_after, http_status=status
    )


def _with_status(error: BaseException | None) -> HttpResponseError | None:
    seen = 0
    while error is not None and seen < 5:
        if isinstance(error, HttpResponseError) and error.status_code is not None:
            return error
        error = error.__cause__ or error.__context__
        seen += 1
    return None


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_REASON else text[: _MAX_REASON - 1] + "…"

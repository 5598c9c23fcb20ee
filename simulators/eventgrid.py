"""An Event Grid topic that keeps what it receives.

`POST /api/events?api-version=2018-01-01` with `aeg-sas-key` or a bearer token for
`https://eventgrid.azure.net`; a JSON array of CloudEvents 1.0
(`application/cloudevents-batch+json`) or of Event Grid schema events (`application/json`).
It answers 200 with an empty body, 400 for a bad batch, 401 for bad credentials, 413 above
1 MB, and injected faults on demand. `GET /api/events` lists what was accepted.
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from aiohttp import web

from simulators.clock import Now, wall_clock
from simulators.server import InjectedStatuses, Simulator, error_response, json_response
from simulators.tokens import EVENTGRID_AUDIENCE, TokenAuthority

API_VERSION = "2018-01-01"
EVENTS_PATH = "/api/events"
MAX_BATCH_BYTES = 1024 * 1024
InputSchema = Literal["cloudevents", "eventgrid", "any"]

_CLOUDEVENT_REQUIRED = ("specversion", "id", "source", "type")
_EVENTGRID_REQUIRED = ("id", "subject", "eventType", "eventTime", "data", "dataVersion")
_CLOUDEVENT_CONTENT_TYPES = ("application/cloudevents-batch+json", "application/cloudevents+json")


class BatchRejected(Exception):
    """The batch breaks the schema; the message says where."""


class EventGridSimulator(Simulator):
    """A topic endpoint: check credentials and schema, keep the events, fail on demand."""

    name = "eventgrid"

    def __init__(
        self,
        *,
        authority: TokenAuthority | None = None,
        key: str | None = None,
        input_schema: InputSchema = "any",
        jsonl_path: Path | str | None = None,
        max_batch_bytes: int = MAX_BATCH_BYTES,
        now: Now = wall_clock,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(now=now, host=host, port=port)
        self.authority = authority or TokenAuthority()
        self.key = key or secrets.token_urlsafe(32)
        self.input_schema = input_schema
        self.jsonl_path = Path(jsonl_path) if jsonl_path is not None else None
        self.max_batch_bytes = max_batch_bytes
        self._lock = threading.Lock()
        self._events: list[dict[str, Any]] = []
        self._faults = InjectedStatuses()

    @property
    def endpoint(self) -> str:
        """The topic endpoint to give `EventGridPublisherClient`."""
        return self.base_url + EVENTS_PATH

    @property
    def events(self) -> list[dict[str, Any]]:
        """Accepted events, in arrival order (duplicates kept: delivery is at least once)."""
        with self._lock:
            return list(self._events)

    def clear_events(self) -> None:
        with self._lock:
            self._events.clear()

    def fail_next(self, count: int = 1, *, status: int = 503) -> None:
        """Answer the next `count` publish requests with `status` (e.g. 503, 401, 500)."""
        self._faults.add(status, count)

    def clear_faults(self) -> None:
        """Forget faults not yet met: the topic accepts again (the end of an outage)."""
        self._faults.clear()

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(EVENTS_PATH, self._publish)
        app.router.add_get(EVENTS_PATH, self._list)

    async def _list(self, request: web.Request) -> web.Response:
        return json_response(self.events)

    async def _publish(self, request: web.Request) -> web.Response:
        fault = self._faults.take()
        if fault is not None:
            return _injected(fault)
        if request.query.get("api-version") != API_VERSION:
            return error_response(400, "BadRequest", f"api-version must be {API_VERSION}")
        refusal = self._check_credentials(request)
        if refusal is not None:
            return error_response(401, "Unauthorized", refusal)
        body = await request.read()
        if len(body) > self.max_batch_bytes:
            return error_response(
                413,
                "RequestEntityTooLarge",
                f"The batch is {len(body)} bytes; the limit is {self.max_batch_bytes} bytes.",
            )
        try:
            events = self._parse(body, request.content_type)
        except BatchRejected as error:
            return error_response(400, "BadRequest", str(error))
        self._keep(events)
        return web.Response(status=200)

    def _check_credentials(self, request: web.Request) -> str | None:
        key = request.headers.get("aeg-sas-key")
        if key is not None:
            if hmac.compare_digest(key.encode(), self.key.encode()):
                return None
            return "the aeg-sas-key does not match the topic key"
        return self.authority.check_authorization(
            request.headers.get("Authorization"), EVENTGRID_AUDIENCE
        )

    def _parse(self, body: bytes, content_type: str) -> list[dict[str, Any]]:
        try:
            parsed = json.loads(body)
        except ValueError as error:
            raise BatchRejected(f"The body is not JSON: {error}") from error
        cloud_content = content_type in _CLOUDEVENT_CONTENT_TYPES
        if isinstance(parsed, dict) and content_type == "application/cloudevents+json":
            parsed = [parsed]
        if not isinstance(parsed, list) or not parsed:
            raise BatchRejected("The body must be a non-empty JSON array of events.")
        schema = self._schema_for(parsed, cloud_content)
        for index, event in enumerate(parsed):
            _validate(event, index, schema)
        return parsed

    def _schema_for(self, events: list[Any], cloud_content: bool) -> str:
        if self.input_schema == "cloudevents":
            if not cloud_content:
                raise BatchRejected(
                    "This topic takes CloudEvents: use content type "
                    "application/cloudevents-batch+json."
                )
            return "cloudevents"
        if self.input_schema == "eventgrid":
            if cloud_content:
                raise BatchRejected("This topic takes the Event Grid schema, not CloudEvents.")
            return "eventgrid"
        if cloud_content or all(isinstance(e, dict) and "specversion" in e for e in events):
            return "cloudevents"
        return "eventgrid"

    def _keep(self, events: list[dict[str, Any]]) -> None:
        with self._lock:
            self._events.extend(events)
            if self.jsonl_path is not None:
                with self.jsonl_path.open("a", encoding="utf-8") as sink:
                    for event in events:
                        sink.write(json.dumps(event, separators=(",", ":")) + "\n")


def _validate(event: Any, index: int, schema: str) -> None:
    if not isinstance(event, dict):
        raise BatchRejected(f"Event {index} is not a JSON object.")
    required = _CLOUDEVENT_REQUIRED if schema == "cloudevents" else _EVENTGRID_REQUIRED
    for name in required:
        value = event.get(name)
        if name == "data":
            if name not in event:
                raise BatchRejected(f"Event {index} lacks the required property '{name}'.")
            continue
        if not isinstance(value, str) or not value:
            raise BatchRejected(f"Event {index} lacks the required string property '{name}'.")
    if schema == "cloudevents" and event["specversion"] != "1.0":
        raise BatchRejected(f"Event {index} has specversion {event['specversion']!r}, not '1.0'.")
    if schema == "eventgrid":
        try:
            datetime.fromisoformat(event["eventTime"].replace("Z", "+00:00"))
        except ValueError as error:
            raise BatchRejected(f"Event {index} has an unreadable eventTime.") from error


def _injected(status: int) -> web.Response:
    codes = {401: "Unauthorized", 429: "TooManyRequests", 500: "InternalServerError"}
    code = codes.get(status, "ServiceUnavailable")
    return error_response(status, code, "Injected failure from the Event Grid simulator.")

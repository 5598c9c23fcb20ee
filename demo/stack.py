"""The whole go-live app running locally: Azurite, the simulators and devhost.

The demo (`make run`, `make serve`) and the end-to-end tests use the same stack,
so what the demo shows is what the tests check. Everything binds 127.0.0.1 on
ports the OS picks and stops when the block ends.
"""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from azure.storage.queue import QueueClient
from devhost.azurite import Azurite, run_azurite
from devhost.clock import Clock, VirtualClock, WallClock
from devhost.testing import RunningDevhost, run_devhost

from simulators.cpp import CppSimulator, Scenario
from simulators.eventgrid import EventGridSimulator
from simulators.identity import IdentitySimulator
from simulators.ingestion import IngestionScenario, IngestionSimulator
from simulators.tokens import TokenAuthority

PROJECT_ROOT = Path(__file__).resolve().parent.parent
QUEUE_NAME = "golive-requests"
# How often the demo's progress loop reads the status route (wall seconds): often enough
# for a line per phase and per 25 polls of a 3-day go-live that takes a few seconds, rare
# enough that the reads (an HTTP function and a Durable API call each) do not compete with
# the go-live they watch.
STATUS_READ_SECONDS = 0.25


@dataclass
class LocalStack:
    """Handles on every running part, for the demo's progress lines and the tests' checks."""

    devhost: RunningDevhost
    cpp: CppSimulator
    eventgrid: EventGridSimulator
    identity: IdentitySimulator
    ingestion: IngestionSimulator
    azurite: Azurite
    clock: Clock
    queue_name: str

    @property
    def base_url(self) -> str:
        return self.devhost.base_url

    def queue(self, name: str | None = None) -> QueueClient:
        """A client for the request queue (or another, e.g. its poison queue)."""
        client = QueueClient.from_connection_string(
            self.azurite.connection_string, name or self.queue_name
        )
        with contextlib.suppress(Exception):
            client.create_queue()
        return client

    def send_go_live(self, message: Mapping[str, Any] | str) -> None:
        """Enqueue a request the way an upstream system does: base64 text, as the host expects."""
        text = message if isinstance(message, str) else json.dumps(message)
        self.queue().send_message(base64.b64encode(text.encode("utf-8")).decode("ascii"))

    @property
    def http(self) -> requests.Session:
        """A session that sends the host's default function key (the go-live routes are
        FUNCTION level), as an operator's client would."""
        session = requests.Session()
        session.headers.update(self.devhost.function_key_headers)
        return session

    @property
    def durable_api_key(self) -> dict[str, str]:
        """The `code` query parameter the Durable extension's HTTP API takes (system key)."""
        return {"code": self.devhost.keys.durable_system}

    def go_live_url(self, publisher_id: str, offer_id: str) -> str:
        return f"{self.base_url}/api/golive/{publisher_id}/{offer_id}"

    def status(self, publisher_id: str, offer_id: str) -> dict[str, Any] | None:
        """The status route's answer, or None before the go-live exists."""
        response = self.http.get(self.go_live_url(publisher_id, offer_id), timeout=30)
        if response.status_code == 404:
            return None
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body


def app_environment(
    azurite: Azurite,
    cpp: CppSimulator,
    eventgrid: EventGridSimulator,
    identity: IdentitySimulator,
    ingestion: IngestionSimulator,
    *,
    use_topic_key: bool = True,
) -> dict[str, str]:
    """App settings that point the app at the local stand-ins, tokens from managed identity."""
    environment = {
        "AzureWebJobsStorage": azurite.connection_string,
        "GOLIVE_QUEUE_NAME": QUEUE_NAME,
        "CPP_API_BASE_URL": cpp.base_url,
        "PRODUCT_INGESTION_BASE_URL": ingestion.api_base_url,
        "EVENTGRID_TOPIC_ENDPOINT": eventgrid.endpoint,
        "AZURE_TOKEN_CREDENTIALS": "ManagedIdentityCredential",
        **identity.environment(),
    }
    if use_topic_key:
        environment["EVENTGRID_TOPIC_KEY"] = eventgrid.key
    return environment


@contextlib.contextmanager
def run_local_stack(
    *,
    virtual_time: bool = True,
    settings: Mapping[str, str] | None = None,
    scenarios: Mapping[tuple[str, str], Scenario] | None = None,
    products: Mapping[str, IngestionScenario] | None = None,
    azurite: Azurite | None = None,
    use_topic_key: bool = True,
    port: int = 0,
    events_file: Path | None = None,
) -> Iterator[LocalStack]:
    """Start everything the app talks to, then the app itself on devhost."""
    clock: Clock = VirtualClock() if virtual_time else WallClock()
    authority = TokenAuthority()
    with contextlib.ExitStack() as stack:
        storage = azurite or stack.enter_context(run_azurite())
        identity = stack.enter_context(IdentitySimulator(authority=authority, now=clock.now))
        cpp = stack.enter_context(
            CppSimulator(authority=authority, now=clock.now, scenarios=scenarios)
        )
        ingestion = stack.enter_context(
            IngestionSimulator(authority=authority, now=clock.now, scenarios=products)
        )
        eventgrid = stack.enter_context(
            EventGridSimulator(authority=authority, now=clock.now, jsonl_path=events_file)
        )
        environment = {
            **app_environment(
                storage, cpp, eventgrid, identity, ingestion, use_topic_key=use_topic_key
            ),
            **(settings or {}),
        }
        devhost = stack.enter_context(
            run_devhost(PROJECT_ROOT, env=environment, clock=clock, port=port)
        )
        queue_name = environment["GOLIVE_QUEUE_NAME"]
        yield LocalStack(devhost, cpp, eventgrid, identity, ingestion, storage, clock, queue_name)

"""Safety promises: each token goes only to its API's origin (CPP, or Microsoft Graph for
Product Ingestion), and no token or key is ever logged, kept in orchestration state, or
published."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from unittest import mock

import pytest

from demo.stack import LocalStack
from golive import events
from golive.activity_results import Published
from golive.event_grid import EventGridSender
from golive.events import build_completion_event, validate_event
from golive.identity import build_credential
from simulators.cpp import CppSimulator, Scenario
from simulators.eventgrid import EventGridSimulator
from simulators.identity import IdentitySimulator
from simulators.ingestion import IngestionScenario
from simulators.tokens import TokenAuthority
from tests.app.conftest import CapturedLogs
from tests.app.driver import AppDriver

pytestmark = pytest.mark.azurite
SIMULATOR_TOKEN = re.compile(r"sim1\.[A-Za-z0-9_-]{10,}")


@pytest.fixture
def foreign_host() -> Iterator[CppSimulator]:
    """A second server that must never be contacted with the app's token."""
    with CppSimulator() as foreign:
        yield foreign


def test_operation_location_on_another_origin_fails_the_run_without_sending_the_token(
    app: AppDriver, stack: LocalStack, foreign_host: CppSimulator
) -> None:
    stack.cpp.add_offer("contoso", "sf-foreign", Scenario(foreign_origin=foreign_host.base_url))
    assert app.start("contoso", "sf-foreign").status_code == 202
    status = app.wait_until_finished("contoso", "sf-foreign")
    assert status["outcome"] == events.FAILED
    [completion] = app.completion_events("contoso", "sf-foreign")
    assert "outside the configured API origin" in completion["data"]["reason"]
    assert foreign_host.requests == []


def test_the_graph_token_goes_only_to_the_product_ingestion_origin(
    app: AppDriver, stack: LocalStack, foreign_host: CppSimulator
) -> None:
    """Answers point elsewhere (`resourceUri`, `@nextLink`): never followed with the token."""
    scenario = IngestionScenario(foreign_origin=foreign_host.base_url)
    stack.ingestion.add_product("sf-graph-foreign", scenario)
    body = {"api": "productIngestion"}
    assert app.start("contoso", "sf-graph-foreign", body).status_code == 202
    status = app.wait_until_finished("contoso", "sf-graph-foreign")
    assert status["outcome"] == events.SUCCEEDED
    assert foreign_host.requests == []
    assert "https://graph.microsoft.com" in {g.resource for g in stack.identity.grants}
    assert not [r for r in stack.cpp.requests if "sf-graph-foreign" in r.path]
    seen = app.ingestion_requests("sf-graph-foreign")
    assert seen and {r.status for r in seen} <= {200}  # every call carried a Graph token


def test_no_token_or_key_in_logs_state_or_events(
    app: AppDriver, stack: LocalStack, app_logs: CapturedLogs
) -> None:
    app.start("contoso", "sf-secrets-blocked", {"requestId": "s-1"})
    app.start("contoso", "sf-secrets-certfailed", {"api": "productIngestion"})
    status = app.wait_until_finished("contoso", "sf-secrets-blocked")
    graph = app.wait_until_finished("contoso", "sf-secrets-certfailed")
    assert stack.identity.grants, "the app never asked the identity endpoint for a token"
    durable = app.durable_status(status["instanceId"], history=True)
    everything = "\n".join(
        [
            *app_logs.lines,
            json.dumps(durable),
            json.dumps(app.durable_status(graph["instanceId"], history=True)),
            json.dumps(status),
            json.dumps(graph),
            json.dumps(stack.eventgrid.events),
            json.dumps([r.headers for r in stack.cpp.requests]),
            json.dumps([r.headers for r in stack.ingestion.requests]),
        ]
    )
    assert not SIMULATOR_TOKEN.search(everything)
    assert stack.eventgrid.key not in everything
    assert os.environ.get("IDENTITY_HEADER", "unset") not in everything


def test_events_are_published_with_managed_identity_when_no_key_is_set() -> None:
    """EVENTGRID_TOPIC_KEY unset: the publisher takes a token from the identity endpoint."""
    authority = TokenAuthority()
    with (
        IdentitySimulator(authority=authority) as identity,
        EventGridSimulator(authority=authority) as topic,
        mock.patch.dict(
            os.environ,
            {**identity.environment(), "AZURE_TOKEN_CREDENTIALS": "ManagedIdentityCredential"},
        ),
    ):
        publisher = EventGridSender(topic.endpoint, None, build_credential(None))
        summary = events.RunSummary(
            publisher_id="contoso",
            offer_id="mi",
            request_id=None,
            correlation_id=None,
            instance_id="golive:contoso:mi",
            run_id="r",
            operation_location=None,
            cpp_status="completed",
            steps=[],
            error=None,
            started_at="2026-01-01T00:00:00+00:00",
            finished_at="2026-01-02T00:00:00+00:00",
            polls=3,
        )
        event = build_completion_event(
            events.SUCCEEDED, summary, source="/test", time=datetime.now(UTC)
        )
        assert publisher.send(event) == Published()
        [received] = topic.events
        validate_event(received)
        assert received["id"] == event["id"]
        assert [g.resource for g in identity.grants] == ["https://eventgrid.azure.net"]
        [request] = [r for r in topic.requests if r.method == "POST"]
        assert request.header("Authorization") == "Bearer ***"
        assert request.header("aeg-sas-key") is None


def test_a_user_assigned_identity_is_asked_for_by_its_client_id() -> None:
    """MANAGED_IDENTITY_CLIENT_ID set: tokens come from that identity and no other."""
    with IdentitySimulator() as identity, mock.patch.dict(os.environ, identity.environment()):
        credential = build_credential("3f1c2b6e-0d4a-4c8e-9a57-1b2c3d4e5f60")
        token = credential.get_token("https://cloudpartner.azure.com/.default")
    assert token.token
    [request] = [r for r in identity.requests if r.method == "GET"]
    assert request.query.get("client_id") == "3f1c2b6e-0d4a-4c8e-9a57-1b2c3d4e5f60"
    assert request.query.get("resource") == "https://cloudpartner.azure.com"

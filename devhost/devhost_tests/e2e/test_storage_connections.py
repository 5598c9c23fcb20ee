"""A queue binding's `connection`, resolved in the host's order, and used by identity."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from azure.core.credentials import AzureNamedKeyCredential
from azure.storage.queue import QueueClient
from devhost.azurite import DEV_ACCOUNT, DEV_KEY, Azurite
from devhost.storage_connection import (
    ConnectionSettingError,
    IdentityConnection,
    KeyConnection,
    resolve_queue_connection,
)
from devhost.testing import run_devhost

from devhost_tests.e2e.helpers import APPS, eventually


def test_prefixed_setting_wins_then_the_plain_one() -> None:
    env = {"AzureWebJobsJobs": "prefixed", "Jobs": "plain", "Other": "other"}
    assert resolve_queue_connection("Jobs", env) == KeyConnection("AzureWebJobsJobs", "prefixed")
    assert resolve_queue_connection("Other", env) == KeyConnection("Other", "other")
    assert resolve_queue_connection(None, {"AzureWebJobsStorage": "x"}).setting == (
        "AzureWebJobsStorage"
    )


def test_a_connection_string_wins_over_identity_settings_of_the_same_name() -> None:
    env = {"Jobs": "conn", "Jobs__queueServiceUri": "https://a.queue.core.windows.net"}
    assert isinstance(resolve_queue_connection("Jobs", env), KeyConnection)


@pytest.mark.parametrize(
    ("settings", "uri", "kind", "client_id"),
    [
        (
            {"queueServiceUri": "https://acct.queue.core.windows.net/"},
            "https://acct.queue.core.windows.net",
            "default",
            None,
        ),
        (
            {"accountName": "acct", "credential": "managedidentity", "clientId": "c-1"},
            "https://acct.queue.core.windows.net",
            "managedidentity",
            "c-1",
        ),
        (
            {
                "serviceUri": "https://x.example",
                "tenantId": "t",
                "clientId": "c",
                "clientSecret": "s",
            },
            "https://x.example",
            "clientsecret",
            "c",
        ),
    ],
)
def test_identity_based_connections(
    settings: dict[str, str], uri: str, kind: str, client_id: str | None
) -> None:
    env = {f"AzureWebJobsStorage__{key}": value for key, value in settings.items()}
    found = resolve_queue_connection(None, env)
    assert isinstance(found, IdentityConnection)
    assert (found.queue_service_uri, found.credential_kind, found.client_id) == (
        uri,
        kind,
        client_id,
    )


def test_missing_or_incomplete_connections_are_refused_with_the_name() -> None:
    with pytest.raises(ConnectionSettingError, match="'Missing' does not exist"):
        resolve_queue_connection("Missing", {})
    with pytest.raises(ConnectionSettingError, match="neither queueServiceUri nor accountName"):
        resolve_queue_connection("Jobs", {"Jobs__credential": "managedidentity"})


@pytest.fixture()
def identity_devhost(azurite: Azurite) -> Iterator[tuple[Any, list[IdentityConnection], str]]:
    """queue_plain's queue functions on Azurite through an identity-based connection; the
    credential is the emulator's key (Azurite takes tokens only over https)."""
    queue = f"text-{uuid.uuid4().hex[:8]}"
    asked: list[IdentityConnection] = []

    def credential(connection: IdentityConnection) -> AzureNamedKeyCredential:
        asked.append(connection)
        return AzureNamedKeyCredential(DEV_ACCOUNT, DEV_KEY)

    env = {
        "AzureWebJobsStorage": "",  # no connection string, whatever this process has set
        "AzureWebJobsStorage__queueServiceUri": f"{azurite.queue_endpoint}/{DEV_ACCOUNT}",
        "AzureWebJobsStorage__credential": "managedidentity",
        "AzureWebJobsStorage__clientId": "client-of-the-app",
        "TEXT_QUEUE": queue,
        "FAIL_QUEUE": f"{queue}-fails",
    }
    with run_devhost(APPS / "queue_plain", env=env, queue_credentials=credential) as running:
        yield running, asked, queue


@pytest.mark.azurite
def test_queue_trigger_over_an_identity_based_connection(
    azurite: Azurite, identity_devhost: tuple[Any, list[IdentityConnection], str]
) -> None:
    devhost, asked, queue = identity_devhost
    assert asked and asked[0].credential_kind == "managedidentity"
    assert asked[0].client_id == "client-of-the-app"
    QueueClient.from_connection_string(azurite.connection_string, queue).send_message("by id")
    seen = eventually(
        lambda: [c for c in requests.get(f"{devhost.base_url}/api/seen", timeout=10).json()],
        30,
        "the message handled through the identity-based connection",
    )
    assert seen[0]["body"] == "by id"

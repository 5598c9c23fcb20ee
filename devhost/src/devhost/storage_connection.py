"""Which storage account a binding's `connection` names, resolved in the host's order.

The Functions host (WebJobs `GetWebJobsConnectionStringSection`) looks the name up with the
`AzureWebJobs` prefix first, then without it; for each it takes `ConnectionStrings:<name>`
or the plain setting `<name>`, and a setting "exists" when it has a value or children
(`<name>__<key>`, `__` standing for the configuration separator). A value is a connection
string. Children describe an identity-based connection: the queue endpoint from
`queueServiceUri` (or `serviceUri`), else from `accountName`
(`https://<accountName>.queue.core.windows.net`), and the credential from `credential`
(`managedidentity`, with an optional `clientId`), `tenantId`+`clientId`+`clientSecret`, or
else `DefaultAzureCredential`, as the Azure SDK's component factory builds it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from azure.storage.queue.aio import QueueClient

DEFAULT_CONNECTION = "AzureWebJobsStorage"
_PREFIX = "AzureWebJobs"

CredentialFactory = Callable[["IdentityConnection"], Any]


class ConnectionSettingError(Exception):
    """The binding's connection names no setting, or an identity-based one is incomplete."""


@dataclass(frozen=True)
class KeyConnection:
    """A connection string (account key or SAS inside)."""

    setting: str
    connection_string: str

    def queue_client(
        self, queue_name: str, credentials: CredentialFactory | None = None
    ) -> QueueClient:
        return QueueClient.from_connection_string(self.connection_string, queue_name)


@dataclass(frozen=True)
class IdentityConnection:
    """An identity-based connection: the queue endpoint and how to get a token for it."""

    setting: str
    queue_service_uri: str
    credential_kind: str  # "managedidentity", "clientsecret" or "default"
    client_id: str | None = None
    tenant_id: str | None = None
    client_secret: str | None = None

    def queue_client(
        self, queue_name: str, credentials: CredentialFactory | None = None
    ) -> QueueClient:
        credential = (credentials or azure_credential)(self)
        return QueueClient(self.queue_service_uri, queue_name, credential=credential)


QueueConnection = KeyConnection | IdentityConnection


def resolve_queue_connection(name: str | None, environ: Mapping[str, str]) -> QueueConnection:
    """The connection a queue binding's `connection` names (the default when empty)."""
    wanted = name or DEFAULT_CONNECTION
    for candidate in (f"{_PREFIX}{wanted}", wanted):
        for setting in (f"ConnectionStrings:{candidate}", candidate):
            value = environ.get(setting)
            if value:
                return KeyConnection(setting, value)
            children = _children(setting, environ)
            if children:
                return _identity(setting, children)
    raise ConnectionSettingError(
        f"Storage account connection string '{wanted}' does not exist. Make sure that it is "
        "a defined App Setting (or, for an identity-based connection, that "
        f"'{wanted}__queueServiceUri' or '{wanted}__accountName' is)."
    )


def _children(setting: str, environ: Mapping[str, str]) -> dict[str, str]:
    """`<setting>__<key>` (or `<setting>:<key>`) values, keyed by lower-case key."""
    found: dict[str, str] = {}
    for separator in ("__", ":"):
        prefix = setting.replace(":", separator) + separator
        for key, value in environ.items():
            if key.startswith(prefix) and value:
                found.setdefault(key[len(prefix) :].lower(), value)
    return found


def _identity(setting: str, children: dict[str, str]) -> IdentityConnection:
    uri = children.get("queueserviceuri") or children.get("serviceuri")
    if not uri and children.get("accountname"):
        uri = f"https://{children['accountname']}.queue.core.windows.net"
    if not uri:
        raise ConnectionSettingError(
            f"Connection '{setting}' has settings ({', '.join(sorted(children))}) but neither "
            "queueServiceUri nor accountName: the queue endpoint is unknown."
        )
    credential = children.get("credential", "").lower()
    if credential == "managedidentity":
        kind = "managedidentity"
    elif children.get("clientsecret") and children.get("tenantid") and children.get("clientid"):
        kind = "clientsecret"
    else:
        kind = "default"
    return IdentityConnection(
        setting=setting,
        queue_service_uri=uri.rstrip("/"),
        credential_kind=kind,
        client_id=children.get("clientid"),
        tenant_id=children.get("tenantid"),
        client_secret=children.get("clientsecret"),
    )


def azure_credential(connection: IdentityConnection) -> Any:
    """The async azure-identity credential the connection describes."""
    from azure.identity.aio import (
        ClientSecretCredential,
        DefaultAzureCredential,
        ManagedIdentityCredential,
    )

    if connection.credential_kind == "managedidentity":
        return ManagedIdentityCredential(client_id=connection.client_id)
    if connection.credential_kind == "clientsecret":
        assert connection.tenant_id and connection.client_id and connection.client_secret
        return ClientSecretCredential(
            connection.tenant_id, connection.client_id, connection.client_secret
        )
    return DefaultAzureCredential(managed_identity_client_id=connection.client_id)

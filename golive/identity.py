"""The app's Azure identity: system-assigned by default, user-assigned when configured."""

from __future__ import annotations

from azure.core.credentials import TokenCredential
from azure.identity import DefaultAzureCredential, ManagedIdentityCredential

__all__ = ["build_credential"]


def build_credential(client_id: str | None) -> TokenCredential:
    """DefaultAzureCredential, or the user-assigned managed identity with `client_id`.

    With a client id the app must use exactly that identity, so no fallback chain is
    tried (a developer's Azure CLI login would otherwise mask a misconfigured identity).
    """
    if client_id:
        return ManagedIdentityCredential(client_id=client_id)
    return DefaultAzureCredential()

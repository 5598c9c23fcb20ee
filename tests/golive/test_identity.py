"""The app's credential: system-assigned by default, exactly the user-assigned one if set."""

from __future__ import annotations

from azure.identity import DefaultAzureCredential, ManagedIdentityCredential

from golive.identity import build_credential


def test_default_credential_without_a_client_id() -> None:
    assert isinstance(build_credential(None), DefaultAzureCredential)
    assert isinstance(build_credential(""), DefaultAzureCredential)


def test_user_assigned_identity_with_a_client_id() -> None:
    credential = build_credential("11111111-2222-3333-4444-555555555555")
    assert isinstance(credential, ManagedIdentityCredential)

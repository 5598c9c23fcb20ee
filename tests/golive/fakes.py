"""Test doubles for azure-core credentials: real objects implementing the protocol."""

from __future__ import annotations

import time
import uuid
from typing import Any

from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError


class FakeCredential:
    """A TokenCredential that hands out one distinctive token and records the scopes."""

    def __init__(self) -> None:
        self.token = f"SECRET-TOKEN-{uuid.uuid4().hex}"
        self.scopes: list[tuple[str, ...]] = []

    def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken(self.token, int(time.time()) + 3600)


class FailingCredential:
    """A TokenCredential whose identity endpoint is down."""

    def __init__(self) -> None:
        self.calls = 0

    def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        self.calls += 1
        raise ClientAuthenticationError("the managed identity endpoint did not answer")

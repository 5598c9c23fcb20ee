"""Fixtures shared by the whole suite: Azurite, and the simulators' clock, token authority
and managed-identity endpoint."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from devhost.azurite import Azurite, run_azurite

from simulators import IdentitySimulator, ManualClock, TokenAuthority


@pytest.fixture(scope="session")
def azurite() -> Iterator[Azurite]:
    """One private in-memory Azurite for the test session, stopped at its end."""
    with run_azurite() as instance:
        yield instance


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def authority() -> TokenAuthority:
    return TokenAuthority()


@pytest.fixture
def identity(authority: TokenAuthority, clock: ManualClock) -> Iterator[IdentitySimulator]:
    with IdentitySimulator(authority=authority, now=clock) as sim:
        yield sim


@pytest.fixture
def managed_identity_env(
    identity: IdentitySimulator, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """Point azure-identity at the identity simulator, App Service style, and nothing else."""
    for name in (
        "IDENTITY_SERVER_THUMBPRINT",
        "IMDS_ENDPOINT",
        "MSI_ENDPOINT",
        "MSI_SECRET",
        "AZURE_CLIENT_ID",
        "AZURE_CLIENT_SECRET",
        "AZURE_TENANT_ID",
        "AZURE_FEDERATED_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    env = identity.environment()
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env

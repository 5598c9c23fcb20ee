"""The managed-identity endpoint, driven by azure-identity as the app will use it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import DefaultAzureCredential, ManagedIdentityCredential

from simulators import CPP_AUDIENCE, EVENTGRID_AUDIENCE, IdentitySimulator, ManualClock
from simulators.recording import MASK
from simulators.tokens import InvalidToken

CPP_SCOPE = CPP_AUDIENCE + "/.default"


def test_managed_identity_credential_gets_a_token_bound_to_the_resource(
    identity: IdentitySimulator, managed_identity_env: dict[str, str]
) -> None:
    with ManagedIdentityCredential() as credential:
        token = credential.get_token(CPP_SCOPE)
    claims = identity.authority.verify(token.token, CPP_AUDIENCE)
    assert claims.expires_on == token.expires_on
    with pytest.raises(InvalidToken):
        identity.authority.verify(token.token, EVENTGRID_AUDIENCE)
    [request] = identity.requests
    assert request.query == {"api-version": "2019-08-01", "resource": CPP_AUDIENCE}
    assert request.header("X-IDENTITY-HEADER") == MASK
    assert [grant.resource for grant in identity.grants] == [CPP_AUDIENCE]


def test_default_credential_restricted_to_managed_identity_works(
    identity: IdentitySimulator,
    managed_identity_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AZURE_TOKEN_CREDENTIALS", "ManagedIdentityCredential")
    credential = DefaultAzureCredential()
    try:
        token = credential.get_token(EVENTGRID_AUDIENCE + "/.default")
    finally:
        credential.close()
    assert identity.authority.verify(token.token, EVENTGRID_AUDIENCE).audience == (
        EVENTGRID_AUDIENCE
    )


def test_tokens_are_cached_by_the_client_and_survive_a_clock_jump(
    identity: IdentitySimulator,
    managed_identity_env: dict[str, str],
    clock: ManualClock,
) -> None:
    with ManagedIdentityCredential() as credential:
        first = credential.get_token(CPP_SCOPE)
        clock.advance(timedelta(days=30))  # the scenario clock; tokens live by wall time
        second = credential.get_token(CPP_SCOPE)
    assert second.token == first.token
    assert len(identity.requests) == 1
    identity.authority.verify(second.token, CPP_AUDIENCE)


def test_a_wrong_identity_header_gets_no_token(
    identity: IdentitySimulator,
    managed_identity_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IDENTITY_HEADER", "not the secret")
    with ManagedIdentityCredential() as credential, pytest.raises(ClientAuthenticationError):
        credential.get_token(CPP_SCOPE)
    assert identity.requests[-1].status == 401
    assert identity.grants == []


def test_an_injected_transient_failure_is_retried_by_the_client(
    identity: IdentitySimulator, managed_identity_env: dict[str, str]
) -> None:
    identity.fail_next(1, status=500)
    with ManagedIdentityCredential() as credential:
        token = credential.get_token(CPP_SCOPE)
    identity.authority.verify(token.token, CPP_AUDIENCE)
    assert [r.status for r in identity.requests] == [500, 200]


def test_an_injected_client_error_reaches_the_caller(
    identity: IdentitySimulator, managed_identity_env: dict[str, str]
) -> None:
    identity.fail_next(1, status=400)
    with ManagedIdentityCredential() as credential:
        with pytest.raises(ClientAuthenticationError):
            credential.get_token(CPP_SCOPE)
        assert identity.grants == []
        token = credential.get_token(CPP_SCOPE)
    identity.authority.verify(token.token, CPP_AUDIENCE)


def test_protocol_errors_answer_like_app_service(identity: IdentitySimulator) -> None:
    secret = identity.environment()["IDENTITY_HEADER"]
    headers = {"X-IDENTITY-HEADER": secret}
    wrong_version = requests.get(
        identity.endpoint,
        params={"api-version": "2017-09-01", "resource": CPP_AUDIENCE},
        headers=headers,
        timeout=5,
    )
    no_resource = requests.get(
        identity.endpoint, params={"api-version": "2019-08-01"}, headers=headers, timeout=5
    )
    assert (wrong_version.status_code, no_resource.status_code) == (400, 400)
    assert "api-version" in wrong_version.json()["message"]
    ok = requests.get(
        identity.endpoint,
        params={"api-version": "2019-08-01", "resource": CPP_AUDIENCE},
        headers=headers,
        timeout=5,
    ).json()
    assert set(ok) >= {"access_token", "expires_on", "resource", "token_type"}
    assert ok["expires_on"].isdigit() and ok["token_type"] == "Bearer"


def test_token_lifetime_is_configurable() -> None:
    with IdentitySimulator(token_lifetime=timedelta(minutes=10)) as sim:
        secret = sim.environment()["IDENTITY_HEADER"]
        answer = requests.get(
            sim.endpoint,
            params={"api-version": "2019-08-01", "resource": CPP_AUDIENCE},
            headers={"X-IDENTITY-HEADER": secret},
            timeout=5,
        ).json()
    claims = sim.authority.verify(answer["access_token"], CPP_AUDIENCE)
    assert claims.expires_on == int(answer["expires_on"])
    issued_at = sim.requests[0].time.timestamp()  # wall clock: no scenario clock was given
    assert 590 <= claims.expires_on - issued_at <= 610

"""Tokens: bound to a resource, signed, and expiring by the wall clock only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from simulators.tokens import (
    CPP_AUDIENCE,
    EVENTGRID_AUDIENCE,
    InvalidToken,
    TokenAuthority,
    normalize_resource,
)


def test_a_minted_token_verifies_for_its_resource_only() -> None:
    authority = TokenAuthority()
    token = authority.token_for(CPP_AUDIENCE + "/.default")
    assert authority.verify(token, CPP_AUDIENCE).audience == CPP_AUDIENCE
    with pytest.raises(InvalidToken, match="not https://eventgrid"):
        authority.verify(token, EVENTGRID_AUDIENCE)


def test_a_token_from_another_key_or_tampered_is_refused() -> None:
    token = TokenAuthority(b"one key").token_for(CPP_AUDIENCE)
    with pytest.raises(InvalidToken, match="signature"):
        TokenAuthority(b"another key").verify(token, CPP_AUDIENCE)
    prefix, payload, signature = token.split(".")
    with pytest.raises(InvalidToken, match="signature"):
        TokenAuthority(b"one key").verify(f"{prefix}.{payload}x.{signature}", CPP_AUDIENCE)
    with pytest.raises(InvalidToken, match="not a simulator token"):
        TokenAuthority(b"one key").verify("eyJhbGciOi.abc", CPP_AUDIENCE)


def test_expiry_follows_the_wall_clock_it_is_given() -> None:
    wall = [1_000_000.0]
    authority = TokenAuthority(wall_time=lambda: wall[0])
    issued = authority.mint(CPP_AUDIENCE, lifetime=timedelta(minutes=5))
    assert issued.expires_on == 1_000_300
    authority.verify(issued.access_token, CPP_AUDIENCE)
    wall[0] += 301
    with pytest.raises(InvalidToken, match="expired"):
        authority.verify(issued.access_token, CPP_AUDIENCE)


def test_the_same_key_in_two_authorities_shares_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIMULATORS_SIGNING_KEY", "shared secret")
    token = TokenAuthority.from_env().token_for(EVENTGRID_AUDIENCE)
    assert TokenAuthority.from_env().verify(token, EVENTGRID_AUDIENCE).subject


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        (None, "missing"),
        ("Basic abc", "not a bearer token"),
        ("Bearer ", "not a bearer token"),
        ("Bearer nonsense", "not a simulator token"),
    ],
)
def test_bad_authorization_headers_are_explained(header: str | None, problem: str) -> None:
    refusal = TokenAuthority().check_authorization(header, CPP_AUDIENCE)
    assert refusal is not None and problem in refusal


def test_resources_compare_without_default_scope_or_trailing_slash() -> None:
    assert normalize_resource("https://cloudpartner.azure.com/") == CPP_AUDIENCE
    assert normalize_resource("https://cloudpartner.azure.com/.default") == CPP_AUDIENCE

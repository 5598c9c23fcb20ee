"""Access tokens the identity simulator issues and the API and Event Grid simulators check.

A token is `sim1.<payload>.<signature>`: base64url JSON claims (`aud` = the resource it was
issued for, `exp` = wall-clock epoch seconds) signed with HMAC-SHA256 under a key shared by
the simulators (in-process: one `TokenAuthority` object; across processes: the same
`SIMULATORS_SIGNING_KEY`). Expiry always reads the wall clock, never a scenario clock: the
Azure SDK caches tokens by wall time, and a virtual clock days ahead must not expire them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

SIGNING_KEY_ENV = "SIMULATORS_SIGNING_KEY"
CPP_AUDIENCE = "https://cloudpartner.azure.com"
EVENTGRID_AUDIENCE = "https://eventgrid.azure.net"
GRAPH_AUDIENCE = "https://graph.microsoft.com"
_PREFIX = "sim1"


class InvalidToken(Exception):
    """The token is malformed, forged, expired or meant for another resource."""


@dataclass(frozen=True)
class IssuedToken:
    """What the identity endpoint hands out."""

    access_token: str
    expires_on: int
    resource: str


@dataclass(frozen=True)
class TokenClaims:
    """The verified content of a token."""

    audience: str
    expires_on: int
    subject: str


def normalize_resource(resource: str) -> str:
    """`https://x/` and `https://x` name the same resource; scopes drop `/.default`."""
    resource = resource.strip()
    if resource.endswith("/.default"):
        resource = resource[: -len("/.default")]
    return resource.rstrip("/")


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenAuthority:
    """Mints and verifies simulator tokens under one signing key."""

    def __init__(
        self,
        signing_key: bytes | str | None = None,
        *,
        wall_time: Callable[[], float] = time.time,
    ) -> None:
        if signing_key is None:
            signing_key = secrets.token_bytes(32)
        self._key = signing_key.encode("utf-8") if isinstance(signing_key, str) else signing_key
        self._wall_time = wall_time

    @classmethod
    def from_env(cls, variable: str = SIGNING_KEY_ENV) -> TokenAuthority:
        """Share a key across processes; a random key (only this process verifies) if unset."""
        return cls(os.environ.get(variable) or None)

    def mint(
        self,
        resource: str,
        *,
        lifetime: timedelta = timedelta(hours=24),
        subject: str = "system-assigned",
    ) -> IssuedToken:
        """Issue a token for `resource`; a negative lifetime gives an already expired token."""
        audience = normalize_resource(resource)
        issued_at = int(self._wall_time())
        expires_on = issued_at + int(lifetime.total_seconds())
        claims = {
            "aud": audience,
            "exp": expires_on,
            "iat": issued_at,
            "sub": subject,
            "jti": secrets.token_hex(8),
        }
        payload = _b64encode(json.dumps(claims, separators=(",", ":")).encode("utf-8"))
        token = f"{_PREFIX}.{payload}.{self._sign(payload)}"
        return IssuedToken(access_token=token, expires_on=expires_on, resource=audience)

    def token_for(self, resource: str, **kwargs: Any) -> str:
        """Just the token text: handy for tests that set the Authorization header themselves."""
        return self.mint(resource, **kwargs).access_token

    def verify(self, token: str, audience: str) -> TokenClaims:
        """Check signature, audience and wall-clock expiry, or raise `InvalidToken`."""
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != _PREFIX:
            raise InvalidToken("the token is not a simulator token")
        payload, signature = parts[1], parts[2]
        if not hmac.compare_digest(signature, self._sign(payload)):
            raise InvalidToken("the token signature does not match")
        try:
            claims = json.loads(_b64decode(payload))
            token_audience = str(claims["aud"])
            expires_on = int(claims["exp"])
            subject = str(claims.get("sub", ""))
        except (ValueError, KeyError, TypeError, binascii.Error) as error:
            raise InvalidToken("the token claims are unreadable") from error
        if token_audience != normalize_resource(audience):
            raise InvalidToken(f"the token is for {token_audience}, not {audience}")
        if expires_on <= self._wall_time():
            raise InvalidToken("the token has expired")
        return TokenClaims(audience=token_audience, expires_on=expires_on, subject=subject)

    def check_authorization(self, header: str | None, audience: str) -> str | None:
        """Read an `Authorization: Bearer ...` header; answer why it is refused, or None."""
        if not header:
            return "the Authorization header is missing"
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return "the Authorization header is not a bearer token"
        try:
            self.verify(token.strip(), audience)
        except InvalidToken as error:
            return str(error)
        return None

    def credential(self, *, lifetime: timedelta = timedelta(hours=1)) -> AuthorityCredential:
        """A TokenCredential minting straight from this authority, for tests about other things."""
        return AuthorityCredential(self, lifetime)

    def _sign(self, payload: str) -> str:
        digest = hmac.new(self._key, payload.encode("ascii"), hashlib.sha256).digest()
        return _b64encode(digest)


class AuthorityCredential:
    """Duck-typed `azure.core.credentials.TokenCredential` backed by a `TokenAuthority`.

    Use the identity simulator with ManagedIdentityCredential when the token path itself is
    under test; use this when a test only needs some valid token.
    """

    def __init__(self, authority: TokenAuthority, lifetime: timedelta) -> None:
        self._authority = authority
        self._lifetime = lifetime

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken  # only the test side needs azure-core

        if len(scopes) != 1:
            raise ValueError("exactly one scope is expected")
        issued = self._authority.mint(scopes[0], lifetime=self._lifetime)
        return AccessToken(issued.access_token, issued.expires_on)

    def close(self) -> None:
        """Nothing to release; present because SDK clients may call it."""

"""The App Service managed-identity endpoint, on loopback.

azure-identity's ManagedIdentityCredential (and DefaultAzureCredential) reads
`IDENTITY_ENDPOINT` and `IDENTITY_HEADER`, then calls
`GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=...` with `X-IDENTITY-HEADER`.
This simulator answers with tokens from a `TokenAuthority` that the CPP and Event Grid
simulators verify, bound to the requested resource and expiring by the wall clock.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web

from simulators.clock import Now, wall_clock
from simulators.server import InjectedStatuses, Simulator, json_response
from simulators.tokens import TokenAuthority

API_VERSION = "2019-08-01"
TOKEN_PATH = "/msi/token"
HEADER_NAME = "X-IDENTITY-HEADER"
SYSTEM_ASSIGNED_CLIENT_ID = "00000000-0000-0000-0000-00000000a11d"


@dataclass(frozen=True)
class TokenGrant:
    """A token handed out (never the token text itself)."""

    resource: str
    expires_on: int
    time: datetime


class IdentitySimulator(Simulator):
    """Issues simulator tokens the way App Service's identity endpoint does."""

    name = "identity"

    def __init__(
        self,
        *,
        authority: TokenAuthority | None = None,
        secret: str | None = None,
        token_lifetime: timedelta = timedelta(hours=24),
        now: Now = wall_clock,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(now=now, host=host, port=port)
        self.authority = authority or TokenAuthority()
        self._secret = secret or secrets.token_urlsafe(24)
        self.token_lifetime = token_lifetime
        self._lock = threading.Lock()
        self._grants: list[TokenGrant] = []
        self._failures = InjectedStatuses()

    @property
    def endpoint(self) -> str:
        """The value for `IDENTITY_ENDPOINT`."""
        return self.base_url + TOKEN_PATH

    def environment(self) -> dict[str, str]:
        """Environment variables that point azure-identity at this simulator."""
        return {"IDENTITY_ENDPOINT": self.endpoint, "IDENTITY_HEADER": self._secret}

    @property
    def grants(self) -> list[TokenGrant]:
        with self._lock:
            return list(self._grants)

    def fail_next(self, count: int = 1, *, status: int = 500) -> None:
        """Answer the next `count` token requests with `status` instead of a token."""
        self._failures.add(status, count)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(TOKEN_PATH, self._token)

    async def _token(self, request: web.Request) -> web.Response:
        presented = request.headers.get(HEADER_NAME, "")
        if not hmac.compare_digest(presented.encode(), self._secret.encode()):
            return _failure(401, f"{HEADER_NAME} is missing or does not match IDENTITY_HEADER")
        if request.query.get("api-version") != API_VERSION:
            return _failure(400, f"api-version must be {API_VERSION}")
        resource = request.query.get("resource", "").strip()
        if not resource:
            return _failure(400, "the resource query parameter is required")
        injected = self._failures.take()
        if injected is not None:
            return _failure(injected, "injected failure")
        client_id = request.query.get("client_id") or SYSTEM_ASSIGNED_CLIENT_ID
        subject = request.query.get("mi_res_id") or request.query.get("object_id") or client_id
        issued = self.authority.mint(resource, lifetime=self.token_lifetime, subject=subject)
        with self._lock:
            self._grants.append(TokenGrant(issued.resource, issued.expires_on, self.now()))
        return json_response(
            {
                "access_token": issued.access_token,
                # App Service sends epoch seconds as a string; azure-identity reads both.
                "expires_on": str(issued.expires_on),
                "resource": issued.resource,
                "token_type": "Bearer",
                "client_id": client_id,
            }
        )


def _failure(status: int, message: str) -> web.Response:
    return json_response({"statusCode": status, "message": message}, status=status)

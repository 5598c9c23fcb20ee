"""Fixtures for the simulator tests: a manual clock, one token authority, running simulators."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from simulators import (
    CppSimulator,
    EventGridSimulator,
    ManualClock,
    TokenAuthority,
)

API_VERSION = "2017-10-31"
# The hang fault in tests: longer than the client timeout below, short enough to keep tests fast.
SLOW_ANSWER = 1.0
CLIENT_TIMEOUT = 0.25


@pytest.fixture
def cpp(clock: ManualClock, authority: TokenAuthority) -> Iterator[CppSimulator]:
    with CppSimulator(authority=authority, now=clock, slow_answer_delay=SLOW_ANSWER) as sim:
        yield sim


@pytest.fixture
def eventgrid(
    authority: TokenAuthority, clock: ManualClock, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EventGridSimulator]:
    jsonl = tmp_path_factory.mktemp("eventgrid") / "events.jsonl"
    with EventGridSimulator(authority=authority, now=clock, jsonl_path=jsonl) as sim:
        yield sim


class CppClient:
    """What the go-live app does with `requests`: bearer token, api-version, relative paths."""

    def __init__(self, sim: CppSimulator, token: str | None = None) -> None:
        self.sim = sim
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token or sim.token()}"

    def url(self, path: str) -> str:
        return self.sim.base_url + path

    def golive(self, publisher: str, offer: str, **kwargs: object) -> requests.Response:
        return self.session.post(
            self.url(f"/api/publishers/{publisher}/offers/{offer}/golive"),
            params={"api-version": API_VERSION},
            **kwargs,  # type: ignore[arg-type]
        )

    def cancel(self, publisher: str, offer: str) -> requests.Response:
        return self.session.post(
            self.url(f"/api/publishers/{publisher}/offers/{offer}/cancel"),
            params={"api-version": API_VERSION},
        )

    def operation_url(self, accepted: requests.Response) -> str:
        """Resolve the operation header the way docs/cpp-api.md says: either header, either form."""
        location = accepted.headers.get("Location") or accepted.headers["Operation-Location"]
        return location if location.startswith("http") else self.url(location)

    def poll(self, accepted: requests.Response, **kwargs: object) -> requests.Response:
        return self.session.get(self.operation_url(accepted), **kwargs)  # type: ignore[arg-type]


def operation_body(response: requests.Response) -> dict[str, Any]:
    """A bare object or a one-element array, alike."""
    body = response.json()
    if isinstance(body, list):
        assert len(body) == 1
        body = body[0]
    assert isinstance(body, dict)
    return body


@pytest.fixture
def client(cpp: CppSimulator) -> Iterator[CppClient]:
    api = CppClient(cpp)
    yield api
    api.session.close()

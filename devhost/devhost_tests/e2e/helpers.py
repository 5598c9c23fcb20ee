"""Small HTTP helpers for driving sample apps the way a user would: starter, then status URL."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

import requests
from devhost.keys import HostKeys

APPS = Path(__file__).resolve().parent.parent / "apps"
T = TypeVar("T")


class Host(Protocol):
    """A running devhost, in process (RunningDevhost) or a child (DevhostProcess)."""

    base_url: str

    @property
    def keys(self) -> HostKeys: ...

    @property
    def function_key_headers(self) -> dict[str, str]: ...


def start(
    host: Host, orchestrator: str, payload: Any = None, *, instance_id: str | None = None
) -> dict[str, Any]:
    """POST the app's HTTP starter (with the function key); return the check-status payload
    (asserting its shape: public URLs that carry the durable system key)."""
    base_url = host.base_url
    url = f"{base_url}/api/orchestrators/{orchestrator}"
    if instance_id is not None:
        url += f"/{instance_id}"
    response = requests.post(url, json=payload, timeout=30, headers=host.function_key_headers)
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    assert response.headers["Location"] == body["statusQueryGetUri"]
    assert body["statusQueryGetUri"].startswith(f"{base_url}/runtime/webhooks/durabletask/")
    assert f"code={host.keys.durable_system}" in body["statusQueryGetUri"]
    return body


def follow(status_url: str, timeout: float = 60.0) -> dict[str, Any]:
    """GET statusQueryGetUri until it stops answering 202; return the final status."""
    deadline = time.monotonic() + timeout
    while True:
        response = requests.get(status_url, timeout=30)
        if response.status_code != 202:
            assert response.status_code == 200, (response.status_code, response.text)
            final: dict[str, Any] = response.json()
            return final
        assert "Location" in response.headers
        if time.monotonic() > deadline:
            raise AssertionError(f"instance still running: {response.json()}")
        time.sleep(0.05)


def status(status_url: str) -> dict[str, Any]:
    """One GET of the status URL (any status code but 404)."""
    response = requests.get(status_url, timeout=30)
    assert response.status_code in (200, 202), (response.status_code, response.text)
    body: dict[str, Any] = response.json()
    return body


def eventually[T](probe: Callable[[], T | None], timeout: float = 60.0, what: str = "") -> T:
    """Poll `probe` until it returns something truthy; fail with `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or probe}")
        time.sleep(0.05)


def fill(template: str, **values: str) -> str:
    """Fill `{eventName}`/`{text}` placeholders of a management URL."""
    for key, value in values.items():
        template = template.replace("{" + key + "}", value)
    return template

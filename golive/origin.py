"""Origins and loopback hosts: the rules that decide where a credential may be sent."""

from __future__ import annotations

import ipaddress
from typing import NamedTuple
from urllib.parse import urlsplit

__all__ = ["Origin", "is_loopback_host", "origin_of"]

_DEFAULT_PORTS = {"http": 80, "https": 443}


class Origin(NamedTuple):
    """Scheme, host and port of a URL, normalised so that equal origins compare equal."""

    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def is_loopback(self) -> bool:
        return is_loopback_host(self.host)


def is_loopback_host(host: str) -> bool:
    """True for `localhost`, 127.0.0.0/8 and ::1: hosts that never leave this machine."""
    name = host.strip("[]").lower().rstrip(".")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def origin_of(url: str) -> Origin:
    """The origin of an absolute http(s) URL; ValueError for anything else."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ValueError(f"not an http(s) URL: scheme {parts.scheme!r}")
    host = parts.hostname
    if not host:
        raise ValueError("the URL has no host")
    port = parts.port  # raises ValueError for a malformed port
    return Origin(scheme, host.lower().rstrip("."), port or _DEFAULT_PORTS[scheme])

"""Where the bearer token may go: resolving and checking CPP's operation location."""

from __future__ import annotations

import pytest

from golive.cpp_client import UnsafeLocationError, resolve_operation_url

CPP = "https://cloudpartner.azure.com"
MIGRATED = "/api/publishers/contoso/offers/contoso-offer/operations/56615b67?api-version=2017-10-31"
LEGACY = "/api/operations/contoso$contoso-offer$2$preview?api-version=2017-10-31"


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        (MIGRATED, CPP + MIGRATED),
        (LEGACY, CPP + LEGACY),
        (CPP + LEGACY, CPP + LEGACY),
        ("https://CloudPartner.Azure.com" + LEGACY, "https://CloudPartner.Azure.com" + LEGACY),
        (
            "https://cloudpartner.azure.com:443/api/x",
            "https://cloudpartner.azure.com:443/api/x?api-version=2017-10-31",
        ),
        ("api/operations/x", CPP + "/api/operations/x?api-version=2017-10-31"),
        ("/api/operations/x?a=1", CPP + "/api/operations/x?a=1&api-version=2017-10-31"),
        (
            "/api/operations/x?API-Version=2017-10-31",
            CPP + "/api/operations/x?API-Version=2017-10-31",
        ),
        ("/api/operations/x#frag", CPP + "/api/operations/x?api-version=2017-10-31"),
        ("/api/operations/a%24b", CPP + "/api/operations/a%24b?api-version=2017-10-31"),
        ("  " + LEGACY + "\r\n", CPP + LEGACY),
    ],
)
def test_safe_locations(location: str, expected: str) -> None:
    assert resolve_operation_url(CPP, location) == expected
    assert resolve_operation_url(CPP + "/", location) == expected
    assert resolve_operation_url(CPP, expected) == expected  # resolving again changes nothing


@pytest.mark.parametrize(
    "location",
    [
        "https://evil.example" + LEGACY,
        "https://cloudpartner.azure.com.evil.example" + LEGACY,
        "https://cloudpartner.azure.com:8443" + LEGACY,
        "http://cloudpartner.azure.com" + LEGACY,
        "//evil.example" + LEGACY,
        "https://user:pass@cloudpartner.azure.com" + LEGACY,
        "https://cloudpartner.azure.com@evil.example" + LEGACY,
        "https://cloudpartner.azure.com\\@evil.example/x",
        "/api/operations/a b",
        "/api/operations/\tx",
        "/api/opérations/x",
        "javascript:alert(1)",
        "ftp://cloudpartner.azure.com/x",
        "https://cloudpartner.azure.com:99999/x",
        "",
        "   ",
    ],
)
def test_unsafe_locations(location: str) -> None:
    with pytest.raises(UnsafeLocationError):
        resolve_operation_url(CPP, location)


def test_loopback_http_only_on_the_same_loopback_origin() -> None:
    base = "http://127.0.0.1:8080"
    assert resolve_operation_url(base, LEGACY) == base + LEGACY
    for other in ("http://127.0.0.1:8081", "http://localhost:8080", "https://127.0.0.1:8080"):
        with pytest.raises(UnsafeLocationError):
            resolve_operation_url(base, other + LEGACY)
    assert resolve_operation_url("http://[::1]:9000", LEGACY) == "http://[::1]:9000" + LEGACY


def test_a_plain_http_base_off_loopback_is_refused() -> None:
    with pytest.raises(UnsafeLocationError):
        resolve_operation_url("http://cloudpartner.azure.com", LEGACY)

"""Which Marketplace API takes an offer live: CPP (legacy offers) or Product Ingestion.

Chosen per go-live by the request's `api` field, defaulting to the `GOLIVE_DEFAULT_API`
setting. CPP serves only offers integrated before the move to Partner Center; new
products go live through the Partner Center Product Ingestion API.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["GoLiveApi"]


class GoLiveApi(StrEnum):
    CPP = "cpp"
    PRODUCT_INGESTION = "productIngestion"

    @classmethod
    def parse(cls, value: object, name: str = "api") -> GoLiveApi:
        """The API a request or setting names; ValueError naming the allowed values."""
        for api in cls:
            if isinstance(value, str) and value == api.value:
                return api
        allowed = " or ".join(f'"{api.value}"' for api in cls)
        raise ValueError(f"{name} must be {allowed}, not {value!r}")

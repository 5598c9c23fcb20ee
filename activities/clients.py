"""The outside-world clients the activities share, built once per worker process.

Building them once keeps azure-identity's token cache and the HTTP connection
pools warm across activity invocations.
"""

from __future__ import annotations

from functools import cache

from golive.cpp_client import CppClient
from golive.event_grid import EventGridSender
from golive.identity import build_credential
from golive.ingestion_client import IngestionClient
from golive.settings import current_settings


@cache
def cpp_client() -> CppClient:
    config = current_settings()
    return CppClient(
        base_url=config.cpp_api_base_url,
        credential=build_credential(config.managed_identity_client_id),
        scope=config.cpp_token_scope,
        timeout=config.cpp_request_timeout_seconds,
    )


@cache
def ingestion_client() -> IngestionClient:
    config = current_settings()
    return IngestionClient(
        config.product_ingestion_base_url,
        build_credential(config.managed_identity_client_id),
        config.product_ingestion_token_scope,
        config.cpp_request_timeout_seconds,
    )


@cache
def event_grid_sender() -> EventGridSender:
    config = current_settings()
    key = config.eventgrid_topic_key
    credential = None if key else build_credential(config.managed_identity_client_id)
    return EventGridSender(config.eventgrid_topic_endpoint, key, credential)

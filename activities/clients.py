"""The outside-world clients the activities share, built once per worker process.

Building them once keeps azure-identity's token cache and the HTTP connection
pools warm across activity invocations.
"""

from __future__ import annotations

from functools import cache

from golive.app_settings import current_settings
from golive.cpp_client import CppClient
from golive.identity import build_credential
from golive.ingestion_client import IngestionClient
from golive.publisher import EventPublisher


@cache
def cpp_client() -> CppClient:
    config = current_settings()
    return CppClient(
        base_url=config.cpp_base_url,
        credential=build_credential(config.managed_identity_client_id),
        scope=config.cpp_scope,
        timeout=config.cpp_request_timeout_seconds,
    )


@cache
def ingestion_client() -> IngestionClient:
    config = current_settings()
    return IngestionClient(
        config.ingestion_base_url,
        build_credential(config.managed_identity_client_id),
        config.ingestion_scope,
        config.cpp_request_timeout_seconds,
    )


@cache
def event_publisher() -> EventPublisher:
    config = current_settings()
    credential = (
        None if config.eventgrid_key else build_credential(config.managed_identity_client_id)
    )
    return EventPublisher(config.eventgrid_endpoint, config.eventgrid_key, credential)

"""Operator routes: start, watch and cancel a go-live over HTTP (function-level auth)."""

from __future__ import annotations

import logging

import azure.durable_functions as df
import azure.functions as func

from golive.cancel_request import parse_cancel_body
from golive.errors import InvalidRequestError
from golive.function_names import CANCEL_EVENT
from golive.go_live_request import parse_http_request
from golive.run_status import RunStatus
from golive.settings import current_settings
from golive.structured_log import log_event
from triggers.responses import error_response, json_response
from triggers.starter import (
    ACTIVE,
    AlreadyRunning,
    DuplicateRequest,
    decision_log_fields,
    start_orchestration,
)
from triggers.status_view import go_live_view

blueprint = df.Blueprint(http_auth_level=func.AuthLevel.FUNCTION)
logger = logging.getLogger("golive.http")
ROUTE = "golive/{publisherId}/{offerId}"


@blueprint.route(route=ROUTE, methods=["POST"])
@blueprint.durable_client_input(client_name="client")
async def start_go_live_http(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    """202 with the check-status payload; 409 while a go-live for the offer runs."""
    try:
        request = parse_http_request(
            req.route_params.get("publisherId", ""),
            req.route_params.get("offerId", ""),
            req.get_body(),
        )
    except InvalidRequestError as error:
        return error_response(400, "InvalidRequest", error.reason)
    decision = await start_orchestration(client, request, current_settings())
    fields = {**decision_log_fields(decision, request), "source": "http"}
    if isinstance(decision, AlreadyRunning):
        log_event(logger, "go-live already running; nothing started", fields)
        return error_response(
            409,
            "GoLiveAlreadyRunning",
            "a go-live for this offer is already running; watch or cancel it",
            instanceId=decision.instance_id,
            **client.create_http_management_payload(decision.instance_id),
        )
    if isinstance(decision, DuplicateRequest):
        log_event(logger, "duplicate request id; nothing started", fields)
        return json_response(
            {
                "duplicate": True,
                "message": "this requestId was already served; no new go-live was started",
                "instanceId": decision.instance_id,
                **client.create_http_management_payload(decision.instance_id),
            }
        )
    log_event(logger, "go-live started", fields)
    return client.create_check_status_response(req, decision.instance_id)


@blueprint.route(route=ROUTE, methods=["GET"])
@blueprint.durable_client_input(client_name="client")
async def go_live_status_http(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    """The go-live's phase, CPP status, steps, polls and outcome; 404 if there is none."""
    found = await _find_go_live(req, client)
    if isinstance(found, func.HttpResponse):
        return found
    return json_response(go_live_view(found))


@blueprint.route(route=ROUTE + "/cancel", methods=["POST"])
@blueprint.durable_client_input(client_name="client")
async def cancel_go_live_http(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    """Stop waiting and end Canceled; `{"cancelOperation": true}` also cancels in CPP."""
    try:
        cancel = parse_cancel_body(req.get_body())
    except InvalidRequestError as error:
        return error_response(400, "InvalidRequest", error.reason)
    status = await _find_go_live(req, client)
    if isinstance(status, func.HttpResponse):
        return status
    instance_id = status.instance_id or ""
    shown = RunStatus.from_json(status.custom_status)
    if status.runtime_status not in ACTIVE or (shown is not None and shown.phase.is_decided):
        return error_response(
            409,
            "GoLiveNotRunning",
            "this go-live has already ended; nothing to cancel",
            instanceId=instance_id,
            runtimeStatus=status.runtime_status.value if status.runtime_status else None,
        )
    body = cancel.to_json()
    await client.raise_event(instance_id, CANCEL_EVENT, body)
    log_event(logger, "cancel requested", {"instanceId": instance_id, **body})
    return json_response(
        {
            "instanceId": instance_id,
            "cancelRequested": True,
            **body,
            **client.create_http_management_payload(instance_id),
        },
        status_code=202,
    )


async def _find_go_live(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> df.DurableOrchestrationStatus | func.HttpResponse:
    """The offer's go-live named by the route, or the 400/404 answer to give instead."""
    try:
        request = parse_http_request(
            req.route_params.get("publisherId", ""), req.route_params.get("offerId", ""), b""
        )
    except InvalidRequestError as error:
        return error_response(400, "InvalidRequest", error.reason)
    status = await client.get_status(request.instance_id)
    if not status:
        return error_response(404, "NotFound", "no go-live for this offer")
    return status

"""Operator routes: start, watch and cancel a go-live over HTTP (function-level auth)."""

from __future__ import annotations

import json
import logging

import azure.durable_functions as df
import azure.functions as func

from golive.app_settings import current_settings
from golive.function_names import CANCEL_EVENT
from golive.go_live_request import (
    MAX_MESSAGE_CHARS,
    InvalidRequestError,
    instance_id_for,
    parse_http_request,
)
from golive.structured_log import log_event
from triggers.responses import error_response, json_response
from triggers.starter import (
    ACTIVE,
    AlreadyRunning,
    DuplicateRequest,
    decision_log_fields,
    start_go_live,
)
from triggers.status_view import go_live_view

blueprint = df.Blueprint(http_auth_level=func.AuthLevel.FUNCTION)
logger = logging.getLogger("golive.http")
ROUTE = "golive/{publisherId}/{offerId}"
# Phases in which the outcome is decided and only its event is being delivered.
FINISHING = {"publishing", "finished"}


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
    decision = await start_go_live(client, request, current_settings())
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
        body = _cancel_body(req.get_body())
    except ValueError as error:
        return error_response(400, "InvalidRequest", str(error))
    status = await _find_go_live(req, client)
    if isinstance(status, func.HttpResponse):
        return status
    instance_id = status.instance_id or ""
    phase = status.custom_status.get("phase") if isinstance(status.custom_status, dict) else None
    if status.runtime_status not in ACTIVE or phase in FINISHING:
        return error_response(
            409,
            "GoLiveNotRunning",
            "this go-live has already ended; nothing to cancel",
            instanceId=instance_id,
            runtimeStatus=status.runtime_status.value if status.runtime_status else None,
        )
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
    status = await client.get_status(instance_id_for(request.publisher_id, request.offer_id))
    if not status:
        return error_response(404, "NotFound", "no go-live for this offer")
    return status


def _cancel_body(raw: bytes) -> dict[str, object]:
    """Parse `{"cancelOperation"?: bool, "reason"?: str}`; an empty body is allowed."""
    if len(raw) > MAX_MESSAGE_CHARS:
        raise ValueError(f"body is longer than {MAX_MESSAGE_CHARS} bytes")
    if not raw.strip():
        return {"cancelOperation": False}
    try:
        body = json.loads(raw)
    except ValueError as error:
        raise ValueError(f"body is not valid JSON: {error}") from None
    except RecursionError:
        raise ValueError("body is nested too deeply to be a request") from None
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    unknown = set(body) - {"cancelOperation", "reason"}
    if unknown:
        raise ValueError(f"unknown field(s): {', '.join(sorted(unknown))}")
    cancel_operation = body.get("cancelOperation", False)
    if not isinstance(cancel_operation, bool):
        raise ValueError("cancelOperation must be true or false")
    reason = body.get("reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > 500):
        raise ValueError("reason must be a string of at most 500 characters")
    result: dict[str, object] = {"cancelOperation": cancel_operation}
    if reason:
        result["reason"] = reason
    return result

"""One small activity per side effect. Each classifies CPP's or Event Grid's answer
into a result the orchestrator decides on; each is safe to run more than once,
because Durable Functions runs activities at least once.

Every payload carries `log`: the instance, run, publisher, offer and correlation
ids, so each log line can be tied to its go-live.
"""

from __future__ import annotations

import logging
from typing import Any

import azure.durable_functions as df

from activities.clients import cpp_client, event_publisher
from golive.function_names import (
    CANCEL_ACTIVITY,
    POLL_ACTIVITY,
    PUBLISH_ACTIVITY,
    START_ACTIVITY,
)
from golive.go_live_request import GoLiveRequest
from golive.structured_log import log_event

blueprint = df.Blueprint()

# Binding parameters are annotated `dict`, not `dict[str, Any]`: the Python worker refuses a
# PEP 585 generic as a binding annotation ("has invalid non-type annotation") and with it the
# whole app. tests/app/test_conformance.py indexes the app with the worker's own code.
logger = logging.getLogger("golive.activities")


@blueprint.activity_trigger(input_name="payload", activity=START_ACTIVITY)
def start_go_live(payload: dict) -> dict:
    """POST go-live and classify the answer (accepted, rejected, transient, unsafe)."""
    result = cpp_client().start_go_live(*_offer_of(payload)).to_dict()
    _log("go-live requested", payload, result)
    return result


@blueprint.activity_trigger(input_name="payload", activity=POLL_ACTIVITY)
def poll_operation(payload: dict) -> dict:
    """GET the operation; a read, so repeating it is harmless."""
    result = cpp_client().get_operation(payload["operationUrl"]).to_dict()
    _log("operation polled", payload, result)
    return result


@blueprint.activity_trigger(input_name="payload", activity=CANCEL_ACTIVITY)
def cancel_operation(payload: dict) -> dict:
    """Ask CPP to cancel; CPP answers 202 whether or not it canceled, so a repeat is harmless."""
    result = cpp_client().cancel_go_live(*_offer_of(payload)).to_dict()
    _log("operation cancel requested", payload, result)
    return result


@blueprint.activity_trigger(input_name="payload", activity=PUBLISH_ACTIVITY)
def publish_event(payload: dict) -> dict:
    """Send one CloudEvent. Its id is fixed by the orchestrator, so a repeat is a duplicate
    that consumers drop, never a second, different event."""
    event = payload["event"]
    result = event_publisher().publish(event).to_dict()
    _log(
        "event published" if result.get("kind") == "published" else "event not accepted",
        payload,
        {**result, "eventId": event.get("id"), "eventType": event.get("type")},
    )
    return result


def _offer_of(payload: dict[str, Any]) -> tuple[str, str]:
    """The publisher and offer ids of the go-live request the payload carries."""
    request = GoLiveRequest.from_dict(payload["request"])
    return request.publisher_id, request.offer_id


def _log(message: str, payload: dict[str, Any], result: dict[str, Any]) -> None:
    outcome = {
        key: result.get(key)
        for key in ("kind", "httpStatus", "code", "reason", "eventId", "eventType")
    }
    snapshot = result.get("snapshot") or {}
    level = (
        logging.WARNING
        if result.get("kind") not in {"accepted", "status", "published"}
        else logging.INFO
    )
    log_event(
        logger,
        message,
        {**payload.get("log", {}), **outcome, "cppStatus": snapshot.get("status")},
        level,
    )

"""One small activity per side effect. Each classifies CPP's or Event Grid's answer
into a result of golive/activity_results.py for the orchestrator to decide on; each is
safe to run more than once, because Durable Functions runs activities at least once.

Inputs are the classes of golive/activity_inputs.py, rebuilt on entry; every one carries
`log`: the instance, run, publisher, offer and correlation ids, so each log line can be
tied to its go-live.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import azure.durable_functions as df

from activities.clients import cpp_client, event_grid_sender
from golive.activity_inputs import OfferCall, PollCall, PublishCall
from golive.activity_results import (
    Accepted,
    ActivityResult,
    OperationStatus,
    Published,
)
from golive.function_names import (
    CANCEL_ACTIVITY,
    GO_LIVE_ACTIVITY,
    POLL_ACTIVITY,
    PUBLISH_ACTIVITY,
)
from golive.structured_log import log_event

blueprint = df.Blueprint()

# Binding parameters are annotated `dict`, not `dict[str, Any]`: the Python worker refuses a
# PEP 585 generic as a binding annotation ("has invalid non-type annotation") and with it the
# whole app. tests/app/test_conformance.py indexes the app with the worker's own code.
logger = logging.getLogger("golive.activities")


@blueprint.activity_trigger(input_name="payload", activity=GO_LIVE_ACTIVITY)
def start_go_live(payload: dict) -> dict:
    """POST go-live and classify the answer (accepted, rejected, transient, unsafe)."""
    call = OfferCall.from_json(payload)
    return _answer("go-live requested", call.log, cpp_client().go_live(call.request))


@blueprint.activity_trigger(input_name="payload", activity=POLL_ACTIVITY)
def poll_operation(payload: dict) -> dict:
    """GET the operation; a read, so repeating it is harmless."""
    call = PollCall.from_json(payload)
    return _answer("operation polled", call.log, cpp_client().get_operation(call.operation_url))


@blueprint.activity_trigger(input_name="payload", activity=CANCEL_ACTIVITY)
def cancel_operation(payload: dict) -> dict:
    """Ask CPP to cancel; CPP answers 202 whether or not it canceled, so a repeat is harmless."""
    call = OfferCall.from_json(payload)
    result = cpp_client().cancel_go_live(call.request)
    return _answer("operation cancel requested", call.log, result)


@blueprint.activity_trigger(input_name="payload", activity=PUBLISH_ACTIVITY)
def publish_event(payload: dict) -> dict:
    """Send one CloudEvent. Its id is fixed by the orchestrator, so a repeat is a duplicate
    that consumers drop, never a second, different event."""
    call = PublishCall.from_json(payload)
    result = event_grid_sender().send(call.event)
    event = {"eventId": call.event.get("id"), "eventType": call.event.get("type")}
    message = "event published" if isinstance(result, Published) else "event not accepted"
    return _answer(message, {**call.log, **event}, result)


def _answer(message: str, ids: Mapping[str, Any], result: ActivityResult) -> dict[str, Any]:
    """Log one line for the activity (its ids, the result's kind and what explains it) and
    return the result as the JSON the orchestrator rebuilds."""
    fields = {
        "kind": result.KIND,
        "httpStatus": getattr(result, "http_status", None),
        "code": getattr(result, "code", None),
        "reason": getattr(result, "reason", None),
    }
    if isinstance(result, OperationStatus):
        fields["cppStatus"] = result.snapshot.status
    went_well = isinstance(result, Accepted | OperationStatus | Published)
    level = logging.INFO if went_well else logging.WARNING
    log_event(logger, message, {**ids, **fields}, level)
    return result.to_json()

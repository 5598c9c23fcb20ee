"""Upstream publishing systems start a go-live with a queue message.

An invalid message raises, so the host retries it up to `maxDequeueCount` and
then moves it to `<queue>-poison`; the reason is logged once, at the first try, and no
orchestration starts. A duplicate is logged and the message completed.
"""

from __future__ import annotations

import logging

import azure.durable_functions as df
import azure.functions as func

from golive.errors import InvalidQueueMessageError, InvalidRequestError
from golive.go_live_request import parse_queue_message
from golive.settings import current_settings
from golive.structured_log import log_event
from triggers.starter import (
    AlreadyRunning,
    DuplicateRequest,
    decision_log_fields,
    start_orchestration,
)

blueprint = df.Blueprint()
logger = logging.getLogger("golive.queue")


@blueprint.queue_trigger(
    arg_name="message",
    queue_name=current_settings().golive_queue_name,
    connection="AzureWebJobsStorage",
)
@blueprint.durable_client_input(client_name="client")
async def start_go_live_from_queue(
    message: func.QueueMessage, client: df.DurableOrchestrationClient
) -> None:
    where = {"messageId": message.id, "dequeueCount": message.dequeue_count, "source": "queue"}
    try:
        request = parse_queue_message(message.get_body().decode("utf-8"))
    except (UnicodeDecodeError, InvalidRequestError) as error:
        reason = getattr(error, "reason", "message is not UTF-8 text")
        if (message.dequeue_count or 1) <= 1:  # every later try fails the same way
            log_event(logger, "invalid go-live message", {**where, "reason": reason}, logging.ERROR)
        raise InvalidQueueMessageError(reason) from None
    decision = await start_orchestration(client, request, current_settings())
    fields = {**where, **decision_log_fields(decision, request)}
    if isinstance(decision, AlreadyRunning):
        log_event(
            logger, "duplicate: go-live already running; nothing started", fields, logging.WARNING
        )
    elif isinstance(decision, DuplicateRequest):
        log_event(
            logger, "duplicate: request id already served; nothing started", fields, logging.WARNING
        )
    else:
        log_event(logger, "go-live started", fields)

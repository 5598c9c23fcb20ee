"""The HTTP starter every durable sample app shares, so each app file shows only its pattern.

`POST orchestrators/{functionName}/{instanceId?}` starts the named orchestrator with the
JSON body as input (none when the body is empty) and an optional explicit instance id, and
answers like a real starter: 202 with the check-status payload from
`create_check_status_response`. When the client refuses the start (the id is Running or
Pending, or no such orchestrator exists) it answers 409 with the client's message.
"""

from __future__ import annotations

import json

import azure.durable_functions as df
import azure.functions as func


def http_starter() -> df.Blueprint:
    """A new Blueprint holding `http_start`; an app adds it with `app.register_functions(...)`.

    A fresh Blueprint per call rather than one module-level object: when an app indexes its
    functions the SDK writes the app's auth level into the HTTP trigger itself, so a shared
    trigger would carry the first app's auth level into every app loaded after it in the
    same process (devhost tests load many apps in one pytest run).
    """
    blueprint = df.Blueprint()

    @blueprint.route(route="orchestrators/{functionName}/{instanceId?}", methods=["POST"])
    @blueprint.durable_client_input(client_name="client")
    async def http_start(
        req: func.HttpRequest, client: df.DurableOrchestrationClient
    ) -> func.HttpResponse:
        body = req.get_body()
        try:
            instance_id = await client.start_new(
                req.route_params["functionName"],
                req.route_params.get("instanceId"),
                json.loads(body) if body else None,
            )
        except Exception as exc:  # the client raises whenever the host refuses the start
            return func.HttpResponse(str(exc), status_code=409)
        return client.create_check_status_response(req, instance_id)

    return blueprint

"""Sample: plain HTTP triggers, no durable parts. Each route shows one piece of the contract."""

from __future__ import annotations

import json
import os
import threading

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)


def _json(value: object, status: int = 200) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(value), status_code=status, mimetype="application/json")


@app.route(route="items/{id:int}", methods=["GET"])
def item_by_id(req: func.HttpRequest) -> func.HttpResponse:
    """Typed route parameter; sync function (runs on a worker thread)."""
    return _json(
        {
            "by": "id",
            "id": req.route_params["id"],
            "query": dict(req.params),
            "thread": threading.current_thread().name,
        }
    )


@app.route(route="items/{name:alpha}", methods=["GET"])
def item_by_name(req: func.HttpRequest) -> func.HttpResponse:
    return _json({"by": "name", "name": req.route_params["name"]})


@app.route(route="items/special", methods=["GET"])
def item_special(req: func.HttpRequest) -> func.HttpResponse:
    """A literal segment wins over the parameter routes above."""
    return _json({"by": "literal"})


@app.route(route="greet/{name?}", methods=["GET", "POST"])
async def greet(req: func.HttpRequest) -> func.HttpResponse:
    """Optional parameter; async function; reads an app setting."""
    name = req.route_params.get("name") or "stranger"
    return func.HttpResponse(f"{os.environ['GREETING']}, {name}!")


@app.route(route="echo", methods=["POST", "PUT"])
async def echo(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    """Method, URL, headers, body in; custom status, headers and mimetype out."""
    body = {
        "method": req.method,
        "url": req.url,
        "header": req.headers.get("x-custom"),
        "body": req.get_body().decode(),
        "json": req.get_json() if req.headers.get("content-type") == "application/json" else None,
        "function": context.function_name,
    }
    return func.HttpResponse(
        json.dumps(body), status_code=201, mimetype="application/json", headers={"X-Echo": "yes"}
    )


@app.route(route="files/{*path}", methods=["GET"])
def files(req: func.HttpRequest) -> func.HttpResponse:
    return _json({"path": req.route_params.get("path", "")})


@app.route(route="settings", methods=["GET"])
def settings(req: func.HttpRequest) -> func.HttpResponse:
    return _json({"OVERRIDDEN": os.environ.get("OVERRIDDEN")})


@app.route(route="broken", methods=["GET"])
def broken(req: func.HttpRequest) -> func.HttpResponse:
    raise RuntimeError("this function always fails")


@app.route(methods=["GET"])
def plain_text(req: func.HttpRequest) -> str:
    """No route: served at the function name. Returns a bare string."""
    return "just text"


@app.route(route="owners/{owner}/pets/{pet}", methods=["GET"])
def pet(req: func.HttpRequest) -> func.HttpResponse:
    """Two segments bound to two values: an encoded slash must stay inside its segment."""
    return _json(dict(req.route_params))


@app.route(route="open/ping", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def open_ping(req: func.HttpRequest) -> str:
    return "pong"


@app.route(route="admin/ping", methods=["GET"], auth_level=func.AuthLevel.ADMIN)
def admin_ping(req: func.HttpRequest) -> str:
    return "admin pong"

"""JSON answers for the HTTP routes, errors in one shape: {"error": {"code", "message"}}."""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func


def json_response(
    body: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> func.HttpResponse:
    return func.HttpResponse(
        json.dumps(body), status_code=status_code, mimetype="application/json", headers=headers
    )


def error_response(status_code: int, code: str, message: str, **details: Any) -> func.HttpResponse:
    return json_response({"error": {"code": code, "message": message}, **details}, status_code)

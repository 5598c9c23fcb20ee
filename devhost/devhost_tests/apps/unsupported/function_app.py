"""Sample that devhost must refuse at start-up: a blob trigger it does not emulate."""

from __future__ import annotations

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="hello")
def hello(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("hello")


@app.blob_trigger(arg_name="upload", path="uploads/{name}", connection="AzureWebJobsStorage")
def on_upload(upload: func.InputStream) -> None:
    return None

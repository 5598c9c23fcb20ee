"""The Functions entry point: builds the Durable Functions app and registers the blueprints.

Settings are validated here, at load, so a bad or missing setting stops the app
with its name rather than failing a go-live later.
"""

import logging
import os

import azure.durable_functions as df
import azure.functions as func

from activities.blueprint import blueprint as activities
from golive.settings import current_settings
from orchestrators.blueprint import blueprint as orchestrators
from triggers.dashboard import blueprint as dashboard
from triggers.golive_list import blueprint as golive_list
from triggers.http_routes import blueprint as http_routes
from triggers.queue_starter import blueprint as queue_starter

current_settings()
# azure-core logs every HTTP request at INFO; keep the app's own lines readable.
logging.getLogger("azure.core.pipeline.policies.http_logging_policy").setLevel(logging.WARNING)
# On Azure the worker exports the loggers under PYTHON_APPLICATIONINSIGHTS_LOGGER_NAME
# (golive, set by infra/) to Application Insights: their INFO lines go too, whatever
# level the worker gives the root logger.
if exported_logger := os.environ.get("PYTHON_APPLICATIONINSIGHTS_LOGGER_NAME"):
    logging.getLogger(exported_logger).setLevel(logging.INFO)

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)
for blueprint in (http_routes, golive_list, dashboard, queue_starter, orchestrators, activities):
    app.register_functions(blueprint)

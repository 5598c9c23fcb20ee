"""infra/ read as Azure would deploy it: Flex Consumption, the project's Python, identity only.

The Bicep is parsed with pycep-parser (pinned in requirements-dev.txt), so the checks look at
declared resources, properties and module wiring rather than at text.
"""

from __future__ import annotations

import json
import re
import tomllib
from importlib.metadata import metadata, version
from typing import Any

import pytest
from packaging.specifiers import SpecifierSet

from tests.infra.bicep import INFRA, MAIN, accessor, bicep_files, function_call, parse
from tests.support import PROJECT_ROOT

FUNCTION_APP = "app/function-app.bicep"
RBAC = "app/rbac.bicep"
STORAGE = "app/storage.bicep"

# Built-in role definition ids (learn.microsoft.com/azure/role-based-access-control/built-in-roles).
STORAGE_BLOB_DATA_OWNER = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"
STORAGE_QUEUE_DATA_CONTRIBUTOR = "974c5e8b-45b9-4653-ba55-5f855dd0fb88"
STORAGE_TABLE_DATA_CONTRIBUTOR = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"
MONITORING_METRICS_PUBLISHER = "3913510d-42f4-4e42-8a64-420c390055eb"
EVENTGRID_DATA_SENDER = "d5a91429-5739-47e2-a06b-3470a27159e7"

# App settings Flex Consumption rejects or ignores (learn.microsoft.com/azure/azure-functions/
# functions-app-settings#flex-consumption-plan-deprecations): the runtime lives in
# functionAppConfig and the platform builds the package itself.
FLEX_DEPRECATED_SETTINGS = {
    "FUNCTIONS_EXTENSION_VERSION",
    "FUNCTIONS_WORKER_RUNTIME",
    "FUNCTIONS_WORKER_RUNTIME_VERSION",
    "FUNCTIONS_MAX_HTTP_CONCURRENCY",
    "FUNCTIONS_WORKER_PROCESS_COUNT",
    "FUNCTIONS_WORKER_DYNAMIC_CONCURRENCY_ENABLED",
    "SCM_DO_BUILD_DURING_DEPLOYMENT",
    "ENABLE_ORYX_BUILD",
    "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
    "WEBSITE_CONTENTSHARE",
    "WEBSITE_CONTENTOVERVNET",
    "WEBSITE_RUN_FROM_PACKAGE",
    "WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT",
    "WEBSITE_NODE_DEFAULT_VERSION",
    "AzureWebJobsStorage",
}


def main_module(relative_path: str) -> dict[str, Any]:
    return parse(MAIN).module(relative_path)["params"]


def the_resource(relative_path: str, resource_type: str) -> dict[str, Any]:
    found = parse(relative_path).resources_of_type(resource_type)
    assert len(found) == 1, f"{relative_path}: {sorted(found)}"
    return next(iter(found.values()))


def all_app_settings() -> dict[str, Any]:
    """The app settings the function app gets: main's appSettings and the module's own."""
    app = parse(FUNCTION_APP)
    settings = app.resources_of_type("Microsoft.Web/sites/config")
    assert len(settings) == 1
    (config,) = settings.values()
    assert config["config"]["name"] == "appsettings"
    union = function_call(config["config"]["properties"], "union")
    assert set(union.values()) == {"appSettings", "platformSettings"}
    return {**main_module(FUNCTION_APP)["appSettings"], **app.variable("platformSettings")}


@pytest.mark.parametrize("relative_path", bicep_files())
def test_every_bicep_file_parses(relative_path: str) -> None:
    assert parse(relative_path).section("resources") or parse(relative_path).modules


def test_the_plan_is_flex_consumption() -> None:
    plans = [
        resource
        for path in bicep_files()
        for resource in parse(path).resources_of_type("Microsoft.Web/serverfarms").values()
    ]
    assert len(plans) == 1
    plan = plans[0]["config"]
    assert plan["sku"] == {"name": "FC1", "tier": "FlexConsumption"}
    assert plan["properties"]["reserved"] is True  # Linux
    site = the_resource(FUNCTION_APP, "Microsoft.Web/sites")["config"]
    assert site["kind"] == "functionapp,linux"
    assert accessor(site["properties"]["serverFarmId"]) == ("plan", "id")
    assert "linuxFxVersion" not in json.dumps(site)  # Y1-era; Flex takes functionAppConfig


def project_python() -> str:
    """The one minor Python version pyproject.toml allows, e.g. '3.13'."""
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    allowed = SpecifierSet(pyproject["project"]["requires-python"])
    minors = [f"3.{minor}" for minor in range(8, 20) if f"3.{minor}" in allowed]
    assert len(minors) == 1, f"requires-python allows {minors}"
    return minors[0]


def test_the_runtime_is_the_python_of_the_project() -> None:
    runtime = the_resource(FUNCTION_APP, "Microsoft.Web/sites")["config"]["properties"][
        "functionAppConfig"
    ]["runtime"]
    assert runtime == {"name": "python", "version": "runtimeVersion"}
    deployed = main_module(FUNCTION_APP)["runtimeVersion"]
    assert deployed == project_python()
    # The worker runtime requirements.txt pins must run on that Python.
    pins = dict(
        re.findall(
            r"^([A-Za-z0-9_.-]+)==(\S+)", (PROJECT_ROOT / "requirements.txt").read_text(), re.M
        )
    )
    assert version("azure-functions-runtime") == pins["azure-functions-runtime"]
    needs = SpecifierSet(metadata("azure-functions-runtime")["Requires-Python"])
    assert deployed in needs


def test_flex_scale_and_deployment_settings() -> None:
    main = parse(MAIN)
    memory = main.parameters["instanceMemoryMB"]
    assert memory["default"] == 2048
    allowed = next(d for d in memory["decorators"] if d["type"] == "allowed")["argument"]
    assert sorted(allowed) == [512, 2048, 4096]
    assert main.parameters["alwaysReady"]["default"] == []  # always-ready off by default
    config = the_resource(FUNCTION_APP, "Microsoft.Web/sites")["config"]["properties"][
        "functionAppConfig"
    ]
    assert config["scaleAndConcurrency"] == {
        "instanceMemoryMB": "instanceMemoryMB",
        "maximumInstanceCount": "maximumInstanceCount",
        "alwaysReady": "alwaysReady",
    }
    params = main_module(FUNCTION_APP)
    assert params["instanceMemoryMB"] == "instanceMemoryMB"
    assert params["alwaysReady"] == "alwaysReady"
    storage = config["deployment"]["storage"]
    assert storage["type"] == "blobContainer"
    assert storage["authentication"] == {
        "type": "UserAssignedIdentity",
        "userAssignedIdentityResourceId": "identityId",
    }


def test_the_app_runs_as_the_one_user_assigned_identity() -> None:
    site = the_resource(FUNCTION_APP, "Microsoft.Web/sites")["config"]
    assert site["identity"]["type"] == "UserAssigned"
    # pycep keeps the quotes of a quoted object key.
    assert list(site["identity"]["userAssignedIdentities"]) == ["'${identityId}'"]
    params = main_module(FUNCTION_APP)
    assert accessor(params["identityId"]) == ("identity", "outputs", "id")
    assert accessor(params["identityClientId"]) == ("identity", "outputs", "clientId")
    assert accessor(params["appSettings"]["MANAGED_IDENTITY_CLIENT_ID"]) == (
        "identity",
        "outputs",
        "clientId",
    )
    rbac = main_module(RBAC)
    assert accessor(rbac["appPrincipalId"]) == ("identity", "outputs", "principalId")


def role_assignments() -> set[tuple[str, str, str]]:
    """(role definition id, scoped resource type, principal parameter), for rbac.bicep."""
    rbac = parse(RBAC)
    roles = rbac.variable("roles")
    found: set[tuple[str, str, str]] = set()
    for name, resource in rbac.resources_of_type("Microsoft.Authorization/roleAssignments").items():
        config = resource["config"]
        if "condition" in config:  # `= if (...) {...}`
            config = config["config"]
        properties = config["properties"]
        role_ref = function_call(properties["roleDefinitionId"], "subscription_resource_id")
        assert role_ref["resource_type"] == "Microsoft.Authorization/roleDefinitions"
        _, role_key = accessor(role_ref["resource_name_1"])
        scope = rbac.resources[config["scope"]]
        assert scope["existing"], f"{name}: scoped to a resource this module does not own"
        # Idempotent names: the same scope, principal and role give the same assignment.
        guid = function_call(config["name"], "guid")
        assert accessor(guid["base_string"]) == (config["scope"], "id")
        assert guid["extra_string_1"] == properties["principalId"]
        assert accessor(guid["extra_string_2"]) == ("roles", role_key)
        found.add((roles[role_key], scope["type"], properties["principalId"]))
    return found


def test_the_identity_has_each_role_it_needs_on_its_own_resource() -> None:
    assignments = role_assignments()
    app_roles = {(role, scope) for role, scope, who in assignments if who == "appPrincipalId"}
    assert app_roles == {
        (STORAGE_BLOB_DATA_OWNER, "Microsoft.Storage/storageAccounts"),
        (STORAGE_QUEUE_DATA_CONTRIBUTOR, "Microsoft.Storage/storageAccounts"),
        (STORAGE_TABLE_DATA_CONTRIBUTOR, "Microsoft.Storage/storageAccounts"),
        (MONITORING_METRICS_PUBLISHER, "Microsoft.Insights/components"),
        (EVENTGRID_DATA_SENDER, "Microsoft.EventGrid/topics"),
    }
    # Beside them only the optional operator role (send, read and replay queue messages).
    others = assignments - {(role, scope, "appPrincipalId") for role, scope in app_roles}
    assert others == {
        (STORAGE_QUEUE_DATA_CONTRIBUTOR, "Microsoft.Storage/storageAccounts", "operatorPrincipalId")
    }


def test_the_scoped_resources_are_the_deployed_ones() -> None:
    rbac = parse(RBAC)
    for resource in rbac.resources.values():
        if resource["existing"]:
            assert rbac.parameters[resource["config"]["name"]]
    params = main_module(RBAC)
    assert accessor(params["storageAccountName"]) == ("storage", "outputs", "name")
    assert accessor(params["applicationInsightsName"]) == (
        "monitoring",
        "outputs",
        "applicationInsightsName",
    )
    assert accessor(params["eventGridTopicName"]) == ("eventGrid", "outputs", "name")
    assert "rbac" in parse(MAIN).module(FUNCTION_APP)["dependsOn"]


def test_storage_is_reached_by_identity_only() -> None:
    settings = all_app_settings()
    assert settings["AzureWebJobsStorage__credential"] == "managedidentity"
    assert settings["AzureWebJobsStorage__clientId"] == "identityClientId"
    # Durable Functions on the Azure Storage provider uses all three services.
    for service in ("blob", "queue", "table"):
        assert settings[f"AzureWebJobsStorage__{service}ServiceUri"] == (
            f"storage{service.capitalize()}Endpoint"
        )
        assert accessor(main_module(FUNCTION_APP)[f"storage{service.capitalize()}Endpoint"]) == (
            "storage",
            "outputs",
            f"{service}Endpoint",
        )
    account = the_resource(STORAGE, "Microsoft.Storage/storageAccounts")["config"]["properties"]
    assert account["allowSharedKeyAccess"] is False
    assert account["allowBlobPublicAccess"] is False


def test_no_flex_deprecated_setting() -> None:
    assert FLEX_DEPRECATED_SETTINGS & set(all_app_settings()) == set()


def test_event_grid_and_application_insights_refuse_keys() -> None:
    topic = the_resource("app/eventgrid.bicep", "Microsoft.EventGrid/topics")["config"]
    assert topic["properties"]["disableLocalAuth"] is True
    assert topic["properties"]["inputSchema"] == "CloudEventSchemaV1_0"
    insights = the_resource("app/monitoring.bicep", "Microsoft.Insights/components")["config"]
    assert insights["properties"]["DisableLocalAuth"] is True
    settings = all_app_settings()
    assert settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] == (
        "ClientId=${identityClientId};Authorization=AAD"
    )


def test_no_key_anywhere_in_infra() -> None:
    forbidden = re.compile(
        r"listKeys\s*\(|AccountKey|SharedAccessSignature|SharedAccessKey|InstrumentationKey=|"
        r"aeg-sas-key|@secure\(",
        re.IGNORECASE,
    )
    files = [p for p in INFRA.rglob("*") if p.is_file()] + [PROJECT_ROOT / "azure.yaml"]
    offending = {
        str(path.relative_to(PROJECT_ROOT)): match.group(0)
        for path in files
        for match in [forbidden.search(path.read_text(encoding="utf-8"))]
        if match
    }
    assert offending == {}


def test_the_request_queue_and_its_poison_queue_are_created() -> None:
    queues = parse(STORAGE).resources_of_type(
        "Microsoft.Storage/storageAccounts/queueServices/queues"
    )
    names = sorted(queue["config"]["name"] for queue in queues.values())
    assert names == ["${requestQueueName}-poison", "requestQueueName"]
    assert main_module(STORAGE)["requestQueueName"] == "goLiveQueueName"
    # The app reads the queue name the queues are created with.
    assert main_module(FUNCTION_APP)["appSettings"]["GOLIVE_QUEUE_NAME"] == "goLiveQueueName"


def test_resource_names_use_known_abbreviations() -> None:
    abbreviations = json.loads((INFRA / "abbreviations.json").read_text(encoding="utf-8"))
    used = set(re.findall(r"\babbrs\.(\w+)", (INFRA / MAIN).read_text(encoding="utf-8")))
    assert used and used <= set(abbreviations)


def test_azd_deploys_the_app_to_the_tagged_function_app() -> None:
    manifest = (PROJECT_ROOT / "azure.yaml").read_text(encoding="utf-8")
    service = re.search(r"^services:\n  (\S+):\n((?:    .*\n)+)", manifest, re.M)
    assert service, "azure.yaml has no service"
    body = dict(re.findall(r"^    (\w+): (\S+)$", service.group(2), re.M))
    assert body == {"project": ".", "language": "python", "host": "function"}
    assert main_module(FUNCTION_APP)["serviceName"] == service.group(1)
    tags = the_resource(FUNCTION_APP, "Microsoft.Web/sites")["config"]["tags"]
    assert function_call(tags, "union") == {
        "arg_1": "tags",
        "arg_2": {"'azd-service-name'": "serviceName"},
    }


def test_parameters_file_matches_main() -> None:
    main = parse(MAIN).parameters
    mapped = json.loads((INFRA / "main.parameters.json").read_text(encoding="utf-8"))["parameters"]
    assert set(mapped) <= set(main), set(mapped) - set(main)
    required = {name for name, param in main.items() if "default" not in param}
    assert required <= set(mapped), required - set(mapped)

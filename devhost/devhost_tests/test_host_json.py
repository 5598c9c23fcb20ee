"""host.json overrides through `AzureFunctionsJobHost__...` app settings, as the host does."""

from __future__ import annotations

import json
from pathlib import Path

from devhost.host_json import read_host_json


def test_app_settings_override_host_json_values_case_insensitively(tmp_path: Path) -> None:
    (tmp_path / "host.json").write_text(
        json.dumps(
            {
                "version": "2.0",
                "extensions": {"queues": {"visibilityTimeout": "00:00:30", "batchSize": 16}},
            }
        )
    )
    environ = {
        "AzureFunctionsJobHost__extensions__Queues__visibilityTimeout": "00:00:01",
        "AZUREFUNCTIONSJOBHOST__extensions__durableTask__hubName": "OtherHub",
        "UNRELATED": "x",
    }
    document = read_host_json(tmp_path, environ)
    assert document["extensions"]["queues"] == {"visibilityTimeout": "00:00:01", "batchSize": 16}
    assert document["extensions"]["durableTask"] == {"hubName": "OtherHub"}
    assert "Queues" not in document["extensions"]


def test_no_host_json_still_takes_overrides(tmp_path: Path) -> None:
    override = {"AzureFunctionsJobHost__logging__logLevel__default": "Debug"}
    document = read_host_json(tmp_path, override)
    assert document == {"version": "2.0", "logging": {"logLevel": {"default": "Debug"}}}

"""What devhost refuses at start-up: one line naming the file and the cause, exit 1.

The worker's own refusals (an annotation it rejects, no app object, two app objects, an
import that fails) come with the worker's message, as "Worker failed to index functions"
does on Azure; devhost's own inputs (host.json, local.settings.json) with the host's.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from devhost_tests.support import run_module

APP_HEADER = "import azure.functions as func\nimport azure.durable_functions as df\n"
CASES = {
    "refused_annotation": (
        {
            "function_app.py": APP_HEADER
            + "from typing import Any\napp = df.DFApp()\n\n"
            + '@app.activity_trigger(input_name="payload")\n'
            + "def work(payload: dict[str, Any]) -> dict:\n    return payload\n"
        },
        "function_app.py: Worker failed to index functions: FunctionLoadError: cannot load the "
        "work function: binding payload has invalid non-type annotation dict[str, typing.Any]",
    ),
    "import_fails": (
        {"function_app.py": APP_HEADER + "app = func.FunctionApp()\nratio = 1 / 0\n"},
        "Worker failed to index functions: ZeroDivisionError: division by zero "
        "(at function_app.py:4)",
    ),
    "missing_module": (
        {"function_app.py": "import not_installed_anywhere\n"},
        "ModuleNotFoundError: No module named 'not_installed_anywhere'",
    ),
    "no_app": (
        {"function_app.py": APP_HEADER},
        "ValueError: Could not find top level function app instances in function_app.py.",
    ),
    "two_apps": (
        {"function_app.py": APP_HEADER + "app = func.FunctionApp()\nother = df.DFApp()\n"},
        "ValueError: More than one FunctionApp or other top level function app instances",
    ),
    "host_json_broken": (
        {"host.json": '{"version": "2.0",,}', "function_app.py": APP_HEADER},
        "Unable to parse host configuration file '{dir}/host.json'.",
    ),
    "host_json_no_version": (
        {"host.json": "{}", "function_app.py": APP_HEADER},
        "host.json: The host.json file is missing the required 'version' property.",
    ),
    "host_json_version_1": (
        {"host.json": '{"version": "1.0"}', "function_app.py": APP_HEADER},
        "host.json: '1.0' is an invalid value for host.json 'version' property.",
    ),
    "local_settings_broken": (
        {"local.settings.json": '{"Values": ', "function_app.py": APP_HEADER},
        "local.settings.json: not valid JSON",
    ),
}


def _app(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir()
    (folder / "host.json").write_text('{"version": "2.0"}')
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_app_is_refused_with_one_line_naming_the_file_and_cause(
    tmp_path: Path, case: str
) -> None:
    files, expected = CASES[case]
    app_dir = _app(tmp_path / case, files)
    result = run_module("devhost", "serve", "--app-dir", str(app_dir), "--port", "0")
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    assert expected.format(dir=app_dir) in errors[0]
    assert str(app_dir) in errors[0]
    assert "Traceback" not in result.stderr
    assert "Listening on" not in result.stdout


def test_verbose_adds_the_traceback(tmp_path: Path) -> None:
    files, _ = CASES["import_fails"]
    app_dir = _app(tmp_path / "verbose", files)
    result = run_module("devhost", "serve", "--app-dir", str(app_dir), "--verbose")
    assert result.returncode == 1
    assert "Traceback" in result.stderr
    assert "ZeroDivisionError" in result.stderr


def test_host_json_with_comments_and_trailing_commas_loads_as_on_azure(tmp_path: Path) -> None:
    from devhost.host_json import read_host_json

    (tmp_path / "host.json").write_text(
        '{\n  // the host reads comments\n  "version": "2.0", /* and this */\n'
        '  "extensions": {"http": {"routePrefix": "x//y",},},\n}'
    )
    document = read_host_json(tmp_path, {})
    assert document == {"version": "2.0", "extensions": {"http": {"routePrefix": "x//y"}}}

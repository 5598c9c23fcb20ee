"""local.settings.json, read the way Core Tools reads it.

Core Tools copies each `Values` entry into the process environment unless the variable is
already set to a non-empty value; then it keeps the environment's value and prints
"Skipping '<name>' from local settings as it's already defined in current environment
variables." devhost does the same, so a shell export overrides the file. `Host.LocalHttpPort`
is the default port of `serve`. An encrypted file (`IsEncrypted: true`) is refused.
"""

from __future__ import annotations

import json
import logging
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FILE_NAME = "local.settings.json"


class LocalSettingsError(ValueError):
    """local.settings.json exists but cannot be used."""


def read_local_settings(app_dir: Path) -> dict[str, Any]:
    """The parsed file, or {} when the app has none."""
    path = app_dir / FILE_NAME
    if not path.exists():
        return {}
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except ValueError as exc:
        raise LocalSettingsError(f"{path}: not valid JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise LocalSettingsError(f"{path}: expected a JSON object")
    if document.get("IsEncrypted"):
        raise LocalSettingsError(f"{path}: encrypted settings are not supported")
    return document


def setting_values(app_dir: Path) -> dict[str, str]:
    """`Values` as strings (non-string JSON values are written as JSON)."""
    values = read_local_settings(app_dir).get("Values") or {}
    return {
        str(key): value if isinstance(value, str) else json.dumps(value)
        for key, value in values.items()
    }


def apply_values(values: dict[str, str], environ: MutableMapping[str, str]) -> list[str]:
    """Set each value unless the environment already has it non-empty; return skipped names."""
    skipped = []
    for key, value in values.items():
        if environ.get(key):
            skipped.append(key)
            log.info(
                "Skipping '%s' from local settings as it's already defined in current "
                "environment variables.",
                key,
            )
            continue
        environ[key] = value
    return skipped


def local_http_port(app_dir: Path) -> int | None:
    """`Host.LocalHttpPort`, if the file sets one."""
    port = (read_local_settings(app_dir).get("Host") or {}).get("LocalHttpPort")
    return int(port) if port is not None else None

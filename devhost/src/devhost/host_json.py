"""host.json as the Functions host sees it: the file, then app-setting overrides.

The host lets an app setting named `AzureFunctionsJobHost__path__to__key` replace
the value at `path.to.key` in host.json (keys matched without regard to case), so
an environment can tune, say, the queue visibility timeout without editing the
file. devhost applies the same rule.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

OVERRIDE_PREFIX = "AzureFunctionsJobHost__"


def read_host_json(app_dir: Path, environ: Mapping[str, str]) -> dict[str, Any]:
    path = app_dir / "host.json"
    loaded: Any = json.loads(path.read_text(encoding="utf-8-sig")) if path.is_file() else {}
    document = loaded if isinstance(loaded, dict) else {}
    for name, value in sorted(environ.items()):
        if name.lower().startswith(OVERRIDE_PREFIX.lower()):
            keys = [key for key in name[len(OVERRIDE_PREFIX) :].split("__") if key]
            if keys:
                _set(document, keys, value)
    return document


def _set(document: dict[str, Any], keys: list[str], value: str) -> None:
    """Set `value` at `keys`, reusing existing keys whatever their case."""
    node = document
    for key in keys[:-1]:
        existing = _find_key(node, key)
        child = node.get(existing) if existing is not None else None
        if not isinstance(child, dict):
            child = {}
            node[existing or key] = child
        node = child
    node[_find_key(node, keys[-1]) or keys[-1]] = value


def _find_key(node: Mapping[str, Any], key: str) -> str | None:
    return next((name for name in node if name.lower() == key.lower()), None)

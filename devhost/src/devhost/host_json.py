"""host.json as the Functions host sees it: the file, then app-setting overrides.

The host lets an app setting named `AzureFunctionsJobHost__path__to__key` replace
the value at `path.to.key` in host.json (keys matched without regard to case), so
an environment can tune, say, the queue visibility timeout without editing the
file. devhost applies the same rule.

The file is read as the host reads it (Newtonsoft's JObject.Parse: `//` and `/* */`
comments and trailing commas are accepted) and refused as the host refuses it: a file
that does not parse, is not an object, lacks `version` or has a version other than "2.0"
stops the host with the host's own message, naming the file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

OVERRIDE_PREFIX = "AzureFunctionsJobHost__"
SUPPORTED_VERSION = "2.0"


class HostJsonError(ValueError):
    """host.json the host would refuse; the message names the file and the cause."""


def read_host_json(app_dir: Path, environ: Mapping[str, str]) -> dict[str, Any]:
    """host.json (the host's defaults when there is none) with the app-setting overrides."""
    path = app_dir / "host.json"
    document = _read_file(path) if path.is_file() else {"version": SUPPORTED_VERSION}
    for name, value in sorted(environ.items()):
        if name.lower().startswith(OVERRIDE_PREFIX.lower()):
            keys = [key for key in name[len(OVERRIDE_PREFIX) :].split("__") if key]
            if keys:
                _set(document, keys, value)
    return document


def _read_file(path: Path) -> dict[str, Any]:
    try:
        loaded: Any = json.loads(_without_comments(path.read_text(encoding="utf-8-sig")))
    except (ValueError, UnicodeDecodeError) as exc:
        raise HostJsonError(f"Unable to parse host configuration file '{path}'. ({exc})") from exc
    if not isinstance(loaded, dict):
        raise HostJsonError(
            f"Unable to parse host configuration file '{path}'. (a JSON object is expected)"
        )
    version = loaded.get("version")
    if version is None:
        raise HostJsonError(
            f"{path}: The host.json file is missing the required 'version' property. See "
            "https://aka.ms/functions-hostjson for steps to migrate the configuration file."
        )
    if str(version) != SUPPORTED_VERSION:
        raise HostJsonError(
            f"{path}: '{version}' is an invalid value for host.json 'version' property. We "
            "recommend you set the 'version' property to '2.0'. If you're using Azure "
            "Functions v1 please see https://aka.ms/functions-hostjson for steps to migrate."
        )
    return loaded


def _without_comments(text: str) -> str:
    """JSON text with comments and trailing commas removed (strings left untouched)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == '"':
            end = i + 1
            while end < n and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            out.append(text[i : end + 1])
            i = end + 1
        elif text.startswith("//", i):
            i = text.find("\n", i)
            i = n if i < 0 else i
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        else:
            if not (char == "," and _closes_next(text, i + 1)):
                out.append(char)
            i += 1
    return "".join(out)


def _closes_next(text: str, start: int) -> bool:
    """Whether the next non-blank character closes an object or array (a trailing comma)."""
    rest = text[start:].lstrip()
    return rest[:1] in ("}", "]")


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

"""Helpers devhost's own tests share: its folder, and running its CLI as a child process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

DEVHOST_ROOT = Path(__file__).resolve().parents[1]  # the devhost project folder


def child_environ(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This environment, plus `devhost_tests` importable (the sample apps import from it)."""
    paths = [str(DEVHOST_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths), **(extra or {})}


def run_module(
    module: str, *args: str, env: Mapping[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`python -m <module> <args>` from devhost's folder, run to its end, output as text."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=DEVHOST_ROOT,
        env=child_environ(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )

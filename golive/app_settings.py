"""The app's settings, read from the environment once per process.

`function_app.py` calls `current_settings()` at import, so a bad or missing
setting stops the app at load time with the setting's name instead of failing
the first go-live hours later.
"""

from __future__ import annotations

from functools import cache

from golive.settings import Settings, load_settings


@cache
def current_settings() -> Settings:
    return load_settings()

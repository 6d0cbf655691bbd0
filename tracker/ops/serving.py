"""gunicorn's settings from the environment, read by ``gunicorn.conf.py``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from tracker.config import ConfigError, log_settings
from tracker.ops.logs import logging_config

DEFAULT_BIND = "127.0.0.1:8000"
MAX_WORKERS = 64


def default_workers() -> int:
    """gunicorn's rule of thumb for sync workers: two per core, plus one."""
    return 2 * (os.cpu_count() or 1) + 1


def gunicorn_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    """Read TRACKER_BIND, TRACKER_WEB_WORKERS, TRACKER_WEB_TIMEOUT and the log settings."""
    bind = [part.strip() for part in (environ.get("TRACKER_BIND") or DEFAULT_BIND).split(",")]
    if not all(bind):
        raise ConfigError(
            f"TRACKER_BIND: expected HOST:PORT or unix:PATH, comma-separated, "
            f"got {environ.get('TRACKER_BIND')!r}"
        )
    log_format, level = log_settings(environ)
    return {
        "bind": bind,
        "workers": _count(environ, "TRACKER_WEB_WORKERS", default_workers(), 1, MAX_WORKERS),
        "timeout": _count(environ, "TRACKER_WEB_TIMEOUT", 30, 5, 3600),
        "loglevel": level,
        "logconfig_dict": logging_config(log_format, level),
    }


def _count(environ: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = environ.get(name)
    if not raw:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be from {low} to {high}, got {raw!r}")
    return value

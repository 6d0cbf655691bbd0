"""Configuration: safe embedded defaults, the environment, then an explicit mapping."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCHEDULER_CHOICES = ("on", "off")


# Reminder delivery settings: (default, lowest, highest).
NUMBERS: dict[str, tuple[float, float, float]] = {
    "TRACKER_TICK_SECONDS": (30, 0.1, 3600),
    "TRACKER_REMINDER_LEASE_SECONDS": (120, 0.5, 86400),
    "TRACKER_REMINDER_MAX_ATTEMPTS": (8, 1, 100),
    "TRACKER_REMINDER_BACKOFF_SECONDS": (30, 0, 86400),
    "TRACKER_REMINDER_BACKOFF_CAP_SECONDS": (3600, 0, 604800),
}


class ConfigError(ValueError):
    """A configuration value that cannot be used; the message names the setting."""


def build_config(instance_path: Path, config: Mapping[str, Any] | None) -> dict[str, Any]:
    """Merge defaults with the environment (only when no mapping is given) and the mapping."""
    settings: dict[str, Any] = {
        "TESTING": False,
        "TRACKER_SEEDS_DIR": str(PROJECT_ROOT / "seeds"),
    }
    if config is None:
        environ = os.environ
        if environ.get("DATABASE_URL"):
            settings["SQLALCHEMY_DATABASE_URI"] = environ["DATABASE_URL"]
        if environ.get("SECRET_KEY"):
            settings["SECRET_KEY"] = environ["SECRET_KEY"]
        if environ.get("TRACKER_SCHEDULER"):
            settings["TRACKER_SCHEDULER"] = environ["TRACKER_SCHEDULER"].strip().lower()
        if environ.get("TRACKER_SEEDS_DIR"):
            settings["TRACKER_SEEDS_DIR"] = environ["TRACKER_SEEDS_DIR"]
        for name in NUMBERS:
            if environ.get(name):
                settings[name] = environ[name]
        settings["TRACKER_SMTP"] = {
            key: value for key, value in environ.items() if key.startswith("TRACKER_SMTP_")
        }
    else:
        settings.update(config)

    settings.setdefault("SQLALCHEMY_DATABASE_URI", f"sqlite:///{instance_path / 'tracker.sqlite3'}")
    settings["SQLALCHEMY_DATABASE_URI"] = database_url(settings["SQLALCHEMY_DATABASE_URI"])
    settings.setdefault("TRACKER_SCHEDULER", "off" if settings["TESTING"] else "on")
    if settings["TRACKER_SCHEDULER"] not in SCHEDULER_CHOICES:
        raise ConfigError(
            f"TRACKER_SCHEDULER must be 'on' or 'off', got {settings['TRACKER_SCHEDULER']!r}"
        )
    for name, (default, low, high) in NUMBERS.items():
        settings[name] = _number(name, settings.get(name, default), low, high)
    if not Path(settings["TRACKER_SEEDS_DIR"]).is_dir():
        raise ConfigError(f"TRACKER_SEEDS_DIR: no seed folder at {settings['TRACKER_SEEDS_DIR']}")
    if not settings.get("SECRET_KEY"):
        settings["SECRET_KEY"] = _instance_secret_key(instance_path)
    return settings


def _instance_secret_key(instance_path: Path) -> str:
    """Keep one generated key in the instance folder so sessions survive a restart."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Create it readable by the owner only, and never overwrite one a parallel
    # process wrote first.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def database_url(raw: str) -> str:
    """Check a database URL and pick psycopg 3 for PostgreSQL when no driver is named."""
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigError(
            f"DATABASE_URL: cannot read {raw!r} as a database URL "
            "(e.g. postgresql://user@host/dbname or sqlite:////path/to/file.sqlite3)"
        ) from None
    if url.drivername in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"DATABASE_URL: {url.get_backend_name()!r} is not supported; use PostgreSQL or SQLite"
        )
    return url.render_as_string(hide_password=False)


def _number(name: str, raw: Any, low: float, high: float) -> float:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be from {low:g} to {high:g}, got {raw!r}")
    return value

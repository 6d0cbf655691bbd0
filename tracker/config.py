"""Configuration: safe embedded defaults, the environment, then an explicit mapping."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCHEDULER_CHOICES = ("on", "off")
LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("debug", "info", "warning", "error")
# Behind this many reverse proxies, trust their X-Forwarded-For and -Proto headers.
MAX_TRUSTED_PROXIES = 5
# A scheduler whose last tick is older than this many ticks (and at least the floor) is stale.
STALE_TICKS = 3
STALE_FLOOR_SECONDS = 120
# Where people reach the app: the base of every absolute link (reminders, e-mail, feeds).
DEFAULT_BASE_URL = "http://127.0.0.1:5000"
DEPLOYMENT_SETTINGS = (
    "TRACKER_BASE_URL",
    "TRACKER_LOG_FORMAT",
    "TRACKER_LOG_LEVEL",
    "TRACKER_TRUSTED_PROXIES",
    "TRACKER_SCHEDULER_STALE_SECONDS",
    "TRACKER_ALLOW_PRIVATE_TARGETS",
    "TRACKER_SECURE_COOKIES",
)
# On/off settings, and what they are when unset.
FLAGS = {"TRACKER_ALLOW_PRIVATE_TARGETS": False, "TRACKER_SECURE_COOKIES": False}
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


# Reminder delivery settings: (default, lowest, highest).
NUMBERS: dict[str, tuple[float, float, float]] = {
    "TRACKER_TICK_SECONDS": (30, 0.1, 3600),
    "TRACKER_REMINDER_LEASE_SECONDS": (120, 0.5, 86400),
    "TRACKER_REMINDER_MAX_ATTEMPTS": (8, 1, 100),
    "TRACKER_REMINDER_BACKOFF_SECONDS": (30, 0, 86400),
    "TRACKER_REMINDER_BACKOFF_CAP_SECONDS": (3600, 0, 604800),
    # Sent and dead reminders are deleted this many days after they were due.
    "TRACKER_REMINDER_RETENTION_DAYS": (90, 1, 3650),
    # How long the API keeps an Idempotency-Key and the first answer given to it.
    "TRACKER_IDEMPOTENCY_HOURS": (24, 1, 720),
    # Sends under way at once in each dispatcher, and at most this many to one host.
    "TRACKER_REMINDER_SENDERS": (8, 1, 64),
    "TRACKER_REMINDER_SENDERS_PER_HOST": (2, 1, 64),
    # How long a login lasts without a new one, and the largest request body (bytes).
    "TRACKER_SESSION_DAYS": (14, 0.01, 366),
    "TRACKER_MAX_BODY_BYTES": (5_242_880, 1024, 1_073_741_824),  # 5 MiB: a large order export
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
            settings["SECRET_KEY"] = secret_key(environ["SECRET_KEY"])
        if environ.get("TRACKER_SCHEDULER"):
            settings["TRACKER_SCHEDULER"] = environ["TRACKER_SCHEDULER"].strip().lower()
        if environ.get("TRACKER_SEEDS_DIR"):
            settings["TRACKER_SEEDS_DIR"] = environ["TRACKER_SEEDS_DIR"]
        for name in (*NUMBERS, *DEPLOYMENT_SETTINGS):
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
    settings["TRACKER_LOG_FORMAT"], settings["TRACKER_LOG_LEVEL"] = log_settings(settings)
    settings["TRACKER_BASE_URL"] = base_url(settings.get("TRACKER_BASE_URL") or DEFAULT_BASE_URL)
    settings["TRACKER_TRUSTED_PROXIES"] = _whole_number(
        "TRACKER_TRUSTED_PROXIES", settings.get("TRACKER_TRUSTED_PROXIES", 0), MAX_TRUSTED_PROXIES
    )
    for name, default in FLAGS.items():
        settings[name] = flag(name, settings.get(name, default))
    stale = settings.get("TRACKER_SCHEDULER_STALE_SECONDS")
    settings["TRACKER_SCHEDULER_STALE_SECONDS"] = (
        max(STALE_FLOOR_SECONDS, STALE_TICKS * settings["TRACKER_TICK_SECONDS"])
        if stale is None
        else _number("TRACKER_SCHEDULER_STALE_SECONDS", stale, 1, 7 * 86400)
    )
    if make_url(settings["SQLALCHEMY_DATABASE_URI"]).get_backend_name() == "postgresql":
        # Test a pooled connection before use, so a database restart costs no failed request.
        settings.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    if not Path(settings["TRACKER_SEEDS_DIR"]).is_dir():
        raise ConfigError(f"TRACKER_SEEDS_DIR: no seed folder at {settings['TRACKER_SEEDS_DIR']}")
    if not settings.get("SECRET_KEY"):
        settings["SECRET_KEY"] = _instance_secret_key(instance_path)
    return settings


# At least this many bytes: a session cookie signed with less can be forged offline.
MIN_SECRET_KEY_BYTES = 32
# Words that say "fill me in" (the deployment example's own placeholder among them).
_PLACEHOLDER_WORDS = (
    "change-me",
    "changeme",
    "change_me",
    "replace-me",
    "your-secret",
)
_GENERATE = "make one with: python3 -c 'import secrets; print(secrets.token_hex(32))'"


def secret_key(raw: str) -> str:
    """Check an operator's SECRET_KEY: no placeholder, at least 32 bytes (ASVS: no known key)."""
    lowered = raw.strip().lower()
    if any(word in lowered for word in _PLACEHOLDER_WORDS):
        raise ConfigError(f"SECRET_KEY is a placeholder ({raw!r}); {_GENERATE}")
    size = len(raw.encode())
    if size < MIN_SECRET_KEY_BYTES:
        raise ConfigError(
            f"SECRET_KEY is {size} bytes long; at least {MIN_SECRET_KEY_BYTES}: {_GENERATE}"
        )
    return raw


def absolute_url(path: str) -> str:
    """The address people reach ``path`` at, from TRACKER_BASE_URL (not the request's Host)."""
    return f"{current_app.config['TRACKER_BASE_URL']}/{path.lstrip('/')}"


def base_url(raw: Any) -> str:
    """Check TRACKER_BASE_URL: an http(s) address with a host, no query; kept without a final /."""
    text = str(raw).strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
    ):
        raise ConfigError(
            f"TRACKER_BASE_URL must be the app's public address like https://tracker.example.com, "
            f"got {raw!r}"
        )
    return text.rstrip("/")


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


def log_settings(source: Mapping[str, Any]) -> tuple[str, str]:
    """Read TRACKER_LOG_FORMAT (text or json) and TRACKER_LOG_LEVEL, refusing unknown values."""
    found = []
    for name, choices, default in (
        ("TRACKER_LOG_FORMAT", LOG_FORMATS, "text"),
        ("TRACKER_LOG_LEVEL", LOG_LEVELS, "info"),
    ):
        value = str(source.get(name) or default).strip().lower()
        if value not in choices:
            raise ConfigError(
                f"{name} must be one of {', '.join(choices)}, got {source.get(name)!r}"
            )
        found.append(value)
    return found[0], found[1]


def flag(name: str, raw: Any) -> bool:
    """Read an on/off setting: 1/true/yes/on or 0/false/no/off."""
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigError(f"{name} must be 1 or 0, got {raw!r}")


def _whole_number(name: str, raw: Any, high: int) -> int:
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if not 0 <= value <= high:
        raise ConfigError(f"{name} must be from 0 to {high}, got {raw!r}")
    return value


def _number(name: str, raw: Any, low: float, high: float) -> float:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be from {low:g} to {high:g}, got {raw!r}")
    return value

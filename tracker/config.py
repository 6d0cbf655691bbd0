"""Configuration: safe embedded defaults, the environment, then an explicit mapping."""

from __future__ import annotations

import os
import secrets
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
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
# The TikTok Shop Partner API (docs/partner-api.md): the app's key and secret, the key that
# encrypts shops' tokens at rest, and where the platform answers (overridable for tests).
PARTNER_SETTINGS = (
    "TRACKER_TIKTOK_APP_KEY",
    "TRACKER_TIKTOK_APP_SECRET",
    "TRACKER_TIKTOK_TOKEN_KEY",
    "TRACKER_TIKTOK_API_URL",
    "TRACKER_TIKTOK_AUTH_URL",
    "TRACKER_TIKTOK_SERVICE_ID",
)
PARTNER_REQUIRED = PARTNER_SETTINGS[:3]
DEFAULT_TIKTOK_API_URL = "https://open-api.tiktokglobalshop.com"
DEFAULT_TIKTOK_AUTH_URL = "https://auth.tiktok-shops.com"
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


# The oldest SQLite the tracker runs on: INSERT … RETURNING came in 3.35 (2021-03-12),
# https://www.sqlite.org/releaselog/3_35_0.html
OLDEST_SQLITE = (3, 35)


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
        for name in (*NUMBERS, *DEPLOYMENT_SETTINGS, *PARTNER_SETTINGS):
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
    # Whether the operator said where people reach the app (`tracker run` follows its own
    # address when not: tracker/console.py).
    settings["TRACKER_BASE_URL_GIVEN"] = bool(settings.get("TRACKER_BASE_URL"))
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
    settings["TRACKER_PARTNER"], settings["TRACKER_PARTNER_PROBLEM"] = partner_config(settings)
    # Some of it was set: the operator meant to turn it on, so pages say what is wrong.
    settings["TRACKER_PARTNER_MEANT"] = any(settings.get(name) for name in PARTNER_REQUIRED)
    return settings


@dataclass(frozen=True)
class PartnerConfig:
    """What the TikTok Shop Partner API needs: the app's credentials, the token key, the hosts."""

    app_key: str
    app_secret: str
    # Fernet keys, newest first: the first encrypts, any of them decrypts (key rotation).
    token_keys: tuple[str, ...]
    api_url: str
    auth_url: str
    service_id: str | None = None


_MAKE_FERNET = (
    "make one with: python3 -c 'from cryptography.fernet import Fernet; "
    "print(Fernet.generate_key().decode())'"
)


def partner_config(source: Mapping[str, Any]) -> tuple[PartnerConfig | None, str | None]:
    """The Partner API's settings, or why the feature is not configured (one line).

    Nothing set means the feature is simply off; a part set, or a bad value, is said in
    one line (on the store page and by ``tracker partner``) and the feature stays off: the
    rest of the app does not depend on it.
    """
    values = {name: str(source.get(name) or "").strip() for name in PARTNER_SETTINGS}
    missing = [name for name in PARTNER_REQUIRED if not values[name]]
    if len(missing) == len(PARTNER_REQUIRED):
        return None, f"the TikTok Shop Partner API is not configured: set {', '.join(missing)}"
    if missing:
        return None, f"the TikTok Shop Partner API is not configured: {', '.join(missing)} not set"
    listed = values["TRACKER_TIKTOK_TOKEN_KEY"].split(",")
    keys = tuple(key.strip() for key in listed if key.strip())
    for key in keys:
        try:
            Fernet(key)
        except (ValueError, TypeError):
            return None, (
                "TRACKER_TIKTOK_TOKEN_KEY is not a Fernet key (32 url-safe base64-encoded "
                f"bytes); {_MAKE_FERNET}"
            )
    urls = {}
    for name, default in (
        ("TRACKER_TIKTOK_API_URL", DEFAULT_TIKTOK_API_URL),
        ("TRACKER_TIKTOK_AUTH_URL", DEFAULT_TIKTOK_AUTH_URL),
    ):
        try:
            urls[name] = base_url(values[name] or default, name=name)
        except ConfigError as error:
            return None, str(error)
    return (
        PartnerConfig(
            app_key=values["TRACKER_TIKTOK_APP_KEY"],
            app_secret=values["TRACKER_TIKTOK_APP_SECRET"],
            token_keys=keys,
            api_url=urls["TRACKER_TIKTOK_API_URL"],
            auth_url=urls["TRACKER_TIKTOK_AUTH_URL"],
            service_id=values["TRACKER_TIKTOK_SERVICE_ID"] or None,
        ),
        None,
    )


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


def base_url(raw: Any, *, name: str = "TRACKER_BASE_URL") -> str:
    """Check a base address: an http(s) address with a host, no query; kept without a final /."""
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
        if name != "TRACKER_BASE_URL":
            raise ConfigError(f"{name} must be an http(s) address like https://host, got {raw!r}")
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
    if url.get_backend_name() == "sqlite" and sqlite3.sqlite_version_info < OLDEST_SQLITE:
        # Python uses the system's SQLite; the tracker writes with RETURNING (3.35).
        raise ConfigError(
            f"SQLite {sqlite3.sqlite_version} is too old: the tracker needs "
            f"{'.'.join(map(str, OLDEST_SQLITE))} or newer. Use a Python built with a newer "
            "SQLite, or PostgreSQL through DATABASE_URL"
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

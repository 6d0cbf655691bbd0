"""The Partner API's endpoints and the sync's pace, from seeds/partner.toml."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from tracker.config import PartnerConfig


@dataclass(frozen=True)
class Endpoints:
    authorized_shops: str
    orders_search: str
    products_search: str
    shop_performance: str
    token_get: str
    token_refresh: str
    authorize: str


@dataclass(frozen=True)
class SyncSettings:
    every_minutes: float = 30
    page_size: int = 50
    refresh_before_hours: float = 24
    settle_seconds: int = 60
    first_sync_days: int = 90
    lease_seconds: float = 600
    rate_limit_retries: int = 4
    backoff_seconds: float = 2
    backoff_cap_seconds: float = 60
    retry_after_failure_minutes: float = 5
    retry_after_failure_cap_minutes: float = 360


@dataclass(frozen=True)
class PartnerSettings:
    endpoints: Endpoints
    sync: SyncSettings


@functools.cache
def load_partner_settings(seeds_dir: str) -> PartnerSettings:
    """Read the Partner API's endpoints and pace from the seeds (once per process)."""
    raw = tomllib.loads((Path(seeds_dir) / "partner.toml").read_text(encoding="utf-8"))
    return PartnerSettings(
        endpoints=Endpoints(**{k: str(v) for k, v in raw["endpoints"].items()}),
        sync=SyncSettings(**raw["sync"]),
    )


def partner_settings() -> PartnerSettings:
    """The running app's Partner API endpoints and pace."""
    return load_partner_settings(current_app.config["TRACKER_SEEDS_DIR"])


def partner_config() -> PartnerConfig | None:
    """The running app's Partner API configuration; None when it is not configured."""
    config: PartnerConfig | None = current_app.config.get("TRACKER_PARTNER")
    return config


def partner_problem() -> str | None:
    """Why the Partner API is not configured, in one line (None when it is)."""
    problem: str | None = current_app.config.get("TRACKER_PARTNER_PROBLEM")
    return problem

"""The import rules from seeds/imports.toml: the sales window, handling time, duplicate lives."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from tracker.imports.values import DAY_FIRST, MONTH_FIRST, DateOrder


@dataclass(frozen=True)
class ImportSettings:
    sales_window_days: int = 30
    dispatch_within_hours: int = 72
    same_live_within_minutes: int = 15
    stale_after_days: int = 7
    month_first_markets: tuple[str, ...] = ("US",)

    def date_order(self, market: str) -> DateOrder:
        """A file's date order, month first or day first by the market until a date proves it."""
        return DateOrder(MONTH_FIRST if market in self.month_first_markets else DAY_FIRST)


@functools.cache
def load_import_settings(seeds_dir: str) -> ImportSettings:
    """Read the import rules from the seeds (once per process)."""
    raw = tomllib.loads((Path(seeds_dir) / "imports.toml").read_text(encoding="utf-8"))
    return ImportSettings(
        sales_window_days=int(raw["sales_window_days"]),
        dispatch_within_hours=int(raw["dispatch_within_hours"]),
        same_live_within_minutes=int(raw["same_live_within_minutes"]),
        stale_after_days=int(raw["stale_after_days"]),
        month_first_markets=tuple(raw["month_first_markets"]),
    )


def import_settings() -> ImportSettings:
    """The running app's import rules."""
    return load_import_settings(current_app.config["TRACKER_SEEDS_DIR"])

"""Plans inside the web app: the catalog the app plans from, and the plan commands."""

from __future__ import annotations

from flask import current_app

from tracker.playbook.catalog import Catalog, load_catalog


def get_catalog() -> Catalog:
    """Return the validated playbook catalog of the running app (loaded once per process)."""
    return load_catalog(current_app.config["TRACKER_SEEDS_DIR"])

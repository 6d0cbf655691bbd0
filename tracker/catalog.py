"""The catalog the running app plans from, loaded once per process from its seeds folder."""

from __future__ import annotations

from flask import current_app

from tracker.playbook.advisor import Advice, market_note
from tracker.playbook.catalog import Catalog
from tracker.playbook.loader import load_catalog


def get_catalog() -> Catalog:
    """Return the validated playbook catalog of the running app (loaded once per process)."""
    folder = current_app.config["TRACKER_SEEDS_DIR"]
    # Kept on the app: load_catalog resolves the folder's path on every call, and a
    # reminder run asks for the catalog once per task title it writes.
    kept = current_app.extensions.get("tracker.catalog")
    if kept is None or kept[0] != folder:
        kept = current_app.extensions["tracker.catalog"] = (folder, load_catalog(folder))
    catalog: Catalog = kept[1]
    return catalog


def market_note_for(advice: Advice, market: str, catalog: Catalog) -> str | None:
    """Say when the catalog's guides do not offer the recommended model in ``market``."""
    return market_note(
        advice,
        market,
        offered_in={key: model.markets for key, model in catalog.models.items()},
        market_names={code: m.name for code, m in catalog.markets.items()},
        model_names={key: model.name for key, model in catalog.models.items()},
    )

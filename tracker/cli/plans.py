"""``tracker plan refresh``: roll every store's plan forward (the scheduler runs it daily)."""

from __future__ import annotations

import click

from tracker.catalog import get_catalog
from tracker.extensions import db
from tracker.plans.sync import roll_forward, stores_behind
from tracker.schema import ensure_schema


@click.command("refresh")
def refresh_command() -> None:
    """Bring every store's tasks up to its own today: new occurrences, new peak work."""
    ensure_schema()
    catalog = get_catalog()
    totals = dict.fromkeys(("stores", "added", "moved", "retired", "missed"), 0)
    for store_id in stores_behind():
        changes = roll_forward(store_id, catalog)
        db.session.commit()
        if changes is None:
            continue
        totals["stores"] += 1
        for name, count in changes.summary().items():
            if name in totals:
                totals[name] += count
    click.echo(
        f"Refreshed {totals['stores']} store(s): {totals['added']} task(s) added, "
        f"{totals['moved']} moved, {totals['retired']} retired, {totals['missed']} missed."
    )

"""``tracker plan refresh``: roll every store's plan forward (the scheduler runs it daily)."""

from __future__ import annotations

import click

from tracker.database import ensure_schema
from tracker.db import db
from tracker.planning import get_catalog
from tracker.planning.cli import plan_group
from tracker.tasks.plan_sync import refresh_plans


@plan_group.command("refresh")
def refresh_command() -> None:
    """Bring every store's tasks up to its own today: new occurrences, new peak work."""
    ensure_schema()
    totals = refresh_plans(get_catalog())
    db.session.commit()
    click.echo(
        f"Refreshed {totals['stores']} store(s): {totals['added']} task(s) added, "
        f"{totals['moved']} moved, {totals['retired']} retired, {totals['missed']} missed."
    )

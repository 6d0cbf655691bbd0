"""``tracker plan refresh``: roll every store's plan forward (the scheduler runs it daily)."""

from __future__ import annotations

import click

from tracker.catalog import get_catalog
from tracker.scheduler.tick import roll_plans_forward
from tracker.schema import ensure_schema


@click.command("refresh")
def refresh_command() -> None:
    """Bring every store's tasks up to its own today: new occurrences, new peak work."""
    ensure_schema()
    report = roll_plans_forward(get_catalog())
    totals = {name: report.totals.get(name, 0) for name in ("added", "moved", "retired", "missed")}
    click.echo(
        f"Refreshed {report.stores} store(s): {totals['added']} task(s) added, "
        f"{totals['moved']} moved, {totals['retired']} retired, {totals['missed']} missed."
    )
    if report.failed:  # the log has each one's error; the others were refreshed
        click.echo(
            f"Could not refresh {len(report.failed)} store(s): "
            + ", ".join(str(store_id) for store_id in report.failed),
            err=True,
        )

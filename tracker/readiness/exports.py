"""CSV downloads of the portfolio and of one store's open work.

Column names and codes (status, model, market, peak) stay as they are, for the
spreadsheets and scripts that read them; the words a person reads (names, reasons,
titles, sources) are in the page's language, each in a column of its own.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from flask import Response

from tracker.i18n.format import separator
from tracker.i18n.seeds import seed_name, source_text, task_title
from tracker.i18n.text import localize
from tracker.readiness.queries import StoreReadiness
from tracker.readiness.work import WorkGroup

# A spreadsheet runs a cell that starts like a formula; typed text must stay text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_response(rows: Iterable[Sequence[Any]], filename: str) -> Response:
    """Answer with the rows as a UTF-8 CSV download (with a BOM, so Excel reads the Chinese)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return Response(
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def portfolio_rows(rows: Sequence[StoreReadiness]) -> Iterable[list[Any]]:
    """One line per store, the page's columns spelled out."""
    yield [
        "store_id",
        "name",
        "model",
        "model_name",
        "market",
        "store_type",
        "status",
        "why",
        "onboarding_done",
        "onboarding_total",
        "onboarding_percent",
        "onboarding_status",
        "next_peak",
        "next_peak_name",
        "next_peak_date",
        "days_to_next_peak",
        "next_peak_percent",
        "next_peak_status",
        "overdue",
        "blocked",
        "blocked_because",
        "last_activity_at",
        "today",
        "late_dispatch_rate",
        "seller_cancel_rate",
        "shop_health_as_of",
        "data_as_of",
        "data_stale",
    ]
    for row in rows:
        store, peak, health = row.store, row.next_peak, row.shop_health
        yield [
            store.id,
            store.name,
            store.model,
            seed_name("model", store.model),
            store.market,
            store.store_type,
            row.status,
            separator().join(localize(reason) for reason in row.reasons),
            row.onboarding.tally.done,
            row.onboarding.tally.total,
            row.onboarding.percent,
            row.onboarding.status,
            peak.key if peak else None,
            seed_name("peak", peak.key) if peak else None,
            peak.falls_on.isoformat() if peak else None,
            (peak.falls_on - row.today).days if peak else None,
            peak.percent if peak else None,
            peak.status if peak else None,
            row.overdue,
            len(row.blocked),
            separator().join(
                f"{task_title(b)}: {separator().join(map(localize, b.locked_because))}"
                for b in row.blocked
            ),
            row.last_activity_at.isoformat() if row.last_activity_at else None,
            row.today.isoformat(),
            _share(health.late_dispatch_rate) if health else None,
            _share(health.seller_cancel_rate) if health else None,
            health.as_of.isoformat() if health else None,
            row.data_as_of.isoformat() if row.data_as_of else None,
            row.data_stale,
        ]


def _share(rate: float | None) -> float | None:
    """A share from 0 to 1 as the spreadsheet reads it, to four places."""
    return None if rate is None else round(rate, 4)


def open_work_rows(groups: Sequence[WorkGroup], today: date) -> Iterable[list[Any]]:
    """One line per open task of the store, under the scope it counts for."""
    yield [
        "task_id",
        "scope",
        "key",
        "title",
        "phase",
        "due_on",
        "days_overdue",
        "status",
        "locked_because",
        "critical",
        "assignee",
        "source",
    ]
    for group in groups:
        for task, reasons in group.entries:
            yield [
                task.id,
                localize(group.title),
                task.key,
                task_title(task),
                task.phase,
                task.due_on.isoformat(),
                max(0, (today - task.due_on).days),
                "locked" if reasons else "open",
                separator().join(localize(reason) for reason in reasons),
                task.critical,
                task.assignee.email if task.assignee else None,
                source_text(task.source),
            ]

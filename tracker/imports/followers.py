"""The account analytics export: the newest day's follower figure becomes the store's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import IO, Any

from tracker.activity.services import log_activity
from tracker.auth.models import User
from tracker.i18n.changes import field_name
from tracker.imports.settings import ImportSettings
from tracker.imports.summary import ImportSummary
from tracker.imports.tables import Column, Refused, Table, open_table
from tracker.imports.values import BadValue, Stamp, stamp, whole
from tracker.plans import stores as plan_stores
from tracker.playbook.catalog import Catalog
from tracker.playbook.phrases import phrase
from tracker.playbook.profile import MAX_FOLLOWERS
from tracker.stores.models import Store
from tracker.stores.services import parse_store_input

COLUMNS = (
    Column("date", ("Date", "Day", "Time"), required=True),
    Column(
        "followers",
        ("Followers", "Total Followers", "Total followers", "Follower Count", "Followers Total"),
        required=True,
    ),
)
KIND = phrase("followers")


def import_followers(
    store: Store,
    stream: IO[bytes],
    catalog: Catalog,
    actor: User | None,
    settings: ImportSettings,
    *,
    accept_partial: bool = False,
    now: datetime | None = None,
) -> ImportSummary:
    """Set the store's followers to the export's newest figure, with its date."""
    table = open_table(stream, COLUMNS, KIND)
    summary = ImportSummary("followers", columns=table.used(), file_format=table.file_format)
    order = settings.date_order(store.market)
    figures: list[tuple[int, datetime | Stamp, int]] = []
    first = True
    for number, values in table.rows:
        try:
            day, count = _figure(table, number, values)
        except Refused as refused:
            if first and _describes_columns(table, values):
                summary.extra["description_row"] = number
                first = False
                continue
            summary.rows += 1
            summary.skip(refused, accept_partial)
            continue
        first = False
        summary.rows += 1
        order.learn(day)
        figures.append((number, day, count))
    summary.date_order = order.said()
    newest: tuple[date, int] | None = None
    for number, day, count in figures:
        try:
            order.check(day)
            read = order.read(day).date()
        except BadValue as error:
            summary.skip(
                Refused(error.args[0], row=number, column=table.used()["date"]), accept_partial
            )
            continue
        summary.used += 1
        if newest is None or read >= newest[0]:
            newest = (read, count)
    if newest is None:
        return summary
    day_of, count = newest
    summary.extra["followers"] = {"count": count, "as_of": day_of.isoformat()}
    summary.extra["data_as_of"] = day_of.isoformat()
    before = store.followers
    if before == count:
        return summary
    store_input = parse_store_input({"followers": count}, catalog, current=store)
    plan_stores.update_store(store, store_input, catalog, actor=actor)
    change = phrase(
        "%(field)s %(before)s → %(after)s as of %(day)s",
        field=field_name("followers"),
        before=before,
        after=count,
        day=day_of,
    )
    log_activity(
        store.id, actor, "followers_imported", phrase("Imported: %(change)s.", change=change)
    )
    summary.changes.append(change)
    return summary


def _describes_columns(table: Table, values: Sequence[Any]) -> bool:
    cell = table.cell(values, "followers")
    return isinstance(cell, str) and any(c.isalpha() for c in cell)


def _figure(table: Table, number: int, values: Sequence[Any]) -> tuple[datetime | Stamp, int]:
    def read(key: str, parse: Any) -> Any:
        cell = table.cell(values, key)
        if cell is None:
            raise Refused(phrase("is empty"), row=number, column=table.used()[key])
        try:
            return parse(cell)
        except BadValue as error:
            raise Refused(error.args[0], row=number, column=table.used()[key]) from None

    return read("date", stamp), read("followers", lambda v: whole(v, high=MAX_FOLLOWERS))

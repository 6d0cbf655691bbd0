"""The LIVE sessions export: each session logged as if typed, sessions already logged left out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from tracker.auth.models import User
from tracker.clock import SkippedTime, wall_clock_instant
from tracker.errors import InputError
from tracker.extensions import db
from tracker.imports.settings import ImportSettings
from tracker.imports.summary import ImportSummary
from tracker.imports.tables import Column, Refused, Table, open_table
from tracker.imports.values import (
    BadValue,
    DateOrder,
    Stamp,
    minutes,
    money,
    stamp,
)
from tracker.lives.models import LiveSession
from tracker.lives.services import log_live
from tracker.playbook.catalog import Catalog
from tracker.playbook.phrases import phrase
from tracker.stores.models import Store

COLUMNS = (
    Column(
        "start",
        ("Start Time", "Live Start Time", "LIVE start time", "Started At", "Start"),
        required=True,
    ),
    Column("duration", ("Duration", "Live Duration", "LIVE duration", "Duration (min)")),
    Column("end", ("End Time", "Live End Time", "LIVE end time")),
    Column("gmv", ("GMV", "Gross Revenue", "Revenue", "LIVE GMV")),
    Column("title", ("LIVE Title", "Live Name", "Title", "Room Name")),
)
KIND = phrase("LIVE sessions")
NOTE_MAX = 500


def import_lives(
    store: Store,
    stream: IO[bytes],
    catalog: Catalog,
    actor: User | None,
    settings: ImportSettings,
    *,
    accept_partial: bool = False,
    now: datetime | None = None,
) -> ImportSummary:
    """Log each session of the export (a long enough one ticks that day's live task)."""
    table = open_table(stream, COLUMNS, KIND)
    if "duration" not in table.found and "end" not in table.found:
        raise Refused(
            phrase("not a LIVE sessions export: it needs a 'Duration' or an 'End Time' column"),
            row=table.header_row,
        )
    summary = ImportSummary("lives", columns=table.used(), file_format=table.file_format)
    order = settings.date_order(store.market)
    # A LIVE export lists at most a few hundred sessions: read them all, then settle the order.
    sessions: list[tuple[int, dict[str, Any]]] = []
    first = True
    for number, values in table.rows:
        try:
            session = _session(table, number, values)
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
        for key in ("start", "end"):
            if session.get(key) is not None:
                order.learn(session[key])
        sessions.append((number, session))
    summary.date_order = order.said()
    zone = ZoneInfo(store.zone)
    window = timedelta(minutes=settings.same_live_within_minutes)
    logged = 0
    for number, session in sessions:
        try:
            for key in ("start", "end"):
                if session.get(key) is not None:
                    order.check(session[key])
            started = order.read(session["start"])
            length = session.get("minutes")
            if length is None:
                length = round((order.read(session["end"]) - started).total_seconds() / 60)
        except BadValue as error:
            summary.skip(
                Refused(error.args[0], row=number, column=table.used()["start"]), accept_partial
            )
            continue
        try:
            started_at = wall_clock_instant(started.replace(tzinfo=None), store.zone)
        except SkippedTime:  # the export's clock says a time the store's clocks skipped
            summary.skip(
                Refused(
                    phrase(
                        "%(time)s did not happen in %(zone)s (the clocks skipped it)",
                        time=started.strftime("%Y-%m-%d %H:%M"),
                        zone=store.zone,
                    ),
                    row=number,
                    column=table.used()["start"],
                ),
                accept_partial,
            )
            continue
        twin = db.session.scalar(
            select(LiveSession.started_at).where(
                LiveSession.store_id == store.id,
                LiveSession.started_at >= started_at - window,
                LiveSession.started_at <= started_at + window,
            )
        )
        if twin is not None:  # read, but not used: it is logged already
            summary.skipped.append(
                (
                    number,
                    phrase(
                        "row %(row)s: already logged (the live of %(when)s)",
                        row=number,
                        when=twin.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                    ),
                )
            )
            continue
        raw = {"started_at": started_at.isoformat(), "minutes": length, "note": session["note"]}
        if session.get("gmv") is not None:
            raw["gmv"] = session["gmv"]
        try:
            log_live(store, raw, catalog, actor, now=now)
        except InputError as error:
            problem = "; ".join(str(e) for e in error.errors)
            summary.skip(
                Refused(phrase("%(problem)s", problem=problem), row=number), accept_partial
            )
            continue
        summary.used += 1
        logged += 1
        summary.changes.append(
            phrase(
                "live logged: %(when)s, %(minutes)s min",
                when=started.strftime("%Y-%m-%d %H:%M"),
                minutes=length,
            )
        )
    summary.extra["lives_logged"] = logged
    if sessions:
        summary.extra["data_as_of"] = max(
            order.read(s["start"]).date() for _, s in sessions if _readable(order, s["start"])
        ).isoformat()
    return summary


def _readable(order: DateOrder, value: datetime | Stamp) -> bool:
    try:
        order.read(value)
    except BadValue:
        return False
    return True


def _describes_columns(table: Table, values: Sequence[Any]) -> bool:
    cell = table.cell(values, "start")
    return isinstance(cell, str) and sum(c.isalpha() for c in cell) > 3


def _session(table: Table, number: int, values: Sequence[Any]) -> dict[str, Any]:
    def read(key: str, parse: Any) -> Any:
        cell = table.cell(values, key)
        if cell is None:
            return None
        try:
            return parse(cell)
        except BadValue as error:
            raise Refused(error.args[0], row=number, column=table.used()[key]) from None

    start = read("start", stamp)
    if start is None:
        raise Refused(phrase("is empty"), row=number, column=table.used()["start"])
    length = read("duration", minutes)
    end = read("end", stamp)
    if length is None and end is None:
        column = table.used().get("duration") or table.used()["end"]
        raise Refused(phrase("is empty"), row=number, column=column)
    title = read("title", str) or ""
    note = phrase("imported from the LIVE sessions export")
    return {
        "start": start,
        "end": end,
        "minutes": length,
        "gmv": read("gmv", money),
        "note": f"{title} ({note})"[:NOTE_MAX] if title else str(note),
    }

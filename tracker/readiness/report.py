"""The weekly readiness report: every manager, on Monday 09:00 of their own zone.

It goes through the reminder outbox like any reminder (inbox and channels,
one key per manager and week), so several schedulers queue it once. Each
store's readiness is kept the first time a week's report is made, so the
next report can say what changed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import force_locale, gettext, ngettext
from sqlalchemy import Select, case, func, select
from sqlalchemy.dialects import postgresql, sqlite

from tracker.auth.models import User
from tracker.clock import utcnow
from tracker.extensions import db
from tracker.faults import FaultLog
from tracker.i18n import recipient_locale
from tracker.i18n.collation import name_order
from tracker.i18n.format import day, relative_due, say_list, separator, share
from tracker.i18n.labels import label
from tracker.i18n.seeds import seed_name, task_title
from tracker.i18n.text import localize
from tracker.playbook.catalog import Catalog
from tracker.readiness.models import ReadinessSnapshot
from tracker.readiness.queries import (
    DataFreshness,
    StoreReadiness,
    keep_recounted,
    portfolio,
    status_counts,
)
from tracker.reminders.models import Reminder
from tracker.reminders.queue import STALE_AFTER, Draft, insert_drafts, local_instant
from tracker.stores.access import visible_stores
from tracker.stores.models import Store
from tracker.tasks.models import Task

# A section lists this many stores at most; the portfolio page has the rest.
SECTION_LIMIT = 15
# Titles named per store under "what slipped".
SLIPPED_TITLES = 3


@dataclass(frozen=True)
class Week:
    """What a week's report says, gathered once and written in each reader's language."""

    week_of: date
    now: datetime
    rows: Sequence[StoreReadiness]
    previous: dict[int, ReadinessSnapshot]  # last week's readiness, by store
    done: dict[int, int]  # tasks ticked off in the last 7 days, by store
    slipped: dict[int, list[Task]]  # open work that came due in the last 7 days, by store


def report_week(person: User, catalog: Catalog, now: datetime) -> tuple[date, datetime]:
    """The week (its first day) whose report is the latest one due to ``person``, and when."""
    rule = catalog.readiness
    local = now.astimezone(ZoneInfo(person.timezone)).date()
    first = local - timedelta(days=(local.weekday() - rule.report_weekday) % 7)
    send_at = local_instant(first, rule.report_at, person.timezone)
    if send_at > now:
        first -= timedelta(days=7)
        send_at = local_instant(first, rule.report_at, person.timezone)
    return first, send_at


def queue_weekly_reports(
    catalog: Catalog,
    *,
    now: datetime | None = None,
    faults: FaultLog | None = None,
    freshness: DataFreshness | None = None,
) -> int:
    """Queue the week's report for each manager whose moment has come; return rows queued.

    A manager whose report cannot be written is noted in ``faults``; the others get theirs.
    With ``freshness`` (from the imports) it says which stores' data is older than allowed.
    """
    now = now or utcnow()
    faults = faults if faults is not None else FaultLog()
    managers = db.session.scalars(User.active_managers()).all()
    due: dict[date, list[User]] = defaultdict(list)
    keys = {}
    for person in managers:
        with faults.isolated("weekly_report", user_id=person.id):
            week_of, send_at = report_week(person, catalog, now)
            if now < send_at + STALE_AFTER:  # a report a day late is not sent: the next one is
                due[week_of].append(person)
                keys[person.id] = f"weekly:{person.id}:{week_of.isoformat()}"
    if not keys:
        return 0
    queued_already = set(
        db.session.scalars(
            select(Reminder.key).where(Reminder.key.in_([f"{k}:inbox" for k in keys.values()]))
        )
    )
    queued = 0
    for week_of, people in due.items():
        people = [p for p in people if f"{keys[p.id]}:inbox" not in queued_already]
        if not people:
            continue
        try:
            week = gather_week(people[0], catalog, week_of, now=now, freshness=freshness)
        except Exception as error:  # noted against each manager it was for; others go on
            for person in people:
                faults.note("weekly_report", error, user_id=person.id)
            continue
        drafts = []
        for person in people:
            with faults.isolated("weekly_report", user_id=person.id):
                with force_locale(recipient_locale(person)):
                    subject, text = write_report(week)
                drafts.append(
                    Draft(person, "weekly_report", keys[person.id], now, subject, text, None, [])
                )
        queued += insert_drafts(drafts, now)
        keep_snapshots(week.rows, week_of, now)
    return queued


def gather_week(
    viewer: User,
    catalog: Catalog,
    week_of: date,
    *,
    now: datetime | None = None,
    freshness: DataFreshness | None = None,
) -> Week:
    """Gather the report of ``week_of`` as ``viewer`` sees the stores, and last week's."""
    now = now or utcnow()
    rows = portfolio(viewer, catalog, now=now, freshness=freshness)
    keep_recounted(rows)  # flush only: the tick commits them with the reports it queues
    ids = visible_stores(viewer).with_only_columns(Store.id)
    names = {row.store.id for row in rows}
    return Week(
        week_of=week_of,
        now=now,
        rows=rows,
        previous=_snapshots(week_of - timedelta(days=7)),
        done={i: n for i, n in _done_this_week(ids, now).items() if i in names},
        slipped=_slipped_tasks(rows, ids),
    )


def write_report(week: Week) -> tuple[str, str]:
    """The report's subject and text, in the current language."""
    counts = status_counts(week.rows)
    lines = [
        ngettext(
            "%(num)d store: %(ready)d ready, %(at_risk)d at risk, %(not_ready)d not ready.",
            "%(num)d stores: %(ready)d ready, %(at_risk)d at risk, %(not_ready)d not ready.",
            len(week.rows),
            **counts,
        ),
        "",
        gettext("WHAT CHANGED SINCE LAST WEEK"),
        *_changes(week),
        "",
        gettext("WHAT SLIPPED (came due in the last 7 days and still open)"),
        *_slipped(week),
        "",
        gettext("AT RISK FOR THE NEXT PEAK"),
        *_at_risk(week.rows),
        "",
        *_shop_health(week.rows),
        gettext("The rule and every store: %(link)s", link="/readiness"),
    ]
    subject = gettext(
        "Readiness, week of %(day)s: %(not_ready)d not ready, %(at_risk)d at risk, %(ready)d ready",
        day=day(week.week_of),
        **counts,
    )
    return subject, "\n".join(lines)


def _changes(week: Week) -> list[str]:
    lines = []
    for row in week.rows:
        before = week.previous.get(row.store.id)
        if before is None and row.store.created_at >= week.now - timedelta(days=7):
            lines.append(
                "  "
                + gettext(
                    "%(store)s: new this week (%(status)s)",
                    store=row.store.name,
                    status=label(row.status, "readiness"),
                )
            )
        elif before is not None and before.status != row.status:
            lines.append(
                "  "
                + gettext(
                    "%(store)s: %(before)s → %(now)s",
                    store=row.store.name,
                    before=label(before.status, "readiness"),
                    now=label(row.status, "readiness"),
                )
            )
    lines = _capped(lines)
    if week.done:
        names = {row.store.id: row.store.name for row in week.rows}
        busiest = sorted(
            week.done.items(), key=lambda item: (-item[1], name_order(names[item[0]]), item[0])
        )
        listed = say_list([f"{names[i]} {n}" for i, n in busiest[:SECTION_LIMIT]])
        if len(busiest) > SECTION_LIMIT:
            listed += " …"
        lines.append(
            "  "
            + ngettext(
                "Tasks done in the last 7 days: %(done)d in %(num)d store (%(stores)s)",
                "Tasks done in the last 7 days: %(done)d in %(num)d stores (%(stores)s)",
                len(week.done),
                done=sum(week.done.values()),
                stores=listed,
            )
        )
    return lines or ["  " + gettext("Nothing changed status and no task was ticked off.")]


def _slipped(week: Week) -> list[str]:
    lines = []
    for row in week.rows:
        tasks = week.slipped.get(row.store.id)
        if not tasks:
            continue
        named = separator().join(
            gettext("%(task)s (%(day)s)", task=task_title(t), day=day(t.due_on))
            for t in tasks[:SLIPPED_TITLES]
        )
        if len(tasks) > SLIPPED_TITLES:
            named += separator() + gettext("and %(num)d more", num=len(tasks) - SLIPPED_TITLES)
        lines.append(
            "  "
            + gettext(
                "%(store)s: %(num)d — %(tasks)s", store=row.store.name, num=len(tasks), tasks=named
            )
        )
    return _capped(lines) or ["  " + gettext("Nothing: all work that came due was done.")]


def _at_risk(rows: Sequence[StoreReadiness]) -> list[str]:
    troubled = sorted(
        (
            (row, row.next_peak)
            for row in rows
            if row.next_peak is not None and row.next_peak.status != "ready"
        ),
        key=lambda pair: (pair[1].falls_on - pair[0].today, name_order(pair[0].store.name)),
    )
    lines = []
    for row, peak in troubled:
        lines.append(
            "  "
            + gettext(
                "%(store)s — %(peak)s %(day)s (%(when)s): %(percent)d%% done, %(status)s: "
                "%(reasons)s",
                store=row.store.name,
                peak=seed_name("peak", peak.key, peak.name),
                day=day(peak.falls_on),
                when=relative_due(peak.falls_on, row.today),
                percent=peak.percent,
                status=label(peak.status, "readiness"),
                reasons=separator().join(localize(r) for r in peak.assessment.reasons),
            )
        )
    return _capped(lines) or ["  " + gettext("None: every store is ready for its next peak.")]


def _shop_health(rows: Sequence[StoreReadiness]) -> list[str]:
    """The stores' own figures, with their dates, and whose data is old; nothing if none."""
    lines = []
    for row in rows:
        health = row.shop_health
        if health is not None:
            lines.append(
                "  "
                + gettext(
                    "%(store)s: late dispatch %(late)s, seller-fault cancellations "
                    "%(cancelled)s (as of the import of %(day)s)",
                    store=row.store.name,
                    late=share(health.late_dispatch_rate),
                    cancelled=share(health.seller_cancel_rate),
                    day=day(health.as_of),
                )
            )
        if row.data_stale and row.data_as_of is not None:
            lines.append(
                "  "
                + gettext(
                    "%(store)s: data older than a week (the newest imported day is %(day)s)",
                    store=row.store.name,
                    day=day(row.data_as_of),
                )
            )
    if not lines:
        return []  # no store has imported its data: nothing to say, nothing to worry about
    return [gettext("SHOP HEALTH (from the stores' own data)"), *_capped(lines), ""]


def _capped(lines: list[str]) -> list[str]:
    if len(lines) <= SECTION_LIMIT:
        return lines
    return [
        *lines[:SECTION_LIMIT],
        "  " + gettext("…and %(num)d more", num=len(lines) - SECTION_LIMIT),
    ]


def _done_this_week(ids: Select[Any], now: datetime) -> dict[int, int]:
    return dict(
        db.session.execute(
            select(Task.store_id, func.count())
            .where(
                Task.store_id.in_(ids),
                Task.status == "done",
                Task.completed_at >= now - timedelta(days=7),
            )
            .group_by(Task.store_id)
        ).all()
    )


def _slipped_tasks(rows: Sequence[StoreReadiness], ids: Select[Any]) -> dict[int, list[Task]]:
    """Open tasks that fell due in each store's last seven days (daily work left out)."""
    if not rows:
        return {}
    todays = {row.store.zone: row.today for row in rows}
    today = case(todays, value=Store.zone)
    week_ago = case({z: d - timedelta(days=7) for z, d in todays.items()}, value=Store.zone)
    found: dict[int, list[Task]] = defaultdict(list)
    for task in db.session.scalars(
        select(Task)
        .join(Store, Store.id == Task.store_id)
        .where(
            Task.store_id.in_(ids),
            Task.status == "open",
            Task.due_on >= week_ago,
            Task.due_on < today,
        )
        .order_by(Task.due_on, Task.id)
    ):
        if task.recurrence is None or task.recurrence.get("every") != "day":
            found[task.store_id].append(task)
    return found


def _snapshots(week_of: date) -> dict[int, ReadinessSnapshot]:
    return {
        snapshot.store_id: snapshot
        for snapshot in db.session.scalars(
            select(ReadinessSnapshot).where(ReadinessSnapshot.week_of == week_of)
        )
    }


def keep_snapshots(rows: Sequence[StoreReadiness], week_of: date, now: datetime) -> None:
    """Record each store's readiness for the week, unless an earlier report already did."""
    values = [
        {
            "store_id": row.store.id,
            "week_of": week_of,
            "status": row.status,
            "onboarding_percent": row.onboarding.percent,
            "next_peak_key": row.next_peak.key if row.next_peak else None,
            "next_peak_date": row.next_peak.falls_on if row.next_peak else None,
            "next_peak_percent": row.next_peak.percent if row.next_peak else None,
            "next_peak_status": row.next_peak.status if row.next_peak else None,
            "created_at": now,
        }
        for row in rows
    ]
    if not values:
        return
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    for start in range(0, len(values), 500):
        statement = insert(ReadinessSnapshot).values(values[start : start + 500])
        db.session.execute(statement.on_conflict_do_nothing(index_elements=["store_id", "week_of"]))

"""Log live streams and measure the cadence against the store's target.

A day counts when a live of at least the market's minimum minutes started on
it, in the store's own zone; logging one ticks that day's "go live" task.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from tracker.activity.services import log_activity
from tracker.auth.models import User
from tracker.clock import SkippedTime, local_today, utcnow, wall_clock_instant
from tracker.errors import InputError, RuleError, load_input
from tracker.extensions import db
from tracker.lives.models import LiveSession
from tracker.lives.schemas import LiveNew
from tracker.playbook.catalog import DAILY_LIVE_TASK, Catalog, LiveRule
from tracker.playbook.phrases import phrase, phrase_plural
from tracker.stores.models import Store
from tracker.tasks.models import Task
from tracker.tasks.services import complete_task


def live_rule(store: Store, catalog: Catalog) -> LiveRule:
    return catalog.markets[store.market].lives


def target_per_week(store: Store, catalog: Catalog) -> int:
    """The store's own target, or its market's."""
    return store.live_target_per_week or live_rule(store, catalog).target_per_week


def _checked_live(raw: Mapping[str, Any], store: Store, now: datetime | None) -> dict[str, Any]:
    """Load a live through its schema, then read its start in the store's zone and check it."""
    values = load_input(LiveNew(), raw)
    moment: datetime = values["started_at"]
    if moment.tzinfo is None:  # a wall-clock time is the store's own
        try:
            moment = wall_clock_instant(moment, store.zone)
        except SkippedTime:
            raise InputError.one(
                "started_at",
                phrase(
                    "%(time)s did not happen in %(zone)s: the clocks skipped it (daylight saving "
                    "time). Check the time, or give it with its UTC offset (like -07:00)",
                    time=moment.strftime("%Y-%m-%d %H:%M"),
                    zone=store.zone,
                ),
            ) from None
    values["started_at"] = moment = moment.astimezone(UTC)
    if moment > (now or utcnow()) + timedelta(minutes=5):
        raise InputError.one("started_at", phrase("is in the future"))
    if moment.year < 2000:
        raise InputError.one("started_at", phrase("is too far in the past"))
    if values.get("gmv") is not None:
        values["gmv"] = round(values["gmv"], 2)
    return values


def log_live(
    store: Store,
    raw: Mapping[str, Any],
    catalog: Catalog,
    actor: User | None,
    *,
    now: datetime | None = None,
) -> LiveSession:
    """Record a live; a long enough one ticks that day's live task by itself."""
    if store.model != "pop":
        raise RuleError(
            "not_self_operated", phrase("lives are logged for self-operated (POP) stores")
        )
    values = _checked_live(raw, store, now)
    live = LiveSession(store_id=store.id, created_by=actor, **values)
    db.session.add(live)
    day = live.started_at.astimezone(ZoneInfo(store.zone)).date()
    log_activity(
        store.id,
        actor,
        "live_logged",
        phrase_plural(
            "Live on %(day)s: %(num)d minute.",
            "Live on %(day)s: %(num)d minutes.",
            live.minutes,
            day=day,
        ),
    )
    db.session.flush()
    if live.minutes >= live_rule(store, catalog).min_minutes:
        task = db.session.scalar(
            select(Task).where(
                Task.store_id == store.id,
                Task.key == DAILY_LIVE_TASK,
                Task.slot == day.isoformat(),
                Task.status == "open",
            )
        )
        if task is not None:
            with contextlib.suppress(RuleError):  # a locked task stays for a person to tick
                complete_task(task.id, actor, now=now)
    return live


@dataclass(frozen=True)
class Cadence:
    """How the store keeps its live cadence, as of one day in its zone."""

    target_per_week: int
    min_minutes: int
    last_7_days: int
    last_30_days: int
    streak_days: int
    live_today: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "target_per_week": self.target_per_week,
            "min_minutes": self.min_minutes,
            "last_7_days": self.last_7_days,
            "last_30_days": self.last_30_days,
            "streak_days": self.streak_days,
            "live_today": self.live_today,
            "adherence_7_days": round(min(1.0, self.last_7_days / self.target_per_week), 2),
            "adherence_30_days": round(
                min(1.0, self.last_30_days / (self.target_per_week * 30 / 7)), 2
            ),
        }


def live_days(store: Store, min_minutes: int, since: date, until: date) -> set[date]:
    """The days (store's zone) from ``since`` to ``until`` with a live that counts."""
    zone = ZoneInfo(store.zone)
    start = datetime.combine(since, datetime.min.time(), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(until + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    days = set()
    for started_at in db.session.scalars(
        select(LiveSession.started_at).where(
            LiveSession.store_id == store.id,
            LiveSession.minutes >= min_minutes,
            LiveSession.started_at >= start,
            LiveSession.started_at < end.astimezone(UTC),
        )
    ):
        days.add(started_at.astimezone(zone).date())
    return days


def cadence(store: Store, catalog: Catalog, *, now: datetime | None = None) -> Cadence:
    """Count live days over the last 7 and 30 days and the current streak."""
    rule = live_rule(store, catalog)
    today = local_today(store.zone, now)
    days = live_days(store, rule.min_minutes, today - timedelta(days=400), today)
    # A streak still counts today before today's live: it is broken only by a missed day.
    day = today if today in days else today - timedelta(days=1)
    streak = 0
    while day in days:
        streak += 1
        day -= timedelta(days=1)
    return Cadence(
        target_per_week=target_per_week(store, catalog),
        min_minutes=rule.min_minutes,
        last_7_days=sum(1 for d in days if d > today - timedelta(days=7)),
        last_30_days=sum(1 for d in days if d > today - timedelta(days=30)),
        streak_days=streak,
        live_today=today in days,
    )

"""Calendar feeds: issue and revoke their secret addresses, and gather what a feed shows."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from tracker.auth.access import require_manager
from tracker.auth.models import User, hash_token
from tracker.calendar.models import CalendarFeed
from tracker.clock import local_today, utcnow
from tracker.extensions import db
from tracker.playbook.catalog import Catalog
from tracker.playbook.peaks import SUPPORTED_YEARS, Peak, peaks_between
from tracker.stores.access import visible_stores
from tracker.stores.models import Store
from tracker.tasks.models import Task
from tracker.tasks.queries import done_keys_by_store, owned_by

FEED_PREFIX = "cal_"
# Longer than any secret we issue: anything longer is not worth a database look-up.
SECRET_MAX = 100
# A feed is a calendar, not an archive: past this many tasks (earliest due first) it stops.
FEED_TASK_LIMIT = 2000
# Peaks shown: from a month back (so this year's just-passed peak stays in view) to a year on.
PEAKS_BACK = timedelta(days=31)
PEAKS_AHEAD = timedelta(days=366)
# The longest warm-up the seeds have is a few weeks; look this far past the window for peaks
# whose warm-up starts inside it.
WARMUP_LOOKAHEAD = timedelta(days=90)
# Calendar clients poll every few minutes to hours; write the last use at most this often.
LAST_USE_EVERY = timedelta(minutes=1)
# Daily work (the daily live) would put the same event on every day of the calendar; it is
# left out of feeds and stays on My tasks. Weekly and longer recurrences are shown.
LEFT_OUT_RECURRENCE = "day"


def _new_feed(*, user: User | None, store: Store | None, actor: User) -> tuple[CalendarFeed, str]:
    secret = FEED_PREFIX + secrets.token_urlsafe(32)
    feed = CalendarFeed(
        user=user,
        store=store,
        token_hash=hash_token(secret),
        prefix=secret[: len(FEED_PREFIX) + 4],
        created_by=actor,
    )
    db.session.add(feed)
    db.session.flush()
    return feed, secret


def _revoke_live(query: Select[CalendarFeed], now: datetime) -> int:
    feeds = db.session.scalars(query).all()
    for feed in feeds:
        feed.revoked_at = now
    db.session.flush()
    return len(feeds)


def live_feed(*, user: User | None = None, store: Store | None = None) -> CalendarFeed | None:
    """Return the person's or the store's live feed, if there is one."""
    query = (
        CalendarFeed.live_of(user_id=user.id)
        if user is not None
        else CalendarFeed.live_of(store_id=store.id if store is not None else None)
    )
    return db.session.scalars(query.options(joinedload(CalendarFeed.created_by)).limit(1)).first()


def issue_person_feed(user: User) -> tuple[CalendarFeed, str]:
    """Give a person a new feed address, revoking the one they had; return it and its secret."""
    _revoke_live(CalendarFeed.live_of(user_id=user.id), utcnow())
    return _new_feed(user=user, store=None, actor=user)


def revoke_person_feed(user: User) -> bool:
    """Revoke the person's feed address; tell whether there was one."""
    return _revoke_live(CalendarFeed.live_of(user_id=user.id), utcnow()) > 0


def issue_store_feed(store: Store, actor: User) -> tuple[CalendarFeed, str]:
    """Give a store a new feed address, revoking the old one (managers only)."""
    require_manager(actor)
    _revoke_live(CalendarFeed.live_of(store_id=store.id), utcnow())
    return _new_feed(user=None, store=store, actor=actor)


def revoke_store_feed(store: Store, actor: User) -> bool:
    """Revoke the store's feed address (managers only); tell whether there was one."""
    require_manager(actor)
    return _revoke_live(CalendarFeed.live_of(store_id=store.id), utcnow()) > 0


def feed_for_secret(secret: str, *, now: datetime | None = None) -> CalendarFeed | None:
    """Return the live feed behind a secret address, noting its use; None for any other secret.

    Unknown, revoked and a deactivated person's addresses all give None alike.
    """
    if not secret.startswith(FEED_PREFIX) or len(secret) > SECRET_MAX:
        return None
    feed = db.session.scalar(
        select(CalendarFeed)
        .where(CalendarFeed.token_hash == hash_token(secret))
        .options(
            joinedload(CalendarFeed.user),
            joinedload(CalendarFeed.store),
            joinedload(CalendarFeed.created_by),
        )
    )
    if feed is None or feed.revoked_at is not None:
        return None
    if feed.user is not None and not feed.user.active:
        return None
    now = now or utcnow()
    if feed.last_used_at is None or now - feed.last_used_at > LAST_USE_EVERY:
        feed.last_used_at = now
    return feed


# --- what a feed shows --------------------------------------------------------------------


@dataclass(frozen=True)
class FeedTask:
    """One open task as the feed shows it, with what keeps it locked (if anything)."""

    task: Task
    store: Store
    locked_because: tuple[str, ...]


@dataclass(frozen=True)
class PeakDay:
    """A peak of one market, with the feed's stores it concerns."""

    market: str
    peak: Peak
    stores: tuple[str, ...]


@dataclass(frozen=True)
class WarmupDay:
    """The day one or more peaks of a market start warming up."""

    market: str
    day: date
    peaks: tuple[Peak, ...]
    stores: tuple[str, ...]


@dataclass
class FeedContents:
    """Everything one feed shows: its name, open tasks, peaks and warm-up starts."""

    name: str
    tasks: list[FeedTask] = field(default_factory=list)
    peaks: list[PeakDay] = field(default_factory=list)
    warmups: list[WarmupDay] = field(default_factory=list)
    truncated: bool = False


def unassigned_by_default(user: User) -> bool:
    """Whether a person's feed shows unassigned work unless told: as My tasks does."""
    # A manager sees every store, and every store's unassigned work would bury their own.
    return not user.is_manager


def feed_contents(
    feed: CalendarFeed,
    catalog: Catalog,
    *,
    include_unassigned: bool | None = None,
    now: datetime | None = None,
) -> FeedContents:
    """Gather the feed's open tasks and its stores' peaks, in a fixed number of queries.

    A person's feed holds the open work of the stores they may see now: what is theirs,
    and the unassigned work too if ``include_unassigned`` (default: as My tasks does). A
    store's feed holds all the store's open work.
    """
    now = now or utcnow()
    if feed.user is not None:
        user = feed.user
        stores = list(db.session.scalars(visible_stores(user).order_by(Store.name_key, Store.id)))
        if include_unassigned is None:
            include_unassigned = unassigned_by_default(user)
        # A manager's feed names every store: the OR's index is the one for that.
        owner = owned_by(
            user, include_unassigned=include_unassigned, stores_named=not user.is_manager
        )
        name = gettext("%(who)s: tasks", who=user.display_name)
    else:
        assert feed.store is not None
        stores = [feed.store]
        owner = None
        name = gettext("%(who)s: tasks", who=feed.store.name)
    contents = FeedContents(name=name)
    if not stores:
        return contents
    by_id = {store.id: store for store in stores}
    query = (
        select(Task)
        .where(
            Task.store_id.in_(by_id),
            Task.status == "open",
            func.coalesce(Task.recurrence["every"].as_string(), "") != LEFT_OUT_RECURRENCE,
        )
        .options(selectinload(Task.assignee))
        .order_by(Task.due_on, Task.store_id, Task.id)
        .limit(FEED_TASK_LIMIT + 1)
    )
    if owner is not None:
        query = query.where(owner)
    tasks = db.session.scalars(query).all()
    contents.truncated = len(tasks) > FEED_TASK_LIMIT
    tasks = tasks[:FEED_TASK_LIMIT]
    done = done_keys_by_store({task.store_id for task in tasks})
    todays = {store.id: local_today(store.zone, now) for store in stores}
    for task in tasks:
        store = by_id[task.store_id]
        reasons = task.lock_reasons(todays[store.id], done[store.id], store.followers)
        contents.tasks.append(FeedTask(task, store, tuple(reasons)))
    contents.peaks, contents.warmups = _peak_days(stores, catalog, now.date())
    return contents


def _peak_days(
    stores: Sequence[Store], catalog: Catalog, today: date
) -> tuple[list[PeakDay], list[WarmupDay]]:
    """The peaks and warm-up starts of the stores' markets, once per market and day."""
    start, end = today - PEAKS_BACK, today + PEAKS_AHEAD
    last = min(end + WARMUP_LOOKAHEAD, date(SUPPORTED_YEARS[-1], 12, 31))
    peak_stores: dict[tuple[str, str, date], tuple[Peak, list[str]]] = {}
    warmup_peaks: dict[tuple[str, date], tuple[dict[tuple[str, date], Peak], list[str]]] = {}
    found: dict[tuple[str, str], list[Peak]] = {}
    for store in stores:
        kind = (store.market, store.store_type)
        if kind not in found:
            found[kind] = peaks_between(
                catalog.peaks, store.market, start, last, store_type=store.store_type
            )
        for peak in found[kind]:
            if start <= peak.date <= end:
                _, names = peak_stores.setdefault((store.market, peak.key, peak.date), (peak, []))
                names.append(store.name)
            if start <= peak.warmup_starts_on <= end:
                peaks, names = warmup_peaks.setdefault(
                    (store.market, peak.warmup_starts_on), ({}, [])
                )
                peaks[(peak.key, peak.date)] = peak
                names.append(store.name)
    peak_days = [
        PeakDay(market, peak, tuple(dict.fromkeys(names)))
        for (market, _, _), (peak, names) in sorted(
            peak_stores.items(), key=lambda item: (item[0][2], item[0][0], item[0][1])
        )
    ]
    warmups = [
        WarmupDay(
            market,
            day,
            tuple(sorted(peaks.values(), key=lambda p: (p.date, p.key))),
            tuple(dict.fromkeys(names)),
        )
        for (market, day), (peaks, names) in sorted(warmup_peaks.items(), key=lambda i: i[0][::-1])
    ]
    return peak_days, warmups

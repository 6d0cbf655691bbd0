"""Work out which reminders of due work are due and put them in the outbox, once each.

A task reminds its assignee; an unassigned task reminds the store's managers. Each
reminder's key names the person, the task (or the day, for a digest) and the kind,
so any number of schedulers may run this at the same moment.
"""

from __future__ import annotations

import functools
import hashlib
from collections import defaultdict
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import force_locale, gettext, ngettext
from sqlalchemy import ColumnElement, and_, delete, or_, select

from tracker.auth.models import User
from tracker.clock import local_today, utcnow
from tracker.config import absolute_url
from tracker.extensions import db
from tracker.faults import FaultLog
from tracker.i18n import recipient_locale
from tracker.i18n.collation import name_order
from tracker.i18n.format import day
from tracker.i18n.seeds import task_title
from tracker.playbook.catalog import DAILY_LIVE_TASK, Catalog
from tracker.reminders.models import Reminder, ReminderMark
from tracker.reminders.queue import (
    STALE_AFTER,
    Draft,
    drafted_for,
    insert_drafts,
    local_instant,
    task_url,
)
from tracker.stores.models import Store
from tracker.tasks.models import Task
from tracker.tasks.queries import WEEK_DAYS, due_bucket
from tracker.tasks.recipients import people_to_remind

# Stock-up deadlines are reminded further ahead than other work.
STOCK_UP_DAYS_BEFORE = (14, 7, 1)
# How long a change may sit flushed but uncommitted: work changed that long before a tick's
# mark is read again by the next tick (the scheduler's gate check looks as far back).
COMMIT_LAG = timedelta(minutes=5)
# How much a share of a tick's reminders drafts (open tasks summed over its readers, a
# manager's digest spanning every store) before it is committed and the tick's budget asked.
QUEUE_CHUNK = 20_000


def queue_reminders(
    catalog: Catalog,
    *,
    now: datetime | None = None,
    faults: FaultLog | None = None,
    mark: str | None = None,
) -> int:
    """Queue every reminder whose moment has come; return how many new rows were queued.

    A person or store whose share fails (a time zone or market that does not exist) is noted
    in ``faults`` and left out; everyone else's reminders are queued.

    ``mark`` names the caller (a scheduler): the last mark lets this one read only the work of
    people and stores a moment of whose fell since, and the work changed since; the reminders
    queued are the same as reading everything (see ``_Scope``).
    """
    return sum(queue_reminders_in_shares(catalog, now=now, faults=faults, mark=mark))


def queue_reminders_in_shares(
    catalog: Catalog,
    *,
    now: datetime | None = None,
    faults: FaultLog | None = None,
    mark: str | None = None,
) -> Generator[int, None, None]:
    """:func:`queue_reminders` a share of its readers at a time: yield each share's count.

    Each share is flushed with ``mark`` saying how far it got (the readers of the shares
    still to come are read in full by the next tick), so the caller may commit after each
    share and stop after any: a catch-up (a new agency, every overdue reminder and every
    manager's digest at once) is spread over ticks and none holds the database for long.
    The first share holds everyone whose work only changed (a tick's usual work) and the
    first readers read in full; every share after it, ``QUEUE_CHUNK`` tasks' worth of
    readers (a person at least). Reminders are the same whichever shares they came in.
    """
    seen_at = utcnow()  # before any row is read: a change stamped later is read next time
    now = now or seen_at
    faults = faults if faults is not None else FaultLog()
    noted = len(faults.faults)
    everyone = db.session.scalars(select(User).where(User.active).order_by(User.id)).all()
    todays: dict[int, date] = {}
    for person in everyone:
        with faults.isolated("reminders", user_id=person.id):
            todays[person.id] = local_today(person.timezone, now)
    people = [person for person in everyone if person.id in todays]
    if not people:
        return
    managers = [person for person in people if person.is_manager]
    # Work given to someone left out stays theirs: it is not passed to the managers.
    by_id = {person.id: person for person in everyone}
    latest = max(todays.values()) + timedelta(
        days=max(STOCK_UP_DAYS_BEFORE + tuple(d for p in people for d in p.remind_days_before))
    )
    stock_up_keys = catalog.stock_up_keys
    previous = _starting_mark(mark, now, seen_at) if mark else None
    scope = _Scope.since(previous, people, everyone, catalog, now, seen_at)
    if scope is None:
        tasks = _open_work_due_by(latest)
        whole = {person.id for person in people}
    else:
        tasks, whole = scope.work(latest, people, by_id, managers, stock_up_keys, now, faults)

    work: dict[int, list[DueWork]] = defaultdict(list)
    stock_up: dict[int, list[DueWork]] = defaultdict(list)
    for task in tasks:
        assignee = by_id.get(task.assignee_id) if task.assignee_id else None
        for person in people_to_remind(assignee, managers):
            work[person.id].append(task)
        if task.key in stock_up_keys:
            for person in {*managers, *([assignee] if assignee else [])}:
                stock_up[person.id].append(task)

    # A digest lists all of its reader's work: only those read in full are written one.
    digests = _digests_to_write([p for p in people if p.id in whole], now, faults)
    no_live: dict[int, list[Draft]] = defaultdict(list)
    for draft in _no_live_yet(catalog, tasks, by_id, managers, now, faults):
        no_live[draft.person.id].append(draft)
    writing = [
        person
        for person in people
        if work[person.id] or stock_up[person.id] or person.id in digests or no_live[person.id]
    ]  # most people, on most ticks, have nothing to write about
    shares = _shares(
        [person for person in writing if person.id not in whole],
        [person for person in writing if person.id in whole],
        lambda person: 1 + len(work[person.id]) + len(stock_up[person.id]),
    )
    for number, share in enumerate(shares):
        drafts: list[Draft] = []
        for person in share:
            with faults.isolated("reminders", user_id=person.id):
                drafts += drafted_for(
                    person,
                    functools.partial(
                        _drafts_of,
                        person,
                        now,
                        work[person.id],
                        stock_up[person.id],
                        stock_up_keys,
                        digest=person.id in digests,
                    ),
                )
            drafts += no_live[person.id]
        due = [d for d in drafts if d.person.id in todays and _due_now(d.send_at, now)]
        queued = insert_drafts(_not_queued_yet(due), now)
        if mark:
            later = {person.id for rest in shares[number + 1 :] for person in rest}
            _write_mark(mark, now, seen_at, everyone, todays, faults.faults[noted:], later)
        yield queued


def _shares(first: list[User], rest: list[User], weight: Callable[[User], int]) -> list[list[User]]:
    """``first`` and the first of ``rest``, then the others ``QUEUE_CHUNK`` tasks' worth at a
    time (a person at least); there is always one share, if empty, to write the mark."""
    shares: list[list[User]] = [list(first)]
    load = 0
    for number, person in enumerate(rest):
        if number and load >= QUEUE_CHUNK:
            shares.append([])
            load = 0
        shares[-1].append(person)
        load += weight(person)
    return shares


def _write_mark(
    mark: str,
    now: datetime,
    seen_at: datetime,
    everyone: Sequence[User],
    todays: dict[int, date],
    failed: Sequence[Any],
    later: set[int],
) -> None:
    """Say how far a tick got (flush only): the people whose share failed or is still to
    come are read in full again next time ("" never matches a person's settings)."""
    left_out = later | {fault.user_id for fault in failed if fault.user_id is not None}
    db.session.merge(
        ReminderMark(
            name=mark,
            queued_to=now,
            changes_seen_at=seen_at,
            people={
                str(person.id): (
                    _settings(person) if person.id in todays and person.id not in left_out else ""
                )
                for person in everyone
            },
            retry_stores=sorted({fault.store_id for fault in failed if fault.store_id is not None}),
        )
    )
    db.session.flush()


def _starting_mark(mark: str, now: datetime, seen_at: datetime) -> ReminderMark | None:
    """The scheduler's own mark; for a new one (a restart, a second process, the command
    line), the latest mark any scheduler committed.

    A mark is committed in the same transaction as the reminders it stands for, so whoever
    reads it may start from it: every reminder due at its ``queued_to`` (with the work as it
    was at its ``changes_seen_at``) is in the outbox, bar its readers still to be read in
    full. A scheduler gone half-way through a tick left either its last mark or this one's.
    A mark from a clock ahead of this one is not taken (``_Scope`` would read everything).
    """
    own = db.session.get(ReminderMark, mark)
    if own is not None:
        return own
    return db.session.scalars(
        select(ReminderMark)
        .where(ReminderMark.queued_to <= now, ReminderMark.changes_seen_at <= seen_at)
        .order_by(ReminderMark.queued_to.desc(), ReminderMark.changes_seen_at.desc())
        .limit(1)
    ).first()


def prune_marks(now: datetime) -> None:
    """Delete the marks of schedulers gone for longer than a reminder stays due (flush only).

    A mark is named after its process (host:pid), so each restart leaves one behind; once
    older than STALE_AFTER it can never narrow a tick again.
    """
    db.session.execute(delete(ReminderMark).where(ReminderMark.queued_to < now - STALE_AFTER))


def _settings(person: User) -> str:
    """A digest of everything about a person that decides which reminders they are due."""
    said = repr(
        (
            person.role,
            person.active,
            person.timezone,
            person.locale,
            list(person.remind_days_before),
            person.remind_at,
            person.digest,
            person.digest_at,
            person.quiet_from,
            person.quiet_until,
        )
    )
    return hashlib.sha1(said.encode(), usedforsecurity=False).hexdigest()[:16]


def _moment_fell(at: time, zone: str, after: datetime, until: datetime) -> bool:
    """Whether wall-clock ``at`` in ``zone`` fell in ``(after, until]`` on any day."""
    first = after.astimezone(ZoneInfo(zone)).date() - timedelta(days=1)
    last = until.astimezone(ZoneInfo(zone)).date() + timedelta(days=1)
    day = first
    while day <= last:
        if after < local_instant(day, at, zone) <= until:
            return True
        day += timedelta(days=1)
    return False


@dataclass(slots=True)
class _Scope:
    """What a tick reads, given its scheduler's last mark; everything else queued nothing new.

    A reminder is queued at the first tick within STALE_AFTER of its moment at which its work
    and reader say so. So a tick need only read (1) the whole work of a person whose moment
    (digest time for a digest reader, reminder time for others; on any day: stock-up
    reminders go days ahead) fell since the mark, or whose settings changed, or whose share
    failed (a digest reader's other reminder, a stock-up deadline missed, goes at the store's
    midnight: see (2)); (2) the open work of a store one of whose moments (midnight, its
    market's live reminder) fell, or that changed, or whose share failed; (3) the work changed
    since the mark (less COMMIT_LAG: a change flushed before the mark may commit after it),
    and the work of people who left (it passes to the managers). Every other reminder in the
    window was due at the mark's tick as well, with the same work, and was queued then.
    """

    people: set[int]
    stores: set[int]
    left: set[int]
    changed_since: datetime

    @classmethod
    def since(
        cls,
        previous: ReminderMark | None,
        people: Sequence[User],
        everyone: Sequence[User],
        catalog: Catalog,
        now: datetime,
        seen_at: datetime,
    ) -> _Scope | None:
        """The scope after ``previous``; None: read everything (no mark, or the clock went back)."""
        if previous is None or previous.queued_to > now or previous.changes_seen_at > seen_at:
            return None
        after = max(previous.queued_to, now - STALE_AFTER)
        known = previous.people
        whole = set()
        for person in people:
            # A digest reader's moment is their digest's; everyone else's, their reminders'.
            moment = person.digest_at if person.digest else person.remind_at
            if known.get(str(person.id)) != _settings(person) or _moment_fell(
                moment, person.timezone, after, now
            ):
                whole.add(person.id)
        active = {person.id for person in everyone}
        left = {int(person_id) for person_id in known} - active
        stores = set(previous.retry_stores) | _stores_whose_moment_fell(catalog, after, now)
        changed_since = previous.changes_seen_at - COMMIT_LAG
        stores |= set(db.session.scalars(select(Store.id).where(Store.updated_at >= changed_since)))
        return cls(whole, stores, left, changed_since)

    def work(
        self,
        latest: date,
        people: Sequence[User],
        by_id: dict[int, User],
        managers: Sequence[User],
        stock_up_keys: frozenset[str],
        now: datetime,
        faults: FaultLog,
    ) -> tuple[list[DueWork], set[int]]:
        """The open work to draft from, soonest first, and the people read in full."""
        touched = self._read(latest, self.changed_since, self.stores, self.left)
        # A digest reader whose digest is still to come today is given one as soon as they
        # have work: read them in full when changed work reaches them.
        readers = {}
        for task in touched:
            assignee = by_id.get(task.assignee_id) if task.assignee_id else None
            reached = set(people_to_remind(assignee, managers))
            if task.key in stock_up_keys:
                reached |= {*managers, *([assignee] if assignee else [])}
            for person in reached:
                if person.digest and person.id not in self.people:
                    readers[person.id] = person
        whole = self.people | _digests_to_write(list(readers.values()), now, faults)
        if any(by_id[person_id].is_manager for person_id in whole):
            return _open_work_due_by(latest), whole  # a manager's work is most of it
        if not whole:
            return touched, whole
        theirs = _open_work_due_by(latest, Task.assignee_id.in_(whole))
        merged = {task.id: task for task in (*touched, *theirs)}
        return sorted(merged.values(), key=lambda task: (task.due_on, task.id)), whole

    @staticmethod
    def _read(
        latest: date, changed_since: datetime, store_ids: set[int], assignees: set[int]
    ) -> list[DueWork]:
        """The open work changed since ``changed_since`` (one read, on ix_tasks_updated_at),
        of ``store_ids`` and of ``assignees``."""
        found = {
            task.id: task for task in _open_work_due_by(latest, Task.updated_at >= changed_since)
        }
        for column, values in (
            (Task.store_id, store_ids),
            (Task.assignee_id, assignees),
        ):
            ordered = sorted(values)
            for start in range(0, len(ordered), 500):
                for task in _open_work_due_by(latest, column.in_(ordered[start : start + 500])):
                    found[task.id] = task
        return sorted(found.values(), key=lambda task: (task.due_on, task.id))


def _stores_whose_moment_fell(catalog: Catalog, after: datetime, now: datetime) -> set[int]:
    """The stores whose midnight or live reminder fell in ``(after, now]`` (or cannot be told)."""
    falling = []
    for zone, market in db.session.execute(select(Store.zone, Store.market).distinct()):
        try:
            rule = catalog.markets[market].lives
            fell = _moment_fell(time(0, 0), zone, after, now) or _moment_fell(
                rule.remind_at, zone, after, now
            )
        except Exception:  # a zone or market that does not exist: read as before, every tick
            fell = True
        if fell:
            falling.append(and_(Store.zone == zone, Store.market == market))
    if not falling:
        return set()
    return set(db.session.scalars(select(Store.id).where(or_(*falling))))


def _due_now(send_at: datetime, now: datetime) -> bool:
    """Whether a reminder meant for ``send_at`` is to be queued at ``now``.

    Asked before a reminder's words are written, too: most drafts of a tick are not due
    (their moment is later today, or was more than a day ago), and writing them in every
    reader's language only to drop them cost most of a tick at agency scale.
    """
    return send_at <= now < send_at + STALE_AFTER


def _not_queued_yet(drafts: Sequence[Draft]) -> list[Draft]:
    """Leave out the drafts an earlier tick queued already (each has its inbox row).

    A reminder stays due for a day after its moment, so every tick of that day finds it
    again; reading which keys are taken is much cheaper than writing each one out for the
    insert to skip. The insert still skips a key another scheduler took in between.
    """
    taken: set[str] = set()
    keys = [f"{draft.key}:inbox" for draft in drafts]
    for start in range(0, len(keys), 500):
        taken.update(
            db.session.scalars(
                select(Reminder.key).where(Reminder.key.in_(keys[start : start + 500]))
            )
        )
    return [draft for draft, key in zip(drafts, keys, strict=True) if key not in taken]


@dataclass(frozen=True, slots=True)
class StoreNamed:
    """What a reminder says about a task's store."""

    id: int
    name: str
    zone: str
    market: str
    model: str
    categories: Sequence[str]


@dataclass(slots=True, eq=False)
class DueWork:
    """An open task as a reminder names it: the columns it needs, not the whole row.

    Every tick reads every open task due within two weeks; whole rows (gates, descriptions,
    JSON decoded) cost most of a tick at agency scale.
    """

    id: int
    store_id: int
    key: str
    origin: str
    title: str
    assignee_id: int | None
    due_on: date
    recurrence: dict[str, Any] | None
    peak_key: str | None
    peak_date: date | None
    store: StoreNamed


def _open_work_due_by(latest: date, *where: ColumnElement[bool]) -> list[DueWork]:
    """Every open task due on or before ``latest`` (and ``where``), soonest first, with its
    store's names."""
    stores = {
        row.id: StoreNamed(row.id, row.name, row.zone, row.market, row.model, row.categories)
        for row in db.session.execute(
            select(
                Store.id, Store.name, Store.zone, Store.market, Store.model, Store.categories
            ).where(
                Store.id.in_(
                    select(Task.store_id).where(
                        Task.status == "open", Task.due_on <= latest, *where
                    )
                )
            )
        )
    }
    rows = db.session.execute(
        select(
            Task.id,
            Task.store_id,
            Task.key,
            Task.origin,
            Task.title,
            Task.assignee_id,
            Task.due_on,
            Task.recurrence,
            Task.peak_key,
            Task.peak_date,
        )
        .where(Task.status == "open", Task.due_on <= latest, *where)
        .order_by(Task.due_on, Task.id)
    )
    return [
        DueWork(
            id=row.id,
            store_id=row.store_id,
            key=row.key,
            origin=row.origin,
            title=row.title,
            assignee_id=row.assignee_id,
            due_on=row.due_on,
            recurrence=row.recurrence,
            peak_key=row.peak_key,
            peak_date=row.peak_date,
            store=stores[row.store_id],
        )
        for row in rows
        if row.store_id in stores
    ]


def _digests_to_write(people: Sequence[User], now: datetime, faults: FaultLog) -> set[int]:
    """The digest readers whose digest of today is due now and not queued yet.

    A digest lists every store's work (a manager's: the whole agency's); writing it on
    every tick of the day only for the outbox to find its key taken cost most of a tick.
    """
    keys: dict[str, int] = {}
    for person in people:
        if not person.digest:
            continue
        with faults.isolated("reminders", user_id=person.id):
            today = local_today(person.timezone, now)
            moment = local_instant(today, person.digest_at, person.timezone)
            if _due_now(moment, now):
                keys[f"digest:{person.id}:{today.isoformat()}:inbox"] = person.id
    if not keys:
        return set()
    queued = set(db.session.scalars(select(Reminder.key).where(Reminder.key.in_(list(keys)))))
    return {person_id for key, person_id in keys.items() if key not in queued}


def _drafts_of(
    person: User,
    now: datetime,
    work: Sequence[DueWork],
    stock_up: Sequence[DueWork],
    stock_up_keys: frozenset[str],
    *,
    digest: bool,
) -> list[Draft]:
    """A person's reminders of due work, in the language being written.

    ``digest``: whether a digest reader's digest is to be written now (else only what
    goes at once, a stock-up deadline just missed).
    """
    today = local_today(person.timezone, now)
    if person.digest:
        written = _digest(person, today, work, stock_up) if digest else []
        return written + _stock_up_missed(person, now, stock_up)
    return _singles(person, today, now, work, stock_up_keys) + _stock_up(person, now, stock_up)


def _no_live_yet(
    catalog: Catalog,
    tasks: Sequence[DueWork],
    by_id: dict[int, User],
    managers: list[User],
    now: datetime,
    faults: FaultLog,
) -> list[Draft]:
    """Warn the live team, in the evening of the store's day, that there has been no live yet.

    Today's "go live" occurrence is still open exactly when no live long enough was logged.
    """
    drafts = []
    for task in tasks:
        if task.key != DAILY_LIVE_TASK:
            continue
        with faults.isolated("reminders", store_id=task.store_id):
            drafts += _no_live_drafts(catalog, task, by_id, managers, now)
    return drafts


def _no_live_drafts(
    catalog: Catalog, task: DueWork, by_id: dict[int, User], managers: list[User], now: datetime
) -> list[Draft]:
    drafts: list[Draft] = []
    if task.due_on == local_today(task.store.zone, now):
        rule = catalog.markets[task.store.market].lives
        send_at = local_instant(task.due_on, rule.remind_at, task.store.zone)
        if not _due_now(send_at, now):
            return drafts
        assignee = by_id.get(task.assignee_id) if task.assignee_id else None
        for person in people_to_remind(assignee, managers):
            with force_locale(recipient_locale(person)):
                drafts.append(
                    Draft(
                        person,
                        "no_live_today",
                        f"nolive:{person.id}:{task.id}",
                        send_at,
                        gettext("No live yet today [%(store)s]", store=task.store.name),
                        _no_live_text(task, rule.min_minutes),
                        task.store,
                        [task],
                    )
                )
    return drafts


def _singles(
    person: User,
    today: date,
    now: datetime,
    tasks: Iterable[DueWork],
    stock_up_keys: frozenset[str],
) -> list[Draft]:
    """One message per task: overdue, and the chosen days before (for who asked for these)."""
    moment = local_instant(today, person.remind_at, person.timezone)
    if not _due_now(moment, now):
        return []  # every one of them goes at the person's moment of the day
    drafts: list[Draft] = []
    for task in tasks:
        if task.recurrence is not None and task.recurrence.get("every") == "day":
            continue  # daily work has its own evening reminder, not one per occurrence
        # A task's day is its store's day at the moment the reminder goes: due "today" in
        # Los Angeles is not overdue because it is already tomorrow where the reader is.
        store_today = local_today(task.store.zone, moment)
        if task.due_on < store_today:
            days = (store_today - task.due_on).days
            drafts.append(
                _draft(
                    person,
                    "overdue",
                    f"overdue:{person.id}:{task.id}:{today.isoformat()}",
                    local_instant(today, person.remind_at, person.timezone),
                    ngettext(
                        "Overdue by %(num)d day: %(title)s",
                        "Overdue by %(num)d days: %(title)s",
                        days,
                        title=task_title(task),
                    ),
                    [task],
                )
            )
            continue
        if task.key in stock_up_keys:
            continue  # reminded on the stock-up schedule instead
        for days in person.remind_days_before:
            if (task.due_on - store_today).days == days:
                drafts.append(
                    _draft(
                        person,
                        "due_soon",
                        f"due:{person.id}:{task.id}:{days}",
                        local_instant(today, person.remind_at, person.timezone),
                        ngettext(
                            "Due in %(num)d day: %(title)s",
                            "Due in %(num)d days: %(title)s",
                            days,
                            title=task_title(task),
                        ),
                        [task],
                    )
                )
    return drafts


def _stock_up(person: User, now: datetime, tasks: Iterable[DueWork]) -> list[Draft]:
    drafts = []
    for task in tasks:
        for days in STOCK_UP_DAYS_BEFORE:
            send_at = local_instant(
                task.due_on - timedelta(days=days), person.remind_at, person.timezone
            )
            if not _due_now(send_at, now):
                continue
            drafts.append(
                _draft(
                    person,
                    "stock_up",
                    f"stockup:{person.id}:{task.id}:{days}",
                    send_at,
                    ngettext(
                        "Stock-up deadline in %(num)d day: %(title)s",
                        "Stock-up deadline in %(num)d days: %(title)s",
                        days,
                        title=task_title(task),
                    ),
                    [task],
                )
            )
    return drafts


def _digest(
    person: User,
    today: date,
    tasks: Sequence[DueWork],
    stock_up_tasks: Sequence[DueWork],
) -> list[Draft]:
    """The day's one message: overdue, today and this week by store, each task with its link."""
    buckets: dict[str, list[DueWork]] = {"overdue": [], "today": [], "week": [], "stock_up": []}
    moment = local_instant(today, person.digest_at, person.timezone)
    for task in tasks:
        # Each task counted in its store's day as it is when the digest goes out.
        bucket = due_bucket(task.due_on, local_today(task.store.zone, moment))
        if bucket is not None:
            buckets[bucket].append(task)
    listed = {task.id for task in tasks}
    for task in stock_up_tasks:
        # Stock-up deadlines are announced two weeks ahead, not only in their last week.
        days = (task.due_on - local_today(task.store.zone, moment)).days
        earliest = WEEK_DAYS + 1 if task.id in listed else 0
        if earliest <= days <= max(STOCK_UP_DAYS_BEFORE):
            buckets["stock_up"].append(task)
    if not any(buckets.values()):
        return []
    headings = {
        "overdue": lambda n: gettext("Overdue (%(count)s):", count=n),
        "today": lambda n: gettext("Due today (%(count)s):", count=n),
        "week": lambda n: gettext("This week (%(count)s):", count=n),
        "stock_up": lambda n: gettext(
            "Stock-up deadlines in the next two weeks (%(count)s):", count=n
        ),
    }
    stores: dict[int, StoreNamed] = {}
    for group in buckets.values():
        for task in group:
            stores[task.store_id] = task.store
    # Each bucket split by store once: a manager's digest spans every store.
    by_store: dict[tuple[str, int], list[DueWork]] = defaultdict(list)
    for name, group in buckets.items():
        for task in group:
            by_store[name, task.store_id].append(task)
    blocks = []
    for store in sorted(stores.values(), key=lambda s: (name_order(s.name), s.id)):
        lines = [store.name]
        for name in buckets:
            mine = by_store.get((name, store.id))
            if mine:
                lines.append(headings[name](len(mine)))
                lines += [f"  {day(t.due_on)}  {task_title(t)}  {task_url(t.id)}" for t in mine]
        blocks.append("\n".join(lines))
    subject = gettext(
        "Your tasks: %(overdue)s overdue, %(today)s today, %(week)s this week",
        overdue=len(buckets["overdue"]),
        today=len(buckets["today"]),
        week=len(buckets["week"]),
    )
    return [
        Draft(
            person,
            "digest",
            f"digest:{person.id}:{today.isoformat()}",
            local_instant(today, person.digest_at, person.timezone),
            subject,
            "\n\n".join(blocks),
            None,
            [task for group in buckets.values() for task in group],
            path="/my-tasks",
        )
    ]


def _stock_up_missed(person: User, now: datetime, tasks: Iterable[DueWork]) -> list[Draft]:
    """Say at once, even to digest readers, that a stock-up deadline has just passed."""
    drafts = []
    for task in tasks:
        store_today = local_today(task.store.zone, now)
        if task.due_on != store_today - timedelta(days=1):
            continue
        send_at = local_instant(store_today, time(0, 0), task.store.zone)
        if not _due_now(send_at, now):
            continue
        drafts.append(
            _draft(
                person,
                "stock_up_missed",
                f"stockup-missed:{person.id}:{task.id}",
                send_at,
                gettext("Stock-up deadline passed: %(title)s", title=task_title(task)),
                [task],
            )
        )
    return drafts


def _draft(
    person: User, kind: str, key: str, send_at: datetime, subject: str, tasks: list[DueWork]
) -> Draft:
    task = tasks[0]
    text = "\n".join(
        [
            subject,
            gettext("Store: %(store)s", store=task.store.name),
            gettext("Due on %(day)s (%(zone)s)", day=day(task.due_on), zone=task.store.zone),
            gettext("Open it: %(link)s", link=task_url(task.id)),
        ]
    )
    return Draft(
        person,
        kind,
        key,
        send_at,
        gettext("%(subject)s [%(store)s]", subject=subject, store=task.store.name),
        text,
        task.store,
        tasks,
    )


def _no_live_text(task: DueWork, min_minutes: int) -> str:
    store = task.store
    return "\n".join(
        [
            gettext(
                "%(store)s has not been live today (%(day)s, %(zone)s); a live of %(minutes)s "
                "minutes or more keeps the daily cadence.",
                store=store.name,
                day=day(task.due_on),
                zone=store.zone,
                minutes=min_minutes,
            ),
            gettext("Log it when done: %(link)s", link=absolute_url(f"/stores/{store.id}#lives")),
        ]
    )

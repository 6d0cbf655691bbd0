"""A tick reads only what changed or fell due since its scheduler's last one, and queues the
same reminders as a tick that reads everything."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine
from sqlalchemy import delete, event, select

from tests.conftest import empty_postgres
from tracker.auth.models import User
from tracker.extensions import db
from tracker.reminders.models import Reminder, ReminderMark
from tracker.reminders.services import update_preferences
from tracker.scheduler.tick import run_tick
from tracker.stores.models import Store
from tracker.tasks.models import Task
from tracker.tasks.services import add_custom_task, change_task, complete_task

START = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)
STEP = timedelta(minutes=30)
TICKS = 150  # three days and three hours


def _open_tasks(store: Store, person: User | None = None) -> list[Task]:
    query = select(Task).where(Task.store_id == store.id, Task.status == "open")
    if person is not None:
        query = query.where(Task.assignee_id == person.id)
    return list(db.session.scalars(query.order_by(Task.due_on, Task.id)))


def _scenario(
    app: Any, make_user: Callable[..., User], make_store: Callable[..., Store], catalog: Any
) -> Callable[[int], None]:
    """Build the agency at START; return what changes before each tick (by its number)."""
    boss = make_user(name="Boss")  # a manager on the digest at 08:00 UTC
    night = make_user(name="Night", timezone="Asia/Shanghai")
    update_preferences(night, {"digest": False, "remind_at": "07:30"})
    ann = make_user(role="member", name="Ann", timezone="America/New_York")
    update_preferences(ann, {"digest": False, "remind_days_before": [3, 1]})
    ben = make_user(role="member", name="Ben", timezone="Europe/London")
    cat = make_user(role="member", name="Cat")
    update_preferences(cat, {"digest": False, "quiet_from": "08:30", "quiet_until": "10:00"})
    eve = make_user(role="member", name="Eve")  # on the digest, with no work at first
    west = make_store(actor=boss, name="West", members=(ann, ben, cat, eve), opened_on="2026-11-02")
    east = make_store(
        actor=boss, name="East", market="UK", members=(ben, cat), opened_on="2026-11-16"
    )
    # Work for each of them, some of it already late.
    open_west = _open_tasks(west)
    for task, person in zip(open_west[:12], [ann, ben, cat] * 4, strict=False):
        change_task(task, {"assignee_id": person.id}, boss)
    add_custom_task(
        east,
        {"title": "Book the studio", "due_on": "2026-11-28", "assignee_id": ben.id},
        catalog,
        boss,
    )
    # Stock-up deadlines 15, 8, 2 and 1 days away: each of 14, 7 and 1 days before, and a
    # deadline missed, falls within the scenario.
    stock_up = [
        task
        for store in (west, east)
        for task in _open_tasks(store)
        if task.key in catalog.stock_up_keys
    ]
    assert len(stock_up) >= 4
    for task, days, person in zip(stock_up, (15, 8, 2, 1), (None, cat, ann, None), strict=False):
        change_task(
            task,
            {
                "due_on": str(START.date() + timedelta(days=days)),
                "assignee_id": person.id if person else None,
            },
            boss,
        )
    db.session.commit()

    def change(number: int) -> None:
        now = START + number * STEP
        today = now.date()
        if number == 3:  # Cat's moment moves to one that passed already: reminded now
            update_preferences(db.session.get(User, cat.id), {"remind_at": "06:00"})
        elif number == 7:  # Ann ticks off her first task after her morning
            complete_task(_open_tasks(west, ann)[0].id, ann)
        elif number == 9:  # late work added after everyone's moment of the day
            add_custom_task(
                west,
                {
                    "title": "Reply to the buyer",
                    "due_on": str(today - timedelta(days=2)),
                    "assignee_id": cat.id,
                },
                catalog,
                boss,
            )
        elif number == 10:  # Eve's digest had nothing at 08:00: late work brings it now
            change_task(
                _open_tasks(west)[-1],
                {"assignee_id": eve.id, "due_on": str(today - timedelta(days=1))},
                boss,
            )
        elif number == 11:  # reassigned the same day
            change_task(_open_tasks(west, ann)[0], {"assignee_id": cat.id}, boss)
        elif number == 13:  # re-dated into Ann's "3 days before"
            change_task(
                _open_tasks(west, ann)[-1], {"due_on": str(today + timedelta(days=3))}, boss
            )
        elif number == 20:  # someone new, on the digest, given work at once
            dee = make_user(role="member", name="Dee", timezone="Asia/Singapore")
            from tracker.stores.services import add_member

            add_member(east, dee, actor=boss)
            change_task(_open_tasks(east)[0], {"assignee_id": dee.id}, boss)
        elif number == 22:  # Ben leaves the digest after his morning: his singles go now
            update_preferences(db.session.get(User, ben.id), {"digest": False})
        elif number == 24:  # Ben moves
            update_preferences(db.session.get(User, ben.id), {"timezone": "Asia/Tokyo"})
        elif number == 30:  # a person with a zone that does not exist (fault isolated)
            db.session.get(User, cat.id).timezone = "Mars/Olympus"
        elif number == 40:  # Cat's zone mended: her missed reminders still go within the day
            db.session.get(User, cat.id).timezone = "UTC"
        elif number == 41:  # late work for Ann, reminded to her at once
            add_custom_task(
                west,
                {
                    "title": "Fix the listing",
                    "due_on": str(today - timedelta(days=3)),
                    "assignee_id": ann.id,
                },
                catalog,
                boss,
            )
        elif number == 44:  # Ann leaves: her work goes to the managers
            db.session.get(User, ann.id).active = False
        elif number == 50:  # unassigned; a store's zone changes
            task = _open_tasks(west, cat)[-1]
            change_task(task, {"assignee_id": None}, boss)
            db.session.get(Store, east.id).zone = "America/Chicago"
        elif number == 60:  # Ann is back; Night is a member now
            db.session.get(User, ann.id).active = True
            db.session.get(User, night.id).role = "member"
        elif number == 66:  # unassigned late work in the other store, Ben's remind days
            add_custom_task(
                east,
                {"title": "Chase the sample", "due_on": str(today - timedelta(days=1))},
                catalog,
                boss,
            )
            update_preferences(db.session.get(User, ben.id), {"remind_days_before": [2]})
        elif number == 80:  # Night takes a digest in the afternoon
            update_preferences(
                db.session.get(User, night.id), {"digest": True, "digest_at": "15:00"}
            )
        elif number == 90:  # a task done after its day's reminders
            for task in _open_tasks(east)[:2]:
                complete_task(task.id, boss)
        db.session.commit()

    return change


def _run(
    app: Any,
    make_user: Callable[..., User],
    make_store: Callable[..., Store],
    catalog: Any,
    *,
    read_everything: bool,
    restart: bool = False,
) -> list[tuple[Any, ...]]:
    """Play the scenario, ticking every STEP (one scheduler down for a while, two side by
    side for a while); return every reminder queued, as a user would see it."""
    with time_machine.travel(START, tick=False) as clock:
        change = _scenario(app, make_user, make_store, catalog)
        for number in range(TICKS):
            clock.move_to(START + number * STEP)
            change(number)
            if 100 <= number < 122:
                continue  # the scheduler is down for eleven hours
            names = ["first", "second"] if 70 <= number < 90 else ["first"]
            if restart and number >= 122:
                names = ["first, restarted"]  # back after the outage as a new process
            for name in names:
                if read_everything:
                    db.session.execute(delete(ReminderMark))
                    db.session.commit()
                run_tick(app, name=name)
                db.session.expire_all()
    return [
        (
            r.key,
            r.user_id,
            r.channel_id,
            r.kind,
            r.store_id,
            r.task_id,
            r.next_attempt_at,
            r.subject,
            r.text,
        )
        for r in db.session.scalars(select(Reminder).order_by(Reminder.key))
    ]


def _empty(database_url: str) -> None:
    db.session.remove()
    if database_url.startswith("sqlite"):
        db.drop_all()
        db.create_all()
    else:
        db.engine.dispose()
        empty_postgres(database_url)


def test_a_tick_from_its_mark_queues_what_reading_everything_queues(
    app, make_user, make_store, catalog, database_url
):
    everything = _run(app, make_user, make_store, catalog, read_everything=True)
    _empty(database_url)
    marked = _run(app, make_user, make_store, catalog, read_everything=False)
    kinds = Counter(row[3] for row in everything)
    # The scenario reaches every kind of reminder of due work.
    assert {"overdue", "due_soon", "digest", "stock_up", "no_live_today"} <= set(kinds), kinds
    assert len(marked) == len(everything)
    for mine, theirs in zip(marked, everything, strict=True):
        assert mine == theirs


def test_a_restarted_scheduler_queues_what_one_never_restarted_queues(
    app, make_user, make_store, catalog, database_url
):
    kept = _run(app, make_user, make_store, catalog, read_everything=False)
    _empty(database_url)
    restarted = _run(app, make_user, make_store, catalog, read_everything=False, restart=True)
    assert len(restarted) == len(kept)
    for mine, theirs in zip(restarted, kept, strict=True):
        assert mine == theirs


def _reads_of_tasks(statements: list[str]) -> list[str]:
    return [s for s in statements if "FROM tasks" in s and "tasks.updated_at >=" not in s]


def _quiet_tick(app: Any, clock: Any, moment: datetime) -> list[str]:
    """Tick twice (the first reads what changed before), then once more, noting statements."""
    run_tick(app, name="quiet")
    clock.move_to(moment - timedelta(minutes=10))
    run_tick(app, name="quiet")
    clock.move_to(moment)
    statements: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        run_tick(app, name="quiet")
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return statements


def test_a_quiet_tick_costs_the_same_statements_for_5_stores_and_50_and_reads_no_work(
    app, make_user, make_store
):
    """Nothing fell due and nothing changed since the last tick: no task row is read."""
    counts = []
    for stores, moment in (
        (5, datetime(2026, 12, 1, 4, 0, tzinfo=UTC)),
        (50, datetime(2026, 12, 1, 6, 0, tzinfo=UTC)),
    ):
        # No one's moment near it: 04:00 and 06:00 UTC, midday in Shanghai, night in L.A.
        with time_machine.travel(moment - timedelta(hours=1), tick=False) as clock:
            boss = db.session.scalar(select(User).where(User.role == "manager")) or make_user()
            member = make_user(role="member", timezone="Asia/Shanghai")
            for number in range(stores - len(counts) * 5):
                make_store(actor=boss, name=f"Store {stores}.{number}", members=(member,))
            statements = _quiet_tick(app, clock, moment)
        assert _reads_of_tasks(statements) == [], _reads_of_tasks(statements)
        assert db.session.scalar(select(Store.id).where(Store.id == stores)) is not None
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_the_marks_of_schedulers_gone_for_longer_than_a_reminder_stays_due_are_pruned(
    app, make_user
):
    # Each scheduler process names its mark host:pid, so every restart leaves one behind. A
    # mark older than STALE_AFTER can never narrow a tick again; the tick deletes it.
    from tracker.reminders.queue import STALE_AFTER

    make_user()  # a tick with nobody to remind keeps no mark
    start = datetime(2026, 11, 2, 9, tzinfo=UTC)
    run_tick(app, name="host:1", now=start)
    run_tick(app, name="host:2", now=start + timedelta(hours=1))
    run_tick(app, name="host:3", now=start + STALE_AFTER + timedelta(minutes=30))
    db.session.expire_all()
    assert set(db.session.scalars(select(ReminderMark.name))) == {"host:2", "host:3"}


def _reminders_seen() -> list[tuple[Any, ...]]:
    db.session.expire_all()
    return [
        (r.key, r.user_id, r.channel_id, r.kind, r.task_id, r.next_attempt_at, r.subject, r.text)
        for r in db.session.scalars(select(Reminder).order_by(Reminder.key, Reminder.channel_id))
    ]


def _catch_up(app: Any, make_user: Any, make_store: Any, catalog: Any) -> list[list[Any]]:
    """A freshly built agency with nothing queued yet, ticked a dozen times (at one moment);
    what was queued after each tick."""
    moment = START + timedelta(hours=4)  # the boss's digest, everyone's morning, fell
    seen: list[list[Any]] = []
    with time_machine.travel(START, tick=False) as clock:
        _scenario(app, make_user, make_store, catalog)
        clock.move_to(moment)
        for _ in range(12):  # the scenario has 6 people: a person a tick at the least
            run_tick(app, name="catching-up")
            seen.append(_reminders_seen())
    return seen


def test_a_catch_up_tick_is_split_over_ticks_and_queues_what_one_whole_tick_queues(
    app, make_user, make_store, catalog, database_url, monkeypatch
):
    """A tick keeps to its budget: the first tick of a new agency (every overdue reminder and
    digest at once) is done a share at a time, each share committed, the rest by the next
    ticks; in the end nothing is lost or doubled."""
    whole = _catch_up(app, make_user, make_store, catalog)
    assert whole[0] == whole[-1]  # one tick did it all
    _empty(database_url)
    from tracker.scheduler import tick
    from tracker.tasks import reminders

    monkeypatch.setattr(tick, "TICK_BUDGET_SHARE", 0.0, raising=False)  # one share a tick
    monkeypatch.setattr(reminders, "QUEUE_CHUNK", 1, raising=False)  # a person a share
    split = _catch_up(app, make_user, make_store, catalog)
    counts = [len(queued) for queued in split]
    assert len(set(counts)) > 3, counts  # the catch-up took several ticks
    assert 0 < counts[0] < counts[-1], counts  # the first tick queued only its share
    assert split[-1] == whole[-1]
    keys = [row[0:3] for row in split[-1]]
    assert len(keys) == len(set(keys))  # nothing doubled


def test_a_restarted_scheduler_starts_from_the_mark_its_predecessor_committed(
    app, make_user, make_store
):
    """A restart (a new process, a new name) does not read every task again: the mark the
    last scheduler committed holds for whoever reads it."""
    moment = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # no one's moment near it
    with time_machine.travel(moment - timedelta(hours=1), tick=False) as clock:
        boss = make_user()
        member = make_user(role="member", timezone="Asia/Shanghai")
        for number in range(3):
            make_store(actor=boss, name=f"Store {number}", members=(member,))
        _quiet_tick(app, clock, moment - timedelta(minutes=5))  # the predecessor, "quiet"
        clock.move_to(moment)
        statements: list[str] = []

        def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", note)
        try:
            run_tick(app, name="restarted")
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
    # Its first tick still checks every store's gates (whose last check it cannot know), but
    # reads no one's work to remind them (the reminders' read: the columns a reminder names).
    work = [
        s
        for s in _reads_of_tasks(statements)
        if "tasks.recurrence" in s and "tasks.description" not in s
    ]
    gates = [s for s in _reads_of_tasks(statements) if "tasks.gate IS NOT NULL" in s]
    assert gates, statements
    assert work == [], work

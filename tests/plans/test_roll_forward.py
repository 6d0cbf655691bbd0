"""The daily roll forward of many stores at once leaves exactly what rolling them one by one
leaves: every task row, activity entry and reminder, over several days (issue 16; its speed is
measured by benchmarks/roll_bench.py, not here)."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from tracker.activity.models import Activity
from tracker.errors import RuleError
from tracker.extensions import db
from tracker.faults import FaultLog
from tracker.plans.checklists import save_checklist
from tracker.plans.forward import roll_store_forward, roll_stores_forward
from tracker.plans.stock_up import change_product_line
from tracker.plans.stores import update_store
from tracker.plans.sync import plan_changes
from tracker.reminders.models import Reminder
from tracker.scheduler import tick
from tracker.stores.models import Store
from tracker.stores.services import parse_store_input
from tracker.tasks.models import Task
from tracker.tasks.services import change_task, complete_task

START = date(2026, 7, 1)
# (market, model, categories, opened days before START, product line or None)
SHOPS: list[tuple[str, str, list[str], int, dict[str, Any] | None]] = [
    ("US", "pop", ["beauty"], 30, None),
    ("US", "pop", ["beauty"], 30, None),  # alike: one plan for both
    ("US", "full_managed", ["beauty", "home"], 200, {"current_stock": 500, "daily_sales": 5}),
    ("UK", "pop", ["apparel"], 400, None),
    ("SG", "pop", ["home"], 5, {"current_stock": 20_000, "daily_sales": 2}),
    ("TH", "full_managed", ["beauty"], -20, None),  # opens later
    ("VN", "pop", ["beauty", "apparel"], 120, {"current_stock": 100, "daily_sales": 10}),
    ("SA", "pop", ["home"], 60, None),
]
# The days rolled forward to, after START: day by day, then a week's jump (occurrences missed).
DAYS = (1, 2, 3, 11, 12, 40)


def _noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def _checklist(market: str) -> dict[str, Any]:
    """A team's checklist: a step dated from the one before it is done, peak work, a gate."""
    return {
        "key": "launch_check",
        "name": "Launch check",
        "applies_to": {"market": [market, "UK"]},
        "entries": [
            {
                "key": "brief",
                "title": "Brief the team",
                "phase": "growth",
                "anchor": "opened_on",
                "offset_days": 3,
            },
            {
                "key": "review",
                "title": "Review the brief",
                "phase": "growth",
                "anchor": "after:brief",
                "offset_days": 2,
            },
            {
                "key": "peak_prep",
                "title": "Prepare the peak",
                "phase": "peak",
                "anchor": "warmup:black_friday",
                "offset_days": -5,
                "depends_on": ["brief"],
            },
        ],
    }


def _build(make_user, make_store, catalog) -> tuple[list[int], list[int]]:
    """Twin stores: each shop twice, changed the same way; return the two sets' ids."""
    manager = make_user()
    save_checklist(_checklist("US"), catalog, actor=manager, today=START)
    db.session.commit()
    twins: tuple[list[int], list[int]] = ([], [])
    for number, (market, model, categories, age, line) in enumerate(SHOPS):
        for side in (0, 1):
            store = make_store(
                actor=manager,
                name=f"Shop {number} {market}",
                market=market,
                model=model,
                categories=categories,
                opened_on=(START - timedelta(days=age)).isoformat(),
                today=START,
            )
            if line is not None:
                change_product_line(
                    store, {"name": "Lipstick", **line}, catalog, manager, now=_noon(START)
                )
            twins[side].append(store.id)
        db.session.commit()
    # The same history in both: past work done, a checklist step done (its follower is then
    # dated from that day), a due date set by hand.
    for side in twins:
        for store_id in side:
            tasks = db.session.scalars(
                select(Task)
                .where(Task.store_id == store_id, Task.status == "open")
                .order_by(Task.due_on, Task.key, Task.slot)
            ).all()
            for index, task in enumerate(tasks):
                if task.key.endswith(".brief") or (task.due_on < START and index % 3):
                    with contextlib.suppress(RuleError):
                        complete_task(task.id, manager, now=_noon(START))
            movable = [task for task in tasks if task.status == "open" and task.recurrence]
            if movable:
                change_task(
                    movable[0], {"due_on": (START + timedelta(days=9)).isoformat()}, manager
                )
            db.session.commit()
    return twins


def _tasks(store_id: int) -> list[tuple[Any, ...]]:
    skip = {"id", "store_id", "created_at", "updated_at"}
    columns = [c.key for c in Task.__table__.columns if c.key not in skip]
    rows = db.session.execute(
        select(*(getattr(Task, name) for name in columns)).where(Task.store_id == store_id)
    ).all()
    return sorted((tuple(row) for row in rows), key=repr)


def _entries(store_id: int) -> list[tuple[Any, ...]]:
    rows = db.session.execute(
        select(
            Activity.kind, Activity.message, Activity.phrase, Activity.user_id, Task.key, Task.slot
        )
        .outerjoin(Task, Task.id == Activity.task_id)
        .where(Activity.store_id == store_id)
    ).all()
    return sorted((tuple(row) for row in rows), key=repr)


def _reminders(store_id: int) -> list[tuple[Any, ...]]:
    rows = db.session.execute(
        select(Reminder.kind, Reminder.user_id, Reminder.state, Task.key, Task.slot)
        .outerjoin(Task, Task.id == Reminder.task_id)
        .where(Reminder.store_id == store_id)
    ).all()
    return sorted((tuple(row) for row in rows), key=repr)


def test_many_stores_rolled_forward_at_once_end_as_store_by_store(make_user, make_store, catalog):
    one_by_one, at_once = _build(make_user, make_store, catalog)
    for pair in zip(one_by_one, at_once, strict=True):
        assert _tasks(pair[0]) == _tasks(pair[1])
    seen: set[str] = set()
    for offset in DAYS:
        now = _noon(START + timedelta(days=offset))
        for store_id in one_by_one:
            roll_store_forward(store_id, catalog, now=now)
            db.session.commit()
        rolled = roll_stores_forward(at_once, catalog, now=now)
        db.session.commit()
        assert sorted(rolled.changes) == sorted(at_once) and rolled.left == []
        db.session.expire_all()
        for store_id, twin in zip(one_by_one, at_once, strict=True):
            assert _tasks(twin) == _tasks(store_id), (offset, store_id)
            assert _entries(twin) == _entries(store_id), (offset, store_id)
            assert _reminders(twin) == _reminders(store_id), (offset, store_id)
        seen |= {row[0] for store_id in at_once for row in _entries(store_id)}
        for store_id in at_once:
            assert db.session.get(Store, store_id).plan_synced_on is not None
    # The days rolled over moved, retired and missed work, not only added it.
    statuses = {row[0] for row in db.session.execute(select(Task.status)).all()}
    assert {"missed", "done", "open"} <= statuses
    assert "due_moved" in seen or "retired" in seen


def test_a_store_whose_plan_cannot_be_worked_out_is_noted_and_the_others_roll_forward(
    make_user, make_store, catalog
):
    manager = make_user()
    stores = [
        make_store(actor=manager, name=f"Shop {n}", opened_on="2026-06-01", today=START)
        for n in range(3)
    ]
    broken = stores[1]
    broken.market = "XX"  # its market left the seeds
    db.session.commit()
    faults = FaultLog()
    report = tick.roll_plans_forward(catalog, now=_noon(START + timedelta(days=1)), faults=faults)
    db.session.expire_all()
    assert report.stores == 2 and report.failed == [broken.id]
    assert [fault.store_id for fault in faults.faults] == [broken.id]
    assert db.session.get(Store, stores[0].id).plan_synced_on == START + timedelta(days=1)
    assert db.session.get(Store, stores[2].id).plan_synced_on == START + timedelta(days=1)
    assert db.session.get(Store, broken.id).plan_synced_on == START


def test_a_chunk_that_fails_is_rolled_forward_store_by_store(
    make_user, make_store, catalog, monkeypatch
):
    manager = make_user()
    stores = [
        make_store(actor=manager, name=f"Shop {n}", opened_on="2026-06-01", today=START)
        for n in range(3)
    ]

    def fails(*_: Any, **__: Any) -> None:
        db.session.execute(select(Task.id).limit(1))
        raise RuntimeError("the database went away mid-chunk")

    monkeypatch.setattr(tick, "roll_stores_forward", fails)
    report = tick.roll_plans_forward(catalog, now=_noon(START + timedelta(days=1)))
    db.session.expire_all()
    assert report.stores == 3 and report.failed == []
    for store in stores:
        assert db.session.get(Store, store.id).plan_synced_on == START + timedelta(days=1)


def test_stores_already_rolled_forward_by_someone_else_are_left_alone(
    make_user, make_store, catalog
):
    manager = make_user()
    stores = [
        make_store(actor=manager, name=f"Shop {n}", opened_on="2026-06-01", today=START)
        for n in range(2)
    ]
    now = _noon(START + timedelta(days=1))
    roll_store_forward(stores[0].id, catalog, now=now)
    db.session.commit()
    before = _tasks(stores[0].id), _entries(stores[0].id)
    rolled = roll_stores_forward([store.id for store in stores], catalog, now=now)
    db.session.commit()
    assert list(rolled.changes) == [stores[1].id]
    assert (_tasks(stores[0].id), _entries(stores[0].id)) == before


# Day by day for a week (recurring work moves on daily: lives, weekly reviews), a jump of a
# fortnight (occurrences missed, a monthly refresh comes due), then days on which the peak
# work of Black Friday and Christmas enters the 120-day window.
LONG_DAYS = (*range(1, 9), 23, 24, 31, 58, 59, 60, 61)
# Shop (index in SHOPS) left out of the daily roll for a while, as a store nobody rolled.
RESTING, RESTING_DAYS = 4, (2, 3, 4, 5, 6, 7, 8, 23)
# Shop whose profile changes (categories, followers) on this day, before the roll.
CHANGING, CHANGED_ON = 3, 23
# Shop whose market leaves the seeds on this day: its fault stays its own.
BROKEN, BROKEN_ON = 1, 31


def _regenerated_at(store_id: int, catalog, day: date) -> Any:
    """What regenerating the store's whole plan from scratch on ``day`` would change."""
    store = db.session.get(Store, store_id)
    return plan_changes(store, store.profile(), catalog, day)


def test_rolled_forward_day_by_day_at_once_ends_as_regenerated_from_scratch(
    make_user, make_store, catalog
):
    """The scheduler's roll forward (many stores at once, only the work the new day brings
    into view) ends, day after day, as regenerating each store's plan from scratch does
    (``roll_store_forward``, the page's path), and regenerating from scratch afterwards finds
    nothing left to change: peaks entering the window, recurring lives and refreshes, a
    profile changed mid-way, a store not rolled for days, a store whose market left."""
    from_scratch, at_once = _build(make_user, make_store, catalog)
    manager = make_user()
    seen_keys: set[tuple[str, str]] = set()
    for offset in LONG_DAYS:
        day = START + timedelta(days=offset)
        now = _noon(day)
        if offset == CHANGED_ON:
            for side in (from_scratch, at_once):
                store = db.session.get(Store, side[CHANGING])
                changed = parse_store_input(
                    {"categories": ["apparel", "home"], "followers": 2_500}, catalog, current=store
                )
                update_store(store, changed, catalog, actor=manager, today=day)
            db.session.commit()
        if offset == BROKEN_ON:
            for side in (from_scratch, at_once):
                db.session.get(Store, side[BROKEN]).market = "XX"
            db.session.commit()
        resting = offset in RESTING_DAYS
        skip = {from_scratch[RESTING], at_once[RESTING]} if resting else set()
        failed = []
        for store_id in from_scratch:
            if store_id in skip:
                continue
            try:
                roll_store_forward(store_id, catalog, now=now)
                db.session.commit()
            except Exception:
                db.session.rollback()
                failed.append(store_id)
        rolled = roll_stores_forward([s for s in at_once if s not in skip], catalog, now=now)
        db.session.commit()
        broken = offset >= BROKEN_ON
        assert failed == ([from_scratch[BROKEN]] if broken else [])
        assert rolled.left == ([at_once[BROKEN]] if broken else [])
        db.session.expire_all()
        for store_id, twin in zip(from_scratch, at_once, strict=True):
            assert _tasks(twin) == _tasks(store_id), (offset, store_id)
            assert _entries(twin) == _entries(store_id), (offset, store_id)
            assert _reminders(twin) == _reminders(store_id), (offset, store_id)
            if twin in skip or (broken and twin == at_once[BROKEN]):
                continue
            store = db.session.get(Store, twin)
            assert store.plan_synced_on == day
            again = _regenerated_at(twin, catalog, day)
            assert again.is_empty, (offset, twin, again.summary())
        for changes in rolled.changes.values():
            seen_keys |= {(row.key, row.values["peak_key"] or "") for row in changes.added}
        db.session.rollback()
    # What the days brought into view: peak work of Black Friday, daily lives, refreshes.
    assert any(peak == "black_friday" for _, peak in seen_keys)
    assert any(peak == "christmas" for _, peak in seen_keys)
    assert any("live" in key for key, _ in seen_keys)
    assert any("refresh" in key for key, _ in seen_keys)
    # The resting store caught up in one go, as its twin did from scratch.
    assert db.session.get(Store, at_once[RESTING]).plan_synced_on == START + timedelta(
        days=LONG_DAYS[-1]
    )


def test_rolling_a_chunk_forward_sends_as_many_statements_for_many_stores_as_for_few(
    make_user, make_store, catalog, count_queries
):
    """Reading, planning, writing, checking gates and queuing the reminders of the gates that
    open: a constant number of statements per chunk, however many stores and gates."""
    manager = make_user()
    manager.digest = False  # told of each gate as it opens
    db.session.commit()
    stores = [
        make_store(
            actor=manager,
            name=f"Shop {n}",
            market=("US", "UK", "SG")[n % 3],
            categories=[("beauty", "home", "apparel")[n % 3]],
            opened_on=(START - timedelta(days=20 + 7 * n)).isoformat(),
            today=START,
        )
        for n in range(9)
    ]
    ids = [store.id for store in stores]
    counted = []
    opened = []
    for chunk, offset in ((ids[:3], 1), (ids[3:], 1), (ids[:3], 40), (ids[3:], 40)):
        # Work that gates wait for, done behind the gates' back (as an import would): the
        # roll forward's check finds those gates open and tells the managers.
        waited = {
            key
            for (gate,) in db.session.execute(
                select(Task.gate).where(Task.store_id.in_(chunk), Task.gate.is_not(None))
            )
            for key in gate.get("tasks", ())
        }
        db.session.execute(
            update(Task)
            .where(Task.store_id.in_(chunk), Task.key.in_(waited), Task.status == "open")
            .values(status="done", completed_at=_noon(START))
        )
        db.session.commit()
        before = db.session.scalar(select(func.count()).select_from(Reminder))
        with count_queries() as counter:
            rolled = roll_stores_forward(chunk, catalog, now=_noon(START + timedelta(days=offset)))
        db.session.commit()
        assert sorted(rolled.changes) == sorted(chunk)
        counted.append(counter.count)
        opened.append(db.session.scalar(select(func.count()).select_from(Reminder)) - before)
    assert counted[0] == counted[1] and counted[2] == counted[3], (counted, opened)
    assert 0 < opened[0] < opened[1], opened  # gates opened (and were told of) in both

"""A store's plan follows its profile: what moves, what is added or retired, what never changes.

These go through the services the web pages and the API call, on a fixed day,
so nothing depends on the clock.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tracker.activity.models import Activity
from tracker.extensions import db
from tracker.plans.stores import preview_store_update, update_store
from tracker.plans.sync import sync_plan
from tracker.stores.models import Store
from tracker.stores.services import parse_store_input
from tracker.tasks.models import Task
from tracker.tasks.services import change_task, complete_task

TODAY = date(2026, 11, 5)
OPENED_ON = date(2026, 11, 2)  # a US store: inspection estimated to end 30 days later
# The last day of 30 calendar days from 2 November, the opening day the first.
ESTIMATED_INSPECTION_END = date(2026, 12, 1)
WINDOW_DAYS = 14


@pytest.fixture
def manager(make_user):
    return make_user("manager")


@pytest.fixture
def store(make_store, manager):
    """A self-operated US store opened on 2 November, as it is on 5 November."""
    # With the orders the US inspection counts, so its end date alone holds the channel gate.
    return make_store(
        actor=manager, today=TODAY, opened_on=OPENED_ON.isoformat(), orders_to_date=500
    )


@pytest.fixture
def thai_jewelry_store(make_store, manager):
    """A Thai store selling jewelry, a category open there only on invitation."""
    return make_store(
        actor=manager,
        today=TODAY,
        market="TH",
        categories=["beauty", "jewelry"],
        opened_on=OPENED_ON.isoformat(),
    )


def tasks(store: Store, key: str | None = None, *, status: str | None = None) -> list[Task]:
    query = select(Task).where(Task.store_id == store.id).order_by(Task.due_on, Task.id)
    if key is not None:
        query = query.where(Task.key == key)
    if status is not None:
        query = query.where(Task.status == status)
    return list(db.session.scalars(query))


def the_task(store: Store, key: str) -> Task:
    (task,) = tasks(store, key)
    return task


def change_profile(store, catalog, actor, *, today: date = TODAY, **changes: Any):
    """Apply profile changes as a manager would, and commit them."""
    store_input = parse_store_input(changes, catalog, current=store)
    result = update_store(store, store_input, catalog, actor=actor, today=today)
    db.session.commit()
    return result


def snapshot(store: Store) -> dict[str, Any]:
    """Everything a person could see of the store and its plan, read fresh from the database."""
    db.session.expire_all()
    rows = db.session.scalars(select(Task).where(Task.store_id == store.id).order_by(Task.id))
    entries = db.session.scalars(
        select(Activity).where(Activity.store_id == store.id).order_by(Activity.id)
    )
    fresh = db.session.get(Store, store.id)
    return {
        "profile": fresh.profile_json(),
        "name": fresh.name,
        "version": fresh.playbook_version,
        "tasks": [
            (t.id, t.key, t.slot, t.status, t.due_on, t.gate, t.title, t.playbook_version)
            for t in rows
        ],
        "activity": [(a.id, a.kind, a.message, a.task_id) for a in entries],
    }


# --- moving dates -------------------------------------------------------------------------------


def test_setting_the_real_inspection_end_moves_open_gated_tasks(store, catalog, manager):
    channel = the_task(store, "accounts.bind_channel")
    assert channel.gate["after"] == ESTIMATED_INSPECTION_END.isoformat()
    assert channel.due_on == ESTIMATED_INSPECTION_END + timedelta(days=3)

    real_end = date(2026, 12, 20)
    changes = change_profile(store, catalog, manager, inspection_ends_on=real_end.isoformat())

    channel = the_task(store, "accounts.bind_channel")
    assert channel.status == "open"
    assert channel.due_on == real_end + timedelta(days=3)
    assert channel.gate["after"] == real_end.isoformat()
    assert "accounts.bind_channel" in {move.task.key for move in changes.moved}
    # The gate opens the day after the inspection period ends.
    reasons = channel.lock_reasons(real_end, set(), 0)
    assert any("2026-12-21" in reason for reason in reasons)
    assert channel.lock_reasons(real_end + timedelta(days=1), set(), 0) == []
    moved = [
        entry
        for entry in db.session.scalars(select(Activity).where(Activity.task_id == channel.id))
        if entry.kind == "due_moved"
    ]
    assert len(moved) == 1
    assert "2026-12-04" in moved[0].message and "2026-12-23" in moved[0].message
    # Work that does not hang on the inspection end keeps its date.
    assert the_task(store, "accounts.bind_official").due_on == OPENED_ON + timedelta(days=3)


def test_an_earlier_inspection_end_unlocks_channel_accounts_sooner(store, catalog, manager):
    change_profile(store, catalog, manager, inspection_ends_on="2026-11-20")
    channel = the_task(store, "accounts.bind_channel")
    assert channel.due_on == date(2026, 11, 23)
    assert channel.lock_reasons(date(2026, 11, 21), set(), 0) == []


def test_the_same_profile_applied_again_changes_nothing(store, catalog, manager):
    before = snapshot(store)
    changes = change_profile(store, catalog, manager)
    assert changes.is_empty
    assert snapshot(store)["tasks"] == before["tasks"]


# --- categories ---------------------------------------------------------------------------------


def test_adding_an_invitation_only_category_adds_the_application_task(make_store, catalog, manager):
    store = make_store(actor=manager, today=TODAY, market="TH", opened_on=OPENED_ON.isoformat())
    assert tasks(store, "eligibility.apply_invitation_category") == []

    changes = change_profile(store, catalog, manager, categories=["beauty", "jewelry"])

    task = the_task(store, "eligibility.apply_invitation_category")
    assert task.status == "open"
    assert "Jewelry" in task.title
    assert task.critical
    assert "eligibility.apply_invitation_category" in {row.key for row in changes.added}
    assert "invitation_category" in [warning.code for warning in changes.plan.warnings]


def test_removing_a_category_retires_its_open_tasks(thai_jewelry_store, catalog, manager):
    store = thai_jewelry_store
    assert the_task(store, "eligibility.apply_invitation_category").status == "open"

    changes = change_profile(store, catalog, manager, categories=["beauty"])

    task = the_task(store, "eligibility.apply_invitation_category")
    assert task.status == "retired"
    assert task in changes.retired
    kinds = [
        entry.kind
        for entry in db.session.scalars(select(Activity).where(Activity.task_id == task.id))
    ]
    assert "retired" in kinds


def test_removing_a_category_keeps_its_done_task_done(thai_jewelry_store, catalog, manager):
    store = thai_jewelry_store
    applied = the_task(store, "eligibility.apply_invitation_category")
    complete_task(applied.id, manager)
    db.session.commit()
    completed_at = applied.completed_at

    changes = change_profile(store, catalog, manager, categories=["beauty"])
    assert changes.kept_done >= 1

    task = the_task(store, "eligibility.apply_invitation_category")
    assert task.status == "done"
    assert task.completed_by_id == manager.id
    assert task.completed_at == completed_at

    # Adding the category back does not ask for the application a second time.
    change_profile(store, catalog, manager, categories=["beauty", "jewelry"])
    assert [t.status for t in tasks(store, "eligibility.apply_invitation_category")] == ["done"]


def test_a_retired_task_comes_back_open_when_it_applies_again(thai_jewelry_store, catalog, manager):
    store = thai_jewelry_store
    change_profile(store, catalog, manager, categories=["beauty"])
    change_profile(store, catalog, manager, categories=["jewelry"])
    assert [t.status for t in tasks(store, "eligibility.apply_invitation_category")] == ["open"]


def test_changing_the_model_retires_the_old_models_open_work_but_not_done_work(
    store, catalog, manager
):
    official = the_task(store, "accounts.bind_official")
    complete_task(official.id, manager)
    db.session.commit()

    changes = change_profile(store, catalog, manager, model="full_managed")

    assert the_task(store, "accounts.bind_official").status == "done"
    assert the_task(store, "live.set_up_room").status == "retired"
    assert tasks(store, "live.daily", status="open") == []
    assert changes.added, "the fully managed playbook brings its own tasks"
    for row in changes.added:
        models = catalog.entry(row.key).models
        assert models is None or "full_managed" in models, row.key


# --- previews and history -----------------------------------------------------------------------


def test_a_preview_says_what_would_change_and_changes_nothing(thai_jewelry_store, catalog, manager):
    store = thai_jewelry_store
    before = snapshot(store)
    store_input = parse_store_input(
        {"categories": ["beauty"], "inspection_ends_on": "2026-12-20", "name": "Renamed"},
        catalog,
        current=store,
    )

    changes = preview_store_update(store, store_input, catalog, today=TODAY)

    assert changes.moved
    assert "eligibility.apply_invitation_category" in {task.key for task in changes.retired}
    db.session.commit()
    assert snapshot(store) == before


def test_done_task_history_survives_a_plan_change(store, catalog, manager):
    matrix = the_task(store, "accounts.plan_matrix_audiences")
    change_task(matrix, {"note": "Three accounts: skincare, make-up, men"}, manager)
    complete_task(matrix.id, manager)
    db.session.commit()
    done_due_on, completed_at = matrix.due_on, matrix.completed_at
    history = [
        (entry.id, entry.kind, entry.message, entry.user_id)
        for entry in db.session.scalars(
            select(Activity).where(Activity.task_id == matrix.id).order_by(Activity.id)
        )
    ]
    assert [kind for _, kind, _, _ in history] == ["note", "completed"]

    # Its date hangs on the inspection end, which now moves by weeks.
    change_profile(store, catalog, manager, inspection_ends_on="2027-01-15")

    db.session.expire_all()
    matrix = db.session.get(Task, matrix.id)
    assert matrix.status == "done"
    assert matrix.due_on == done_due_on
    assert matrix.completed_at == completed_at
    assert matrix.note == "Three accounts: skincare, make-up, men"
    after = [
        (entry.id, entry.kind, entry.message, entry.user_id)
        for entry in db.session.scalars(
            select(Activity).where(Activity.task_id == matrix.id).order_by(Activity.id)
        )
    ]
    assert after == history
    # The open task beside it did move.
    assert the_task(store, "accounts.unify_inbox").due_on == date(2027, 1, 25)


# --- recurring work ------------------------------------------------------------------------------


def test_recurring_tasks_have_rows_only_for_the_next_two_weeks(store):
    rows = tasks(store)
    recurring = [task for task in rows if task.recurrence is not None]
    assert recurring, "a POP store goes live every day"
    window_ends_on = TODAY + timedelta(days=WINDOW_DAYS)
    for task in recurring:
        assert TODAY <= task.due_on <= window_ends_on, (task.key, task.due_on)
    # Daily lives start eight days after opening: 10 to 19 November.
    lives = [task.due_on for task in rows if task.key == "live.daily"]
    assert lives == [date(2026, 11, 10) + timedelta(days=n) for n in range(10)]
    # No years of rows: one-off work plus two weeks of routine.
    assert len(rows) < 200


def test_recurring_tasks_roll_forward_when_synced_on_a_later_day(store, catalog, manager):
    first_live = the_task_on(store, "live.daily", date(2026, 11, 10))
    complete_task(first_live.id, manager)
    db.session.commit()

    later = date(2026, 11, 25)
    sync_plan(store, catalog, today=later, reason="daily roll forward")
    db.session.commit()

    lives = {task.due_on: task.status for task in tasks(store, "live.daily")}
    window_ends_on = later + timedelta(days=WINDOW_DAYS)
    assert max(lives) == window_ends_on
    assert all(day in lives for day in _days(later, window_ends_on))
    assert lives[date(2026, 11, 10)] == "done"
    # Undone lives more than a week old are recorded as missed; recent ones stay to do.
    assert lives[date(2026, 11, 11)] == "missed"
    assert lives[date(2026, 11, 19)] == "open"
    assert not any(
        status == "open" and day < later - timedelta(days=7) for day, status in lives.items()
    )
    for task in tasks(store):
        if task.recurrence is not None and task.status == "open":
            assert task.due_on <= window_ends_on

    # Syncing again the same day adds nothing.
    again = sync_plan(store, catalog, today=later, reason="daily roll forward")
    assert again.is_empty


def the_task_on(store: Store, key: str, day: date) -> Task:
    (task,) = [task for task in tasks(store, key) if task.due_on == day]
    return task


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def test_every_planned_row_carries_its_playbook_key_and_version(store, catalog, manager):
    sync_plan(store, catalog, today=date(2026, 12, 10), reason="daily roll forward")
    db.session.commit()
    keys = {entry.key for entry in catalog.entries}
    rows = tasks(store)
    assert rows
    for task in rows:
        assert task.origin == "playbook"
        assert task.key in keys, task.key
        assert task.playbook_version == catalog.version, task.key
    assert db.session.get(Store, store.id).playbook_version == catalog.version

"""Ticking off many tasks at once (``complete_tasks``) leaves exactly what ticking them off one
after another leaves: the same tasks done and refused, log entries, locks and unlock reminders,
on both databases; in a few statements, however many tasks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from tests.checklists.test_scale import _body
from tests.web.test_api import days
from tracker.activity.models import Activity
from tracker.errors import InputError, RuleError
from tracker.extensions import db
from tracker.plans.checklists import save_checklist
from tracker.reminders.models import Reminder
from tracker.tasks.models import Task
from tracker.tasks.services import assign_tasks, change_task, complete_task, complete_tasks

NOW = datetime.now(UTC).replace(microsecond=0)


def _open_ids(store_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(Task.id)
            .where(Task.store_id == store_id, Task.status == "open")
            .order_by(Task.due_on, Task.id)
        )
    )


def _tasks(store_id: int) -> list[tuple[Any, ...]]:
    return [
        (t.key, t.slot, t.status, t.completed_by_id, t.completed_at, t.was_locked, t.due_on)
        for t in db.session.scalars(select(Task).where(Task.store_id == store_id).order_by(Task.id))
    ]


def _log(store_id: int) -> list[tuple[Any, ...]]:
    return [
        (kind, message, key)
        for kind, message, key in db.session.execute(
            select(Activity.kind, Activity.message, Task.key)
            .outerjoin(Task, Task.id == Activity.task_id)
            .where(Activity.store_id == store_id)
            .order_by(Activity.id)
        )
    ]


def _reminders(store_id: int) -> list[tuple[Any, ...]]:
    return sorted(
        (kind, user_id, key, state)
        for kind, user_id, key, state in db.session.execute(
            select(Reminder.kind, Reminder.user_id, Task.key, Reminder.state)
            .join(Task, Task.id == Reminder.task_id)
            .where(Reminder.store_id == store_id)
        )
    )


def test_ticking_many_at_once_is_ticking_them_one_by_one(make_user, make_store, catalog):
    manager = make_user()
    make_user()  # two managers hear of work that unlocks
    member = make_user("member", timezone=None)
    save_checklist(_body("launch", 12), catalog, actor=manager)
    db.session.commit()
    for opened in (-40, -200, 5):
        one = make_store(
            actor=manager, members=(member,), name=f"One {opened}", opened_on=days(opened)
        )
        many = make_store(
            actor=manager, members=(member,), name=f"Many {opened}", opened_on=days(opened)
        )
        for store in (one, many):  # some work is the member's
            for task in db.session.scalars(
                select(Task).where(Task.store_id == store.id).order_by(Task.id)
            ).all()[::3]:
                change_task(task, {"assignee_id": member.id}, manager)
        db.session.commit()
        assert _tasks(one.id) == _tasks(many.id)
        # Every open task, soonest first: some locked until an earlier one is done.
        ids_one, ids_many = _open_ids(one.id), _open_ids(many.id)
        refused_one = []
        for task_id in ids_one:
            try:
                complete_task(task_id, manager, now=NOW)
            except RuleError as error:
                refused_one.append(error.code)
        results = complete_tasks([*ids_many, ids_many[0], 10**9], manager, now=NOW)
        db.session.commit()
        db.session.expire_all()

        refused_many = [r.code for r in results[: len(ids_many)] if r.code]
        assert refused_many == refused_one
        assert "task_locked" in refused_one  # some work stays locked
        assert [r.code for r in results[-1:]] == ["not_found"]  # the repeated id is asked once
        assert len(results) == len(ids_many) + 1
        assert _tasks(one.id) == _tasks(many.id)
        assert [row[:2] for row in _log(one.id)] and _log(one.id) == [
            (kind, message.replace("Many", "One"), key) for kind, message, key in _log(many.id)
        ]
        assert _reminders(one.id) == _reminders(many.id)
        assert any(kind == "gate_open" for kind, *_ in _reminders(many.id))
    done = db.session.scalars(select(Task.status).where(Task.completed_by_id == manager.id)).all()
    assert done and set(done) == {"done"}


def test_each_more_task_costs_one_update(make_user, make_store, count_queries):
    manager = make_user()
    few = make_store(actor=manager, name="Few", opened_on=days(-30))
    more = make_store(actor=manager, name="More", opened_on=days(-300))
    ids = {store.id: _open_ids(store.id) for store in (few, more)}
    assert len(ids[more.id]) > 2 * 3

    def statements(task_ids: list[int]) -> int:
        with count_queries() as counter:
            complete_tasks(task_ids, manager, now=NOW + timedelta(days=400))
        db.session.rollback()
        return counter.count

    # Work nothing waits for, and that dates no checklist step: one UPDATE each, the rest
    # (reads, the log entries) shared.
    tasks = db.session.scalars(select(Task).where(Task.store_id == more.id)).all()
    awaited = {key for task in tasks for key in (task.gate or {}).get("tasks", ())}
    plain = [
        task.id
        for task in tasks
        if task.id in ids[more.id]
        and task.gate is None
        and task.origin != "checklist"
        and task.key not in awaited
    ]
    assert len(plain) > 10
    assert statements(plain[:3]) - 3 == statements(plain) - len(plain)


def test_assigning_many_at_once_is_assigning_them_one_by_one(make_user, make_store):
    manager = make_user()
    member = make_user("member", timezone=None)
    stranger = make_user("member")  # on neither store
    one = make_store(actor=manager, members=(member,), name="One", opened_on=days(-20))
    many = make_store(actor=manager, members=(member,), name="Many", opened_on=days(-20))

    def tasks(store_id: int) -> list[Task]:
        return list(
            db.session.scalars(select(Task).where(Task.store_id == store_id).order_by(Task.id))
        )

    steps: list[tuple[Any, int | None]] = [
        (slice(None, None, 2), member.id),
        (slice(None, None, 3), member.id),  # some are theirs already: no entry
        (slice(None, None, 5), None),
        (slice(1, 6), stranger.id),  # refused at the first: nothing after it changes
    ]
    for picked, assignee_id in steps:
        refusals = []
        for task in tasks(one.id)[picked]:
            try:
                change_task(task, {"assignee_id": assignee_id}, manager)
            except InputError as error:
                refusals.append(str(error))
                break
        try:
            both = tasks(many.id)[picked]
            assign_tasks([*both, both[0]], assignee_id, manager)
        except InputError as error:
            refusals.append(str(error))
        db.session.commit()
        db.session.expire_all()
        assert len(refusals) == (2 if assignee_id == stranger.id else 0)
        assert len(set(refusals)) <= 1
        assert _tasks(one.id) == _tasks(many.id)
        assert _log(one.id) == [
            (kind, message.replace("Many", "One"), key) for kind, message, key in _log(many.id)
        ]
    assert any(t.assignee_id == member.id for t in tasks(many.id))

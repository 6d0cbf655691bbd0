"""The plan page's counters come from the tasks it already read (``plan_counts_of``): the
same counts, in all and per phase, as the database gives (``plan_counts``), on both databases.
"""

from __future__ import annotations

from sqlalchemy import select, update

from tracker.extensions import db
from tracker.tasks.models import Task
from tracker.tasks.queries import plan_counts, plan_counts_of
from tracker.tasks.services import complete_task


def test_counts_from_the_read_tasks_are_the_databases(app, make_user, make_store):
    manager = make_user()
    store = make_store(actor=manager)
    other = make_store(actor=manager, name="Another store")
    tasks = db.session.scalars(
        select(Task).where(Task.store_id == store.id).order_by(Task.due_on, Task.id)
    ).all()
    free = [task for task in tasks if task.status == "open" and not task.gate]
    for task in free[:5]:
        complete_task(task.id, manager)
    # Retired work is not counted, and neither is another store's.
    db.session.execute(
        update(Task).where(Task.id.in_([free[6].id, free[7].id])).values(status="retired")
    )
    complete_task(
        db.session.scalars(
            select(Task.id).where(Task.store_id == other.id, Task.gate.is_(None))
        ).first(),
        manager,
    )
    db.session.commit()
    shown = db.session.scalars(
        select(Task).where(Task.store_id == store.id, Task.status.in_(("open", "done")))
    ).all()
    counted = plan_counts(store.id)
    assert plan_counts_of(shown) == counted
    assert counted.done == 5 and counted.total == len(shown) > 5
    assert len(counted.phases) > 1
    # Given every task of the store, retired ones included, it counts the same.
    everything = db.session.scalars(select(Task).where(Task.store_id == store.id)).all()
    assert plan_counts_of(everything) == counted
    assert plan_counts_of([]) == plan_counts(-1)

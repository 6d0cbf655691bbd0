"""Who may see and change which task: whoever may work on its store."""

from __future__ import annotations

from sqlalchemy.orm import joinedload

from tracker.auth.models import User
from tracker.columns import get_by_id
from tracker.errors import NotFound
from tracker.playbook.phrases import phrase
from tracker.stores.access import can_work_on
from tracker.tasks.models import Task


def task_for(user: User, task_id: int, *, with_store: bool = False) -> Task:
    """Return the task if ``user`` may see its store; raise NotFound otherwise.

    A task of another store answers exactly as a missing one (ASVS: ids cannot be counted).
    ``with_store``: its store is read in the same statement (a page that shows it).
    """
    task = get_by_id(Task, task_id, *((joinedload(Task.store),) if with_store else ()))
    if task is None or not can_work_on(user, task.store_id):
        raise NotFound(phrase("no task %(id)s", id=task_id))
    return task

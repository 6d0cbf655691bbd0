"""Who may see and change which task: whoever may work on its store."""

from __future__ import annotations

from tracker.auth.models import User
from tracker.columns import get_by_id
from tracker.errors import NotAllowed, NotFound
from tracker.playbook.phrases import phrase
from tracker.stores.access import can_work_on
from tracker.tasks.models import Task


def task_for(user: User, task_id: int) -> Task:
    """Return the task if ``user`` may see its store; raise NotFound or NotAllowed."""
    task = get_by_id(Task, task_id)
    if task is None:
        raise NotFound(phrase("no task %(id)s", id=task_id))
    if not can_work_on(user, task.store_id):
        raise NotAllowed(phrase("you are not a member of the store of task %(id)s", id=task_id))
    return task

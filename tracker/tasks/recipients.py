"""Who a task reminds: its assignee, or, while nobody (still active) has it, the managers."""

from __future__ import annotations

from collections.abc import Sequence

from tracker.auth.models import User
from tracker.extensions import db


def active_managers() -> list[User]:
    """Every active manager: who hears about work nobody has taken."""
    return list(db.session.scalars(User.active_managers()))


def people_to_remind(assignee: User | None, managers: Sequence[User]) -> list[User]:
    """A task reminds its assignee; an unassigned task, or one whose assignee left, the managers."""
    if assignee is not None and assignee.active:
        return [assignee]
    return list(managers)

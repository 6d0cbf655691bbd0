"""What a person's role allows."""

from __future__ import annotations

from tracker.auth.models import User
from tracker.errors import NotAllowed
from tracker.playbook.phrases import phrase


def require_manager(user: User) -> None:
    """Refuse anyone but a manager."""
    if not user.is_manager:
        raise NotAllowed(phrase("only a manager may do this"))

"""Who may see and change which store: the one place the rule lives."""

from __future__ import annotations

from sqlalchemy import Select, exists, select

from tracker.auth.models import User
from tracker.columns import get_by_id
from tracker.errors import NotFound
from tracker.extensions import db
from tracker.playbook.phrases import phrase
from tracker.stores.models import Store, StoreMembership


def visible_stores(user: User) -> Select[Store]:
    """Select the stores ``user`` may see: all for a manager, their own for a member."""
    query = select(Store)
    if not user.is_manager:
        query = query.where(
            exists().where(StoreMembership.store_id == Store.id, StoreMembership.user_id == user.id)
        )
    return query


def visible_store_ids(user: User) -> list[int] | None:
    """The ids of the stores ``user`` may see, or None for a manager (every store).

    A list of ids lets a query over tasks use the (store, status, due) index for just
    these stores, however many other stores the company has.
    """
    if user.is_manager:
        return None
    return list(
        db.session.scalars(
            select(StoreMembership.store_id)
            .where(StoreMembership.user_id == user.id)
            .order_by(StoreMembership.store_id)
        )
    )


def can_work_on(user: User, store_id: int) -> bool:
    """Tell whether ``user`` may see and work on the store."""
    if user.is_manager:
        return user.active
    return user.active and db.session.get(StoreMembership, (store_id, user.id)) is not None


def store_for(user: User, store_id: int) -> Store:
    """Return the store if ``user`` may see it; raise NotFound otherwise.

    Another store's id answers exactly as a missing one (ASVS: ids cannot be counted).
    """
    store = get_by_id(Store, store_id)
    if store is None or not can_work_on(user, store_id):
        raise NotFound(phrase("no store %(id)s", id=store_id))
    return store

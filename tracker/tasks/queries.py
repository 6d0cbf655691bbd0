"""Reads about tasks that several areas share."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from tracker.extensions import db
from tracker.playbook.plan import done_mark, peak_slot
from tracker.tasks.models import Task


def done_keys_by_store(store_ids: Iterable[int]) -> dict[int, set[str]]:
    """What is done in each store, as gates read it (:func:`done_mark`), in one query."""
    ids = set(store_ids)
    found: dict[int, set[str]] = {store_id: set() for store_id in ids}
    if not ids:
        return found
    for store_id, key, peak_key, peak_date in db.session.execute(
        select(Task.store_id, Task.key, Task.peak_key, Task.peak_date).where(
            Task.store_id.in_(ids), Task.status == "done"
        )
    ):
        found[store_id].add(done_mark(key, peak_slot(peak_key, peak_date)))
    return found


def done_keys(store_id: int) -> set[str]:
    """What is done in one store, as gates read it."""
    return done_keys_by_store([store_id])[store_id]

"""Creating a store writes its plan's task rows in one bulk INSERT: the very rows, log entries
and locks the ORM wrote a row at a time before (a speed change only, on both databases)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from tests.checklists.test_scale import _body
from tracker.activity.models import Activity
from tracker.extensions import db
from tracker.plans.checklists import save_checklist
from tracker.plans.stores import _first_plan, create_store
from tracker.plans.sync import apply_plan_changes
from tracker.playbook.phrases import phrase
from tracker.playbook.profile import resolve_profile
from tracker.stores.models import Store
from tracker.stores.services import parse_store_input, set_profile
from tracker.tasks.gates import check_gates
from tracker.tasks.models import Task

TODAY = date(2026, 11, 20)
PROFILES = [
    {"model": "pop", "market": "US", "entity": "CN", "categories": ["beauty"]},
    {"model": "full_managed", "market": "UK", "entity": "HK", "categories": ["apparel", "home"]},
    {"model": "pop", "market": "SA", "entity": "SA", "categories": ["electronics_3c"]},
    {"model": "pop", "market": "TH", "entity": "CN", "categories": ["beauty", "food"]},
    {"model": "full_managed", "market": "VN", "entity": "CN", "categories": ["home"]},
]
OPENED = ["2025-08-01", "2026-10-30", "2026-11-20", "2027-01-10", "2026-02-14"]


def _as_before(store_input: Any, catalog: Any, actor: Any) -> Store:
    """The plan's rows written as create_store wrote them before: one ORM object a task."""
    profile = store_input.profile
    resolved = resolve_profile(profile, catalog)
    store = Store(
        name=store_input.name,
        zone=resolved.timezone,
        playbook_version=catalog.version,
        created_by=actor,
    )
    set_profile(store, profile)
    db.session.add(store)
    db.session.flush()
    changes = _first_plan(store, profile, catalog, TODAY)
    apply_plan_changes(store, changes, actor=actor, reason=phrase("store created"))
    check_gates([store.id])
    return store


def _rows(store_id: int) -> list[tuple[Any, ...]]:
    skip = {"id", "store_id", "created_at", "updated_at"}
    columns = [column for column in Task.__table__.columns if column.name not in skip]
    # SQL NULL and JSON null read back alike: say which each JSON column holds, too.
    nulls = [Task.recurrence.is_(None), Task.gate.is_(None)]
    return [
        tuple(row)
        for row in db.session.execute(
            select(*columns, *nulls).where(Task.store_id == store_id).order_by(Task.id)
        )
    ]


def _log(store_id: int) -> list[tuple[Any, ...]]:
    return [
        (kind, message, phrase_json, task_id is not None)
        for kind, message, phrase_json, task_id in db.session.execute(
            select(Activity.kind, Activity.message, Activity.phrase, Activity.task_id)
            .where(Activity.store_id == store_id, Activity.kind != "store_created")
            .order_by(Activity.id)
        )
    ]


def test_a_new_store_gets_the_same_rows_as_before(make_user, catalog):
    manager = make_user()
    save_checklist(_body("launch", 8), catalog, actor=manager)
    db.session.commit()
    for number, (profile, opened_on) in enumerate(zip(PROFILES, OPENED, strict=True)):
        raw = {"name": f"Store {number}", "opened_on": opened_on, **profile}
        new, _ = create_store(parse_store_input(raw, catalog), catalog, actor=manager, today=TODAY)
        old = _as_before(parse_store_input(raw, catalog), catalog, manager)
        db.session.commit()
        db.session.expire_all()
        rows = _rows(new.id)
        assert rows, f"store {number} has a plan"
        assert rows == _rows(old.id)
        assert _log(new.id) == _log(old.id)

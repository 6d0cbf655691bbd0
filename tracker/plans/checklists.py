"""Saving a checklist: check it, preview what it changes in which stores, apply it.

Every save is a new version. Applying one compares only that checklist's tasks in each
store (keys ``sop.<checklist key>.``): new steps become tasks, open tasks move or change,
steps no longer there retire their open tasks; done tasks and their history stay as they
were. Stores are read once and their tasks in one query, whatever the number of entries.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import insert, select

from tracker.activity.services import write_activity
from tracker.auth.models import User
from tracker.checklists.models import Checklist, ChecklistVersion
from tracker.checklists.schemas import ChecklistInput
from tracker.clock import local_today, utcnow
from tracker.columns import MAX_ID, get_by_id
from tracker.errors import InputError, NotFound, RuleError, load_input
from tracker.extensions import db
from tracker.plans.sync import (
    PlanChanges,
    PlannedChecklist,
    apply_plan_changes,
    new_task_rows,
    only_assignable,
    plan_changes,
)
from tracker.playbook.catalog import Catalog
from tracker.playbook.checklists import BODY, checklist_entries, checklist_from_json
from tracker.playbook.checklists import Checklist as ChecklistSpec
from tracker.playbook.phrases import Phrase, phrase, phrase_plural
from tracker.playbook.seeds import SeedError
from tracker.stores.models import Store
from tracker.tasks.gates import check_gates
from tracker.tasks.models import Task

_FIELD = re.compile(r"^field '([^']+)': ")


@dataclass
class StoreEffect:
    """What a checklist does to one store's tasks."""

    store: Store
    changes: PlanChanges


@dataclass
class ChecklistPreview:
    """What saving (or deleting) a checklist does, store by store."""

    effects: list[StoreEffect] = field(default_factory=list)

    @property
    def changed(self) -> list[StoreEffect]:
        return [effect for effect in self.effects if not effect.changes.is_empty]

    def totals(self) -> dict[str, int]:
        totals = {"stores": len(self.changed), "matching_stores": len(self.effects)}
        for effect in self.effects:
            for name, count in effect.changes.summary().items():
                totals[name] = totals.get(name, 0) + count
        for name in ("added", "moved", "updated", "retired", "missed", "done_untouched"):
            totals.setdefault(name, 0)
        return totals

    def sentence_parts(self) -> list[Phrase]:
        """What saving does, part by part: "12 stores change", "3 new tasks", ..."""
        totals = self.totals()
        if not totals["stores"]:
            return [phrase("No store's tasks change.")]
        parts = [phrase_plural("%(num)s store changes", "%(num)s stores change", totals["stores"])]
        if totals["added"]:
            parts.append(phrase_plural("%(num)s new task", "%(num)s new tasks", totals["added"]))
        if totals["moved"]:
            parts.append(
                phrase_plural("%(num)s open task moves", "%(num)s open tasks move", totals["moved"])
            )
        if totals["updated"]:
            parts.append(
                phrase_plural(
                    "%(num)s open task is updated",
                    "%(num)s open tasks are updated",
                    totals["updated"],
                )
            )
        if totals["retired"]:
            parts.append(
                phrase_plural(
                    "%(num)s open task retires", "%(num)s open tasks retire", totals["retired"]
                )
            )
        return parts

    def sentence(self) -> str:
        """The parts in one English line, for the API and the command line."""
        return "; ".join(str(part) for part in self.sentence_parts()) + "."

    def to_json(self) -> dict[str, Any]:
        return {
            **self.totals(),
            "text": str(self.sentence()),
            "changes": [
                {"store_id": e.store.id, "name": e.store.name, **e.changes.summary()}
                for e in self.changed
            ],
        }


def read_checklist(
    raw: Any, catalog: Catalog, *, version: int = 1, where: str = BODY
) -> ChecklistSpec:
    """Check a checklist from outside (form, API, file): its fields, then the playbook rules."""
    body = load_input(ChecklistInput(), raw)
    applies = {k: v for k, v in (body.get("applies_to") or {}).items() if v is not None}
    body["applies_to"] = applies
    spec = checklist_from_json(body)
    _check_assignees(spec)
    try:
        checklist_entries(spec, catalog, version=version, where=where)
    except SeedError as error:
        raise _input_error(error, spec) from None
    return spec


def _check_assignees(spec: ChecklistSpec) -> None:
    """A default assignee is someone who can log in."""
    wanted = {entry.assignee_id for entry in spec.entries if entry.assignee_id is not None}
    if not wanted:
        return
    # An id no column can hold belongs to nobody; the database would refuse the number.
    possible = {ident for ident in wanted if 0 < ident <= MAX_ID}
    found = set(
        db.session.scalars(select(User.id).where(User.id.in_(possible), User.active.is_(True)))
        if possible
        else ()
    )
    for entry in spec.entries:
        if entry.assignee_id is not None and entry.assignee_id not in found:
            raise InputError.one(
                "entries",
                phrase(
                    "entry '%(entry)s': %(problem)s",
                    entry=entry.key,
                    problem=phrase("no active person has the id %(id)s", id=entry.assignee_id),
                ),
            )


def _input_error(error: SeedError, spec: ChecklistSpec) -> InputError:
    message = error.message
    found = _FIELD.match(str(message))
    named = found.group(1) if found else None
    if error.entry is not None and error.entry != spec.key:
        return InputError.one(
            "entries", phrase("entry '%(entry)s': %(problem)s", entry=error.entry, problem=message)
        )
    return InputError.one(named or "body", message)


def list_checklists(*, retired: bool = False) -> list[Checklist]:
    query = select(Checklist).order_by(Checklist.name, Checklist.id)
    if not retired:
        query = query.where(Checklist.retired_at.is_(None))
    return list(db.session.scalars(query))


def get_checklist(checklist_id: int) -> Checklist:
    checklist = get_by_id(Checklist, checklist_id)
    if checklist is None or checklist.retired_at is not None:
        raise NotFound(phrase("no such checklist"))
    return checklist


def preview_checklist(
    spec: ChecklistSpec | None,
    catalog: Catalog,
    *,
    key: str,
    version: int,
    today: date | None = None,
) -> ChecklistPreview:
    """Say what ``spec`` (None: the checklist gone) would do to every store, changing nothing."""
    planned = [PlannedChecklist.of(spec, version, catalog)] if spec is not None else []
    prefix = f"sop.{key}."
    stores = list(db.session.scalars(select(Store).order_by(Store.id)))
    tasks_by_store: dict[int, list[Task]] = defaultdict(list)
    for task in db.session.scalars(
        select(Task).where(Task.key.startswith(prefix, autoescape=True))
    ):
        tasks_by_store[task.store_id].append(task)
    preview = ChecklistPreview()
    # Stores with none of this checklist's tasks yet and the same profile on the same day get
    # the same new tasks: worked out once (the rows take their store at insert).
    alike: dict[tuple[Any, date], PlanChanges] = {}
    for store in stores:
        existing = tasks_by_store.get(store.id, [])
        if not existing and (spec is None or not spec.applies_to_store(store.id)):
            continue
        profile, store_today = store.profile(), today or local_today(store.zone)
        changes = None if existing else alike.get((profile, store_today))
        if changes is None:
            changes = plan_changes(
                store,
                profile,
                catalog,
                store_today,
                checklists=planned,
                only=prefix,
                existing_tasks=existing,
            )
            if not existing:
                alike[(profile, store_today)] = changes
        if spec is not None and not existing and not changes.added:
            continue  # not a store this checklist is for
        preview.effects.append(StoreEffect(store, changes))
    return preview


def apply_preview(
    preview: ChecklistPreview, *, actor: User | None, reason: str
) -> ChecklistPreview:
    """Apply each store's changes; flush, not commit."""
    added: list[dict[str, Any]] = []
    logged: list[dict[str, Any]] = []
    for effect in preview.changed:
        apply_plan_changes(
            effect.store,
            effect.changes,
            actor=actor,
            reason=reason,
            add_new=False,
            flush=False,
            log_rows=logged,
        )
        added += new_task_rows(effect.store, effect.changes)
    db.session.flush()
    write_activity(logged)  # every store's log entries in one statement too
    added = only_assignable(added)
    if added:
        # Every store's new rows in one bulk INSERT (batched by the driver), not one per task.
        # Rows whose JSON columns are empty are inserted apart: alike rows side by side.
        added.sort(key=lambda values: tuple(value is None for value in values.values()))
        db.session.execute(insert(Task), added)
    if preview.changed:
        check_gates([effect.store.id for effect in preview.changed])
    return preview


def save_checklist(
    raw: Any,
    catalog: Catalog,
    *,
    actor: User | None,
    checklist: Checklist | None = None,
    dry_run: bool = False,
    today: date | None = None,
) -> tuple[Checklist | None, int, ChecklistPreview]:
    """Create (``checklist`` None) or change a checklist as a new version, and apply it.

    With ``dry_run`` nothing is saved: the preview says what saving would do.
    """
    if checklist is None and isinstance(raw, Mapping) and isinstance(raw.get("key"), str):
        checklist = db.session.scalar(select(Checklist).where(Checklist.key == raw["key"]))
        if checklist is not None and checklist.retired_at is None:
            raise RuleError(
                "checklist_exists",
                phrase("A checklist with key '%(key)s' exists already.", key=raw["key"]),
                "key",
            )
    version = (checklist.version + 1) if checklist is not None else 1
    spec = read_checklist(raw, catalog, version=version)
    if checklist is not None and spec.key != checklist.key:
        raise InputError.one(
            "key", phrase("cannot change (it names the tasks); copy into a new checklist instead")
        )
    preview = preview_checklist(spec, catalog, key=spec.key, version=version, today=today)
    if dry_run:
        return checklist, version, preview
    body = spec.to_json()
    if checklist is None:
        checklist = Checklist(key=spec.key)
        db.session.add(checklist)
    checklist.name = spec.name
    checklist.description = spec.description
    checklist.applies_to = body["applies_to"]
    checklist.entries = body["entries"]
    checklist.version = version
    checklist.retired_at = None
    checklist.updated_by = actor
    db.session.flush()
    reason = phrase("checklist %(name)s, version %(version)s", name=spec.name, version=version)
    apply_preview(preview, actor=actor, reason=str(reason))
    db.session.add(
        ChecklistVersion(
            checklist_id=checklist.id,
            version=version,
            body=body,
            summary=preview.totals(),
            saved_by=actor,
        )
    )
    db.session.flush()
    return checklist, version, preview


def delete_checklist(
    checklist: Checklist, catalog: Catalog, *, actor: User | None, today: date | None = None
) -> ChecklistPreview:
    """Retire a checklist and its open tasks; done tasks and its versions stay."""
    preview = preview_checklist(
        None, catalog, key=checklist.key, version=checklist.version, today=today
    )
    checklist.retired_at = utcnow()
    checklist.updated_by = actor
    reason = phrase("checklist %(name)s deleted", name=checklist.name)
    apply_preview(preview, actor=actor, reason=str(reason))
    return preview


def checklist_versions(checklist: Checklist) -> Sequence[ChecklistVersion]:
    return list(
        db.session.scalars(
            select(ChecklistVersion)
            .where(ChecklistVersion.checklist_id == checklist.id)
            .order_by(ChecklistVersion.version.desc())
        )
    )

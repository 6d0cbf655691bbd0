"""The open work that stands between one store and ready, grouped the way the rule counts it."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.extensions import db
from tracker.playbook.catalog import Catalog
from tracker.playbook.phrases import Name, Phrase, phrase
from tracker.readiness.queries import PeakScope, Scope, StoreReadiness
from tracker.tasks.models import Task
from tracker.tasks.queries import done_keys


@dataclass
class WorkGroup:
    """Open tasks of one phase of onboarding, one coming peak, or other overdue work."""

    kind: str  # "phase", "peak" or "other"
    anchor: str  # the page's id for the group
    title: Phrase | Name
    scope: Scope | None = None
    entries: list[tuple[Task, list[str]]] = field(default_factory=list)

    @property
    def peak(self) -> PeakScope | None:
        return self.scope if isinstance(self.scope, PeakScope) else None


def open_work(readiness: StoreReadiness, catalog: Catalog) -> list[WorkGroup]:
    """Each scope's open tasks, oldest first, with what keeps any of them locked."""
    store, today = readiness.store, readiness.today
    tasks = db.session.scalars(
        select(Task)
        .where(Task.store_id == store.id, Task.status == "open")
        .options(selectinload(Task.assignee))
        .order_by(Task.due_on, Task.id)
    ).all()
    done = done_keys(store.id)
    phases = {
        phase: WorkGroup(
            "phase",
            f"phase-{phase}",
            Name("phase", phase, catalog.phases[phase].name),
            readiness.onboarding,
        )
        for phase in catalog.readiness.onboarding_phases
    }
    peaks = {
        (peak.key, peak.falls_on): WorkGroup(
            "peak",
            f"peak-{peak.key}-{peak.falls_on}",
            phrase("%(peak)s %(date)s", peak=Name("peak", peak.key, peak.name), date=peak.falls_on),
            peak,
        )
        for peak in readiness.peaks
    }
    other = WorkGroup("other", "other-overdue", phrase("Other overdue work"))
    for task in tasks:
        entry = (task, task.lock_reasons(today, done, store.followers))
        if task.phase in phases:
            phases[task.phase].entries.append(entry)
        elif (
            task.peak_key is not None
            and task.peak_date is not None
            and (task.peak_key, task.peak_date) in peaks
            and task.due_on <= task.peak_date
        ):
            peaks[(task.peak_key, task.peak_date)].entries.append(entry)
        elif task.due_on < today:
            other.entries.append(entry)
    return [*phases.values(), *peaks.values(), other]

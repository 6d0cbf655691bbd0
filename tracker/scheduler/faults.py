"""Record what the scheduler's work keeps failing on, for managers and the health check."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from tracker.auth.models import User
from tracker.extensions import db
from tracker.faults import Fault
from tracker.scheduler.models import SchedulerFault
from tracker.stores.models import Store

SHOWN_FAULTS = 100


def _subject(fault: Fault) -> str:
    if fault.store_id is not None:
        return f"store:{fault.store_id}"
    if fault.user_id is not None:
        return f"person:{fault.user_id}"
    return "everyone"


def record_faults(faults: Sequence[Fault], *, since: datetime, now: datetime) -> None:
    """Note each fault met since ``since`` and forget older ones that no longer fail; commit.

    Several schedulers may record the same fault at once: the first one wins, which is the
    same record.
    """
    known = {(f.stage, f.subject): f for f in db.session.scalars(select(SchedulerFault))}
    met = set()
    for fault in faults:
        key = (fault.stage, _subject(fault))
        if key in met:
            continue  # one row per store or person and stage, however many tasks failed
        met.add(key)
        row = known.get(key)
        if row is None:
            db.session.add(
                SchedulerFault(
                    stage=fault.stage,
                    subject=key[1],
                    store_id=fault.store_id,
                    user_id=fault.user_id,
                    error=fault.error,
                    first_seen_at=now,
                    last_seen_at=now,
                )
            )
        else:
            row.error = fault.error
            row.last_seen_at = now
            row.occurrences += 1
    db.session.execute(delete(SchedulerFault).where(SchedulerFault.last_seen_at < since))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # another scheduler noted the same fault a moment ago


@dataclass(frozen=True)
class ShownFault:
    """A fault as managers and the health check see it."""

    stage: str
    error: str
    store: Store | None
    person: User | None
    first_seen_at: datetime
    last_seen_at: datetime
    occurrences: int

    @property
    def who(self) -> str:
        """Whom the fault concerns, in plain words an operator can search for."""
        if self.store is not None:
            return f"store {self.store.name!r}"
        if self.person is not None:
            return f"person {self.person.email}"
        return "everyone"


def current_faults(limit: int = SHOWN_FAULTS) -> list[ShownFault]:
    """The faults the scheduler's latest ticks met, newest first."""
    rows = db.session.scalars(
        select(SchedulerFault)
        .options(selectinload(SchedulerFault.store), selectinload(SchedulerFault.person))
        .order_by(SchedulerFault.last_seen_at.desc(), SchedulerFault.id)
        .limit(limit)
    ).all()
    return [
        ShownFault(
            row.stage,
            row.error,
            row.store,
            row.person,
            row.first_seen_at,
            row.last_seen_at,
            row.occurrences,
        )
        for row in rows
    ]

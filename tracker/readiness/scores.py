"""Each store's readiness counts, kept between requests and counted again only when stale.

The portfolio needs every store's score (totals, the worst-first sort, filters, CSV,
API), and counting them means reading every live task of every store. So the counts of
each store are stored (``store_scores``) with the day they were counted for and the
store's *work version* they were counted at, and a request counts again only the stores
whose version moved, whose own today is another day, or whose readiness rule changed.

The work version cannot be forgotten by a write path: triggers on ``tasks`` keep it,
whatever writes the rows (the ORM, bulk INSERTs and UPDATEs, the roll forward, imports,
deletes, cascades, hand-written SQL).

* SQLite (one writer at a time) bumps a per-store counter in ``store_work`` for each row.
* PostgreSQL appends one row per store and writing transaction to ``store_work_changes``
  (a statement trigger over the transition tables), so writers never wait on one another
  for a shared counter row, and never deadlock over it. A reader that counts a store
  again folds its committed change rows into ``store_work.version`` in the same
  transaction, so ``store_work.version + count(store_work_changes)`` only ever grows.

A store's current version is read *before* its tasks are counted and stored with the
counts: a write committed in between makes the stored version older than the current one,
so the counts are taken again next time; a stored score is never newer than its version.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    DDL,
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    String,
    event,
    func,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import Model, db
from tracker.stores.models import Store
from tracker.tasks.models import Task

# Bump when the shape of ``figures`` changes: every stored score is then counted again.
FORMAT = 3


class StoreScore(Model):
    """One store's readiness counts, as of ``day`` (its own today) and work ``version``."""

    __tablename__ = "store_scores"

    store_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)
    day: Mapped[date]
    rule: Mapped[str] = mapped_column(String(16))
    figures: Mapped[dict[str, Any]] = mapped_column(db.JSON)
    # What the portfolio sorts, filters and counts the store by, worked out from ``figures``
    # on ``day`` under ``rule`` for the store's market and type (``basis``), so a page reads
    # a few columns of every store and the figures of only the stores it shows.
    basis: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str | None] = mapped_column(String(16))
    onboarding_percent: Mapped[int | None]
    peak_on: Mapped[date | None]
    peak_percent: Mapped[int | None]
    overdue: Mapped[int | None]
    blocked: Mapped[int | None]


# The columns of a store's summary (``Summary`` in ``tracker.readiness.queries``).
SUMMARY_COLUMNS = (
    "basis",
    "status",
    "onboarding_percent",
    "peak_on",
    "peak_percent",
    "overdue",
    "blocked",
)


class StoreWork(Model):
    """How many times the store's tasks changed (on PostgreSQL: those folded in so far)."""

    __tablename__ = "store_work"

    store_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class StoreWorkChange(Model):
    """PostgreSQL: a transaction wrote tasks of the store (not yet folded into ``store_work``)."""

    __tablename__ = "store_work_changes"

    store_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    xact: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)


# --- the triggers (also in migration e5a7c9b1d3f2_stored_readiness_scores) -----------

SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER tasks_store_work_insert AFTER INSERT ON tasks BEGIN
        INSERT INTO store_work (store_id, version) VALUES (NEW.store_id, 1)
        ON CONFLICT (store_id) DO UPDATE SET version = version + 1;
    END
    """,
    """
    CREATE TRIGGER tasks_store_work_update AFTER UPDATE ON tasks BEGIN
        INSERT INTO store_work (store_id, version) VALUES (NEW.store_id, 1)
        ON CONFLICT (store_id) DO UPDATE SET version = version + 1;
        INSERT INTO store_work (store_id, version)
        SELECT OLD.store_id, 1 WHERE OLD.store_id <> NEW.store_id
        ON CONFLICT (store_id) DO UPDATE SET version = version + 1;
    END
    """,
    """
    CREATE TRIGGER tasks_store_work_delete AFTER DELETE ON tasks BEGIN
        INSERT INTO store_work (store_id, version) VALUES (OLD.store_id, 1)
        ON CONFLICT (store_id) DO UPDATE SET version = version + 1;
    END
    """,
)

POSTGRESQL_TRIGGERS = (
    """
    CREATE FUNCTION tasks_note_store_work() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO store_work_changes (store_id, xact)
            SELECT DISTINCT store_id, txid_current() FROM new_rows
            ON CONFLICT DO NOTHING;
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            INSERT INTO store_work_changes (store_id, xact)
            SELECT DISTINCT store_id, txid_current() FROM old_rows
            ON CONFLICT DO NOTHING;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER tasks_store_work_insert AFTER INSERT ON tasks
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tasks_note_store_work()
    """,
    """
    CREATE TRIGGER tasks_store_work_update AFTER UPDATE ON tasks
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tasks_note_store_work()
    """,
    """
    CREATE TRIGGER tasks_store_work_delete AFTER DELETE ON tasks
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tasks_note_store_work()
    """,
)

DROP_TRIGGERS = {
    "sqlite": (
        "DROP TRIGGER IF EXISTS tasks_store_work_insert",
        "DROP TRIGGER IF EXISTS tasks_store_work_update",
        "DROP TRIGGER IF EXISTS tasks_store_work_delete",
    ),
    "postgresql": (
        "DROP TRIGGER IF EXISTS tasks_store_work_insert ON tasks",
        "DROP TRIGGER IF EXISTS tasks_store_work_update ON tasks",
        "DROP TRIGGER IF EXISTS tasks_store_work_delete ON tasks",
        "DROP FUNCTION IF EXISTS tasks_note_store_work()",
    ),
}

# ``create_all`` (tests, a first SQLite database) makes the triggers with the tables.
for _statement in SQLITE_TRIGGERS:
    event.listen(Task.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in POSTGRESQL_TRIGGERS:
    event.listen(Task.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql"))
for _dialect, _statements in DROP_TRIGGERS.items():
    for _statement in _statements:
        event.listen(Task.__table__, "before_drop", DDL(_statement).execute_if(dialect=_dialect))


# --- reading and keeping scores -----------------------------------------------------


def rule_mark(*parts: Any) -> str:
    """A short fingerprint of what the counts depend on besides the tasks (the rule).

    The same in every process: sets are marked in sorted order (a set's own order, and so
    its ``repr``, changes with each process's string hashing), so scores one process stores
    hold for the others (other web machines, a restarted one, the scheduler).
    """
    return hashlib.sha1(repr(_canonical((FORMAT, *parts))).encode()).hexdigest()[:16]


def _canonical(value: Any) -> Any:
    """``value`` with every set sorted and every dataclass as its type and fields."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (
            type(value).__name__,
            tuple((f.name, _canonical(getattr(value, f.name))) for f in dataclasses.fields(value)),
        )
    if isinstance(value, (set, frozenset)):
        return ("set", tuple(sorted(repr(_canonical(item)) for item in value)))
    if isinstance(value, Mapping):
        return (
            "map",
            tuple(sorted((repr(_canonical(k)), _canonical(v)) for k, v in value.items())),
        )
    if isinstance(value, (list, tuple)):
        return tuple(_canonical(item) for item in value)
    return value


def work_version(store_id: Any) -> ColumnElement[int]:
    """The store's current work version: folded changes plus those not yet folded."""
    pending = (
        select(func.count())
        .select_from(StoreWorkChange)
        .where(StoreWorkChange.store_id == store_id)
        .scalar_subquery()
    )
    folded = select(StoreWork.version).where(StoreWork.store_id == store_id).scalar_subquery()
    return func.coalesce(folded, 0) + pending


@dataclass(frozen=True)
class Stored:
    """A store's current work version and what is stored for it (None: nothing)."""

    version: int
    counted_at: int | None
    day: date | None
    rule: str | None
    figures: dict[str, Any] | None
    basis: str | None = None

    def holds(self, day: date, rule: str, basis: str) -> bool:
        """Whether the stored counts are the store's as of ``day`` under ``rule``, and its
        summary was worked out for the store's ``basis`` (its market, type and followers)."""
        return (
            self.figures is not None
            and self.counted_at == self.version
            and self.day == day
            and self.rule == rule
            and self.basis == basis
        )


def stored_scores(ids: Select[Any]) -> dict[int, Stored]:
    """Each chosen store's current work version and its stored score, in one query."""
    rows = db.session.execute(
        select(
            Store.id,
            work_version(Store.id),
            StoreScore.version,
            StoreScore.day,
            StoreScore.rule,
            StoreScore.figures,
            StoreScore.basis,
        )
        .select_from(Store)
        .outerjoin(StoreScore, StoreScore.store_id == Store.id)
        .where(Store.id.in_(ids))
    ).all()
    return {
        store_id: Stored(int(version), counted_at, day, rule, figures, basis)
        for store_id, version, counted_at, day, rule, figures, basis in rows
    }


@dataclass(frozen=True)
class Recount:
    """A store's counts just taken again, not stored yet: as of ``day`` (its own today),
    at work ``version`` (read before the counting), under ``rule``."""

    store_id: int
    version: int
    day: date
    rule: str
    figures: dict[str, Any]
    # The store's summary worked out from these counts (the values of ``SUMMARY_COLUMNS``).
    summary: Mapping[str, Any]


def keep_scores(recounts: Iterable[Recount]) -> None:
    """Store the counts just taken for these stores, with each one's summary; fold their
    change rows (PostgreSQL).

    Flush only: the caller commits (a request that is rolled back keeps nothing). The
    first write takes SQLite's one write lock until that commit, so a page stores its
    scores once it is drawn and commits at once (see ``tracker.web.readiness``).
    """
    # Always in the same order: two readers storing the same stores never deadlock.
    rows = sorted(recounts, key=lambda recount: recount.store_id)
    if not rows:
        return
    ids = [row.store_id for row in rows]
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(StoreScore)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[StoreScore.store_id],
            set_={
                "version": statement.excluded.version,
                "day": statement.excluded.day,
                "rule": statement.excluded.rule,
                "figures": statement.excluded.figures,
                **{name: statement.excluded[name] for name in SUMMARY_COLUMNS},
            },
        ),
        [
            {
                "store_id": row.store_id,
                "version": row.version,
                "day": row.day,
                "rule": row.rule,
                "figures": row.figures,
                **{name: row.summary[name] for name in SUMMARY_COLUMNS},
            }
            for row in rows
        ],
    )
    if dialect == "postgresql":
        _fold_changes(ids)


def fold_work_changes() -> None:
    """Fold every store's committed change rows into its counter (PostgreSQL; flush only).

    A page folds the rows of the stores it counts again; the tick calls this so that the
    rows of stores nobody views do not pile up. Versions are the same before and after.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return
    ids = db.session.scalars(select(StoreWorkChange.store_id).distinct()).all()
    for start in range(0, len(ids), 1000):
        _fold_changes(ids[start : start + 1000])


def _fold_changes(ids: Collection[int]) -> None:
    """Move the stores' committed change rows into their counter, in one statement.

    Rows another reader is folding right now are skipped (theirs to fold), so readers never
    wait on each other here; the sum of both tables is the same before and after.
    """
    db.session.execute(
        text(
            """
            WITH gone AS (
                DELETE FROM store_work_changes
                WHERE (store_id, xact) IN (
                    SELECT store_id, xact FROM store_work_changes
                    WHERE store_id = ANY(:ids)
                    FOR UPDATE SKIP LOCKED
                )
                RETURNING store_id
            )
            INSERT INTO store_work (store_id, version)
            SELECT store_id, count(*) FROM gone GROUP BY store_id ORDER BY store_id
            ON CONFLICT (store_id)
            DO UPDATE SET version = store_work.version + excluded.version
            """
        ),
        {"ids": list(ids)},
    )

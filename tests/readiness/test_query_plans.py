"""The portfolio reads one activity entry a shown store, whatever the size of its log.

Issue 16: the last activity of the 50 stores a portfolio page shows was asked as "the
entries whose id is the newest of its store". Both databases answered by reading every
entry of those stores (and PostgreSQL, at 1,000 stores, the whole log twice: 17,524 rows,
3 ms of the page), and a store's log only grows. Asked store by store, the newest entry is
the last one in the (store, id) index. PostgreSQL says how many rows each step read
(``EXPLAIN ANALYZE``); SQLite does not, so its half only guards the index's use.
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import insert, select

from tests.statements import statements_sent
from tracker.activity.models import Activity
from tracker.catalog import get_catalog
from tracker.extensions import db
from tracker.readiness.queries import portfolio
from tracker.stores.models import Store

SHOWN = 3  # stores with their plans, shown
OTHERS = 300  # the rest of the company (plain store rows): a store is a small part of the log
ENTRIES = 20  # a store's entries


def activity_reads() -> AbstractContextManager[list[tuple[str, Any]]]:
    """The statements (and their parameters) that read the activity log, as they are sent."""
    return statements_sent(lambda statement: "FROM activities" in statement)


def entries_read(statement: str, parameters: Any) -> tuple[str, int | None]:
    """The database's plan for one statement, as text, and on PostgreSQL how many activity
    entries running it read (its statistics taken first, as autovacuum keeps them)."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        return "\n".join(str(row[-1]) for row in rows), None
    connection.exec_driver_sql("ANALYZE activities")
    (plan,) = connection.exec_driver_sql(
        f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", parameters
    ).scalar_one()

    def read(node: dict[str, Any]) -> int:
        own = (
            node["Actual Rows"] * node["Actual Loops"]
            if node.get("Relation Name") == ("activities")
            else 0
        )
        return own + sum(read(child) for child in node.get("Plans", ()))

    return json.dumps(plan), read(plan["Plan"])


def test_the_newest_activity_of_shown_stores_is_read_from_their_index(app, make_user, make_store):
    manager = make_user("manager")
    shown = [make_store(actor=manager, name=f"Store {n}").id for n in range(SHOWN)]
    row = db.session.execute(select(Store.__table__).where(Store.id == shown[0])).mappings().one()
    db.session.execute(
        insert(Store.__table__),
        [
            {**{k: v for k, v in row.items() if k != "id"}, "name": f"Other {n}"}
            for n in range(OTHERS)
        ],
    )
    stores = db.session.scalars(select(Store.id)).all()
    db.session.execute(
        insert(Activity),
        [
            {"store_id": store_id, "kind": "note", "message": "said"}
            for _ in range(ENTRIES)
            for store_id in stores
        ],
    )
    db.session.commit()
    with activity_reads() as seen:
        rows = portfolio(manager, get_catalog(), store_ids=shown)
    assert all(row.last_activity_at is not None for row in rows)
    assert seen, "the portfolio read no activity"
    plan, read = entries_read(*seen[0])
    if read is not None:
        assert read <= len(shown), (read, plan)
    assert "ix_activities_store_id_id" in plan, plan
    assert "SCAN activities" not in plan, plan

"""The portfolio page, its CSV and the readiness API cost a fixed count for 10 and 300 stores."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, insert, select, update

from tests.readiness.conftest import onboarding_task, tick_up_to
from tracker.activity.models import Activity
from tracker.auth.services import create_token
from tracker.extensions import db
from tracker.stores.models import Store
from tracker.tasks.models import Task
from tracker.web.readiness import PAGE_SIZE

MARKETS = (("US", "pop"), ("UK", "full_managed"), ("TH", "pop"), ("SA", "full_managed"))
# A fixed cost (login, the person, the inbox count, then the readiness queries),
# whatever the number of stores.
MOST_STATEMENTS = 14


def _copy_stores(templates: list[Store], count: int) -> None:
    """Add ``count`` stores copied row for row from the templates, with their tasks and logs."""
    store_columns = [c for c in Store.__table__.columns if c.name != "id"]
    task_columns = [c for c in Task.__table__.columns if c.name not in ("id", "store_id")]
    activity_columns = [c for c in Activity.__table__.columns if c.name not in ("id", "store_id")]
    for number in range(count):
        template = templates[number % len(templates)]
        row = db.session.execute(
            select(*store_columns).where(Store.__table__.c.id == template.id)
        ).one()
        values = dict(row._mapping) | {"name": f"Copy {number} of {template.name}"}
        new_id = db.session.execute(
            insert(Store.__table__).values(values).returning(Store.__table__.c.id)
        ).scalar_one()
        tasks = db.session.execute(
            select(*task_columns).where(Task.__table__.c.store_id == template.id)
        ).all()
        db.session.execute(
            insert(Task.__table__), [dict(t._mapping) | {"store_id": new_id} for t in tasks]
        )
        logs = db.session.execute(
            select(*activity_columns)
            .where(Activity.__table__.c.store_id == template.id, Activity.task_id.is_(None))
            .limit(3)
        ).all()
        if logs:
            db.session.execute(
                insert(Activity.__table__), [dict(a._mapping) | {"store_id": new_id} for a in logs]
            )
    db.session.commit()


@pytest.mark.usefixtures("on_the_fixed_day")
def test_the_portfolio_costs_the_same_for_10_stores_and_300(
    client, login, manager, make_store, count_queries
):
    templates = []
    for number in range(10):
        market, model = MARKETS[number % len(MARKETS)]
        categories = ["home"] if market != "US" else ["beauty"]
        store = make_store(
            actor=manager,
            name=f"Store {number} {market}",
            market=market,
            model=model,
            categories=categories,
            opened_on="2026-09-01",
            today=date(2026, 10, 1),
        )
        if number % 3:  # some keep up, some let one task slip
            slipped = onboarding_task(store, critical=number % 2 == 0)
            tick_up_to(store, manager, date(2026, 11, 27), leave=[slipped.id] if slipped else [])
        templates.append(store)
    _, secret = create_token(manager, "count")
    db.session.commit()
    bearer = {"Authorization": f"Bearer {secret}"}
    login(manager)

    def cost(path: str, **kwargs) -> tuple[int, int]:
        client.get(path, **kwargs)  # warm: the token's last use, the session
        with count_queries() as counter:
            response = client.get(path, **kwargs)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        shown = (
            len(response.get_json())
            if response.is_json
            else response.get_data(as_text=True).count("<tr data-store-id=")
        )
        return counter.count, shown

    small = {
        "page": cost("/readiness"),
        "print": cost("/readiness?print=1"),
        "api": cost("/api/v1/readiness", headers=bearer),
        "csv": cost("/readiness.csv"),
    }
    _copy_stores(templates, 290)
    assert db.session.scalar(select(func.count()).select_from(Store)) == 300
    large = {
        "page": cost("/readiness"),
        "print": cost("/readiness?print=1"),
        "api": cost("/api/v1/readiness", headers=bearer),
        "csv": cost("/readiness.csv"),
    }
    assert small["page"][1] == small["print"][1] == small["api"][1] == 10
    # The page shows a page of stores; the printable page, every one.
    assert large["page"][1] == PAGE_SIZE
    assert large["print"][1] == large["api"][1] == 300
    for name in small:
        assert small[name][0] == large[name][0], (name, small, large)
        assert small[name][0] <= MOST_STATEMENTS, (name, small)


@pytest.mark.usefixtures("on_the_fixed_day")
def test_counting_changed_stores_again_costs_the_same_for_one_store_and_many(
    client, login, manager, make_store, count_queries
):
    """After writes, the page counts again only the changed stores, in a fixed count."""
    stores = [
        make_store(
            actor=manager,
            name=f"Store {number}",
            opened_on="2026-09-01",
            today=date(2026, 10, 1),
        )
        for number in range(6)
    ]
    login(manager)

    def cost_after_writes_to(changed: list[Store]) -> int:
        client.get("/readiness")  # every score stored
        db.session.execute(
            update(Task)
            .where(Task.store_id.in_([store.id for store in changed]))
            .values(note="changed")
        )
        db.session.commit()
        with count_queries() as counter:
            response = client.get("/readiness")
        assert response.status_code == 200
        return counter.count

    one = cost_after_writes_to(stores[:1])
    many = cost_after_writes_to(stores[1:])
    nothing = cost_after_writes_to([])
    assert one == many
    # Counting again: which stores changed, the two aggregate passes, the gated tasks past
    # due (and what their gates wait for, when there are some), storing the scores (and on
    # PostgreSQL folding the change rows).
    assert nothing + 5 <= one <= nothing + 7

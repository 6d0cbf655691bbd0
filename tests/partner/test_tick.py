"""The scheduler's tick syncs connected stores; a store the platform fails is a fault of its own."""

from __future__ import annotations

import time

from sqlalchemy import select

from tests.partner.fake_api import order
from tracker.extensions import db
from tracker.imports.models import OrderLine
from tracker.scheduler.tick import run_tick


def test_the_tick_syncs_connected_stores_and_records_a_failing_one(
    app, client, make_store, connect, fake, clock
):
    fake.clock = time.time  # the tick signs with the real clock
    clock.t = time.time()
    good = make_store(name="Good shop")
    connect(good)
    fake.add_shop("7000002", "US", "Failing").orders = []
    bad = make_store(name="Failing shop")
    connect(bad, shop_id="7000002")
    fake.shops["7000001"].orders = [
        order("1", created=int(clock.t) - 86400, items=[("11", "A")] * 2)
    ]
    fake.fail_always_for = {"7000002"}

    run_tick(app, name="test")

    db.session.expire_all()
    kept = db.session.scalars(select(OrderLine)).all()
    assert [(line.store_id, line.order_id, line.quantity) for line in kept] == [(good.id, "1", 2)]
    health = client.get("/healthz").get_json()
    assert any("Failing shop" in reason for reason in health["reasons"])
    assert not any("Good shop" in reason for reason in health["reasons"])

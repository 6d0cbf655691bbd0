"""A `tracker partner sync` killed (SIGKILL) in the middle of a pass resumes without doubling."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask_migrate import stamp
from sqlalchemy import select, text

from tests.partner.conftest import partner_env
from tests.partner.fake_api import order
from tracker.config import PROJECT_ROOT
from tracker.extensions import db
from tracker.imports.models import OrderLine
from tracker.partner.client import PartnerClient
from tracker.partner.models import PartnerConnection
from tracker.partner.settings import load_partner_settings, partner_config
from tracker.partner.sync import sync_store, sync_tools


@pytest.fixture
def stamped(app):
    """Mark the test database as migrated, so the command's schema check lets it be."""
    with app.app_context():
        stamp()
    yield
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("drop table if exists alembic_version"))


def _seeds_with_pages_of_two(tmp_path: Path) -> Path:
    seeds = tmp_path / "seeds"
    shutil.copytree(PROJECT_ROOT / "seeds", seeds)
    partner = seeds / "partner.toml"
    partner.write_text(partner.read_text().replace("page_size = 50", "page_size = 2"))
    return seeds


def test_a_sync_killed_mid_pass_resumes_at_its_page_and_counts_once(
    app, stamped, database_url, make_store, connect, fake, fake_url, tmp_path, clock
):
    fake.clock = time.time  # the command signs with the real clock
    clock.t = time.time()
    now = int(time.time())
    fake.shops["7000001"].orders = [
        order(f"80{n}", created=now - 86400 * (10 - n), items=[("11", "A")] * n)
        for n in range(1, 8)
    ]
    expected = {(f"80{n}", "11"): n for n in range(1, 8)}
    store = make_store()
    connect(store)
    fake.hold_page = 3  # the command's third page waits here until it is killed
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKER_", "FLASK_"))}
    env |= partner_env(fake_url) | {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "partner-kill-secret-key-0123456789abcdef",
        "TRACKER_SCHEDULER": "off",
        "TRACKER_SEEDS_DIR": str(_seeds_with_pages_of_two(tmp_path)),
    }
    script = Path(sys.executable).with_name("tracker")
    process = subprocess.Popen(
        [str(script), "partner", "sync", "--store-id", str(store.id)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert fake.holding.wait(timeout=120), process.communicate(timeout=5)
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()
    fake.hold_page = None
    fake.release.set()

    db.session.expire_all()
    killed = db.session.scalars(select(PartnerConnection)).one()
    assert killed.mid_pass and killed.page_token  # pages 1 and 2 kept with their cursor
    resume_at = killed.page_token
    kept = {(r.order_id, r.line_key): r.quantity for r in db.session.scalars(select(OrderLine))}
    assert kept == {key: expected[key] for key in list(expected)[:4]}

    # The killed process still holds the store until its lease runs out; then a run resumes.
    lease_over = killed.lease_until + timedelta(seconds=1)
    config = partner_config()
    assert config is not None
    tools = sync_tools(
        client=PartnerClient(config, load_partner_settings(str(PROJECT_ROOT / "seeds")).endpoints),
        now=lambda: max(datetime.now(UTC), lease_over),
    )
    tools.settings = load_partner_settings(str(tmp_path / "seeds"))
    searches_before = len(fake.calls("/order/202309/orders/search"))
    report = sync_store(store.id, tools)
    resumed = fake.calls("/order/202309/orders/search")[searches_before]
    assert resumed.query.get("page_token") == resume_at
    assert report.passes_done == 1
    db.session.expire_all()
    kept = {(r.order_id, r.line_key): r.quantity for r in db.session.scalars(select(OrderLine))}
    assert kept == expected
    assert db.session.scalars(select(PartnerConnection)).one().pass_until is None

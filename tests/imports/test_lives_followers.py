"""LIVE sessions and followers exports: logged as if typed, duplicates recognised, dated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests.imports.conftest import fixture_bytes, xlsx
from tracker.errors import InputError, RuleError
from tracker.extensions import db
from tracker.lives.models import LiveSession
from tracker.lives.services import log_live
from tracker.stores.models import Store
from tracker.tasks.models import Task
from tracker.tasks.services import complete_task

ZONE = ZoneInfo("America/Los_Angeles")


def test_lives_export_logs_each_session_with_its_minutes_and_gmv(shop, do_import):
    store, manager, *_ = shop
    summary = do_import(store, "lives", fixture_bytes("lives_us.csv"), manager).to_json()
    assert (summary["rows"], summary["used"], summary["skipped"]) == (3, 3, [])
    assert summary["date_order"] == "MM/DD/YYYY"
    lives = db.session.scalars(
        select(LiveSession).where(LiveSession.store_id == store.id).order_by(LiveSession.started_at)
    ).all()
    assert [(x.started_at.astimezone(ZONE).strftime("%m-%d %H:%M"), x.minutes) for x in lives] == [
        ("11-28 19:00", 125),
        ("11-29 19:02", 105),
        ("11-30 08:00", 12),
    ]
    assert [x.gmv for x in lives] == [1234.5, 310.0, 0.0]
    assert lives[0].note == "Black Friday warm-up (imported from the LIVE sessions export)"
    assert summary["changes"][0] == "live logged: 2026-11-28 19:00, 125 min"


def test_lives_already_logged_are_recognised_not_doubled(shop, do_import, catalog):
    store, manager, *_ = shop
    # Typed in by hand two minutes off the export's start.
    started = datetime(2026, 11, 29, 19, 0, tzinfo=ZONE)
    log_live(store, {"started_at": started.isoformat(), "minutes": 100}, catalog, manager)
    db.session.commit()
    summary = do_import(store, "lives", fixture_bytes("lives_us.csv"), manager).to_json()
    assert summary["skipped"] == [
        {"row": 3, "reason": "row 3: already logged (the live of 2026-11-29 19:00)"}
    ]
    assert (summary["rows"], summary["used"]) == (3, 2)
    again = do_import(store, "lives", fixture_bytes("lives_us.csv"), manager).to_json()
    assert again["changes"] == [] and len(again["skipped"]) == 3 and again["used"] == 0
    assert db.session.scalar(select(func.count()).select_from(LiveSession)) == 3


def test_an_imported_live_ticks_that_days_live_task(shop, do_import):
    store, manager, *_ = shop
    now = datetime.now(ZONE).replace(microsecond=0)
    midnight = now.replace(hour=0, minute=0, second=0)
    started = max(midnight, now - timedelta(minutes=1))  # today, never in the future
    data = f"Start time,Duration\r\n{started:%m/%d/%Y %I:%M:%S %p},1h 10min\r\n".encode()
    do_import(store, "lives", data, manager)
    task = db.session.scalars(
        select(Task).where(
            Task.store_id == store.id,
            Task.key == "live.daily",
            Task.slot == started.date().isoformat(),
        )
    ).one()
    assert task.status == "done"


def test_lives_xlsx_with_end_times_instead_of_durations(shop, do_import):
    store, manager, *_ = shop
    rows = [
        ["LIVE title", "Live Start Time", "Live End Time"],
        ["Morning", datetime(2026, 11, 20, 9, 0), datetime(2026, 11, 20, 10, 30)],
    ]
    summary = do_import(store, "lives", xlsx(rows), manager).to_json()
    assert summary["used"] == 1
    live = db.session.scalars(select(LiveSession)).one()
    assert live.minutes == 90
    assert live.started_at == datetime(2026, 11, 20, 17, 0, tzinfo=UTC)


def test_a_live_in_the_future_is_refused_with_its_row(shop, do_import):
    store, manager, *_ = shop
    data = b"Start time,Duration\n12/31/2099 08:00:00 PM,60\n"
    with pytest.raises(InputError) as refused:
        do_import(store, "lives", data, manager)
    assert str(refused.value) == "file: row 2: started_at: is in the future"
    assert db.session.scalar(select(func.count()).select_from(LiveSession)) == 0


def test_lives_of_a_fully_managed_store_are_refused(make_user, make_store, do_import):
    manager = make_user()
    store = make_store(actor=manager, model="full_managed", name="FM")
    with pytest.raises(RuleError):
        do_import(store, "lives", fixture_bytes("lives_us.csv"), manager)


def test_followers_export_sets_the_newest_figure_with_its_date(shop, do_import):
    store, manager, *_ = shop
    summary = do_import(store, "followers", fixture_bytes("followers_us.csv"), manager).to_json()
    # The rows are not in date order: 11/30 is the newest.
    assert summary["followers"] == {"count": 1250, "as_of": "2026-11-30"}
    assert summary["changes"] == ["Followers 0 → 1250 as of 2026-11-30"]
    assert db.session.get(Store, store.id).followers == 1250
    again = do_import(store, "followers", fixture_bytes("followers_us.csv"), manager).to_json()
    assert again["changes"] == []


POSITIONING = (
    "positioning.store_style",
    "positioning.product_attributes",
    "positioning.live_room_style",
    "audience.check_account_tags",
)


def test_imported_followers_open_the_ad_gate_as_typed_ones_do(
    make_user, make_store, do_import, api_as
):
    manager = make_user()
    store = make_store(actor=manager, opened_on="2026-10-01", follower_target=1000)
    for key in POSITIONING:
        task = db.session.scalars(select(Task).where(Task.store_id == store.id, Task.key == key))
        complete_task(task.one().id, manager)
    db.session.commit()

    ads = db.session.scalars(
        select(Task.id).where(Task.store_id == store.id, Task.key == "ads.launch")
    ).one()
    api = api_as(manager)

    def ads_status() -> str:
        return api.get(f"/api/v1/tasks/{ads}").json["status"]

    do_import(store, "followers", b"Date,Total followers\n2026-12-01,999\n", manager)
    assert ads_status() == "locked"
    do_import(store, "followers", b"Date,Total followers\n2026-12-02,1000\n", manager)
    assert ads_status() == "open"

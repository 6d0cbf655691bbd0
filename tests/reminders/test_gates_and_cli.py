"""A gate opening tells the people on the task; the reminder commands of CONTRACT.md."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from tracker.clock import local_today
from tracker.extensions import db
from tracker.reminders.models import Reminder
from tracker.tasks.gates import check_gates
from tracker.tasks.models import Task
from tracker.tasks.services import complete_task

POSITIONING = (
    "positioning.store_style",
    "positioning.product_attributes",
    "positioning.live_room_style",
    "audience.check_account_tags",
)


def _task(store_id: int, key: str) -> Task:
    return db.session.scalars(select(Task).where(Task.store_id == store_id, Task.key == key)).one()


def test_the_ads_task_unlocks_the_moment_followers_reach_the_target_and_says_so(
    app, make_user, make_store, api_as
):
    manager = make_user()
    manager.digest = False  # immediate reminders, chosen over the digest
    store = make_store(actor=manager, opened_on="2026-10-01", follower_target=1000)
    for key in POSITIONING:
        complete_task(_task(store.id, key).id, manager)
    db.session.commit()
    api = api_as(manager)
    ads = _task(store.id, "ads.launch")
    assert api.get(f"/api/v1/tasks/{ads.id}").json["status"] == "locked"
    assert api.patch(f"/api/v1/stores/{store.id}", json={"followers": 999}).status_code == 200
    assert api.get(f"/api/v1/tasks/{ads.id}").json["status"] == "locked"
    assert not db.session.scalars(select(Reminder).where(Reminder.kind == "gate_open")).all()
    assert api.patch(f"/api/v1/stores/{store.id}", json={"followers": 1000}).status_code == 200
    assert api.get(f"/api/v1/tasks/{ads.id}").json["status"] == "open"
    told = db.session.scalars(select(Reminder).where(Reminder.kind == "gate_open")).all()
    assert [(r.user_id, r.task_id) for r in told] == [(manager.id, ads.id)]
    assert told[0].subject.startswith("Unlocked: ")


def test_channel_accounts_unlock_the_day_after_inspection_in_the_stores_zone(
    app, make_user, make_store
):
    manager = make_user()
    manager.digest = False  # immediate reminders, chosen over the digest
    # With the US inspection's 500 orders, only its end date holds the channel gate.
    store = make_store(
        actor=manager,
        opened_on="2026-11-02",
        inspection_ends_on="2026-12-01",
        orders_to_date=500,
    )
    channel = db.session.scalars(
        select(Task).where(Task.store_id == store.id, Task.key.like("accounts.bind_channel%"))
    ).first()
    # 23:59 on the last inspection day in Los Angeles is 07:59 UTC the next day.
    check_gates([store.id], now=datetime(2026, 12, 2, 7, 59, tzinfo=UTC))
    db.session.commit()
    assert not db.session.scalars(select(Reminder).where(Reminder.task_id == channel.id)).all()
    check_gates([store.id], now=datetime(2026, 12, 2, 8, 0, tzinfo=UTC))
    db.session.commit()
    told = db.session.scalars(select(Reminder).where(Reminder.task_id == channel.id)).all()
    assert [r.kind for r in told] == ["gate_open"]


def _unlock_ads(make_user, make_store, api_as, *, opened_on: str):
    """Open the ads gate of a store opened on that day; say how many days the task has left."""
    manager = make_user()
    manager.digest = True
    store = make_store(actor=manager, opened_on=opened_on, follower_target=1000)
    for key in POSITIONING:
        complete_task(_task(store.id, key).id, manager)
    db.session.commit()
    api_as(manager).patch(f"/api/v1/stores/{store.id}", json={"followers": 1000})
    ads = _task(store.id, "ads.launch")
    told = db.session.scalars(select(Reminder).where(Reminder.kind == "gate_open")).all()
    return told, (ads.due_on - local_today(store.zone)).days


def test_a_digest_reader_is_not_interrupted_by_a_gate_opening_on_work_due_later(
    app, make_user, make_store, api_as
):
    told, days_left = _unlock_ads(make_user, make_store, api_as, opened_on="2026-11-20")
    assert days_left > 2
    assert told == []


def test_a_gate_opening_on_work_due_within_two_days_is_told_at_once_even_to_digest_readers(
    app, make_user, make_store, api_as
):
    told, days_left = _unlock_ads(make_user, make_store, api_as, opened_on="2026-10-01")
    assert days_left <= 2
    assert len(told) == 1 and "http://127.0.0.1:5000/tasks/" in told[0].text


def _tracker(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKER_", "FLASK_"))}
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "SECRET_KEY": "gates-secret-key-0123456789abcdef0123",
    }
    script = Path(sys.executable).with_name("tracker")
    return subprocess.run(
        [str(script), *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_channel_add_and_dispatch_from_the_command_line(tmp_path):
    made = _tracker(
        tmp_path,
        "user",
        "create",
        "--email",
        "ana@example.com",
        "--password",
        "a long secret",
        "--role",
        "manager",
    )
    assert made.returncode == 0, made.stderr
    bad = _tracker(
        tmp_path,
        "channel",
        "add",
        "--email",
        "ana@example.com",
        "--kind",
        "webhook",
        "--target",
        "ftp://example.com/hook",
    )
    assert bad.returncode == 2
    assert bad.stderr.startswith("Error: --target:") and len(bad.stderr.splitlines()) == 1
    added = _tracker(
        tmp_path,
        "channel",
        "add",
        "--email",
        "ana@example.com",
        "--kind",
        "dingtalk",
        "--target",
        "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef0123",
        "--secret",
        "SECabcdefghijklmnopqrstuvwxyz",
    )
    assert added.returncode == 0, added.stderr
    assert "0123456789abcdef0123" not in added.stdout
    assert "SECabcdefghijklmnopqrstuvwxyz" not in added.stdout
    ran = _tracker(tmp_path, "reminders", "dispatch")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("Queued 0; delivered 0")
    unknown = _tracker(
        tmp_path,
        "channel",
        "add",
        "--email",
        "bo@example.com",
        "--kind",
        "email",
        "--target",
        "bo@example.com",
    )
    assert unknown.returncode == 2 and "nobody has the address" in unknown.stderr


def test_the_store_page_shows_each_ad_condition_met_or_not(
    app, make_user, make_store, client, login
):
    manager = make_user()
    store = make_store(actor=manager, opened_on="2026-10-01", follower_target=1000, followers=999)
    complete_task(_task(store.id, POSITIONING[0]).id, manager)
    db.session.commit()
    login(manager)
    page = client.get(f"/stores/{store.id}").get_data(as_text=True)
    section = page[
        page.index('id="ad-gate"') : page.index("</section>", page.index('id="ad-gate"'))
    ]
    assert section.count('data-met="yes"') == 1
    assert section.count('data-met="no"') == 4
    assert "999 of 1,000 followers" in section


def test_ticking_the_last_awaited_task_on_the_page_opens_the_gate_and_unticking_shuts_it(
    app, client, login, make_user, make_store, api_as
):
    # The page and the API read whether a gate waits for the task with the task itself
    # (issue 16): the gate is still told the moment it opens, and locks again on an untick.
    manager = make_user()
    manager.digest = False  # immediate reminders, chosen over the digest
    store = make_store(actor=manager, opened_on="2026-10-01", follower_target=1000)
    api = api_as(manager)
    assert api.patch(f"/api/v1/stores/{store.id}", json={"followers": 1000}).status_code == 200
    for key in POSITIONING[:-1]:
        complete_task(_task(store.id, key).id, manager)
    db.session.commit()
    ads, last = _task(store.id, "ads.launch").id, _task(store.id, POSITIONING[-1]).id
    assert api.get(f"/api/v1/tasks/{ads}").json["status"] == "locked"
    login(manager)
    ticked = client.post(f"/tasks/{last}/complete", headers={"HX-Request": "true"})
    assert ticked.status_code == 200
    assert api.get(f"/api/v1/tasks/{ads}").json["status"] == "open"
    told = db.session.scalars(select(Reminder).where(Reminder.kind == "gate_open")).all()
    assert [(r.user_id, r.task_id) for r in told] == [(manager.id, ads)]
    assert api.post(f"/api/v1/tasks/{last}/reopen").status_code == 200
    assert api.get(f"/api/v1/tasks/{ads}").json["status"] == "locked"
    assert db.session.get(Task, ads).was_locked

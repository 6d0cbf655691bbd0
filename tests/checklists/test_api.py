"""Checklists through the JSON API: managers write them, every matching store gets them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.web.test_api import assert_error, complete, days, tasks_of, us_today
from tracker.catalog import get_catalog
from tracker.extensions import db
from tracker.playbook.peaks import peaks_between
from tracker.tasks.models import Task


@pytest.fixture
def manager(make_user):
    return make_user("manager")


@pytest.fixture
def member(make_user):
    return make_user("member")


@pytest.fixture
def store(make_store, manager, member):
    return make_store(actor=manager, members=(member,), opened_on=days(-10))


@pytest.fixture
def as_manager(api_as, manager):
    return api_as(manager)


@pytest.fixture
def as_member(api_as, member):
    return api_as(member)


def next_peak() -> Any:
    """The US store's next peak at least two weeks away (the tests run on the real clock)."""
    start = us_today() + timedelta(days=14)
    return peaks_between(
        get_catalog().peaks, "US", start, start + timedelta(days=100), store_type="cross_border"
    )[0]


def live_prep(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "key": "live_prep",
        "name": "Live-room preparation",
        "applies_to": {"model": ["pop"], "market": ["US"]},
        "entries": [
            {
                "key": "lights",
                "title": "Check lights and microphone",
                "phase": "routine",
                "anchor": "opened_on",
                "offset_days": 0,
                "recurrence": {"every": "week", "interval": 1},
            },
            {
                "key": "script",
                "title": "Write the live script",
                "phase": "growth",
                "anchor": "opened_on",
                "offset_days": 20,
                "critical": True,
            },
            {
                "key": "rehearse",
                "title": "Rehearse the script",
                "phase": "growth",
                "anchor": "after:script",
                "offset_days": 2,
            },
        ],
    }
    body.update(changes)
    return body


def sop_tasks(api, store_id: int, status: str | None = None) -> dict[str, dict[str, Any]]:
    return {
        task["key"]: task
        for task in tasks_of(api, store_id)
        if task["key"].startswith("sop.") and (status is None or task["status"] == status)
    }


def db_tasks(prefix: str = "sop.") -> list[Task]:
    db.session.rollback()
    return list(db.session.scalars(select(Task).where(Task.key.startswith(prefix))))


def test_a_manager_writes_a_checklist_and_the_store_gets_its_tasks(as_manager, store):
    response = as_manager.post("/api/v1/checklists", json=live_prep())
    assert response.status_code == 201, response.get_json()
    saved = response.get_json()
    assert saved["version"] == 1 and isinstance(saved["id"], int)
    assert saved["preview"]["stores"] == 1 and saved["preview"]["added"] >= 3
    assert "1 store changes" in saved["preview"]["text"]

    tasks = sop_tasks(as_manager, store.id)
    script = tasks["sop.live_prep.script"]
    assert script["due_on"] == days(10)  # opened 10 days ago, due 20 days after opening
    assert script["source"] == "from checklist Live-room preparation, version 1"
    assert script["origin"] == "checklist" and script["checklist_version"] == 1
    rehearse = tasks["sop.live_prep.rehearse"]
    assert rehearse["status"] == "locked" and rehearse["due_on"] == days(12)
    assert tasks["sop.live_prep.lights"]["recurrence"] == {"every": "week", "interval": 1}


def test_a_checklist_for_another_market_leaves_the_store_alone(as_manager, store):
    response = as_manager.post("/api/v1/checklists", json=live_prep(applies_to={"market": ["UK"]}))
    assert response.status_code == 201
    assert response.get_json()["preview"]["stores"] == 0
    assert sop_tasks(as_manager, store.id) == {}


def test_a_member_reads_checklists_but_cannot_write_them(as_manager, as_member, store):
    created = as_manager.post("/api/v1/checklists", json=live_prep()).get_json()
    listed = as_member.get("/api/v1/checklists")
    assert listed.status_code == 200
    assert [c["key"] for c in listed.get_json()] == ["live_prep"]
    assert as_member.get(f"/api/v1/checklists/{created['id']}").status_code == 200
    assert_error(as_member.post("/api/v1/checklists", json=live_prep(key="other")), 403)
    assert_error(as_member.put(f"/api/v1/checklists/{created['id']}", json=live_prep()), 403)
    assert_error(as_member.delete(f"/api/v1/checklists/{created['id']}"), 403)


@pytest.mark.parametrize(
    ("entry_changes", "problem"),
    [
        ({"depends_on": ["rehearse"]}, "dependency cycle"),
        ({"anchor": "someday"}, "unknown anchor 'someday'"),
        ({"anchor": "peak:st_nowhere_day"}, "unknown peak 'st_nowhere_day'"),
        ({"offset_days": -3}, "only a 'pre_launch' task may fall due before its anchor date"),
        ({"key": "lights"}, "the key is used twice"),
    ],
)
def test_a_bad_checklist_answers_400_naming_the_entry(as_manager, store, entry_changes, problem):
    body = live_prep()
    body["entries"][1].update(entry_changes)
    error = assert_error(as_manager.post("/api/v1/checklists", json=body), 400, "invalid")
    assert error["field"] == "entries"
    assert problem in error["message"]
    assert db_tasks() == []


def test_a_wrong_type_names_the_field(as_manager, store):
    error = assert_error(as_manager.post("/api/v1/checklists", json=live_prep(entries="none")), 400)
    assert error["field"] == "entries"
    error = assert_error(as_manager.post("/api/v1/checklists", json={"key": "x"}), 400)
    assert {e["field"] for e in error["errors"]} >= {"name", "entries"}


def test_the_same_key_twice_is_refused(as_manager, store):
    assert as_manager.post("/api/v1/checklists", json=live_prep()).status_code == 201
    assert_error(as_manager.post("/api/v1/checklists", json=live_prep()), 409, "checklist_exists")


def test_editing_moves_open_tasks_and_leaves_done_ones(as_manager, store):
    created = as_manager.post("/api/v1/checklists", json=live_prep()).get_json()
    tasks = sop_tasks(as_manager, store.id)
    complete(as_manager, tasks["sop.live_prep.script"]["id"])

    body = live_prep()
    body["entries"][1]["offset_days"] = 25  # the script: done, stays where it was
    body["entries"].append(
        {
            "key": "promo",
            "title": "Post the live's promo",
            "phase": "growth",
            "anchor": "opened_on",
            "offset_days": 30,
        }
    )
    url = f"/api/v1/checklists/{created['id']}"
    dry = as_manager.put(f"{url}?dry_run=1", json=body)
    assert dry.status_code == 200, dry.get_json()
    assert dry.get_json()["applied"] is False
    assert dry.get_json()["preview"]["added"] == 1
    assert "sop.live_prep.promo" not in sop_tasks(as_manager, store.id)

    saved = as_manager.put(url, json=body).get_json()
    assert saved["version"] == 2 and saved["applied"] is True
    after = sop_tasks(as_manager, store.id)
    assert after["sop.live_prep.promo"]["due_on"] == days(20)
    assert after["sop.live_prep.promo"]["checklist_version"] == 2
    script = after["sop.live_prep.script"]
    assert script["status"] == "done" and script["due_on"] == days(10)
    assert script["checklist_version"] == 1
    # The rehearsal follows the script, done today: due two days from today, unlocked.
    assert after["sop.live_prep.rehearse"]["status"] == "open"
    assert after["sop.live_prep.rehearse"]["due_on"] == days(2)


def test_a_retired_entry_retires_its_open_tasks(as_manager, store):
    created = as_manager.post("/api/v1/checklists", json=live_prep()).get_json()
    body = live_prep()
    body["entries"] = [entry for entry in body["entries"] if entry["key"] == "lights"]
    saved = as_manager.put(f"/api/v1/checklists/{created['id']}", json=body).get_json()
    assert saved["preview"]["retired"] == 2
    statuses = {task.key: task.status for task in db_tasks("sop.live_prep.")}
    assert statuses["sop.live_prep.script"] == "retired"
    assert statuses["sop.live_prep.rehearse"] == "retired"
    assert "sop.live_prep.script" not in sop_tasks(as_manager, store.id)


def test_deleting_a_checklist_retires_open_tasks_and_keeps_done_ones(as_manager, store):
    created = as_manager.post("/api/v1/checklists", json=live_prep()).get_json()
    tasks = sop_tasks(as_manager, store.id)
    complete(as_manager, tasks["sop.live_prep.script"]["id"])
    response = as_manager.delete(f"/api/v1/checklists/{created['id']}")
    assert response.status_code == 200, response.get_json()
    left = sop_tasks(as_manager, store.id)
    assert set(left) == {"sop.live_prep.script"}
    assert left["sop.live_prep.script"]["status"] == "done"
    assert_error(as_manager.get(f"/api/v1/checklists/{created['id']}"), 404, "not_found")
    assert as_manager.get("/api/v1/checklists").get_json() == []


def test_peak_work_from_a_checklist_counts_in_the_peaks_readiness(as_manager, store):
    peak = next_peak()
    body = live_prep(
        key="peak_sprint",
        name="Creative sprint",
        entries=[
            {
                "key": "brief",
                "title": "Creative brief",
                "phase": "peak",
                "anchor": f"peak:{peak.key}",
                "offset_days": -7,
            },
            {
                "key": "extra",
                "title": "Optional extra",
                "phase": "peak",
                "anchor": f"peak:{peak.key}",
                "offset_days": -6,
                "counts_for_readiness": False,
            },
        ],
    )
    before = as_manager.get("/api/v1/readiness").get_json()[0]["next_peak"]
    assert as_manager.post("/api/v1/checklists", json=body).status_code == 201
    tasks = sop_tasks(as_manager, store.id)
    assert tasks["sop.peak_sprint.brief"]["due_on"] == (peak.date - timedelta(days=7)).isoformat()
    assert tasks["sop.peak_sprint.brief"]["peak"] == peak.key
    row = as_manager.get("/api/v1/readiness").get_json()[0]
    if before is not None and before["key"] == peak.key:
        assert row["next_peak"]["key"] == peak.key
    complete(as_manager, tasks["sop.peak_sprint.extra"]["id"])
    unchanged = as_manager.get("/api/v1/readiness").get_json()[0]
    assert unchanged["next_peak"] == row["next_peak"]  # the opted-out task does not count


def test_a_default_assignee_gets_each_new_task_and_an_unknown_one_is_refused(
    as_manager, store, member
):
    body = live_prep()
    body["entries"][1]["assignee_id"] = 9999
    error = assert_error(as_manager.post("/api/v1/checklists", json=body), 400, "invalid")
    assert error["field"] == "entries" and "9999" in error["message"]
    body["entries"][1]["assignee_id"] = member.id
    assert as_manager.post("/api/v1/checklists", json=body).status_code == 201
    assert sop_tasks(as_manager, store.id)["sop.live_prep.script"]["assignee_id"] == member.id


def test_an_overdue_checklist_task_reminds_its_assignee(as_manager, store, member, catalog):
    from datetime import UTC, datetime, time

    from tracker.reminders.models import Reminder
    from tracker.tasks.reminders import queue_reminders

    body = live_prep()
    body["entries"][1].update(offset_days=9, assignee_id=member.id)  # due yesterday
    assert as_manager.post("/api/v1/checklists", json=body).status_code == 201
    task_id = sop_tasks(as_manager, store.id)["sop.live_prep.script"]["id"]
    now = datetime.combine(datetime.now(UTC).date(), time(9, 30), UTC)
    queue_reminders(catalog, now=now)
    db.session.commit()
    reminders = db.session.scalars(select(Reminder).where(Reminder.user_id == member.id)).all()
    assert any(r.task_id == task_id or "Write the live script" in r.text for r in reminders), [
        r.text for r in reminders
    ]


def test_a_checklist_key_cannot_change_and_a_store_dropped_from_its_list_loses_open_tasks(
    as_manager, store, make_store, manager
):
    other = make_store(actor=manager, name="Second store", opened_on=days(-10))
    created = as_manager.post("/api/v1/checklists", json=live_prep()).get_json()
    assert created["preview"]["stores"] == 2
    url = f"/api/v1/checklists/{created['id']}"
    assert_error(as_manager.put(url, json=live_prep(key="renamed")), 400, "invalid", "key")
    body = live_prep(applies_to={"store_ids": [store.id]})
    saved = as_manager.put(url, json=body).get_json()
    by_store = {change["store_id"]: change for change in saved["preview"]["changes"]}
    assert by_store[other.id]["retired"] >= 3 and by_store[store.id]["retired"] == 0
    assert sop_tasks(as_manager, other.id) == {}
    assert set(sop_tasks(as_manager, store.id)) >= {"sop.live_prep.script"}


def test_a_profile_edit_and_the_daily_roll_forward_keep_the_checklists_tasks(
    as_manager, store, catalog
):
    from tracker.plans.sync import sync_plan

    assert as_manager.post("/api/v1/checklists", json=live_prep()).status_code == 201
    before = sop_tasks(as_manager, store.id)
    changed = as_manager.patch(f"/api/v1/stores/{store.id}", json={"followers": 50})
    assert changed.status_code == 200, changed.get_json()
    assert sop_tasks(as_manager, store.id).keys() == before.keys()
    db.session.rollback()
    sync_plan(db.session.get(type(store), store.id), catalog, us_today(), reason="test")
    db.session.commit()
    after = sop_tasks(as_manager, store.id)
    assert after.keys() == before.keys()
    assert after["sop.live_prep.script"]["due_on"] == before["sop.live_prep.script"]["due_on"]


def test_a_checklist_id_no_column_can_hold_answers_404_not_500(as_manager, store):
    # PostgreSQL refuses 2**31 in an INTEGER comparison; the fuzz test found the 500.
    for method in ("get", "delete"):
        answer = getattr(as_manager, method)("/api/v1/checklists/2147483648")
        assert answer.status_code == 404, (method, answer.get_data(as_text=True)[:200])


@pytest.mark.parametrize("assignee_id", [2**31, 10**18])
def test_an_assignee_id_no_column_can_hold_is_no_one_not_a_500(as_manager, assignee_id):
    """Found by the API fuzzer (PostgreSQL): an entry's default assignee past the largest
    id an INTEGER holds was sent to the database, which refused the number: 500."""
    body = live_prep()
    body["entries"][0]["assignee_id"] = assignee_id
    error = assert_error(as_manager.post("/api/v1/checklists", json=body), 400, field="entries")
    assert f"no active person has the id {assignee_id}" in error["message"]

"""Checklist pages: managers write with a preview, members read; the tasks show their source."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.checklists.test_api import live_prep
from tests.web.test_api import days
from tracker.calendar import services as calendar_services
from tracker.catalog import get_catalog
from tracker.checklists.models import Checklist
from tracker.extensions import db
from tracker.plans.checklists import save_checklist
from tracker.tasks.models import Task

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


@pytest.fixture
def manager(make_user):
    return make_user("manager")


@pytest.fixture
def member(make_user):
    return make_user("member")


@pytest.fixture
def store(make_store, manager, member):
    return make_store(actor=manager, members=(member,), opened_on=days(-10))


def form_of(body: dict[str, Any]) -> dict[str, Any]:
    """The checklist as the edit form posts it."""
    form: dict[str, Any] = {"key": body["key"], "name": body["name"], "model": "pop"}
    form["rows"] = str(len(body["entries"]))
    for index, entry in enumerate(body["entries"]):
        prefix = f"entries-{index}-"
        form[prefix + "key"] = entry["key"]
        form[prefix + "title"] = entry["title"]
        form[prefix + "phase"] = entry["phase"]
        form[prefix + "anchor"] = entry["anchor"]
        form[prefix + "offset_days"] = str(entry["offset_days"])
        recurrence = entry.get("recurrence")
        form[prefix + "every"] = recurrence["every"] if recurrence else ""
        form[prefix + "interval"] = "1"
        form[prefix + "counts_for_readiness"] = "on"
    return form


def sop_rows() -> list[Task]:
    db.session.rollback()
    return list(db.session.scalars(select(Task).where(Task.key.startswith("sop."))))


def test_a_manager_previews_then_saves_and_the_plan_shows_the_source(client, login, manager, store):
    login(manager)
    assert client.get("/checklists/new").status_code == 200
    form = form_of(live_prep())
    preview = client.post("/checklists/new", data=form | {"action": "preview"})
    assert preview.status_code == 200
    text = preview.get_data(as_text=True)
    assert "1 store changes" in text and "new tasks" in text
    assert store.name in text
    assert sop_rows() == []  # a preview changes nothing

    saved = client.post("/checklists/new", data=form | {"action": "apply"})
    assert saved.status_code == 302
    assert len({task.key for task in sop_rows()}) == 3
    plan = client.get(f"/stores/{store.id}").get_data(as_text=True)
    assert "from checklist Live-room preparation, version 1" in plan
    mine = client.get("/my-tasks?assignee=any").get_data(as_text=True)
    assert "Write the live script" in mine or client.get("/my-tasks").status_code == 200
    (checklist,) = db.session.scalars(select(Checklist)).all()
    shown = client.get(f"/checklists/{checklist.id}").get_data(as_text=True)
    assert "Version 1" in shown and "Write the live script" in shown
    exported = client.get(f"/checklists/{checklist.id}/export.toml")
    assert exported.status_code == 200 and b"[[task]]" in exported.data


def test_a_bad_entry_is_shown_on_the_form(client, login, manager, store):
    login(manager)
    form = form_of(live_prep())
    form["entries-1-anchor"] = "peak:st_nowhere"
    answer = client.post("/checklists/new", data=form | {"action": "apply"})
    assert answer.status_code == 400
    assert "unknown peak" in answer.get_data(as_text=True)
    assert sop_rows() == []


def test_editing_previews_the_move_and_keeps_the_done_task(client, login, manager, store):
    saved, _, _ = save_checklist(live_prep(), get_catalog(), actor=manager)
    db.session.commit()
    login(manager)
    page = client.get(f"/checklists/{saved.id}/edit")
    assert page.status_code == 200 and "Write the live script" in page.get_data(as_text=True)
    body = live_prep()
    body["entries"][1]["offset_days"] = 22
    form = form_of(body)
    preview = client.post(f"/checklists/{saved.id}/edit", data=form | {"action": "preview"})
    assert "2 open tasks move" in preview.get_data(as_text=True)
    client.post(f"/checklists/{saved.id}/edit", data=form | {"action": "apply"})
    script = next(t for t in sop_rows() if t.key == "sop.live_prep.script")
    assert script.due_on.isoformat() == days(12) and script.checklist_version == 2


def test_members_read_checklists_but_may_not_write(client, login, manager, member, store):
    saved, _, _ = save_checklist(live_prep(), get_catalog(), actor=manager)
    db.session.commit()
    login(member)
    assert client.get("/checklists").status_code == 200
    assert client.get(f"/checklists/{saved.id}").status_code == 200
    assert client.get("/checklists/new").status_code == 403
    assert client.post("/checklists/new", data=form_of(live_prep(key="x"))).status_code == 403
    assert client.post(f"/checklists/{saved.id}/delete").status_code == 403


def test_copy_a_playbook_entry_into_a_checklist(client, login, manager, store):
    login(manager)
    task = next(
        t
        for t in db.session.scalars(select(Task).where(Task.store_id == store.id))
        if t.key == "health.weekly_review"
    )
    detail = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'id="copy-into-checklist"' in detail
    page = client.get("/checklists/new?from=health.weekly_review").get_data(as_text=True)
    assert 'value="weekly_review"' in page
    assert task.title.split()[0] in page

    saved, _, _ = save_checklist(live_prep(), get_catalog(), actor=manager)
    db.session.commit()
    detail = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    link = f"/checklists/{saved.id}/edit?add=health.weekly_review"
    assert link in detail
    edit = client.get(link).get_data(as_text=True)
    assert 'value="weekly_review"' in edit and "Write the live script" in edit


def test_deleting_retires_the_open_tasks(client, login, manager, store):
    saved, _, _ = save_checklist(live_prep(), get_catalog(), actor=manager)
    db.session.commit()
    login(manager)
    assert client.post(f"/checklists/{saved.id}/delete").status_code == 302
    assert {task.status for task in sop_rows()} == {"retired"}


def test_the_checklist_pages_speak_chinese(client, login, manager, store):
    saved, _, _ = save_checklist(live_prep(), get_catalog(), actor=manager)
    db.session.commit()
    login(manager)
    for url in ("/checklists", f"/checklists/{saved.id}", f"/checklists/{saved.id}/edit"):
        page = client.get(url, headers=ZH).get_data(as_text=True)
        assert '<html lang="zh-CN">' in page
        assert "清单" in page, url
    plan = client.get(f"/stores/{store.id}", headers=ZH).get_data(as_text=True)
    assert "来自清单 Live-room preparation" in plan


def test_checklist_tasks_are_in_the_store_calendar_feed(client, manager, store):
    save_checklist(live_prep(), get_catalog(), actor=manager)
    _, secret = calendar_services.issue_store_feed(store, manager)
    db.session.commit()
    feed = client.get(f"/calendar/{secret}.ics").get_data(as_text=True)
    assert "Write the live script" in feed

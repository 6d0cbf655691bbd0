"""An inbox you act in: tick a reminded task from it, see it done since, dismiss a reminder."""

from __future__ import annotations

import re

from sqlalchemy import select

from tracker.extensions import db
from tracker.reminders.dispatch import DispatchSettings, dispatch_due
from tracker.reminders.models import Reminder
from tracker.tasks.models import Task
from tracker.tasks.services import add_comment, add_custom_task

INBOX_ONLY = DispatchSettings(lease_seconds=30, max_attempts=3, backoff_seconds=0, batch_size=100)


def _mentioned(make_user, make_store, catalog):
    manager = make_user(name="Ana")
    member = make_user(role="member", name="Bo")
    store = make_store(actor=manager, members=(member,))
    task = add_custom_task(
        store, {"title": "Photograph the lip tints", "due_on": "2026-12-04"}, catalog, manager
    )
    add_comment(task, {"body": "@Bo can you take this?"}, manager)
    db.session.commit()
    dispatch_due(INBOX_ONLY)
    return manager, member, task


def test_a_task_ticked_from_the_inbox_is_done_and_the_inbox_says_since_when(
    client, login, make_user, make_store, catalog
):
    _, member, task = _mentioned(make_user, make_store, catalog)
    login(member)
    page = client.get("/inbox").get_data(as_text=True)
    assert "Photograph the lip tints" in page
    form = re.search(r'<form method="post" action="(/tasks/\d+/complete)".*?</form>', page, re.S)
    assert form is not None and form[1] == f"/tasks/{task.id}/complete"
    assert "Tick off Photograph the lip tints" in form[0]
    back = re.search(r'name="next" value="([^"]+)"', form[0])
    assert back is not None and back[1].startswith("/inbox")

    answer = client.post(form[1], data={"next": back[1]})
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/inbox")
    page = client.get("/inbox").get_data(as_text=True)
    assert "Done: Photograph the lip tints" in page
    assert "done since" in page and "by Bo" in page
    assert f'action="/tasks/{task.id}/complete' not in page
    assert db.session.get(Task, task.id).status == "done"


def test_a_dismissed_reminder_leaves_the_inbox_and_only_its_reader_can_dismiss_it(
    client, login, make_user, make_store, catalog
):
    manager, member, _ = _mentioned(make_user, make_store, catalog)
    [mention] = db.session.scalars(select(Reminder).where(Reminder.user_id == member.id)).all()

    login(manager)
    assert client.post(f"/inbox/{mention.id}/dismiss").status_code == 404
    client.post("/logout")

    login(member)
    assert "can you take this" in client.get("/inbox").get_data(as_text=True)
    answer = client.post(f"/inbox/{mention.id}/dismiss")
    assert answer.status_code == 302
    page = client.get("/inbox").get_data(as_text=True)
    assert "Dismissed." in page
    assert "can you take this" not in page
    db.session.expire_all()
    assert db.session.get(Reminder, mention.id).state == "dismissed"


def test_a_mention_links_to_its_task_with_an_absolute_address(app, make_user, make_store, catalog):
    _, member, task = _mentioned(make_user, make_store, catalog)
    [mention] = db.session.scalars(select(Reminder).where(Reminder.user_id == member.id)).all()
    assert f"Open it: http://127.0.0.1:5000/tasks/{task.id}" in mention.text


def test_dismissing_twice_from_the_page_is_harmless(client, login, make_user, make_store, catalog):
    _, member, _ = _mentioned(make_user, make_store, catalog)
    [mention] = db.session.scalars(select(Reminder).where(Reminder.user_id == member.id)).all()
    login(member)
    assert client.post(f"/inbox/{mention.id}/dismiss").status_code == 302
    # A second click (a double submit, a second tab) finds it already put away: no error page.
    again = client.post(f"/inbox/{mention.id}/dismiss")
    assert again.status_code == 302
    assert "can you take this" not in client.get("/inbox").get_data(as_text=True)

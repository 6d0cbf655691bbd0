"""An inbox you act in: tick a task from it, see what was done since and by whom, follow the
link to the task or the stock-up line, dismiss what is dealt with (issue 14)."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.reminders.test_dispatch import FAST
from tracker.extensions import db
from tracker.reminders.dispatch import dispatch_due
from tracker.reminders.models import Reminder
from tracker.reminders.queue import queue_now
from tracker.tasks.models import Task
from tracker.tasks.services import complete_task

DIGEST = "Your tasks: 2 overdue"


def _two_open_tasks(store) -> list[Task]:
    return list(
        db.session.scalars(
            select(Task)
            .where(Task.store_id == store.id, Task.status == "open", Task.gate.is_(None))
            .order_by(Task.due_on, Task.id)
            .limit(2)
        )
    )


def _remind(person, store, tasks) -> None:
    queue_now([person], "digest", "inbox-test", DIGEST, "", store=store, tasks=tasks)
    db.session.commit()
    dispatch_due(FAST)


def _entry(page: str) -> str:
    return page.split('<article class="reminder', 1)[1].split("</article>", 1)[0]


def test_tick_from_the_inbox_and_see_what_was_done_since(make_user, make_store, client, login):
    manager = make_user()
    colleague = make_user(name="Leo Wang")
    store = make_store(actor=manager, opened_on="2026-10-01")
    first, second = _two_open_tasks(store)
    _remind(manager, store, [first, second])
    complete_task(second.id, colleague)
    db.session.commit()

    login(manager)
    entry = _entry(client.get("/inbox").text)
    first_row = entry.split(f'data-task="{first.id}"', 1)[1].split("</li>", 1)[0]
    second_row = entry.split(f'data-task="{second.id}"', 1)[1].split("</li>", 1)[0]
    # The open one can be ticked here, and says how far its due day is in the store's day.
    assert f'action="/tasks/{first.id}/complete"' in first_row
    assert re.search(r'class="rel[^"]*">[^<]*(overdue|today|in \d+ day)', first_row)
    # The other was done since the reminder came: by whom, and no tick button.
    assert "done since" in second_row and "Leo Wang" in second_row
    assert "/complete" not in second_row

    ticked = client.post(
        f"/tasks/{first.id}/complete", data={"next": "/inbox#reminder-1"}, follow_redirects=False
    )
    assert ticked.status_code == 302 and ticked.headers["Location"].startswith("/inbox")
    assert db.session.get(Task, first.id).status == "done"
    again = _entry(client.get("/inbox").text)
    assert again.count("done since") == 2


def test_dismiss_puts_a_reminder_away_and_only_its_reader_may(make_user, make_store, client, login):
    manager = make_user()
    other = make_user()
    store = make_store(actor=manager, opened_on="2026-10-01")
    _remind(manager, store, _two_open_tasks(store))
    entry = db.session.scalars(
        select(Reminder).where(Reminder.user_id == manager.id, Reminder.channel_id.is_(None))
    ).one()

    login(other)
    assert client.post(f"/inbox/{entry.id}/dismiss").status_code == 404
    client.post("/logout")
    login(manager)
    page = client.get("/inbox").text
    assert DIGEST in page and f'action="/inbox/{entry.id}/dismiss"' in page
    dismissed = client.post(f"/inbox/{entry.id}/dismiss")
    assert dismissed.status_code == 302
    assert DIGEST not in client.get("/inbox").text
    db.session.expire_all()
    assert db.session.get(Reminder, entry.id).state == "dismissed"


def test_a_late_stock_up_warning_links_to_its_product_line(make_user, make_store, catalog):
    from datetime import UTC, datetime

    from tests.stockup.test_false_alarms import _late_store
    from tracker.plans.stock_up import change_product_line

    store, manager = _late_store(make_user, make_store)
    line, _ = change_product_line(
        store,
        {"name": "Lipstick", "current_stock": 50, "daily_sales": 5, "freight_mode": "air"},
        catalog,
        manager,
        now=datetime(2026, 11, 5, 19, tzinfo=UTC),
    )
    db.session.commit()
    told = db.session.scalars(
        select(Reminder).where(Reminder.kind == "stock_up_late", Reminder.channel_id.is_(None))
    ).first()
    assert told.payload["url"].endswith(f"/stores/{store.id}/stock-up#line-{line.id}")

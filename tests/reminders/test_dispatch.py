"""Delivering the outbox: once each, retried with backoff, dead after the last try, never lost."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from tracker.clock import utcnow
from tracker.extensions import db
from tracker.reminders.dispatch import DispatchSettings, claim_due_reminders, dispatch_due
from tracker.reminders.install import install_id
from tracker.reminders.models import Reminder
from tracker.reminders.queue import queue_now
from tracker.reminders.services import add_channel

# The sink listens on 127.0.0.1: allow private targets, as an operator with a local sink would.
FAST = DispatchSettings(
    lease_seconds=30,
    max_attempts=3,
    backoff_seconds=0,
    batch_size=10,
    allow_private_targets=True,
)


def _queue(people, key="event", store=None):
    queue_now(
        people,
        "gate_open",
        key,
        "Unlocked: bind channel accounts",
        "You can do it now",
        store=store,
        tasks=[],
    )
    db.session.commit()


def _rows(**where):
    query = select(Reminder).order_by(Reminder.id)
    for name, value in where.items():
        query = query.where(getattr(Reminder, name) == value)
    db.session.expire_all()
    return db.session.scalars(query).all()


def test_a_webhook_gets_the_reminder_once_with_its_idempotency_key(app, make_user, sink):
    person = make_user()
    add_channel(person, "webhook", sink.url)
    _queue([person])
    report = dispatch_due(FAST)
    assert report.sent == 2  # the inbox copy and the webhook
    webhook = next(row for row in _rows() if row.channel_id is not None)
    assert sink.keys == {webhook.key: 1}
    body = sink.bodies[0]
    assert {"id", "kind", "user", "store", "tasks", "text"} <= set(body)
    # The key starts with this installation's id: see test_install_id.py.
    assert body["id"] == f"{install_id()}/{webhook.key}" and body["user"] == person.email
    assert dispatch_due(FAST).claimed == 0  # nothing left: it is never sent again
    assert {row.state for row in _rows()} == {"sent"}


def test_a_failing_channel_is_retried_then_dead_and_can_be_retried_by_hand(
    app, make_user, sink, client, login
):
    manager = make_user()
    add_channel(manager, "webhook", sink.url)
    sink.answer = lambda key: 503
    _queue([manager])
    dispatch_due(FAST, max_batches=1)
    webhook = next(row for row in _rows() if row.channel_id is not None)
    assert webhook.state == "failed" and webhook.attempts == 1 and "503" in webhook.last_error
    for _ in range(FAST.max_attempts):
        dispatch_due(FAST, max_batches=1)
    webhook = _rows(id=webhook.id)[0]
    assert webhook.state == "dead" and webhook.attempts == FAST.max_attempts
    login(manager)
    outbox = client.get("/reminders").get_data(as_text=True)
    assert 'data-state="dead"' in outbox and "503" in outbox
    sink.answer = lambda key: 200
    assert client.post(f"/reminders/{webhook.id}/retry").status_code == 302
    dispatch_due(FAST)
    assert _rows(id=webhook.id)[0].state == "sent"
    assert sink.keys[webhook.key] == 1


def test_backoff_waits_longer_each_time_with_jitter(app, make_user, sink):
    from tracker.reminders.dispatch import backoff

    settings = DispatchSettings(backoff_seconds=10, backoff_cap_seconds=100)
    waits = [backoff(n, settings) for n in (1, 2, 3, 4, 5, 6)]
    for n, wait in enumerate(waits, start=1):
        ceiling = min(100, 10 * 2 ** (n - 1))
        assert ceiling / 2 <= wait <= ceiling
    person = make_user()
    add_channel(person, "webhook", sink.url)
    sink.answer = lambda key: 500
    _queue([person])
    before = utcnow()
    dispatch_due(DispatchSettings(backoff_seconds=60, max_attempts=5, allow_private_targets=True))
    failed = next(row for row in _rows() if row.channel_id is not None)
    assert failed.next_attempt_at >= before + timedelta(seconds=30)
    assert dispatch_due(FAST).claimed == 0  # not due again before its next try


def test_one_failing_person_does_not_stop_the_others(app, make_user, sink):
    broken, fine = make_user(), make_user()
    add_channel(broken, "webhook", sink.url + "?broken")
    add_channel(fine, "webhook", sink.url)
    broken_id = broken.id
    sink.answer = lambda key: 500 if f":{broken_id}:" in key else 200
    _queue([broken, fine])
    dispatch_due(FAST, max_batches=1)
    states = {(row.user_id, row.channel_id is None): row.state for row in _rows()}
    assert states[(fine.id, False)] == "sent"
    assert states[(broken.id, False)] == "failed"
    assert states[(broken.id, True)] == "sent"  # their inbox still has it


def test_a_deactivated_person_is_sent_nothing(app, make_user, sink):
    person = make_user()
    add_channel(person, "webhook", sink.url)
    _queue([person])
    person.active = False
    db.session.commit()
    dispatch_due(FAST)
    assert {row.state for row in _rows()} == {"dead"}
    assert not sink.keys


def test_a_lease_that_runs_out_is_claimed_again(app, make_user):
    person = make_user()
    _queue([person])
    now = utcnow()
    settings = DispatchSettings(lease_seconds=60)
    _, first = claim_due_reminders(settings, now=now)
    assert len(first) == 1
    _, during = claim_due_reminders(settings, now=now + timedelta(seconds=59))
    assert during == []
    token, after = claim_due_reminders(settings, now=now + timedelta(seconds=61))
    assert after == first
    assert _rows()[0].claim_token == token


def test_dispatchers_claiming_at_once_never_share_a_reminder(app, make_user, database_url):
    people = [make_user() for _ in range(4)]
    for n in range(30):
        _queue(people, key=f"event{n}")
    total = len(_rows())
    claimed: list[list[int]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4, timeout=300)  # bounded: a broken run must not hang

    def dispatcher() -> None:
        with app.app_context():
            try:
                barrier.wait()
                while True:
                    _, ids = claim_due_reminders(DispatchSettings(batch_size=7))
                    if not ids:
                        break
                    claimed.append(ids)
            except BaseException as error:
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=dispatcher) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if database_url.startswith("sqlite"):
        # SQLite may answer "database is locked" to a writer that waited too long; none may
        # claim a row twice whatever happens.
        errors = [e for e in errors if "locked" not in str(e)]
    assert not errors, errors
    ids = [i for batch in claimed for i in batch]
    assert len(ids) == len(set(ids))
    if database_url.startswith("postgresql"):
        assert len(ids) == total


@pytest.mark.parametrize("kind", ["inbox"])
def test_the_inbox_shows_reminders_and_counts_the_unread(app, make_user, client, login, kind):
    person = make_user()
    _queue([person])
    dispatch_due(FAST)
    login(person)
    page = client.get("/my-tasks").get_data(as_text=True)
    assert 'id="unread">1<' in page
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "Unlocked: bind channel accounts" in inbox and "new</span>" in inbox
    assert 'id="unread"' not in client.get("/my-tasks").get_data(as_text=True)

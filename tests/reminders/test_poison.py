"""A poison row fails alone: its attempt is counted when it is claimed, its error is kept on it,
it backs off and is dead-lettered after the last attempt; every other reminder goes out.

Before, only a channel's DeliveryError was caught: a corrupt payload or a URL like
``http://[::1`` ended the whole dispatch, and since attempts were counted only when an outcome
was written, such a row stayed "sending" forever, holding the batch claimed with it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select, update

from tracker import clock
from tracker.clock import utcnow
from tracker.extensions import db
from tracker.reminders import dispatch
from tracker.reminders.dispatch import DispatchSettings, claim_due_reminders, dispatch_due
from tracker.reminders.models import Channel, Reminder
from tracker.reminders.services import add_channel

FAST = DispatchSettings(
    lease_seconds=30,
    max_attempts=3,
    backoff_seconds=0,
    batch_size=10,
    allow_private_targets=True,  # the sinks listen on 127.0.0.1
)


def _reminder(person, channel, key, **values):
    row = {
        "key": key,
        "user_id": person.id,
        "channel_id": channel.id if channel else None,
        "kind": "due_soon",
        "subject": f"Reminder {key}",
        "text": f"Reminder {key} is due.",
        "payload": {"store": None, "tasks": []},
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": utcnow() - timedelta(seconds=1),
        "created_at": utcnow(),
    }
    row.update(values)
    db.session.execute(insert(Reminder), [row])
    db.session.commit()


def _row(key):
    db.session.expire_all()
    return db.session.scalars(select(Reminder).where(Reminder.key == key)).one()


def _broken_url_channel(person):
    channel = add_channel(person, "webhook", "https://example.com/hook")
    db.session.commit()
    # The URL went bad after it was checked (edited in the database, an old row, a bug).
    db.session.execute(update(Channel).where(Channel.id == channel.id).values(target="http://[::1"))
    db.session.commit()
    return channel


def test_a_channel_url_that_cannot_be_parsed_fails_that_row_alone(app, make_user, sink):
    person = make_user()
    good = add_channel(person, "webhook", sink.url)
    broken = _broken_url_channel(person)
    _reminder(person, broken, "poison")
    _reminder(person, good, "healthy")

    dispatch_due(FAST, max_batches=1)

    assert sink.keys == {"healthy": 1}
    poison = _row("poison")
    # A URL that cannot be parsed never will be: refused at once, not retried.
    assert poison.state == "dead" and poison.attempts == 1
    assert poison.last_error and poison.claim_token is None


def test_a_corrupt_payload_fails_that_row_alone_and_is_dead_lettered(app, make_user, sink):
    person = make_user()
    channel = add_channel(person, "webhook", sink.url)
    _reminder(person, channel, "corrupt", payload=["not", "an", "object"])
    _reminder(person, channel, "healthy")

    for _ in range(FAST.max_attempts):
        dispatch_due(FAST)

    assert sink.keys == {"healthy": 1}
    corrupt = _row("corrupt")
    assert corrupt.state == "dead" and corrupt.attempts == FAST.max_attempts
    assert "AttributeError" in corrupt.last_error


def test_the_attempt_is_counted_when_the_row_is_claimed(app, make_user):
    person = make_user()
    _reminder(person, None, "claimed")
    _, ids = claim_due_reminders(FAST)
    assert len(ids) == 1
    claimed = _row("claimed")
    assert claimed.state == "sending" and claimed.attempts == 1


def test_a_row_whose_dispatcher_dies_every_time_is_dead_lettered(app, make_user):
    person = make_user()
    _reminder(person, None, "crasher")
    now = utcnow()
    for attempt in range(FAST.max_attempts):
        # Each dispatcher claims it and dies before recording anything.
        _, ids = claim_due_reminders(FAST, now=now + timedelta(seconds=31 * attempt))
        assert len(ids) == 1
    _, ids = claim_due_reminders(FAST, now=now + timedelta(seconds=31 * FAST.max_attempts))
    assert ids == []
    crasher = _row("crasher")
    assert crasher.state == "dead" and crasher.attempts == FAST.max_attempts
    assert "no dispatcher finished" in crasher.last_error


def test_the_outbox_lists_rows_stuck_in_sending(app, make_user, client, login):
    manager = make_user()
    _reminder(
        manager,
        None,
        "stuck",
        state="sending",
        attempts=1,
        claim_token="gone",
        lease_until=utcnow() - timedelta(minutes=5),
    )
    login(manager)
    page = client.get("/reminders").get_data(as_text=True)
    assert 'data-state="sending"' in page and "Reminder stuck" in page


def test_a_dispatcher_whose_clock_runs_ahead_cannot_steal_a_send_in_flight(
    app, make_user, monkeypatch: pytest.MonkeyPatch
):
    person = make_user()
    _reminder(person, None, "in-flight")
    _, first = claim_due_reminders(DispatchSettings(lease_seconds=60))
    assert len(first) == 1
    # A second machine whose clock is 130 s ahead: the lease would look long gone to it.
    ahead = utcnow() + timedelta(seconds=130)
    monkeypatch.setattr(dispatch, "utcnow", lambda: ahead, raising=False)
    monkeypatch.setattr(clock, "utcnow", lambda: ahead)
    _, second = claim_due_reminders(DispatchSettings(lease_seconds=60))
    assert second == []


def test_a_retry_from_a_stale_page_never_resets_a_row_being_sent(app, make_user):
    person = make_user()
    _reminder(person, None, "retried", state="dead", attempts=3, last_error="HTTP 503")
    stale = _row("retried")  # the manager's page loaded it while it was dead
    with db.engine.begin() as other:  # meanwhile it was retried and a dispatcher claimed it
        other.execute(
            update(Reminder)
            .where(Reminder.key == "retried")
            .values(
                state="sending",
                claim_token="dispatcher",
                lease_until=utcnow() + timedelta(minutes=1),
            )
        )
    assert dispatch.retry_reminder(stale) is False
    db.session.commit()
    row = _row("retried")
    assert row.state == "sending" and row.claim_token == "dispatcher"


def test_managers_retry_every_dead_reminder_at_once(app, make_user, client, login):
    manager = make_user()
    for number in range(3):
        _reminder(manager, None, f"dead{number}", state="dead", attempts=3, last_error="gone")
    _reminder(manager, None, "fine", state="sent")
    login(manager)
    assert client.post("/reminders/retry-dead").status_code == 302
    states = {key: _row(key).state for key in ("dead0", "dead1", "dead2", "fine")}
    assert states == {"dead0": "pending", "dead1": "pending", "dead2": "pending", "fine": "sent"}


def test_a_stopping_dispatcher_starts_no_new_send_and_releases_what_it_claimed(
    app, make_user, sink
):
    import threading

    person = make_user()
    channel = add_channel(person, "webhook", sink.url)
    for number in range(5):
        _reminder(person, channel, f"batch{number}")
    stopping = threading.Event()

    def answer(key: str) -> int:
        stopping.set()  # SIGTERM arrives while the first send is on its way
        return 200

    sink.answer = answer
    dispatch_due(FAST, stop=stopping)

    # The sends already under way when it arrived finish (at most the per-host limit: they
    # go out side by side); none starts after it.
    started = sum(sink.keys.values())
    assert 1 <= started <= FAST.senders_per_destination < 5
    rows = [_row(f"batch{number}") for number in range(5)]
    assert [row.state for row in rows].count("sent") == started
    released = [row for row in rows if row.state != "sent"]
    assert all(
        row.state == "pending" and row.claim_token is None and row.attempts == 0 for row in released
    )

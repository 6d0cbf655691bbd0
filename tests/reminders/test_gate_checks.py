"""What a check of the gates relies on: the gated tasks are read as values and the locks that
changed written in one statement each way (issue 16), whoever changed the awaited work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import event, select, update

from tracker.clock import utcnow
from tracker.extensions import db
from tracker.reminders.models import Reminder
from tracker.tasks.gates import check_gates
from tracker.tasks.models import Task

POSITIONING = (
    "positioning.store_style",
    "positioning.product_attributes",
    "positioning.live_room_style",
    "audience.check_account_tags",
)


def _task(store_id: int, key: str) -> Task:
    return db.session.scalars(select(Task).where(Task.store_id == store_id, Task.key == key)).one()


def _set_positioning(store_id: int, status: str, when: datetime | None = None) -> None:
    """Tick the work the ads gate waits for off (or open it again) behind the services' back,
    as an import or another process would."""
    db.session.execute(
        update(Task)
        .where(Task.store_id == store_id, Task.key.in_(POSITIONING))
        .values(status=status, completed_at=(when or utcnow()) if status == "done" else None)
    )


@contextmanager
def _statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


def test_a_gate_whose_awaited_work_was_done_elsewhere_opens_at_the_next_check_and_says_so(
    app, make_user, make_store
):
    manager = make_user()
    manager.digest = False  # immediate reminders, chosen over the digest
    store = make_store(actor=manager, opened_on="2026-10-01", follower_target=1000)
    store.followers = 1000
    db.session.commit()
    ads = _task(store.id, "ads.launch")
    assert check_gates([store.id]) == 0
    assert ads.was_locked  # still waiting for the positioning work
    _set_positioning(store.id, "done")
    assert check_gates([store.id]) == 1
    db.session.commit()
    # The task in hand sees its lock as recorded, without being read again.
    assert ads.was_locked is False
    told = db.session.scalars(select(Reminder).where(Reminder.kind == "gate_open")).all()
    assert [(r.user_id, r.task_id) for r in told] == [(manager.id, ads.id)]
    assert told[0].subject.startswith("Unlocked: ")
    # Work it waits for opened again: the lock is recorded again (nobody is told of it).
    _set_positioning(store.id, "open")
    assert check_gates([store.id]) == 0
    db.session.commit()
    assert ads.was_locked is True
    assert db.session.scalar(select(Task.was_locked).where(Task.id == ads.id)) is True


def test_checking_the_gates_of_more_stores_takes_no_more_statements(app, make_user, make_store):
    manager = make_user()
    manager.digest = False

    def opening(count: int) -> tuple[int, int]:
        """Open the ads gate of ``count`` new stores at once: (reminders, statements)."""
        stores = [
            make_store(actor=manager, opened_on="2026-10-01", follower_target=1000)
            for _ in range(count)
        ]
        for store in stores:
            store.followers = 1000
            _set_positioning(store.id, "done")
        db.session.flush()
        with _statements() as seen:
            told = check_gates([store.id for store in stores])
        db.session.commit()
        return told, len(seen)

    one, alone = opening(1)
    three, together = opening(3)
    assert (one, three) == (1, 3)
    assert together == alone


def _gate_reminders() -> list[Reminder]:
    return db.session.scalars(
        select(Reminder).where(Reminder.kind == "gate_open").order_by(Reminder.id)
    ).all()


def test_a_gate_whose_awaited_work_is_done_again_on_a_later_day_is_told_again(
    app, make_user, make_store
):
    """The awaited work was opened again (to be redone, or ticked by mistake) and the gate
    shut. When the work is done again on a later day, whoever waits for the gate must hear
    it again; ticked back and forth within one day, once (issue 16: it was said only ever
    once, whatever happened after)."""
    manager = make_user()
    manager.digest = False
    store = make_store(actor=manager, opened_on="2026-10-01", follower_target=1000)
    store.followers = 1000
    db.session.commit()
    ads = _task(store.id, "ads.launch")
    day_one = utcnow().replace(hour=12, minute=0, second=0, microsecond=0)

    def flip(status: str, when: datetime) -> int:
        _set_positioning(store.id, status, when)
        told = check_gates([store.id], now=when)
        db.session.commit()
        return told

    assert check_gates([store.id], now=day_one) == 0
    assert flip("done", day_one) == 1
    assert flip("open", day_one + timedelta(hours=1)) == 0
    assert flip("done", day_one + timedelta(hours=2)) == 0  # done again the same day: said
    assert flip("open", day_one + timedelta(days=1)) == 0
    assert flip("done", day_one + timedelta(days=3)) == 1  # done again days later: said again
    told = _gate_reminders()
    assert [(r.user_id, r.task_id) for r in told] == [(manager.id, ads.id)] * 2
    assert all(r.subject.startswith("Unlocked: ") for r in told)


def test_a_gate_shut_and_opened_by_followers_hovering_at_the_target_is_told_once(
    app, make_user, make_store
):
    """Followers go below the target and back (an import, a correction): the ads task locks
    and unlocks with them, but nothing new was done: it is said once, not every time."""
    manager = make_user()
    manager.digest = False
    store = make_store(actor=manager, opened_on="2026-10-01", follower_target=1000)
    day_one = utcnow().replace(hour=12, minute=0, second=0, microsecond=0)
    _set_positioning(store.id, "done", day_one)
    db.session.commit()
    told = []
    for day, followers in enumerate([1001, 999, 1002, 998, 1000]):
        store.followers = followers
        told.append(check_gates([store.id], now=day_one + timedelta(days=day)))
        db.session.commit()
    assert told == [1, 0, 0, 0, 0]
    assert len(_gate_reminders()) == 1

"""The login throttle holds under simultaneous tries and does not lock the owner out."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tests.together import run_together
from tracker.auth.models import LoginThrottle
from tracker.auth.services import CLIENT, FREE_FAILURES, check_login, reserve_login
from tracker.clock import utcnow
from tracker.extensions import db

BURST = 25
GUESSER = "203.0.113.7"


def _burst(app: Any, email: str, password: str, client: str) -> Counter[int]:
    """Send BURST logins at the same instant, each from its own browser; count the statuses."""
    statuses: list[int] = []
    lock = threading.Lock()

    def one(start: threading.Barrier) -> None:
        browser = app.test_client()
        start.wait()
        answer = browser.post(
            "/login",
            data={"email": email, "password": password},
            environ_base={"REMOTE_ADDR": client},
        )
        with lock:
            statuses.append(answer.status_code)

    run_together([one] * BURST)
    return Counter(statuses)


def test_simultaneous_logins_are_counted_one_by_one_and_none_gets_past_the_limit(
    app, make_user, monkeypatch
):
    # The whole test happens at one instant: no wait runs out however slow the machine is.
    instant = utcnow()
    monkeypatch.setattr("tracker.auth.services.utcnow", lambda: instant)
    owner = make_user("manager", email="owner@example.com")
    wrong = _burst(app, owner.email, "not the password", GUESSER)
    # No 500: each try is refused (401) or told to wait (429).
    assert set(wrong) <= {401, 429} and wrong[429] >= BURST - FREE_FAILURES, wrong
    # Exactly the free tries were counted and checked; the rest waited without a check.
    pair = db.session.get(LoginThrottle, f"pair:{owner.email} {GUESSER}")
    account = db.session.get(LoginThrottle, f"email:{owner.email}")
    assert pair is not None and pair.level == FREE_FAILURES
    assert account is not None and account.level == FREE_FAILURES

    # The right password, as often as you like, does not get in past the limit.
    right = _burst(app, owner.email, PASSWORD, GUESSER)
    assert right == {429: BURST}, right

    # The owner, from their own browser elsewhere, is not locked out by the guesser.
    elsewhere = app.test_client().post(
        "/login",
        data={"email": owner.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "198.51.100.20"},
    )
    assert elsewhere.status_code == 302


def test_a_stranger_guessing_every_five_minutes_does_not_lock_the_owner_out(app, make_user):
    owner = make_user("manager")
    clock = utcnow()
    for _ in range(36):  # three hours of one bad try every five minutes
        check_login(owner.email, "guess", "198.51.100.66", now=clock)
        db.session.commit()
        result = check_login(owner.email, PASSWORD, "203.0.113.1", now=clock + timedelta(seconds=1))
        db.session.commit()
        assert result.user is not None, result
        clock += timedelta(minutes=5)


def test_one_client_guessing_across_many_addresses_is_stopped(app, make_user):
    clock = utcnow()
    checked = 0
    for number in range(66):  # 66 guesses across 22 addresses in 32 seconds
        address = f"person{number % 22}@example.com"
        now = clock + timedelta(seconds=number * 32 / 66)
        if reserve_login(address, GUESSER, now=now) == 0:
            checked += 1
        db.session.commit()
    # Twenty at once, then one each time the client's count forgets a failure (30 s).
    assert CLIENT.free <= checked <= CLIENT.free + 1


def test_old_counts_are_pruned(app, make_user):
    long_ago = utcnow() - timedelta(days=3)
    for number in range(5):
        check_login(f"gone{number}@example.com", "guess", "192.0.2.1", now=long_ago)
        db.session.commit()
    check_login("someone@example.com", "guess", "192.0.2.2")
    db.session.commit()
    keys = db.session.scalars(select(LoginThrottle.key)).all()
    assert not [key for key in keys if "gone" in key or "192.0.2.1" in key]
    assert db.session.scalar(select(func.count()).select_from(LoginThrottle)) == 3

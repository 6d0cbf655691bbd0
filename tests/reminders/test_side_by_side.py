"""One slow or dead receiver holds up only its own reminders; robots' limits are shared.

Before, each dispatcher sent one reminder at a time (up to 10 s each, 50 a batch): a dead
webhook delayed another person's 20 healthy reminders by 52.7 s. And each process kept its own
rate-limit window, so two schedulers sent a WeCom robot twice its 20 messages a minute.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask_migrate import stamp
from sqlalchemy import func, insert, select

from tracker.clock import utcnow
from tracker.extensions import db
from tracker.reminders.channels import Target
from tracker.reminders.dispatch import DispatchSettings, dispatch_due
from tracker.reminders.models import Reminder
from tracker.reminders.ratelimit import SharedRateLimiter
from tracker.reminders.services import add_channel

# Generous bounds: nothing here is timed; they only stop a broken run from hanging forever.
BOUND_SECONDS = 120.0
SIDE_BY_SIDE = DispatchSettings(
    lease_seconds=600,
    send_seconds=300,  # a deadline far away: the blocked send stays blocked until released
    max_attempts=3,
    backoff_seconds=0,
    batch_size=50,
    senders=4,
    senders_per_destination=2,
    allow_private_targets=True,  # the sinks listen on 127.0.0.1
)


class Server:
    """A local HTTP receiver; ``handle(key, body)`` returns (status, answer bytes)."""

    def __init__(self, handle: Callable[[str, dict[str, Any]], tuple[int, bytes]]) -> None:
        self.keys: Counter[str] = Counter()
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real receivers do

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                sent = self.headers.get("Idempotency-Key", "") or body.get("id", "")
                key = sent.rpartition("/")[2]  # the reminder's own, after the install id
                with server.lock:
                    server.arrived.append(key)
                status, answer = handle(key, body)
                if 200 <= status < 300:
                    with server.lock:
                        server.keys[key] += 1
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *_: Any) -> None:
                pass

        self.arrived: list[str] = []
        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.http.daemon_threads = True
        self.thread = threading.Thread(
            target=self.http.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/hook"

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def servers() -> Iterator[Callable[..., Server]]:
    started: list[Server] = []

    def start(handle: Callable[[str, dict[str, Any]], tuple[int, bytes]]) -> Server:
        server = Server(handle)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


def _queue(person, channel, keys, *, due_seconds_ago: float) -> None:
    now = utcnow()
    db.session.execute(
        insert(Reminder),
        [
            {
                "key": key,
                "user_id": person.id,
                "channel_id": channel.id,
                "kind": "due_soon",
                "subject": f"Reminder {key}",
                "text": f"Reminder {key} is due.",
                "payload": {"store": None, "tasks": []},
                "state": "pending",
                "attempts": 0,
                "next_attempt_at": now - timedelta(seconds=due_seconds_ago),
                "created_at": now,
            }
            for key in keys
        ],
    )
    db.session.commit()


def _states(keys) -> Counter[str]:
    db.session.rollback()
    db.session.expire_all()
    return Counter(
        db.session.scalars(select(Reminder.state).where(Reminder.key.in_(list(keys)))).all()
    )


def _until(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + BOUND_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_a_dead_receiver_holds_up_only_its_own_reminders(app, make_user, servers):
    release = threading.Event()

    def stalled(_key: str, _body: dict[str, Any]) -> tuple[int, bytes]:
        release.wait(BOUND_SECONDS)  # a receiver that takes the request and never answers
        return 200, b""

    dead = servers(stalled)
    healthy = servers(lambda _key, _body: (200, b""))
    slow_person, well_person = make_user(), make_user()
    dead_channel = add_channel(slow_person, "webhook", dead.url)
    healthy_channel = add_channel(well_person, "webhook", healthy.url)
    db.session.commit()
    # The dead receiver's reminders are due first, so they are claimed and started first.
    dead_keys = [f"dead{number}" for number in range(5)]
    healthy_keys = [f"well{number}" for number in range(20)]
    _queue(slow_person, dead_channel, dead_keys, due_seconds_ago=60)
    _queue(well_person, healthy_channel, healthy_keys, due_seconds_ago=30)

    reports = []

    def dispatcher() -> None:
        with app.app_context():
            reports.append(dispatch_due(SIDE_BY_SIDE))
            db.session.remove()

    thread = threading.Thread(target=dispatcher)
    thread.start()
    try:
        # Every healthy reminder arrives, and is recorded as sent, while the dead receiver
        # still holds its first requests.
        assert _until(lambda: sum(healthy.keys.values()) == 20), healthy.keys
        assert _until(lambda: _states(healthy_keys) == {"sent": 20}), _states(healthy_keys)
        assert not release.is_set()
        # The dead host was given no more than its share of the senders.
        assert 1 <= len(dead.arrived) <= SIDE_BY_SIDE.senders_per_destination
        assert _states(dead_keys) == {"sending": 5}
    finally:
        release.set()
        thread.join(BOUND_SECONDS)
    assert not thread.is_alive()
    assert healthy.keys == {key: 1 for key in healthy_keys}
    assert dead.keys == {key: 1 for key in dead_keys}  # once each, once it answered
    assert _states(dead_keys + healthy_keys) == {"sent": 25}
    assert reports[0].sent == 25 and reports[0].lost_leases == 0


def test_a_batch_longer_than_its_lease_renews_it_and_sends_nothing_twice(app, make_user, servers):
    """Sends queued behind a slow host start late: the lease is renewed before they start, so
    a second dispatcher polling meanwhile never sends a row this one still has to send."""
    first_arrived = threading.Event()

    def slow(_key: str, _body: dict[str, Any]) -> tuple[int, bytes]:
        first_arrived.set()
        time.sleep(0.3)
        return 200, b""

    server = servers(slow)
    person = make_user()
    channel = add_channel(person, "webhook", server.url)
    db.session.commit()
    keys = [f"row{number}" for number in range(30)]
    _queue(person, channel, keys, due_seconds_ago=5)
    # One send at a time to the host: the batch takes about 9 s, over twice its lease. A
    # send starts only while the lease outlasts its deadline by a second, so a 0.3 s send
    # leaves its outcome 2.7 s to be written. With a lease of 1.2 s (0.9 s to spare), a
    # machine at load 10 once stalled the dispatcher past it and the rival sent a row
    # again: a process stalled longer than its lease can always be taken over.
    settings = DispatchSettings(
        lease_seconds=4.0,
        send_seconds=2.0,
        backoff_seconds=0,
        senders=4,
        senders_per_destination=1,
        allow_private_targets=True,
    )
    stop = threading.Event()
    rival_sent: list[int] = []

    def rival() -> None:
        first_arrived.wait(BOUND_SECONDS)  # the batch is claimed and under way
        with app.app_context():
            while not stop.is_set():
                rival_sent.append(dispatch_due(settings, max_batches=1).sent)
                db.session.remove()
                time.sleep(0.05)

    thread = threading.Thread(target=rival)
    thread.start()
    try:
        report = dispatch_due(settings)
    finally:
        stop.set()
        first_arrived.set()
        thread.join(BOUND_SECONDS)
    assert server.keys == {key: 1 for key in keys}  # every one once, whoever sent it
    assert report.sent + sum(rival_sent) == len(keys)
    assert _states(keys) == {"sent": len(keys)}


def test_two_dispatchers_share_one_robot_allowance(app):
    """Two limiters with nothing in memory stand for two processes: the window is the
    database's."""
    robot = Target("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=robot-one")
    other = Target("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=robot-two")
    first, second = SharedRateLimiter(), SharedRateLimiter()
    assert first.take(robot, 15, now=1000.0) == (15, 0.0)
    taken, wait = second.take(robot, 15, now=1001.0)
    assert taken == 5  # 20 a minute in all, not 20 each
    assert wait == pytest.approx(59.0)  # the first of the 20 leaves the window at 1060
    assert first.take(robot, 1, now=1059.5)[0] == 0
    assert second.take(robot, 1, now=1060.0) == (1, 0.0)
    assert first.take(other, 20, now=1001.0) == (20, 0.0)  # each robot has its own


def _robot_answer(_key: str, _body: dict[str, Any]) -> tuple[int, bytes]:
    return 200, b'{"errcode": 0, "errmsg": "ok"}'


def test_a_second_scheduler_process_keeps_to_the_robots_limit(
    app, make_user, servers, database_url, tmp_path
):
    robot = servers(_robot_answer)
    person = make_user()
    channel = add_channel(person, "wecom", f"{robot.url}?key=robot-key")
    db.session.commit()
    keys = [f"robot{number}" for number in range(30)]
    _queue(person, channel, keys, due_seconds_ago=5)

    first = dispatch_due(SIDE_BY_SIDE)
    assert first.sent == 20 and first.deferred == 10

    # Another scheduler process, started now, finds the deferred ten due: it must not send
    # them within the same minute.
    db.session.execute(
        Reminder.__table__.update()
        .where(Reminder.state == "pending")
        .values(next_attempt_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    stamp()  # the test's schema came from the models: tell the other process it is current
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "a-test-secret-key-that-is-long-enough-0123",
        "TRACKER_ALLOW_PRIVATE_TARGETS": "1",
        "TRACKER_SCHEDULER": "off",
    }
    result = subprocess.run(
        [str(Path(sys.executable).with_name("tracker")), "reminders", "dispatch"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=BOUND_SECONDS,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert sum(robot.keys.values()) == 20
    db.session.rollback()
    assert (
        db.session.scalar(
            select(func.count()).select_from(Reminder).where(Reminder.state == "sent")
        )
        == 20
    )

"""A send never outlasts its lease: a receiver that trickles its answer is cut off in time.

``timeout=`` in requests bounds each socket read, not the whole answer: a receiver that sent
one byte a second got the same reminder again and again, each time another dispatcher found
the lease run out while the first was still reading.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from tracker.clock import utcnow
from tracker.extensions import db
from tracker.reminders.channels import DeliveryError, Message, Target, deliver
from tracker.reminders.dispatch import DispatchSettings, dispatch_due
from tracker.reminders.models import Reminder
from tracker.reminders.services import add_channel

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Padding: " + b"x" * 200 + b"\r\n\r\nok"


class Trickler:
    """A receiver that reads each request at once and answers one byte every `pause` seconds."""

    def __init__(self, pause: float) -> None:
        self.pause = pause
        self.requests = 0
        self.first_request = threading.Event()
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}/hook"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._server.accept()
            except TimeoutError:
                continue
            thread = threading.Thread(target=self._answer, args=(connection,))
            thread.start()
            self._threads.append(thread)

    def _answer(self, connection: socket.socket) -> None:
        with connection:
            connection.settimeout(5)
            received = b""
            while b"\r\n\r\n" not in received:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                received += chunk
            head, _, body = received.partition(b"\r\n\r\n")
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
            while len(body) < length:
                body += connection.recv(65536)
            self.requests += 1
            self.first_request.set()
            for byte in ANSWER:
                if self._stop.is_set():
                    return
                try:
                    connection.sendall(bytes([byte]))
                except OSError:
                    return  # the sender gave up and hung up
                time.sleep(self.pause)

    def __enter__(self) -> Trickler:
        self._thread = threading.Thread(target=self._serve)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        for thread in self._threads:
            thread.join()
        self._server.close()


@pytest.fixture
def trickler() -> Iterator[Trickler]:
    """A webhook receiver that takes about a minute to answer, one byte at a time."""
    with Trickler(pause=0.25) as receiver:
        yield receiver


def test_a_trickling_answer_is_cut_off_at_the_send_deadline(trickler: Trickler) -> None:
    message = Message(
        id="k", kind="due_soon", user="a@example.com", store=None, tasks=[], subject="s", text="t"
    )
    with pytest.raises(DeliveryError) as raised:
        deliver(
            Target("webhook", trickler.url, None),
            message,
            smtp=None,
            timeout=1.0,
            allow_private=True,  # the trickler listens on 127.0.0.1
        )
    assert raised.value.retryable
    assert "within 1 s" in str(raised.value)


def test_a_second_dispatcher_never_resends_while_a_slow_answer_trickles_in(
    app, make_user, trickler: Trickler
) -> None:
    person = make_user()
    channel = add_channel(person, "webhook", trickler.url)
    db.session.commit()
    now = utcnow()
    db.session.execute(
        insert(Reminder),
        [
            {
                "key": "slow",
                "user_id": person.id,
                "channel_id": channel.id,
                "kind": "due_soon",
                "subject": "Slow",
                "text": "Slow",
                "payload": {"store": None, "tasks": []},
                "state": "pending",
                "attempts": 0,
                "next_attempt_at": now - timedelta(seconds=1),
                "created_at": now,
            }
        ],
    )
    db.session.commit()
    # A 6 s lease: the send must end (answered or not) within it, here within 3 s.
    settings = DispatchSettings(
        lease_seconds=6, backoff_seconds=600, max_attempts=5, allow_private_targets=True
    )

    def first_dispatcher() -> None:
        with app.app_context():
            try:
                dispatch_due(settings, max_batches=1)
            finally:
                db.session.remove()

    first = threading.Thread(target=first_dispatcher)
    first.start()
    assert trickler.first_request.wait(60)
    time.sleep(7)  # the lease has run out by now, whatever happened to the first send
    with app.app_context():
        try:
            dispatch_due(settings, max_batches=1)
        finally:
            db.session.remove()
    first.join()

    assert trickler.requests == 1
    db.session.expire_all()
    row = db.session.scalars(select(Reminder).where(Reminder.key == "slow")).one()
    assert row.state == "failed" and "within 3 s" in row.last_error

"""Channel targets never reach loopback, private or inside addresses (SSRF), unless allowed."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from flask_migrate import stamp
from sqlalchemy import select

from tracker import create_app
from tracker.extensions import db
from tracker.reminders.channels import DeliveryError, Message, Target, deliver
from tracker.reminders.dispatch import DispatchSettings, dispatch_due
from tracker.reminders.models import Channel, Reminder
from tracker.reminders.queue import queue_now

# Every spelling the attack used, and more of the same addresses.
INSIDE = [
    "http://127.0.0.1:5432/",
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://[fd00:ec2::254]/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://0x7f000001:22/",
    "http://10.0.0.1/",
    "https://192.168.1.1/",
    "http://2130706433/",
    "http://017700000001/",
    "http://127.1/",
    "http://0/",
    "http://0.0.0.0:8080/",
    "http://[::1]/",
    "http://[::]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::ffff:a9fe:a9fe]/",
    "http://[fe80::1]/",
    "http://224.0.0.1/",
    "http://[ff02::1]/",
    "http://100.64.0.1/",
    "http://172.16.0.1/",
    "http://localhost:8000/",
    "http://LocalHost./",
    "http://printer.local/",
    "http://intranet/",
    "http://user:pw@127.0.0.1/",
    "http://[64:ff9b::a00:1]/",
]


class Recorder(BaseHTTPRequestHandler):
    """Answer 500 with a body that must never be stored or shown; count each request."""

    hits: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        Recorder.hits.append(self.path)
        body = b"INTERNAL-SECRET aws_secret_access_key=wJalrXUtnFEMI"
        self.send_response(500)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def inside_server() -> Iterator[str]:
    """A service on 127.0.0.1 that an attacker would like the scheduler to reach."""
    Recorder.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/admin"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def strict(app) -> Any:
    """The production default: private targets refused."""
    app.config["TRACKER_ALLOW_PRIVATE_TARGETS"] = False
    return app


def _message() -> Message:
    return Message(
        id="r-1",
        kind="due_soon",
        user="ana@example.com",
        store=None,
        tasks=[],
        subject="s",
        text="t",
    )


@pytest.mark.parametrize("url", INSIDE)
def test_an_inside_address_is_refused_when_the_channel_is_saved(strict, make_user, client, url):
    person = make_user()
    client.post("/login", data={"email": person.email, "password": "correct horse battery"})
    page = client.post("/account/channels", data={"kind": "webhook", "target": url})
    assert page.status_code == 400
    assert "target_not_allowed" in page.get_data(as_text=True)
    assert db.session.scalars(select(Channel)).all() == []


@pytest.mark.parametrize("url", ["http://0x7f000001:22/", "http://[fd00:ec2::254]/"])
def test_the_command_line_refuses_an_inside_address_with_exit_2(strict, make_user, runner, url):
    with strict.app_context():
        stamp()  # the schema the tests made is the current one: the command upgrades nothing
    person = make_user()
    result = runner.invoke(
        args=["channel", "add", "--email", person.email, "--kind", "slack", "--target", url]
    )
    assert result.exit_code == 2
    assert "target_not_allowed" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("url", INSIDE)
def test_an_inside_address_is_refused_when_sending(url):
    with pytest.raises(DeliveryError) as caught:
        deliver(Target("webhook", url), _message(), smtp=None, timeout=2)
    assert "target_not_allowed" in str(caught.value)
    assert caught.value.retryable is False


def test_a_saved_inside_target_is_not_posted_to_and_its_answer_is_not_kept(
    strict, make_user, inside_server
):
    person = make_user()
    # Saved before the rule existed (or while the operator allowed private targets).
    db.session.add(Channel(user=person, kind="webhook", target=inside_server))
    db.session.commit()
    queue_now([person], "gate_open", "k", "Unlocked", "now", store=None, tasks=[])
    db.session.commit()
    report = dispatch_due(DispatchSettings(max_attempts=8, backoff_seconds=0))
    assert Recorder.hits == []
    row = db.session.scalars(select(Reminder).where(Reminder.channel_id.is_not(None))).one()
    assert row.state == "dead" and row.attempts == 1  # not retried 8 times
    assert "target_not_allowed" in (row.last_error or "")
    assert report.dead == 1


def test_a_name_that_turns_private_after_the_check_is_not_reached(
    strict, make_user, client, inside_server, monkeypatch
):
    """DNS rebinding: public when saved, 127.0.0.1 when sent; the send checks its own lookup."""
    port = int(inside_server.split(":")[2].split("/")[0])
    # Public for the check on saving and the check before sending; inside when connecting.
    answers = iter(["93.184.215.14"] * 2 + ["127.0.0.1"] * 20)
    real = socket.getaddrinfo

    def rebinding(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "hooks.rebind.example":
            return real(next(answers), *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    person = make_user()
    client.post("/login", data={"email": person.email, "password": "correct horse battery"})
    url = f"http://hooks.rebind.example:{port}/admin"
    assert client.post("/account/channels", data={"kind": "webhook", "target": url}).status_code
    assert db.session.scalars(select(Channel)).one().target == url
    queue_now([person], "gate_open", "k", "Unlocked", "now", store=None, tasks=[])
    db.session.commit()
    dispatch_due(DispatchSettings(max_attempts=8, backoff_seconds=0))
    assert Recorder.hits == []
    row = db.session.scalars(select(Reminder).where(Reminder.channel_id.is_not(None))).one()
    assert row.state == "dead" and "target_not_allowed" in (row.last_error or "")


def test_an_allowed_private_target_keeps_only_the_status_never_the_body(
    app, make_user, inside_server, client
):
    app.config["TRACKER_ALLOW_PRIVATE_TARGETS"] = True
    person = make_user()
    db.session.add(Channel(user=person, kind="webhook", target=inside_server))
    db.session.commit()
    queue_now([person], "gate_open", "k", "Unlocked", "now", store=None, tasks=[])
    db.session.commit()
    dispatch_due(DispatchSettings(max_attempts=1, allow_private_targets=True))
    assert Recorder.hits == ["/admin"]
    row = db.session.scalars(select(Reminder).where(Reminder.channel_id.is_not(None))).one()
    assert "500" in (row.last_error or "")
    assert "INTERNAL-SECRET" not in (row.last_error or "")
    assert "wJalr" not in (row.last_error or "")
    client.post("/login", data={"email": person.email, "password": "correct horse battery"})
    outbox = client.get("/reminders").get_data(as_text=True)
    assert "500" in outbox and "INTERNAL-SECRET" not in outbox


def test_the_operator_opts_in_with_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    assert create_app().config["TRACKER_ALLOW_PRIVATE_TARGETS"] is False
    monkeypatch.setenv("TRACKER_ALLOW_PRIVATE_TARGETS", "1")
    assert create_app().config["TRACKER_ALLOW_PRIVATE_TARGETS"] is True

"""Delivering one reminder over each channel, against local HTTP and SMTP servers."""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote_plus, urlsplit

import pytest
from aiosmtpd.controller import Controller

from tracker.reminders.channels import (
    DeliveryError,
    Message,
    SmtpSettings,
    Target,
    deliver,
    describe_target,
    mask_secret,
)
from tracker.reminders.channels.http import KeptAlive
from tracker.reminders.ratelimit import RateLimiter

NOW = 1_767_225_600.0  # 2026-01-01T00:00:00Z
WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DINGTALK_TOKEN = "a6d1d2f0c1e3b5f7a9c8e6d4b2a0f1e3c5d7b9a8f6e4d2c0b1a3e5f7d9c8b6a4"
DINGTALK_SECRET = "SEC0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8"
FEISHU_HOOK = "0b8e5a2c-4d6f-4a1b-9c3e-7f2d1a0b9c8e"
FEISHU_SECRET = "qTmYLxJ8Hc4vRzW2pN6sK0aF"
SLACK_HOOK = "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"


def make_message(**overrides: Any) -> Message:
    values: dict[str, Any] = {
        "id": "reminder:42:due_soon:2026-01-02",
        "kind": "due_soon",
        "user": "ops@example.com",
        "store": {"id": 7, "name": "Sunrise US"},
        "tasks": [{"id": 42, "title": "Book the FBT inbound slot", "due_on": "2026-01-02"}],
        "subject": "Due tomorrow: Book the FBT inbound slot",
        "text": "Sunrise US\n- Book the FBT inbound slot (due 2026-01-02)\nOpen the tracker.",
    }
    values.update(overrides)
    return Message(**values)


# --- a local HTTP server that records requests and answers as each test scripts it -------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query)


@dataclass
class Answer:
    status: int = 200
    body: str | dict = ""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        hook: Hook = self.server.hook  # type: ignore[attr-defined]
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        hook.received.append(Received(self.path, dict(self.headers.items()), body))
        answer = hook.answers.popleft() if hook.answers else Answer()
        if answer.delay:
            hook.release.wait(answer.delay)
        payload = answer.body if isinstance(answer.body, str) else json.dumps(answer.body)
        encoded = payload.encode()
        try:
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(encoded)))
            self.end_headers()
            self.wfile.write(encoded)
        except OSError:
            pass  # the client gave up waiting (the timeout test)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Hook:
    def __init__(self, server: ThreadingHTTPServer) -> None:
        self.server = server
        self.received: list[Received] = []
        self.answers: deque[Answer] = deque()
        self.release = threading.Event()

    def answer(self, status: int = 200, body: str | dict = "", **options: Any) -> None:
        self.answers.append(Answer(status, body, **options))

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"


@pytest.fixture
def hook() -> Iterator[Hook]:
    """Serve scripted answers on a free local port and record what arrives."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    recorder = Hook(server)
    server.hook = recorder  # type: ignore[attr-defined]
    # A short poll interval keeps shutdown() from taking half a second per test.
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield recorder
    recorder.release.set()
    server.shutdown()
    server.server_close()
    thread.join()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


TRANSPORTS = ("a send's own session", "a dispatcher's kept-alive client")
_transport = {"name": TRANSPORTS[0]}


@pytest.fixture(autouse=True, params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run every test both ways an HTTP channel sends: alone, or as a dispatcher does."""
    _transport["name"] = request.param
    yield request.param
    _transport["name"] = TRANSPORTS[0]


def send(target: Target, message: Message | None = None, **options: Any) -> None:
    options.setdefault("smtp", None)
    options.setdefault("now", lambda: NOW)
    options.setdefault("allow_private", True)  # the test services listen on 127.0.0.1
    if _transport["name"] == TRANSPORTS[0] or "session" in options:
        deliver(target, message or make_message(), **options)
        return
    client = KeptAlive(allow_private=options["allow_private"], connections_per_host=2)
    try:
        deliver(target, message or make_message(), session=client, **options)
    finally:
        client.close()


def failure(target: Target, message: Message | None = None, **options: Any) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        send(target, message, **options)
    return caught.value


# --- generic webhook ----------------------------------------------------------------------------


def test_webhook_posts_the_reminder_as_json_with_its_idempotency_key(hook: Hook) -> None:
    message = make_message()
    send(Target("webhook", hook.url()), message)

    [request] = hook.received
    assert request.headers["Idempotency-Key"] == message.id
    assert request.headers["Content-Type"] == "application/json"
    body = request.json()
    assert {key: body[key] for key in ("id", "kind", "user", "store", "tasks", "text")} == {
        "id": message.id,
        "kind": "due_soon",
        "user": "ops@example.com",
        "store": {"id": 7, "name": "Sunrise US"},
        "tasks": message.tasks,
        "text": message.text,
    }


def test_webhook_sends_the_same_idempotency_key_when_the_reminder_is_retried(hook: Hook) -> None:
    hook.answer(503)
    message = make_message()
    with pytest.raises(DeliveryError):
        send(Target("webhook", hook.url()), message)
    send(Target("webhook", hook.url()), message)

    keys = [request.headers["Idempotency-Key"] for request in hook.received]
    assert keys == [message.id, message.id]


def test_webhook_writes_dates_in_tasks_as_iso_strings(hook: Hook) -> None:
    tasks = [{"id": 1, "title": "Ship samples", "due_on": date(2026, 3, 9)}]
    send(Target("webhook", hook.url()), make_message(tasks=tasks, store=None, kind="digest"))

    body = hook.received[0].json()
    assert body["tasks"] == [{"id": 1, "title": "Ship samples", "due_on": "2026-03-09"}]
    assert body["store"] is None


def test_webhook_with_a_secret_signs_timestamp_and_body(hook: Hook) -> None:
    send(Target("webhook", hook.url(), secret="whsec-4f9c2b7e1a6d"))

    request = hook.received[0]
    assert request.headers["X-Tracker-Timestamp"] == str(int(NOW))
    expected = hmac.new(
        b"whsec-4f9c2b7e1a6d", f"{int(NOW)}.".encode() + request.body, hashlib.sha256
    ).hexdigest()
    assert request.headers["X-Tracker-Signature"] == f"sha256={expected}"


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_webhook_any_2xx_is_delivered(hook: Hook, status: int) -> None:
    hook.answer(status)
    send(Target("webhook", hook.url()))
    assert len(hook.received) == 1


@pytest.mark.parametrize("status", [408, 409, 425, 429, 500, 502, 503, 504])
def test_webhook_server_errors_and_throttling_are_retried(hook: Hook, status: int) -> None:
    hook.answer(status, "try later")
    error = failure(Target("webhook", hook.url()))
    assert error.retryable
    assert str(status) in str(error)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422])
def test_webhook_other_client_errors_are_final(hook: Hook, status: int) -> None:
    hook.answer(status, "nope")
    error = failure(Target("webhook", hook.url()))
    assert not error.retryable
    assert str(status) in str(error)


def test_webhook_429_honours_retry_after_seconds(hook: Hook) -> None:
    hook.answer(429, headers={"Retry-After": "17"})
    error = failure(Target("webhook", hook.url()))
    assert error.retryable
    assert error.retry_after == 17


def test_webhook_503_honours_retry_after_as_a_date(hook: Hook) -> None:
    hook.answer(503, headers={"Retry-After": formatdate(NOW + 120, usegmt=True)})
    error = failure(Target("webhook", hook.url()))
    assert error.retryable
    assert error.retry_after == 120


def test_webhook_redirect_is_reported_not_followed(hook: Hook) -> None:
    hook.answer(302, headers={"Location": hook.url("/elsewhere")})
    error = failure(Target("webhook", hook.url()))
    assert not error.retryable
    assert [request.path for request in hook.received] == ["/hook"]


def test_webhook_that_does_not_answer_in_time_is_retried(hook: Hook) -> None:
    hook.answer(200, delay=5.0)
    started = time.monotonic()
    error = failure(Target("webhook", hook.url()), timeout=0.2)
    assert error.retryable
    assert time.monotonic() - started < 2.0


def test_connection_refused_is_retried_and_does_not_quote_the_signed_url() -> None:
    url = f"http://127.0.0.1:{free_port()}/robot/send?access_token={DINGTALK_TOKEN}"
    error = failure(Target("dingtalk", url, secret=DINGTALK_SECRET))
    assert error.retryable
    assert "refused" in str(error).lower()
    for secret in (DINGTALK_TOKEN, DINGTALK_SECRET, "sign=", "timestamp="):
        assert secret not in str(error)
    assert error.__cause__ is None and error.__suppress_context__


def test_a_url_that_is_not_http_is_refused_without_sending() -> None:
    error = failure(Target("webhook", "ftp://example.com/hook"))
    assert not error.retryable


# --- Slack --------------------------------------------------------------------------------------


def test_slack_posts_the_subject_in_bold_and_accepts_ok(hook: Hook) -> None:
    hook.answer(200, "ok")
    message = make_message(subject="Overdue: <2> tasks & more", text="line one\nline two")
    send(Target("slack", hook.url(f"/services/{SLACK_HOOK}")), message)

    body = hook.received[0].json()
    assert body == {"text": "*Overdue: &lt;2&gt; tasks &amp; more*\nline one\nline two"}


def test_slack_invalid_payload_is_final_and_named(hook: Hook) -> None:
    hook.answer(400, "invalid_payload")
    error = failure(Target("slack", hook.url(f"/services/{SLACK_HOOK}")))
    assert not error.retryable
    assert "invalid_payload" in str(error)


def test_slack_no_service_is_final(hook: Hook) -> None:
    hook.answer(404, "no_service")
    error = failure(Target("slack", hook.url(f"/services/{SLACK_HOOK}")))
    assert not error.retryable
    assert "no_service" in str(error)


def test_slack_rate_limit_waits_as_told(hook: Hook) -> None:
    hook.answer(429, "rate_limited", headers={"Retry-After": "1"})
    error = failure(Target("slack", hook.url(f"/services/{SLACK_HOOK}")))
    assert error.retryable
    assert error.retry_after == 1


def test_slack_server_error_is_retried(hook: Hook) -> None:
    hook.answer(500, "rollup_error")
    assert failure(Target("slack", hook.url(f"/services/{SLACK_HOOK}"))).retryable


# --- Feishu -------------------------------------------------------------------------------------


def test_feishu_signs_with_the_documented_scheme(hook: Hook) -> None:
    hook.answer(200, {"code": 0, "msg": "success", "data": {}})
    message = make_message()
    send(Target("feishu", hook.url(f"/open-apis/bot/v2/hook/{FEISHU_HOOK}"), FEISHU_SECRET))

    body = hook.received[0].json()
    assert body["msg_type"] == "text"
    assert body["content"] == {"text": f"{message.subject}\n{message.text}"}
    assert body["timestamp"] == str(int(NOW))
    # Feishu: HMAC-SHA256 keyed with "timestamp\nsecret" over an empty message, then base64.
    key = f"{body['timestamp']}\n{FEISHU_SECRET}".encode()
    expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert body["sign"] == expected


def test_feishu_without_a_secret_sends_no_signature(hook: Hook) -> None:
    hook.answer(200, {"StatusCode": 0, "StatusMessage": "success"})
    send(Target("feishu", hook.url(f"/open-apis/bot/v2/hook/{FEISHU_HOOK}")))
    assert "sign" not in hook.received[0].json()


def test_feishu_error_code_in_a_200_answer_is_a_failure(hook: Hook) -> None:
    hook.answer(200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"})
    error = failure(
        Target("feishu", hook.url(f"/open-apis/bot/v2/hook/{FEISHU_HOOK}"), FEISHU_SECRET)
    )
    assert not error.retryable
    assert "19021" in str(error)
    assert "sign match fail" in str(error)
    assert FEISHU_SECRET not in str(error)
    assert FEISHU_HOOK not in str(error)


@pytest.mark.parametrize("code", [9499, 11232])
def test_feishu_frequency_limit_is_retried(hook: Hook, code: int) -> None:
    hook.answer(200, {"code": code, "msg": "too many request"})
    error = failure(Target("feishu", hook.url(f"/open-apis/bot/v2/hook/{FEISHU_HOOK}")))
    assert error.retryable
    assert str(code) in str(error)


# --- WeCom --------------------------------------------------------------------------------------


def wecom_target(hook: Hook) -> Target:
    return Target("wecom", hook.url(f"/cgi-bin/webhook/send?key={WECOM_KEY}"))


def test_wecom_posts_text_to_the_keyed_url(hook: Hook) -> None:
    hook.answer(200, {"errcode": 0, "errmsg": "ok"})
    message = make_message()
    send(wecom_target(hook), message)

    request = hook.received[0]
    assert request.query == {"key": [WECOM_KEY]}
    assert request.json() == {
        "msgtype": "text",
        "text": {"content": f"{message.subject}\n{message.text}"},
    }


def test_wecom_keeps_text_within_its_2048_byte_limit(hook: Hook) -> None:
    hook.answer(200, {"errcode": 0, "errmsg": "ok"})
    send(wecom_target(hook), make_message(text="逾期任务\n" * 400))
    content = hook.received[0].json()["text"]["content"]
    assert len(content.encode()) <= 2048
    assert content.endswith("…")


@pytest.mark.parametrize("code", [45009, -1])
def test_wecom_rate_limit_and_busy_are_retried(hook: Hook, code: int) -> None:
    hook.answer(200, {"errcode": code, "errmsg": "api freq out of limit"})
    error = failure(wecom_target(hook))
    assert error.retryable
    assert str(code) in str(error)


def test_wecom_invalid_key_is_final_and_keeps_the_key_out_of_the_error(hook: Hook) -> None:
    hook.answer(200, {"errcode": 93000, "errmsg": f"invalid webhook url, key: {WECOM_KEY}"})
    error = failure(wecom_target(hook))
    assert not error.retryable
    assert "93000" in str(error)
    assert WECOM_KEY not in str(error)


# --- DingTalk -----------------------------------------------------------------------------------


def dingtalk_target(hook: Hook, secret: str | None = DINGTALK_SECRET) -> Target:
    return Target("dingtalk", hook.url(f"/robot/send?access_token={DINGTALK_TOKEN}"), secret)


def test_dingtalk_signs_in_the_query_with_the_documented_scheme(hook: Hook) -> None:
    hook.answer(200, {"errcode": 0, "errmsg": "ok"})
    message = make_message()
    send(dingtalk_target(hook), message)

    request = hook.received[0]
    query = request.query
    assert query["access_token"] == [DINGTALK_TOKEN]
    assert query["timestamp"] == [str(int(NOW * 1000))]
    # DingTalk: base64(HMAC-SHA256(key=secret, msg="timestamp\nsecret")), then URL-encoded.
    string_to_sign = f"{query['timestamp'][0]}\n{DINGTALK_SECRET}".encode()
    digest = hmac.new(DINGTALK_SECRET.encode(), string_to_sign, hashlib.sha256).digest()
    expected = base64.b64encode(digest).decode()
    assert query["sign"] == [expected]
    assert f"sign={quote_plus(expected)}" in request.path
    assert request.json() == {
        "msgtype": "text",
        "text": {"content": f"{message.subject}\n{message.text}"},
    }


def test_dingtalk_without_a_secret_sends_no_signature(hook: Hook) -> None:
    hook.answer(200, {"errcode": 0, "errmsg": "ok"})
    send(dingtalk_target(hook, secret=None))
    assert set(hook.received[0].query) == {"access_token"}


def test_dingtalk_sending_too_fast_is_retried_after_its_throttle(hook: Hook) -> None:
    hook.answer(200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"})
    error = failure(dingtalk_target(hook))
    assert error.retryable
    assert error.retry_after == 600
    assert "130101" in str(error)


def test_dingtalk_security_refusal_is_final_and_quotes_no_secret(hook: Hook) -> None:
    hook.answer(200, {"errcode": 310000, "errmsg": "sign not match, more: [https://ding.doc]"})
    error = failure(dingtalk_target(hook))
    assert not error.retryable
    assert "310000" in str(error)
    signed = hook.received[0].query["sign"][0]
    for secret in (DINGTALK_SECRET, DINGTALK_TOKEN, signed, quote_plus(signed)):
        assert secret not in str(error)


def test_dingtalk_unknown_error_code_is_final(hook: Hook) -> None:
    hook.answer(200, {"errcode": 400101, "errmsg": "access_token not exist"})
    assert not failure(dingtalk_target(hook)).retryable


# --- e-mail -------------------------------------------------------------------------------------


class Sink:
    """An aiosmtpd handler that keeps what it accepts and refuses as a test says."""

    def __init__(self) -> None:
        self.accepted: list[email.message.EmailMessage] = []
        self.envelope_recipients: list[list[str]] = []
        self.rcpt_reply: str | None = None
        self.data_reply = "250 Message accepted"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.data_reply.startswith("250"):
            self.envelope_recipients.append(list(envelope.rcpt_tos))
            self.accepted.append(
                email.message_from_bytes(envelope.content, policy=email.policy.default)
            )
        return self.data_reply


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[tuple[Sink, int]]:
    """Run a local SMTP sink for the module's e-mail tests."""
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


@pytest.fixture
def sink(smtp_server: tuple[Sink, int]) -> Sink:
    """Give each test a sink that accepts everything and remembers nothing yet."""
    sink, _ = smtp_server
    sink.__init__()
    return sink


@pytest.fixture
def smtp(smtp_server: tuple[Sink, int]) -> SmtpSettings:
    """Settings that reach the local sink without TLS."""
    return SmtpSettings(
        host="127.0.0.1", port=smtp_server[1], starttls=False, sender="tracker@shop.example"
    )


def test_email_is_sent_to_the_target_with_subject_and_body(sink: Sink, smtp) -> None:
    message = make_message()
    send(Target("email", "lead@shop.example"), message, smtp=smtp)

    [sent] = sink.accepted
    assert sink.envelope_recipients == [["lead@shop.example"]]
    assert sent["To"] == "lead@shop.example"
    assert sent["From"] == "tracker@shop.example"
    assert sent["Subject"] == message.subject
    plain = sent.get_body(("plain",)).get_content()
    assert plain.replace("\r\n", "\n").strip() == message.text


def test_email_for_the_same_reminder_keeps_its_message_id(sink: Sink, smtp) -> None:
    send(Target("email", "lead@shop.example"), make_message(id="r-1"), smtp=smtp)
    send(Target("email", "lead@shop.example"), make_message(id="r-1"), smtp=smtp)
    send(Target("email", "lead@shop.example"), make_message(id="r-2"), smtp=smtp)
    ids = [sent["Message-ID"] for sent in sink.accepted]
    assert ids[0] == ids[1] != ids[2]


@pytest.mark.parametrize(
    ("stage", "reply", "retryable"),
    [
        ("data", "451 4.3.0 Temporary local problem", True),
        ("data", "554 5.7.1 Message rejected as spam", False),
        ("rcpt", "450 4.2.1 Mailbox busy", True),
        ("rcpt", "550 5.1.1 No such user", False),
    ],
)
def test_email_temporary_replies_are_retried_and_permanent_ones_are_final(
    sink: Sink, smtp, stage: str, reply: str, retryable: bool
) -> None:
    if stage == "data":
        sink.data_reply = reply
    else:
        sink.rcpt_reply = reply
    error = failure(Target("email", "lead@shop.example"), smtp=smtp)
    assert error.retryable is retryable
    assert reply.split()[0] in str(error)


def test_email_without_smtp_settings_says_how_to_configure_it() -> None:
    error = failure(Target("email", "lead@shop.example"), smtp=None)
    assert not error.retryable
    assert str(error) == "SMTP is not configured: set TRACKER_SMTP_HOST"


def test_email_server_not_listening_is_retried() -> None:
    settings = SmtpSettings(host="127.0.0.1", port=free_port(), starttls=False)
    assert failure(Target("email", "lead@shop.example"), smtp=settings).retryable


def test_email_starttls_required_but_not_offered_is_final(smtp) -> None:
    settings = SmtpSettings(host=smtp.host, port=smtp.port, starttls=True, password="hunter2")
    error = failure(Target("email", "lead@shop.example"), smtp=settings)
    assert not error.retryable
    assert "hunter2" not in str(error)


def test_smtp_settings_come_from_the_environment() -> None:
    assert SmtpSettings.from_environ({}) is None
    settings = SmtpSettings.from_environ(
        {
            "TRACKER_SMTP_HOST": "mail.example.com",
            "TRACKER_SMTP_PORT": "2525",
            "TRACKER_SMTP_USERNAME": "robot",
            "TRACKER_SMTP_PASSWORD": "s3cret-pass",
            "TRACKER_SMTP_STARTTLS": "false",
            "TRACKER_SMTP_FROM": "reminders@example.com",
        }
    )
    assert settings == SmtpSettings(
        "mail.example.com", 2525, "robot", "s3cret-pass", False, "reminders@example.com"
    )
    assert "s3cret-pass" not in repr(settings)
    assert SmtpSettings.from_environ({"TRACKER_SMTP_HOST": "mx"}) == SmtpSettings("mx")


@pytest.mark.parametrize(
    ("variable", "value"),
    [("TRACKER_SMTP_PORT", "smtp"), ("TRACKER_SMTP_STARTTLS", "maybe")],
)
def test_smtp_settings_name_the_bad_variable(variable: str, value: str) -> None:
    with pytest.raises(ValueError, match=variable):
        SmtpSettings.from_environ({"TRACKER_SMTP_HOST": "mx", variable: value})


# --- masking ------------------------------------------------------------------------------------


def test_mask_secret_never_shows_the_whole_value() -> None:
    assert mask_secret(DINGTALK_SECRET) == f"{DINGTALK_SECRET[:4]}…{DINGTALK_SECRET[-4:]}"
    assert mask_secret("short") == "****"
    for value in ("short", "exactly16chars!!", DINGTALK_SECRET, WECOM_KEY):
        assert value not in mask_secret(value)


@pytest.mark.parametrize(
    ("target", "hidden", "shown"),
    [
        (
            Target("wecom", f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}"),
            [WECOM_KEY],
            ["wecom", "qyapi.weixin.qq.com/cgi-bin/webhook/send?key="],
        ),
        (
            Target(
                "dingtalk",
                f"https://oapi.dingtalk.com/robot/send?access_token={DINGTALK_TOKEN}",
                DINGTALK_SECRET,
            ),
            [DINGTALK_TOKEN, DINGTALK_SECRET],
            ["dingtalk", "access_token=", "signed"],
        ),
        (
            Target("slack", f"https://hooks.slack.com/services/{SLACK_HOOK}"),
            ["XXXXXXXXXXXXXXXXXXXXXXXX"],
            ["slack", "hooks.slack.com/services/T00000000/B00000000/"],
        ),
        (
            Target("feishu", f"https://open.feishu.cn/open-apis/bot/v2/hook/{FEISHU_HOOK}"),
            [FEISHU_HOOK],
            ["feishu", "open.feishu.cn/open-apis/bot/v2/hook/"],
        ),
        (
            Target("webhook", "https://user:p4ssw0rd-long-enough@ops.example/in?token=abc123"),
            ["p4ssw0rd-long-enough", "abc123"],
            ["webhook", "ops.example/in?token="],
        ),
        (Target("email", "lead@shop.example"), [], ["email lead@shop.example"]),
    ],
)
def test_describe_target_masks_every_credential(
    target: Target, hidden: list[str], shown: list[str]
) -> None:
    description = describe_target(target)
    for secret in hidden:
        assert secret not in description
        assert secret not in repr(target)
    for part in shown:
        assert part in description


# --- rate limiting ------------------------------------------------------------------------------


def test_wecom_robot_gets_20_messages_a_minute() -> None:
    limiter = RateLimiter()
    robot = Target("wecom", f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}")
    waits = [limiter.acquire(robot, now=1000.0 + second) for second in range(20)]
    assert waits == [0.0] * 20

    assert limiter.acquire(robot, now=1030.0) == pytest.approx(30.0)
    assert limiter.acquire(robot, now=1059.5) == pytest.approx(0.5)  # a refusal records nothing
    assert limiter.acquire(robot, now=1060.0) == 0.0
    assert limiter.acquire(robot, now=1060.5) == pytest.approx(0.5)  # next slot frees at 1061


def test_each_robot_has_its_own_allowance() -> None:
    limiter = RateLimiter()
    first, second = Target("dingtalk", "https://d/1"), Target("dingtalk", "https://d/2")
    for _ in range(20):
        limiter.acquire(first, now=0.0)
    assert limiter.acquire(first, now=1.0) > 0
    assert limiter.acquire(second, now=1.0) == 0.0


def test_feishu_bot_is_held_to_5_a_second_and_100_a_minute() -> None:
    limiter = RateLimiter()
    bot = Target("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/x")
    assert [limiter.acquire(bot, now=0.0) for _ in range(6)] == [0.0] * 5 + [1.0]
    for tick in range(1, 20):
        for _ in range(5):
            assert limiter.acquire(bot, now=float(tick)) == 0.0
    assert limiter.acquire(bot, now=20.0) == pytest.approx(40.0)


def test_slack_webhook_gets_one_message_a_second() -> None:
    limiter = RateLimiter()
    slack = Target("slack", "https://hooks.slack.com/services/a/b/c")
    assert limiter.acquire(slack, now=5.0) == 0.0
    assert limiter.acquire(slack, now=5.25) == pytest.approx(0.75)
    assert limiter.acquire(slack, now=6.0) == 0.0


def test_webhook_and_email_are_not_limited() -> None:
    limiter = RateLimiter()
    for target in (Target("webhook", "https://ops.example/in"), Target("email", "a@b.example")):
        assert all(limiter.acquire(target, now=0.0) == 0.0 for _ in range(500))


def test_concurrent_senders_share_one_allowance() -> None:
    limiter = RateLimiter()
    robot = Target("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k")
    waits: list[float] = []
    lock = threading.Lock()

    def take() -> None:
        wait = limiter.acquire(robot, now=0.0)
        with lock:
            waits.append(wait)

    threads = [threading.Thread(target=take) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert waits.count(0.0) == 20


# --- rich formats: each service its own, with a button or link to the task ----------------------

LINK = "https://tracker.example.com/tasks/42"


def rich(**overrides):
    values = {
        "subject": "Due tomorrow: *Lip tint* <restock> & samples_2",
        "text": "Sunrise US\n- *Lip tint* <restock> & samples_2",
        "url": LINK,
        "action": "Open the task",
    }
    values.update(overrides)
    return make_message(**values)


def test_slack_sends_blocks_with_a_button_to_the_task_and_no_markup_from_titles(hook: Hook):
    hook.answer(200, "ok")
    send(Target("slack", hook.url(f"/services/{SLACK_HOOK}")), rich())

    body = hook.received[0].json()
    header, section, actions = body["blocks"]
    # Titles travel as plain text: a * or < in a title is shown, never read as markup.
    assert header == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Due tomorrow: *Lip tint* <restock> & samples_2"},
    }
    assert section["text"]["type"] == "plain_text"
    assert "*Lip tint* <restock>" in section["text"]["text"]
    [button] = actions["elements"]
    assert button["url"] == LINK and button["text"]["text"] == "Open the task"
    # The notification's fallback text is escaped and carries the link too.
    assert "&lt;restock&gt; &amp;" in body["text"] and f"<{LINK}|" in body["text"]


def test_feishu_sends_an_interactive_card_with_a_button(hook: Hook):
    hook.answer(200, {"code": 0, "msg": "success"})
    send(Target("feishu", hook.url("/open-apis/bot/v2/hook/0b8e5a2c-4d6f")), rich())

    body = hook.received[0].json()
    assert body["msg_type"] == "interactive"
    card = body["card"]
    assert card["header"]["title"] == {
        "tag": "plain_text",
        "content": "Due tomorrow: *Lip tint* <restock> & samples_2",
    }
    text, action = card["elements"]
    assert text["text"]["tag"] == "plain_text"
    [button] = action["actions"]
    assert button["url"] == LINK and button["text"]["content"] == "Open the task"


def test_wecom_sends_markdown_with_markup_in_titles_escaped(hook: Hook):
    hook.answer(200, {"errcode": 0, "errmsg": "ok"})
    send(Target("wecom", hook.url(f"/cgi-bin/webhook/send?key={WECOM_KEY}")), rich())

    body = hook.received[0].json()
    assert body["msgtype"] == "markdown"
    content = body["markdown"]["content"]
    assert content.startswith("**Due tomorrow: \\*Lip tint\\* &lt;restock&gt; &amp; samples\\_2**")
    assert f"[Open the task]({LINK})" in content


def test_dingtalk_sends_an_action_card_to_the_task(hook: Hook):
    hook.answer(200, {"errcode": 0, "errmsg": "ok"})
    send(Target("dingtalk", hook.url("/robot/send?access_token=abc")), rich())

    body = hook.received[0].json()
    assert body["msgtype"] == "actionCard"
    card = body["actionCard"]
    assert card["title"] == "Due tomorrow: *Lip tint* <restock> & samples_2"
    assert card["singleTitle"] == "Open the task" and card["singleURL"] == LINK
    assert "\\*Lip tint\\* &lt;restock&gt;" in card["text"]


def test_a_message_without_a_link_still_goes_as_plain_text(hook: Hook):
    hook.answer(200, {"errcode": 0, "errmsg": "ok"})
    send(Target("dingtalk", hook.url("/robot/send?access_token=abc")), make_message())
    assert hook.received[0].json()["msgtype"] == "text"


def test_webhook_text_and_tasks_carry_absolute_links(hook: Hook):
    tasks = [{"id": 42, "title": "Lip tint", "due_on": "2026-01-02", "url": LINK}]
    send(Target("webhook", hook.url()), rich(tasks=tasks))
    body = hook.received[0].json()
    assert body["url"] == LINK and body["tasks"][0]["url"] == LINK


def test_email_comes_as_text_and_html_marked_automatic_with_a_way_to_unsubscribe(sink, smtp):
    message = rich(language="zh_Hans_CN", unsubscribe="https://tracker.example.com/reminders")
    send(Target("email", "lead@shop.example"), message, smtp=smtp)

    [sent] = sink.accepted
    assert sent["Auto-Submitted"] == "auto-generated"
    assert sent["List-Unsubscribe"] == "<https://tracker.example.com/reminders>"
    assert sent["Content-Language"] == "zh-Hans-CN"
    plain = sent.get_body(("plain",)).get_content()
    html = sent.get_body(("html",)).get_content()
    assert LINK in plain
    assert f'href="{LINK}"' in html
    # What a title holds is shown, never run as HTML.
    assert "&lt;restock&gt;" in html and "<restock>" not in html


# --- the dispatcher's kept-alive client sends and reads exactly as a send's own session ---------

SCRIPTS: list[tuple[str, Answer]] = [
    ("webhook", Answer(200, "ok")),
    ("webhook", Answer(204)),
    ("webhook", Answer(302, headers={"Location": "http://elsewhere.example/"})),
    ("webhook", Answer(429, headers={"Retry-After": "17"})),
    ("webhook", Answer(503, headers={"Retry-After": formatdate(NOW + 90, usegmt=True)})),
    ("webhook", Answer(400, "nope")),
    ("webhook", Answer(500, "INTERNAL detail")),
    ("slack", Answer(200, "ok")),
    ("slack", Answer(404, "no_service")),
    ("slack", Answer(200, "invalid_payload")),
    ("feishu", Answer(200, {"code": 0, "msg": "success"})),
    ("feishu", Answer(200, {"code": 9499, "msg": "too many request"})),
    ("feishu", Answer(200, "not json")),
    ("wecom", Answer(200, {"errcode": 45009, "errmsg": "api freq out of limit"})),
    ("wecom", Answer(400, {"errcode": 93000, "errmsg": "invalid webhook url"})),
    ("dingtalk", Answer(200, {"errcode": 0, "errmsg": "ok"})),
    ("dingtalk", Answer(200, {"errcode": 310000, "errmsg": "sign not match"})),
    ("webhook", Answer(200, "late", delay=3.0)),  # past the 0.5 s deadline of _outcome
]


def _target(kind: str, hook: Hook) -> Target:
    if kind == "wecom":
        return Target(kind, hook.url(f"/cgi-bin/webhook/send?key={WECOM_KEY}"))
    if kind == "dingtalk":
        return Target(
            kind, hook.url(f"/robot/send?access_token={DINGTALK_TOKEN}"), secret=DINGTALK_SECRET
        )
    if kind == "feishu":
        return Target(kind, hook.url(f"/open-apis/bot/v2/hook/{FEISHU_HOOK}"), FEISHU_SECRET)
    if kind == "slack":
        return Target(kind, hook.url(f"/services/{SLACK_HOOK}"))
    return Target(kind, hook.url(), secret="webhook-signing-secret")


def _outcome(target: Target, client: KeptAlive | None, late: bool) -> tuple[Any, ...]:
    try:
        deliver(
            target,
            make_message(url="https://tracker.example/tasks/42", action="Open"),
            smtp=None,
            now=lambda: NOW,
            allow_private=True,
            timeout=0.5 if late else 10.0,  # generous: the machine may be loaded
            session=client,
        )
    except DeliveryError as error:
        if late:  # the socket's timeout and the send's deadline race: either may say so
            return ("failed", "late", error.retryable, error.status, error.code)
        return ("failed", str(error), error.retryable, error.status, error.retry_after, error.code)
    return ("sent",)


# Compares both transports in one run, so it runs once (not once per transport).
@pytest.mark.parametrize("transport", [TRANSPORTS[0]], indirect=True)
def test_the_dispatchers_client_sends_and_reads_exactly_as_a_sends_own_session(
    hook: Hook, transport: str
) -> None:
    client = KeptAlive(allow_private=True, connections_per_host=2)
    try:
        for kind, answer in SCRIPTS:
            target = _target(kind, hook)
            outcomes = []
            for way in (None, client):
                hook.received.clear()
                hook.answers.append(answer)
                outcomes.append(_outcome(target, way, late=answer.delay > 0))
                (received,) = hook.received
                outcomes.append(
                    (
                        received.path,
                        received.body,
                        sorted(
                            (name.lower(), value)
                            for name, value in received.headers.items()
                            if name.lower() != "connection"  # a new connection says keep-alive
                        ),
                    )
                )
            assert outcomes[0] == outcomes[2], kind
            assert outcomes[1] == outcomes[3], kind
    finally:
        client.close()

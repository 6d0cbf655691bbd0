"""Deliver one reminder message over one channel: e-mail, a generic webhook or a chat robot.

Plain Python: no Flask, no database. `deliver` returns on success and raises `DeliveryError`
otherwise; the error says whether trying again later can help (`retryable`) and how long to
wait when the service said so (`retry_after`). Nothing this module raises, logs or returns
carries a channel's secret: signing secrets, webhook keys in a URL's query or path and signed
query strings are masked or left out, and errors from HTTP and SMTP libraries are not chained
(their text and tracebacks can quote the full URL).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import smtplib
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import formatdate, parsedate_to_datetime
from typing import Any
from urllib.parse import quote_plus, unquote_plus, urlsplit, urlunsplit

import requests

from tracker.playbook.phrases import Name, phrase

CHANNEL_KINDS = ("email", "webhook", "slack", "feishu", "wecom", "dingtalk")
HTTP_KINDS = frozenset(CHANNEL_KINDS) - {"email"}

# Query parameters that carry a credential in a hook URL (WeCom `key`, DingTalk `access_token`,
# and the usual names generic services use).
SECRET_QUERY_KEYS = frozenset(
    {
        "key",
        "access_token",
        "token",
        "secret",
        "sign",
        "signature",
        "sig",
        "api_key",
        "apikey",
        "password",
        "auth",
    }
)
# Kinds whose hook URL ends in the credential itself
# (hooks.slack.com/services/T…/B…/<secret>, open.feishu.cn/open-apis/bot/v2/hook/<secret>).
SECRET_PATH_KINDS = frozenset({"slack", "feishu"})

# WeCom's group robot refuses text content over 2048 bytes of UTF-8.
WECOM_TEXT_LIMIT_BYTES = 2048

# Service error codes, as their documentation lists them.
FEISHU_RATE_LIMITED = frozenset({9499, 11232})
WECOM_RETRYABLE = frozenset({-1, 45009})  # system busy; API frequency out of limit
DINGTALK_RETRYABLE = frozenset({-1, 130101})  # system busy; sending too fast
# How long each service keeps refusing once its limit is hit: WeCom and Feishu count per minute;
# DingTalk throttles a robot for ten minutes after more than 20 messages in one minute.
RATE_LIMIT_PAUSE_SECONDS = {"feishu": 60.0, "wecom": 60.0, "dingtalk": 600.0}

RETRYABLE_HTTP_STATUSES = frozenset({408, 409, 425, 429})
BODY_EXCERPT_CHARS = 200
USER_AGENT = "tracker-reminders/1"


@dataclass(frozen=True)
class Message:
    """One reminder, as every channel renders it."""

    id: str  # the reminder's idempotency key, stable for that one reminder
    kind: str  # "due_soon", "overdue", "digest", "stock_up", "gate_open", …
    user: str  # recipient e-mail
    store: dict | None  # {"id", "name"}, or None for a digest across stores
    tasks: list[dict]  # [{"id", "title", "due_on", "store", …}]
    subject: str
    text: str  # plain-text body, several lines


@dataclass(frozen=True, repr=False)
class Target:
    """Where a message goes: a channel kind, its address or URL, and an optional secret."""

    kind: str
    address: str
    secret: str | None = None

    def __repr__(self) -> str:
        return f"Target({describe_target(self)})"


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the SMTP server that sends reminder e-mail."""

    host: str
    port: int = 587
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = True
    sender: str = "tracker@localhost"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> SmtpSettings | None:
        """Read TRACKER_SMTP_* variables; None when TRACKER_SMTP_HOST is unset or empty."""
        host = environ.get("TRACKER_SMTP_HOST", "").strip()
        if not host:
            return None
        settings: dict[str, Any] = {"host": host}
        port = environ.get("TRACKER_SMTP_PORT", "").strip()
        if port:
            if not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(f"TRACKER_SMTP_PORT must be a port number, not {port!r}")
            settings["port"] = int(port)
        starttls = environ.get("TRACKER_SMTP_STARTTLS", "").strip().lower()
        if starttls:
            if starttls not in {"true", "false"}:
                raise ValueError(f"TRACKER_SMTP_STARTTLS must be true or false, not {starttls!r}")
            settings["starttls"] = starttls == "true"
        for name, variable in (
            ("username", "TRACKER_SMTP_USERNAME"),
            ("password", "TRACKER_SMTP_PASSWORD"),
            ("sender", "TRACKER_SMTP_FROM"),
        ):
            if environ.get(variable):
                settings[name] = environ[variable]
        return cls(**settings)


class DeliveryError(Exception):
    """A message was not delivered; `retryable` says whether trying again later may help."""

    def __init__(
        self,
        detail: str,
        *,
        retryable: bool,
        retry_after: float | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retryable = retryable
        self.retry_after = retry_after
        self.status = status  # the HTTP status or SMTP reply code, when there was one

    def __str__(self) -> str:
        return self.detail


def mask_secret(value: str) -> str:
    """Show the first and last four characters of a long secret; hide a short one entirely."""
    if len(value) < 16:
        return "****"
    return f"{value[:4]}…{value[-4:]}"


def describe_target(target: Target) -> str:
    """Name a target for logs and pages, with every credential in it masked."""
    kind = Name("channel", target.kind, target.kind)
    if target.kind not in HTTP_KINDS:
        return phrase("%(kind)s %(address)s", kind=kind, address=target.address)
    address = _mask_url(target.kind, target.address)
    if target.secret:
        return phrase("%(kind)s %(address)s (signed)", kind=kind, address=address)
    return phrase("%(kind)s %(address)s", kind=kind, address=address)


def check_target(target: Target) -> str | None:
    """Say what is wrong with a target before it is saved, or None when it can be used."""
    if target.kind not in CHANNEL_KINDS:
        return phrase(
            "unknown channel kind %(got)s; use one of %(known)s",
            got=repr(target.kind),
            known=", ".join(CHANNEL_KINDS),
        )
    if target.kind == "email":
        if not re.fullmatch(r"[^@\s]+@[^@\s]+", target.address):
            return phrase("an e-mail channel needs an address like name@example.com")
        return None
    parts = urlsplit(target.address)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return phrase(
            "a %(kind)s channel needs an http(s) URL",
            kind=Name("channel", target.kind, target.kind),
        )
    return None


def deliver(
    target: Target,
    message: Message,
    *,
    smtp: SmtpSettings | None,
    timeout: float = 10.0,
    session: requests.Session | None = None,
    now: Callable[[], float] = time.time,
) -> None:
    """Send; return normally on success; raise DeliveryError otherwise."""
    if target.kind == "email":
        _send_email(target, message, smtp=smtp, timeout=timeout, now=now)
        return
    send = _HTTP_SENDERS.get(target.kind)
    if send is None:
        raise DeliveryError(f"unknown channel kind {target.kind!r}", retryable=False)
    problem = check_target(target)
    if problem:
        raise DeliveryError(problem, retryable=False)
    http = _Http(target, session=session, timeout=timeout, now=now)
    try:
        send(http, target, message)
    finally:
        http.close()


# --- HTTP channels -------------------------------------------------------------------------


class _Http:
    """POST to one target's URL, turning transport failures into DeliveryError."""

    def __init__(
        self,
        target: Target,
        *,
        session: requests.Session | None,
        timeout: float,
        now: Callable[[], float],
    ) -> None:
        self.target = target
        self.timeout = timeout
        self.now = now
        self._own_session = session is None
        self.session = session if session is not None else requests.Session()
        self.secrets = _url_secrets(target)

    def close(self) -> None:
        if self._own_session:
            self.session.close()

    def post(
        self,
        body: bytes,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> requests.Response:
        for name, value in (params or {}).items():
            if name.lower() in SECRET_QUERY_KEYS:
                self.secrets.extend([value, quote_plus(value)])
        all_headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
        all_headers.update(headers or {})
        host = urlsplit(self.target.address).netloc.rpartition("@")[2]
        try:
            response = self.session.post(
                self.target.address,
                data=body,
                headers=all_headers,
                params=params,
                timeout=self.timeout,
                # A redirected POST turns into a GET on the way; report it instead.
                allow_redirects=False,
            )
        except requests.Timeout:
            raise DeliveryError(
                f"no answer from {host} within {self.timeout:g} s", retryable=True
            ) from None  # the library's error quotes the full URL
        except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema) as exc:
            raise DeliveryError(
                f"the URL cannot be used ({type(exc).__name__})", retryable=False
            ) from None
        except requests.RequestException as exc:
            raise DeliveryError(
                f"could not reach {host}: {_os_reason(exc)}", retryable=True
            ) from None
        if 300 <= response.status_code < 400:
            raise DeliveryError(
                f"HTTP {response.status_code}: the service redirects; update the channel's URL",
                retryable=False,
                status=response.status_code,
            )
        return response

    def scrub(self, text: str) -> str:
        """Mask every credential of this target that a service's answer might echo."""
        for secret in sorted(set(self.secrets), key=len, reverse=True):
            if secret:
                text = text.replace(secret, mask_secret(secret))
        return text

    def excerpt(self, response: requests.Response) -> str:
        text = " ".join(response.text.split())
        if len(text) > BODY_EXCERPT_CHARS:
            text = text[:BODY_EXCERPT_CHARS] + "…"
        return self.scrub(text)

    def status_error(self, response: requests.Response, service: str) -> DeliveryError:
        """Classify a non-2xx answer: 408/409/425/429 and 5xx are worth retrying, other 4xx not."""
        status = response.status_code
        excerpt = self.excerpt(response)
        detail = f"{service} answered HTTP {status}" + (f": {excerpt}" if excerpt else "")
        return DeliveryError(
            detail,
            retryable=status >= 500 or status in RETRYABLE_HTTP_STATUSES,
            retry_after=_retry_after(response.headers.get("Retry-After"), self.now),
            status=status,
        )

    def json_answer(self, response: requests.Response, service: str) -> dict:
        """The JSON object a robot answers with; anything else is an error."""
        if not 200 <= response.status_code < 300:
            # Some robots answer errors as 4xx with their usual JSON body: keep its code.
            try:
                answer = response.json()
            except ValueError:
                answer = None
            if response.status_code < 500 and response.status_code != 429:
                code = _first_int(answer, "code", "errcode") if isinstance(answer, dict) else None
                if code not in {None, 0}:
                    return answer
            raise self.status_error(response, service)
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise DeliveryError(
                f"{service} answered HTTP {response.status_code} without a JSON object: "
                f"{self.excerpt(response)}",
                retryable=False,
                status=response.status_code,
            )
        return answer

    def answer_without_code(self, answer: Mapping[str, Any], service: str) -> DeliveryError:
        shown = self.scrub(json.dumps(answer, ensure_ascii=False)[:BODY_EXCERPT_CHARS])
        return DeliveryError(f"{service} answered without a result code: {shown}", retryable=False)


def _send_webhook(http: _Http, target: Target, message: Message) -> None:
    """POST the reminder as JSON; with a secret, sign it (X-Tracker-Signature)."""
    payload = {
        "id": message.id,
        "kind": message.kind,
        "user": message.user,
        "store": message.store,
        "tasks": message.tasks,
        "subject": message.subject,
        "text": message.text,
    }
    body = _json_bytes(payload)
    headers = {"Idempotency-Key": message.id}
    if target.secret:
        # Receivers check HMAC-SHA256(secret, f"{timestamp}." + body) and refuse old timestamps.
        timestamp = str(int(http.now()))
        digest = hmac.new(
            target.secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        headers["X-Tracker-Timestamp"] = timestamp
        headers["X-Tracker-Signature"] = f"sha256={digest}"
    response = http.post(body, headers=headers)
    if not 200 <= response.status_code < 300:
        raise http.status_error(response, "the webhook")


def _send_slack(http: _Http, target: Target, message: Message) -> None:
    """POST to a Slack incoming webhook, which answers "ok" or an error word such as no_service."""
    text = f"*{_slack_escape(message.subject)}*\n{_slack_escape(message.text)}"
    response = http.post(_json_bytes({"text": text}))
    if not 200 <= response.status_code < 300:
        raise http.status_error(response, "Slack")
    if response.text.strip() != "ok":
        raise DeliveryError(
            f"Slack answered HTTP {response.status_code} without ok: {http.excerpt(response)}",
            retryable=False,
            status=response.status_code,
        )


def _send_feishu(http: _Http, target: Target, message: Message) -> None:
    """POST to a Feishu (Lark) custom bot, signed when the bot has a secret."""
    payload: dict[str, Any] = {
        "msg_type": "text",
        "content": {"text": f"{message.subject}\n{message.text}"},
    }
    if target.secret:
        timestamp = str(int(http.now()))
        payload["timestamp"] = timestamp
        payload["sign"] = feishu_sign(timestamp, target.secret)
    answer = http.json_answer(http.post(_json_bytes(payload)), "Feishu")
    # Current bots answer {"code": 0, "msg": "success"}; older ones {"StatusCode": 0, …}.
    code = _first_int(answer, "code", "StatusCode")
    if code == 0:
        return
    if code is None:
        raise http.answer_without_code(answer, "Feishu")
    text = http.scrub(str(answer.get("msg") or answer.get("StatusMessage") or ""))
    rate_limited = code in FEISHU_RATE_LIMITED
    raise DeliveryError(
        f"Feishu error {code}: {text}" + _hint("feishu", code),
        retryable=rate_limited,
        retry_after=RATE_LIMIT_PAUSE_SECONDS["feishu"] if rate_limited else None,
    )


def _send_wecom(http: _Http, target: Target, message: Message) -> None:
    """POST to a WeCom group robot, whose key travels in the URL's query."""
    content = _truncate_utf8(f"{message.subject}\n{message.text}", WECOM_TEXT_LIMIT_BYTES)
    payload = {"msgtype": "text", "text": {"content": content}}
    answer = http.json_answer(http.post(_json_bytes(payload)), "WeCom")
    code = _first_int(answer, "errcode")
    if code == 0:
        return
    if code is None:
        raise http.answer_without_code(answer, "WeCom")
    text = http.scrub(str(answer.get("errmsg") or ""))
    raise DeliveryError(
        f"WeCom error {code}: {text}",
        retryable=code in WECOM_RETRYABLE,
        retry_after=RATE_LIMIT_PAUSE_SECONDS["wecom"] if code == 45009 else None,
    )


def _send_dingtalk(http: _Http, target: Target, message: Message) -> None:
    """POST to a DingTalk custom robot, signed in the query when the robot has a secret."""
    payload = {"msgtype": "text", "text": {"content": f"{message.subject}\n{message.text}"}}
    params = None
    if target.secret:
        timestamp = str(int(http.now() * 1000))
        # requests encodes the query the way DingTalk's sample does (quote_plus of the base64).
        params = {"timestamp": timestamp, "sign": dingtalk_sign(timestamp, target.secret)}
    answer = http.json_answer(http.post(_json_bytes(payload), params=params), "DingTalk")
    code = _first_int(answer, "errcode")
    if code == 0:
        return
    if code is None:
        raise http.answer_without_code(answer, "DingTalk")
    text = http.scrub(str(answer.get("errmsg") or ""))
    raise DeliveryError(
        f"DingTalk error {code}: {text}" + _hint("dingtalk", code),
        retryable=code in DINGTALK_RETRYABLE,
        retry_after=RATE_LIMIT_PAUSE_SECONDS["dingtalk"] if code == 130101 else None,
    )


_HTTP_SENDERS: dict[str, Callable[[_Http, Target, Message], None]] = {
    "webhook": _send_webhook,
    "slack": _send_slack,
    "feishu": _send_feishu,
    "wecom": _send_wecom,
    "dingtalk": _send_dingtalk,
}


def feishu_sign(timestamp: str, secret: str) -> str:
    """Feishu's signature: HMAC-SHA256 keyed by "timestamp\\nsecret" over an empty message."""
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def dingtalk_sign(timestamp_ms: str, secret: str) -> str:
    """DingTalk's signature (before URL encoding): HMAC-SHA256(secret, "timestamp\\nsecret")."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()


def _hint(kind: str, code: int | None) -> str:
    if kind == "feishu" and code in {19021, 19022, 19024}:
        return " (check the bot's security settings: signature secret, IP allow-list, keywords)"
    if kind == "dingtalk" and code == 310000:
        return " (check the robot's security settings: signature secret, keywords, IP range)"
    return ""


# --- e-mail ----------------------------------------------------------------------------------


def _send_email(
    target: Target,
    message: Message,
    *,
    smtp: SmtpSettings | None,
    timeout: float,
    now: Callable[[], float],
) -> None:
    """Send one plain-text e-mail; 4xx replies and lost connections are worth retrying."""
    if smtp is None:
        raise DeliveryError("SMTP is not configured: set TRACKER_SMTP_HOST", retryable=False)
    problem = check_target(target)
    if problem:
        raise DeliveryError(problem, retryable=False)
    email = EmailMessage()
    email["From"] = smtp.sender
    email["To"] = target.address
    email["Subject"] = " ".join(message.subject.split())
    email["Date"] = formatdate(now(), usegmt=True)
    # The same reminder always gets the same Message-ID, so a resend after an unclear failure
    # can be recognised as a duplicate by the receiving side.
    domain = smtp.sender.rpartition("@")[2] or "localhost"
    fingerprint = hashlib.sha256(message.id.encode()).hexdigest()[:32]
    email["Message-ID"] = f"<reminder.{fingerprint}@{domain}>"
    email["X-Tracker-Reminder-Id"] = message.id
    email.set_content(message.text)
    try:
        # Port 465 speaks TLS from the first byte (RFC 8314); other ports upgrade with STARTTLS.
        if smtp.port == 465:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=timeout)
        with client:
            if smtp.starttls and smtp.port != 465:
                client.starttls(context=ssl.create_default_context())
            if smtp.username:
                client.login(smtp.username, smtp.password or "")
            client.send_message(email)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        replies = "; ".join(f"{code} {_smtp_text(text)}" for code, text in exc.recipients.values())
        raise DeliveryError(
            f"the SMTP server refused {target.address}: {replies}",
            retryable=all(400 <= code < 500 for code in codes),
            status=codes[0] if codes else None,
        ) from None
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(
            f"the SMTP server answered {exc.smtp_code} {_smtp_text(exc.smtp_error)}",
            retryable=400 <= exc.smtp_code < 500,
            status=exc.smtp_code,
        ) from None
    except smtplib.SMTPNotSupportedError as exc:
        raise DeliveryError(
            f"the SMTP server at {smtp.host}:{smtp.port} does not support it: {exc} "
            "(check TRACKER_SMTP_STARTTLS and TRACKER_SMTP_USERNAME)",
            retryable=False,
        ) from None
    except ssl.SSLCertVerificationError as exc:
        raise DeliveryError(
            f"the SMTP server's certificate was refused: {exc.verify_message}", retryable=False
        ) from None
    except smtplib.SMTPServerDisconnected:
        raise DeliveryError(
            f"the SMTP server at {smtp.host}:{smtp.port} closed the connection", retryable=True
        ) from None
    except smtplib.SMTPException as exc:
        raise DeliveryError(f"SMTP failed: {exc}", retryable=False) from None
    except OSError as exc:
        # Connection refused, timed out, DNS failure, TLS handshake cut short: all transient.
        reason = exc.strerror or type(exc).__name__
        raise DeliveryError(
            f"could not reach the SMTP server at {smtp.host}:{smtp.port}: {reason}",
            retryable=True,
        ) from None


def _smtp_text(text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(text.split())


# --- helpers ---------------------------------------------------------------------------------


def _json_bytes(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, default=_json_default).encode()


def _json_default(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _first_int(answer: Mapping[str, Any], *keys: str) -> int | None:
    for key in keys:
        value = answer.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            return int(value)
    return None


def _retry_after(value: str | None, now: Callable[[], float]) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now())


def _os_reason(exc: BaseException) -> str:
    """The operating system's reason behind a requests error, without the URL it quotes."""
    match = re.search(r"\[Errno -?\d+\] ([^'\"\)\]]+)", str(exc))
    return match.group(1).strip() if match else type(exc).__name__


def _slack_escape(text: str) -> str:
    # Slack reads &, < and > as markup: https://api.slack.com/reference/surfaces/formatting
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _truncate_utf8(text: str, limit: int) -> str:
    encoded = text.encode()
    if len(encoded) <= limit:
        return text
    ellipsis = "…"
    cut = encoded[: limit - len(ellipsis.encode())].decode("utf-8", "ignore")
    return cut + ellipsis


def _url_secrets(target: Target) -> list[str]:
    """Every credential a target's URL or secret holds, raw and decoded."""
    secrets = [target.secret] if target.secret else []
    parts = urlsplit(target.address)
    if parts.password:
        secrets.append(parts.password)
    for pair in parts.query.split("&"):
        name, _, value = pair.partition("=")
        if unquote_plus(name).lower() in SECRET_QUERY_KEYS and value:
            secrets.extend({value, unquote_plus(value)})
    if target.kind in SECRET_PATH_KINDS:
        last = parts.path.rstrip("/").rpartition("/")[2]
        if last:
            secrets.append(last)
    return secrets


def _mask_url(kind: str, url: str) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        userinfo, _, hostport = netloc.rpartition("@")
        user = userinfo.partition(":")[0]
        netloc = f"{user}:{mask_secret(parts.password)}@{hostport}"
    path = parts.path
    if kind in SECRET_PATH_KINDS:
        head, slash, last = path.rstrip("/").rpartition("/")
        if last:
            path = f"{head}{slash}{mask_secret(last)}"
    query_parts = []
    for pair in parts.query.split("&") if parts.query else []:
        name, equals, value = pair.partition("=")
        if unquote_plus(name).lower() in SECRET_QUERY_KEYS and value:
            pair = f"{name}{equals}{mask_secret(unquote_plus(value))}"
        query_parts.append(pair)
    return urlunsplit((parts.scheme, netloc, path, "&".join(query_parts), ""))

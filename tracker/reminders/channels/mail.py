"""E-mail over SMTP: one message per reminder, as plain text and HTML."""

from __future__ import annotations

import hashlib
import html
import smtplib
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from tracker.reminders.channels.base import DeliveryError, Message, Target, check_target
from tracker.reminders.channels.deadline import SendDeadline, WatchedSMTP, WatchedSMTPS


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


def send(
    target: Target,
    message: Message,
    *,
    smtp: SmtpSettings | None,
    timeout: float,
    now: Callable[[], float],
    deadline: SendDeadline | None = None,
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
    # A machine wrote it: auto-responders stay quiet (RFC 3834), mail clients offer to stop it.
    email["Auto-Submitted"] = "auto-generated"
    email["X-Auto-Response-Suppress"] = "All"
    if message.unsubscribe:
        email["List-Unsubscribe"] = f"<{message.unsubscribe}>"
    text = message.text
    if message.url and message.url not in text:
        text = f"{text}\n\n{message.action or ''} {message.url}".rstrip()
    email.set_content(text)
    email.add_alternative(html_body(message), subtype="html")
    if message.language:  # after add_alternative, which moves Content-* headers into the part
        email["Content-Language"] = message.language.replace("_", "-")
    try:
        # Port 465 speaks TLS from the first byte (RFC 8314); other ports upgrade with STARTTLS.
        client: WatchedSMTP | WatchedSMTPS
        if smtp.port == 465:
            client = WatchedSMTPS(timeout=timeout, context=ssl.create_default_context())
        else:
            client = WatchedSMTP(timeout=timeout)
        client.deadline = deadline
        with client:
            client.connect(smtp.host, smtp.port)
            if smtp.starttls and smtp.port != 465:
                client.starttls(context=ssl.create_default_context())
            if smtp.username:
                client.login(smtp.username, smtp.password or "")
            client.send_message(email)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        replies = "; ".join(f"{code} {smtp_text(text)}" for code, text in exc.recipients.values())
        raise DeliveryError(
            f"the SMTP server refused {target.address}: {replies}",
            retryable=all(400 <= code < 500 for code in codes),
            status=codes[0] if codes else None,
        ) from None
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(
            f"the SMTP server answered {exc.smtp_code} {smtp_text(exc.smtp_error)}",
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


def html_body(message: Message) -> str:
    """The message as a small HTML page: every line escaped, the link a real link."""
    language = (message.language or "en").replace("_", "-")
    lines = "<br>\n".join(html.escape(line) for line in message.text.splitlines())
    parts = [
        f'<!doctype html><html lang="{html.escape(language)}"><head><meta charset="utf-8">',
        f"<title>{html.escape(message.subject)}</title></head><body>",
        f"<p><strong>{html.escape(message.subject)}</strong></p>",
        f"<p>{lines}</p>",
    ]
    if message.url:
        label = html.escape(message.action or message.url)
        parts.append(f'<p><a href="{html.escape(message.url)}">{label}</a></p>')
    if message.unsubscribe:
        parts.append(
            f'<p style="color:#666;font-size:small"><a href="{html.escape(message.unsubscribe)}">'
            f"{html.escape(message.unsubscribe)}</a></p>"
        )
    parts.append("</body></html>")
    return "\n".join(parts)


def smtp_text(text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(text.split())

"""Deliver one reminder message over one channel: e-mail, a generic webhook or a chat robot.

Plain Python: no Flask, no database. `deliver` returns on success and raises `DeliveryError`
otherwise; the error says whether trying again later can help (`retryable`) and how long to
wait when the service said so (`retry_after`). Nothing this module raises, logs or returns
carries a channel's secret: signing secrets, webhook keys in a URL's query or path and signed
query strings are masked or left out, and errors from HTTP and SMTP libraries are not chained
(their text and tracebacks can quote the full URL).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from tracker.reminders.channels import dingtalk, feishu, mail, slack, webhook, wecom
from tracker.reminders.channels.base import (
    CHANNEL_KINDS,
    HTTP_KINDS,
    DeliveryError,
    Message,
    Target,
    check_target,
    describe_target,
    mask_secret,
)
from tracker.reminders.channels.deadline import SendDeadline
from tracker.reminders.channels.guard import CODE
from tracker.reminders.channels.http import HttpPost, KeptAlive
from tracker.reminders.channels.mail import SmtpSettings

__all__ = [
    "CHANNEL_KINDS",
    "HTTP_KINDS",
    "DeliveryError",
    "Message",
    "SmtpSettings",
    "Target",
    "check_target",
    "deliver",
    "describe_target",
    "mask_secret",
]

# One sender per HTTP kind; e-mail goes through SMTP instead.
HTTP_SENDERS: dict[str, Callable[[HttpPost, Target, Message], None]] = {
    "webhook": webhook.send,
    "slack": slack.send,
    "feishu": feishu.send,
    "wecom": wecom.send,
    "dingtalk": dingtalk.send,
}


def deliver(
    target: Target,
    message: Message,
    *,
    smtp: SmtpSettings | None,
    timeout: float = 10.0,
    session: KeptAlive | None = None,
    now: Callable[[], float] = time.time,
    allow_private: bool = False,
) -> None:
    """Send; return normally on success; raise DeliveryError otherwise.

    ``timeout`` bounds the whole send, answer included, not only each read: when it is up the
    connection is cut and the send fails (retryable), so it can never outlast its lease.
    Unless ``allow_private``, the connection only ever reaches public addresses: the host is
    checked before and again at the moment of connecting (see ``guard``).
    """
    late = DeliveryError(f"no complete answer within {timeout:g} s", retryable=True)
    with SendDeadline(timeout) as deadline:
        try:
            _send(
                target,
                message,
                smtp=smtp,
                timeout=timeout,
                session=session,
                now=now,
                deadline=deadline,
                allow_private=allow_private,
            )
        except DeliveryError:
            if deadline.expired:
                raise late from None
            raise
    # A cut connection can look like a short answer ("HTTP/1.1 200" and nothing after it):
    # an answer that was still coming when the time ran out is never taken as delivered.
    if deadline.expired:
        raise late


def _send(
    target: Target,
    message: Message,
    *,
    smtp: SmtpSettings | None,
    timeout: float,
    session: KeptAlive | None,
    now: Callable[[], float],
    deadline: SendDeadline,
    allow_private: bool,
) -> None:
    if target.kind == "email":
        mail.send(target, message, smtp=smtp, timeout=timeout, now=now, deadline=deadline)
        return
    send = HTTP_SENDERS.get(target.kind)
    if send is None:
        raise DeliveryError(f"unknown channel kind {target.kind!r}", retryable=False)
    problem = check_target(target, allow_private=True)
    if problem:
        raise DeliveryError(problem, retryable=False)
    if not allow_private:
        problem = check_target(target)
        if problem:
            raise DeliveryError(problem, retryable=False, code=CODE)
    http = HttpPost(
        target,
        session=session,
        timeout=timeout,
        now=now,
        deadline=deadline,
        allow_private=allow_private,
    )
    try:
        send(http, target, message)
    finally:
        http.close()

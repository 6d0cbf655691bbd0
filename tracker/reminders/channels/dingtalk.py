"""A DingTalk (钉钉) custom robot, signed in the query when the robot has a secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import replace

from tracker.reminders.channels.base import (
    DeliveryError,
    Message,
    Target,
    markdown_body,
    markdown_escape,
)
from tracker.reminders.channels.http import (
    RATE_LIMIT_PAUSE_SECONDS,
    HttpPost,
    first_int,
    json_bytes,
)

DINGTALK_RETRYABLE = frozenset({-1, 130101})  # system busy; sending too fast


def send(http: HttpPost, target: Target, message: Message) -> None:
    """POST to a DingTalk custom robot, signed in the query when the robot has a secret."""
    payload = dingtalk_payload(message)
    params = None
    if target.secret:
        timestamp = str(int(http.now() * 1000))
        # requests encodes the query the way DingTalk's sample does (quote_plus of the base64).
        params = {"timestamp": timestamp, "sign": dingtalk_sign(timestamp, target.secret)}
    answer = http.json_answer(http.post(json_bytes(payload), params=params), "DingTalk")
    code = first_int(answer, "errcode")
    if code == 0:
        return
    if code is None:
        raise http.answer_without_code(answer, "DingTalk")
    text = http.short_text(answer.get("errmsg"))
    raise DeliveryError(
        f"DingTalk error {code}: {text}" + _hint(code),
        retryable=code in DINGTALK_RETRYABLE,
        retry_after=RATE_LIMIT_PAUSE_SECONDS["dingtalk"] if code == 130101 else None,
    )


def dingtalk_payload(message: Message) -> dict:
    """An actionCard with one button to the task, else text."""
    if not message.url:
        return {"msgtype": "text", "text": {"content": f"{message.subject}\n{message.text}"}}
    without_link = replace(message, url=None)
    return {
        "msgtype": "actionCard",
        "actionCard": {
            "title": message.subject,
            "text": markdown_body(without_link),
            "singleTitle": message.action or markdown_escape(message.url),
            "singleURL": message.url,
        },
    }


def dingtalk_sign(timestamp_ms: str, secret: str) -> str:
    """DingTalk's signature (before URL encoding): HMAC-SHA256(secret, "timestamp\\nsecret")."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()


def _hint(code: int | None) -> str:
    if code == 310000:
        return " (check the robot's security settings: signature secret, keywords, IP range)"
    return ""

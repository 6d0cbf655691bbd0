"""A Feishu (Lark) custom bot, signed when the bot has a secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from tracker.reminders.channels.base import DeliveryError, Message, Target
from tracker.reminders.channels.http import (
    RATE_LIMIT_PAUSE_SECONDS,
    HttpPost,
    first_int,
    json_bytes,
)

# Its error codes for "too many messages", as its documentation lists them.
FEISHU_RATE_LIMITED = frozenset({9499, 11232})


def send(http: HttpPost, target: Target, message: Message) -> None:
    """POST to a Feishu (Lark) custom bot, signed when the bot has a secret."""
    payload = feishu_payload(message)
    if target.secret:
        timestamp = str(int(http.now()))
        payload["timestamp"] = timestamp
        payload["sign"] = feishu_sign(timestamp, target.secret)
    answer = http.json_answer(http.post(json_bytes(payload)), "Feishu")
    # Current bots answer {"code": 0, "msg": "success"}; older ones {"StatusCode": 0, …}.
    code = first_int(answer, "code", "StatusCode")
    if code == 0:
        return
    if code is None:
        raise http.answer_without_code(answer, "Feishu")
    text = http.short_text(answer.get("msg") or answer.get("StatusMessage"))
    rate_limited = code in FEISHU_RATE_LIMITED
    raise DeliveryError(
        f"Feishu error {code}: {text}" + _hint(code),
        retryable=rate_limited,
        retry_after=RATE_LIMIT_PAUSE_SECONDS["feishu"] if rate_limited else None,
    )


def feishu_payload(message: Message) -> dict[str, Any]:
    """An interactive card (plain-text title and body, a button to the task), else text."""
    if not message.url:
        return {"msg_type": "text", "content": {"text": f"{message.subject}\n{message.text}"}}
    return {
        "msg_type": "interactive",
        "card": {
            "config": {"wide_screen_mode": True},
            "header": {"title": {"tag": "plain_text", "content": message.subject}},
            "elements": [
                {"tag": "div", "text": {"tag": "plain_text", "content": message.text}},
                {
                    "tag": "action",
                    "actions": [
                        {
                            "tag": "button",
                            "text": {"tag": "plain_text", "content": message.action or message.url},
                            "type": "primary",
                            "url": message.url,
                        }
                    ],
                },
            ],
        },
    }


def feishu_sign(timestamp: str, secret: str) -> str:
    """Feishu's signature: HMAC-SHA256 keyed by "timestamp\\nsecret" over an empty message."""
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def _hint(code: int | None) -> str:
    if code in {19021, 19022, 19024}:
        return " (check the bot's security settings: signature secret, IP allow-list, keywords)"
    return ""

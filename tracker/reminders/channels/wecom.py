"""A WeCom (企业微信) group robot, whose key travels in the URL's query."""

from __future__ import annotations

from dataclasses import replace

from tracker.reminders.channels.base import DeliveryError, Message, Target, markdown_body
from tracker.reminders.channels.http import (
    RATE_LIMIT_PAUSE_SECONDS,
    HttpPost,
    first_int,
    json_bytes,
)

# WeCom's group robot refuses text content over 2048 bytes of UTF-8, markdown over 4096.
WECOM_TEXT_LIMIT_BYTES = 2048
WECOM_MARKDOWN_LIMIT_BYTES = 4096

WECOM_RETRYABLE = frozenset({-1, 45009})  # system busy; API frequency out of limit


def send(http: HttpPost, target: Target, message: Message) -> None:
    """POST to a WeCom group robot, whose key travels in the URL's query."""
    if message.url:
        # Markdown, so the link can be followed; the link goes last and must survive the cut.
        link = f"\n\n[{message.action or message.url}]({message.url})"
        body = markdown_body(replace(message, url=None))
        room = WECOM_MARKDOWN_LIMIT_BYTES - len(link.encode())
        payload: dict = {
            "msgtype": "markdown",
            "markdown": {"content": _truncate_utf8(body, room) + link},
        }
    else:
        content = _truncate_utf8(f"{message.subject}\n{message.text}", WECOM_TEXT_LIMIT_BYTES)
        payload = {"msgtype": "text", "text": {"content": content}}
    answer = http.json_answer(http.post(json_bytes(payload)), "WeCom")
    code = first_int(answer, "errcode")
    if code == 0:
        return
    if code is None:
        raise http.answer_without_code(answer, "WeCom")
    text = http.short_text(answer.get("errmsg"))
    raise DeliveryError(
        f"WeCom error {code}: {text}",
        retryable=code in WECOM_RETRYABLE,
        retry_after=RATE_LIMIT_PAUSE_SECONDS["wecom"] if code == 45009 else None,
    )


def _truncate_utf8(text: str, limit: int) -> str:
    encoded = text.encode()
    if len(encoded) <= limit:
        return text
    ellipsis = "…"
    cut = encoded[: limit - len(ellipsis.encode())].decode("utf-8", "ignore")
    return cut + ellipsis

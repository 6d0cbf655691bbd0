"""A Slack incoming webhook: Block Kit with a button to the task, and an escaped fallback."""

from __future__ import annotations

from typing import Any

from tracker.reminders.channels.base import DeliveryError, Message, Target
from tracker.reminders.channels.http import HttpPost, json_bytes

# Block Kit limits: a header's text 150 characters, a section's 3000.
HEADER_LIMIT = 150
SECTION_LIMIT = 3000


def send(http: HttpPost, target: Target, message: Message) -> None:
    """POST to a Slack incoming webhook, which answers "ok" or an error word such as no_service."""
    response = http.post(json_bytes(slack_payload(message)))
    if not 200 <= response.status_code < 300:
        raise http.status_error(response, "Slack", error_word=True)
    if response.text.strip() != "ok":
        word = http.short_text(response.text)
        raise DeliveryError(
            f"Slack answered HTTP {response.status_code} without ok: {word}",
            retryable=False,
            status=response.status_code,
        )


def slack_payload(message: Message) -> dict[str, Any]:
    """Blocks in plain text (a title's * or < is shown, not read) and a button to the task."""
    text = f"*{_slack_escape(message.subject)}*\n{_slack_escape(message.text)}"
    if not message.url:
        return {"text": text}
    label = message.action or message.url
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": _cut(message.subject, HEADER_LIMIT)},
        },
        {
            "type": "section",
            "text": {"type": "plain_text", "text": _cut(message.text, SECTION_LIMIT)},
        },
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": _cut(label, 75)},
                    "url": message.url,
                }
            ],
        },
    ]
    # The top-level text is what notifications show: escaped, with the link in Slack's form.
    fallback = f"{text}\n<{message.url}|{_slack_escape(label).replace('|', '¦')}>"
    return {"text": fallback, "blocks": blocks}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _slack_escape(text: str) -> str:
    # Slack reads &, < and > as markup: https://api.slack.com/reference/surfaces/formatting
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

"""A Slack incoming webhook."""

from __future__ import annotations

from tracker.reminders.channels.base import DeliveryError, Message, Target
from tracker.reminders.channels.http import HttpPost, json_bytes


def send(http: HttpPost, target: Target, message: Message) -> None:
    """POST to a Slack incoming webhook, which answers "ok" or an error word such as no_service."""
    text = f"*{_slack_escape(message.subject)}*\n{_slack_escape(message.text)}"
    response = http.post(json_bytes({"text": text}))
    if not 200 <= response.status_code < 300:
        raise http.status_error(response, "Slack", error_word=True)
    if response.text.strip() != "ok":
        word = http.short_text(response.text)
        raise DeliveryError(
            f"Slack answered HTTP {response.status_code} without ok: {word}",
            retryable=False,
            status=response.status_code,
        )


def _slack_escape(text: str) -> str:
    # Slack reads &, < and > as markup: https://api.slack.com/reference/surfaces/formatting
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

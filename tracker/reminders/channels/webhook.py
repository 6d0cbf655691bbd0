"""A generic webhook: the reminder as JSON, signed when the channel has a secret."""

from __future__ import annotations

import hashlib
import hmac

from tracker.reminders.channels.base import Message, Target
from tracker.reminders.channels.http import HttpPost, json_bytes


def send(http: HttpPost, target: Target, message: Message) -> None:
    """POST the reminder as JSON; with a secret, sign it (X-Tracker-Signature)."""
    payload = {
        "id": message.id,
        "kind": message.kind,
        "user": message.user,
        "store": message.store,
        "tasks": message.tasks,
        "subject": message.subject,
        "text": message.text,
        "url": message.url,
    }
    body = json_bytes(payload)
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

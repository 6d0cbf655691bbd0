"""Claim due reminders in the database, deliver them, and record each outcome.

Claiming is safe with any number of dispatchers: PostgreSQL claims with
``SELECT … FOR UPDATE SKIP LOCKED``; SQLite with a conditional ``UPDATE``
whose row count says who won. A claim is a lease: a dispatcher that dies
mid-delivery loses it when the lease runs out, and another one sends the
reminder again with the same ``Idempotency-Key``.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import selectinload

from tracker.clock import utcnow
from tracker.columns import rows_changed
from tracker.extensions import db
from tracker.reminders.channels import DeliveryError, Message, SmtpSettings, Target, deliver
from tracker.reminders.models import Reminder
from tracker.reminders.ratelimit import RateLimiter

log = logging.getLogger(__name__)
_limiter = RateLimiter()
MAX_SEND_SECONDS = 10.0


@dataclass(frozen=True)
class DispatchSettings:
    """How dispatching behaves; built from the app's configuration by the caller."""

    lease_seconds: float = 120.0
    max_attempts: int = 8
    backoff_seconds: float = 30.0
    backoff_cap_seconds: float = 3600.0
    batch_size: int = 50
    smtp: SmtpSettings | None = None


@dataclass
class DispatchReport:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    dead: int = 0
    deferred: int = 0
    lost_leases: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: DispatchReport) -> None:
        for name in ("claimed", "sent", "failed", "dead", "deferred", "lost_leases"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _due(now: datetime):
    return or_(
        and_(Reminder.state.in_(("pending", "failed")), Reminder.next_attempt_at <= now),
        and_(Reminder.state == "sending", Reminder.lease_until < now),
    )


def claim_due_reminders(
    settings: DispatchSettings, *, now: datetime | None = None
) -> tuple[str, list[int]]:
    """Lease a batch of due reminders to this dispatcher and commit; return (token, ids)."""
    now = now or utcnow()
    token = str(uuid.uuid4())
    lease = {
        "state": "sending",
        "claim_token": token,
        "lease_until": now + timedelta(seconds=settings.lease_seconds),
    }
    candidates = (
        select(Reminder.id)
        .where(_due(now))
        .order_by(Reminder.next_attempt_at, Reminder.id)
        .limit(settings.batch_size)
    )
    if db.engine.dialect.name == "postgresql":
        ids = list(db.session.scalars(candidates.with_for_update(skip_locked=True)))
        if ids:
            db.session.execute(update(Reminder).where(Reminder.id.in_(ids)).values(**lease))
    else:
        ids = []
        for reminder_id in db.session.scalars(candidates).all():
            # Only one dispatcher's UPDATE can still find the row due.
            won = db.session.execute(
                update(Reminder).where(Reminder.id == reminder_id, _due(now)).values(**lease)
            )
            if rows_changed(won) == 1:
                ids.append(reminder_id)
    db.session.commit()
    return token, ids


def dispatch_due(
    settings: DispatchSettings,
    *,
    now: Callable[[], datetime] = utcnow,
    max_batches: int | None = None,
) -> DispatchReport:
    """Deliver everything due now, batch by batch, committing each outcome on its own."""
    report = DispatchReport()
    batches = 0
    while max_batches is None or batches < max_batches:
        token, ids = claim_due_reminders(settings, now=now())
        if not ids:
            break
        batches += 1
        report.claimed += len(ids)
        for reminder_id in ids:
            _deliver_one(reminder_id, token, settings, now, report)
    return report


def _deliver_one(
    reminder_id: int,
    token: str,
    settings: DispatchSettings,
    now: Callable[[], datetime],
    report: DispatchReport,
) -> None:
    reminder = db.session.scalar(
        select(Reminder)
        .where(Reminder.id == reminder_id)
        .options(selectinload(Reminder.user), selectinload(Reminder.channel))
    )
    if reminder is None or reminder.claim_token != token:
        report.lost_leases += 1
        db.session.rollback()
        return
    outcome: dict[str, object]
    if not reminder.user.active:
        outcome = {"state": "dead", "last_error": "the person is deactivated"}
    elif reminder.channel is None:
        outcome = {"state": "sent", "sent_at": now()}  # the in-app inbox: stored is delivered
    elif not reminder.channel.active:
        outcome = {"state": "dead", "last_error": "the channel was switched off"}
    else:
        channel = reminder.channel
        target = Target(channel.kind, channel.target, channel.secret)
        wait = _limiter.acquire(target)
        if wait > 0:
            report.deferred += 1
            _finish(
                reminder,
                token,
                {
                    "state": "pending",
                    "claim_token": None,
                    "lease_until": None,
                    "next_attempt_at": now() + timedelta(seconds=wait),
                },
                report,
            )
            return
        attempts = reminder.attempts + 1
        # The batch's lease started when it was claimed; renew it for this one row now, so a
        # slow batch cannot let another dispatcher take the row while it is being sent.
        renewed = db.session.execute(
            update(Reminder)
            .where(Reminder.id == reminder.id, Reminder.claim_token == token)
            .values(lease_until=now() + timedelta(seconds=settings.lease_seconds))
        )
        db.session.commit()
        if rows_changed(renewed) != 1:
            report.lost_leases += 1
            return
        try:
            # A send may never outlast the lease, or a second dispatcher could take it over.
            deliver(
                target,
                _message(reminder),
                smtp=settings.smtp,
                timeout=min(MAX_SEND_SECONDS, settings.lease_seconds / 2),
            )
        except DeliveryError as error:
            detail = str(error)[:1000]
            if error.retryable and attempts < settings.max_attempts:
                delay = backoff(attempts, settings)
                if error.retry_after:
                    delay = max(delay, error.retry_after)
                outcome = {
                    "state": "failed",
                    "attempts": attempts,
                    "last_error": detail,
                    "next_attempt_at": now() + timedelta(seconds=delay),
                }
            else:
                outcome = {"state": "dead", "attempts": attempts, "last_error": detail}
            log.warning("reminder %s over %s: %s", reminder.id, channel.kind, detail)
        else:
            outcome = {"state": "sent", "attempts": attempts, "sent_at": now(), "last_error": None}
    outcome.setdefault("claim_token", None)
    outcome.setdefault("lease_until", None)
    _finish(reminder, token, outcome, report)


def _finish(
    reminder: Reminder, token: str, values: dict[str, object], report: DispatchReport
) -> None:
    """Record the outcome only if this dispatcher still holds the lease, and commit."""
    reminder_id = reminder.id
    db.session.rollback()  # nothing else may ride on this commit
    result = db.session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.claim_token == token)
        .values(**values)
    )
    db.session.commit()
    if rows_changed(result) != 1:
        report.lost_leases += 1
        return
    state = values.get("state")
    if state == "sent":
        report.sent += 1
    elif state == "failed":
        report.failed += 1
    elif state == "dead":
        report.dead += 1


def backoff(attempts: int, settings: DispatchSettings) -> float:
    """Exponential backoff with jitter: half to all of base × 2^(attempts−1), capped."""
    ceiling = min(settings.backoff_cap_seconds, settings.backoff_seconds * 2 ** (attempts - 1))
    return ceiling * random.uniform(0.5, 1.0)


def _message(reminder: Reminder) -> Message:
    payload = reminder.payload or {}
    return Message(
        id=reminder.key,
        kind=reminder.kind,
        user=reminder.user.email,
        store=payload.get("store"),
        tasks=list(payload.get("tasks", [])),
        subject=reminder.subject,
        text=reminder.text,
        url=payload.get("url"),
        action=payload.get("action"),
        language=payload.get("language"),
        unsubscribe=payload.get("unsubscribe"),
    )


def retry_reminder(reminder: Reminder, *, now: datetime | None = None) -> None:
    """Send a dead (or failed) reminder again from the first attempt."""
    if reminder.state not in ("dead", "failed"):
        return
    reminder.state = "pending"
    reminder.attempts = 0
    reminder.next_attempt_at = now or utcnow()
    reminder.claim_token = None
    reminder.lease_until = None
    db.session.flush()

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
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import selectinload

from tracker.clock import utcnow
from tracker.columns import rows_changed
from tracker.extensions import db
from tracker.faults import describe
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
    # TRACKER_ALLOW_PRIVATE_TARGETS: may channels reach loopback or private addresses?
    allow_private_targets: bool = False


@dataclass
class DispatchReport:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    dead: int = 0
    deferred: int = 0
    lost_leases: int = 0
    released: int = 0  # claimed, then handed back untried because the process is stopping
    errors: list[str] = field(default_factory=list)

    def add(self, other: DispatchReport) -> None:
        for name in ("claimed", "sent", "failed", "dead", "deferred", "lost_leases", "released"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _due(now: datetime):
    return or_(
        and_(Reminder.state.in_(("pending", "failed")), Reminder.next_attempt_at <= now),
        and_(Reminder.state == "sending", Reminder.lease_until < now),
    )


def database_now() -> datetime:
    """Now by the database's clock, which every dispatcher shares, whatever its own says.

    PostgreSQL may run on another machine than any dispatcher; SQLite runs on theirs, but its
    clock is still read from the database, so every claim and lease is judged by one clock.
    """
    if db.engine.dialect.name == "postgresql":
        moment = db.session.scalar(select(func.clock_timestamp()))
    else:
        text = db.session.scalar(select(func.strftime("%Y-%m-%d %H:%M:%f", "now")))
        moment = datetime.fromisoformat(str(text)).replace(tzinfo=UTC)
    if not isinstance(moment, datetime):
        raise RuntimeError(f"the database's clock said {moment!r}")
    return moment.astimezone(UTC)


def database_clock() -> Callable[[], datetime]:
    """The database's clock read once: later instants are this process's clock plus the gap."""
    gap = database_now() - utcnow()
    return lambda: utcnow() + gap


GAVE_UP = "gave up after %s attempts: no dispatcher finished sending it (each stopped mid-send)"


def claim_due_reminders(
    settings: DispatchSettings, *, now: datetime | None = None
) -> tuple[str, list[int]]:
    """Lease a batch of due reminders to this dispatcher and commit; return (token, ids).

    The claim counts the attempt, so a row whose every dispatcher dies mid-send still reaches
    the attempt limit: it is then dead-lettered instead of claimed again. Leases are judged
    by the database's clock unless ``now`` is given.
    """
    now = now or database_now()
    token = str(uuid.uuid4())
    lease = {
        "state": "sending",
        "claim_token": token,
        "lease_until": now + timedelta(seconds=settings.lease_seconds),
        "attempts": Reminder.attempts + 1,
    }
    db.session.execute(
        update(Reminder)
        .where(
            Reminder.state == "sending",
            Reminder.lease_until < now,
            Reminder.attempts >= settings.max_attempts,
        )
        .values(
            state="dead",
            claim_token=None,
            lease_until=None,
            last_error=func.coalesce(Reminder.last_error, GAVE_UP % settings.max_attempts),
        )
        .execution_options(synchronize_session=False)
    )
    candidates = (
        select(Reminder.id)
        .where(_due(now))
        .order_by(Reminder.next_attempt_at, Reminder.id)
        .limit(settings.batch_size)
    )
    if db.engine.dialect.name == "postgresql":
        ids = list(db.session.scalars(candidates.with_for_update(skip_locked=True)))
        if ids:
            db.session.execute(
                update(Reminder)
                .where(Reminder.id.in_(ids))
                .values(**lease)
                .execution_options(synchronize_session=False)
            )
    else:
        ids = []
        for reminder_id in db.session.scalars(candidates).all():
            # Only one dispatcher's UPDATE can still find the row due.
            won = db.session.execute(
                update(Reminder)
                .where(Reminder.id == reminder_id, _due(now))
                .values(**lease)
                .execution_options(synchronize_session=False)
            )
            if rows_changed(won) == 1:
                ids.append(reminder_id)
    db.session.commit()
    return token, ids


def dispatch_due(
    settings: DispatchSettings,
    *,
    now: Callable[[], datetime] | None = None,
    max_batches: int | None = None,
    stop: threading.Event | None = None,
) -> DispatchReport:
    """Deliver everything due now, batch by batch, committing each outcome on its own.

    ``now`` is the database's clock unless a test gives another. Once ``stop`` is set (the
    process got SIGTERM) nothing more is claimed or sent: the send under way finishes
    (within its deadline) and the rest of the batch is handed back for another dispatcher.
    """
    report = DispatchReport()
    batches = 0
    while max_batches is None or batches < max_batches:
        if stop is not None and stop.is_set():
            break
        clock = now or database_clock()  # read once a batch, not once a statement
        token, ids = claim_due_reminders(settings, now=clock())
        if not ids:
            break
        batches += 1
        report.claimed += len(ids)
        for position, reminder_id in enumerate(ids):
            if stop is not None and stop.is_set():
                report.released += release_claimed(ids[position:], token)
                break
            _deliver_one(reminder_id, token, settings, clock, report)
    return report


def release_claimed(ids: Sequence[int], token: str) -> int:
    """Hand back rows this dispatcher claimed but did not try, as they were; commit."""
    db.session.rollback()
    result = db.session.execute(
        update(Reminder)
        .where(Reminder.id.in_(list(ids)), Reminder.claim_token == token)
        .values(
            state=case((Reminder.attempts > 1, "failed"), else_="pending"),
            attempts=Reminder.attempts - 1,  # counted at the claim, never tried
            claim_token=None,
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return rows_changed(result)


def _deliver_one(
    reminder_id: int,
    token: str,
    settings: DispatchSettings,
    now: Callable[[], datetime],
    report: DispatchReport,
) -> None:
    """Deliver one claimed row; whatever goes wrong with it is recorded on it alone."""
    reminder = db.session.scalar(
        select(Reminder)
        .where(Reminder.id == reminder_id)
        .options(selectinload(Reminder.user), selectinload(Reminder.channel))
    )
    if reminder is None or reminder.claim_token != token:
        report.lost_leases += 1
        db.session.rollback()
        return
    attempts = reminder.attempts  # this one included: it was counted when claimed
    try:
        outcome = _attempt(reminder, token, attempts, settings, now, report)
    except Exception as error:  # a poison row: its own error, nobody else's
        detail = describe(error)
        log.exception("reminder %s could not be sent: %s", reminder_id, detail)
        db.session.rollback()
        outcome = _failure(attempts, detail, settings, now, retryable=True)
    if outcome is None:
        return
    outcome.setdefault("claim_token", None)
    outcome.setdefault("lease_until", None)
    _finish(reminder_id, token, outcome, report)


def _attempt(
    reminder: Reminder,
    token: str,
    attempts: int,
    settings: DispatchSettings,
    now: Callable[[], datetime],
    report: DispatchReport,
) -> dict[str, object] | None:
    """Send one reminder; return the outcome to record, or None when the lease was lost."""
    if not reminder.user.active:
        return {"state": "dead", "last_error": "the person is deactivated"}
    if reminder.channel is None:
        return {"state": "sent", "sent_at": now()}  # the in-app inbox: stored is delivered
    if not reminder.channel.active:
        return {"state": "dead", "last_error": "the channel was switched off"}
    channel = reminder.channel
    target = Target(channel.kind, channel.target, channel.secret)
    message = _message(reminder)  # built now: the commit below expires the row
    wait = _limiter.acquire(target)
    if wait > 0:
        report.deferred += 1
        return {
            "state": "pending",
            "attempts": attempts - 1,  # not tried: the attempt counted at the claim is given back
            "next_attempt_at": now() + timedelta(seconds=wait),
        }
    # The batch's lease started when it was claimed; renew it for this one row now, so a
    # slow batch cannot let another dispatcher take the row while it is being sent.
    renewed = db.session.execute(
        update(Reminder)
        .where(Reminder.id == reminder.id, Reminder.claim_token == token)
        .values(lease_until=now() + timedelta(seconds=settings.lease_seconds))
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if rows_changed(renewed) != 1:
        report.lost_leases += 1
        return None
    try:
        # The whole send, answer included, ends well within the lease just renewed, so no
        # other dispatcher can take the row over while it is still on its way.
        deliver(
            target,
            message,
            smtp=settings.smtp,
            timeout=send_deadline(settings),
            allow_private=settings.allow_private_targets,
        )
    except DeliveryError as error:
        detail = str(error)[:1000]
        log.warning("reminder %s over %s: %s", reminder.id, channel.kind, detail)
        return _failure(
            attempts,
            detail,
            settings,
            now,
            retryable=error.retryable,
            retry_after=error.retry_after,
        )
    return {"state": "sent", "attempts": attempts, "sent_at": now(), "last_error": None}


def send_deadline(settings: DispatchSettings) -> float:
    """Seconds one send may take in all: at most half the lease, so it ends while leased."""
    return min(MAX_SEND_SECONDS, settings.lease_seconds / 2)


def _failure(
    attempts: int,
    detail: str,
    settings: DispatchSettings,
    now: Callable[[], datetime],
    *,
    retryable: bool,
    retry_after: float | None = None,
) -> dict[str, object]:
    """A failed attempt: tried again after a longer wait, or dead after the last one."""
    if not retryable or attempts >= settings.max_attempts:
        return {"state": "dead", "attempts": attempts, "last_error": detail}
    delay = backoff(attempts, settings)
    if retry_after:
        delay = max(delay, retry_after)
    return {
        "state": "failed",
        "attempts": attempts,
        "last_error": detail,
        "next_attempt_at": now() + timedelta(seconds=delay),
    }


def _finish(
    reminder_id: int, token: str, values: dict[str, object], report: DispatchReport
) -> None:
    """Record the outcome only if this dispatcher still holds the lease, and commit."""
    db.session.rollback()  # nothing else may ride on this commit
    result = db.session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.claim_token == token)
        .values(**values)
        .execution_options(synchronize_session=False)
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
    payload = reminder.payload or {}  # a corrupt one fails here, for this row alone
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


def retry_reminder(reminder: Reminder, *, now: datetime | None = None) -> bool:
    """Send a dead, failed or stuck reminder again from the first attempt; False if it moved on.

    The database decides, not the (possibly stale) object: a row that a dispatcher claimed in
    the meantime keeps its lease, so it can never be sent twice because of a retry.
    """
    return retry_reminders([reminder.id], now=now) == 1


def retry_reminders(ids: Sequence[int] | None = None, *, now: datetime | None = None) -> int:
    """Send these reminders (None: every dead one) again from the first attempt; count them.

    Only rows that still need it change: dead, failed, or stuck in "sending" after their
    lease ran out.
    """
    now = now or database_now()
    wanted = Reminder.needs_attention(now) if ids is not None else Reminder.state == "dead"
    query = update(Reminder).where(wanted)
    if ids is not None:
        query = query.where(Reminder.id.in_(list(ids)))
    result = db.session.execute(
        query.values(
            state="pending", attempts=0, next_attempt_at=now, claim_token=None, lease_until=None
        ).execution_options(synchronize_session=False)
    )
    db.session.expire_all()
    return rows_changed(result)

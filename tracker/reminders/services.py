"""Use cases about reminders: channels, preferences, the inbox and retrying by hand."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import delete, func, literal, select, update

from tracker.auth.models import User
from tracker.clock import utcnow
from tracker.columns import MAX_ID, rows_changed
from tracker.errors import FieldError, InputError, NotFound, whole_number_or_text
from tracker.extensions import db
from tracker.playbook.phrases import phrase
from tracker.playbook.zones import unknown_zone, zone_exists
from tracker.reminders.channels import CHANNEL_KINDS, SmtpSettings, Target, check_target
from tracker.reminders.channels.guard import CODE as TARGET_NOT_ALLOWED
from tracker.reminders.dispatch import DispatchSettings
from tracker.reminders.models import Channel, Reminder

SECRET_MAX = 200
MAX_DAYS_BEFORE = 60


def dispatch_settings(app: Flask) -> DispatchSettings:
    """Build the dispatcher's settings from the app's configuration."""
    config = app.config
    return DispatchSettings(
        lease_seconds=config["TRACKER_REMINDER_LEASE_SECONDS"],
        max_attempts=int(config["TRACKER_REMINDER_MAX_ATTEMPTS"]),
        backoff_seconds=config["TRACKER_REMINDER_BACKOFF_SECONDS"],
        backoff_cap_seconds=config["TRACKER_REMINDER_BACKOFF_CAP_SECONDS"],
        smtp=SmtpSettings.from_environ(config.get("TRACKER_SMTP") or {}),
        allow_private_targets=bool(config.get("TRACKER_ALLOW_PRIVATE_TARGETS")),
        senders=int(config["TRACKER_REMINDER_SENDERS"]),
        senders_per_destination=int(config["TRACKER_REMINDER_SENDERS_PER_HOST"]),
    )


PRUNE_CHUNK = 5000


def prune_outbox(*, retention_days: float, now: datetime | None = None) -> int:
    """Delete sent and dead reminders due more than ``retention_days`` ago; count them.

    At most PRUNE_CHUNK rows a call, through the (state, next_attempt_at) index, so a tick
    that prunes stays short; the next tick takes the rest.
    """
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    old = (
        select(Reminder.id)
        .where(Reminder.state.in_(("sent", "dead", "dismissed")), Reminder.next_attempt_at < cutoff)
        .limit(PRUNE_CHUNK)
    )
    ids = list(db.session.scalars(old))
    if not ids:
        return 0
    return rows_changed(db.session.execute(delete(Reminder).where(Reminder.id.in_(ids))))


def add_channel(user: User, kind: Any, target: Any, secret: Any = None) -> Channel:
    """Add a delivery channel for a person, checking the address or URL for its kind."""
    errors: list[FieldError] = []
    if kind not in CHANNEL_KINDS:
        errors.append(
            FieldError(
                "kind",
                phrase(
                    "expected one of %(known)s, got %(got)s",
                    known=", ".join(CHANNEL_KINDS),
                    got=repr(kind),
                ),
            )
        )
    if not isinstance(target, str) or not target.strip() or len(target.strip()) > 500:
        errors.append(
            FieldError(
                "target", phrase("expected an e-mail address or URL (500 characters at most)")
            )
        )
    if secret is not None and (not isinstance(secret, str) or len(secret) > SECRET_MAX):
        errors.append(
            FieldError(
                "secret", phrase("expected text of at most %(limit)s characters", limit=SECRET_MAX)
            )
        )
    if not errors:
        problem = check_target(Target(kind, target.strip(), secret or None), allow_private=True)
        if problem:
            errors.append(FieldError("target", problem))
    if errors:
        raise InputError(errors)
    allowed = bool(current_app.config.get("TRACKER_ALLOW_PRIVATE_TARGETS"))
    problem = None if allowed else check_target(Target(kind, target.strip()))
    if problem:
        raise InputError.one("target", problem, code=TARGET_NOT_ALLOWED)
    channel = Channel(
        user=user, kind=kind, target=target.strip(), secret=(secret or "").strip() or None
    )
    db.session.add(channel)
    db.session.flush()
    return channel


def remove_channel(channel: Channel) -> None:
    """Switch a channel off; what it already sent stays on record."""
    channel.active = False
    db.session.flush()


def update_preferences(user: User, raw: Mapping[str, Any]) -> User:
    """Set when and how a person is reminded; every bad field is reported."""
    errors: list[FieldError] = []
    values: dict[str, Any] = {}

    def read_time(name: str, optional: bool = False) -> None:
        value = raw.get(name)
        if value in (None, "") and optional:
            values[name] = None
            return
        try:
            values[name] = time.fromisoformat(str(value).strip())
        except ValueError:
            errors.append(
                FieldError(name, phrase("expected a time as HH:MM, got %(got)s", got=repr(value)))
            )

    if "timezone" in raw:
        if isinstance(raw["timezone"], str) and zone_exists(raw["timezone"].strip()):
            values["timezone"] = raw["timezone"].strip()
            values["timezone_settled"] = True  # chosen by the person
        else:
            errors.append(
                FieldError(
                    "timezone",
                    unknown_zone(raw["timezone"]),
                )
            )
    if "remind_days_before" in raw:
        days = raw["remind_days_before"]
        if isinstance(days, str):
            days = [part.strip() for part in days.split(",") if part.strip()]
        try:
            # Digits 0-9 only ("1_0" or "٣" are refused, as in every form), no fractions.
            read = [whole_number_or_text(day) if isinstance(day, str) else day for day in days]
            if not all(isinstance(day, int) and not isinstance(day, bool) for day in read):
                raise ValueError(days)  # a word, a fraction, true/false
            parsed: list[int] | None = sorted({int(day) for day in read}, reverse=True)
        except (TypeError, ValueError):
            parsed = None
        if parsed is None or any(not 0 <= d <= MAX_DAYS_BEFORE for d in parsed):
            errors.append(
                FieldError(
                    "remind_days_before",
                    phrase(
                        "expected whole numbers of days from 0 to %(max)s, like 3, 1",
                        max=MAX_DAYS_BEFORE,
                    ),
                )
            )
        else:
            values["remind_days_before"] = parsed
    for name in ("remind_at", "digest_at"):
        if name in raw:
            read_time(name)
    for name in ("quiet_from", "quiet_until"):
        if name in raw:
            read_time(name, optional=True)
    if "digest" in raw:
        if isinstance(raw["digest"], bool):
            values["digest"] = raw["digest"]
        else:
            errors.append(FieldError("digest", phrase("expected true or false")))
    if errors:
        raise InputError(errors)
    quiet = (values.get("quiet_from", user.quiet_from), values.get("quiet_until", user.quiet_until))
    if (quiet[0] is None) != (quiet[1] is None):
        raise InputError.one("quiet_until", phrase("give both ends of the quiet hours, or neither"))
    for name, value in values.items():
        setattr(user, name, value)
    db.session.flush()
    return user


INBOX_LIMIT = 200


def inbox(
    user: User,
    *,
    limit: int = INBOX_LIMIT,
    before: int | None = None,
    unread_only: bool = False,
) -> Sequence[Reminder]:
    """The person's in-app reminders they have not dismissed, newest first.

    ``before``: only those older than that reminder (the next page); ``unread_only``: only
    those not read yet.
    """
    query = select(Reminder).where(Reminder.in_inbox_of(user.id))
    if before is not None:
        query = query.where(Reminder.id < before)
    if unread_only:
        query = query.where(Reminder.read_at.is_(None))
    return db.session.scalars(query.order_by(Reminder.id.desc()).limit(limit)).all()


# The inbox badge on every page says up to this many unread reminders, then "99+": counting
# further would cost every page of someone who never opens the inbox more with each one.
UNREAD_SHOWN = 99


def unread_count(user: User) -> int:
    """Count the person's unread inbox reminders, up to one past ``UNREAD_SHOWN``.

    Read from the inbox index alone (it holds the state too), a hundred entries at most.
    """
    unread = (
        select(literal(1))
        .where(Reminder.in_inbox_of(user.id), Reminder.read_at.is_(None))
        .limit(UNREAD_SHOWN + 1)
        .subquery()
    )
    return db.session.scalar(select(func.count()).select_from(unread)) or 0


def mark_inbox_read(user: User, *, now: datetime | None = None) -> int:
    """Mark every unread inbox reminder of the person as read."""
    result = db.session.execute(
        update(Reminder)
        .where(Reminder.in_inbox_of(user.id), Reminder.read_at.is_(None))
        .values(read_at=now or utcnow())
    )
    return rows_changed(result)


def dismiss(user: User, reminder_id: int) -> Reminder:
    """Take one reminder out of the person's inbox (it stays in the outbox's history).

    One already dismissed stays as it is (a second click changes nothing); another
    person's reminder is answered as a missing one.
    """
    found = None
    if 0 < reminder_id <= MAX_ID:  # an id no column can hold finds nothing
        found = db.session.scalar(
            select(Reminder).where(Reminder.id == reminder_id, Reminder.kept_by(user.id))
        )
    if found is None:
        raise NotFound(phrase("no reminder %(id)s in your inbox", id=reminder_id))
    if found.state != "dismissed":
        found.state = "dismissed"
        found.read_at = found.read_at or utcnow()
        db.session.flush()
    return found

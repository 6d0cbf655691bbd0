"""What time it is: now as a UTC instant, and today as a date in a time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    """Return the current instant, aware, in UTC."""
    return datetime.now(UTC)


def local_today(zone: str, now: datetime | None = None) -> date:
    """Return the date it is now in ``zone`` (the IANA name)."""
    return (now or utcnow()).astimezone(ZoneInfo(zone)).date()

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


class SkippedTime(ValueError):
    """A wall-clock time that did not happen in a zone: the clocks went forward past it."""


def wall_clock_instant(moment: datetime, zone: str) -> datetime:
    """Return the UTC instant a clock in ``zone`` showed as ``moment`` (naive).

    A time the clocks skipped (the spring-forward gap) raises SkippedTime rather than being
    moved an hour; a time they showed twice (the autumn fold) is the first of the two, the
    one still on summer time. docs/api.md says so; an offset in the input picks either.
    """
    local = moment.replace(tzinfo=ZoneInfo(zone), fold=0)
    instant = local.astimezone(UTC)
    if instant.astimezone(local.tzinfo).replace(tzinfo=None) != moment.replace(fold=0):
        raise SkippedTime(moment.isoformat())
    return instant

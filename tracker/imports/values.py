"""The values in an export's cells: times in the region's format, money, counts, durations.

Seller Center writes times in the store's own zone as ``DD/MM/YYYY HH:MM:SS``
(UK, Southeast Asia) or ``MM/DD/YYYY hh:mm:ss AM`` (US), sometimes ISO; XLSX
cells may hold real dates and numbers. Which of day and month comes first is
decided once per file (``DateOrder``): a 12-hour clock, or a first or second
field over 12, settles it; until then the times wait, unread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from tracker.playbook.phrases import phrase

DAY_FIRST, MONTH_FIRST, YEAR_FIRST = "day_first", "month_first", "year_first"

_STAMP = re.compile(
    r"^(?P<a>\d{1,4})[/\-.](?P<b>\d{1,2})[/\-.](?P<c>\d{1,4})"
    r"(?:[ T]+(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:\.\d+)?)?"
    r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?"
    r"\s*(?:Z|[+-]\d{2}:?\d{2}|UTC|GMT)?$"
)


class BadValue(ValueError):
    """A cell that cannot be read as what its column holds (the message says why)."""


@dataclass(frozen=True)
class Stamp:
    """A time as the file wrote it, to read once the file's day/month order is known."""

    text: str
    a: int
    b: int
    c: int
    clock: time
    twelve_hour: bool

    def evidence(self) -> str | None:
        """The day/month order this one value proves, if any."""
        if self.a > 31:
            return YEAR_FIRST
        if self.twelve_hour:
            return MONTH_FIRST
        if self.a > 12:
            return DAY_FIRST
        if self.b > 12:
            return MONTH_FIRST
        return None

    def read(self, order: str) -> datetime:
        if self.a > 31:  # a four-digit year first: ISO order
            year, month, day = self.a, self.b, self.c
        elif order == MONTH_FIRST:
            month, day, year = self.a, self.b, self.c
        else:
            day, month, year = self.a, self.b, self.c
        if year < 100:
            year += 2000
        try:
            return datetime.combine(date(year, month, day), self.clock)
        except ValueError:
            raise BadValue(
                phrase(
                    "'%(text)s' is not a date (read as %(order)s)",
                    text=self.text,
                    order=_ORDER_WORDS[order],
                )
            ) from None


_ORDER_WORDS = {
    DAY_FIRST: "DD/MM/YYYY",
    MONTH_FIRST: "MM/DD/YYYY",
    YEAR_FIRST: "YYYY-MM-DD",
}


def stamp(value: Any) -> datetime | Stamp:
    """Read a time cell: an XLSX date as it is, text as a ``Stamp`` to read later."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime.combine(value, time())
    text = str(value).strip()
    found = _STAMP.match(text)
    if not found:
        raise BadValue(
            phrase(
                "'%(text)s' is not a time (expected DD/MM/YYYY HH:MM:SS, "
                "MM/DD/YYYY hh:mm:ss AM or YYYY-MM-DD HH:MM:SS)",
                text=text[:40],
            )
        )
    hour, minute, second = (int(found[g] or 0) for g in ("h", "m", "s"))
    ampm = (found["ampm"] or "").replace(".", "").upper()
    if ampm:
        if not 1 <= hour <= 12:
            raise BadValue(phrase("'%(text)s' is not a 12-hour time", text=text[:40]))
        hour = hour % 12 + (12 if ampm == "PM" else 0)
    if hour > 23 or minute > 59 or second > 59:
        raise BadValue(phrase("'%(text)s' is not a time of day", text=text[:40]))
    a, b, c = int(found["a"]), int(found["b"]), int(found["c"])
    return Stamp(text, a, b, c, time(hour, minute, second), bool(ampm))


class DateOrder:
    """The file's day/month order: settled by the first value that proves it, else a default."""

    def __init__(self, default: str) -> None:
        self.default = default
        self.order: str | None = None
        self.proved_by: str | None = None

    def learn(self, value: datetime | Stamp) -> None:
        if self.order is not None or not isinstance(value, Stamp):
            return
        evidence = value.evidence()
        if evidence in (DAY_FIRST, MONTH_FIRST):
            self.order, self.proved_by = evidence, value.text

    def check(self, value: datetime | Stamp) -> None:
        """Refuse a value that contradicts the order already settled (a mixed file)."""
        if self.order is None or not isinstance(value, Stamp):
            return
        evidence = value.evidence()
        if evidence in (DAY_FIRST, MONTH_FIRST) and evidence != self.order:
            raise BadValue(
                phrase(
                    "'%(text)s' is written %(found)s but earlier times were %(order)s "
                    "('%(earlier)s')",
                    text=value.text,
                    found=_ORDER_WORDS[evidence],
                    order=_ORDER_WORDS[self.order],
                    earlier=self.proved_by or "",
                )
            )

    def read(self, value: datetime | Stamp) -> datetime:
        if isinstance(value, datetime):
            return value
        return value.read(self.order or self.default)

    def said(self) -> str:
        return _ORDER_WORDS[self.order or self.default]


def whole(value: Any, *, low: int = 0, high: int = 10_000_000) -> int:
    """A count: '3', 3, 3.0; within bounds."""
    if isinstance(value, bool):
        raise BadValue(phrase("'%(text)s' is not a whole number", text=str(value)))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip().replace(",", "").replace("\u00a0", "").replace(" ", "")
        if text.endswith(".0"):
            text = text[:-2]
        if not re.fullmatch(r"-?\d+", text):
            raise BadValue(phrase("'%(text)s' is not a whole number", text=str(value)[:40]))
        number = int(text)
    if not low <= number <= high:
        raise BadValue(
            phrase(
                "%(number)s is out of range (%(low)s to %(high)s)",
                number=number,
                low=low,
                high=high,
            )
        )
    return number


_MONEY_NOISE = re.compile(r"[^\d,.\-]")


def money(value: Any) -> float:
    """An amount with or without a currency: '$1,234.50', 'RM 12.90', '£3', '1.234,50 €', 12.9."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return round(float(value), 2)
    text = _MONEY_NOISE.sub("", str(value))
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        text = text.replace(thousands, "").replace(decimal_mark, ".")
    elif "," in text:
        text = (
            text.replace(",", "")
            if re.fullmatch(r"-?\d{1,3}(,\d{3})+", text)
            else text.replace(",", ".")
        )
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise BadValue(
            phrase("'%(text)s' is not an amount of money", text=str(value)[:40])
        ) from None
    if not amount.is_finite() or abs(amount) >= 10**12:
        raise BadValue(phrase("'%(text)s' is not an amount of money", text=str(value)[:40]))
    return round(float(amount), 2)


_DURATION_PARTS = re.compile(
    r"(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>h(?:ours?|rs?)?|m(?:in(?:ute)?s?)?|s(?:ec(?:ond)?s?)?)\b",
    re.IGNORECASE,
)


def minutes(value: Any) -> int:
    """A duration in whole minutes: '2h 5min', '1h30m', '02:05:00', '125', 125, an XLSX time."""
    if isinstance(value, timedelta):
        return round(value.total_seconds() / 60)
    if isinstance(value, time):
        return value.hour * 60 + value.minute + round(value.second / 60)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return round(value)
    text = str(value).strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return round(float(text))
    clock = re.fullmatch(r"(\d+):(\d{1,2})(?::(\d{1,2}))?", text)
    if clock:
        hours, mins, secs = int(clock[1]), int(clock[2]), int(clock[3] or 0)
        if clock[3] is None:  # mm:ss is too short for a live: read hh:mm
            return hours * 60 + mins
        return hours * 60 + mins + round(secs / 60)
    parts = list(_DURATION_PARTS.finditer(text))
    if parts and not _DURATION_PARTS.sub("", text).strip():
        total = 0.0
        for part in parts:
            amount, unit = float(part["n"]), part["unit"][0]
            total += amount * {"h": 60.0, "m": 1.0, "s": 1 / 60}[unit]
        return round(total)
    raise BadValue(
        phrase("'%(text)s' is not a duration (e.g. 2h 5min, 02:05:00 or minutes)", text=text[:40])
    )

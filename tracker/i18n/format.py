"""Say dates, instants, numbers, lists and how far a day is, as the current language does."""

from __future__ import annotations

import functools
import math
from datetime import UTC, date, datetime
from typing import Any, Literal

from babel.lists import format_list
from flask_babel import format_date, format_datetime, format_decimal, format_percent
from markupsafe import Markup

from tracker.clock import utcnow
from tracker.i18n.locales import SOURCE_LOCALE, current_locale, gettext, ngettext, speech

# Dates: English pages keep ISO dates (unambiguous for teams on both sides of the
# Atlantic); other languages use their CLDR medium date ("2026年11月23日").
DATE_PATTERNS = {"en": "yyyy-MM-dd"}
DATETIME_PATTERNS = {"en": "yyyy-MM-dd HH:mm", "zh_CN": "y年M月d日 HH:mm"}


def separator() -> str:
    """What separates reasons or sources in a line ("; " in English)."""
    # Translators: separates the items of a list of reasons or of sources.
    return gettext("; ")


# The list styles phrases use, as Babel names them.
_LIST_STYLES: dict[str, Literal["standard", "or"]] = {"standard": "standard", "or": "or"}


def say_list(items: list[Any], *, style: str = "standard") -> str:
    """Join items the way the language lists things ("A、B和C").

    English pages keep the product's plain comma lists ("A, B, C"); English
    sentences that need "and" or "or" come from the engine's own wording.
    """
    items = [str(item) for item in items]
    if not items:
        return ""
    if current_locale() == SOURCE_LOCALE:
        return ", ".join(items)
    return format_list(items, style=_LIST_STYLES.get(style, "standard"), locale=current_locale())


def iso_date(text: str | date | None) -> date | None:
    """Read an ISO date kept as text (a reminder's payload) back as a date."""
    if text is None or isinstance(text, date):
        return text
    return date.fromisoformat(text)


def day(value: date | None) -> str:
    """A date as the current language writes it."""
    if value is None:
        return ""
    return _day(value, current_locale())


# A page says the same few dates, counts and codes many times a row: what they read as
# depends only on the language (the catalogs do not change while the app runs).
SAID = functools.lru_cache(maxsize=8192)


@SAID
def _day(value: date, locale: str) -> str:
    return format_date(value, DATE_PATTERNS.get(locale, "medium"))


def when(instant: datetime | None) -> str:
    """An instant in the reader's own time zone, as their language writes it."""
    if instant is None:
        return ""
    said = speech()
    if said.code == SOURCE_LOCALE and said.zone is not None:
        # English is ISO: no need for Babel's pattern machinery (a portfolio says 1,000 of these).
        aware = instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)
        return aware.astimezone(said.zone).strftime("%Y-%m-%d %H:%M")
    return format_datetime(instant, DATETIME_PATTERNS.get(said.code, "medium"))


def number(value: float | int | None) -> str:
    """A number with the language's grouping (1,000)."""
    return "" if value is None else _number(value, current_locale())


@SAID
def _number(value: float | int, locale: str) -> str:
    return format_decimal(value)


def share(value: float | None) -> str:
    """A share from 0 to 1 as a percentage to one place ("14.3%"); a dash when unknown."""
    return "–" if value is None else _share(value, current_locale())


@SAID
def _share(value: float, locale: str) -> str:
    return format_percent(value, "#,##0.0%")


def relative_due(due_on: date, today: date) -> str:
    """Say how far a due date is from today: 'today', 'in 3 days', '2 days overdue'."""
    return _days_away((due_on - today).days, current_locale())


def relative_instant(due_at: datetime, due_on: date, today: date) -> str:
    """Say how far a due instant is: 'in 2 hours' within a day, else as a due date."""
    hours = (due_at - utcnow()).total_seconds() / 3600
    if -24 < hours < 0:
        return ngettext("%(num)d hour overdue", "%(num)d hours overdue", max(1, int(-hours)))
    if 0 <= hours < 24:
        return ngettext("in %(num)d hour", "in %(num)d hours", max(1, math.ceil(hours)))
    return relative_due(due_on, today)


@SAID
def _days_away(days: int, locale: str) -> str:
    if days == 0:
        return gettext("today")
    if days == 1:
        return gettext("tomorrow")
    if days > 0:
        return ngettext("in %(num)d day", "in %(num)d days", days)
    return ngettext("%(num)d day overdue", "%(num)d days overdue", -days)


def parenthesized(text: Any, space: str = "") -> str:
    """Put text in brackets as the language does: " (3)" in English, "（3）" in Chinese.

    ``space`` goes before the brackets in English only ("United States (US)").
    """
    # Markup in, Markup out: text a template already escaped is not escaped twice.
    said = Markup(gettext("(%(text)s)")) % {"text": text}
    return (Markup(space) + said) if current_locale() == SOURCE_LOCALE else said

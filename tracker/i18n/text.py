"""Say things in the current language: phrases, dates, instants, numbers, how far a day is."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from babel.lists import format_list
from flask_babel import format_date, format_datetime, format_decimal, get_locale, gettext, ngettext
from markupsafe import Markup

from tracker.i18n import SOURCE_LOCALE, SUPPORTED_LOCALES, catalog_folder
from tracker.playbook.phrases import Name, Names, Phrase

# Dates: English pages keep ISO dates (unambiguous for teams on both sides of the
# Atlantic); other languages use their CLDR medium date ("2026年11月23日").
DATE_PATTERNS = {"en": "yyyy-MM-dd"}
DATETIME_PATTERNS = {"en": "yyyy-MM-dd HH:mm", "zh_CN": "y年M月d日 HH:mm"}


def current_locale() -> str:
    """The language being spoken now, as one of SUPPORTED_LOCALES (``zh_CN``)."""
    locale = get_locale()
    if locale is None:
        return SOURCE_LOCALE
    name = str(locale)
    return _CODES.get(name, name)


# Babel names zh_CN in full, with its script ("zh_Hans_CN"); we keep the short code
# people know, and name the catalog folder as Babel does (tracker/translations/zh_Hans_CN),
# which is where Flask-Babel looks for it.
_CODES = {catalog_folder(code): code for code in SUPPORTED_LOCALES}


def localize(text: Any) -> str:
    """Say a Phrase (or a seed thing's Name) in the current language; other text as it is."""
    if isinstance(text, Name):
        return str(_localized_value(text))
    if not isinstance(text, Phrase):
        return "" if text is None else str(text)
    if current_locale() == SOURCE_LOCALE:
        return str(text)
    values = {name: _localized_value(value) for name, value in text.values.items()}
    if text.plural is not None:
        values.pop("num", None)  # ngettext passes the count as num itself
        return ngettext(text.msgid, text.plural, text.count or 0, **values)
    return gettext(text.msgid, **values) if values else gettext(text.msgid)


def _localized_value(value: Any) -> Any:
    from tracker.i18n.seeds import entry_title, seed_name

    if isinstance(value, Phrase):
        return localize(value)
    if isinstance(value, Name):
        from tracker.i18n.labels import LABELS

        if value.kind in LABELS:
            return label(value.key, value.kind)
        if value.kind == "entry":
            return entry_title(value.key, str(value), value.context)
        return seed_name(value.kind, value.key, str(value))
    if isinstance(value, Names):
        items = [_localized_value(item) for item in value.items]
        if value.style == "semicolon":
            return separator().join(str(item) for item in items)
        return say_list(items, style=value.style)
    if isinstance(value, datetime):
        return when(value)
    if isinstance(value, date):
        return day(value)
    return value


def separator() -> str:
    """What separates reasons or sources in a line ("; " in English)."""
    # Translators: separates the items of a list of reasons or of sources.
    return gettext("; ")


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
    return format_list(items, style=style, locale=current_locale())


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
_SAID = functools.lru_cache(maxsize=8192)


@_SAID
def _day(value: date, locale: str) -> str:
    return format_date(value, DATE_PATTERNS.get(locale, "medium"))


def when(instant: datetime | None) -> str:
    """An instant in the reader's own time zone, as their language writes it."""
    if instant is None:
        return ""
    return format_datetime(instant, DATETIME_PATTERNS.get(current_locale(), "medium"))


def number(value: float | int | None) -> str:
    """A number with the language's grouping (1,000)."""
    return "" if value is None else _number(value, current_locale())


@_SAID
def _number(value: float | int, locale: str) -> str:
    return format_decimal(value)


def relative_due(due_on: date, today: date) -> str:
    """Say how far a due date is from today: 'today', 'in 3 days', '2 days overdue'."""
    return _days_away((due_on - today).days, current_locale())


@_SAID
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


def label(code: Any, vocabulary: str) -> str:
    """Name a code of one of the product's fixed vocabularies (roles, states, kinds…)."""
    if not isinstance(code, str):
        return _label(code, vocabulary)
    return _cached_label(code, vocabulary, current_locale())


@_SAID
def _cached_label(code: str, vocabulary: str, locale: str) -> str:
    return _label(code, vocabulary)


def _label(code: Any, vocabulary: str) -> str:
    from tracker.i18n.labels import LABELS

    names: Mapping[str, Any] = LABELS.get(vocabulary, {})
    shown = names.get(code)
    return str(shown) if shown is not None else ("" if code is None else str(code))

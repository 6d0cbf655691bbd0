"""Say a Phrase, or the Name of a seed thing, in the current language."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import gettext, ngettext

from tracker.i18n.format import day, say_list, separator, when
from tracker.i18n.labels import LABELS, field_label, label
from tracker.i18n.locales import SOURCE_LOCALE, current_locale
from tracker.i18n.seeds import entry_title, seed_name
from tracker.playbook.phrases import Name, Names, Phrase


def localize(text: Any) -> str:
    """Say a Phrase (or a seed thing's Name) in the current language; other text as it is."""
    if isinstance(text, Name):
        return str(_localized_value(text))
    if not isinstance(text, Phrase):
        return "" if text is None else str(text)
    # English pages too: a Phrase's English text names tasks by key (for the API); people
    # read their titles.
    values = {name: _localized_value(value) for name, value in text.values.items()}
    if text.plural is not None:
        values.pop("num", None)  # ngettext passes the count as num itself
        return ngettext(text.msgid, text.plural, text.how_many or 0, **values)
    return gettext(text.msgid, **values) if values else gettext(text.msgid)


def _localized_value(value: Any) -> Any:
    if isinstance(value, Phrase):
        return localize(value)
    if isinstance(value, Name):
        if value.kind in LABELS:
            return label(value.key, value.kind)
        if value.kind == "field":
            return field_label(value.key)
        if value.kind == "entry":
            return entry_title(value.key, str(value), value.context)
        return seed_name(value.kind, value.key, str(value))
    if isinstance(value, Names):
        english = current_locale() == SOURCE_LOCALE
        if english and not any(getattr(item, "kind", None) == "entry" for item in value.items):
            return str(value)  # the caller's English, worded for it
        items = [_localized_value(item) for item in value.items]
        if value.style == "semicolon":
            return separator().join(str(item) for item in items)
        return say_list(items, style=value.style)
    if isinstance(value, datetime):
        return when(value)
    if isinstance(value, date):
        return day(value)
    return value

"""Say a Phrase, or the Name of a seed thing, in the current language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from flask_babel import force_locale
from markupsafe import Markup, escape

from tracker.i18n.format import day, say_list, separator, when
from tracker.i18n.labels import LABELS, field_label, label
from tracker.i18n.locales import SOURCE_LOCALE, current_locale, gettext, ngettext
from tracker.i18n.seeds import entry_title, seed_name
from tracker.playbook.phrases import Name, Names, Phrase, english


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


def plain(text: Any) -> str:
    """Say a Phrase in plain English as the API and the command line print it, with the
    tasks it names by title, not by key.

    A Phrase's own English names a task a gate waits for by its key where the gate kept no
    title (a lock's "waiting for: campaign.register"); people read titles (docs/using.md).
    Everything else reads as the Phrase's English: dates as ISO dates, numbers as written.
    """
    if not isinstance(text, Phrase):
        return "" if text is None else str(text)
    if not _names_an_entry(text):
        return str(text)
    values = {name: _plain_value(value) for name, value in text.values.items()}
    template = text.plural if text.plural is not None and text.how_many != 1 else text.msgid
    return template % values


def _names_an_entry(value: Any) -> bool:
    if isinstance(value, Name):
        return value.kind == "entry"
    if isinstance(value, Names):
        return any(_names_an_entry(item) for item in value.items)
    if isinstance(value, Phrase):
        return any(_names_an_entry(item) for item in value.values.values())
    return False


def _plain_value(value: Any) -> Any:
    if isinstance(value, Phrase):
        return plain(value)
    if isinstance(value, Name) and value.kind == "entry":
        with force_locale(SOURCE_LOCALE):
            return entry_title(value.key, str(value), value.context)
    if isinstance(value, Names) and _names_an_entry(value):
        joiner = "; " if value.style == "semicolon" else ", "
        return joiner.join(str(_plain_value(item)) for item in value.items)
    return english(value)


def localize_html(text: Any, link: Callable[[Name], str | None]) -> Markup:
    """Say a Phrase as HTML: the names of entries ``link`` gives an address for are links."""
    if not isinstance(text, Phrase) or text.plural is not None:
        return escape(localize(text))
    values: dict[str, Any] = {}
    linked = False
    for name, value in text.values.items():
        if isinstance(value, Names) and any(_linkable(item, link) for item in value.items):
            items = [_linked_name(item, link) for item in value.items]
            values[name] = Markup(say_list(items))  # each item is escaped or a link
            linked = True
        else:
            values[name] = escape(_localized_value(value))
    if not linked:
        return escape(localize(text))
    return Markup(gettext(text.msgid, **values))


def _linkable(item: Any, link: Callable[[Name], str | None]) -> bool:
    return isinstance(item, Name) and item.kind == "entry" and link(item) is not None


def _linked_name(item: Any, link: Callable[[Name], str | None]) -> Markup:
    words = escape(_localized_value(item))
    address = link(item) if isinstance(item, Name) and item.kind == "entry" else None
    return Markup('<a href="{0}">{1}</a>').format(address, words) if address else words


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
        # The caller's English, worded for it; unless it names tasks, which it does by key
        # (also inside the phrases it lists: a refusal listing a lock's reasons).
        if current_locale() == SOURCE_LOCALE and not _names_an_entry(value):
            return str(value)
        items = [_localized_value(item) for item in value.items]
        if value.style == "semicolon":
            return separator().join(str(item) for item in items)
        return say_list(items, style=value.style)
    if isinstance(value, datetime):
        return when(value)
    if isinstance(value, date):
        return day(value)
    return value

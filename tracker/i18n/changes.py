"""Say a changed value as people read it: the field's label, then what it was and is now.

The activity log keeps these as phrases, so each reader sees labels, names and dates in
their own language ("Inspection period ends on: (none) → 2026-12-01"; in Chinese
"检查期结束日期：（无）→ 2026年12月1日"), never ``inspection_ends_on None → '2026-12-01'``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from flask_babel import force_locale

from tracker.catalog import get_catalog
from tracker.i18n.labels import LABELS, field_label, label
from tracker.i18n.seeds import english_seed_name
from tracker.playbook.phrases import Name, Names, Phrase, phrase

# Fields whose values are codes, and the vocabulary that names them.
_CODED = {
    "model": "model",
    "market": "market",
    "store_type": "store_type",
    "freight_mode": "freight",
    "categories": "category",
    "role": "role",
}


def field_name(name: str) -> Name:
    """A form field as a Name: its English label, said again as the reader's label."""
    with force_locale("en"):
        english = field_label(name)
    return Name("field", name, english)


def value_words(field: str, value: Any) -> Any:
    """A field's value as a phrase value: codes as Names, ISO dates as dates, none as words."""
    if value is None or value == "" or value == [] or value == {}:
        return phrase("(none)")
    kind = _CODED.get(field)
    if isinstance(value, (list, tuple)):
        items = [value_words(field, item) for item in value]
        return Names(items, ", ".join(str(item) for item in items))
    if isinstance(value, Mapping):  # a peak uplift: {"black_friday": 30}
        items = [
            phrase("%(peak)s +%(percent)s%%", peak=_name("peak", key), percent=percent)
            for key, percent in value.items()
        ]
        return Names(items, ", ".join(items))
    if kind is not None:
        return _name(kind, str(value))
    if isinstance(value, str) and field.endswith("_on"):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, float) and value.is_integer():
        return int(value)  # "4", not "4.0"
    if isinstance(value, bool):
        return phrase("yes") if value else phrase("no")
    return value


def change_phrase(field: str, before: Any, after: Any) -> Phrase:
    """One change: "Label: before → after"."""
    return phrase(
        "%(field)s: %(before)s → %(after)s",
        field=field_name(field),
        before=value_words(field, before),
        after=value_words(field, after),
    )


def changes_said(changes: Iterable[Phrase]) -> Names:
    """Several changes in one sentence, separated as the language separates a list of them."""
    items = list(changes)
    return Names(items, "; ".join(items), style="semicolon")


def fields_said(fields: Iterable[str]) -> Names:
    """Several fields by their labels ("Market, Freight")."""
    items = [field_name(name) for name in fields]
    return Names(items, ", ".join(items))


def warning_name(code: str) -> Name:
    """An eligibility warning by its name ("Category not listed"), not its code."""
    return _name("warning", code)


def _name(kind: str, key: str) -> Name:
    if kind in LABELS:
        with force_locale("en"):
            return Name(kind, key, label(key, kind))
    return Name(kind, key, english_seed_name(kind, key, get_catalog()))

"""Sentences the product says, kept with what they were made from.

Code that cannot know who will read it (the engine, model methods, services whose
answer goes to the API, the CLI and the pages alike, logs read later by anyone)
says things as a ``Phrase``: a ``str`` in English, the source language, that also
keeps its message id and its values. The API and the CLI use it as the plain
English string it is; a page says it again in the reader's language
(``tracker.i18n.text.localize``), and a log keeps it as JSON (``to_json``) to say
it again later.

Message ids use named placeholders (``%(name)s``) so a translation can put them
in its own order. ``pybabel extract`` finds them through the ``phrase`` and
``phrase_plural`` keywords of ``babel.cfg``. Values are plain text and numbers
(said as they are), dates (said in the reader's format), the names of seed things
(``Name``: said from the seed translations) and lists of them (``Names``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any


class Name(str):
    """The English name of a seed thing or a code, with what it is, so a page can name it.

    ``kind`` is a kind of seed thing (``phase``, ``market``, ``model``, ``category``,
    ``peak``, ``freight``: said from the seed translations) or one of the product's
    fixed vocabularies (``role``, ``channel``, ``account``…: ``tracker/i18n/labels.py``),
    or ``entry``: a playbook entry, named by its title, whose ``{peak}`` and ``{year}``
    come from ``context``.
    """

    kind: str
    key: str
    context: Mapping[str, str]

    def __new__(
        cls, kind: str, key: str, english: str, context: Mapping[str, str] | None = None
    ) -> Name:
        name = super().__new__(cls, english)
        name.kind, name.key, name.context = kind, key, dict(context or {})
        return name

    def __reduce__(self) -> Any:
        return (Name, (self.kind, self.key, str(self), self.context))


class Names(str):
    """Several names in one sentence: English as the caller joined them, else the locale's list."""

    items: tuple[Any, ...]
    style: str

    def __new__(cls, items: Iterable[Any], english: str, *, style: str = "standard") -> Names:
        names = super().__new__(cls, english)
        names.items, names.style = tuple(items), style
        return names

    def __reduce__(self) -> Any:
        return (_names, (self.items, str(self), self.style))


def _names(items: tuple[Any, ...], english: str, style: str) -> Names:
    return Names(items, english, style=style)


class Phrase(str):
    """An English sentence that remembers its message id and values (see the module)."""

    msgid: str
    plural: str | None
    how_many: int | None  # (not ``count``: that is str.count)
    values: Mapping[str, Any]

    def __new__(
        cls,
        msgid: str,
        values: Mapping[str, Any] | None = None,
        *,
        plural: str | None = None,
        count: int | None = None,
    ) -> Phrase:
        values = dict(values or {})
        if plural is not None:
            values.setdefault("num", count)
        template = plural if plural is not None and count != 1 else msgid
        # As flask_babel.gettext does: no values, no formatting (a bare "%" stays).
        text = template % {k: english(v) for k, v in values.items()} if values else template
        said = super().__new__(cls, text)
        said.msgid, said.plural, said.how_many, said.values = msgid, plural, count, values
        return said

    def __reduce__(self) -> Any:
        return (_phrase, (self.msgid, dict(self.values), self.plural, self.how_many))

    def to_json(self) -> dict[str, Any]:
        """Keep the phrase as JSON, to be said again later in any language (``from_json``)."""
        out: dict[str, Any] = {"msgid": self.msgid}
        if self.plural is not None:
            out["plural"], out["count"] = self.plural, self.how_many
        values = {k: _encode(v) for k, v in self.values.items() if k != "num" or not self.plural}
        if values:
            out["values"] = values
        return out

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Phrase:
        """Rebuild a phrase kept by ``to_json``."""
        values = {k: _decode(v) for k, v in (raw.get("values") or {}).items()}
        return cls(raw["msgid"], values, plural=raw.get("plural"), count=raw.get("count"))


def _phrase(msgid: str, values: dict[str, Any], plural: str | None, count: int | None) -> Phrase:
    return Phrase(msgid, values, plural=plural, count=count)


def phrase(msgid: str, /, **values: Any) -> Phrase:
    """Say ``msgid`` (English, ``%(name)s`` placeholders) with ``values``."""
    return Phrase(msgid, values)


def phrase_plural(singular: str, plural: str, count: int, /, **values: Any) -> Phrase:
    """Say the singular or plural form by ``count``, which the text reads as ``%(num)d``."""
    return Phrase(singular, values, plural=plural, count=count)


def english(value: Any) -> Any:
    """How a value reads in the English text: dates as ISO dates, everything else as it is."""
    if isinstance(value, date):
        return value.isoformat()
    return value


def _encode(value: Any) -> Any:
    if isinstance(value, Phrase):
        return {"phrase": value.to_json()}
    if isinstance(value, Name):
        encoded: dict[str, Any] = {"name": [value.kind, value.key, str(value)]}
        if value.context:
            encoded["context"] = dict(value.context)
        return encoded
    if isinstance(value, Names):
        return {
            "names": [_encode(item) for item in value.items],
            "text": str(value),
            "style": value.style,
        }
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, str):
        return str(value)
    return value


def _decode(value: Any) -> Any:
    if not isinstance(value, Mapping):
        return value
    if "phrase" in value:
        return Phrase.from_json(value["phrase"])
    if "name" in value:
        kind, key, english = value["name"]
        return Name(kind, key, english, value.get("context"))
    if "names" in value:
        items = [_decode(item) for item in value["names"]]
        return Names(items, value["text"], style=value.get("style", "standard"))
    if "date" in value:
        return date.fromisoformat(value["date"])
    return value

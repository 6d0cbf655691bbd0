"""Translations of the seeds' own words: playbook entries, names, advisor questions, guides.

Each language has one file, ``seeds/i18n/<locale>.toml`` (``zh_CN.toml``), keyed by
the seeds' own keys. It is checked at load like every seed file: a translation of
something the seeds do not have, a table or field the format does not know, or a
text whose ``{placeholders}`` differ from the English one is refused with the file,
the entry and what is wrong. A missing translation is not an error here (the page
falls back to English); ``SeedTranslation.missing`` lists them and a test keeps the
list empty for every shipped language.

The engine keeps planning in English; these texts are only read when a page or a
reminder says something in another language.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError

from tracker.playbook.catalog import (
    Catalog,
    Entry,
    EntryText,
    GuideText,
    SeedTranslation,
    market_codes,
)
from tracker.playbook.seeds import SeedError, read_toml

# Names a page shows: each table holds key = "name" for one kind of seed thing.
NAME_TABLES = {
    "phases": "phase",
    "markets": "market",
    "categories": "category",
    "peaks": "peak",
    "freight": "freight",
}
# A guide file's stem, as cited: hyphenated lower-case words ("local-vs-cross-border").
_GUIDE_STEM = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)+")
_TOP_LEVEL = frozenset(
    {*NAME_TABLES, "models", "tasks", "advisor", "guides", "readiness", "sources"}
)


def missing_translations(translation: SeedTranslation, catalog: Catalog) -> list[str]:
    """List what the seeds say that ``translation`` does not, as ``table.key[.field]``."""
    known = _named(catalog)
    out = [
        f"{table}.{key}"
        for table, kind in NAME_TABLES.items()
        for key in sorted(known[kind])
        if translation.name(kind, key) is None
    ]
    for key in catalog.models:
        if translation.name("model", key) is None:
            out.append(f"models.{key}.name")
        if key not in translation.model_summaries:
            out.append(f"models.{key}.summary")
    for entry in catalog.entries:
        text = translation.entries.get(entry.key)
        if text is None:
            out.append(f"tasks.{entry.key}")
        else:
            if entry.gate is not None and text.gate_reason is None:
                out.append(f"tasks.{entry.key}.gate_reason")
            out += [
                f"tasks.{entry.key}.market_text[{market_codes(market.markets)}]"
                for market in entry.market_texts
                if market.description and market.markets not in text.market_descriptions
            ]
    for question in catalog.advisor.questions:
        if question.key not in translation.questions:
            out.append(f"advisor.questions.{question.key}.question")
        if question.key not in translation.reasons:
            out.append(f"advisor.questions.{question.key}.why")
    if translation.tie_why is None:
        out.append("advisor.tie.why")
    if translation.pop_needs_why is None:
        out.append("advisor.pop_needs.why_not_counted")
    for question in catalog.advisor.questions:
        if _not_counted(question) is not None and question.key not in translation.not_counted:
            out.append(f"advisor.questions.{question.key}.why_not_counted")
    if translation.readiness_source is None:
        out.append("readiness.source")
    out += [
        f"sources.{part!r}" for part in sorted(_notes(catalog)) if part not in translation.sources
    ]
    for guide, sections in _cited(catalog).items():
        guide_text = translation.guides.get(guide)
        if guide_text is None:
            out.append(f"guides.{guide}")
            continue
        missing = sorted(sections - set(guide_text.sections))
        out += [f"guides.{guide}.sections.{s!r}" for s in missing]
    return out


def load_translations(folder: Path, catalog: Catalog) -> dict[str, SeedTranslation]:
    """Load every ``<locale>.toml`` under ``folder`` (none: no translations), checked."""
    if not folder.is_dir():
        return {}
    return {
        translation.locale: translation
        for translation in (_load(path, catalog) for path in sorted(folder.glob("*.toml")))
    }


def _load(path: Path, catalog: Catalog) -> SeedTranslation:
    locale = path.stem
    try:
        Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        raise SeedError(
            path, f"'{locale}' is not a locale (name the file like zh_CN.toml)"
        ) from None
    raw = read_toml(path)
    _only(path, None, raw, _TOP_LEVEL)

    names: dict[str, dict[str, str]] = {}
    known = _named(catalog)
    for table, kind in NAME_TABLES.items():
        names[kind] = _texts(path, table, raw.get(table, {}), known[kind])

    names["model"], summaries = {}, {}
    models = _table(path, None, "models", raw.get("models", {}))
    for key, item in models.items():
        where = f"models.{key}"
        if key not in catalog.models:
            raise SeedError(path, "no such model in models.toml", where)
        item = _table(path, where, None, item)
        _only(path, where, item, {"name", "summary"})
        if "name" in item:
            names["model"][key] = _text(path, where, "name", item["name"])
        if "summary" in item:
            summaries[key] = _text(path, where, "summary", item["summary"])

    entries: dict[str, EntryText] = {}
    for key, item in _table(path, None, "tasks", raw.get("tasks", {})).items():
        entries[key] = _entry(path, key, item, catalog)

    questions, reasons, tie_why, pop_needs_why, not_counted = _advisor(
        path, raw.get("advisor", {}), catalog
    )
    guides = _guides(path, raw.get("guides", {}), catalog)
    sources = _sources(path, raw.get("sources", {}), catalog)
    readiness = _table(path, None, "readiness", raw.get("readiness", {}))
    _only(path, "readiness", readiness, {"source"})
    readiness_source = (
        _text(path, "readiness", "source", readiness["source"]) if "source" in readiness else None
    )
    return SeedTranslation(
        locale=locale,
        path=path,
        names=names,
        model_summaries=summaries,
        entries=entries,
        questions=questions,
        reasons=reasons,
        tie_why=tie_why,
        guides=guides,
        readiness_source=readiness_source,
        sources=sources,
        pop_needs_why=pop_needs_why,
        not_counted=not_counted,
    )


def _not_counted(question: Any) -> str | None:
    """The English text of the question's outcome that may weigh nothing, if it has one."""
    return next((o.why_not_counted for o in question.outcomes if o.why_not_counted), None)


def _named(catalog: Catalog) -> dict[str, set[str]]:
    """The keys of each kind of seed thing a page names."""
    return {
        "phase": set(catalog.phases),
        "market": set(catalog.markets),
        "category": set(catalog.categories),
        "peak": set(catalog.peaks),
        "freight": {mode for market in catalog.markets.values() for mode in market.freight}
        | {catalog.supply.full_managed.freight_mode},
    }


def _shown_sources(catalog: Catalog) -> list[str]:
    """The sources a page shows: tasks, models, offers, the advisor's, the store-type rule's,
    the supply figures' (the plan's warnings)."""
    sources = [source for entry in catalog.entries for source in entry.sources]
    for model in catalog.models.values():
        sources.append(model.sourced.source)
        sources += [offer.sourced.source for offer in model.offers]
    for question in catalog.advisor.questions:
        sources += [outcome.source for outcome in question.outcomes]
    sources.append(catalog.advisor.tie.source)
    sources.append(catalog.advisor.pop_needs.source)
    sources += [m.chinese_held.sourced.source for m in catalog.markets.values() if m.chinese_held]
    # The slow-freight warning's (the wizard's review and the store's page show it).
    sources.append(catalog.supply.sourced.source)
    return sources


def _notes(catalog: Catalog) -> set[str]:
    """The parts of shown sources that cite no guide: public pages, assumptions."""
    return {
        part
        for source in _shown_sources(catalog)
        for part, citation in zip(source.split("; "), split_source(source), strict=True)
        if citation is None
    }


def _sources(path: Path, raw: Any, catalog: Catalog) -> dict[str, str]:
    raw = _table(path, None, "sources", raw)
    notes = _notes(catalog)
    for part in raw:
        if part not in notes:
            raise SeedError(path, "no seed cites this source (write it as the seed does)", part)
    return {part: _text(path, f"sources.{part}", None, text) for part, text in raw.items()}


def cited_guides(catalog: Catalog) -> set[str]:
    """The file stems of the guides the seeds cite."""
    return set(_cited(catalog))


def _cited(catalog: Catalog) -> dict[str, set[str]]:
    """The guides the seeds cite and, for each, the section headings cited."""
    cited: dict[str, set[str]] = {}
    for source in _shown_sources(catalog):
        for citation in split_source(source):
            if citation is not None:
                cited.setdefault(citation[0], set()).add(citation[1])
    return cited


def split_source(source: str) -> list[tuple[str, str, str | None] | None]:
    """Read a source as citations ``(guide, section, item)``; None for free text.

    Sources look like ``guide-file: Section heading, 2``, several joined by "; ". A guide's
    file name is hyphenated, so a note such as ``assumption: …`` is free text.
    """
    out: list[tuple[str, str, str | None] | None] = []
    for part in source.split("; "):
        guide, colon, rest = part.partition(": ")
        if not colon or not _GUIDE_STEM.fullmatch(guide):
            out.append(None)
            continue
        section, comma, item = rest.rpartition(", ")
        if comma and item.isdigit():
            out.append((guide, section, item))
        else:
            out.append((guide, rest, None))
    return out


def _entry(path: Path, key: str, item: Any, catalog: Catalog) -> EntryText:
    where = f"tasks.{key}"
    try:
        english = catalog.entry(key)
    except KeyError:
        raise SeedError(path, "no playbook entry has this key", where) from None
    item = _table(path, where, None, item)
    _only(path, where, item, {"title", "description", "gate_reason", "market_text"})
    for name in ("title", "description"):
        if name not in item:
            raise SeedError(
                path, f"field '{name}': missing (translate both title and description)", where
            )
    title = _text(path, where, "title", item["title"])
    description = " ".join(_text(path, where, "description", item["description"]).split())
    _same_placeholders(path, where, "title", title, english.title)
    _same_placeholders(path, where, "description", description, english.description)
    gate_reason = None
    if "gate_reason" in item:
        if english.gate is None:
            raise SeedError(path, "field 'gate_reason': the entry has no gate", where)
        gate_reason = _text(path, where, "gate_reason", item["gate_reason"])
        _same_placeholders(path, where, "gate_reason", gate_reason, english.gate.reason)
    markets = _market_descriptions(path, where, item.get("market_text", []), english)
    return EntryText(title, description, gate_reason, markets)


def _market_descriptions(
    path: Path, where: str, raw: Any, english: Entry
) -> dict[frozenset[str], str]:
    """``[[tasks."key".market_text]]``: each English market text's description, said again
    for the same markets."""
    if not isinstance(raw, list):
        raise SeedError(path, "field 'market_text': must be a list of tables", where)
    said = {text.markets: text.description for text in english.market_texts if text.description}
    out: dict[frozenset[str], str] = {}
    for index, item in enumerate(raw):
        # Named by its markets, as the loader names the English ones (by place until known).
        place = f"{where}.market_text.{index}"
        item = _table(path, place, None, item)
        _only(path, place, item, {"markets", "description"})
        codes = item.get("markets")
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise SeedError(path, "field 'markets': must be a list of market codes", place)
        markets = frozenset(codes)
        place = f"{where}.market_text[{market_codes(markets)}]"
        if markets not in said:
            known = "; ".join(market_codes(m) for m in said) or "none"
            raise SeedError(
                path,
                f"field 'markets': the entry has no description for exactly these markets "
                f"(it has: {known})",
                place,
            )
        if markets in out:
            raise SeedError(path, "field 'markets': these markets are said twice", place)
        if "description" not in item:
            raise SeedError(path, "field 'description': missing", place)
        description = " ".join(_text(path, place, "description", item["description"]).split())
        _same_placeholders(path, place, "description", description, said[markets])
        out[markets] = description
    return out


def _advisor(
    path: Path, raw: Any, catalog: Catalog
) -> tuple[dict[str, str], dict[str, tuple[str, ...]], str | None, str | None, dict[str, str]]:
    raw = _table(path, None, "advisor", raw)
    _only(path, "advisor", raw, {"questions", "tie", "pop_needs"})
    questions: dict[str, str] = {}
    reasons: dict[str, tuple[str, ...]] = {}
    not_counted: dict[str, str] = {}
    rules = catalog.advisor
    for key, item in _table(path, "advisor", "questions", raw.get("questions", {})).items():
        where = f"advisor.questions.{key}"
        try:
            question = rules.question(key)
        except KeyError:
            raise SeedError(path, "no such question in advisor.toml", where) from None
        item = _table(path, where, None, item)
        _only(path, where, item, {"question", "why", "why_not_counted"})
        if "question" in item:
            questions[key] = _text(path, where, "question", item["question"])
        if "why" in item:
            why = item["why"]
            if not isinstance(why, list) or len(why) != len(question.outcomes):
                raise SeedError(
                    path,
                    f"field 'why': expected a list of {len(question.outcomes)} texts, one per "
                    "outcome in the order of advisor.toml",
                    where,
                )
            reasons[key] = tuple(_text(path, where, "why", text) for text in why)
        if "why_not_counted" in item:
            if _not_counted(question) is None:
                raise SeedError(
                    path, "field 'why_not_counted': no outcome of this question has one", where
                )
            not_counted[key] = _text(path, where, "why_not_counted", item["why_not_counted"])
    tie_why = None
    if "tie" in raw:
        tie = _table(path, "advisor", "tie", raw["tie"])
        _only(path, "advisor.tie", tie, {"why"})
        if "why" in tie:
            tie_why = _text(path, "advisor.tie", "why", tie["why"])
    pop_needs_why = None
    if "pop_needs" in raw:
        needs = _table(path, "advisor", "pop_needs", raw["pop_needs"])
        _only(path, "advisor.pop_needs", needs, {"why_not_counted"})
        if "why_not_counted" in needs:
            pop_needs_why = _text(
                path, "advisor.pop_needs", "why_not_counted", needs["why_not_counted"]
            )
    return questions, reasons, tie_why, pop_needs_why, not_counted


def _guides(path: Path, raw: Any, catalog: Catalog) -> dict[str, GuideText]:
    cited = _cited(catalog)
    guides: dict[str, GuideText] = {}
    for stem, item in _table(path, None, "guides", raw).items():
        where = f"guides.{stem}"
        if stem not in cited:
            raise SeedError(
                path, f"no seed cites this guide (cited: {', '.join(sorted(cited))})", where
            )
        item = _table(path, where, None, item)
        _only(path, where, item, {"name", "sections"})
        if "name" not in item:
            raise SeedError(path, "field 'name': missing", where)
        sections = _table(path, where, "sections", item.get("sections", {}))
        for heading, text in sections.items():
            if heading not in cited[stem]:
                raise SeedError(
                    path, f"field 'sections': no seed cites the section {heading!r}", where
                )
            _text(path, where, f"sections.{heading!r}", text)
        guides[stem] = GuideText(_text(path, where, "name", item["name"]), dict(sections))
    return guides


def _texts(path: Path, table: str, raw: Any, known: set[str]) -> dict[str, str]:
    raw = _table(path, None, table, raw)
    for key in raw:
        if key not in known:
            raise SeedError(
                path, f"unknown key (the seeds have: {', '.join(sorted(known))})", f"{table}.{key}"
            )
    return {key: _text(path, f"{table}.{key}", None, value) for key, value in raw.items()}


def _table(path: Path, where: str | None, name: str | None, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        label = f"field '{name}': " if name else ""
        raise SeedError(path, f"{label}expected a table", where if where else name)
    return raw


def _only(
    path: Path, where: str | None, raw: Mapping[str, Any], allowed: frozenset[str] | set[str]
) -> None:
    for name in raw:
        if name not in allowed:
            raise SeedError(
                path, f"unknown field '{name}' (known: {', '.join(sorted(allowed))})", where
            )


def _text(path: Path, where: str, name: str | None, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        label = f"field '{name}': " if name else ""
        raise SeedError(path, f"{label}expected non-empty text", where)
    return value


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a seed text fills in."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _same_placeholders(path: Path, where: str, name: str, text: str, english: str) -> None:
    try:
        found = placeholders(text)
    except ValueError as error:
        raise SeedError(path, f"field '{name}': {error}", where) from None
    wanted = placeholders(english)
    if found != wanted:
        show = lambda names: ", ".join("{" + n + "}" for n in sorted(names)) or "none"  # noqa: E731
        raise SeedError(
            path,
            f"field '{name}': placeholders {show(found)} differ from the English text's "
            f"({show(wanted)})",
            where,
        )

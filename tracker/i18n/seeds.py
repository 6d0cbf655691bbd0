"""Say the seeds' words in the current language: names, task titles, gate reasons, sources.

Task rows keep the English title and description the plan was made with (the
API and the CLI show those); a page in another language says them again from the
playbook entry's translation and the task's own peak, year and store. A custom
task keeps what the person typed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import g

from tracker.catalog import get_catalog
from tracker.extensions import N_
from tracker.i18n.format import day, number, say_list, separator
from tracker.i18n.locales import SOURCE_LOCALE, current_locale, gettext
from tracker.playbook.catalog import Catalog, Entry
from tracker.playbook.translations import SeedTranslation, split_source

# The source of a task added by hand (tracker/tasks/services.py).
CUSTOM_SOURCE = "added by hand"
# What the product adds below a playbook description (plan_sync, hot videos), said again.
_ADDED_LINES = (
    (
        re.compile(r"^Stock-up planner: (?P<quantities>.*)\.$", re.S),
        N_("Stock-up planner: %(quantities)s."),
    ),
    (re.compile(r"^Video: (?P<url>\S+)$"), N_("Video: %(url)s")),
)


def _translation() -> tuple[Catalog, SeedTranslation | None]:
    """The catalog and its translation into the current language (None in English).

    Kept on ``g`` per language: a plan page asks for it several times a task row.
    """
    locale = current_locale()
    found: dict[str, tuple[Catalog, SeedTranslation | None]] = g.setdefault("_seed_texts", {})
    if locale not in found:
        catalog = get_catalog()
        found[locale] = (
            catalog,
            None if locale == SOURCE_LOCALE else catalog.translations.get(locale),
        )
    return found[locale]


def seed_name(kind: str, key: Any, english: str | None = None) -> str:
    """Name a seed thing (``kind``: phase, market, model, category, peak, freight)."""
    if key is None:
        return ""
    catalog, translation = _translation()
    if translation is not None:
        found = translation.name(kind, key)
        if found is not None:
            return found
    return english if english is not None else _english_name(catalog, kind, key)


def english_seed_name(kind: str, key: str, catalog: Catalog) -> str:
    """A seed thing's English name, whatever language the page speaks (for English text)."""
    return _english_name(catalog, kind, key)


def _english_name(catalog: Catalog, kind: str, key: str) -> str:
    tables: Mapping[str, Mapping[str, Any]] = {
        "phase": catalog.phases,
        "market": catalog.markets,
        "model": catalog.models,
        "peak": catalog.peaks,
    }
    if kind == "category":
        return catalog.categories.get(key, key)
    if kind == "freight":
        # Freight modes are named by their key: "sea_east_coast" reads "Sea (East coast)".
        head, _, rest = str(key).partition("_")
        words = head.capitalize()
        return f"{words} ({rest.replace('_', ' ').capitalize()})" if rest else words
    thing = tables.get(kind, {}).get(key)
    return thing.name if thing is not None else str(key)


def model_summary(key: str) -> str:
    """The one-line description of an operating model."""
    catalog, translation = _translation()
    if translation is not None and key in translation.model_summaries:
        return translation.model_summaries[key]
    return catalog.models[key].summary


def _entry_for(task: Any) -> tuple[Entry | None, Any]:
    """The playbook entry a task came from and its translation (None, None for custom work)."""
    if getattr(task, "origin", "playbook") == "custom":
        return None, None
    catalog, translation = _translation()
    if translation is None:
        return None, None
    try:
        entry = catalog.entry(task.key)
    except KeyError:  # the entry left the playbooks; the row keeps its English words
        return None, None
    return entry, translation.entries.get(entry.key)


def _placeholders(
    *, peak_key: str | None, year: int | None, market: str, model: str, categories: Any
) -> dict[str, str]:
    """The values a translated title or description fills in, named in the current language."""
    catalog = get_catalog()
    invited: list[str] = []
    offer = catalog.models[model].offer_for(market) if model in catalog.models else None
    if offer is not None:
        invited = [c for c in categories or () if c in offer.invitation_categories]
    return {
        "peak": seed_name("peak", peak_key) if peak_key else "",
        "year": str(year) if year else "",
        "market": seed_name("market", market),
        "invitation_categories": say_list([seed_name("category", c) for c in invited]),
    }


def _row_placeholders(task: Any) -> dict[str, str]:
    store = task.store
    return _placeholders(
        peak_key=task.peak_key,
        year=task.peak_date.year if task.peak_date else None,
        market=store.market,
        model=store.model,
        categories=store.categories,
    )


def task_title(task: Any) -> str:
    """A task's title in the current language."""
    _, text = _entry_for(task)
    if text is None:
        return task.title
    return text.title.format_map(_row_placeholders(task))


def planned_title(task: Any, plan: Any) -> str:
    """The title of a task of a plan not saved yet (the wizard's review), said again."""
    _, text = _entry_for(task)
    if text is None:
        return task.title
    profile = plan.store.profile
    return text.title.format_map(
        _placeholders(
            peak_key=task.peak.key if task.peak else None,
            year=task.peak.date.year if task.peak else None,
            market=profile.market,
            model=profile.model,
            categories=profile.categories,
        )
    )


def entry_title(key: str, english: str, context: Mapping[str, str]) -> str:
    """Name a playbook entry by its title, its peak and year taken from ``context``."""
    _, translation = _translation()
    text = translation.entries.get(key) if translation is not None else None
    if text is not None:
        template = text.title
    elif english == key:  # named by its key (a gate's list): its English title
        try:
            template = get_catalog().entry(key).title
        except KeyError:
            return english
    else:
        return english
    values = {
        "peak": seed_name("peak", context["peak"]) if context.get("peak") else "",
        "year": context.get("year", ""),
        "market": seed_name("market", context["market"]) if context.get("market") else "",
        "invitation_categories": "",
    }
    return " ".join(template.format_map(values).split())


def row_title(row: Any, plan: Any) -> str:
    """The title of a task row a profile change would add (the edit page's preview)."""
    values = row.values
    _, text = _entry_for(row)
    if text is None:
        return values["title"]
    profile = plan.store.profile
    return text.title.format_map(
        _placeholders(
            peak_key=values.get("peak_key"),
            year=values["peak_date"].year if values.get("peak_date") else None,
            market=profile.market,
            model=profile.model,
            categories=profile.categories,
        )
    )


def task_description(task: Any) -> str:
    """A task's description in the current language, with what the product added below it."""
    _, text = _entry_for(task)
    if text is None:
        return task.description
    said = [text.description_in(task.store.market).format_map(_row_placeholders(task))]
    _, _, added = task.description.partition("\n\n")
    for line in filter(None, added.split("\n\n")):
        for pattern, msgid in _ADDED_LINES:
            found = pattern.match(line)
            if found:
                said.append(gettext(msgid, **found.groupdict()))
                break
        else:
            said.append(line)
    return "\n\n".join(said)


def gate_reason(task: Any) -> str:
    """Why a task is gated, in the current language (empty when it has no gate)."""
    gate = getattr(task, "gate", None) or {}
    english = gate.get("reason", "")
    if getattr(task, "origin", None) == "checklist" and english:
        return gettext("Waits for the steps before it.")
    _, text = _entry_for(task)
    if text is None or text.gate_reason is None:
        return english
    after = gate.get("after")
    followers = gate.get("followers_at_least")
    return text.gate_reason.format_map(
        {
            "after": day(date.fromisoformat(after)) if after else "",
            "followers_at_least": number(followers) if followers is not None else "",
        }
    )


def source_text(source: str | None) -> str:
    """Where a task or a reason comes from: the guide and its section, in the current language."""
    if not source:
        return ""
    catalog, translation = _translation()
    if source == CUSTOM_SOURCE:
        return gettext("added by hand")
    said = []
    for part, citation in zip(source.split("; "), split_source(source), strict=True):
        if citation is None:
            said.append(translation.sources.get(part, part) if translation else part)
            continue
        guide, section, item = citation
        # The guide's title, never its file name (English titles: seeds/guides.toml).
        text = translation.guides.get(guide) if translation else None
        values = {
            "guide": text.name if text else catalog.guides.get(guide, guide),
            "section": text.sections.get(section, section) if text else section,
        }
        if item is None:
            said.append(gettext("%(guide)s: %(section)s", **values))
        else:
            said.append(gettext("%(guide)s: %(section)s, item %(item)s", item=item, **values))
    return separator().join(said)


def question_text(question: Any) -> str:
    """An advisor question in the current language."""
    _, translation = _translation()
    if translation is not None and question.key in translation.questions:
        return translation.questions[question.key]
    return question.text


def reason_why(reason: Any) -> str:
    """Why an answer favours a model, in the current language."""
    catalog, translation = _translation()
    if translation is None or reason.answer not in translation.reasons:
        return reason.why
    outcomes = catalog.advisor.question(reason.answer).outcomes
    for outcome, text in zip(outcomes, translation.reasons[reason.answer], strict=True):
        if outcome.why == reason.why:
            return text
    return reason.why


def reason_note(reason: Any) -> str:
    """Why an answer weighs nothing here, in the current language ("" when it counts)."""
    if not reason.note:
        return ""
    catalog, translation = _translation()
    if translation is None:
        return str(reason.note)
    if reason.note == catalog.advisor.pop_needs.why_not_counted and translation.pop_needs_why:
        return translation.pop_needs_why
    return translation.not_counted.get(reason.answer, reason.note)


def readiness_source() -> str:
    """Where the readiness rule's thresholds come from, in the current language."""
    catalog, translation = _translation()
    if translation is not None and translation.readiness_source:
        return translation.readiness_source
    return catalog.readiness.source


def tie_why() -> str:
    """Why the advisor leans one way when the scores are equal."""
    catalog, translation = _translation()
    if translation is not None and translation.tie_why:
        return translation.tie_why
    return catalog.advisor.tie.why

"""The template filters and globals that say things in the page's language (docs/languages.md)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Flask, request
from jinja2 import pass_context
from markupsafe import Markup

from tracker.i18n.format import (
    day,
    iso_date,
    number,
    parenthesized,
    relative_due,
    relative_instant,
    say_list,
    separator,
    share,
    when,
)
from tracker.i18n.labels import field_label, label
from tracker.i18n.locales import (
    LANGUAGE_NAMES,
    SUPPORTED_LOCALES,
    current_locale,
    gettext,
    ngettext,
    speech,
)
from tracker.i18n.seeds import (
    gate_reason,
    model_summary,
    planned_title,
    question_text,
    readiness_source,
    reason_note,
    reason_why,
    row_title,
    seed_name,
    source_text,
    task_description,
    task_title,
    tie_why,
)
from tracker.i18n.text import localize
from tracker.playbook.phrases import Phrase
from tracker.playbook.zones import canonical_zones


def init_app(app: Flask) -> None:
    """Register the filters and globals."""
    said: dict[str, Callable[..., Any]] = {
        "localize": localize,
        "date": day,
        "iso_date": iso_date,
        "when": when,
        "number": number,
        "share": share,
        "relative_due": relative_due,
        "relative_instant": relative_instant,
        "label": label,
        "say_list": say_list,
        "parenthesized": parenthesized,
        "field_label": field_label,
        "recurrence": recurrence,
        "task_title": task_title,
        "planned_title": planned_title,
        "row_title": row_title,
        "task_description": task_description,
        "gate_reason": gate_reason,
        "source": source_text,
        "model_summary": model_summary,
        "question_text": question_text,
        "reason_why": reason_why,
        "reason_note": reason_note,
        "activity_text": activity_text,
    }
    for kind in ("phase", "market", "model", "category", "peak", "freight"):
        said[f"{kind}_name"] = functools.partial(_seed_name_of, kind)
    app.jinja_env.filters.update({name: _at_render(fn) for name, fn in said.items()})
    # {{ _("…") }} and {% trans %} through the kept Speech rather than Flask-Babel's
    # look-ups, which cost several context proxies each and run hundreds of times a page;
    # and without Jinja's own newstyle wrappers, which route every phrase through
    # ``Context.call`` (see :func:`template_gettext`).
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda string: speech().translations.gettext(string),
        ngettext=lambda singular, plural, num: speech().translations.ngettext(
            singular, plural, num
        ),
        newstyle=True,
        pgettext=lambda context, string: speech().translations.pgettext(context, string),
        npgettext=lambda context, singular, plural, num: speech().translations.npgettext(
            context, singular, plural, num
        ),
    )
    app.jinja_env.globals.update(
        gettext=template_gettext, _=template_gettext, ngettext=template_ngettext
    )
    app.jinja_env.globals.update(
        tie_why=tie_why,
        readiness_source=readiness_source,
        separator=separator,
        current_locale=current_locale,
        zone_names=canonical_zones,
        html_lang=lambda: current_locale().replace("_", "-"),
        languages=lambda: [(code, LANGUAGE_NAMES[code]) for code in SUPPORTED_LOCALES],
        language_next=lambda: request.full_path.rstrip("?"),
    )


@pass_context
def template_gettext(context: Any, string: str, **variables: Any) -> str:
    """``{{ _("…") }}`` and ``{% trans %}``: what Jinja's newstyle ``gettext`` gives, sooner.

    The same as ``jinja2.ext._make_new_gettext`` (translate; Markup when autoescaping;
    always ``%``-formatted, so ``%%`` is ``%``), without ``Context.call``. A phrase without
    variables comes out the same every time in a language, so it is kept beside that
    language's catalog (:func:`_kept_phrases`) and the page asks for it once.
    """
    translations = speech().translations
    if not context.eval_ctx.autoescape:
        return translations.gettext(string) % variables
    if variables:
        return Markup(translations.gettext(string)) % variables
    kept = _kept_phrases(translations)
    said = kept.get(string)
    if said is None:
        said = kept[string] = Markup(translations.gettext(string)) % variables
    return said


@pass_context
def template_ngettext(context: Any, singular: str, plural: str, num: int, **variables: Any) -> str:
    """``{{ ngettext(…) }}`` and ``{% trans count=… %}``: Jinja's newstyle ``ngettext``
    (``num`` among the variables, Markup when autoescaping, always formatted) without
    ``Context.call``."""
    variables.setdefault("num", num)
    said = speech().translations.ngettext(singular, plural, num)
    if context.eval_ctx.autoescape:
        said = Markup(said)
    return said % variables


def _kept_phrases(translations: Any) -> dict[str, Markup]:
    """The phrases a language's catalog has given templates so far, kept on the catalog.

    A catalog is loaded once per language and process and never changes, so what it
    says is kept exactly as long as it is; threads at worst fill an entry twice.
    """
    kept: dict[str, Markup] | None = getattr(translations, "_tracker_phrases", None)
    if kept is None:
        kept = {}
        translations._tracker_phrases = kept
    return kept


def _at_render(filter_: Callable[..., Any]) -> Callable[..., Any]:
    """Keep Jinja from working a filter out once, at compile time, for constant input.

    Jinja folds ``{{ 'official'|label('account') }}`` into the compiled template;
    these filters depend on the page's language, so each must run when the page does.
    """

    @pass_context
    def at_render(_context: Any, *args: Any, **kwargs: Any) -> Any:
        return filter_(*args, **kwargs)

    return at_render


def recurrence(rule: dict[str, Any] | None) -> str:
    """Say how often a recurring task comes back: "every day", "every 2 weeks"."""
    if not rule:
        return ""
    every, interval = rule.get("every"), int(rule.get("interval") or 1)
    if interval == 1:  # its own sentence: "every day" is not "every 1 days" in any language
        once = {
            "day": gettext("every day"),
            "week": gettext("every week"),
            "month": gettext("every month"),
            "quarter": gettext("every quarter"),
        }
        return once.get(str(every), str(every))
    forms = {
        "day": ngettext("every %(num)d day", "every %(num)d days", interval),
        "week": ngettext("every %(num)d week", "every %(num)d weeks", interval),
        "month": ngettext("every %(num)d month", "every %(num)d months", interval),
        "quarter": ngettext("every %(num)d quarter", "every %(num)d quarters", interval),
    }
    return forms.get(str(every), str(every))


def activity_text(entry: Any) -> str:
    """An activity log entry in the current language (said again from its phrase when kept)."""
    kept = getattr(entry, "phrase", None)
    if kept:
        return localize(Phrase.from_json(kept))
    return entry.message


def _seed_name_of(kind: str, key: Any) -> str:
    return seed_name(kind, key)

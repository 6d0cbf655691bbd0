"""Languages: which one a page speaks, in which time zone, and the template helpers that say it.

English is the source language; ``zh_CN`` (Simplified Chinese) is translated in
``tracker/translations/zh_Hans_CN`` (the folder is named as Babel spells the
locale). A page speaks, in order: the logged-in person's choice (``User.locale``),
the language chosen on a logged-out page (a cookie), the browser's best match
among the supported ones, English. The JSON API and the
command line always speak English; reminders speak their recipient's language
(``recipient_locale`` with ``flask_babel.force_locale``).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, has_request_context, request
from flask_login import current_user

from tracker.extensions import babel
from tracker.i18n.locales import LOCALE_COOKIE, SOURCE_LOCALE, SUPPORTED_LOCALES
from tracker.playbook.zones import usable_zone

# Chinese written in traditional characters: Simplified is not the reader's script.
_TRADITIONAL = frozenset({"hant", "tw", "hk", "mo"})


def init_app(app: Flask) -> None:
    """Bind Flask-Babel with our locale and time-zone choice and register the template helpers."""
    from tracker.i18n import templating

    babel.init_app(
        app,
        default_locale=SOURCE_LOCALE,
        default_timezone="UTC",
        locale_selector=select_locale,
        timezone_selector=select_timezone,
    )
    app.jinja_env.add_extension("jinja2.ext.do")
    # {% trans %} blocks are read with their whitespace collapsed, as babel.cfg extracts them.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    templating.init_app(app)

    @app.teardown_request
    def forget_language(_: BaseException | None) -> None:
        # Flask-Babel keeps the request's language on ``g``; an app context that
        # outlives the request (tests, the scheduler) must not keep speaking it.
        g.pop("_flask_babel", None)


def select_locale() -> str | None:
    """Pick the language of this request; None (English) outside a request."""
    if not has_request_context():
        return None
    if request.path.startswith("/api/"):
        return SOURCE_LOCALE
    person = _reader()
    if person is not None and person.locale in SUPPORTED_LOCALES:
        return str(person.locale)
    chosen = request.cookies.get(LOCALE_COOKIE)
    if chosen in SUPPORTED_LOCALES:
        return chosen
    return browser_locale(request.accept_languages.values())


def browser_locale(tags: Any) -> str:
    """The first of the browser's languages (best first) that we speak, else English."""
    for tag in tags:
        parts = str(tag).replace("_", "-").lower().split("-")
        if parts[0] == "en":
            return "en"
        if parts[0] == "zh" and ("hans" in parts or not _TRADITIONAL & set(parts)):
            return "zh_CN"
    return SOURCE_LOCALE


def select_timezone() -> str | None:
    """Show instants in the logged-in person's own zone (UTC otherwise).

    A zone stored before names were checked (``Factory``, ``posix/…``: zoneinfo knows them,
    Babel does not) is read as UTC; the page says so (``zone_fallback`` in base.html).
    """
    person = _reader() if has_request_context() else None
    return usable_zone(str(person.timezone)) if person is not None else None


def _reader() -> Any:
    """The logged-in person of this request (a User), or None for a visitor."""
    person: Any = current_user
    return person if person.is_authenticated else None


def recipient_locale(person: Any) -> str:
    """The language a reminder to ``person`` is written in: theirs, else English.

    A person who follows the browser has no browser when the scheduler writes, so English.
    """
    chosen = getattr(person, "locale", None)
    return chosen if chosen in SUPPORTED_LOCALES else SOURCE_LOCALE

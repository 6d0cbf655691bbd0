"""The languages the product speaks, and which one is being spoken now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from babel import Locale
from babel.support import NullTranslations
from flask.globals import _cv_app
from flask_babel import get_locale, get_timezone, get_translations

SOURCE_LOCALE = "en"
SUPPORTED_LOCALES = ("en", "zh_CN")
# Each language named in itself, as a switcher shows it (never translated).
LANGUAGE_NAMES = {"en": "English", "zh_CN": "中文"}
LOCALE_COOKIE = "tracker_locale"


def catalog_folder(code: str) -> str:
    """The folder of a language's catalog under tracker/translations: Babel's full name.

    Flask-Babel looks catalogs up by ``str(Locale.parse(code))``, which spells
    zh_CN with its script, zh_Hans_CN.
    """
    return str(Locale.parse(code))


@dataclass(frozen=True, slots=True)
class Speech:
    """The language being spoken now, worked out once: its code, catalog and time zone.

    A page says hundreds of words and dates; asking Flask-Babel each time goes
    through several context proxies and spells the locale out again, so the
    answer is kept beside Flask-Babel's own choice (on ``g``) for as long as
    that choice stands (``force_locale`` and ``refresh`` change it).
    """

    code: str  # one of SUPPORTED_LOCALES
    chosen: Locale | None  # Flask-Babel's locale object this was worked out from
    translations: NullTranslations
    zone: tzinfo | None  # the reader's time zone (None outside an app)

    def gettext(self, string: str, **variables: Any) -> str:
        """Translate ``string`` and fill in ``variables``, as ``flask_babel.gettext`` does."""
        said = self.translations.gettext(string)
        return said % variables if variables else said

    def ngettext(self, singular: str, plural: str, num: int, **variables: Any) -> str:
        """Translate by count and fill in ``variables`` (``num`` included), as Flask-Babel does."""
        variables.setdefault("num", num)
        return self.translations.ngettext(singular, plural, num) % variables


_OUTSIDE = Speech(SOURCE_LOCALE, None, NullTranslations(), None)


def speech() -> Speech:
    """The language being spoken now (English outside an app context)."""
    # The app context straight from its context variable: ``has_app_context()`` and
    # ``g.get`` each go through Werkzeug's proxies, and this runs hundreds of times a page.
    context = _cv_app.get(None)
    if context is None:
        return _OUTSIDE
    state = getattr(context.g, "_flask_babel", None)
    if state is not None:
        kept: Speech | None = getattr(state, "tracker_speech", None)
        if kept is not None and kept.chosen is getattr(state, "babel_locale", None):
            return kept
    chosen = get_locale()
    name = str(chosen) if chosen is not None else SOURCE_LOCALE
    said = Speech(_CODES.get(name, name), chosen, get_translations(), get_timezone())
    state = getattr(context.g, "_flask_babel", None)
    if state is not None:
        state.tracker_speech = said
    return said


def current_locale() -> str:
    """The language being spoken now, as one of SUPPORTED_LOCALES (``zh_CN``)."""
    return speech().code


def gettext(string: str, **variables: Any) -> str:
    """``flask_babel.gettext`` through the kept Speech: what pages say many times a row."""
    return speech().gettext(string, **variables)


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """``flask_babel.ngettext`` through the kept Speech."""
    return speech().ngettext(singular, plural, num, **variables)


# Babel names zh_CN in full, with its script ("zh_Hans_CN"); we keep the short code
# people know, and name the catalog folder as Babel does (tracker/translations/zh_Hans_CN),
# which is where Flask-Babel looks for it.
_CODES = {catalog_folder(code): code for code in SUPPORTED_LOCALES}

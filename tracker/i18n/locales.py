"""The languages the product speaks, and which one is being spoken now."""

from __future__ import annotations

from babel import Locale
from flask_babel import get_locale

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

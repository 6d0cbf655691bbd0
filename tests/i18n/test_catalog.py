"""Every message of the templates and the Python code has a real translation in each language.

The messages are extracted here with Babel's own API and the project's babel.cfg,
exactly as ``pybabel extract`` reads them, so a string added to a template or a
view without a translation fails this test, naming it and where it is.
"""

from __future__ import annotations

import gettext
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from tracker.i18n.locales import SOURCE_LOCALE, SUPPORTED_LOCALES, catalog_folder

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "tracker" / "translations"
_PLACEHOLDER = re.compile(r"%\((\w+)\)[#0 +-]*\d*(?:\.\d+)?[sdifr]")
_TAG = re.compile(r"</?(?:a|code|strong|em|small|br|span)\b[^>]*>")
TRANSLATED = [code for code in SUPPORTED_LOCALES if code != SOURCE_LOCALE]


def extracted() -> dict[Any, tuple[str | tuple[str, str], list[str]]]:
    """Every message of the code, by its id (and context): the message and where it occurs."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict[Any, tuple[str | tuple[str, str], list[str]]] = {}
    for filename, lineno, message, _, context in extract_from_dir(
        str(ROOT), method_map, options_map, comment_tags=("Translators:",)
    ):
        key = message if isinstance(message, str) else message[0]
        key = (key, context) if context else key
        if isinstance(message, tuple):
            message = (message[0], message[1])
        entry = found.setdefault(key, (message, []))
        entry[1].append(f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def messages() -> dict[str, tuple[str | tuple[str, str], list[str]]]:
    """The code's messages, extracted once for the module."""
    return extracted()


def po_catalog(code: str) -> Catalog:
    path = TRANSLATIONS / catalog_folder(code) / "LC_MESSAGES" / "messages.po"
    assert path.exists(), f"no catalog for {code} at {path.relative_to(ROOT)}"
    with path.open("rb") as handle:
        return read_po(handle, locale=catalog_folder(code))


def _key(message: Any) -> Any:
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    return (msgid, message.context) if message.context else msgid


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def test_the_code_has_messages_to_translate(messages):
    # A broken babel.cfg (wrong paths or keywords) would make every other check pass vacuously.
    assert len(messages) > 400
    assert "My tasks" in messages and "waiting for: %(tasks)s" in messages  # template, phrase
    assert any(isinstance(m, tuple) for m, _ in messages.values())  # plurals


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_message_has_a_translation_with_the_same_placeholders(messages, code):
    catalog = po_catalog(code)
    problems = []
    for key, (message, where) in sorted(messages.items(), key=lambda item: str(item[0])):
        msgid, context = key if isinstance(key, tuple) else (key, None)
        entry = catalog.get(msgid, context=context)
        place = where[0]
        if entry is None:
            problems.append(f"{place}: {key!r} is not in the {code} catalog (run pybabel update)")
            continue
        if entry.fuzzy:
            problems.append(f"{place}: {key!r} is marked fuzzy in {code}: check it, drop the flag")
        forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if not all(form.strip() for form in forms):
            problems.append(f"{place}: {key!r} has no {code} translation")
            continue
        source = message[1] if isinstance(message, tuple) else message
        wanted = placeholders(source) | (
            placeholders(message[0]) - {"num"} if isinstance(message, tuple) else set()
        )
        for form in forms:
            if placeholders(form) != wanted:
                problems.append(
                    f"{place}: {key!r}: {code} has placeholders {sorted(placeholders(form))}, "
                    f"the English {sorted(wanted)}"
                )
            try:
                form % defaultdict(int, dict.fromkeys(wanted, 1))
            except (ValueError, TypeError, KeyError) as error:
                problems.append(f"{place}: {key!r}: {code} translation does not format: {error}")
            if sorted(_TAG.findall(form)) != sorted(_TAG.findall(source)):
                problems.append(f"{place}: {key!r}: {code} translation changes the HTML tags")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("code", TRANSLATED)
def test_the_catalog_holds_no_message_the_code_no_longer_says(messages, code):
    stale = [_key(m) for m in po_catalog(code) if m.id]
    stale = sorted(str(key) for key in stale if key not in messages)
    assert not stale, f"run pybabel update; no longer in the code: {stale}"


def test_the_template_lists_what_the_code_says(messages):
    with (ROOT / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    ids = {_key(m) for m in template if m.id}
    missing, stale = set(messages) - ids, ids - set(messages)
    assert not (missing or stale), (
        "messages.pot is out of date: run pybabel extract (docs/languages.md); "
        f"missing {sorted(map(str, missing))[:10]}, stale {sorted(map(str, stale))[:10]}"
    )


@pytest.mark.parametrize("code", TRANSLATED)
def test_the_compiled_catalog_matches_the_po_file(code):
    # The app reads the committed .mo; a .po edited without `pybabel compile` would not show.
    folder = TRANSLATIONS / catalog_folder(code) / "LC_MESSAGES"
    with (folder / "messages.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    problems = []
    for entry in po_catalog(code):
        if not entry.id:
            continue
        if isinstance(entry.id, tuple):
            said = compiled.ngettext(entry.id[0], entry.id[1], 2)
            wanted = entry.string[0]
        elif entry.context:
            said, wanted = compiled.pgettext(entry.context, entry.id), entry.string
        else:
            said, wanted = compiled.gettext(entry.id), entry.string
        if said != wanted:
            problems.append(repr(entry.id))
    assert not problems, "run pybabel compile -d tracker/translations; stale: " + ", ".join(
        problems[:10]
    )

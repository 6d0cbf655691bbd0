"""Every guide citation in the seeds points at a heading (and item) that really is in the guide.

A citation reads ``"<guide file stem>: <section heading>"``, optionally followed by
``", <item number>"``, e.g. ``"self-operated-vs-fully-managed: Operation strategy of
self-operation model, 1"``. It is checked against the text files in
``../shared/guides/`` by these rules:

* The guide is ``<guide file stem>.txt`` in the guides folder.
* The heading exists when some line of the guide, stripped and with a leading
  ``"N. "`` removed, equals it exactly.
* A line is *heading-like* when, stripped, it is not empty, is shorter than 80
  characters, does not start with a digit and ends neither with ``"."`` nor with
  ``":"``. The ``":"`` exception is there because the guides introduce lists with
  labels such as ``"Advantage:"`` and ``"Shortcoming:"`` inside a section; without
  it "…full hosting model, 2" would end at "Advantage:" and never find its item.
* With an item number N, a line starting with ``"N. "`` must follow (one of the
  occurrences of) the heading before the section ends. The section's items are
  the numbered lines after the heading counting 1, 2, 3 …, where a list may start
  again at 1 (after a label like ``"Shortcoming:"``). The section ends at the next
  heading-like line, or at a numbered line that breaks that count: the
  local-vs-cross-border guide numbers its *sections* ("2. Logistics…",
  "3. Product selection…"), so "Logistics and supply chain strategy, 3" must not
  be satisfied by the next section's own number.

A source may join several parts with ``"; "``: guide citations and notes naming a
public page (or a DOMAIN.md entry) with its date, or labelled ``"assumption: …"``.
Only the guide citations are checked against the guides: every part of a playbook
entry's ``source`` that has the guide format (a hyphenated guide stem before
``": "``), the model and offer sources of ``models.toml`` in that format, and the
advisor's outcome and tie-break sources. Every other part of an entry's source
must give a date (a year at least) or say it is an assumption, so a reader can
judge how old the figure is.

A citation must also *say* what the entry says: the cited section (or, with an
item number, that item) contains at least one key word of the entry's title
(:func:`key_words`), compared stem to stem. A task about campaign performance
scores cannot cite a section about account positioning.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from tracker.playbook.loader import load_catalog
from tracker.playbook.seeds import SeedError

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
GUIDES = Path(__file__).resolve().parents[3] / "shared" / "guides"

if not GUIDES.is_dir():
    pytest.skip(
        f"the guides are not beside this repository ({GUIDES}); cannot check citations",
        allow_module_level=True,
    )

CITATION = re.compile(
    r"^(?P<guide>[a-z0-9]+(?:-[a-z0-9]+)*): (?P<heading>.+?)(?:, (?P<item>[1-9][0-9]*))?$"
)
# A model or offer source cites a guide when it starts with a hyphenated guide stem.
GUIDE_FORMAT = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)+: ")
NUMBERED = re.compile(r"^(?P<number>[0-9]+)\. ")


@cache
def guide_lines(stem: str) -> tuple[str, ...] | None:
    """Return the stripped lines of a guide, or None when there is no such guide."""
    path = GUIDES / f"{stem}.txt"
    if not path.is_file():
        return None
    return tuple(line.strip() for line in path.read_text(encoding="utf-8").splitlines())


def is_heading_like(line: str) -> bool:
    return bool(line) and len(line) < 80 and not line[0].isdigit() and not line.endswith((".", ":"))


def items_after(lines: tuple[str, ...], start: int) -> set[int]:
    """Return the item numbers of the section whose heading is ``lines[start]``."""
    found: set[int] = set()
    previous = 0
    for line in lines[start + 1 :]:
        if is_heading_like(line):
            break
        numbered = NUMBERED.match(line)
        if numbered is None:
            continue
        number = int(numbered["number"])
        if number not in (previous + 1, 1):
            break  # the next numbered section, not an item of this one
        found.add(number)
        previous = number
    return found


def problem_with(source: str) -> str | None:
    """Say what is wrong with a guide citation, or None when it holds."""
    cited = CITATION.match(source)
    if cited is None:
        return f"{source!r} does not read '<guide>: <section heading>[, <item number>]'"
    lines = guide_lines(cited["guide"])
    if lines is None:
        return f"{source!r}: there is no guide {cited['guide']}.txt in {GUIDES}"
    heading = cited["heading"]
    starts = [
        index for index, line in enumerate(lines) if NUMBERED.sub("", line, count=1) == heading
    ]
    if not starts:
        return f"{source!r}: {cited['guide']}.txt has no heading {heading!r}"
    item = cited["item"]
    if item is not None and not any(int(item) in items_after(lines, start) for start in starts):
        return f"{source!r}: the section {heading!r} has no item {item}"
    return None


GUIDE_PART = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)+: ")
# Words that say nothing about what a task is: grammar, and the words every task shares.
_STOP_WORDS = """
    a an and are as at be before by can do each every first for from get give how in into is
    it its keep make more new next no not of on one or out own set so than that the their them
    then this to up what when which who why with without you your yours
    check plan tiktok shop store stores seller sellers merchant merchants platform
    product products
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "es", "ed", "ly", "s", "e", "y")


def stem(word: str) -> str:
    """Cut one common English ending, so "listing", "lists" and "list" compare equal."""
    word = word.lower()
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def words_of(text: str) -> list[str]:
    return re.findall(r"[a-z][a-z0-9]*", re.sub(r"\{[^}]*\}", " ", text.lower()))


def key_words(title: str) -> set[str]:
    """The stems of a title's words that say what the task is about."""
    return {stem(word) for word in words_of(title) if word not in STOP_WORDS and len(word) > 2}


# Short forms a title uses for the guide's word.
ABBREVIATIONS = {"ads": "advertis"}


def _same(word: str, other: str) -> bool:
    """Two stems name the same thing: equal, or one starts the other and is 5 letters or more."""
    short, long = sorted((word, other), key=len)
    return short == long or (len(short) >= 5 and long.startswith(short))


def section_text(stem_name: str, heading: str, item: str | None) -> str:
    """Return the text of a guide's section (every occurrence), or of one of its items."""
    lines = guide_lines(stem_name) or ()
    found: list[str] = []
    for start, line in enumerate(lines):
        if NUMBERED.sub("", line, count=1) != heading:
            continue
        inside = item is None
        previous = 0
        body = False
        for line in lines[start + 1 :]:
            if is_heading_like(line):
                if body:
                    break
                continue  # a sub-heading such as "Definition" right under the heading
            body = body or bool(line)
            numbered = NUMBERED.match(line)
            if numbered is not None:
                number = int(numbered["number"])
                if number not in (previous + 1, 1):
                    break
                previous = number
                if item is not None:
                    inside = number == int(item)
            if inside:
                found.append(line)
    return "\n".join(found)


def says_it(source: str, title: str) -> str | None:
    """Say what is wrong when a guide citation shares no key word with the title."""
    cited = CITATION.match(source)
    if cited is None:
        return None
    text = {stem(word) for word in words_of(section_text(*cited.group("guide", "heading", "item")))}
    wanted = {ABBREVIATIONS.get(word, word) for word in key_words(title)}
    if any(_same(word, found) for word in wanted for found in text):
        return None
    return f"{source!r} says none of {sorted(key_words(title))}"


def guide_parts(source: str) -> list[str]:
    return [part for part in source.split("; ") if GUIDE_PART.match(part)]


def cited_sources() -> list:
    """List every guide citation of the shipped seeds, one pytest param each."""
    try:
        catalog = load_catalog(SEEDS)
    except SeedError as error:
        # Refusing here would stop the whole test run at collection.
        return [pytest.param(None, f"the seeds do not load: {error}", id="seeds")]
    # Every source an entry shows, in any market (its market texts' too).
    params = [
        pytest.param(entry.key, part, id=f"{entry.key}#{index}")
        for entry in catalog.entries
        for index, part in enumerate(
            (part for source in entry.sources for part in guide_parts(source)), start=1
        )
    ]
    for key, model in catalog.models.items():
        sourced = [(f"model.{key}", model.sourced.source)]
        sourced += [
            (f"model.{key}.offer{index}", offer.sourced.source)
            for index, offer in enumerate(model.offers, start=1)
        ]
        params += [
            pytest.param(where, source, id=where)
            for where, source in sourced
            if GUIDE_FORMAT.match(source)
        ]
    for question in catalog.advisor.questions:
        for index, outcome in enumerate(question.outcomes, start=1):
            where = f"advisor.{question.key}.outcome{index}"
            params.append(pytest.param(where, outcome.source, id=where))
    params.append(pytest.param("advisor.tie", catalog.advisor.tie.source, id="advisor.tie"))
    return params


SOURCES = cited_sources()


@pytest.mark.parametrize(("where", "source"), SOURCES)
def test_every_citation_names_a_real_guide_heading_and_item(where, source):
    if where is None:
        pytest.fail(source)
    problem = problem_with(source)
    assert problem is None, f"{where}: {problem}"


def entries():
    try:
        return load_catalog(SEEDS).entries
    except SeedError:
        return ()


ENTRIES = entries()


@pytest.mark.parametrize("entry", ENTRIES, ids=[entry.key for entry in ENTRIES])
def test_every_cited_guide_section_says_what_the_task_is_about(entry):
    problems = [
        problem
        for source in entry.sources
        for part in guide_parts(source)
        if (problem := says_it(part, entry.title))
    ]
    assert problems == [], f"{entry.key}: " + "; ".join(problems)


@pytest.mark.parametrize("entry", ENTRIES, ids=[entry.key for entry in ENTRIES])
def test_every_other_source_of_a_task_is_dated_or_labelled_an_assumption(entry):
    for source in entry.sources:  # the entry's own and each market text's
        others = [part for part in source.split("; ") if not GUIDE_PART.match(part)]
        undated = [
            part
            for part in others
            if not re.search(r"\b20[0-9]{2}\b", part)
            and not part.startswith(("assumption", "DOMAIN.md"))
        ]
        assert undated == [], f"{entry.key}: a source part with no date: {undated}"
        assert guide_parts(source) or others, f"{entry.key} has a source saying nothing"


def test_the_key_word_check_refuses_a_section_that_does_not_say_it():
    score = "Check the shop performance score for {peak} {year}"
    pop = "self-operated-vs-fully-managed: What is TikTok Shop self-operated mode (POP mode)"
    assert says_it(pop, score)
    assert says_it("local-vs-cross-border: Logistics and supply chain strategy", score)
    lives = "self-operated-vs-fully-managed: Operation strategy of self-operation model, 2"
    assert says_it(lives, "Go live today") is None
    # The item alone counts, not its neighbours: item 1 is about accounts, not lives.
    accounts = "self-operated-vs-fully-managed: Operation strategy of self-operation model, 1"
    assert says_it(accounts, "Go live today")
    assert says_it(accounts, "Bind up to four channel accounts") is None
    # "ads" is the guide's "advertising"; a sub-heading ("Definition") does not end a section.
    ads = "self-operated-vs-fully-managed: Operation strategy of self-operation model, 3"
    assert says_it(ads, "Launch paid ads (GMV Max)") is None
    assert says_it(pop, "List the first products with complete details") is None


def test_citations_of_every_kind_are_checked():
    wheres = [param.values[0] for param in SOURCES]
    assert None not in wheres, SOURCES[0].values[1]
    assert any("." in where and not where.startswith(("model.", "advisor.")) for where in wheres)
    assert any(where.startswith("model.") for where in wheres)
    assert any(where.startswith("advisor.") for where in wheres)
    assert "advisor.tie" in wheres


@pytest.mark.parametrize(
    ("source", "what"),
    [
        ("self-operated-vs-fully-managed: How to get rich quickly", "has no heading"),
        (
            "self-operated-vs-fully-managed: Operation strategy of self-operation model, 9",
            "has no item 9",
        ),
        # The next section's own number ("3. Product selection…") is not an item of this one.
        ("local-vs-cross-border: Logistics and supply chain strategy, 3", "has no item 3"),
        # The heading exists, but its section has no numbered items at all.
        ("self-operated-vs-fully-managed: What is TikTok's full hosting model, 1", "has no item 1"),
        ("no-such-guide: Definition", "there is no guide no-such-guide.txt"),
        ("Operation strategy of self-operation model", "does not read"),
    ],
)
def test_the_checker_refuses_made_up_headings_and_items(source, what):
    problem = problem_with(source)
    assert problem is not None
    assert what in problem


def test_the_checker_accepts_a_heading_with_an_item_after_a_list_label():
    # "Advantage:" sits between the heading and its items; it does not end the section.
    source = (
        "self-operated-vs-fully-managed: "
        "Analysis of the advantages and disadvantages of TikTok's full hosting model, 3"
    )
    assert problem_with(source) is None

"""A broken seed file is refused at load, naming the file, the entry's key and what is wrong.

Each test copies the shipped ``seeds/`` folder, breaks one thing in the copy and
checks the message a person would read. ``load_catalog`` caches by folder, and
every copy is a fresh folder, so no test sees another's catalog.
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tracker.playbook.loader import load_catalog
from tracker.playbook.seeds import SeedError

REAL_SEEDS = Path(__file__).resolve().parents[2] / "seeds"

# A valid entry that depends on nothing, to add to a playbook and then break.
NEW_ENTRY: dict[str, Any] = {
    "key": "probe.new_task",
    "title": "Check the new task",
    "description": "A task a test adds to the playbook.",
    "phase": "growth",
    "critical": False,
    "source": "local-vs-cross-border: Logistics and supply chain strategy",
    "due": {"from": "opened_on", "days": 3},
}


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    """Copy the shipped seeds into a fresh folder a test may break."""
    folder = tmp_path / "seeds"
    shutil.copytree(REAL_SEEDS, folder)
    return folder


def refusal(seeds: Path) -> str:
    """Load the seeds, expecting a refusal, and return its message."""
    with pytest.raises(SeedError) as refused:
        load_catalog(seeds)
    return str(refused.value)


# --- editing a copy -----------------------------------------------------------


def toml_value(value: Any) -> str:
    """Write a value as TOML: JSON strings, numbers and booleans are TOML too."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{name} = {toml_value(v)}" for name, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return json.dumps(value)


def read_tasks(seeds: Path, playbook: str) -> list[dict[str, Any]]:
    return tomllib.loads((seeds / "playbooks" / playbook).read_text(encoding="utf-8"))["task"]


def write_tasks(seeds: Path, playbook: str, tasks: list[dict[str, Any]]) -> None:
    blocks = [
        "[[task]]\n" + "".join(f"{name} = {toml_value(value)}\n" for name, value in task.items())
        for task in tasks
    ]
    (seeds / "playbooks" / playbook).write_text("\n".join(blocks), encoding="utf-8")


def add_entry(seeds: Path, playbook: str = "pop.toml", **fields: Any) -> None:
    """Append a new entry (NEW_ENTRY with ``fields`` over it) to a playbook file."""
    write_tasks(seeds, playbook, [*read_tasks(seeds, playbook), {**NEW_ENTRY, **fields}])


def change_entry(
    seeds: Path, playbook: str, key: str, *, drop: tuple[str, ...] = (), **fields: Any
) -> None:
    """Replace fields of the entry ``key`` in a playbook file, dropping those in ``drop``."""
    tasks = read_tasks(seeds, playbook)
    (task,) = [task for task in tasks if task.get("key") == key]
    for name in drop:
        del task[name]
    task.update(fields)
    write_tasks(seeds, playbook, tasks)


def edit_text(path: Path, pattern: str, replacement: str) -> None:
    """Replace the first match of a (multi-line) regex in a seed file's text."""
    text = path.read_text(encoding="utf-8")
    edited, count = re.subn(pattern, replacement, text, count=1, flags=re.MULTILINE)
    assert count == 1, f"{pattern!r} is not in {path.name}: the test needs updating"
    path.write_text(edited, encoding="utf-8")


def names_cycle(message: str, first: str, second: str) -> bool:
    """Tell whether the message shows the two-entry cycle, starting from either entry."""
    return (
        f"{first} -> {second} -> {first}" in message
        or f"{second} -> {first} -> {second}" in message
    )


# --- the shipped seeds ----------------------------------------------------------


def test_the_shipped_seeds_load_without_error():
    catalog = load_catalog(REAL_SEEDS)

    playbooks = {path.name for path in (REAL_SEEDS / "playbooks").glob("*.toml")}
    assert {Path(entry.file).name for entry in catalog.entries} == playbooks
    assert len({entry.key for entry in catalog.entries}) == len(catalog.entries)


def test_catalog_version_is_stable_when_nothing_changes(seeds, tmp_path):
    twin = tmp_path / "twin" / "seeds"
    shutil.copytree(seeds, twin)

    version = load_catalog(seeds).version

    assert load_catalog(seeds).version == version
    assert load_catalog(twin).version == version  # same content, another folder
    assert re.fullmatch(r"[0-9a-f]{12}", version)


def test_catalog_version_changes_when_a_seed_file_changes(seeds, tmp_path):
    before = load_catalog(seeds).version
    changed = tmp_path / "changed" / "seeds"
    shutil.copytree(seeds, changed)
    edit_text(changed / "supply.toml", r"^production_days = 30$", "production_days = 31")

    assert load_catalog(changed).version != before


def test_catalog_version_changes_when_a_playbook_changes(seeds, tmp_path):
    before = load_catalog(seeds).version
    changed = tmp_path / "changed" / "seeds"
    shutil.copytree(seeds, changed)
    change_entry(changed, "pop.toml", "pop.list_products", title="List the first products")

    assert load_catalog(changed).version != before


# --- playbook files ---------------------------------------------------------------


def test_a_playbook_that_does_not_parse_is_refused_with_the_line_named(seeds):
    playbook = seeds / "playbooks" / "pop.toml"
    text = playbook.read_text(encoding="utf-8")
    broken_line = len(text.splitlines()) + 3
    playbook.write_text(text + '\n[[task]]\nkey = "probe.unterminated\n', encoding="utf-8")

    message = refusal(seeds)

    assert message.startswith("seeds/playbooks/pop.toml: does not parse as TOML")
    assert f"line {broken_line}" in message


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"colour": "red"}, "field 'colour': unknown field"),
        ({"due": {"from": "opened_on", "days": 3, "weeks": 1}}, "field 'due.weeks': unknown field"),
    ],
    ids=["entry", "inside-due"],
)
def test_an_unknown_field_is_refused_by_name(seeds, fields, problem):
    add_entry(seeds, **fields)

    message = refusal(seeds)

    assert message == f"seeds/playbooks/pop.toml: entry 'probe.new_task': {problem}"


@pytest.mark.parametrize("field", ["title", "description", "phase", "critical", "source", "due"])
def test_a_missing_required_field_is_refused_by_name(seeds, field):
    change_entry(seeds, "pop.toml", "pop.list_products", drop=(field,))

    message = refusal(seeds)

    assert message == (
        f"seeds/playbooks/pop.toml: entry 'pop.list_products': "
        f"field '{field}': missing (it is required)"
    )


def test_an_entry_without_a_key_is_named_by_its_place_in_the_file(seeds):
    place = len(read_tasks(seeds, "pop.toml")) + 1
    add_entry(seeds)
    change_entry(seeds, "pop.toml", "probe.new_task", drop=("key",))

    message = refusal(seeds)

    assert message == (
        f"seeds/playbooks/pop.toml: entry '#{place}': field 'key': missing (it is required)"
    )


def test_depends_on_naming_no_entry_is_refused(seeds):
    change_entry(seeds, "pop.toml", "pop.list_products", depends_on=["pop.no_such_task"])

    message = refusal(seeds)

    assert message == (
        "seeds/playbooks/pop.toml: entry 'pop.list_products': "
        "field 'depends_on': 'pop.no_such_task' names no playbook entry"
    )


def test_dependency_cycle_is_refused_with_the_cycle_named(seeds):
    # live.set_up_room already depends on accounts.bind_official.
    change_entry(seeds, "pop.toml", "accounts.bind_official", depends_on=["live.set_up_room"])

    message = refusal(seeds)

    assert message.startswith("seeds/playbooks/pop.toml: entry '")
    assert "dependency cycle: " in message
    assert names_cycle(message, "accounts.bind_official", "live.set_up_room"), message


def test_dependency_cycle_across_two_files_is_refused_with_the_cycle_named(seeds):
    # xb.state_delivery_times (cross_border.toml) already depends on pop.list_products.
    change_entry(seeds, "pop.toml", "pop.list_products", depends_on=["xb.state_delivery_times"])

    message = refusal(seeds)

    assert "dependency cycle: " in message
    assert names_cycle(message, "pop.list_products", "xb.state_delivery_times"), message
    assert re.match(r"seeds/playbooks/(pop|cross_border)\.toml: entry '", message)


def test_dependency_cycle_through_a_gate_is_refused_with_the_cycle_named(seeds):
    add_entry(
        seeds,
        key="probe.gated",
        gate={"tasks": ["probe.waits"], "reason": "Locked until the other task is done."},
    )
    add_entry(seeds, key="probe.waits", depends_on=["probe.gated"])

    message = refusal(seeds)

    assert message.startswith("seeds/playbooks/pop.toml: entry 'probe.")
    assert "dependency cycle: " in message
    assert names_cycle(message, "probe.gated", "probe.waits"), message


def test_a_gate_naming_no_entry_is_refused(seeds):
    change_entry(
        seeds,
        "pop.toml",
        "ads.launch",
        gate={
            "tasks": ["positioning.store_style", "positioning.no_such_task"],
            "reason": "No paid ads yet.",
        },
    )

    message = refusal(seeds)

    assert message == (
        "seeds/playbooks/pop.toml: entry 'ads.launch': "
        "field 'gate.tasks': 'positioning.no_such_task' names no playbook entry"
    )


def test_an_unknown_peak_is_refused_with_the_known_ones_listed(seeds):
    change_entry(seeds, "peaks.toml", "campaign.register", peaks=["singles_day"])

    message = refusal(seeds)

    assert message.startswith(
        "seeds/playbooks/peaks.toml: entry 'campaign.register': "
        "field 'peaks': unknown peak 'singles_day' (known: "
    )
    assert "black_friday" in message


def test_an_unknown_phase_is_refused_with_the_known_ones_listed(seeds):
    change_entry(seeds, "pop.toml", "pop.list_products", phase="launch")

    message = refusal(seeds)

    assert message == (
        "seeds/playbooks/pop.toml: entry 'pop.list_products': field 'phase': "
        "unknown phase 'launch' (known: pre_launch, onboarding, growth, routine, peak)"
    )


@pytest.mark.parametrize(
    ("fields", "field", "placeholder"),
    [
        ({"title": "Prepare for {peak}"}, "title", "{peak}"),
        ({"description": "Plan the {year} range."}, "description", "{year}"),
        ({"title": "Apply for {invitation_categories}"}, "title", "{invitation_categories}"),
        ({"title": "Check {markt}"}, "title", "{markt}"),
        (
            {"gate": {"tasks": ["pop.list_products"], "reason": "Wait for {peak}."}},
            "gate.reason",
            "{peak}",
        ),
    ],
    ids=[
        "peak-without-peaks",
        "year-without-peaks",
        "categories-without-condition",
        "typo",
        "gate-reason",
    ],
)
def test_an_unknown_placeholder_is_refused_with_the_allowed_ones_listed(
    seeds, fields, field, placeholder
):
    add_entry(seeds, **fields)

    message = refusal(seeds)

    assert message.startswith(
        f"seeds/playbooks/pop.toml: entry 'probe.new_task': "
        f"field '{field}': unknown placeholder {placeholder} (allowed here: "
    )


def test_a_key_used_in_two_files_is_refused_naming_both(seeds):
    add_entry(seeds, "pop.toml", key="local.offer_fast_delivery")

    message = refusal(seeds)

    assert message.startswith(
        "seeds/playbooks/pop.toml: entry 'local.offer_fast_delivery': key is used twice (also in "
    )
    assert "local.toml" in message


@pytest.mark.parametrize(
    ("key", "anchor"),
    [("pop.list_products", "opened_on"), ("accounts.bind_channel", "inspection_ends_on")],
)
def test_an_entry_due_before_the_store_opens_is_refused_unless_pre_launch(seeds, key, anchor):
    change_entry(seeds, "pop.toml", key, due={"from": anchor, "days": -3})

    message = refusal(seeds)

    assert message == (
        f"seeds/playbooks/pop.toml: entry '{key}': "
        "only a 'pre_launch' task may fall due before its anchor date"
    )


def test_a_pre_launch_entry_may_fall_due_before_the_store_opens(seeds):
    change_entry(
        seeds,
        "pop.toml",
        "pop.list_products",
        phase="pre_launch",
        due={"from": "opened_on", "days": -3},
    )

    catalog = load_catalog(seeds)

    assert catalog.entry("pop.list_products").due.days == -3


def test_a_stock_up_deadline_on_a_peak_without_stock_up_is_refused(seeds):
    # Cyber Monday is sold from the Black Friday stock: it has no stock-up deadlines.
    change_entry(seeds, "peaks.toml", "stockup.place_order", peaks=["cyber_monday"])

    message = refusal(seeds)

    assert message == (
        "seeds/playbooks/peaks.toml: entry 'stockup.place_order': "
        "stock-up deadlines exist only for stock-up and supply-side peaks, not 'cyber_monday'"
    )


def test_a_supply_side_warm_up_that_disagrees_with_the_factory_closure_is_refused(seeds):
    edit_text(
        seeds / "peaks.toml",
        r"(\[peak\.chinese_new_year\][^\[]*?)warmup = \{ days_before = 7 \}",
        r"\1warmup = { days_before = 14 }",
    )

    message = refusal(seeds)

    assert message == (
        "seeds/peaks.toml: entry 'chinese_new_year': field 'warmup': a supply-side peak's "
        "warm-up starts when factories close, 7 days before "
        "(supply.toml chinese_new_year.factories_closed_from)"
    )


# --- markets, models, peaks and supply -------------------------------------------


def test_an_unknown_market_on_a_playbook_entry_is_refused(seeds):
    add_entry(seeds, markets=["US", "XX"])

    message = refusal(seeds)

    assert message.startswith(
        "seeds/playbooks/pop.toml: entry 'probe.new_task': "
        "field 'markets': unknown value 'XX' (known: "
    )


@pytest.mark.parametrize(
    ("seed_file", "pattern", "replacement", "expected"),
    [
        (
            "models.toml",
            r'^markets = \["US", "UK", "SA"\]$',
            'markets = ["US", "UK", "XX"]',
            "seeds/models.toml: entry 'full_managed': field 'markets': unknown value 'XX'",
        ),
        (
            "peaks.toml",
            r'^markets = \["UK"\]$',
            'markets = ["XX"]',
            "seeds/peaks.toml: entry 'boxing_day': field 'markets': unknown market code 'XX'",
        ),
    ],
    ids=["models", "peaks"],
)
def test_an_unknown_market_in_models_or_peaks_is_refused(
    seeds, seed_file, pattern, replacement, expected
):
    edit_text(seeds / seed_file, pattern, replacement)

    message = refusal(seeds)

    assert message.startswith(expected)


def test_an_unknown_time_zone_in_markets_is_refused(seeds):
    edit_text(seeds / "markets.toml", r'"Asia/Singapore"', '"Asia/Atlantis"')

    message = refusal(seeds)

    assert message == (
        "seeds/markets.toml: entry 'SG': field 'timezone': unknown IANA time zone 'Asia/Atlantis'"
    )


def test_a_time_zone_region_without_a_city_is_refused(seeds):
    edit_text(seeds / "markets.toml", r'"Asia/Singapore"', '"Asia"')

    message = refusal(seeds)

    assert message == (
        "seeds/markets.toml: entry 'SG': field 'timezone': unknown IANA time zone 'Asia'"
    )


def test_a_market_without_a_name_is_refused(seeds):
    edit_text(seeds / "markets.toml", r'^name = "Singapore"\n', "")

    message = refusal(seeds)

    assert message == "seeds/markets.toml: entry 'SG': field 'name': missing (it is required)"


def test_a_model_without_a_summary_is_refused(seeds):
    edit_text(seeds / "models.toml", r"^summary = .*\n", "")

    message = refusal(seeds)

    assert message == "seeds/models.toml: entry 'pop': field 'summary': missing (it is required)"


def test_a_share_that_is_not_a_number_is_refused(seeds):
    edit_text(seeds / "markets.toml", r"more_than_percent = 25", 'more_than_percent = "lots"')

    message = refusal(seeds)

    assert message == (
        "seeds/markets.toml: entry 'US': field "
        "'cross_border_if_chinese_held.more_than_percent': Not a valid number"
    )


def test_supply_without_production_days_is_refused(seeds):
    edit_text(seeds / "supply.toml", r"^production_days = .*\n", "")

    message = refusal(seeds)

    assert message == "seeds/supply.toml: field 'production_days': missing (it is required)"


def test_follows_is_for_peak_work_and_must_name_an_entry(seeds):
    change_entry(seeds, "pop.toml", "pop.list_products", follows=["pop.set_up_logistics"])
    assert refusal(seeds) == (
        "seeds/playbooks/pop.toml: entry 'pop.list_products': fields 'follows' and "
        "'while_ahead' are for peak work (a due date from a peak)"
    )


def test_follows_naming_no_entry_is_refused(seeds):
    change_entry(seeds, "peaks.toml", "campaign.review_results", follows=["campaign.nope"])
    assert refusal(seeds) == (
        "seeds/playbooks/peaks.toml: entry 'campaign.review_results': "
        "field 'follows': 'campaign.nope' names no playbook entry"
    )


def test_a_source_longer_than_a_task_row_keeps_is_refused(seeds):
    change_entry(seeds, "pop.toml", "pop.list_products", source="x, 2025; " * 40)
    message = refusal(seeds)
    assert message.startswith("seeds/playbooks/pop.toml: entry 'pop.list_products': field 'source'")
    assert "300" in message


def test_a_cited_guide_without_a_title_is_refused(seeds: Path) -> None:
    guides = seeds / "guides.toml"
    text = guides.read_text(encoding="utf-8")
    guides.write_text(text.split("[self-operated-vs-fully-managed]")[0], encoding="utf-8")
    message = refusal(seeds)
    assert "guides.toml" in message and "self-operated-vs-fully-managed" in message
    assert "no title" in message


# --- a text per market -------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        (
            {"market_text": [{"markets": ["XX"], "description": "Only in XX."}]},
            "field 'market_text[XX].markets': unknown value 'XX' (known: ",
        ),
        (
            {
                "markets": ["US", "UK"],
                "market_text": [{"markets": ["ID"], "description": "Only in Indonesia."}],
            },
            "field 'market_text[ID].markets': the entry is not for ID (its markets: UK, US)",
        ),
        (
            {
                "market_text": [
                    {"markets": ["US", "UK"], "description": "In the US and the UK."},
                    {"markets": ["UK"], "source": "gov.uk, a page"},
                ]
            },
            "field 'market_text[UK].markets': UK has two texts",
        ),
        (
            {"market_text": [{"markets": ["US"]}]},
            "field 'market_text.0': give a 'description', a 'source' or both",
        ),
        (
            {"market_text": [{"description": "For which market?"}]},
            "field 'market_text.0.markets': missing (it is required)",
        ),
        (
            {"market_text": [{"markets": ["US"], "description": "Ship by {peak}."}]},
            "field 'market_text[US].description': unknown placeholder {peak}",
        ),
        (
            {"market_text": [{"markets": ["US"], "source": "x" * 301}]},
            "field 'market_text.0.source': Length must be between 1 and 300",
        ),
        (
            {"market_text": [{"markets": ["US"], "source": "   "}]},
            "field 'market_text.0.source': may not be blank",
        ),
        (
            {"market_text": [{"markets": ["US", "UK", "US"], "source": "a US page, 2026"}]},
            "field 'market_text.0.markets': names US twice",
        ),
        (
            {
                "markets": ["US", "UK"],
                "market_text": [
                    {"markets": ["US"], "description": "In the US."},
                    {"markets": ["UK"], "description": "In the UK."},
                ],
            },
            "field 'market_text': every market the entry is for has its own description, so "
            "the entry's own is read nowhere",
        ),
    ],
    ids=["unknown market", "not the entry's", "twice", "says nothing", "no markets", "placeholder",
         "long source", "blank source", "a market named twice", "the entry's own unread"],
)  # fmt: skip
def test_a_bad_market_text_is_refused_naming_the_entry_and_field(seeds, fields, problem):
    add_entry(seeds, **fields)

    message = refusal(seeds)

    assert message.startswith("seeds/playbooks/pop.toml: entry 'probe.new_task': "), message
    assert problem in message


def test_a_blank_source_is_refused(seeds):
    add_entry(seeds, source="   ")
    assert refusal(seeds) == (
        "seeds/playbooks/pop.toml: entry 'probe.new_task': field 'source': may not be blank"
    )


def test_a_market_text_replaces_only_what_it_gives(seeds):
    add_entry(
        seeds,
        market_text=[
            {"markets": ["UK"], "description": "  In   the UK,\n  ship daily.  "},
            {"markets": ["ID", "MY"], "source": "a page for Indonesia and Malaysia"},
        ],
    )
    entry = load_catalog(seeds).entry("probe.new_task")

    assert entry.description_in("UK") == "In the UK, ship daily."
    assert entry.source_in("UK") == NEW_ENTRY["source"]
    assert entry.description_in("MY") == NEW_ENTRY["description"]
    assert entry.source_in("ID") == "a page for Indonesia and Malaysia"
    assert (entry.description_in("US"), entry.source_in("US")) == (
        NEW_ENTRY["description"],
        NEW_ENTRY["source"],
    )

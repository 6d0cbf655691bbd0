"""Seed translations: each shipped language says every seed word, and a bad file is refused.

The translations live beside the playbooks in ``seeds/i18n/<locale>.toml``. Like the
other seed files they are checked at load, naming the file and the entry; unlike
them, they are not part of the playbook version.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tracker.playbook.loader import load_catalog
from tracker.playbook.seeds import SeedError
from tracker.playbook.translations import missing_translations, split_source

REAL_SEEDS = Path(__file__).resolve().parents[2] / "seeds"
ZH = Path("i18n") / "zh_CN.toml"


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    """Copy the shipped seeds into a fresh folder a test may break."""
    folder = tmp_path / "seeds"
    shutil.copytree(REAL_SEEDS, folder)
    return folder


def edit(seeds: Path, pattern: str, replacement: str) -> None:
    path = seeds / ZH
    text, count = re.subn(
        pattern, replacement, path.read_text(encoding="utf-8"), count=1, flags=re.MULTILINE
    )
    assert count == 1, f"{pattern!r} is not in {ZH}: the test needs updating"
    path.write_text(text, encoding="utf-8")


def refusal(seeds: Path) -> str:
    with pytest.raises(SeedError) as refused:
        load_catalog(seeds)
    return str(refused.value)


def test_simplified_chinese_says_every_seed_word():
    catalog = load_catalog(REAL_SEEDS)
    translation = catalog.translations["zh_CN"]
    # Every entry's title and description, every gate reason, every name a page shows,
    # both models, every advisor question and reason, every guide and section cited.
    assert missing_translations(translation, catalog) == []
    assert len(translation.entries) == len(catalog.entries)
    assert translation.name("peak", "black_friday") == "黑色星期五"
    assert translation.entries["campaign.register"].title == "报名{year}年{peak}活动"


def test_a_missing_translation_is_listed_by_entry(seeds):
    edit(seeds, r'^\[tasks\."live\.daily"\]\ntitle = .*\ndescription = .*\n', "")
    edit(seeds, r"^black_friday = .*\n", "")
    catalog = load_catalog(seeds)
    assert missing_translations(catalog.translations["zh_CN"], catalog) == [
        "peaks.black_friday",
        "tasks.live.daily",
    ]


def test_translations_leave_the_playbook_version_alone(seeds):
    before = load_catalog(REAL_SEEDS).version
    edit(seeds, r'^title = "今天开播"', 'title = "今天一定要开播"')
    catalog = load_catalog(seeds)
    assert catalog.translations["zh_CN"].entries["live.daily"].title == "今天一定要开播"
    assert catalog.version == before  # no task's playbook_version goes stale over wording


def test_a_translation_of_an_unknown_entry_is_refused(seeds):
    edit(seeds, r'^\[tasks\."live\.daily"\]', '[tasks."live.nightly"]')
    assert refusal(seeds) == (
        "seeds/i18n/zh_CN.toml: entry 'tasks.live.nightly': no playbook entry has this key"
    )


def test_an_extra_placeholder_is_refused(seeds):
    edit(seeds, r'^title = "今天开播"', 'title = "{peak}今天开播"')
    message = refusal(seeds)
    assert message.startswith("seeds/i18n/zh_CN.toml: entry 'tasks.live.daily': field 'title'")
    assert "{peak} differ from the English text's (none)" in message


def test_a_missing_placeholder_is_refused(seeds):
    edit(seeds, r'^title = "报名\{year\}年\{peak\}活动"', 'title = "报名{peak}活动"')
    assert refusal(seeds) == (
        "seeds/i18n/zh_CN.toml: entry 'tasks.campaign.register': field 'title': placeholders "
        "{peak} differ from the English text's ({peak}, {year})"
    )


def test_a_gate_reason_keeps_its_placeholder(seeds):
    edit(seeds, r"考核期持续到 \{after\}。", "考核期持续到结束。")
    assert "entry 'tasks.accounts.bind_channel': field 'gate_reason': placeholders none" in (
        refusal(seeds)
    )


def test_a_name_for_an_unknown_market_is_refused(seeds):
    edit(seeds, r'^PH = "菲律宾"', 'PH = "菲律宾"\nXX = "无名国"')
    message = refusal(seeds)
    assert message.startswith("seeds/i18n/zh_CN.toml: entry 'markets.XX': unknown key")


def test_an_unknown_field_is_refused(seeds):
    edit(seeds, r'^title = "今天开播"', 'title = "今天开播"\nsubtitle = "每天"')
    assert refusal(seeds) == (
        "seeds/i18n/zh_CN.toml: entry 'tasks.live.daily': unknown field 'subtitle' "
        "(known: description, gate_reason, market_text, title)"
    )


def test_advisor_reasons_must_match_the_outcomes(seeds):
    edit(seeds, r'^why = \[\n  "指南把资金充足.*\n  ".*\n\]', 'why = ["只有一条。"]')
    assert refusal(seeds) == (
        "seeds/i18n/zh_CN.toml: entry 'advisor.questions.financial_backing': field 'why': "
        "expected a list of 2 texts, one per outcome in the order of advisor.toml"
    )


def test_a_section_no_seed_cites_is_refused(seeds):
    edit(seeds, r'^"Logistics and supply chain strategy" = ', '"Logistics strategy" = ')
    assert "field 'sections': no seed cites the section 'Logistics strategy'" in refusal(seeds)


def test_a_file_not_named_after_a_locale_is_refused(seeds):
    (seeds / ZH).rename(seeds / "i18n" / "chinese.toml")
    assert refusal(seeds) == (
        "seeds/i18n/chinese.toml: 'chinese' is not a locale (name the file like zh_CN.toml)"
    )


def test_only_hyphenated_guide_names_are_read_as_guide_citations():
    source = (
        "self-operated-vs-fully-managed: Operation strategy of self-operation model, 1; "
        'TikTok Shop Seller Center US, "Campaign FAQs", 2025-06-23; assumption: two weeks'
    )
    assert split_source(source) == [
        ("self-operated-vs-fully-managed", "Operation strategy of self-operation model", "1"),
        None,
        None,
    ]


def test_a_source_that_is_not_a_guide_is_translated_like_the_rest(seeds):
    catalog = load_catalog(REAL_SEEDS)
    translation = catalog.translations["zh_CN"]
    faqs = 'TikTok Shop Seller Center US, "Campaign FAQs", 2025-06-23'
    assert translation.sources[faqs].startswith("TikTok Shop 美国卖家中心")
    edit(seeds, r"^'TikTok Shop Seller Center US, \"Campaign FAQs\", 2025-06-23' = .*\n", "")
    edit(seeds, r"^\[sources\]\n", '[sources]\n"a page nobody cites, 2025" = "无人引用的页面"\n')
    assert "no seed cites this source" in refusal(seeds)


# --- a text per market -------------------------------------------------------------

_UK_TAX = (
    r'^\[\[tasks\."payout\.tax_setup"\.market_text\]\]\n'
    r'markets = \["UK"\]\ndescription = .*\n'
)


def test_a_missing_market_text_is_listed_by_its_markets(seeds):
    edit(seeds, _UK_TAX, "")
    catalog = load_catalog(seeds)
    assert missing_translations(catalog.translations["zh_CN"], catalog) == [
        "tasks.payout.tax_setup.market_text[UK]"
    ]


@pytest.mark.parametrize(
    ("replacement", "problem"),
    [
        (
            '[[tasks."payout.tax_setup".market_text]]\nmarkets = ["UK", "SA"]\n'
            'description = "英国和沙特。"\n',
            "entry 'tasks.payout.tax_setup.market_text[SA, UK]': field 'markets': the entry has no "
            "description for exactly these markets (it has: US; UK; ID)",
        ),
        (
            '[[tasks."payout.tax_setup".market_text]]\nmarkets = ["UK"]\n',
            "entry 'tasks.payout.tax_setup.market_text[UK]': field 'description': missing",
        ),
        (
            '[[tasks."payout.tax_setup".market_text]]\nmarkets = "UK"\ndescription = "英国。"\n',
            "entry 'tasks.payout.tax_setup.market_text.1': field 'markets': must be a list "
            "of market codes",
        ),
        (
            '[[tasks."payout.tax_setup".market_text]]\nmarkets = ["UK"]\n'
            'description = "英国。"\nsource = "gov.uk"\n',
            "entry 'tasks.payout.tax_setup.market_text.1': unknown field 'source' "
            "(known: description, markets)",
        ),
    ],
    ids=["markets with no text", "no description", "markets not a list", "unknown field"],
)
def test_a_bad_market_text_translation_is_refused_by_place(seeds, replacement, problem):
    edit(seeds, _UK_TAX, replacement)
    assert refusal(seeds) == f"seeds/i18n/zh_CN.toml: {problem}"

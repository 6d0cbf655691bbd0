"""The peak calendar: when each peak falls, where it applies, and which rule files are refused."""

from datetime import date
from pathlib import Path

import pytest

from tracker.playbook.peaks import (
    SUPPORTED_YEARS,
    Peak,
    load_peak_rules,
    peaks_between,
    peaks_in_year,
)
from tracker.playbook.seeds import SeedError

SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "peaks.toml"
MARKETS = ("US", "UK", "SA", "SG", "TH", "VN", "MY", "PH", "ID")
SOUTHEAST_ASIA = ("SG", "TH", "VN", "MY", "PH", "ID")


@pytest.fixture(scope="module")
def rules():
    """Load the shipped peak rules."""
    return load_peak_rules(SEEDS, MARKETS)


def dates_of(rules, key, market, year):
    return [peak.date for peak in peaks_in_year(rules, market, year) if peak.key == key]


def the_peak(rules, key, market, year) -> Peak:
    (peak,) = [peak for peak in peaks_in_year(rules, market, year) if peak.key == key]
    return peak


# --- When peaks fall ------------------------------------------------------------------------


def test_black_friday_is_the_day_after_us_thanksgiving(rules):
    assert dates_of(rules, "black_friday", "US", 2026) == [date(2026, 11, 27)]
    assert dates_of(rules, "black_friday", "US", 2027) == [date(2027, 11, 26)]
    assert dates_of(rules, "black_friday", "UK", 2027) == [date(2027, 11, 26)]


def test_black_friday_warm_up_starts_sixteen_days_before(rules):
    assert the_peak(rules, "black_friday", "US", 2026).warmup_starts_on == date(2026, 11, 11)


def test_cyber_monday_is_three_days_after_black_friday_in_the_same_campaign(rules):
    cyber_monday = the_peak(rules, "cyber_monday", "US", 2026)
    assert cyber_monday.date == date(2026, 11, 30)
    assert (
        cyber_monday.warmup_starts_on
        == the_peak(rules, "black_friday", "US", 2026).warmup_starts_on
    )


def test_white_friday_in_saudi_arabia_falls_on_black_friday(rules):
    for year in (2026, 2027, 2030):
        assert dates_of(rules, "white_friday", "SA", year) == dates_of(
            rules, "black_friday", "US", year
        )
    assert the_peak(rules, "white_friday", "SA", 2026).warmup_starts_on == date(2026, 10, 28)


def test_boxing_day_is_a_uk_peak_sharing_the_christmas_warm_up(rules):
    boxing_day = the_peak(rules, "boxing_day", "UK", 2026)
    assert boxing_day.date == date(2026, 12, 26)
    assert boxing_day.warmup_starts_on == the_peak(rules, "christmas", "UK", 2026).warmup_starts_on
    assert dates_of(rules, "boxing_day", "US", 2026) == []


def test_ramadan_2027_starts_on_8_february_by_umm_al_qura(rules):
    ramadan = the_peak(rules, "ramadan", "SA", 2027)
    assert ramadan.date == date(2027, 2, 8)
    assert ramadan.warmup_starts_on == date(2027, 1, 25)


def test_eid_al_fitr_2027_is_1_shawwal(rules):
    assert dates_of(rules, "eid_al_fitr", "SA", 2027) == [date(2027, 3, 9)]


def test_a_year_with_two_ramadans_lists_both(rules):
    assert dates_of(rules, "ramadan", "SA", 2030) == [date(2030, 1, 5), date(2030, 12, 26)]


def test_chinese_new_year_2027_is_the_first_day_of_spring_festival_not_the_eve(rules):
    assert dates_of(rules, "chinese_new_year", "US", 2027) == [date(2027, 2, 6)]


def test_chinese_new_year_is_listed_for_every_market_as_a_supply_side_peak(rules):
    for market in MARKETS:
        peak = the_peak(rules, "chinese_new_year", market, 2027)
        assert peak.supply_side
        assert not peak.stock_up


def test_chinese_new_year_concerns_cross_border_stores_only(rules):
    local = [peak.key for peak in peaks_in_year(rules, "US", 2027, store_type="local")]
    cross_border = [
        peak.key for peak in peaks_in_year(rules, "US", 2027, store_type="cross_border")
    ]
    assert "chinese_new_year" not in local
    assert "chinese_new_year" in cross_border
    assert "black_friday" in local


def test_double_11_falls_on_11_november_in_southeast_asia_only(rules):
    for market in SOUTHEAST_ASIA:
        assert dates_of(rules, "double_11", market, 2026) == [date(2026, 11, 11)]
    for market in ("US", "UK", "SA"):
        assert dates_of(rules, "double_11", market, 2026) == []


def test_southeast_asia_has_a_double_day_sale_every_month(rules):
    for market in SOUTHEAST_ASIA:
        doubles = [p for p in peaks_in_year(rules, market, 2027) if p.key.startswith("double_")]
        assert [(p.date.month, p.date.day) for p in doubles] == [(m, m) for m in range(1, 13)]
        assert [p.key for p in doubles] == [f"double_{m}" for m in range(1, 13)]
    # 3.3, 6.6 and 9.9 to 12.12 are the big ones, stocked for; the other months are smaller.
    stocked = {
        p.key
        for p in peaks_in_year(rules, "TH", 2027)
        if p.key.startswith("double_") and p.stock_up
    }
    assert stocked == {"double_3", "double_6", "double_9", "double_10", "double_11", "double_12"}


def test_peaks_come_sorted_by_date(rules):
    for market in MARKETS:
        for year in (2026, 2030):
            listed = peaks_in_year(rules, market, year)
            assert [(p.date, p.key) for p in listed] == sorted((p.date, p.key) for p in listed)
            assert all(p.date.year == year for p in listed)


def test_every_warm_up_starts_on_or_before_its_peak(rules):
    for market in MARKETS:
        for peak in peaks_in_year(rules, market, 2028):
            assert peak.warmup_starts_on <= peak.date, peak.key


def test_peaks_between_includes_both_ends_and_crosses_years(rules):
    listed = peaks_between(rules, "SA", date(2029, 11, 30), date(2030, 1, 5))
    assert [(p.key, p.date) for p in listed] == [("ramadan", date(2030, 1, 5))]
    listed = peaks_between(rules, "US", date(2026, 11, 27), date(2027, 2, 6))
    assert [p.key for p in listed] == [
        "black_friday",
        "cyber_monday",
        "christmas",
        "chinese_new_year",
    ]


def test_a_peak_prints_as_key_name_date_and_warm_up(rules):
    assert the_peak(rules, "christmas", "US", 2026).to_json() == {
        "key": "christmas",
        "name": "Christmas",
        "date": "2026-12-25",
        "warmup_starts_on": "2026-12-01",
    }
    # A campaign that runs on past its day says when it ends.
    assert the_peak(rules, "black_friday", "US", 2026).to_json() == {
        "key": "black_friday",
        "name": "Black Friday",
        "date": "2026-11-27",
        "warmup_starts_on": "2026-11-11",
        "ends_on": "2026-11-30",
    }


def test_ramadan_ends_at_its_own_eid_even_when_a_year_holds_two(rules):
    assert the_peak(rules, "ramadan", "SA", 2027).ends_on == date(2027, 3, 9)
    (december,) = [p for p in peaks_in_year(rules, "SA", 2030) if p.date == date(2030, 12, 26)]
    assert december.ends_on == date(2031, 1, 24)


def test_every_supported_year_can_be_computed(rules):
    for year in (SUPPORTED_YEARS[0], SUPPORTED_YEARS[-1]):
        assert {p.key for p in peaks_in_year(rules, "SA", year)} >= {"ramadan", "white_friday"}


@pytest.mark.parametrize("year", [SUPPORTED_YEARS[0] - 1, SUPPORTED_YEARS[-1] + 1, 2200])
def test_a_year_outside_the_calendar_is_refused(rules, year):
    with pytest.raises(ValueError, match=f"year {year} is outside the peak calendar"):
        peaks_in_year(rules, "US", year)


def test_every_rule_says_where_its_figures_come_from(rules):
    assert set(rules) >= {
        "black_friday",
        "cyber_monday",
        "christmas",
        "boxing_day",
        "double_9",
        "double_10",
        "double_11",
        "double_12",
        "ramadan",
        "eid_al_fitr",
        "white_friday",
        "chinese_new_year",
    }
    for rule in rules.values():
        assert rule.source
        assert date(2026, 11, 23) <= rule.checked_on <= date(2026, 12, 31)


# --- Rule files -----------------------------------------------------------------------------

GOOD = """\
[peak.black_friday]
name = "Black Friday"
markets = ["US"]
date = { holiday = "US", named = "Thanksgiving", days_after = 1 }
warmup = { days_before = 16 }
stock_up = true
source = "test"
checked_on = "2026-11-23"
"""


def write_rules(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "seeds" / "peaks.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def peak(key: str, **lines: str) -> str:
    """Write a [peak.<key>] table: a valid one, with some lines replaced (empty: removed)."""
    fields = {
        "name": f'"{key}"',
        "markets": '["US"]',
        "date": "{ month = 12, day = 25 }",
        "warmup": "{ days_before = 7 }",
        "stock_up": "false",
        "source": '"test"',
        "checked_on": '"2026-11-23"',
        **lines,
    }
    body = "".join(f"{name} = {value}\n" for name, value in fields.items() if value)
    return f"[peak.{key}]\n{body}\n"


def refusal(tmp_path: Path, text: str) -> str:
    with pytest.raises(SeedError) as refused:
        load_peak_rules(write_rules(tmp_path, text), MARKETS)
    return str(refused.value)


def test_a_custom_rule_file_loads(tmp_path):
    rules = load_peak_rules(write_rules(tmp_path, GOOD), MARKETS)
    assert dates_of(rules, "black_friday", "US", 2028) == [date(2028, 11, 24)]


def test_a_peak_carried_past_new_year_is_listed_in_the_year_it_falls(tmp_path):
    text = peak("christmas") + peak("new_year_sale", date='{ peak = "christmas", days_after = 7 }')
    rules = load_peak_rules(write_rules(tmp_path, text), MARKETS)
    assert dates_of(rules, "new_year_sale", "US", 2027) == [date(2027, 1, 1)]
    assert dates_of(rules, "new_year_sale", "US", 2026) == [date(2026, 1, 1)]


def test_a_file_that_does_not_parse_is_refused(tmp_path):
    message = refusal(tmp_path, GOOD + "stock_up = \n")
    assert message.startswith("seeds/peaks.toml: does not parse as TOML")


def test_an_unknown_field_is_refused(tmp_path):
    message = refusal(tmp_path, peak("black_friday", colour='"red"'))
    assert message == "seeds/peaks.toml: entry 'black_friday': field 'colour': unknown field"


def test_a_missing_field_is_refused(tmp_path):
    message = refusal(tmp_path, peak("black_friday", source=""))
    assert message == (
        "seeds/peaks.toml: entry 'black_friday': field 'source': missing (it is required)"
    )


def test_an_unknown_market_is_refused(tmp_path):
    message = refusal(tmp_path, peak("black_friday", markets='["US", "XX"]'))
    assert message.startswith("seeds/peaks.toml: entry 'black_friday': field 'markets'")
    assert "unknown market code 'XX'" in message


def test_a_date_in_two_shapes_at_once_is_refused(tmp_path):
    both = '{ holiday = "US", named = "Thanksgiving", month = 11, day = 27 }'
    message = refusal(tmp_path, peak("black_friday", date=both))
    assert message.startswith("seeds/peaks.toml: entry 'black_friday': field 'date'")
    assert "exactly one" in message
    assert "found holiday and month" in message


def test_a_date_in_no_known_shape_is_refused(tmp_path):
    message = refusal(tmp_path, peak("black_friday", date="{ week = 47 }"))
    assert "entry 'black_friday': field 'date': give exactly one of the keys" in message


def test_an_nth_weekday_needs_its_month_and_number(tmp_path):
    message = refusal(tmp_path, peak("black_friday", date='{ weekday = "friday" }'))
    assert "field 'date.nth': missing" in message and "field 'date.of_month': missing" in message


def test_a_stray_key_in_a_date_shape_is_refused(tmp_path):
    stray = '{ holiday = "US", named = "Thanksgiving", day = 1 }'
    message = refusal(tmp_path, peak("black_friday", date=stray))
    assert message == "seeds/peaks.toml: entry 'black_friday': field 'date.day': unknown field"


def test_a_holiday_the_library_does_not_know_is_refused(tmp_path):
    message = refusal(
        tmp_path, peak("black_friday", date='{ holiday = "US", named = "Thanksgivving" }')
    )
    assert "entry 'black_friday': field 'date.named'" in message
    assert "no holiday named 'Thanksgivving" in message


def test_a_country_the_library_does_not_know_is_refused(tmp_path):
    message = refusal(tmp_path, peak("black_friday", date='{ holiday = "XX", named = "X" }'))
    assert "entry 'black_friday': field 'date.holiday'" in message
    assert "'XX' is not a country" in message


def test_a_relative_date_naming_an_unknown_peak_is_refused(tmp_path):
    message = refusal(
        tmp_path, peak("cyber_monday", date='{ peak = "black_fridy", days_after = 3 }')
    )
    assert message == (
        "seeds/peaks.toml: entry 'cyber_monday': field 'date.peak': there is no peak 'black_fridy'"
    )


def test_a_warm_up_shared_with_an_unknown_peak_is_refused(tmp_path):
    message = refusal(tmp_path, peak("boxing_day", warmup='{ same_as = "xmas" }'))
    assert "entry 'boxing_day': field 'warmup.same_as': there is no peak 'xmas'" in message


def test_relative_dates_going_round_in_a_circle_are_refused(tmp_path):
    text = peak("ping", date='{ peak = "pong", days_after = 1 }') + peak(
        "pong", date='{ peak = "ping", days_after = 1 }'
    )
    message = refusal(tmp_path, text)
    assert message.startswith("seeds/peaks.toml: entry 'ping': field 'date.peak'")
    assert "in a circle: ping → pong → ping" in message


def test_a_peak_more_than_a_year_from_its_anchor_is_refused(tmp_path):
    message = refusal(
        tmp_path, peak("far", date='{ holiday = "US", named = "Thanksgiving", days_after = 400 }')
    )
    assert "entry 'far': field 'date'" in message
    assert "more than a year" in message


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ("{ hijri_month = 13, hijri_day = 1 }", "field 'date.hijri_month'"),
        ("{ hijri_month = 9, hijri_day = 30 }", "field 'date.hijri_day'"),
        ("{ month = 2, day = 29 }", "not a date in every year"),
    ],
)
def test_a_day_that_is_not_in_every_year_is_refused(tmp_path, rule, problem):
    message = refusal(tmp_path, peak("odd", date=rule, markets='"all"'))
    assert "entry 'odd'" in message
    assert problem in message


# --- The markets' own festivals, checked by hand for 2026-2028 ------------------------------


def _dated(rules, key, market, year):
    (peak,) = [p for p in peaks_in_year(rules, market, year) if p.key == key]
    return peak.date, peak.warmup_starts_on


@pytest.mark.parametrize("market", ["MY", "ID", "SA"])
def test_ramadan_is_a_sales_peak_in_malaysia_indonesia_and_saudi_arabia(rules, market):
    # 1 Ramadan by Umm al-Qura (Malaysia and Indonesia may see it a day apart); two weeks'
    # warm-up; the season ends at Eid.
    assert _dated(rules, "ramadan", market, 2026) == (date(2026, 2, 18), date(2026, 2, 4))
    assert _dated(rules, "ramadan", market, 2027) == (date(2027, 2, 8), date(2027, 1, 25))
    assert _dated(rules, "ramadan", market, 2028) == (date(2028, 1, 28), date(2028, 1, 14))
    assert the_peak(rules, "ramadan", market, 2027).stock_up


@pytest.mark.parametrize("market", ["MY", "ID"])
def test_hari_raya_is_eid_al_fitr_as_malaysia_and_indonesia_keep_it(rules, market):
    # Indonesia's (and Malaysia's) 1 Shawwal, a day after Saudi Arabia's in these years.
    assert _dated(rules, "hari_raya", market, 2026) == (date(2026, 3, 21), date(2026, 3, 7))
    assert _dated(rules, "hari_raya", market, 2027) == (date(2027, 3, 10), date(2027, 2, 24))
    assert _dated(rules, "hari_raya", market, 2028) == (date(2028, 2, 27), date(2028, 2, 13))
    assert dates_of(rules, "hari_raya", "SA", 2027) == []


@pytest.mark.parametrize("market", ["SG", "MY"])
def test_chinese_new_year_is_a_sales_peak_in_singapore_and_malaysia(rules, market):
    assert _dated(rules, "cny_sales", market, 2026) == (date(2026, 2, 17), date(2026, 1, 27))
    assert _dated(rules, "cny_sales", market, 2027) == (date(2027, 2, 6), date(2027, 1, 16))
    assert _dated(rules, "cny_sales", market, 2028) == (date(2028, 1, 26), date(2028, 1, 5))
    assert the_peak(rules, "cny_sales", market, 2027).stock_up
    assert dates_of(rules, "cny_sales", "TH", 2027) == []


def test_tet_is_vietnams_new_year_with_six_weeks_of_shopping_before_it(rules):
    assert _dated(rules, "tet", "VN", 2026) == (date(2026, 2, 17), date(2026, 1, 6))
    assert _dated(rules, "tet", "VN", 2027) == (date(2027, 2, 6), date(2026, 12, 26))
    assert _dated(rules, "tet", "VN", 2028) == (date(2028, 1, 26), date(2027, 12, 15))
    assert dates_of(rules, "tet", "SG", 2027) == []


def test_the_us_mid_year_sale_is_in_the_second_week_of_july(rules):
    # Deals for You Days: 9-17 July 2024, 7-19 July 2025; modelled on the second Monday.
    assert _dated(rules, "us_midyear", "US", 2026) == (date(2026, 7, 13), date(2026, 7, 6))
    assert _dated(rules, "us_midyear", "US", 2027) == (date(2027, 7, 12), date(2027, 7, 5))
    assert _dated(rules, "us_midyear", "US", 2028) == (date(2028, 7, 10), date(2028, 7, 3))
    assert the_peak(rules, "us_midyear", "US", 2026).ends_on == date(2026, 7, 18)
    assert dates_of(rules, "us_midyear", "UK", 2026) == []


def test_saudi_national_day_is_23_september(rules):
    for year in (2026, 2027, 2028):
        assert _dated(rules, "saudi_national_day", "SA", year) == (
            date(year, 9, 23),
            date(year, 9, 9),
        )


def test_indonesia_has_its_festivals_and_no_black_friday(rules):
    keys = {p.key for p in peaks_in_year(rules, "ID", 2027)}
    assert {"ramadan", "hari_raya", "double_12", "double_11"} <= keys
    assert not {"black_friday", "christmas", "white_friday", "cny_sales", "tet"} & keys

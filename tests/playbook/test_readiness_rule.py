"""The readiness rule on plain counts: what makes a scope ready, at risk or not ready."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tracker.playbook.loader import load_catalog
from tracker.playbook.readiness import Tally, assess, worst
from tracker.playbook.seeds import SeedError

REAL_SEEDS = Path(__file__).resolve().parents[2] / "seeds"


@pytest.fixture(scope="module")
def rule(catalog):
    """The shipped rule: not ready under 50% within 7 days, at risk under 80% within 14."""
    rule = catalog.readiness
    assert (rule.not_ready.below_percent, rule.not_ready.within_days) == (50, 7)
    assert (rule.at_risk.below_percent, rule.at_risk.within_days) == (80, 14)
    assert rule.critical_weight == 2
    return rule


def tally(**counts) -> Tally:
    counts.setdefault("total", 10)
    counts.setdefault("weight_total", 10)
    return Tally(**counts)


def test_nothing_overdue_and_far_from_the_deadline_is_ready_even_at_zero(rule):
    result = assess(tally(weight_done=0, days_left=30), rule)
    assert (result.status, result.percent, result.reasons) == ("ready", 0, ())


def test_a_critical_task_overdue_is_not_ready_whatever_the_share(rule):
    result = assess(tally(weight_done=9, overdue=1, critical_overdue=1, days_left=40), rule)
    assert result.status == "not_ready"
    assert result.reasons == ("1 critical task overdue",)


def test_a_passed_stock_up_deadline_is_not_ready_and_said_once(rule):
    result = assess(tally(weight_done=9, overdue=1, stock_up_overdue=1, days_left=40), rule)
    assert result.status == "not_ready"
    assert result.reasons == ("1 stock-up deadline passed undone",)


def test_an_ordinary_task_overdue_is_at_risk(rule):
    result = assess(tally(weight_done=9, overdue=2, days_left=40), rule)
    assert (result.status, result.reasons) == ("at_risk", ("2 tasks overdue",))


@pytest.mark.parametrize(
    ("done", "days_left", "status"),
    [
        (79, 15, "ready"),  # under 80% but more than 14 days left
        (79, 14, "at_risk"),  # the edge of the at-risk window
        (80, 14, "ready"),  # 80% is enough
        (49, 8, "at_risk"),  # under 50% but more than 7 days left: only at risk
        (49, 7, "not_ready"),
        (50, 7, "at_risk"),  # 50% is not "under 50%", but it is under 80%
        (100, -3, "ready"),  # the last day passed with everything done
        (10, -3, "not_ready"),  # the last day passed with little done
    ],
)
def test_the_share_done_against_the_days_left(rule, done, days_left, status):
    result = assess(Tally(total=100, weight_total=100, weight_done=done, days_left=days_left), rule)
    assert result.status == status, result.reasons


def test_the_reason_says_the_share_the_days_and_the_threshold(rule):
    result = assess(Tally(total=4, weight_total=8, weight_done=2, days_left=5), rule)
    assert result.reasons == ("25% done with 5 days left (under 50% with 7 days or fewer left)",)


def test_percent_is_weighted_and_rounded_down():
    # Two critical tasks (weight 2 each) and one other; the two critical ones done.
    assert Tally(total=3, done=2, weight_total=5, weight_done=4).percent == 80
    assert Tally(total=1000, done=999, weight_total=1000, weight_done=999).percent == 99
    assert Tally().percent == 100  # nothing to do is done


def test_a_store_is_as_ready_as_its_worst_scope():
    assert worst("ready", "at_risk") == "at_risk"
    assert worst("not_ready", "ready", "at_risk") == "not_ready"
    assert worst() == "ready"


def test_the_rule_in_words_quotes_the_seed_figures(rule):
    words = dict(rule.statements())
    assert "less than 50% is done with 7 days or fewer left" in words["not_ready"]
    assert "less than 80% is done with 14 days or fewer left" in words["at_risk"]
    assert "critical task counts 2" in " ".join(rule.counting())


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "seeds"
    shutil.copytree(REAL_SEEDS, folder)
    return folder


def test_an_unknown_onboarding_phase_is_refused(tmp_path):
    seeds = _copy(tmp_path)
    path = seeds / "readiness.toml"
    path.write_text(path.read_text().replace('"onboarding"]', '"onbording"]'))
    with pytest.raises(SeedError) as refused:
        load_catalog(seeds)
    assert str(refused.value).startswith("seeds/readiness.toml: field 'onboarding_phases'")
    assert "'onbording'" in str(refused.value)


def test_thresholds_out_of_order_are_refused(tmp_path):
    seeds = _copy(tmp_path)
    path = seeds / "readiness.toml"
    path.write_text(path.read_text().replace("below_percent = 50", "below_percent = 90"))
    with pytest.raises(SeedError, match=r"must not be above 'at_risk\.below_percent'"):
        load_catalog(seeds)


def test_a_percent_over_100_is_refused(tmp_path):
    seeds = _copy(tmp_path)
    path = seeds / "readiness.toml"
    path.write_text(path.read_text().replace("below_percent = 80", "below_percent = 180"))
    with pytest.raises(SeedError, match=r"field 'at_risk.below_percent'"):
        load_catalog(seeds)


def test_editing_the_rule_does_not_change_the_playbook_version(tmp_path, catalog):
    seeds = _copy(tmp_path)
    path = seeds / "readiness.toml"
    path.write_text(path.read_text().replace("within_days = 14", "within_days = 21"))
    edited = load_catalog(seeds)
    assert edited.readiness.at_risk.within_days == 21
    assert edited.version == catalog.version

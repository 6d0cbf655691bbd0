"""Checklist entries: checked like the playbooks, planned by the same engine (no Flask)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from tracker.playbook.checklists import (
    checklist_entries,
    checklist_from_json,
    checklist_to_toml,
    read_checklist_toml,
    with_entries,
)
from tracker.playbook.plan import generate_plan
from tracker.playbook.seeds import SeedError


def _body(**changes):
    body = {
        "key": "bf_sprint",
        "name": "Black Friday creative sprint",
        "description": "Our own creative sprint.",
        "applies_to": {"model": ["pop"], "market": ["US"]},
        "entries": [
            {
                "key": "brief",
                "title": "Write the creative brief",
                "phase": "peak",
                "anchor": "warmup:black_friday",
                "offset_days": -14,
                "critical": True,
            },
            {
                "key": "shoot",
                "title": "Shoot the videos",
                "phase": "peak",
                "anchor": "after:brief",
                "offset_days": 3,
            },
            {
                "key": "lights",
                "title": "Check the live-room lights",
                "phase": "routine",
                "anchor": "opened_on",
                "offset_days": 0,
                "recurrence": {"every": "week", "interval": 1},
                "depends_on": ["accounts.bind_official"],
            },
        ],
    }
    body.update(changes)
    return body


def _entry(body, key):
    return next(entry for entry in body["entries"] if entry["key"] == key)


def _plan(catalog, body, profile, today=date(2026, 9, 1)):
    entries = checklist_entries(checklist_from_json(body), catalog, version=2)
    return generate_plan(profile, with_entries(catalog, entries), today=today, horizon_days=200)


def test_checklist_entries_are_planned_with_their_sop_keys(catalog, make_profile):
    plan = _plan(catalog, _body(), make_profile(opened_on="2026-08-03"))
    by_key = {task.key: task for task in plan.tasks if task.key.startswith("sop.")}
    assert set(by_key) == {"sop.bf_sprint.brief", "sop.bf_sprint.shoot", "sop.bf_sprint.lights"}
    brief = by_key["sop.bf_sprint.brief"]
    # Black Friday 2026-11-27, its warm-up 2026-11-11; two weeks before.
    assert brief.due_on == date(2026, 10, 28)
    assert brief.peak.key == "black_friday"
    assert brief.critical and brief.source == "Black Friday creative sprint"
    shoot = by_key["sop.bf_sprint.shoot"]
    assert shoot.due_on == brief.due_on + timedelta(days=3)
    assert shoot.gate.tasks == ("sop.bf_sprint.brief",) and shoot.locked
    lights = by_key["sop.bf_sprint.lights"]
    assert lights.recurrence.every == "week"
    assert lights.gate.tasks == ("accounts.bind_official",)


def test_a_checklist_for_pop_in_the_us_leaves_other_stores_alone(catalog, make_profile):
    plan = _plan(
        catalog,
        _body(),
        make_profile(model="full_managed", market="UK", opened_on="2026-08-03"),
    )
    assert not [task for task in plan.tasks if task.key.startswith("sop.")]


@pytest.mark.parametrize(
    ("change", "entry", "problem"),
    [
        ({"anchor": "peak:no_such_day"}, "brief", "unknown peak 'no_such_day'"),
        ({"anchor": "tomorrow"}, "brief", "unknown anchor 'tomorrow'"),
        ({"depends_on": ["shoot"]}, "brief", "dependency cycle"),
        ({"depends_on": ["nothing"]}, "brief", "'nothing' names no entry of this checklist"),
        ({"depends_on": ["accounts.nope"]}, "brief", "'accounts.nope' names no playbook entry"),
        ({"phase": "someday"}, "brief", "unknown phase 'someday'"),
        ({"key": "shoot"}, "shoot", "the key is used twice"),
    ],
)
def test_a_bad_entry_is_refused_with_its_key_and_problem(catalog, change, entry, problem):
    body = _body()
    _entry(body, "brief").update(change)
    with pytest.raises(SeedError) as refused:
        checklist_entries(checklist_from_json(body), catalog)
    assert refused.value.entry == entry
    assert problem in refused.value.message


def test_a_step_before_opening_must_be_pre_launch(catalog):
    body = _body()
    _entry(body, "lights").update(offset_days=-3, recurrence=None)
    with pytest.raises(SeedError) as refused:
        checklist_entries(checklist_from_json(body), catalog)
    assert refused.value.entry == "lights"
    assert "only a 'pre_launch' task may fall due before its anchor date" in str(refused.value)
    _entry(body, "lights")["phase"] = "pre_launch"
    assert checklist_entries(checklist_from_json(body), catalog)


def test_an_unknown_market_in_applies_to_is_refused(catalog):
    with pytest.raises(SeedError, match=r"applies_to\.market': unknown value 'XX'"):
        checklist_entries(checklist_from_json(_body(applies_to={"market": ["XX"]})), catalog)


def test_toml_round_trip_gives_the_same_checklist(catalog, tmp_path):
    checklist = checklist_from_json(_body())
    path = tmp_path / "bf.toml"
    path.write_text(checklist_to_toml(checklist), encoding="utf-8")
    again = checklist_from_json(read_checklist_toml(path))
    assert again == checklist
    assert again.to_json() == checklist.to_json()


def test_a_bad_toml_file_is_refused_with_file_entry_and_problem(catalog, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        '[checklist]\nkey = "x"\nname = "X"\n\n[[task]]\nkey = "a"\ntitle = "A"\n'
        'phase = "growth"\ndue = { from = "sometime", days = 1 }\n',
        encoding="utf-8",
    )
    with pytest.raises(SeedError) as refused:
        read_checklist_toml(path)
    text = str(refused.value)
    assert str(path) in text and "entry 'a'" in text and "field 'due.from'" in text


def test_the_seed_playbooks_shape_reads_back(catalog, tmp_path):
    # A file copied from a checklist export reads through the same playbook checks.
    path = Path(tmp_path / "ok.toml")
    path.write_text(checklist_to_toml(checklist_from_json(_body())), encoding="utf-8")
    body = read_checklist_toml(path)
    assert checklist_entries(checklist_from_json(body), catalog, where=path)

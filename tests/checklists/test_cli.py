"""``tracker checklist import|export``: TOML in the playbooks' shape, a round trip."""

from __future__ import annotations

import json

import pytest

from tests.checklists.test_api import live_prep
from tests.web.test_api import days
from tracker.catalog import get_catalog
from tracker.extensions import db
from tracker.plans.checklists import save_checklist


@pytest.fixture(autouse=True)
def schema_made_by_the_tests(monkeypatch):
    """The test database is made with create_all; the commands need not upgrade it."""
    monkeypatch.setattr("tracker.cli.checklists.ensure_schema", lambda: None)


def test_export_then_import_gives_the_same_checklist(runner, make_store, tmp_path):
    store = make_store(opened_on=days(-10))
    save_checklist(live_prep(), get_catalog(), actor=None)
    db.session.commit()
    path = tmp_path / "live_prep.toml"
    exported = runner.invoke(args=["checklist", "export", "live_prep", "--output", str(path)])
    assert exported.exit_code == 0, exported.output
    text = path.read_text(encoding="utf-8")
    assert "[[task]]" in text and 'due = { from = "after", days = 2 }' in text

    imported = runner.invoke(args=["checklist", "import", str(path)])
    assert imported.exit_code == 0, imported.output
    summary = json.loads(imported.output)
    assert summary["version"] == 2
    assert summary["preview"]["added"] == 0 and summary["preview"]["retired"] == 0
    again = runner.invoke(args=["checklist", "export", "live_prep"])
    assert again.output == text
    db.session.rollback()
    assert store.name  # the store saw no change: same entries, same dates


def test_importing_a_new_file_applies_it_to_matching_stores(runner, make_store, tmp_path):
    make_store(opened_on=days(-10))
    path = tmp_path / "new.toml"
    path.write_text(
        '[checklist]\nkey = "closing"\nname = "Closing a campaign"\nmodels = ["pop"]\n\n'
        '[[task]]\nkey = "report"\ntitle = "Write the campaign report"\nphase = "growth"\n'
        'due = { from = "opened_on", days = 30 }\ncritical = true\n',
        encoding="utf-8",
    )
    dry = runner.invoke(args=["checklist", "import", "--dry-run", str(path)])
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.output)["preview"]["added"] == 1
    assert runner.invoke(args=["checklist", "list"]).output == ""
    done = runner.invoke(args=["checklist", "import", str(path)])
    assert json.loads(done.output)["applied"] is True
    assert "closing\tv1\tClosing a campaign" in runner.invoke(args=["checklist", "list"]).output


def test_a_bad_file_prints_file_entry_and_problem_and_exits_2(runner, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        '[checklist]\nkey = "x"\nname = "X"\n\n[[task]]\nkey = "a"\ntitle = "A"\n'
        'phase = "growth"\ndue = { from = "peak", days = -3 }\npeaks = ["st_nowhere"]\n',
        encoding="utf-8",
    )
    result = runner.invoke(args=["checklist", "import", str(path)])
    assert result.exit_code == 2
    assert str(path) in result.output and "entry 'a'" in result.output
    assert "unknown peak 'st_nowhere'" in result.output
    assert "Traceback" not in result.output

    path.write_text("[checklist\n", encoding="utf-8")
    result = runner.invoke(args=["checklist", "import", str(path)])
    assert result.exit_code == 2 and "does not parse as TOML" in result.output

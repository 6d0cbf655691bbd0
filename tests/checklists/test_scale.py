"""Saving a checklist sends as many SQL statements for 30 entries as for 8, and for many stores
as for a few (the speed itself is measured by benchmarks/checklist_bench.py, not here)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.web.test_api import days
from tracker.checklists.models import Checklist
from tracker.extensions import db
from tracker.plans.checklists import save_checklist


def _body(key: str, entries: int, shift: int = 0) -> dict[str, Any]:
    anchors = ("opened_on", "inspection_ends_on", "warmup:black_friday", "peak:christmas")
    steps = []
    for index in range(entries):
        anchor = anchors[index % len(anchors)]
        steps.append(
            {
                "key": f"step_{index}",
                "title": f"Step {index}",
                "phase": "peak" if ":" in anchor else "growth",
                "anchor": anchor,
                "offset_days": (-5 if ":" in anchor else 5 + index) + shift,
                "depends_on": [f"step_{index - 1}"] if index % 3 else [],
            }
        )
    steps[1] |= {"anchor": "after:step_0", "offset_days": 2, "depends_on": []}
    return {"key": key, "name": key, "entries": steps}


def test_statements_do_not_grow_with_entries_or_stores(
    make_user, make_store, catalog, count_queries
):
    manager = make_user()
    for number in range(3):
        make_store(actor=manager, name=f"Store {number}", opened_on=days(-10 - number))
    db.session.commit()

    def statements(key: str, entries: int, *, dry_run: bool, shift: int = 0) -> int:
        saved = db.session.scalar(select(Checklist).where(Checklist.key == key))
        body = _body(key, entries, shift)
        with count_queries() as counter:
            save_checklist(body, catalog, actor=manager, checklist=saved, dry_run=dry_run)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        return counter.count

    few = statements("few", 8, dry_run=True)
    assert statements("many", 30, dry_run=True) == few
    saved_few = statements("few", 8, dry_run=False)
    assert statements("many", 30, dry_run=False) == saved_few
    # An edit that moves every open task (one log entry each) is as many statements too.
    moved_few = statements("few", 8, dry_run=False, shift=1)
    assert statements("many", 30, dry_run=False, shift=1) == moved_few
    for number in range(3, 9):
        make_store(actor=manager, name=f"Store {number}", opened_on=days(-10 - number))
    db.session.commit()
    assert statements("more_stores", 30, dry_run=True) == few
    assert statements("more_stores", 30, dry_run=False) == saved_few

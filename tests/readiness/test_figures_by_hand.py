"""The portfolio's figures for a few small scripted stores, worked out by hand.

Each store's plan is replaced by a handful of tasks written here, so every figure below
can be counted on paper. The moment is noon in California on 1 October 2026 (19:00 UTC):
US stores keep Pacific dates (today 1 October), Thailand is already on 2 October.
Readiness counts the pre_launch and onboarding phases for onboarding, a critical task
weighs 2 and any other 1 (seeds/readiness.toml).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import delete

from tests.readiness.conftest import NOW
from tracker.extensions import db
from tracker.playbook.readiness import Tally
from tracker.readiness.queries import StoreReadiness, portfolio
from tracker.stores.models import Store
from tracker.tasks.models import Task

BLACK_FRIDAY = date(2026, 11, 27)  # the day after US Thanksgiving (26 November 2026)
NINE_NINE = date(2026, 9, 9)  # a peak already past on the fixed day


def _task(store: Store, number: int, due_on: date, **values) -> Task:
    values.setdefault("phase", "onboarding")
    task = Task(
        store_id=store.id,
        key=values.pop("key", f"hand_{number}"),
        title=f"Task {number}",
        due_on=due_on,
        **values,
    )
    db.session.add(task)
    return task


def _replace_plan(store: Store) -> None:
    db.session.execute(delete(Task).where(Task.store_id == store.id))


@pytest.fixture
def scripted(shop, catalog) -> dict[str, Store]:
    stock_up_key = sorted(catalog.stock_up_keys)[0]
    mixed = shop("Mixed US")
    late_th = shop("Late TH", market="TH", categories=["home"])
    all_done = shop("Done US")
    empty = shop("Empty US")
    for store in (mixed, late_th, all_done, empty):
        _replace_plan(store)

    # --- Mixed US (today 1 October) -------------------------------------------------
    _task(mixed, 1, date(2026, 9, 20), critical=True, status="done")  # done, weight 2
    _task(mixed, 2, date(2026, 9, 25))  # overdue, not critical
    _task(mixed, 3, date(2026, 9, 28), phase="pre_launch", critical=True)  # critical overdue
    _task(mixed, 4, date(2026, 10, 1))  # due today: not overdue yet
    _task(mixed, 5, date(2026, 10, 15))  # upcoming; the last onboarding due date
    _task(mixed, 6, date(2026, 9, 10), critical=True, status="retired")  # does not count
    _task(mixed, 7, date(2026, 9, 30), phase="growth")  # overdue, but not onboarding
    # Overdue and still locked: it waits for a task the store does not have done.
    _task(
        mixed,
        8,
        date(2026, 9, 29),
        gate={"reason": "after the shop is approved", "tasks": ["hand_missing"]},
    )
    black_friday = {"phase": "campaign", "peak_key": "black_friday", "peak_date": BLACK_FRIDAY}
    # A passed stock-up deadline of Black Friday, and two more of its tasks.
    _task(mixed, 9, date(2026, 9, 30), key=stock_up_key, **black_friday)
    _task(mixed, 10, date(2026, 10, 20), critical=True, status="done", **black_friday)
    _task(mixed, 11, date(2026, 11, 20), **black_friday)
    # Not Black Friday's readiness: kept out by hand, and due after the peak.
    _task(mixed, 12, date(2026, 9, 2), counts_for_readiness=False, **black_friday)
    _task(mixed, 13, date(2026, 11, 30), **black_friday)
    # A peak already past: no scope of its own (its open task still counts as overdue).
    _task(mixed, 14, date(2026, 9, 5), phase="campaign", peak_key="nine_nine", peak_date=NINE_NINE)
    # --- Late TH (today 2 October in Bangkok) -------------------------------------------
    _task(late_th, 1, date(2026, 10, 1))  # overdue in Bangkok, not yet in California
    _task(late_th, 2, date(2026, 10, 1), critical=True, status="done")
    _task(late_th, 3, date(2026, 10, 2))  # due today there
    # --- Done US --------------------------------------------------------------------
    _task(all_done, 1, date(2026, 9, 20), status="done")
    _task(all_done, 2, date(2026, 10, 10), status="done")
    _task(all_done, 3, date(2026, 9, 21), status="missed")  # a missed occurrence: not work
    db.session.commit()
    return {"mixed": mixed, "late_th": late_th, "all_done": all_done, "empty": empty}


def _rows(manager, catalog, now) -> dict[str, StoreReadiness]:
    return {row.store.name: row for row in portfolio(manager, catalog, now=now)}


def test_the_figures_worked_out_by_hand(scripted, manager, catalog):
    rows = _rows(manager, catalog, NOW)

    mixed = rows["Mixed US"]
    assert mixed.today == date(2026, 10, 1)
    # Onboarding: tasks 1, 2, 3, 4, 5, 8 (6 is retired, 7 is growth) = 6, 1 done.
    # Weight: 2 (1, critical) + 1 + 2 (3, critical) + 1 + 1 + 1 = 8; done 2 → 25%.
    # Overdue (open, due before 1 Oct): 2, 3, 8 = 3; critical: 3 = 1.
    # Days left: to 15 October, the last onboarding due date = 14.
    assert mixed.onboarding.tally == Tally(
        total=6, done=1, weight_total=8, weight_done=2, overdue=3, critical_overdue=1,
        stock_up_overdue=0, days_left=14,
    )  # fmt: skip
    assert (mixed.onboarding.percent, mixed.onboarding.status) == (25, "not_ready")
    # Every open live task due before today: 2, 3, 8, 7 (growth), 9 (Black Friday),
    # 12 (kept out of Black Friday's readiness, still work), 14 (the past peak) = 7.
    assert mixed.overdue == 7
    # Black Friday (27 Nov): tasks 9, 10, 11 (12 kept out, 13 due after the peak) = 3.
    # Weight 1 + 2 (10, critical) + 1 = 4, done 2 → 50%. Overdue: 9 = 1, a stock-up
    # deadline (so not counted as critical). Days left: to the warm-up, 16 days before
    # the peak, 11 November: 30 days of October + 11 = 41.
    assert [peak.key for peak in mixed.peaks] == ["black_friday"]
    peak = mixed.peaks[0]
    assert (peak.falls_on, peak.warmup_starts_on) == (BLACK_FRIDAY, date(2026, 11, 11))
    assert peak.tally == Tally(
        total=3, done=1, weight_total=4, weight_done=2, overdue=1, critical_overdue=0,
        stock_up_overdue=1, days_left=41,
    )  # fmt: skip
    assert (peak.percent, peak.status) == (50, "not_ready")
    # Task 8 alone is open, past due and gated (by a task never done).
    assert [task.title for task in mixed.blocked] == ["Task 8"]
    assert mixed.status == "not_ready"

    late = rows["Late TH"]
    assert late.today == date(2026, 10, 2)
    # Onboarding: 3 tasks, 1 done; weight 1 + 2 + 1 = 4, done 2 → 50%.
    # Overdue in Bangkok: task 1 (due 1 Oct) = 1, not critical. Days left: 2 Oct - 2 Oct = 0.
    assert late.onboarding.tally == Tally(
        total=3, done=1, weight_total=4, weight_done=2, overdue=1, critical_overdue=0,
        stock_up_overdue=0, days_left=0,
    )  # fmt: skip
    assert late.overdue == 1
    assert (late.onboarding.percent, late.peaks, late.blocked) == (50, [], [])

    done = rows["Done US"]
    # 2 live tasks, both done (the missed one is not work); last due 10 Oct → 9 days left.
    assert done.onboarding.tally == Tally(
        total=2, done=2, weight_total=2, weight_done=2, overdue=0, critical_overdue=0,
        stock_up_overdue=0, days_left=9,
    )  # fmt: skip
    assert (done.onboarding.percent, done.overdue, done.status) == (100, 0, "ready")

    empty = rows["Empty US"]
    # No work at all: nothing to count, 100% by definition, no days left to count.
    assert empty.onboarding.tally == Tally()
    assert (empty.onboarding.percent, empty.status, empty.peaks) == (100, "ready", [])


def test_a_new_day_without_writes_moves_the_overdue_figures(scripted, manager, catalog):
    before = _rows(manager, catalog, NOW)  # scores stored for 1 October (2 in Bangkok)
    rows = _rows(manager, catalog, NOW + timedelta(days=1))

    mixed = rows["Mixed US"]
    assert (before["Mixed US"].overdue, mixed.today) == (7, date(2026, 10, 2))
    # Task 4 (due 1 Oct) is now overdue too: onboarding 3 + 1 = 4, everything 7 + 1 = 8;
    # 13 days to 15 October; Black Friday's warm-up is a day nearer (40).
    assert (mixed.onboarding.tally.overdue, mixed.overdue) == (4, 8)
    assert mixed.onboarding.tally.days_left == 13
    assert mixed.peaks[0].tally.days_left == 40
    late = rows["Late TH"]
    # Bangkok's 3 October: task 3 (due 2 Oct) is overdue as well → 2; days left -1.
    assert (late.onboarding.tally.overdue, late.overdue) == (2, 2)
    assert late.onboarding.tally.days_left == -1
    # A week on, past the warm-up start: Black Friday counts down to its own date.
    week_on = _rows(manager, catalog, NOW + timedelta(days=45))["Mixed US"]
    assert week_on.today == date(2026, 11, 15)
    # 15 Nov → 27 Nov = 12 days; overdue now also task 5 (15 Oct) and 10 is done:
    # Black Friday's overdue is still task 9 alone (11 is due 20 Nov).
    assert week_on.peaks[0].tally.days_left == 12
    assert week_on.peaks[0].tally.overdue == 1
    assert week_on.onboarding.tally.overdue == 5

"""SIGTERM: a tick under way stops between stores and stages, and starts nothing new.

Before, a tick checked for a stop only when it began: a scheduler stopped during the daily
roll-forward (13 s at 1,000 stores) went on rolling every store, queueing and sending, and the
example unit (TimeoutStopSec=40) killed it mid-send.
"""

from __future__ import annotations

import threading
from pathlib import Path

from tracker.plans.forward import RolledStores
from tracker.reminders.dispatch import MAX_SEND_SECONDS, DispatchReport
from tracker.scheduler import tick

UNIT = Path(__file__).resolve().parents[2] / "deploy" / "systemd" / "tracker-scheduler@.service"


def test_a_tick_told_to_stop_during_the_roll_forward_starts_nothing_more(app, monkeypatch):
    stop = threading.Event()
    rolled: list[int] = []
    later: list[str] = []

    def roll(store_ids, _catalog, *, now=None, plans=None):
        rolled.extend(store_ids)
        stop.set()  # SIGTERM arrives while the first chunk of stores is rolled forward
        return RolledStores()

    monkeypatch.setattr(tick, "stores_behind", lambda now=None: [1, 2, 3])
    monkeypatch.setattr(tick, "ROLL_CHUNK", 1)
    monkeypatch.setattr(tick, "roll_stores_forward", roll)
    monkeypatch.setattr(tick, "check_every_gate", lambda **_: later.append("gates"))
    monkeypatch.setattr(
        tick, "queue_reminders_in_shares", lambda *_, **__: later.append("queue") or iter([0])
    )
    monkeypatch.setattr(tick, "dispatch_due", lambda *_, **__: later.append("send"))

    report = tick.run_tick(app, name="stopping", stop=stop)

    assert rolled == [1]  # the chunk under way finishes; the others wait for the next tick
    assert later == []
    assert report.claimed == 0


def test_the_example_unit_waits_longer_than_a_send_can_take():
    """What is in flight when the stop comes ends within one send's deadline; the unit must
    give it that long (and the outcome's commit) before it kills the process."""
    settings = dict(line.split("=", 1) for line in UNIT.read_text().splitlines() if "=" in line)
    assert settings["KillSignal"] == "SIGTERM"
    assert float(settings["TimeoutStopSec"]) >= 2 * MAX_SEND_SECONDS


def test_a_tick_whose_budget_is_spent_leaves_the_rest_of_the_roll_forward_to_the_next(
    app, monkeypatch
):
    """The daily roll forward (13 s at 1,000 stores) is spread over ticks: a tick rolls one
    chunk at least, then only within its budget; the other stages still run."""
    rolled: list[int] = []
    later: list[str] = []

    def roll(store_ids, _catalog, *, now=None, plans=None):
        rolled.extend(store_ids)
        return RolledStores()

    monkeypatch.setattr(tick, "TICK_BUDGET_SHARE", 0.0)
    monkeypatch.setattr(tick, "stores_behind", lambda now=None: [1, 2, 3])
    monkeypatch.setattr(tick, "ROLL_CHUNK", 1)
    monkeypatch.setattr(tick, "roll_stores_forward", roll)
    monkeypatch.setattr(tick, "check_every_gate", lambda **_: later.append("gates"))
    monkeypatch.setattr(
        tick, "queue_reminders_in_shares", lambda *_, **__: later.append("queue") or iter([0])
    )
    monkeypatch.setattr(
        tick, "dispatch_due", lambda *_, **__: later.append("send") or DispatchReport()
    )
    monkeypatch.setattr(tick, "sync_due_stores", lambda *_: None)

    tick.run_tick(app, name="budget")

    assert rolled == [1]  # the first chunk; the others are still behind for the next tick
    assert later == ["gates", "queue", "send"]

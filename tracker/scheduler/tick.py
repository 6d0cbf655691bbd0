"""APScheduler only ticks: every tick rolls plans forward, queues what is due and delivers it.

The jobs live in memory; our own tables are the record. Fixed job ids with
``replace_existing``, ``coalesce`` and a long ``misfire_grace_time`` mean a
restart catches up instead of dropping work, and any number of scheduler
processes can tick side by side (the outbox sends each reminder once).
"""

from __future__ import annotations

import gc
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tracker.auth.repeats import prune_repeats
from tracker.catalog import get_catalog
from tracker.clock import utcnow
from tracker.extensions import db
from tracker.faults import FaultLog
from tracker.imports.services import data_freshness
from tracker.imports.settings import load_import_settings
from tracker.partner.sync import sync_due_stores
from tracker.plans.forward import roll_store_forward, roll_stores_forward
from tracker.plans.sync import PlanChanges, stores_behind
from tracker.playbook.catalog import Catalog
from tracker.readiness.report import queue_weekly_reports
from tracker.readiness.scores import fold_work_changes
from tracker.reminders.dispatch import DispatchReport, dispatch_due
from tracker.reminders.services import dispatch_settings, prune_outbox
from tracker.scheduler.faults import record_faults
from tracker.scheduler.models import SchedulerTick
from tracker.stores.models import Store
from tracker.tasks.gates import check_gates
from tracker.tasks.models import Task
from tracker.tasks.reminders import COMMIT_LAG, prune_marks, queue_reminders_in_shares

log = logging.getLogger(__name__)
TICK_JOB_ID = "tracker.tick"
# A tick missed by up to a day (the machine slept, the process was down) still runs.
MISFIRE_GRACE_SECONDS = 24 * 3600
# Stores rolled forward (and committed) together; 0: one by one, as a page does one store.
ROLL_CHUNK = 200
# Stores whose gates are checked (and committed) together.
GATE_CHUNK = 200
# The share of its interval a tick may spend on work that can wait for the next tick (rolling
# plans forward, queueing reminders): each stage does one chunk at least, then goes on only
# within the budget. A catch-up (a new agency, a day's roll forward) is spread over ticks.
TICK_BUDGET_SHARE = 0.5


def run_tick(
    app: Flask, *, name: str, now: datetime | None = None, stop: threading.Event | None = None
) -> DispatchReport:
    """One tick: note it, roll plans forward, open gates, queue and deliver reminders, sync shops.

    Each store's and person's share of the work is kept apart: a fault in one is recorded
    against it (``scheduler_faults``, shown in the outbox and ``/healthz``) and everyone
    else's work goes on; even a stage that fails as a whole does not stop delivery.
    """
    with app.app_context():
        started = time.perf_counter()
        since = utcnow()
        moment = now or since
        previous = db.session.get(SchedulerTick, name)
        last_tick = previous.ticked_at if previous is not None else None
        db.session.merge(SchedulerTick(name=name, ticked_at=moment))
        db.session.commit()
        faults = FaultLog()
        catalog = get_catalog()
        report = DispatchReport()
        budget = TICK_BUDGET_SHARE * app.config["TRACKER_TICK_SECONDS"]

        def stopping() -> bool:
            return stop is not None and stop.is_set()

        def spent() -> bool:
            """Stopping, or the tick's budget spent: what is left waits for the next tick."""
            return stopping() or time.perf_counter() - started >= budget

        def gates() -> None:
            # Within a day, only the stores something changed in since this scheduler's
            # last tick (a store's new day was checked as it rolled forward); every store
            # on the first tick of a day, as a net for whatever else changed.
            changed_since = None
            if last_tick is not None and last_tick.date() == moment.date() and last_tick <= since:
                # A change flushed just before that tick may have committed just after it.
                changed_since = last_tick - COMMIT_LAG
            check_every_gate(now=moment, faults=faults, changed_since=changed_since)

        def weekly_report() -> None:
            freshness = data_freshness(load_import_settings(app.config["TRACKER_SEEDS_DIR"]))
            queue_weekly_reports(catalog, now=moment, faults=faults, freshness=freshness)
            db.session.commit()

        # Each stage commits its own work: on SIGTERM the tick ends between two stages (or
        # between two stores), so it never starts what it cannot finish within the unit's
        # stop timeout; the next scheduler's tick picks up where this one stopped.
        stages: tuple[tuple[str, Callable[[], object]], ...] = (
            (
                "roll_forward",
                lambda: roll_plans_forward(catalog, now=moment, faults=faults, enough=spent),
            ),
            ("gates", gates),
            (
                "reminders",
                lambda: _queue_in_shares(catalog, moment, faults, name, spent),
            ),
            ("weekly_report", weekly_report),
            ("prune", lambda: _prune(app, moment)),
        )
        for stage, work in stages:
            if stopping():
                break
            with _stage(stage, faults):
                work()
        if not stopping():
            with _stage("delivery", faults):
                report = dispatch_due(dispatch_settings(app), stop=stop)
        if not stopping():
            with _stage("partner_sync", faults):  # last: it may wait out the platform's limits
                sync_due_stores(faults)
            # Only a tick that went through every stage knows which faults are gone.
            record_faults(faults.faults, since=since, now=utcnow())
        report.errors = [f"{fault.stage}: {fault.error}" for fault in faults.faults]
        db.session.remove()
        seconds = time.perf_counter() - started
        _log_tick(name, report, seconds)
        interval = app.config["TRACKER_TICK_SECONDS"]
        if seconds > interval:  # the next tick is late: time for `tracker scheduler` processes?
            log.warning(
                "tick %s overran its %g s interval: %.1f s",
                name,
                interval,
                seconds,
                extra={"scheduler": name, "duration_ms": round(seconds * 1000, 1)},
            )
        return report


def _queue_in_shares(
    catalog: Catalog, moment: datetime, faults: FaultLog, mark: str, spent: Callable[[], bool]
) -> None:
    """Queue reminders a share at a time, each committed with the mark saying how far it got;
    once the tick's budget is spent the next tick carries on from that mark."""
    # A share's readers are read once for the whole tick: committing must not expire them.
    session = db.session()
    expiring = session.expire_on_commit
    session.expire_on_commit = False
    try:
        shares = queue_reminders_in_shares(catalog, now=moment, faults=faults, mark=mark)
        for _ in shares:
            db.session.commit()
            if spent():
                shares.close()
                log.info(
                    "tick %s: its budget spent, the reminders still to queue wait for the next",
                    mark,
                    extra={"scheduler": mark},
                )
                break
    finally:
        session.expire_on_commit = expiring
        session.expire_all()  # the stages after it read rows afresh, as after any commit


def _prune(app: Flask, moment: datetime) -> None:
    prune_marks(moment)  # those of schedulers long gone (each restart leaves one)
    prune_outbox(retention_days=app.config["TRACKER_REMINDER_RETENTION_DAYS"])
    prune_repeats(retention_hours=app.config["TRACKER_IDEMPOTENCY_HOURS"])
    fold_work_changes()  # the readiness change rows of stores no page counted again
    db.session.commit()


@contextmanager
def _stage(stage: str, faults: FaultLog) -> Iterator[None]:
    """Run one stage of the tick; a failure of the whole stage is noted, and the tick goes on."""
    try:
        yield
    except Exception as error:  # the next stages (delivery above all) still run
        db.session.rollback()
        faults.note(stage, error)


def check_every_gate(
    *, now: datetime, faults: FaultLog, changed_since: datetime | None = None
) -> None:
    """Check every store's gates, GATE_CHUNK stores at a time, each chunk committed; a chunk
    that fails is checked store by store.

    With ``changed_since``, only the stores whose row or tasks changed since then: a gate
    opens on a date (checked as the store rolls forward to its new day), on followers or
    orders (a store change) or on work done (a task change).
    """
    if changed_since is None:  # a gate that opens on a date opens on every store's day
        store_ids = list(db.session.scalars(select(Store.id).order_by(Store.id)))
    else:
        store_ids = stores_changed_since(changed_since)
    # A chunk at a time, each committed: a page's write waits for one chunk, not every store.
    for start in range(0, len(store_ids), GATE_CHUNK):
        _check_gates_of(store_ids[start : start + GATE_CHUNK], now, faults)


def _check_gates_of(store_ids: list[int], now: datetime, faults: FaultLog) -> None:
    """Check these stores' gates at once and commit; if that fails, store by store."""
    try:
        check_gates(store_ids, now=now)
        db.session.commit()
        return
    except Exception:
        db.session.rollback()
    for store_id in store_ids:
        try:
            check_gates([store_id], now=now)
            db.session.commit()
        except Exception as error:  # this store's fault is noted; the others' gates open
            db.session.rollback()
            faults.note("gates", error, store_id=store_id)


def stores_changed_since(moment: datetime) -> list[int]:
    """The stores whose row or any of whose tasks changed at or after ``moment``."""
    # No DISTINCT: with it SQLite walks a store index through every task row rather than
    # the few rows changed since ``moment`` (ix_tasks_updated_at).
    return sorted(
        set(db.session.scalars(select(Store.id).where(Store.updated_at >= moment)))
        | set(db.session.scalars(select(Task.store_id).where(Task.updated_at >= moment)))
    )


def _log_tick(name: str, report: DispatchReport, seconds: float) -> None:
    """One line per tick that delivered something (every tick at debug level)."""
    level = logging.INFO if report.claimed or report.errors else logging.DEBUG
    if not log.isEnabledFor(level):
        return
    milliseconds = round(seconds * 1000, 1)
    log.log(
        level,
        "tick %s: %s claimed, %s sent, %s failed, %s dead, %s deferred in %s ms",
        name,
        report.claimed,
        report.sent,
        report.failed,
        report.dead,
        report.deferred,
        milliseconds,
        extra={
            "scheduler": name,
            "claimed": report.claimed,
            "sent": report.sent,
            "failed": report.failed,
            "dead": report.dead,
            "deferred": report.deferred,
            "lost_leases": report.lost_leases,
            "duration_ms": milliseconds,
        },
    )


def process_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def build_scheduler(
    app: Flask, *, blocking: bool, stop: threading.Event | None = None
) -> BaseScheduler:
    """A scheduler with the tick job; blocking for `tracker scheduler`, background in-process.

    Setting ``stop`` makes a tick under way stop claiming at once and hand back what it has
    not tried yet; the send in flight ends within its deadline.
    """
    scheduler: BaseScheduler = BlockingScheduler() if blocking else BackgroundScheduler()
    name = process_name()
    with app.app_context():
        get_catalog()  # parsed once, before the heap is settled
    settle_heap()

    def tick() -> None:
        try:
            run_tick(app, name=name, stop=stop)
        except Exception:  # one bad tick must not stop the scheduler; the next one retries
            log.exception("scheduler tick failed", extra={"scheduler": name})
            with app.app_context():
                db.session.remove()

    scheduler.add_job(
        tick,
        "interval",
        seconds=app.config["TRACKER_TICK_SECONDS"],
        id=TICK_JOB_ID,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=MISFIRE_GRACE_SECONDS,
        next_run_time=utcnow(),
    )
    return scheduler


@dataclass
class RollReport:
    """What rolling every store's plan forward did, store by store summed."""

    stores: int = 0
    totals: dict[str, int] = field(default_factory=dict)
    failed: list[int] = field(default_factory=list)  # stores that could not be rolled forward


def roll_plans_forward(
    catalog: Catalog,
    *,
    now: datetime | None = None,
    faults: FaultLog | None = None,
    stop: threading.Event | None = None,
    enough: Callable[[], bool] | None = None,
) -> RollReport:
    """Roll every store that is behind its own today forward, ``ROLL_CHUNK`` stores at a time.

    Each chunk is rolled forward in a few statements and committed. A chunk that fails is
    rolled back and its stores are rolled forward one by one: a store that cannot be is
    noted in ``faults`` (and in the report) and tried again at the next tick; the other
    stores are rolled forward. Stopping ends the roll between two chunks, and so does
    ``enough()`` (the tick's budget spent) after the first: the next tick rolls on.
    """
    report = RollReport()
    faults = faults if faults is not None else FaultLog()
    behind = stores_behind(now=now)
    chunk = ROLL_CHUNK
    plans: dict[Any, Any] = {}  # plans worked out, shared by stores alike across chunks
    for start in range(0, len(behind), chunk or 1):
        if stop is not None and stop.is_set():
            break  # stopping: the stores left are rolled forward by the next tick
        if start and enough is not None and enough():
            break  # the tick's budget is spent: the next tick rolls the rest forward
        store_ids = behind[start : start + chunk] if chunk else []
        one_by_one = behind[start : start + 1] if not chunk else []
        if store_ids:
            try:
                with _collecting_later():
                    rolled = roll_stores_forward(store_ids, catalog, now=now, plans=plans)
                    db.session.commit()
            except Exception:  # e.g. another process at the same moment: store by store
                db.session.rollback()
                one_by_one = store_ids
            else:
                for changes in rolled.changes.values():
                    _count(report, changes)
                one_by_one = rolled.left
        for store_id in one_by_one:
            _roll_one(store_id, catalog, now, faults, report)
    return report


def settle_heap() -> None:
    """Leave what a scheduler process has built at start (the app, its modules, the parsed
    seeds) out of the cycle collector's later passes (``gc.freeze``).

    Each chunk of the roll forward ends with a full pass (see ``_collecting_later``), and
    that pass walked this whole heap again every time: about a tenth of the roll forward's
    CPU at 1,000 stores (benchmarks/roll_bench.py, which settles its heap the same way).
    What is built at start lives as long as the process, so nothing is kept that would
    have been freed.
    """
    gc.collect()
    gc.freeze()


@contextmanager
def _collecting_later() -> Iterator[None]:
    """Hold the cycle collector off for one chunk (about a second's work).

    A chunk makes a few hundred thousand short-lived objects (rows, plans, task values) while
    the process holds a large heap (catalog, ORM); the collector's passes over that heap
    took a third of the roll forward's CPU (benchmarks/roll_bench.py). Nothing is lost: the
    chunk's garbage is freed by reference counting, and cycles on the next pass after it.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _roll_one(
    store_id: int, catalog: Catalog, now: datetime | None, faults: FaultLog, report: RollReport
) -> None:
    """Roll one store forward and commit; its fault is noted and the others go on."""
    try:
        changes = roll_store_forward(store_id, catalog, now=now)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # another process rolled it forward at the same moment
        return
    except Exception as error:  # one store's fault must not hold the others back
        db.session.rollback()
        faults.note("roll_forward", error, store_id=store_id)
        report.failed.append(store_id)
        return
    if changes is not None:
        _count(report, changes)


def _count(report: RollReport, changes: PlanChanges) -> None:
    report.stores += 1
    for name, count in changes.summary().items():
        report.totals[name] = report.totals.get(name, 0) + count

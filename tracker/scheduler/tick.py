"""APScheduler only ticks: every tick rolls plans forward, queues what is due and delivers it.

The jobs live in memory; our own tables are the record. Fixed job ids with
``replace_existing``, ``coalesce`` and a long ``misfire_grace_time`` mean a
restart catches up instead of dropping work, and any number of scheduler
processes can tick side by side (the outbox sends each reminder once).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy.exc import IntegrityError

from tracker.catalog import get_catalog
from tracker.clock import utcnow
from tracker.extensions import db
from tracker.plans.forward import roll_store_forward
from tracker.plans.sync import stores_behind
from tracker.playbook.catalog import Catalog
from tracker.readiness.report import queue_weekly_reports
from tracker.reminders.dispatch import DispatchReport, dispatch_due
from tracker.reminders.services import dispatch_settings
from tracker.scheduler.models import SchedulerTick
from tracker.tasks.gates import check_gates
from tracker.tasks.reminders import queue_reminders

log = logging.getLogger(__name__)
TICK_JOB_ID = "tracker.tick"
# A tick missed by up to a day (the machine slept, the process was down) still runs.
MISFIRE_GRACE_SECONDS = 24 * 3600


def run_tick(app: Flask, *, name: str, now: datetime | None = None) -> DispatchReport:
    """One tick: note it, roll plans forward, open gates, queue and deliver reminders."""
    with app.app_context():
        started = time.perf_counter()
        moment = now or utcnow()
        db.session.merge(SchedulerTick(name=name, ticked_at=moment))
        db.session.commit()
        catalog = get_catalog()
        roll_plans_forward(catalog, now=moment)
        check_gates(now=moment)  # a gate that opens on a date opens on every store's day
        queue_reminders(catalog, now=moment)
        queue_weekly_reports(catalog, now=moment)
        db.session.commit()
        report = dispatch_due(dispatch_settings(app))
        db.session.remove()
        _log_tick(name, report, time.perf_counter() - started)
        return report


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


def build_scheduler(app: Flask, *, blocking: bool) -> BaseScheduler:
    """A scheduler with the tick job; blocking for `tracker scheduler`, background in-process."""
    scheduler: BaseScheduler = BlockingScheduler() if blocking else BackgroundScheduler()
    name = process_name()

    def tick() -> None:
        try:
            run_tick(app, name=name)
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


def roll_plans_forward(catalog: Catalog, *, now: datetime | None = None) -> RollReport:
    """Roll every store that is behind its own today forward, committing store by store."""
    report = RollReport()
    for store_id in stores_behind(now=now):
        try:
            changes = roll_store_forward(store_id, catalog, now=now)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # another process rolled it forward at the same moment
            continue
        if changes is None:
            continue
        report.stores += 1
        for name, count in changes.summary().items():
            report.totals[name] = report.totals.get(name, 0) + count
    return report

"""``GET /healthz``: does the database answer, and when did each scheduler last tick?

No login, a few small indexed queries; the outbox's dead and stuck reminders and the age of
the oldest due one, and what the scheduler's work keeps failing on, are reported too.
200 while the database answers, whatever the schedulers do: the web workers still serve,
so a load balancer must keep them. ``status`` says
``degraded`` when no scheduler has ticked within TRACKER_SCHEDULER_STALE_SECONDS (reminders
are not going out) — that is for monitoring to alert on. 503 when the database does not
answer, with the reason.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from tracker.clock import utcnow
from tracker.extensions import db
from tracker.reminders.models import Reminder
from tracker.scheduler.faults import current_faults
from tracker.scheduler.models import SchedulerTick

bp = Blueprint("ops", __name__)
log = logging.getLogger(__name__)
# Processes are named host:pid, so every restart adds a row; list the recent ones only.
MAX_PROCESSES = 20
LISTED_FOR = timedelta(days=1)


@bp.get("/healthz")
def healthz() -> Response:
    """Report the database and the schedulers' last ticks; 503 when the database is down."""
    report, status = health_report(
        stale_after=current_app.config["TRACKER_SCHEDULER_STALE_SECONDS"],
        in_process=current_app.config["TRACKER_SCHEDULER"] == "on",
    )
    response = jsonify(report)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def health_report(
    *, stale_after: float, in_process: bool, now: datetime | None = None
) -> tuple[dict[str, Any], int]:
    """Check the database with a trivial query and read the newest scheduler ticks."""
    started = time.perf_counter()
    try:
        db.session.execute(text("select 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        cause = type(getattr(error, "orig", None) or error).__name__
        # The details (host, port, driver message) are for the operator's log, not the caller.
        log.error("health check: the database does not answer: %s", " ".join(str(error).split()))
        return {
            "status": "unavailable",
            "reasons": [f"the database does not answer ({cause})"],
            "database": {"ok": False},
        }, 503
    database = {
        "ok": True,
        "backend": db.engine.dialect.name,
        "ms": round((time.perf_counter() - started) * 1000, 1),
    }
    now = now or utcnow()
    reasons: list[str] = []
    scheduler: dict[str, Any] = {
        "in_process": in_process,
        "stale_after_seconds": stale_after,
        "last_tick_at": None,
        "seconds_since_last_tick": None,
        "processes": [],
    }
    try:
        ticks = db.session.execute(
            select(SchedulerTick.name, SchedulerTick.ticked_at)
            .order_by(SchedulerTick.ticked_at.desc())
            .limit(MAX_PROCESSES)
        ).all()
    except SQLAlchemyError as error:
        db.session.rollback()
        log.error("health check: cannot read scheduler_ticks: %s", " ".join(str(error).split()))
        ticks = None
        reasons.append("cannot read the scheduler's ticks: is the schema current?")
    db.session.rollback()  # end the read transaction now, not at teardown
    if ticks:
        newest = ticks[0].ticked_at
        scheduler["last_tick_at"] = _instant(newest)
        scheduler["seconds_since_last_tick"] = _seconds(now - newest)
        scheduler["processes"] = [
            {
                "name": name,
                "ticked_at": _instant(ticked_at),
                "seconds_ago": _seconds(now - ticked_at),
                "stale": (now - ticked_at).total_seconds() > stale_after,
            }
            for name, ticked_at in ticks
            if now - ticked_at <= LISTED_FOR
        ]
        if (now - newest).total_seconds() > stale_after:
            reasons.append(
                f"no scheduler has ticked for {_seconds(now - newest):g} s "
                f"(stale after {stale_after:g} s): reminders are not going out"
            )
    elif ticks is not None:
        reasons.append("no scheduler has ever ticked: start `tracker scheduler`")
    faults = _faults(reasons) if ticks is not None else []  # no schema: said above
    outbox = _outbox(now, stale_after, reasons) if ticks is not None else {}
    report = {
        "status": "degraded" if reasons else "ok",
        "reasons": reasons,
        "database": database,
        "scheduler": scheduler,
        "outbox": outbox,
        "faults": faults,
    }
    return report, 200


def _outbox(now: datetime, stale_after: float, reasons: list[str]) -> dict[str, Any]:
    """Dead and stuck reminders, and how long the oldest due one has waited (indexed reads)."""
    try:
        dead = db.session.scalar(select(func.count()).where(Reminder.state == "dead"))
        stuck, stuck_since = db.session.execute(
            select(func.count(), func.min(Reminder.lease_until)).where(
                Reminder.state == "sending", Reminder.lease_until < now
            )
        ).one()
        oldest = db.session.scalar(
            select(func.min(Reminder.next_attempt_at)).where(
                Reminder.state.in_(("pending", "failed")), Reminder.next_attempt_at <= now
            )
        )
    except SQLAlchemyError as error:
        db.session.rollback()
        log.error("health check: cannot read the outbox: %s", " ".join(str(error).split()))
        reasons.append("cannot read the reminder outbox: is the schema current?")
        return {}
    db.session.rollback()
    waited = _seconds(now - _aware(oldest)) if oldest is not None else None
    if waited is not None and waited > stale_after:
        reasons.append(
            f"the oldest due reminder has waited {waited:g} s (stale after {stale_after:g} s): "
            "reminders are not going out"
        )
    if (
        stuck
        and stuck_since is not None
        and (now - _aware(stuck_since)).total_seconds() > stale_after
    ):
        reasons.append(
            f"{stuck} reminder(s) stuck in 'sending' after their lease ran out: "
            "no dispatcher has taken them over"
        )
    return {"dead": dead or 0, "stuck": stuck or 0, "oldest_due_seconds": waited}


def _aware(moment: datetime) -> datetime:
    # min() over a column comes back without the column's type on SQLite: a naive UTC value.
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _faults(reasons: list[str]) -> list[dict[str, Any]]:
    """What the scheduler's work keeps failing on, store by store and person by person."""
    try:
        found = [
            {
                "stage": fault.stage,
                "store": {"id": fault.store.id, "name": fault.store.name} if fault.store else None,
                "person": (
                    {"id": fault.person.id, "email": fault.person.email} if fault.person else None
                ),
                "error": fault.error,
                "first_seen_at": _instant(fault.first_seen_at),
                "last_seen_at": _instant(fault.last_seen_at),
                "occurrences": fault.occurrences,
                "who": fault.who,
            }
            for fault in current_faults()
        ]
    except SQLAlchemyError as error:
        log.error("health check: cannot read scheduler_faults: %s", " ".join(str(error).split()))
        reasons.append("cannot read the scheduler's faults: is the schema current?")
        found = []
    db.session.rollback()  # end the read transaction now, not at teardown
    for fault in found:
        reasons.append(f"{fault['stage']} fails for {fault.pop('who')}: {fault['error']}")
    return found


def _instant(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _seconds(delta: timedelta) -> float:
    # Clocks of different machines differ a little; a tick is never in the future.
    return max(0.0, round(delta.total_seconds(), 1))

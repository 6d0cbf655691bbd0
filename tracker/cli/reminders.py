"""Reminder commands: ``tracker channel add``, ``reminders dispatch``, ``scheduler``."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from tracker.auth.models import User
from tracker.catalog import get_catalog
from tracker.cli.playbook import BadArgument
from tracker.clock import utcnow
from tracker.errors import InputError
from tracker.extensions import db
from tracker.imports.services import data_freshness
from tracker.imports.settings import import_settings
from tracker.readiness.report import queue_weekly_reports
from tracker.reminders.channels import CHANNEL_KINDS, Target, describe_target
from tracker.reminders.dispatch import dispatch_due
from tracker.reminders.install import new_install_id
from tracker.reminders.services import add_channel, dispatch_settings
from tracker.scheduler.tick import build_scheduler, process_name
from tracker.schema import ensure_schema
from tracker.tasks.gates import check_gates
from tracker.tasks.reminders import prune_marks, queue_reminders

channel_group = AppGroup("channel", help="Where a person's reminders go.")
reminders_group = AppGroup("reminders", help="Queue and deliver reminders.")
log = logging.getLogger(__name__)


@channel_group.command("add")
@click.option("--email", required=True, help="Whose channel it is.")
@click.option("--kind", required=True, type=click.Choice(CHANNEL_KINDS), help="How to deliver.")
@click.option("--target", required=True, help="An e-mail address or the webhook URL.")
@click.option("--secret", default=None, help="Signing secret (Feishu, DingTalk).")
def add_channel_command(email: str, kind: str, target: str, secret: str | None) -> None:
    """Add a delivery channel for a person (the in-app inbox is always on)."""
    ensure_schema()
    user = User.by_email(email)
    if user is None:
        raise BadArgument(f"--email: nobody has the address {email!r}")
    try:
        channel = add_channel(user, kind, target, secret)
    except InputError as error:
        db.session.rollback()
        code = "" if error.code == "invalid" else f" ({error.code})"
        raise BadArgument(
            "; ".join(f"--{e.field.replace('_', '-')}: {e.message}" for e in error.errors) + code
        ) from None
    db.session.commit()
    shown = describe_target(Target(channel.kind, channel.target, channel.secret))
    click.echo(f"Channel {channel.id} for {user.email}: {shown}")


@reminders_group.command("dispatch")
def dispatch_command() -> None:
    """Queue what is due now and deliver it, once; safe to run several at the same moment."""
    ensure_schema()
    check_gates()
    catalog = get_catalog()
    freshness = data_freshness(import_settings())
    # It starts from the scheduler's last mark (reading only what fell due or changed since)
    # and leaves its own, pruned with the others a day after.
    now = utcnow()
    prune_marks(now)
    queued = queue_reminders(catalog, now=now, mark=f"dispatch:{process_name()}")
    queued += queue_weekly_reports(catalog, now=now, freshness=freshness)
    db.session.commit()
    report = dispatch_due(dispatch_settings(current_app))
    click.echo(
        f"Queued {queued}; delivered {report.sent}, failed {report.failed} (will retry), "
        f"dead {report.dead}, deferred {report.deferred} (rate limits)."
    )


@reminders_group.command("new-install-id")
def new_install_id_command() -> None:
    """Give this installation a new id for reminders' Idempotency-Keys (after a restore)."""
    ensure_schema()
    click.echo(f"Install id: {new_install_id()}")


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduler alone in the foreground until SIGTERM (several may run side by side)."""
    ensure_schema()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    stopping = threading.Event()
    scheduler = build_scheduler(app, blocking=True, stop=stopping)

    def stop(*_: Any) -> None:
        # Claim nothing more at once; the tick under way hands back what it has not tried
        # and its last send ends within the send deadline, well inside the unit's 40 s.
        stopping.set()
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    # A log line, not a print: in JSON mode everything the process writes is a JSON line.
    log.info(
        "scheduler %s ticking every %g s; stop with SIGTERM",
        process_name(),
        app.config["TRACKER_TICK_SECONDS"],
        extra={"scheduler": process_name()},
    )
    scheduler.start()
    log.info("scheduler %s stopped", process_name(), extra={"scheduler": process_name()})

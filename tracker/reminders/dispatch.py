"""Claim due reminders in the database, deliver them, and record each outcome.

Claiming is safe with any number of dispatchers: PostgreSQL claims with
``SELECT … FOR UPDATE SKIP LOCKED``; SQLite with a conditional ``UPDATE``
whose row count says who won. A claim is a lease: a dispatcher that dies
mid-delivery loses it when the lease runs out, and another one sends the
reminder again with the same ``Idempotency-Key``.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from queue import Empty, SimpleQueue
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from sqlalchemy import and_, case, func, or_, select, update

from tracker.auth.models import User
from tracker.clock import utcnow
from tracker.columns import rows_changed
from tracker.extensions import db
from tracker.faults import describe
from tracker.reminders.channels import DeliveryError, Message, SmtpSettings, Target, deliver
from tracker.reminders.channels.http import KeptAlive
from tracker.reminders.install import install_id, sent_key
from tracker.reminders.models import Channel, Reminder
from tracker.reminders.ratelimit import SharedRateLimiter

log = logging.getLogger(__name__)
MAX_SEND_SECONDS = 10.0
# Outcomes of sends that finish close together are written in one commit: at most this many,
# and none waits longer than this for it.
OUTCOMES_PER_COMMIT = 200
OUTCOME_SECONDS = 0.5
# A sender sends up to this many in a row to one host without waiting for the dispatcher,
# unless one took longer than LANE_SLOW_SECONDS (a slow host waits its turn like the others).
LANE_SENDS = 16
LANE_SLOW_SECONDS = 1.0


@dataclass(frozen=True)
class DispatchSettings:
    """How dispatching behaves; built from the app's configuration by the caller."""

    lease_seconds: float = 120.0
    max_attempts: int = 8
    backoff_seconds: float = 30.0
    backoff_cap_seconds: float = 3600.0
    batch_size: int = 200  # claimed at once; the next claim starts while half are queued
    smtp: SmtpSettings | None = None
    # TRACKER_ALLOW_PRIVATE_TARGETS: may channels reach loopback or private addresses?
    allow_private_targets: bool = False
    # The longest one send may take in all (it is also at most half the lease).
    send_seconds: float = MAX_SEND_SECONDS
    # Sends under way at once, and at most this many of them to one host (a slow or dead
    # receiver then holds up only its own reminders).
    senders: int = 8
    senders_per_destination: int = 2


@dataclass
class DispatchReport:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    dead: int = 0
    deferred: int = 0
    lost_leases: int = 0
    released: int = 0  # claimed, then handed back untried because the process is stopping
    errors: list[str] = field(default_factory=list)

    def add(self, other: DispatchReport) -> None:
        for name in ("claimed", "sent", "failed", "dead", "deferred", "lost_leases", "released"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _due(now: datetime):
    return or_(
        and_(Reminder.state.in_(("pending", "failed")), Reminder.next_attempt_at <= now),
        and_(Reminder.state == "sending", Reminder.lease_until < now),
    )


def database_now() -> datetime:
    """Now by the database's clock, which every dispatcher shares, whatever its own says.

    PostgreSQL may run on another machine than any dispatcher; SQLite runs on theirs, but its
    clock is still read from the database, so every claim and lease is judged by one clock.
    """
    if db.engine.dialect.name == "postgresql":
        moment = db.session.scalar(select(func.clock_timestamp()))
    else:
        text = db.session.scalar(select(func.strftime("%Y-%m-%d %H:%M:%f", "now")))
        moment = datetime.fromisoformat(str(text)).replace(tzinfo=UTC)
    if not isinstance(moment, datetime):
        raise RuntimeError(f"the database's clock said {moment!r}")
    return moment.astimezone(UTC)


def database_clock() -> Callable[[], datetime]:
    """The database's clock read once: later instants are this process's clock plus the gap."""
    gap = database_now() - utcnow()
    return lambda: utcnow() + gap


GAVE_UP = "gave up after %s attempts: no dispatcher finished sending it (each stopped mid-send)"


def claim_due_reminders(
    settings: DispatchSettings, *, now: datetime | None = None, token: str | None = None
) -> tuple[str, list[int]]:
    """Lease a batch of due reminders to this dispatcher and commit; return (token, ids).

    The claim counts the attempt, so a row whose every dispatcher dies mid-send still reaches
    the attempt limit: it is then dead-lettered instead of claimed again. Leases are judged
    by the database's clock unless ``now`` is given.
    """
    now = now or database_now()
    token = token or str(uuid.uuid4())
    lease = {
        "state": "sending",
        "claim_token": token,
        "lease_until": now + timedelta(seconds=settings.lease_seconds),
        "attempts": Reminder.attempts + 1,
    }
    db.session.execute(
        update(Reminder)
        .where(
            Reminder.state == "sending",
            Reminder.lease_until < now,
            Reminder.attempts >= settings.max_attempts,
        )
        .values(
            state="dead",
            claim_token=None,
            lease_until=None,
            last_error=func.coalesce(Reminder.last_error, GAVE_UP % settings.max_attempts),
        )
        .execution_options(synchronize_session=False)
    )
    candidates = (
        select(Reminder.id)
        .where(_due(now))
        .order_by(Reminder.next_attempt_at, Reminder.id)
        .limit(settings.batch_size)
    )
    if db.engine.dialect.name == "postgresql":
        # Rows another dispatcher is claiming right now are skipped, not waited for; they
        # stay locked until the commit. (In one UPDATE … IN (SELECT … LIMIT) the planner may
        # run the subquery more than once: two statements, then.)
        ids = list(db.session.scalars(candidates.with_for_update(skip_locked=True)))
        if ids:
            db.session.execute(
                update(Reminder)
                .where(Reminder.id.in_(ids))
                .values(**lease)
                .execution_options(synchronize_session=False)
            )
    else:
        # SQLite runs one writer at a time: this one statement leases the candidates still
        # due when it runs (its subquery is run once), and says which it leased.
        won = db.session.execute(
            update(Reminder)
            .where(Reminder.id.in_(candidates.scalar_subquery()), _due(now))
            .values(**lease)
            .returning(Reminder.id, Reminder.next_attempt_at)
            .execution_options(synchronize_session=False)
        ).all()
        ids = [row.id for row in sorted(won, key=lambda row: (row.next_attempt_at, row.id))]
    db.session.commit()
    return token, ids


def dispatch_due(
    settings: DispatchSettings,
    *,
    now: Callable[[], datetime] | None = None,
    max_batches: int | None = None,
    stop: threading.Event | None = None,
) -> DispatchReport:
    """Deliver everything due now, batch by batch; outcomes are committed as sends finish.

    Sends run side by side (``settings.senders`` at once, at most
    ``settings.senders_per_destination`` to one host), so a slow or dead receiver holds up
    only its own reminders. ``now`` is the database's clock unless a test gives another. Once
    ``stop`` is set (the process got SIGTERM) nothing more is claimed or started: the sends
    under way finish (within their deadline) and the rest of the batch is handed back.
    The next batch is claimed as soon as every send of the last one has started, so the
    senders never wait for a claim; ``max_batches`` bounds how many claims are made.
    """
    report = DispatchReport()
    with Senders(settings) as senders:
        _Batch(settings, now, max_batches, report, senders, stop).run()
    return report


def release_claimed(ids: Sequence[int], token: str) -> int:
    """Hand back rows this dispatcher claimed but did not try, as they were; commit."""
    db.session.rollback()
    result = db.session.execute(
        update(Reminder)
        .where(Reminder.id.in_(list(ids)), Reminder.claim_token == token)
        .values(
            state=case((Reminder.attempts > 1, "failed"), else_="pending"),
            attempts=Reminder.attempts - 1,  # counted at the claim, never tried
            claim_token=None,
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return rows_changed(result)


def send_deadline(settings: DispatchSettings) -> float:
    """Seconds one send may take in all: at most half the lease, so it ends while leased."""
    return min(settings.send_seconds, settings.lease_seconds / 2)


class Senders:
    """A dispatcher's sending threads and its one HTTP session (connections kept alive)."""

    def __init__(self, settings: DispatchSettings) -> None:
        self.settings = settings
        self.pool = ThreadPoolExecutor(
            max_workers=max(1, settings.senders), thread_name_prefix="reminder-send"
        )
        self.session = KeptAlive(
            allow_private=settings.allow_private_targets,
            connections_per_host=max(1, settings.senders_per_destination),
        )
        self.limiter = SharedRateLimiter()

    def __enter__(self) -> Senders:
        return self

    def __exit__(self, *_: object) -> None:
        self.pool.shutdown(wait=True)
        self.session.close()

    def deliver(self, target: Target, message: Message) -> None:
        deliver(
            target,
            message,
            smtp=self.settings.smtp,
            timeout=send_deadline(self.settings),
            session=self.session,
            allow_private=self.settings.allow_private_targets,
        )


class _Claimed(NamedTuple):
    """The columns of one claimed row that sending it needs (see ``_Batch._read``)."""

    id: int
    key: str
    kind: str
    subject: str
    text: str
    payload: Any
    attempts: int  # this one included: counted when claimed
    channel_id: int | None
    email: str | None  # None: the person is gone
    user_active: bool | None
    channel_kind: str | None  # None: the channel is gone or none was set
    channel_target: str | None
    channel_secret: str | None
    channel_active: bool | None


@dataclass
class _Send:
    """One claimed reminder to send, everything it needs read before any commit."""

    id: int
    attempts: int  # this one included: counted when claimed
    target: Target
    message: Message
    destination: str


def destination(target: Target) -> str:
    """Whose pace a send goes at: the receiving host (the SMTP server for e-mail)."""
    if target.kind == "email":
        return "smtp"
    try:
        parts = urlsplit(target.address)
        return f"{parts.hostname}:{parts.port or ''}"
    except ValueError:
        return "unusable"


class _Batch:
    """Send what this dispatcher claims: side by side, a few at a time to each host.

    Every claim of one run uses one token. Only this (the dispatcher's) thread touches the
    database; the senders only send. Before each send starts, the lease still held must
    outlast its deadline, or the lease of every row held is renewed first: a send always ends
    while its row is leased, so nobody else sends it too. Outcomes are written as sends
    finish, those finished together in one commit.
    """

    def __init__(
        self,
        settings: DispatchSettings,
        now: Callable[[], datetime] | None,
        max_batches: int | None,
        report: DispatchReport,
        senders: Senders,
        stop: threading.Event | None,
    ) -> None:
        self.settings, self.now, self.max_batches = settings, now, max_batches
        self.report, self.senders, self.stop = report, senders, stop
        self.token = str(uuid.uuid4())
        self.clock: Callable[[], datetime] = now or utcnow
        self.claims = 0
        self.drained = False  # the last claim found nothing more due
        self.lease_until: datetime | None = None  # the earliest lease of the rows held
        self.held: set[int] = set()  # claimed, outcome not yet written
        self.outcomes: dict[int, dict[str, object]] = {}
        self.queues: dict[str, deque[_Send]] = {}
        self.running: dict[Future[None], _Send] = {}
        self.per_destination: dict[str, int] = {}
        self.written_at = time.monotonic()
        # The next batch is claimed while half of one is still queued: a claim (several
        # statements and a commit, each waiting its turn for the interpreter beside busy
        # senders) takes longer than a handful of quick sends.
        self._claim_below = max(settings.senders, settings.batch_size // 2)
        # The senders take the next send of their host from ``queues`` themselves (see
        # ``_lane``) and hand back what happened through ``done``.
        self.lock = threading.Lock()
        self.done: SimpleQueue[tuple[_Send, BaseException | None]] = SimpleQueue()

    def _queued(self) -> int:
        with self.lock:
            return sum(len(queue) for queue in self.queues.values())

    def _stopping(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    def _claim(self) -> bool:
        """Claim the next batch and queue its sends; False when there is no more to claim."""
        if self.drained or self._stopping():
            return False
        if self.max_batches is not None and self.claims >= self.max_batches:
            return False
        self._write_outcomes()  # the claim commits: outcomes go first, in their own commit
        self.clock = self.now or database_clock()  # read once a claim, not once a statement
        moment = self.clock()
        _, ids = claim_due_reminders(self.settings, now=moment, token=self.token)
        self.claims += 1
        if not ids:
            self.drained = True
            return False
        self.report.claimed += len(ids)
        if not self.held or self.lease_until is None:  # else the earlier lease ends first
            self.lease_until = moment + timedelta(seconds=self.settings.lease_seconds)
        self.held |= set(ids)
        sends = self._read(ids)
        with self.lock:
            for send in sends:
                self.queues.setdefault(send.destination, deque()).append(send)
        self._write_outcomes()
        return True

    def run(self) -> None:
        try:
            while True:
                if self._stopping():
                    self._release_queued()
                if self._queued() < self._claim_below:
                    self._claim()  # claimed before the senders run dry, so they never wait
                self._start_sends()
                if not self.running:
                    if self.queues:
                        continue
                    if not self._claim() and not self.queues:
                        break
                    continue
                # Stopping is noticed within a moment, not only when a send ends: what has
                # not started is handed back at once. Outcomes waiting to be written are
                # written within OUTCOME_SECONDS even while every send under way is slow.
                finished, _ = wait(
                    list(self.running), timeout=OUTCOME_SECONDS, return_when=FIRST_COMPLETED
                )
                for future in finished:
                    self._lane_ended(self.running.pop(future), future)
                self._collect()
                # Rows sent but not yet written, and rows in flight, stay leased meanwhile.
                self._lease_outlasts_a_send()
                if (
                    len(self.outcomes) >= OUTCOMES_PER_COMMIT
                    or time.monotonic() - self.written_at >= OUTCOME_SECONDS
                ):
                    self._write_outcomes()
            self._collect()
            self._write_outcomes()
        finally:
            with self.lock:  # only after an error of our own: no sender takes another
                self.queues.clear()
            for future, send in self.running.items():
                future.cancel()
                self.held.discard(send.id)

    def _read(self, ids: list[int]) -> list[_Send]:
        """Read the claimed rows and build every message now, before anything is committed.

        One query of the columns a send needs (no ORM objects: loading them cost more than
        the rest of the dispatcher's own work).
        """
        rows = db.session.execute(
            select(
                Reminder.id,
                Reminder.key,
                Reminder.kind,
                Reminder.subject,
                Reminder.text,
                Reminder.payload,
                Reminder.attempts,
                Reminder.channel_id,
                User.email,
                User.active,
                Channel.kind,
                Channel.target,
                Channel.secret,
                Channel.active,
            )
            .outerjoin(User, User.id == Reminder.user_id)
            .outerjoin(Channel, Channel.id == Reminder.channel_id)
            .where(Reminder.id.in_(ids), Reminder.claim_token == self.token)
        ).all()
        lost = set(ids) - {row[0] for row in rows}
        self.report.lost_leases += len(lost)
        self.held -= lost
        install = install_id() if rows else ""
        sends = []
        for row in rows:
            try:
                send = self._prepare(_Claimed(*row), install)
            except Exception as error:  # a poison row: its own error, nobody else's
                detail = describe(error)
                log.exception("reminder %s could not be sent: %s", row[0], detail)
                self._outcome(
                    row[0],
                    _failure(row[6], detail, self.settings, self.clock, retryable=True),
                )
                continue
            if send is not None:
                sends.append(send)
        return sends

    def _prepare(self, reminder: _Claimed, install: str) -> _Send | None:
        """What to send for this row, or None when its outcome is known without sending."""
        if reminder.user_active is None:
            raise LookupError("the reminder's person is gone")  # a poison row, as before
        if not reminder.user_active:
            self._outcome(reminder.id, {"state": "dead", "last_error": "the person is deactivated"})
            return None
        if reminder.channel_kind is None:  # the in-app inbox: stored is delivered
            self._outcome(reminder.id, dict(SENT))
            return None
        if not reminder.channel_active:
            self._outcome(
                reminder.id, {"state": "dead", "last_error": "the channel was switched off"}
            )
            return None
        target = Target(
            str(reminder.channel_kind), str(reminder.channel_target), reminder.channel_secret
        )
        message = _message(reminder, install)  # a corrupt payload fails here, for this row alone
        return _Send(reminder.id, reminder.attempts, target, message, destination(target))

    def _start_sends(self) -> None:
        """Start what may start: a free sender, and a host with fewer sends under way than its
        limit; a host with nothing left to send leaves the queue."""
        limit = max(1, self.settings.senders_per_destination)
        for name in list(self.queues):
            while len(self.running) < self.settings.senders:
                if self.per_destination.get(name, 0) >= limit:
                    break
                with self.lock:
                    queue = self.queues.get(name)
                    send = queue.popleft() if queue else None
                if send is None:
                    break
                if send.id not in self.held:
                    continue  # its lease was lost
                self._start(send)
            with self.lock:
                if name in self.queues and not self.queues[name]:
                    del self.queues[name]

    def _start(self, send: _Send) -> None:
        if not self._lease_outlasts_a_send() or send.id not in self.held:
            return
        limiter = self.senders.limiter
        if limiter.limited(send.target):
            taken, wait = limiter.take(send.target, 1, now=self.clock().timestamp())
            if not taken:
                self.report.deferred += 1
                self._outcome(
                    send.id,
                    {
                        "state": "pending",
                        # not tried: the attempt counted at the claim is given back
                        "attempts": send.attempts - 1,
                        "next_attempt_at": self.clock() + timedelta(seconds=wait),
                    },
                )
                return
        future = self.senders.pool.submit(self._lane, send)
        self.running[future] = send
        self.per_destination[send.destination] = self.per_destination.get(send.destination, 0) + 1

    def _lane(self, send: _Send | None) -> None:
        """On a sender's thread: send, then the next for the same host while that is safe (a
        few in a row, each quick, its lease covering it); only sends, never the database."""
        sent = 0
        while send is not None:
            began = time.monotonic()
            try:
                self.senders.deliver(send.target, send.message)
                error: BaseException | None = None
            except Exception as failure:  # recorded on that row alone, by the dispatcher
                error = failure
            self.done.put((send, error))
            sent += 1
            if (
                error is not None
                or sent >= LANE_SENDS
                or time.monotonic() - began > LANE_SLOW_SECONDS  # a slow host: back in line
                or self._stopping()
            ):
                return
            send = self._next_in_lane(send.destination)

    def _next_in_lane(self, destination: str) -> _Send | None:
        """The host's next send, if a sender may take it without the dispatcher: one the
        lease still covers for a whole send, to a target without a rate limit."""
        margin = timedelta(seconds=send_deadline(self.settings) + 1)
        with self.lock:
            queue = self.queues.get(destination)
            if not queue:
                return None
            send = queue[0]
            if (
                send.id not in self.held
                or self.senders.limiter.limited(send.target)
                or self.lease_until is None
                or self.clock() + margin >= self.lease_until
            ):
                return None  # the dispatcher sees to it
            return queue.popleft()

    def _lease_outlasts_a_send(self) -> bool:
        """Renew the batch's lease when it would end before a send starting now; False when
        every row was lost (another dispatcher took them over, which only a stall allows)."""
        margin = timedelta(seconds=send_deadline(self.settings) + 1)
        if self.lease_until is not None and self.clock() + margin < self.lease_until:
            return True
        self._write_outcomes()  # written first: those rows need no lease any more
        if not self.held:
            return False
        lease_until = self.clock() + timedelta(seconds=self.settings.lease_seconds)
        pending = sorted(self.held)
        renewed = db.session.execute(
            update(Reminder)
            .where(Reminder.id.in_(pending), Reminder.claim_token == self.token)
            .values(lease_until=lease_until)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        self.lease_until = lease_until
        if rows_changed(renewed) != len(pending):
            still = set(
                db.session.scalars(
                    select(Reminder.id).where(
                        Reminder.id.in_(pending), Reminder.claim_token == self.token
                    )
                )
            )
            in_flight = {send.id for send in self.running.values()}
            lost = (set(pending) - still) - in_flight
            self.report.lost_leases += len(lost)
            self.held -= lost
        return bool(self.held)

    def _lane_ended(self, send: _Send, future: Future[None]) -> None:
        self.per_destination[send.destination] -= 1
        fault = future.exception()
        if fault is not None:  # a fault of the lane itself, not of a send
            log.error("a sender stopped: %s", describe(fault))

    def _collect(self) -> None:
        """Take in what the senders finished since last time."""
        while True:
            try:
                send, error = self.done.get_nowait()
            except Empty:
                return
            self._finished(send, error)

    def _finished(self, send: _Send, error: BaseException | None) -> None:
        if error is None:
            self._outcome(send.id, dict(SENT))
            return
        if isinstance(error, DeliveryError):
            detail = str(error)[:1000]
            log.warning("reminder %s over %s: %s", send.id, send.target.kind, detail)
            outcome = _failure(
                send.attempts,
                detail,
                self.settings,
                self.clock,
                retryable=error.retryable,
                retry_after=error.retry_after,
            )
        else:  # a poison row: its own error, nobody else's
            detail = describe(error)
            log.error("reminder %s could not be sent: %s", send.id, detail, exc_info=error)
            outcome = _failure(send.attempts, detail, self.settings, self.clock, retryable=True)
        self._outcome(send.id, outcome)

    def _outcome(self, reminder_id: int, values: dict[str, object]) -> None:
        values.setdefault("claim_token", None)
        values.setdefault("lease_until", None)
        self.outcomes[reminder_id] = values

    def _write_outcomes(self) -> None:
        """Record the outcomes known so far, only where this dispatcher still holds the lease;
        the sent ones in one statement; one commit."""
        self.written_at = time.monotonic()
        if not self.outcomes:
            return
        db.session.rollback()  # nothing else may ride on this commit
        outcomes, self.outcomes = self.outcomes, {}
        sent: list[int] = []
        for reminder_id, values in outcomes.items():
            if values == SENT:
                sent.append(reminder_id)
                continue
            self._count(self._write(values, [reminder_id]), values)
        if sent:  # all in one statement, sent as of now (within OUTCOME_SECONDS of it)
            values = {**SENT, "sent_at": self.clock()}
            self._count(self._write(values, sent), values)
        db.session.commit()
        self.held -= set(outcomes)

    def _write(self, values: dict[str, object], ids: list[int]) -> tuple[int, int]:
        result = db.session.execute(
            update(Reminder)
            .where(Reminder.id.in_(ids), Reminder.claim_token == self.token)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return rows_changed(result), len(ids)

    def _count(self, written: tuple[int, int], values: dict[str, object]) -> None:
        changed, wanted = written
        self.report.lost_leases += wanted - changed
        state = values.get("state")
        if state == "sent":
            self.report.sent += changed
        elif state == "failed":
            self.report.failed += changed
        elif state == "dead":
            self.report.dead += changed

    def _release_queued(self) -> None:
        """Stopping: hand back every row not yet started; the sends under way finish."""
        self._write_outcomes()
        with self.lock:
            queued = [send.id for queue in self.queues.values() for send in queue]
            self.queues.clear()
        queued = [reminder_id for reminder_id in queued if reminder_id in self.held]
        if queued:
            self.report.released += release_claimed(queued, self.token)
            self.held -= set(queued)


# A delivered reminder's outcome; ``sent_at`` is added when outcomes are written.
SENT: dict[str, object] = {
    "state": "sent",
    "last_error": None,
    "claim_token": None,
    "lease_until": None,
}


def _failure(
    attempts: int,
    detail: str,
    settings: DispatchSettings,
    now: Callable[[], datetime],
    *,
    retryable: bool,
    retry_after: float | None = None,
) -> dict[str, object]:
    """A failed attempt: tried again after a longer wait, or dead after the last one."""
    if not retryable or attempts >= settings.max_attempts:
        return {"state": "dead", "attempts": attempts, "last_error": detail}
    delay = backoff(attempts, settings)
    if retry_after:
        delay = max(delay, retry_after)
    return {
        "state": "failed",
        "attempts": attempts,
        "last_error": detail,
        "next_attempt_at": now() + timedelta(seconds=delay),
    }


def backoff(attempts: int, settings: DispatchSettings) -> float:
    """Exponential backoff with jitter: half to all of base × 2^(attempts−1), capped."""
    ceiling = min(settings.backoff_cap_seconds, settings.backoff_seconds * 2 ** (attempts - 1))
    return ceiling * random.uniform(0.5, 1.0)


def _message(reminder: _Claimed, install: str) -> Message:
    payload = reminder.payload or {}  # a corrupt one fails here, for this row alone
    return Message(
        id=sent_key(install, reminder.key),
        kind=reminder.kind,
        user=reminder.email or "",
        store=payload.get("store"),
        tasks=list(payload.get("tasks", [])),
        subject=reminder.subject,
        text=reminder.text,
        url=payload.get("url"),
        action=payload.get("action"),
        language=payload.get("language"),
        unsubscribe=payload.get("unsubscribe"),
    )


def retry_reminder(reminder: Reminder, *, now: datetime | None = None) -> bool:
    """Send a dead, failed or stuck reminder again from the first attempt; False if it moved on.

    The database decides, not the (possibly stale) object: a row that a dispatcher claimed in
    the meantime keeps its lease, so it can never be sent twice because of a retry.
    """
    return retry_reminders([reminder.id], now=now) == 1


def retry_reminders(ids: Sequence[int] | None = None, *, now: datetime | None = None) -> int:
    """Send these reminders (None: every dead one) again from the first attempt; count them.

    Only rows that still need it change: dead, failed, or stuck in "sending" after their
    lease ran out.
    """
    now = now or database_now()
    wanted = Reminder.needs_attention(now) if ids is not None else Reminder.state == "dead"
    query = update(Reminder).where(wanted)
    if ids is not None:
        query = query.where(Reminder.id.in_(list(ids)))
    result = db.session.execute(
        query.values(
            state="pending", attempts=0, next_attempt_at=now, claim_token=None, lease_until=None
        ).execution_options(synchronize_session=False)
    )
    db.session.expire_all()
    return rows_changed(result)

"""Keep each delivery target under its service's documented sending limit.

A sliding-window log: for each target we remember when the last few sends went out, and a send
may go when, for every (count, window) limit of its kind, fewer than `count` sends happened in
the last `window` seconds. Unlike a token bucket it never lets a burst through at a window's
edge, which is what the services count.

The dispatchers keep the log in the database (``SharedRateLimiter``, one ``rate_windows`` row a
limited target, locked while it is read and written), so any number of ``tracker scheduler``
processes share one allowance a robot. ``RateLimiter`` is the same log in one process's memory.
A service may still answer "too fast" (someone else posts to the same robot): that answer is a
retryable DeliveryError like any other.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tracker.extensions import db
from tracker.reminders.channels import Target
from tracker.reminders.models import RateWindow

# (sends, per seconds) for each channel kind; every limit of a kind must hold.
LIMITS: Mapping[str, tuple[tuple[int, float], ...]] = {
    # Slack incoming webhooks: about 1 message per second, short bursts tolerated
    # (Slack API docs, "Rate limits": incoming webhooks).
    "slack": ((1, 1.0),),
    # Feishu custom bot: 100 requests per minute and 5 per second per bot
    # (Feishu open platform, "Custom bot usage guide": frequency limits).
    "feishu": ((5, 1.0), (100, 60.0)),
    # WeCom group robot: at most 20 messages per minute per robot
    # (WeCom developer docs, "Group robot configuration": message sending frequency).
    "wecom": ((20, 60.0),),
    # DingTalk custom robot: 20 messages per minute per robot, then throttled for 10 minutes
    # (DingTalk open platform, "Custom robot": message frequency limits).
    "dingtalk": ((20, 60.0),),
    # Our own webhooks and SMTP have no documented limit; none by default.
    "webhook": (),
    "email": (),
}


class RateLimiter:
    """Thread-safe per-target sliding-window limiter; times are seconds on one steady clock."""

    def __init__(
        self,
        limits: Mapping[str, tuple[tuple[int, float], ...]] = LIMITS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limits = limits
        self._clock = clock
        self._lock = threading.Lock()
        self._sent: dict[tuple[str, str], deque[float]] = {}

    def acquire(self, target: Target, now: float | None = None) -> float:
        """Record a send and return 0 when it may go now; else return the seconds to wait."""
        limits = self._limits.get(target.kind, ())
        if not limits:
            return 0.0
        if now is None:
            now = self._clock()
        key = (target.kind, target.address)
        with self._lock:
            # Only the last `count` sends can decide any (count, window) limit.
            sent = self._sent.setdefault(key, deque(maxlen=longest(limits)))
            wait = wait_before_next(sent, limits, now)
            if wait > 0:
                return wait
            sent.append(now)
            return 0.0


def longest(limits: Sequence[tuple[int, float]]) -> int:
    """How many of the latest sends can decide any of these limits."""
    return max(count for count, _ in limits)


def wait_before_next(
    sent: Sequence[float], limits: Sequence[tuple[int, float]], now: float
) -> float:
    """Seconds until one more send may go, given when the latest ones went (oldest first)."""
    wait = 0.0
    for count, window in limits:
        if len(sent) >= count:
            # The count-th most recent send must leave the window before another goes.
            wait = max(wait, sent[-count] + window - now)
    return wait


def window_key(target: Target) -> str:
    """The target's row in ``rate_windows``: a digest, since the address may hold a secret."""
    return hashlib.sha256(f"{target.kind}\0{target.address}".encode()).hexdigest()


class SharedRateLimiter:
    """The sliding-window log of each limited target kept in the database, shared by every
    dispatcher; ``now`` is seconds on the database's clock, which every dispatcher shares."""

    def __init__(self, limits: Mapping[str, tuple[tuple[int, float], ...]] = LIMITS) -> None:
        self._limits = limits

    def limited(self, target: Target) -> bool:
        return bool(self._limits.get(target.kind))

    def take(self, target: Target, wanted: int, now: float) -> tuple[int, float]:
        """Take up to ``wanted`` sends for ``target`` now and commit; return (taken, wait).

        ``wait`` is the seconds until the next send after those taken may go (0 when all
        were taken). The row is locked meanwhile (a row lock on PostgreSQL, the database's
        write lock on SQLite), so two dispatchers never take the same slot.
        """
        limits = self._limits.get(target.kind, ())
        if not limits or wanted <= 0:
            return wanted, 0.0
        key = window_key(target)
        insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
        db.session.execute(
            insert(RateWindow)
            .values(key=key, sent=[])
            .on_conflict_do_nothing(index_elements=["key"])
        )
        # Lock the row before reading it: on SQLite this write takes the database's write lock.
        db.session.execute(
            update(RateWindow).where(RateWindow.key == key).values(key=RateWindow.key)
        )
        query = select(RateWindow.sent).where(RateWindow.key == key)
        if db.engine.dialect.name == "postgresql":
            query = query.with_for_update()
        stored = db.session.scalar(query) or []
        sent = deque((float(moment) for moment in stored), maxlen=longest(limits))
        taken, wait = 0, 0.0
        while taken < wanted:
            wait = wait_before_next(sent, limits, now)
            if wait > 0:
                break
            sent.append(now)
            taken += 1
        if taken:
            db.session.execute(
                update(RateWindow).where(RateWindow.key == key).values(sent=list(sent))
            )
        db.session.commit()
        return taken, wait

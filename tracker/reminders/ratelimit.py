"""Keep each delivery target under its service's documented sending limit, within one process.

A sliding-window log: for each target we remember when the last few sends went out, and a send
may go when, for every (count, window) limit of its kind, fewer than `count` sends happened in
the last `window` seconds. Unlike a token bucket it never lets a burst through at a window's
edge, which is what the services count. It is a courtesy, not a guarantee: several processes
each keep their own log, so a service may still answer "too fast", and that answer is a
retryable DeliveryError like any other.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping

from tracker.reminders.channels import Target

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
            sent = self._sent.setdefault(key, deque(maxlen=max(count for count, _ in limits)))
            wait = 0.0
            for count, window in limits:
                if len(sent) >= count:
                    # The count-th most recent send must leave the window before another goes.
                    wait = max(wait, sent[-count] + window - now)
            if wait > 0:
                return wait
            sent.append(now)
            return 0.0

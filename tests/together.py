"""Run several people's work at the same instant in threads, and hear about each one's end.

A thread that raises (a 500 under ``TESTING`` propagates) used to leave the others waiting
at their barrier forever, and the suite hung with no word of why. Here the barrier is
broken for everyone when one fails, every wait is bounded, and the errors fail the test.
"""

from __future__ import annotations

import contextvars
import threading
import traceback
from collections.abc import Callable, Sequence

# Only stops a broken run from hanging; nothing here is timed.
BOUND_SECONDS = 300.0


def run_together(work: Sequence[Callable[[threading.Barrier], None]]) -> None:
    """Run each ``work(barrier)`` in a thread of its own; each calls ``barrier.wait()`` once
    ready, so all go on together. Raises AssertionError naming what failed or never ended."""
    barrier = threading.Barrier(len(work), timeout=BOUND_SECONDS)
    errors: list[str] = []
    lock = threading.Lock()

    def run(one: Callable[[threading.Barrier], None]) -> None:
        try:
            one(barrier)
        except BaseException:
            barrier.abort()  # the others stop waiting for this one
            with lock:
                errors.append(traceback.format_exc())

    # Each in a context of its own, as a server's threads are: no app context is shared.
    threads = [threading.Thread(target=contextvars.Context().run, args=(run, one)) for one in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(BOUND_SECONDS)
    hung = sum(thread.is_alive() for thread in threads)
    # The first real error, not the BrokenBarrierError it caused in the others.
    errors.sort(key=lambda text: "BrokenBarrierError" in text)
    assert not errors, f"{len(errors)} of {len(threads)} failed; the first:\n{errors[0]}"
    assert not hung, f"{hung} of {len(threads)} never ended"

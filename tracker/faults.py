"""Keep one store's or one person's failure from stopping everyone else's work.

The scheduler does the same work for every store and person. A fault in one share of it
(a market that left the seeds, a time zone that does not exist) is caught around that
share, noted with whom it concerns, and the work goes on for everyone else; the scheduler
records the notes where managers and ``/healthz`` see them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

log = logging.getLogger(__name__)
ERROR_CHARS = 1000


@dataclass(frozen=True)
class Fault:
    """One stage of work that failed for one store or person (neither: for everyone)."""

    stage: str
    error: str
    store_id: int | None = None
    user_id: int | None = None


@dataclass
class FaultLog:
    """The faults one run of the work met, each kept apart from the rest of the work."""

    faults: list[Fault] = field(default_factory=list)

    @contextmanager
    def isolated(
        self, stage: str, *, store_id: int | None = None, user_id: int | None = None
    ) -> Iterator[None]:
        """Run one store's or person's share of a stage; note its failure and carry on."""
        try:
            yield
        except Exception as error:  # one share's fault must not stop the others
            self.note(stage, error, store_id=store_id, user_id=user_id)

    def note(
        self,
        stage: str,
        error: BaseException,
        *,
        store_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        """Note that ``stage`` failed for this store or person (neither: for everyone)."""
        log.warning(
            "%s failed (store %s, person %s): %s",
            stage,
            store_id,
            user_id,
            describe(error),
            exc_info=error,
            extra={"stage": stage, "store_id": store_id, "user_id": user_id},
        )
        self.faults.append(Fault(stage, describe(error), store_id, user_id))


def describe(error: BaseException) -> str:
    """What went wrong, for an operator: the kind of error and its message, bounded."""
    text = " ".join(str(error).split())
    return (f"{type(error).__name__}: {text}" if text else type(error).__name__)[:ERROR_CHARS]

"""Creating requests sent with an ``Idempotency-Key``: the first answer, kept for repeats.

A client that sent a create and lost the answer (a timeout, a dropped connection) sends it
again with the same key and gets the first answer back instead of a second store, task or
comment. Keys belong to the person who sent them; a key is kept for the retention period
(``TRACKER_IDEMPOTENCY_HOURS``, 24 by default) and then forgotten.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from tracker.auth.models import RepeatableRequest
from tracker.clock import utcnow
from tracker.columns import rows_changed
from tracker.extensions import db


def earlier_request(
    user_id: int, key: str, *, retention_hours: float, now: datetime | None = None
) -> RepeatableRequest | None:
    """The request this person sent earlier with this key, if it is still kept."""
    row = db.session.scalar(
        select(RepeatableRequest).where(
            RepeatableRequest.user_id == user_id, RepeatableRequest.key == key
        )
    )
    if row is None:
        return None
    if row.created_at < (now or utcnow()) - timedelta(hours=retention_hours):
        db.session.delete(row)  # past its retention: the key is free again
        db.session.flush()
        return None
    return row


def reserve(user_id: int, key: str, fingerprint: str) -> None:
    """Note the key before the request's work; flush only: it commits with that work.

    Raises IntegrityError when another request with the key got there first.
    """
    db.session.add(RepeatableRequest(user_id=user_id, key=key, fingerprint=fingerprint))
    db.session.flush()


def keep_answer(user_id: int, key: str, status: int, answer: str) -> None:
    """Keep the answer given to the first request for its repeats; the caller commits."""
    db.session.execute(
        update(RepeatableRequest)
        .where(RepeatableRequest.user_id == user_id, RepeatableRequest.key == key)
        .values(status=status, answer=answer)
        .execution_options(synchronize_session=False)
    )


def prune_repeats(*, retention_hours: float, now: datetime | None = None) -> int:
    """Forget keys older than the retention period; count them. The caller commits."""
    cutoff = (now or utcnow()) - timedelta(hours=retention_hours)
    return rows_changed(
        db.session.execute(delete(RepeatableRequest).where(RepeatableRequest.created_at < cutoff))
    )

"""``Idempotency-Key`` on the API's creating endpoints: a repeat gets the first answer.

Follows the IETF draft "The Idempotency-Key HTTP Header Field" (draft-ietf-httpapi-
idempotency-key-header): the same key with the same request answers what the first one did
(marked ``Idempotent-Replayed: true``); with a different request, 422 ``idempotency_key_reused``;
while the first is still under way, 409 ``idempotency_key_in_use``. The key is noted in the
same transaction as the request's work, so a repeat can never create a second copy.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, g, make_response, request
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from tracker.auth import repeats
from tracker.errors import error_response
from tracker.extensions import db

log = logging.getLogger(__name__)
HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
# Visible ASCII, 1 to 200 characters (a UUID is the usual choice).
KEY = re.compile(r"[\x21-\x7e]{1,200}")
IN_USE = "idempotency_key_in_use"
REUSED = "idempotency_key_reused"


def repeatable(view: Callable[..., Any]) -> Callable[..., Any]:
    """Let a creating view be repeated safely with an ``Idempotency-Key`` header."""

    @wraps(view)
    def answer(*args: Any, **kwargs: Any) -> Any:
        raw = request.headers.get(HEADER)
        if raw is None:
            return view(*args, **kwargs)
        key = raw.strip()
        if not KEY.fullmatch(key):
            return error_response(
                400,
                "invalid",
                "the Idempotency-Key header must be 1 to 200 visible ASCII characters "
                "(a UUID, say)",
                field=HEADER,
            )
        user_id = g.api_user.id  # read now: nothing is read from expired rows after the commit
        retention = current_app.config["TRACKER_IDEMPOTENCY_HOURS"]
        fingerprint = request_fingerprint()
        earlier = repeats.earlier_request(user_id, key, retention_hours=retention)
        if earlier is None:
            try:
                repeats.reserve(user_id, key, fingerprint)
            except IntegrityError:  # the same key at the same moment: the other one won
                db.session.rollback()
                earlier = repeats.earlier_request(user_id, key, retention_hours=retention)
        if earlier is not None:
            return _repeat(earlier.fingerprint, earlier.status, earlier.answer, fingerprint)
        response = make_response(view(*args, **kwargs))
        if not 200 <= response.status_code < 300:
            db.session.rollback()  # nothing was made: the key stays free for a corrected request
            return response
        try:
            repeats.keep_answer(user_id, key, response.status_code, response.get_data(as_text=True))
            db.session.commit()
        except SQLAlchemyError:
            # The work is saved with its key; only its answer is not kept. Answer it anyway;
            # a repeat is told the key was used (409) instead of creating a second copy.
            db.session.rollback()
            log.warning(
                "the answer to %s %s was not kept for repeats", request.method, request.path
            )
        return response

    answer.repeatable = True  # type: ignore[attr-defined]
    return answer


def _repeat(kept: str, status: int | None, body: str | None, fingerprint: str) -> Any:
    db.session.rollback()
    if kept != fingerprint:
        return error_response(
            422,
            REUSED,
            "this Idempotency-Key was already used for a different request; use a new key",
            field=HEADER,
        )
    if status is None or body is None:
        return error_response(
            409,
            IN_USE,
            "a request with this Idempotency-Key is under way or was done without its answer "
            "being kept; look the result up instead of sending it again",
            field=HEADER,
        )
    response = make_response(body, status)
    response.mimetype = "application/json"
    response.headers[REPLAYED] = "true"
    return response


def request_fingerprint() -> str:
    """A digest of what the request asks: method, path, query and body (for a form upload,
    its fields and files, not the boundary that changes with each sending)."""
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}?{request.query_string.decode()}\n".encode())
    if request.mimetype == "multipart/form-data":
        for name, value in sorted(request.form.items(multi=True)):
            digest.update(f"{name}={value}\n".encode())
        for name, upload in sorted(request.files.items(multi=True), key=lambda item: item[0]):
            digest.update(f"{name}:{upload.filename}\n".encode())
            digest.update(upload.stream.read())
            upload.stream.seek(0)
    else:
        digest.update(request.get_data(cache=True))
    return digest.hexdigest()

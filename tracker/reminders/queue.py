"""The outbox: put a message for people in their inbox and on their channels, once each.

Each message's key names the person, what it is about and the channel, and the
outbox refuses a key it already holds, so any number of schedulers may queue
the same message at the same moment.

A message is written once, when it is queued, in its recipient's language
(``recipient_locale``, under ``flask_babel.force_locale``); the scheduler has no
request, so each person's words are chosen here, not by a browser.

The outbox knows people and channels, not the work it reminds of: what a message is
about is given as any store (``id``, ``name``) and tasks (``id``, ``due_on``, ``store``
and what their titles are made from) the caller has.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from flask_babel import force_locale, get_locale, gettext
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from tracker.auth.models import User
from tracker.clock import utcnow
from tracker.config import absolute_url
from tracker.extensions import db
from tracker.i18n import recipient_locale
from tracker.i18n.locales import SUPPORTED_LOCALES
from tracker.i18n.seeds import task_title
from tracker.reminders.models import Channel, Reminder

# A reminder whose moment passed longer ago than this (the scheduler was down)
# is not sent late: by then the next one says it better.
STALE_AFTER = timedelta(hours=18)


class StoreLike(Protocol):
    """The store a message is about."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...


class TaskLike(Protocol):
    """A task a message is about (its title is said in the recipient's language)."""

    @property
    def id(self) -> int: ...
    @property
    def store_id(self) -> int: ...
    @property
    def due_on(self) -> date: ...
    @property
    def store(self) -> StoreLike: ...


def local_instant(day: date, at: time, zone: str) -> datetime:
    """The UTC instant of wall-clock ``at`` on ``day`` in ``zone`` (DST handled by zoneinfo)."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def after_quiet_hours(instant: datetime, person: User) -> datetime:
    """Move an instant that falls in the person's quiet hours to when they end."""
    start, end = person.quiet_from, person.quiet_until
    if start is None or end is None or start == end:
        return instant
    zone = ZoneInfo(person.timezone)
    local = instant.astimezone(zone)
    moment = local.time()
    if start < end:
        if start <= moment < end:
            return datetime.combine(local.date(), end, tzinfo=zone).astimezone(UTC)
        return instant
    # Quiet hours across midnight, e.g. 22:00 to 07:00.
    if moment >= start:
        day = local.date() + timedelta(days=1)
        return datetime.combine(day, end, tzinfo=zone).astimezone(UTC)
    if moment < end:
        return datetime.combine(local.date(), end, tzinfo=zone).astimezone(UTC)
    return instant


@dataclass(frozen=True)
class Draft:
    """A reminder to queue for one person, before it is copied to each of their channels."""

    person: User
    kind: str
    key: str
    send_at: datetime
    subject: str
    text: str
    store: StoreLike | None
    tasks: Sequence[TaskLike]
    # Where the message's button leads (a path), when not the task, the store or My tasks.
    path: str | None = None
    # For a reader who follows the browser: (subject, text) in each language, so the inbox
    # shows the one their browser asks for when they read it.
    versions: Mapping[str, tuple[str, str]] | None = None


def reader_languages(person: User) -> tuple[str, ...]:
    """The languages to write a person's message in: theirs, or every one (browser readers)."""
    chosen = recipient_locale(person)
    if getattr(person, "locale", None) == chosen:
        return (chosen,)
    return (chosen, *(locale for locale in SUPPORTED_LOCALES if locale != chosen))


def drafted_for(person: User, build: Callable[[], Sequence[Draft]]) -> list[Draft]:
    """Build a person's drafts in their language, and in every language if they have none."""
    languages = reader_languages(person)
    written = []
    for language in languages:
        with force_locale(language):
            written.append({draft.key: draft for draft in build()})
    primary = list(written[0].values())
    if len(languages) == 1:
        return primary
    return [
        replace(
            draft,
            versions={
                language: (found[draft.key].subject, found[draft.key].text)
                for language, found in zip(languages, written, strict=True)
                if draft.key in found
            },
        )
        for draft in primary
    ]


def task_url(task_id: int) -> str:
    """The absolute address of a task's page, for every message that names it."""
    return absolute_url(f"/tasks/{task_id}")


def _link(draft: Draft) -> tuple[str, str]:
    """The absolute address a message leads to and the words on its button."""
    if draft.path:
        return absolute_url(draft.path), gettext("Open in the tracker")
    if len(draft.tasks) == 1:
        return task_url(draft.tasks[0].id), gettext("Open the task")
    if draft.store is not None and not draft.tasks:
        return absolute_url(f"/stores/{draft.store.id}"), gettext("Open the store")
    return absolute_url("/my-tasks"), gettext("Open My tasks")


def queue_now(
    people: Iterable[User],
    kind: str,
    key: str,
    subject: str | Callable[[], str],
    text: str | Callable[[], str],
    *,
    store: StoreLike | None,
    tasks: Sequence[TaskLike],
    now: datetime | None = None,
    path: str | None = None,
) -> int:
    """Queue an event's reminder for each person at once (after their quiet hours).

    ``subject`` and ``text`` may be functions: each is called in its recipient's language.
    """
    now = now or utcnow()
    drafts = draft_now(
        people, kind, key, subject, text, store=store, tasks=tasks, now=now, path=path
    )
    return insert_drafts(drafts, now)


def draft_now(
    people: Iterable[User],
    kind: str,
    key: str,
    subject: str | Callable[[], str],
    text: str | Callable[[], str],
    *,
    store: StoreLike | None,
    tasks: Sequence[TaskLike],
    now: datetime,
    path: str | None = None,
) -> list[Draft]:
    """The drafts :func:`queue_now` queues, for a caller that queues many events' at once
    (:func:`insert_drafts`: a few statements however many events)."""
    moment = now
    # The words depend on the language only (the functions never see the person): written
    # once per language, not once per person and language.
    written: dict[str, tuple[str, str]] = {}

    def words() -> tuple[str, str]:
        language = str(get_locale())
        if language not in written:
            written[language] = (
                subject() if callable(subject) else subject,
                text() if callable(text) else text,
            )
        return written[language]

    def draft(person: User) -> list[Draft]:
        return [Draft(person, kind, f"{key}:{person.id}", moment, *words(), store, tasks, path)]

    drafts: list[Draft] = []
    for person in people:
        if person.active:
            drafts += drafted_for(person, functools.partial(draft, person))
    return drafts


def insert_drafts(drafts: Sequence[Draft], now: datetime) -> int:
    """Copy each draft to the person's inbox and channels; skip keys already queued."""
    if not drafts:
        return 0
    person_ids = {d.person.id for d in drafts}
    channels: dict[int, list[Channel]] = defaultdict(list)
    for active in db.session.scalars(
        select(Channel).where(Channel.user_id.in_(person_ids), Channel.active)
    ):
        channels[active.user_id].append(active)
    rows: list[dict[str, Any]] = []
    for draft in drafts:
        send_after = after_quiet_hours(max(draft.send_at, now), draft.person)
        language = recipient_locale(draft.person)
        with force_locale(language):
            url, action = _link(draft)
            payload = {
                "store": {"id": draft.store.id, "name": draft.store.name} if draft.store else None,
                "tasks": [
                    {
                        "id": t.id,
                        "title": task_title(t),
                        "due_on": t.due_on.isoformat(),
                        "store": {"id": t.store_id, "name": t.store.name},
                        "url": task_url(t.id),
                    }
                    for t in draft.tasks
                ],
                # How channels show the message: its button, language and way to stop it.
                "url": url,
                "action": action,
                "language": language,
                "unsubscribe": absolute_url("/account/reminders"),
            }
            if draft.versions:
                payload["versions"] = {
                    language: {"subject": subject[:300], "text": text}
                    for language, (subject, text) in draft.versions.items()
                }
        for channel in (None, *channels[draft.person.id]):
            rows.append(
                {
                    "key": f"{draft.key}:{channel.id if channel else 'inbox'}",
                    "user_id": draft.person.id,
                    "channel_id": channel.id if channel else None,
                    "kind": draft.kind,
                    "store_id": draft.store.id if draft.store else None,
                    "task_id": draft.tasks[0].id if len(draft.tasks) == 1 else None,
                    "subject": draft.subject[:300],
                    "text": draft.text,
                    "payload": payload,
                    "state": "pending",
                    "attempts": 0,
                    "next_attempt_at": send_after,
                    "created_at": now,
                }
            )
    # In the order of their keys: PostgreSQL makes a second inserter of a key wait for the
    # transaction that inserted it first, so two schedulers inserting the same keys in
    # different orders each waited for the other (a deadlock that ended one tick's work).
    rows.sort(key=lambda row: row["key"])
    dialect = db.engine.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # One statement given every row (the driver sends them in batches of many rows each):
    # compiled once and cached, where a statement spelling out each batch's values was
    # compiled again every time. RETURNING counts what was inserted (psycopg reports no
    # rowcount here).
    statement = (
        insert(Reminder).on_conflict_do_nothing(index_elements=["key"]).returning(Reminder.id)
    )
    return len(db.session.execute(statement, rows).all())

"""Turn a feed's contents into an iCalendar (RFC 5545) document with the icalendar library.

The words are in the current language (the feed's owner's, set by the view).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from flask_babel import gettext
from icalendar import Calendar, Event, vDuration

from tracker.calendar.services import FeedContents, FeedTask, PeakDay, WarmupDay
from tracker.i18n.format import day, say_list, separator
from tracker.i18n.seeds import seed_name, source_text, task_description, task_title
from tracker.i18n.text import localize
from tracker.playbook.catalog import Catalog
from tracker.tasks.models import Task

PRODID = "-//tracker//Store task calendar//EN"
# Asked of clients that honour it (Apple, Thunderbird, Outlook); Google polls on its own.
REFRESH = timedelta(hours=1)
ONE_DAY = timedelta(days=1)
# A task due at an hour (an urgent take-over) shows from when it was made until it is due,
# but never as a block longer than this.
LONGEST_TIMED = timedelta(hours=24)
SHORTEST_TIMED = timedelta(minutes=30)


def feed_calendar(
    contents: FeedContents,
    catalog: Catalog,
    *,
    host: str,
    task_url: Callable[[Task], str],
    now: datetime,
) -> bytes:
    """Return the feed as iCalendar bytes: tasks, peaks and warm-up starts as events.

    UIDs name the task (or the market, peak and day) and the host, so a client that
    fetches the feed again updates its events instead of adding copies.
    """
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", contents.name)
    calendar.add(
        "x-wr-caldesc",
        gettext(
            "Open tasks, peaks and warm-up starts from tracker. Due dates are all-day, "
            "in each store's own time zone."
        ),
    )
    calendar.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    stamp = now.replace(microsecond=0)
    for item in contents.tasks:
        calendar.add_component(_task_event(item, catalog, host, task_url(item.task), stamp))
    for peak_day in contents.peaks:
        calendar.add_component(_peak_event(peak_day, catalog, host, stamp))
    for warmup in contents.warmups:
        calendar.add_component(_warmup_event(warmup, catalog, host, stamp))
    return calendar.to_ical()


def _task_event(item: FeedTask, catalog: Catalog, host: str, link: str, stamp: datetime) -> Event:
    task, store = item.task, item.store
    event = Event()
    event.add("uid", f"task-{task.id}@{host}")
    event.add("dtstamp", stamp)
    if task.due_at is not None:
        # Due at an instant: a timed event in UTC, ending when it is due.
        start = max(task.created_at, task.due_at - LONGEST_TIMED)
        if task.due_at - start < SHORTEST_TIMED:
            start = task.due_at - SHORTEST_TIMED
        event.add("dtstart", start.replace(microsecond=0))
        event.add("dtend", task.due_at.replace(microsecond=0))
    else:
        # ``due_on`` is already the date in the store's zone: an all-day event on it.
        event.add("dtstart", task.due_on)
        event.add("dtend", task.due_on + ONE_DAY)
    event.add("summary", f"{task_title(task)} · {store.name}")
    event.add("description", _task_description(item, catalog, link))
    event.add("url", link)
    event.add("categories", [seed_name("phase", task.phase)])
    event.add("created", task.created_at.replace(microsecond=0))
    event.add("last-modified", task.updated_at.replace(microsecond=0))
    if task.critical:
        event.add("priority", 1)
    event.add("transp", "TRANSPARENT")  # a due date does not make anyone busy
    return event


def _task_description(item: FeedTask, catalog: Catalog, link: str) -> str:
    task, store = item.task, item.store
    lines = [
        gettext(
            "Store: %(store)s (%(market)s)",
            store=store.name,
            market=seed_name("market", store.market),
        )
    ]
    if task.due_at is not None:
        lines.append(gettext("Due by %(when)s UTC", when=f"{task.due_at:%Y-%m-%d %H:%M}"))
    else:
        lines.append(gettext("Due on %(day)s (%(zone)s)", day=day(task.due_on), zone=store.zone))
    if task.critical:
        lines.append(gettext("Critical"))
    if item.locked_because:
        locked = separator().join(localize(reason) for reason in item.locked_because)
        lines.append(gettext("Locked: %(why)s", why=locked))
    who = task.assignee.display_name if task.assignee is not None else gettext("nobody yet")
    lines.append(gettext("Who: %(who)s", who=who))
    description = task_description(task)
    if description:
        lines += ["", description]
    if task.source:
        lines += ["", gettext("Why: %(source)s", source=source_text(task.source))]
    lines += ["", link]
    return "\n".join(lines)


def _peak_event(peak_day: PeakDay, catalog: Catalog, host: str, stamp: datetime) -> Event:
    peak, market = peak_day.peak, seed_name("market", peak_day.market)
    name = seed_name("peak", peak.key, peak.name)
    event = Event()
    event.add("uid", f"peak-{peak_day.market}-{peak.key}-{peak.date.isoformat()}@{host}")
    event.add("dtstamp", stamp)
    event.add("dtstart", peak.date)
    event.add("dtend", peak.date + ONE_DAY)
    event.add("summary", gettext("Peak: %(peak)s (%(market)s)", peak=name, market=market))
    lines = [
        gettext(
            "%(peak)s, a peak in %(market)s, for: %(stores)s.",
            peak=name,
            market=market,
            stores=say_list(list(peak_day.stores)),
        ),
        gettext("Warm-up from %(day)s.", day=day(peak.warmup_starts_on)),
    ]
    if peak.supply_side:
        lines.append(gettext("A supply-side peak: factories and forwarders close around it."))
    elif peak.stock_up:
        lines.append(gettext("Stock should be in the warehouse by the warm-up start."))
    event.add("description", "\n".join(lines))
    event.add("categories", [gettext("Peak")])
    event.add("transp", "TRANSPARENT")
    return event


def _warmup_event(warmup: WarmupDay, catalog: Catalog, host: str, stamp: datetime) -> Event:
    market = seed_name("market", warmup.market)
    names = say_list(list(dict.fromkeys(seed_name("peak", p.key, p.name) for p in warmup.peaks)))
    event = Event()
    event.add("uid", f"warmup-{warmup.market}-{warmup.day.isoformat()}@{host}")
    event.add("dtstamp", stamp)
    event.add("dtstart", warmup.day)
    event.add("dtend", warmup.day + ONE_DAY)
    event.add(
        "summary", gettext("Warm-up starts: %(peaks)s (%(market)s)", peaks=names, market=market)
    )
    peaks = say_list(
        [
            gettext("%(peak)s on %(day)s", peak=seed_name("peak", p.key, p.name), day=day(p.date))
            for p in warmup.peaks
        ]
    )
    event.add(
        "description",
        gettext(
            "The warm-up for %(peaks)s starts in %(market)s, for: %(stores)s.",
            peaks=peaks,
            market=market,
            stores=say_list(list(warmup.stores)),
        ),
    )
    event.add("categories", [gettext("Peak")])
    event.add("transp", "TRANSPARENT")
    return event

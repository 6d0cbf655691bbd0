"""Turn a feed's contents into an iCalendar (RFC 5545) document with the icalendar library."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from icalendar import Calendar, Event, vDuration

from tracker.calendar.services import FeedContents, FeedTask, PeakDay, WarmupDay
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
        "Open tasks, peaks and warm-up starts from tracker. Due dates are all-day, "
        "in each store's own time zone.",
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
    event.add("summary", f"{task.title} · {store.name}")
    event.add("description", _task_description(item, catalog, link))
    event.add("url", link)
    phase = catalog.phases.get(task.phase)
    event.add("categories", [phase.name if phase else task.phase])
    event.add("created", task.created_at.replace(microsecond=0))
    event.add("last-modified", task.updated_at.replace(microsecond=0))
    if task.critical:
        event.add("priority", 1)
    event.add("transp", "TRANSPARENT")  # a due date does not make anyone busy
    return event


def _task_description(item: FeedTask, catalog: Catalog, link: str) -> str:
    task, store = item.task, item.store
    market = catalog.markets.get(store.market)
    lines = [f"Store: {store.name} ({market.name if market else store.market})"]
    if task.due_at is not None:
        lines.append(f"Due by {task.due_at:%Y-%m-%d %H:%M} UTC")
    else:
        lines.append(f"Due on {task.due_on.isoformat()} ({store.zone})")
    if task.critical:
        lines.append("Critical")
    if item.locked_because:
        lines.append("Locked: " + "; ".join(item.locked_because))
    who = task.assignee.display_name if task.assignee is not None else "nobody yet"
    lines.append(f"Who: {who}")
    if task.description:
        lines += ["", task.description]
    if task.source:
        lines += ["", f"Why: {task.source}"]
    lines += ["", link]
    return "\n".join(lines)


def _market_name(catalog: Catalog, code: str) -> str:
    market = catalog.markets.get(code)
    return market.name if market else code


def _peak_event(peak_day: PeakDay, catalog: Catalog, host: str, stamp: datetime) -> Event:
    peak, market = peak_day.peak, _market_name(catalog, peak_day.market)
    event = Event()
    event.add("uid", f"peak-{peak_day.market}-{peak.key}-{peak.date.isoformat()}@{host}")
    event.add("dtstamp", stamp)
    event.add("dtstart", peak.date)
    event.add("dtend", peak.date + ONE_DAY)
    event.add("summary", f"Peak: {peak.name} ({market})")
    lines = [
        f"{peak.name}, a peak in {market}, for: {', '.join(peak_day.stores)}.",
        f"Warm-up from {peak.warmup_starts_on.isoformat()}.",
    ]
    if peak.supply_side:
        lines.append("A supply-side peak: factories and forwarders close around it.")
    elif peak.stock_up:
        lines.append("Stock should be in the warehouse by the warm-up start.")
    event.add("description", "\n".join(lines))
    event.add("categories", ["Peak"])
    event.add("transp", "TRANSPARENT")
    return event


def _warmup_event(warmup: WarmupDay, catalog: Catalog, host: str, stamp: datetime) -> Event:
    market = _market_name(catalog, warmup.market)
    names = ", ".join(dict.fromkeys(peak.name for peak in warmup.peaks))
    event = Event()
    event.add("uid", f"warmup-{warmup.market}-{warmup.day.isoformat()}@{host}")
    event.add("dtstamp", stamp)
    event.add("dtstart", warmup.day)
    event.add("dtend", warmup.day + ONE_DAY)
    event.add("summary", f"Warm-up starts: {names} ({market})")
    peaks = ", ".join(f"{peak.name} on {peak.date.isoformat()}" for peak in warmup.peaks)
    event.add(
        "description",
        f"The warm-up for {peaks} starts in {market}, for: {', '.join(warmup.stores)}.",
    )
    event.add("categories", ["Peak"])
    event.add("transp", "TRANSPARENT")
    return event

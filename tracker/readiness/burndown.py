"""Done against planned over time for one store, laid out as a small SVG chart.

Planned is how many one-off tasks were due by each day, done how many had
been ticked off by then (in the store's zone). Recurring occurrences are left
out: they come and go in a rolling window and would drown the line.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from tracker.extensions import db
from tracker.playbook.phrases import Name, Phrase, phrase, phrase_plural
from tracker.readiness.queries import LIVE_STATUSES
from tracker.stores.models import Store
from tracker.tasks.models import Task

# The chart looks this far ahead at most, like the plan's peak work.
HORIZON_DAYS = 120
WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 14, 30


@dataclass(frozen=True)
class Marker:
    """A labelled vertical line: today, or a coming peak."""

    x: float
    label: Phrase
    kind: str


@dataclass(frozen=True)
class Burndown:
    """The two series and their drawing, in SVG user units."""

    start: date
    end: date
    today: date
    total: int
    planned_by_today: int
    done_by_today: int
    planned_points: str
    done_points: str
    y_ticks: tuple[tuple[float, int], ...]
    markers: tuple[Marker, ...]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom_y: float = HEIGHT - BOTTOM

    @property
    def summary(self) -> Phrase:
        return phrase_plural(
            "By %(day)s, %(due)d of %(total)d tasks were due and %(num)d is done.",
            "By %(day)s, %(due)d of %(total)d tasks were due and %(num)d are done.",
            self.done_by_today,
            day=self.today,
            due=self.planned_by_today,
            total=self.total,
        )


def burndown(store: Store, today: date, peaks: list[tuple[date, Name]]) -> Burndown | None:
    """Work out the chart for a store on ``today``; None when it has no dated one-off work."""
    rows = db.session.execute(
        select(Task.due_on, Task.status, Task.completed_at, Task.recurrence).where(
            Task.store_id == store.id, Task.status.in_(LIVE_STATUSES)
        )
    ).all()
    zone = ZoneInfo(store.zone)
    cap = today + timedelta(days=HORIZON_DAYS)
    work = [row for row in rows if row.recurrence is None and row.due_on <= cap]
    if not work:
        return None
    due = Counter(row.due_on for row in work)
    done = Counter(
        row.completed_at.astimezone(zone).date()
        for row in work
        if row.status == "done" and row.completed_at is not None
    )
    start = min([today, store.opened_on, *due, *done])  # a store not open yet starts today
    end = max([today, *due])
    span = max(1, (end - start).days)
    total = len(work)

    def x(day: date) -> float:
        return round(LEFT + (day - start).days / span * (WIDTH - LEFT - RIGHT), 1)

    def y(count: int) -> float:
        return round(TOP + (1 - count / max(1, total)) * (HEIGHT - TOP - BOTTOM), 1)

    def steps(counts: Counter[date], until: date) -> str:
        points, running = [f"{x(start)},{y(0)}"], 0
        for day in sorted(d for d in counts if d <= until):
            points.append(f"{x(day)},{y(running)}")
            running += counts[day]
            points.append(f"{x(day)},{y(running)}")
        points.append(f"{x(until)},{y(running)}")
        return " ".join(points)

    # Month and day only: the axis is short, and the year is on its ends.
    markers = [Marker(x(today), phrase("today %(day)s", day=today.strftime("%m-%d")), "today")]
    markers += [
        Marker(x(on), phrase("%(peak)s %(day)s", peak=name, day=on.strftime("%m-%d")), "peak")
        for on, name in peaks
        if start <= on <= end
    ]
    half = total // 2
    ticks = tuple((y(value), value) for value in sorted({0, half, total}))
    return Burndown(
        start=start,
        end=end,
        today=today,
        total=total,
        planned_by_today=sum(n for d, n in due.items() if d <= today),
        done_by_today=sum(n for d, n in done.items() if d <= today),
        planned_points=steps(due, end),
        done_points=steps(done, today),
        y_ticks=ticks,
        markers=tuple(markers),
    )

"""Plain-text views of plans, peaks and advice for a terminal."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from datetime import date
from typing import Any

from tracker.playbook.catalog import Catalog, Market
from tracker.playbook.peaks import Peak
from tracker.playbook.plan import Plan, PlannedTask

_WIDTH = 100


def relative_due(due_on: date, today: date) -> str:
    """Say how far a due date is from today: 'today', 'in 3 days', '2 days overdue'."""
    days = (due_on - today).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days > 0:
        return f"in {days} days"
    return f"{-days} day{'s' if days != -1 else ''} overdue"


def render_plan_table(plan: Plan, catalog: Catalog) -> str:
    """Lay a plan out by phase: dates, what is critical, what is locked and why."""
    store, profile = plan.store, plan.store.profile
    model = catalog.models[profile.model].name
    estimate = " (estimated from the market's default)" if store.inspection_estimated else ""
    lines = [
        f"{model} · {store.market.name} ({profile.market}) · "
        f"{profile.store_type.replace('_', '-')} · licence {profile.entity}"
        + (f" · {', '.join(profile.categories)}" if profile.categories else ""),
        f"Opened {profile.opened_on.isoformat()} · inspection period until "
        f"{store.inspection_ends_on.isoformat()}{estimate} · dates in {store.timezone}",
        f"Today {plan.today.isoformat()} · planned up to {plan.horizon_ends_on.isoformat()} · "
        f"playbook {plan.playbook_version} · * = critical",
    ]
    if plan.warnings:
        lines += ["", "Warnings"]
        for warning in plan.warnings:
            lines += _wrapped(f"! [{warning.code}] {warning.message}", indent="  ", hang="    ")

    by_phase: dict[str, list[PlannedTask]] = {}
    for task in plan.tasks:
        by_phase.setdefault(task.phase, []).append(task)
    for phase, name in plan.phase_names.items():
        tasks = by_phase.get(phase)
        if not tasks:
            continue
        lines += ["", f"{name} ({len(tasks)})"]
        for task in tasks:
            lines += _task_lines(task, plan.today)

    if plan.stock_up:
        lines += ["", "Stock-up deadlines (worked back from each peak's warm-up)"]
        columns = ("order by", "ship by", "arrive by", "in stock by")
        header = f"  {'peak':<22}" + "".join(f"{name:<13}" for name in columns) + "freight"
        lines.append(header)
        for deadlines in plan.stock_up:
            late = set(deadlines.late(plan.today))

            def cell(name: str, day: date, late: set[str] = late) -> str:
                return f"{day.isoformat()}{'!' if name in late else ' '}"

            lines.append(
                f"  {deadlines.peak.name + ' ' + str(deadlines.peak.date.year):<22}"
                f"{cell('order_by', deadlines.order_by):<13}"
                f"{cell('ship_by', deadlines.ship_by):<13}"
                f"{cell('arrive_by', deadlines.arrive_by):<13}"
                f"{deadlines.in_stock_by.isoformat():<13}"
                f"{deadlines.freight_mode} {deadlines.lead_time_days} d, "
                f"production {deadlines.production_days} d"
            )
            for note in deadlines.adjustments:
                lines += _wrapped(f"note: {note}", indent="    ", hang="      ")
        if any(d.late(plan.today) for d in plan.stock_up):
            lines.append("  ! = already passed: ship by air or re-plan the quantity")
    return "\n".join(lines)


def _task_lines(task: PlannedTask, today: date) -> list[str]:
    mark = "*" if task.critical else " "
    when = relative_due(task.due_on, today)
    head = f"  {task.due_on.isoformat()}  {when:<17}{mark} {task.title}"
    details = [task.key]
    if task.recurrence:
        every = task.recurrence.every
        if task.recurrence.interval > 1:
            every = f"{task.recurrence.interval} {every}s"
        details.append(f"every {every} from {(task.starts_on or task.due_on).isoformat()}")
    if task.estimated:
        details.append("date estimated")
    lines = [head, *_wrapped("; ".join(details), indent=" " * 33, hang=" " * 33)]
    if task.locked and task.gate:
        lines += _wrapped(f"LOCKED: {task.gate.reason}", indent=" " * 33, hang=" " * 41)
    return lines


def _wrapped(text: str, *, indent: str, hang: str) -> list[str]:
    return textwrap.wrap(text, width=_WIDTH, initial_indent=indent, subsequent_indent=hang) or [
        indent
    ]


def render_peaks_table(peaks: Iterable[Peak], market: Market, year: int) -> str:
    """List peaks one a line: date, name, warm-up start."""
    peaks = list(peaks)
    # Each column as wide as its longest cell, and two spaces apart: a long name or key
    # ("Hari Raya Aidilfitri (Lebaran)") never runs into the next column.
    name_width = max([len("peak"), *(len(peak.name) for peak in peaks)]) + 2
    key_width = max([len("key"), *(len(peak.key) for peak in peaks)]) + 2
    lines = [f"Peaks in {market.name} ({market.code}), {year}", ""]
    lines.append(f"  {'date':<12}{'peak':<{name_width}}{'key':<{key_width}}warm-up from")
    for peak in peaks:
        lead = (peak.date - peak.warmup_starts_on).days
        lines.append(
            f"  {peak.date.isoformat():<12}{peak.name:<{name_width}}{peak.key:<{key_width}}"
            f"{peak.warmup_starts_on.isoformat()} ({lead} days before)"
        )
    return "\n".join(lines)


def render_advice_table(advice: dict[str, Any], catalog: Catalog) -> str:
    """Show the recommendation, the scores and each answer's reason."""
    names = {key: model.name for key, model in catalog.models.items()}
    scores = ", ".join(f"{names[k]} {v}" for k, v in advice["scores"].items())
    recommended = advice["recommended"]
    lines = [f"Recommended: {names[recommended] if recommended else 'nothing yet'}  ({scores})"]
    if advice.get("deciding_questions"):
        lines += _wrapped(
            "Questions that would decide: " + ", ".join(advice["deciding_questions"]),
            indent="",
            hang="  ",
        )
    if advice.get("market_note"):
        lines += _wrapped(f"Note: {advice['market_note']}", indent="", hang="  ")
    if advice.get("tie_break"):
        lines += _wrapped(f"Tie: {advice['tie_break']['why']}", indent="", hang="  ")
    lines.append("")
    for reason in advice["reasons"]:
        lines += _wrapped(
            f"+{reason['weight']} {names[reason['favours']]} ({reason['answer']}): {reason['why']}",
            indent="  ",
            hang="      ",
        )
        if reason.get("note"):
            lines += _wrapped(f"({reason['note']})", indent="      ", hang="      ")
    return "\n".join(lines)

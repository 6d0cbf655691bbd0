"""Stores, tasks and activity as the API's JSON."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from tracker.accounts.models import Account
from tracker.activity.models import Activity
from tracker.checklists.models import Checklist
from tracker.clock import local_today
from tracker.i18n.text import plain
from tracker.lives.models import LiveSession
from tracker.playbook.catalog import Catalog
from tracker.playbook.eligibility import check_eligibility
from tracker.readiness.queries import PeakScope, Scope, StoreReadiness
from tracker.reminders.models import Reminder
from tracker.stockup.models import ProductLine
from tracker.stores.health import ShopHealth
from tracker.stores.models import Store
from tracker.tasks.listing import ListedTask
from tracker.tasks.models import Task, TaskComment
from tracker.tasks.queries import done_keys


def store_json(store: Store, catalog: Catalog) -> dict[str, Any]:
    profile = store.profile_json()
    return {
        "id": store.id,
        "name": store.name,
        **profile,
        "profile": profile,
        "zone": store.zone,
        "warnings": [w.to_json() for w in check_eligibility(store.profile(), catalog)],
        "overrides": [
            {
                "code": o.code,
                "reason": o.reason,
                "by": o.user.email if o.user else None,
                "at": o.created_at.isoformat(),
            }
            for o in store.overrides
        ],
        "live_target_per_week": store.live_target_per_week,
        "playbook_version": store.playbook_version,
        "created_at": store.created_at.isoformat(),
    }


def tasks_json(store: Store, tasks: Sequence[Task]) -> list[dict[str, Any]]:
    """Serialise many tasks of one store, working out locks once."""
    today = local_today(store.zone)
    done = done_keys(store.id)
    return [task_json(task, today=today, done=done) for task in tasks]


def task_json(
    task: Task,
    *,
    today: date | None = None,
    done: set[str] | None = None,
    reasons: list[str] | None = None,
) -> dict[str, Any]:
    if reasons is None:
        # Only open gated work can be locked: the rest needs neither its store nor what is done.
        if task.gate is None or task.status != "open":
            reasons = []
        else:
            store = task.store
            today = today or local_today(store.zone)
            done = done if done is not None else done_keys(store.id)
            reasons = task.lock_reasons(today, done, store.followers)
    status = "locked" if reasons else task.status
    return {
        "id": task.id,
        "store_id": task.store_id,
        "key": task.key,
        "title": task.title,
        "description": task.description,
        "phase": task.phase,
        "due_on": task.due_on.isoformat(),
        "due_at": task.due_at.isoformat() if task.due_at else None,
        "status": status,
        "locked_because": [plain(reason) for reason in reasons],
        "gate": task.gate,
        "recurrence": task.recurrence,
        "peak": task.peak_key,
        "peak_date": task.peak_date.isoformat() if task.peak_date else None,
        "critical": task.critical,
        "source": task_source(task),
        "origin": task.origin,
        "estimated": task.estimated,
        "assignee_id": task.assignee_id,
        "note": task.note,
        "evidence_url": task.evidence_url,
        "completed_at": task.completed_at.isoformat() if task.completed_at else None,
        "completed_by": task.completed_by.email if task.completed_by else None,
        "playbook_version": task.playbook_version,
        "checklist_version": task.checklist_version,
    }


def listed_json(listed: ListedTask) -> dict[str, Any]:
    """A task from a list, its lock already worked out."""
    task = listed.task
    return task_json(task, today=listed.today, done=None, reasons=listed.reasons)


def inbox_json(entry: Reminder, now: Mapping[int, ListedTask]) -> dict[str, Any]:
    """A reminder as the inbox shows it: what was sent, and each task as it stands ``now``
    (a task missing from ``now`` is gone: deleted, or on a store the reader left)."""
    payload = entry.payload or {}
    tasks = []
    for sent in payload.get("tasks", []):
        listed = now.get(sent["id"])
        tasks.append(
            {
                "id": sent["id"],
                "title": sent["title"],
                "due_on": listed.task.due_on.isoformat() if listed else sent["due_on"],
                "store": {"id": sent["store"]["id"], "name": sent["store"]["name"]},
                "url": sent["url"],
                "status": listed.status if listed else "gone",
            }
        )
    store = payload.get("store")
    return {
        "id": entry.id,
        "kind": entry.kind,
        "subject": entry.subject,
        "text": entry.text,
        "language": payload.get("language"),
        "url": payload.get("url"),
        "store": {"id": store["id"], "name": store["name"]} if store else None,
        "tasks": tasks,
        "queued_at": entry.created_at.isoformat(),
        "sent_at": entry.sent_at.isoformat() if entry.sent_at else None,
        "read": entry.read_at is not None,
        "read_at": entry.read_at.isoformat() if entry.read_at else None,
        "dismissed": entry.state == "dismissed",
    }


def comment_json(comment: TaskComment, mentioned: Sequence[str] = ()) -> dict[str, Any]:
    return {
        "id": comment.id,
        "task_id": comment.task_id,
        "body": comment.body,
        "by": comment.author.email if comment.author else None,
        "at": comment.created_at.isoformat(),
        "mentioned": list(mentioned),
    }


def activity_json(entry: Activity) -> dict[str, Any]:
    return {
        "id": entry.id,
        "task_id": entry.task_id,
        "kind": entry.kind,
        "message": entry.message,
        "by": entry.user.email if entry.user else None,
        "at": entry.created_at.isoformat(),
    }


def account_json(account: Account) -> dict[str, Any]:
    return {
        "id": account.id,
        "store_id": account.store_id,
        "handle": account.handle,
        "kind": account.kind,
        "entity": account.entity,
        "bound_on": account.bound_on.isoformat(),
        "unbound_on": account.unbound_on.isoformat() if account.unbound_on else None,
    }


def live_json(live: LiveSession) -> dict[str, Any]:
    return {
        "id": live.id,
        "store_id": live.store_id,
        "started_at": live.started_at.isoformat(),
        "minutes": live.minutes,
        "note": live.note,
        "gmv": live.gmv,
    }


def line_json(line: ProductLine) -> dict[str, Any]:
    return {
        "id": line.id,
        "store_id": line.store_id,
        "name": line.name,
        "current_stock": line.current_stock,
        "daily_sales": line.daily_sales,
        "safety_days": line.safety_days,
        "uplift_percent": line.uplift_percent,
        "freight_mode": line.freight_mode,
        "lead_time_days": line.lead_time_days,
        "production_days": line.production_days,
        "skus": list(line.skus or ()),
    }


def readiness_json(row: StoreReadiness) -> dict[str, Any]:
    """One store's readiness, the contract's keys first."""
    store, peak = row.store, row.next_peak
    return {
        "store_id": store.id,
        "name": store.name,
        "onboarding": _scope_json(row.onboarding),
        "next_peak": _peak_json(peak) if peak else None,
        "overdue": row.overdue,
        "blocked": len(row.blocked),
        "status": row.status,
        "reasons": row.reasons,
        "model": store.model,
        "market": store.market,
        "store_type": store.store_type,
        "today": row.today.isoformat(),
        "peaks": [_peak_json(p) for p in row.peaks],
        "blocked_tasks": [
            {
                "id": task.id,
                "key": task.key,
                "title": task.title,
                "due_on": task.due_on.isoformat(),
                "locked_because": [plain(reason) for reason in task.locked_because],
                "reason": task.gate_reason,
            }
            for task in row.blocked
        ],
        "last_activity_at": row.last_activity_at.isoformat() if row.last_activity_at else None,
        "shop_health": _health_json(row.shop_health) if row.shop_health else None,
        "data_as_of": row.data_as_of.isoformat() if row.data_as_of else None,
        "data_stale": row.data_stale,
    }


def _health_json(health: ShopHealth) -> dict[str, Any]:
    return {
        "as_of": health.as_of.isoformat(),
        "window_starts_on": health.window_starts_on.isoformat(),
        "orders": health.orders,
        "late_dispatch_rate": health.late_dispatch_rate,
        "seller_cancel_rate": health.seller_cancel_rate,
        "source": health.source,
    }


def _scope_json(scope: Scope) -> dict[str, Any]:
    tally = scope.tally
    return {
        "done": tally.done,
        "total": tally.total,
        "percent": scope.percent,
        "status": scope.status,
        "reasons": list(scope.assessment.reasons),
        "overdue": tally.overdue,
        "critical_overdue": tally.critical_overdue,
        "days_left": tally.days_left,
    }


def _peak_json(peak: PeakScope) -> dict[str, Any]:
    return {
        "key": peak.key,
        "date": peak.falls_on.isoformat(),
        "name": peak.name,
        "warmup_starts_on": peak.warmup_starts_on.isoformat() if peak.warmup_starts_on else None,
        **_scope_json(peak),
        "stock_up_overdue": peak.tally.stock_up_overdue,
    }


def task_source(task: Task) -> str:
    """Where a task comes from: a guide's section, or the team's checklist and its version."""
    if task.origin == "checklist":
        return f"from checklist {task.source}, version {task.checklist_version}"
    return task.source


def checklist_json(checklist: Checklist) -> dict[str, Any]:
    return {
        "id": checklist.id,
        "version": checklist.version,
        "updated_at": checklist.updated_at.isoformat(),
        **checklist.spec().to_json(),
    }

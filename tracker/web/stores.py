"""Store pages: the list, the set-up wizard, the plan, profile edits with a preview, members."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import login_required
from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from tracker.accounts.services import bound_accounts
from tracker.activity.models import Activity
from tracker.auth.access import require_manager
from tracker.calendar.services import live_feed
from tracker.catalog import get_catalog, market_note_for
from tracker.clock import local_today
from tracker.errors import InputError, whole_number_or_text
from tracker.extensions import db
from tracker.i18n.format import number
from tracker.i18n.seeds import task_title
from tracker.imports.services import order_count_imported_as_of, stale_since
from tracker.imports.settings import import_settings
from tracker.lives.services import cadence
from tracker.partner.services import partner_status
from tracker.plans import stores as plan_stores
from tracker.plans.forward import is_behind, roll_store_forward
from tracker.plans.sync import OCCURRENCE_WINDOW_DAYS, PEAK_HORIZON_DAYS
from tracker.playbook.advisor import AnswerError, advise
from tracker.playbook.catalog import Catalog
from tracker.playbook.eligibility import check_eligibility
from tracker.playbook.plan import peak_slot
from tracker.playbook.profile import resolve_profile
from tracker.stores import services
from tracker.stores.access import store_for, visible_stores
from tracker.stores.models import Store
from tracker.tasks.listing import find_tasks
from tracker.tasks.models import Task
from tracker.tasks.queries import plan_counts_of
from tracker.tasks.services import add_custom_task
from tracker.web.feedback import Refusal, flash_refusal
from tracker.web.session import current_user
from tracker.web.store_forms import advisor_answers, overrides_from, store_fields
from tracker.web.tasks import filters_from_request

bp = Blueprint("stores", __name__, url_prefix="/stores")
# The paid-ads task, whose gate conditions the store page lists one by one.
ADS_TASK = "ads.launch"


@bp.get("")
@login_required
def list_stores() -> str:
    """List the stores the person may see, with open, overdue and done counts."""
    stores = db.session.scalars(
        visible_stores(current_user).order_by(Store.name_key, Store.id)
    ).all()
    counts = _task_counts([store.id for store in stores])
    return render_template("stores/list.html", stores=stores, counts=counts, catalog=get_catalog())


def _task_counts(store_ids: list[int]) -> dict[int, dict[str, int]]:
    """Count open and done tasks per store in one query."""
    if not store_ids:
        return {}
    rows = db.session.execute(
        select(
            Task.store_id,
            func.sum(case((Task.status == "open", 1), else_=0)),
            func.sum(case((Task.status == "done", 1), else_=0)),
        )
        .where(Task.store_id.in_(store_ids))
        .group_by(Task.store_id)
    )
    return {store_id: {"open": int(o or 0), "done": int(d or 0)} for store_id, o, d in rows}


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_store() -> Any:
    """Set a store up: its profile, advice on the model, warnings to override, then its plan."""
    require_manager(current_user)
    catalog = get_catalog()
    form = request.form
    context: dict[str, Any] = {
        "form": form,
        "catalog": catalog,
        "errors": None,
        "advice": None,
        "review": None,
    }
    if request.method == "GET":
        return render_template("stores/new.html", **context)

    action = form.get("action", "review")
    try:
        answers = advisor_answers(form, catalog.advisor)
    except AnswerError as error:
        context["errors"] = InputError.one(f"answer_{error.key}", error.message)
        return render_template("stores/new.html", **context), 400
    if action == "advise":
        advice = advise(answers, catalog.advisor)
        market = form.get("market", "").strip().upper()
        note = market_note_for(advice, market, catalog) if market in catalog.markets else None
        context["advice"] = advice
        context["market_note"] = note
        context["form"] = form.copy()
        if not form.get("model") and advice.recommended:
            context["form"]["model"] = advice.recommended
        return render_template("stores/new.html", **context)

    try:
        store_input = services.parse_store_input(store_fields(form), catalog)
    except InputError as error:
        context["errors"] = error
        return render_template("stores/new.html", **context), 400
    context["review"] = _review(store_input, catalog)
    if action != "create":
        return render_template("stores/new.html", **context)

    try:
        overrides = services.require_overrides(store_input, overrides_from(form))
    except InputError as error:
        context["errors"] = error
        return render_template("stores/new.html", **context), 400
    store, changes = plan_stores.create_store(
        store_input,
        catalog,
        actor=current_user,
        overrides=overrides,
        advisor_answers=answers or None,
    )
    db.session.commit()
    flash(
        ngettext(
            "%(store)s is set up with %(num)d task.",
            "%(store)s is set up with %(num)d tasks.",
            changes.summary()["added"],
            store=store.name,
        ),
        "success",
    )
    return redirect(url_for("stores.plan", store_id=store.id))


def _review(store_input: services.StoreInput, catalog: Any) -> dict[str, Any]:
    """What the wizard shows before creating: warnings and the very tasks it will create."""
    changes = plan_stores.preview_new_store(store_input, catalog)
    plan = changes.plan
    by_phase: dict[str, int] = {key: 0 for key in catalog.phases}
    for row in changes.added:
        by_phase[row.values["phase"]] = by_phase.get(row.values["phase"], 0) + 1
    # A row is its task's by key and slot: a peak's work has one key for every peak (the slot
    # says which), a recurring task one key for all its occurrences (its slot is the day).
    planned = {
        (task.key, peak_slot(task.peak.key, task.peak.date) if task.peak else ""): task
        for task in plan.tasks
    }
    recurring = {task.key: task for task in plan.tasks if task.recurrence is not None}

    def planned_task(row: Any) -> Any:
        return planned.get((row.key, row.slot)) or recurring.get(row.key)

    rows = sorted(changes.added, key=lambda row: (row.values["due_on"], row.key))
    eligibility = {warning.code for warning in store_input.warnings}
    return {
        "warnings": store_input.warnings,
        # What the plan itself warns of (peak work left out because it falls before the
        # store opens, an inbound request that would expire): to know, nothing to override.
        "plan_warnings": [warning for warning in plan.warnings if warning.code not in eligibility],
        "needs_override": services.WARNINGS_NEEDING_OVERRIDE,
        "plan": plan,
        "total": len(changes.added),
        "by_phase": {phase: count for phase, count in by_phase.items() if count},
        "first_tasks": [
            (row.values["due_on"], task)
            for row in rows[:8]
            if (task := planned_task(row)) is not None
        ],
        "occurrence_days": OCCURRENCE_WINDOW_DAYS,
        "peak_days": PEAK_HORIZON_DAYS,
    }


@bp.get("/<int:store_id>")
@login_required
def plan(store_id: int) -> Any:
    """Show the store's plan by phase: due dates, locks and why, sources, who does what."""
    return render_plan(store_for(current_user, store_id))


def render_plan(store: Store, refused: Refusal | None = None) -> Any:
    """The store's page; with a refusal, shown beside the form that was used (status 400)."""
    catalog = get_catalog()
    if store.market not in catalog.markets:
        # An operator took the market out of the seeds: the plan cannot be worked out, the
        # store's settings can still change its market.
        page = render_template(
            "error.html",
            title=gettext("This store's market is no longer in the playbooks"),
            message=gettext(
                "Its market, %(market)s, is not in the playbooks any more, so its plan cannot "
                "be shown. Choose another market in the store's settings, or ask whoever runs "
                "the app to restore it.",
                market=store.market,
            ),
            link=url_for("stores.edit", store_id=store.id),
            link_text=gettext("Change the store's market"),
        )
        return page, 409
    today = local_today(store.zone)
    catch_up_plan(store, catalog)
    tasks = db.session.scalars(
        select(Task)
        .where(Task.store_id == store.id, Task.status.in_(("open", "done")))
        .order_by(Task.due_on, Task.id)
    ).all()
    # Who may be handed the tasks, and who they are assigned to or were ticked off by, in
    # one read; ``named`` holds those not on the store in the session while the page draws.
    people, named = services.assignable_people_reading(
        store,
        current_user,
        [task.assignee_id for task in tasks] + [task.completed_by_id for task in tasks],
    )
    done = {t.done_mark for t in tasks if t.status == "done"}
    filters = filters_from_request()
    shown: set[int] | None = None
    if filters.narrowed:
        scoped = dataclasses.replace(filters, store_id=store.id)
        shown = {item.task.id for item in find_tasks(current_user, scoped, limit=None).items}
    phases: dict[str, list[tuple[Task, list[str]]]] = {key: [] for key in catalog.phases}
    later: dict[str, list[tuple[Task, list[str]]]] = {}
    upcoming_shown: set[str] = set()
    for task in tasks:
        if shown is not None and task.id not in shown:
            continue
        reasons = task.lock_reasons(today, done, store.followers)
        # A recurring task shows its past and today's occurrences and the next one;
        # the rest of the fortnight folds away so the page stays short.
        if task.recurrence is not None and task.due_on > today:
            if task.key in upcoming_shown:
                later.setdefault(task.phase, []).append((task, reasons))
                continue
            upcoming_shown.add(task.key)
        phases.setdefault(task.phase, []).append((task, reasons))
    resolved = resolve_profile(store.profile(), catalog)
    ad_gate = _ad_gate(tasks, done, store)
    page = render_template(
        "stores/plan.html",
        store=store,
        catalog=catalog,
        phases=phases,
        later=later,
        resolved=resolved,
        accounts=bound_accounts(store),
        ad_gate=ad_gate,
        cadence=cadence(store, catalog) if store.model == "pop" else None,
        today=today,
        people=people,
        warnings=check_eligibility(store.profile(), catalog),
        plan_warnings=plan_stores.plan_warnings(store, catalog, today),
        counts=plan_counts_of(tasks),  # the tasks read above: open and done
        filters=filters,
        data_stale_since=stale_since(store, import_settings(), today),
        partner=partner_status(store),
        orders_imported_as_of=order_count_imported_as_of(store),
        # Read here, not from inside the template (calendar/_store_feed.html).
        store_feed=live_feed(store=store),
        refused=refused,
    )
    del named  # held until the page is drawn
    return page, (400 if refused else 200)


def catch_up_plan(store: Store, catalog: Catalog) -> None:
    """Roll the plan forward to the store's today if nobody has yet, and commit.

    The scheduler does this daily; a page opened first does not wait for it, and does
    exactly what the scheduler would (``roll_store_forward``).
    """
    if not is_behind(store):
        return
    try:
        roll_store_forward(store.id, catalog)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # SQLite: another request rolled it forward at the same moment


def _ad_gate(tasks: Sequence[Task], done: set[str], store: Store) -> list[tuple[str, bool]] | None:
    """Each condition of the paid-ads task's gate, met or not, for the store page."""
    ads = next((t for t in tasks if t.key == ADS_TASK and t.status == "open" and t.gate), None)
    if ads is None or ads.gate is None:
        return None
    titles = {t.key: task_title(t) for t in tasks}
    conditions = [(titles.get(key, key), key in done) for key in ads.gate.get("tasks", ())]
    target = ads.gate.get("followers_at_least")
    if target is not None:
        conditions.append(
            (
                gettext(
                    "%(followers)s of %(target)s followers",
                    followers=number(store.followers),
                    target=number(target),
                ),
                store.followers >= target,
            )
        )
    return conditions


@bp.route("/<int:store_id>/edit", methods=["GET", "POST"])
@login_required
def edit(store_id: int) -> Any:
    """Change the profile: first show what the plan will do, then apply it on confirmation."""
    store = store_for(current_user, store_id)
    require_manager(current_user)
    catalog = get_catalog()
    if request.method == "GET":
        form = dict(store.profile_json(), name=store.name)
        return render_template(
            "stores/edit.html", store=store, catalog=catalog, form=form, errors=None, changes=None
        )
    form = request.form
    try:
        store_input = services.parse_store_input(
            store_fields(form, blank_clears=True), catalog, current=store
        )
    except InputError as error:
        return render_template(
            "stores/edit.html", store=store, catalog=catalog, form=form, errors=error, changes=None
        ), 400
    if form.get("action") != "apply":
        changes = plan_stores.preview_store_update(store, store_input, catalog)
        db.session.rollback()
        return render_template(
            "stores/edit.html",
            store=store,
            catalog=catalog,
            form=form,
            errors=None,
            changes=changes,
            store_input=store_input,
        )
    changes = plan_stores.update_store(store, store_input, catalog, actor=current_user)
    db.session.commit()
    summary = changes.summary()
    flash(
        ngettext(
            "Profile saved. Plan: %(added)s added, %(moved)s moved, %(retired)s retired; "
            "%(num)d done task untouched.",
            "Profile saved. Plan: %(added)s added, %(moved)s moved, %(retired)s retired; "
            "%(num)d done tasks untouched.",
            summary["done_untouched"],
            added=summary["added"],
            moved=summary["moved"],
            retired=summary["retired"],
        ),
        "success",
    )
    return redirect(url_for("stores.plan", store_id=store.id))


@bp.post("/<int:store_id>/followers")
@login_required
def followers(store_id: int) -> Any:
    """Record the store's follower count (anyone on the store may)."""
    store = store_for(current_user, store_id)
    catalog = get_catalog()
    raw = request.form.get("followers", "").strip()
    value: Any = whole_number_or_text(raw)
    try:
        store_input = services.parse_store_input({"followers": value}, catalog, current=store)
    except InputError as error:
        flash_refusal(
            InputError([e for e in error.errors if e.field == "followers"] or error.errors)
        )
        return redirect(url_for("stores.plan", store_id=store.id))
    plan_stores.update_store(store, store_input, catalog, actor=current_user)
    db.session.commit()
    flash(gettext("Followers set to %(followers)s.", followers=number(store.followers)), "success")
    return redirect(url_for("stores.plan", store_id=store.id))


@bp.get("/<int:store_id>/tasks/new")
@login_required
def new_task(store_id: int) -> str:
    """Show the form to add a task by hand, open and ready to type in."""
    return _task_form(store_for(current_user, store_id))


@bp.post("/<int:store_id>/tasks")
@login_required
def add_task(store_id: int) -> Any:
    """Add a task by hand; a refusal shows the form again with what was typed."""
    store = store_for(current_user, store_id)
    # A form leaves a choice out as an empty string: the default then applies.
    raw: dict[str, Any] = {
        k: v
        for k, v in request.form.items()
        if k in ("title", "description", "due_on", "phase", "assignee_id") and v != ""
    }
    raw["critical"] = request.form.get("critical") == "on"
    try:
        task = add_custom_task(store, raw, get_catalog(), current_user)
    except InputError as error:
        db.session.rollback()
        return _task_form(store, errors=error, form=request.form), 400
    db.session.commit()
    flash(gettext("Added “%(title)s”.", title=task.title), "success")
    return redirect(url_for("stores.plan", store_id=store.id) + f"#task-{task.id}")


def _task_form(store: Store, *, errors: InputError | None = None, form: Any = None) -> str:
    return render_template(
        "stores/add_task.html",
        store=store,
        catalog=get_catalog(),
        people=services.assignable_people(store, current_user),
        errors=errors,
        form=form if form is not None else {},
    )


@bp.get("/<int:store_id>/activity")
@login_required
def activity(store_id: int) -> str:
    """Show the store's activity log, newest first."""
    store = store_for(current_user, store_id)
    entries = db.session.scalars(
        select(Activity)
        .where(Activity.store_id == store.id)
        .options(selectinload(Activity.user), selectinload(Activity.task))
        .order_by(Activity.id.desc())
        .limit(300)
    ).all()
    return render_template("stores/activity.html", store=store, entries=entries)

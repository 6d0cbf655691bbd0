"""Creating a store with its plan, and changing its profile with a preview of the plan's changes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import insert

from tracker.activity.services import log_activity
from tracker.auth.models import User
from tracker.clock import local_today
from tracker.extensions import db
from tracker.i18n.changes import change_phrase, changes_said, fields_said, warning_name
from tracker.plans.sync import (
    ENGINE_HORIZON_DAYS,
    PlanChanges,
    apply_plan_changes,
    new_task_rows,
    only_assignable,
    plan_changes,
)
from tracker.playbook.catalog import Catalog
from tracker.playbook.eligibility import Warning, check_eligibility
from tracker.playbook.phrases import phrase
from tracker.playbook.plan import generate_plan
from tracker.playbook.profile import StoreProfile, resolve_profile
from tracker.stores.models import PROFILE_FIELDS, EligibilityOverride, Store
from tracker.stores.services import (
    StoreInput,
    describe_profile,
    set_profile,
    settle_managers_zones,
)
from tracker.tasks.gates import check_gates
from tracker.tasks.models import Task


def create_store(
    store_input: StoreInput,
    catalog: Catalog,
    *,
    actor: User | None,
    overrides: Mapping[str, str] | None = None,
    advisor_answers: Mapping[str, Any] | None = None,
    today: date | None = None,
) -> tuple[Store, PlanChanges]:
    """Create a store and generate its plan; record any eligibility warning overridden."""
    profile = store_input.profile
    resolved = resolve_profile(profile, catalog)
    store = Store(
        name=store_input.name,
        zone=resolved.timezone,
        playbook_version=catalog.version,
        advisor_answers=dict(advisor_answers) if advisor_answers else None,
        created_by=actor,
    )
    set_profile(store, profile)
    db.session.add(store)
    db.session.flush()
    settle_managers_zones(store)  # managers join no store: the first one made gives its zone
    log_activity(
        store.id,
        actor,
        "store_created",
        phrase("Store created: %(profile)s.", profile=describe_profile(profile, catalog)),
    )
    for code, reason in (overrides or {}).items():
        db.session.add(EligibilityOverride(store=store, code=code, reason=reason, user=actor))
        log_activity(
            store.id,
            actor,
            "override",
            phrase(
                "Went ahead despite “%(warning)s”: %(reason)s",
                warning=warning_name(code),
                reason=reason,
            ),
        )
    changes = _first_plan(store, profile, catalog, today or local_today(resolved.timezone))
    apply_plan_changes(store, changes, actor=actor, reason=phrase("store created"), add_new=False)
    rows = only_assignable(new_task_rows(store, changes))
    if rows:
        # One bulk INSERT in the plan's order (the task ids the ORM would give, a row at a time).
        db.session.execute(insert(Task), rows)
    check_gates([store.id])  # note which tasks start locked
    return store, changes


def preview_new_store(
    store_input: StoreInput, catalog: Catalog, *, today: date | None = None
) -> PlanChanges:
    """Say which tasks creating the store would give it, creating nothing.

    The very call ``create_store`` makes, on a store not saved: the review and the store
    it creates count the same tasks, dated the same way.
    """
    profile = store_input.profile
    zone = resolve_profile(profile, catalog).timezone
    store = Store(name=store_input.name, zone=zone, playbook_version=catalog.version)
    set_profile(store, profile)
    return _first_plan(store, profile, catalog, today or local_today(zone))


def plan_warnings(store: Store, catalog: Catalog, today: date) -> list[Warning]:
    """What the store's plan warns of today beyond its eligibility: peak work left out
    because it falls before the opening, an inbound request that would expire. The wizard's
    review says the same before the store is created; the store's page keeps saying it.

    Worked out once a day per profile and playbook (in each process): a page asks on every
    visit, and the plan behind it takes about a millisecond.
    """
    profile = store.profile()
    key = (profile, catalog.version, today)
    found = _PLAN_WARNINGS.get(key)
    if found is None:
        if len(_PLAN_WARNINGS) >= _PLAN_WARNINGS_KEPT:
            _PLAN_WARNINGS.clear()
        plan = generate_plan(profile, catalog, today=today, horizon_days=ENGINE_HORIZON_DAYS)
        eligibility = {warning.code for warning in check_eligibility(profile, catalog)}
        found = _PLAN_WARNINGS[key] = tuple(
            warning for warning in plan.warnings if warning.code not in eligibility
        )
    return list(found)


_PLAN_WARNINGS: dict[tuple[StoreProfile, str, date], tuple[Warning, ...]] = {}
_PLAN_WARNINGS_KEPT = 1024


def _first_plan(store: Store, profile: StoreProfile, catalog: Catalog, today: date) -> PlanChanges:
    """The tasks a new store starts with: its plan's rows (recurring work for two weeks,
    peak work within the horizon) and the checklists in use for it."""
    return plan_changes(store, profile, catalog, today)


def preview_store_update(
    store: Store, store_input: StoreInput, catalog: Catalog, *, today: date | None = None
) -> PlanChanges:
    """Say what applying the new profile would do to the plan, changing nothing."""
    timezone = resolve_profile(store_input.profile, catalog).timezone
    return plan_changes(store, store_input.profile, catalog, today or local_today(timezone))


def update_store(
    store: Store,
    store_input: StoreInput,
    catalog: Catalog,
    *,
    actor: User | None,
    today: date | None = None,
) -> PlanChanges:
    """Apply a new name and profile and regenerate the plan; done tasks are never touched."""
    before = store.profile_json()
    changes = preview_store_update(store, store_input, catalog, today=today)
    store.name = store_input.name
    for name, value in store_input.settings.items():
        setattr(store, name, value)
    set_profile(store, store_input.profile)
    after = store.profile_json()
    changed = [name for name in PROFILE_FIELDS if before[name] != after[name]]
    if changed:
        described = changes_said(change_phrase(name, before[name], after[name]) for name in changed)
        log_activity(
            store.id,
            actor,
            "profile_changed",
            phrase("Profile changed: %(changes)s.", changes=described),
        )
    reason = (
        phrase("profile changed: %(fields)s", fields=fields_said(changed))
        if changed
        else phrase("plan refreshed")
    )
    apply_plan_changes(store, changes, actor=actor, reason=reason)
    check_gates([store.id])  # e.g. followers reached the target: the ads task unlocks now
    return changes

"""Use cases about stores: create one with its plan, change its profile, manage its members."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import bindparam, or_, select

from tracker.activity.services import log_activity
from tracker.auth.access import require_manager
from tracker.auth.models import User
from tracker.auth.services import record_account_event
from tracker.errors import FieldError, InputError
from tracker.extensions import db
from tracker.playbook.catalog import Catalog
from tracker.playbook.eligibility import Warning, check_eligibility
from tracker.playbook.fields import field_errors
from tracker.playbook.phrases import Name, phrase
from tracker.playbook.profile import StoreProfile
from tracker.stores.access import can_work_on
from tracker.stores.models import PROFILE_FIELDS, Store, StoreMembership
from tracker.stores.schemas import (  # noqa: F401  (re-exported: the limits callers check)
    LIVE_TARGET_MAX,
    NAME_MAX,
    REASON_MAX,
    SETTINGS,
    store_change,
    store_new,
)

MEMBER_FIELDS = frozenset({"followers", "orders_to_date", "live_target_per_week"})
# Warnings that say the guides do not support the store as described: the
# set-up wizard asks a manager to override these on purpose before creating it.
WARNINGS_NEEDING_OVERRIDE = frozenset(
    {"model_not_offered_in_market", "entity_not_eligible", "store_type_mismatch"}
)


# Fields that always have a value: null is refused rather than read as "the default".
# (null for an optional figure such as inspection_ends_on means "not known".)
NOT_NULL = frozenset({"model", "market", "entity", "categories", "opened_on", "followers"})


@dataclass(frozen=True)
class StoreInput:
    """A checked store name and profile, ready to create or apply."""

    name: str
    profile: StoreProfile
    warnings: tuple[Warning, ...]
    # Store settings that are not part of the plan's profile (live cadence target).
    settings: Mapping[str, Any] = field(default_factory=dict)
    # Warnings a new store's creator asked to go ahead despite: (code, reason).
    requested_overrides: tuple[tuple[str, str], ...] = ()


def parse_store_input(
    raw: Mapping[str, Any], catalog: Catalog, *, current: Store | None = None
) -> StoreInput:
    """Check a new store (or, with ``current``, changes to one), reporting every bad field.

    A change is checked with the store's current fields under it, so the profile's
    cross-field rules see the store as it would be.
    """
    errors: list[FieldError] = []
    fields = dict(raw) if isinstance(raw, Mapping) else raw
    if isinstance(fields, dict):
        # null for an optional figure means "not known"; these always have a value.
        for key in sorted(NOT_NULL & {k for k, v in fields.items() if v is None}):
            errors.append(
                FieldError(key, phrase("cannot be null; leave it out to keep the default"))
            )
            del fields[key]
        if current is not None:
            merged = {k: v for k, v in current.profile_json().items() if v is not None}
            derived_from = ("market", "entity", "chinese_share_percent")
            if any(name in fields for name in derived_from) and "store_type" not in fields:
                merged.pop("store_type", None)  # derive it again from the new licence and market
            fields = {"name": current.name} | merged | fields
        # What is null now is not known (the default); a null name is refused by the schema.
        kept = {k for k, v in fields.items() if v is not None or k in {"name", *SETTINGS}}
        fields = {key: fields[key] for key in kept}
    schema = store_new(catalog) if current is None else store_change(catalog)
    loaded: dict[str, Any] | None = None
    try:
        loaded = schema.load(fields)
    except ValidationError as error:
        errors += field_errors(error.messages, whole="store")
    if errors or loaded is None:
        raise InputError(errors)
    profile = loaded["profile"]
    return StoreInput(
        loaded["name"],
        profile,
        tuple(check_eligibility(profile, catalog)),
        loaded["settings"],
        tuple(loaded["overrides"]),
    )


def parse_overrides(
    requested: tuple[tuple[str, str], ...], warnings: tuple[Warning, ...]
) -> dict[str, str]:
    """Check the overrides a new store asked for against the warnings it really has."""
    codes = {warning.code for warning in warnings}
    overrides: dict[str, str] = {}
    for code, reason in requested:
        if code not in codes:
            raise InputError.one(
                "overrides", phrase("there is no warning '%(code)s' to override", code=code)
            )
        overrides[code] = parse_override_reason(reason, code)
    return overrides


def require_overrides(store_input: StoreInput, chosen: Mapping[str, str]) -> dict[str, str]:
    """Refuse to go ahead until every warning that needs it is overridden, each with a reason.

    ``chosen`` maps warning codes to the reasons given; overrides of warnings that went away
    with a profile change are dropped. Return the overrides to record.
    """
    errors: list[FieldError] = []
    overrides: dict[str, str] = {}
    codes = {warning.code for warning in store_input.warnings}
    for code in sorted(codes & WARNINGS_NEEDING_OVERRIDE - set(chosen)):
        errors.append(
            FieldError(
                f"override_{code}",
                phrase("tick “go ahead anyway” and say why, or change the profile"),
            )
        )
    for code, reason in chosen.items():
        if code not in codes:
            continue  # the warning went away with a profile change
        try:
            overrides[code] = parse_override_reason(reason, code)
        except InputError as error:
            errors += error.errors
    if errors:
        raise InputError(errors)
    return overrides


def parse_override_reason(raw: Any, code: str) -> str:
    """An override needs a reason a colleague can read later."""
    reason = " ".join(raw.split()) if isinstance(raw, str) else ""
    if not reason:
        raise InputError.one(
            f"override_{code}", phrase("say why you go ahead despite this warning")
        )
    if len(raw) > REASON_MAX:  # counted as sent
        raise InputError.one(
            f"override_{code}", phrase("at most %(limit)s characters", limit=REASON_MAX)
        )
    return reason


def require_may_change(actor: User, fields: Mapping[str, Any]) -> None:
    """Anyone on a store may record its follower and order counts; the rest is a manager's."""
    if set(fields) - MEMBER_FIELDS:
        require_manager(actor)


def settle_zone(user: User, store: Store) -> None:
    """Give a person whose zone nobody chose the zone of this (their first) store; flush only."""
    if not user.timezone_settled:
        user.timezone = store.zone
        user.timezone_settled = True


def welcome_person(user: User) -> None:
    """A new person whose zone nobody chose: until their first store gives them its zone, the
    company's first store's zone stands in (not UTC); flush only."""
    if user.timezone_settled:
        return
    first = db.session.scalar(select(Store.zone).order_by(Store.id).limit(1))
    if first:
        user.timezone = first


def settle_managers_zones(store: Store) -> None:
    """The company's first store: managers whose zone nobody chose take its zone; flush only."""
    for manager in db.session.scalars(
        select(User).where(User.role == "manager", User.timezone_settled.is_(False))
    ):
        settle_zone(manager, store)


def add_member(store: Store, user: User, *, actor: User | None, address: str | None = None) -> bool:
    """Let ``user`` work on ``store``; return False when they already could.

    The account log keeps it (who, when, from which address) beside the store's activity.
    A person whose zone nobody chose takes this store's zone (the first store they join).
    """
    if db.session.get(StoreMembership, (store.id, user.id)) is not None:
        return False
    settle_zone(user, store)
    db.session.add(StoreMembership(store=store, user=user))
    record_account_event(
        user,
        "store_added",
        actor=actor,
        address=address,
        detail={"store_id": store.id, "store": store.name},
    )
    log_activity(
        store.id,
        actor,
        "member_added",
        phrase("%(person)s joined the store.", person=user.display_name),
    )
    db.session.flush()
    return True


def people_for_store(store: Store) -> list[User]:
    """Everyone who may be given the store's tasks: the managers and its members."""
    return list(db.session.scalars(_PEOPLE_FOR_STORE, {"store_id": store.id}))


# Built once: every row drawn after a tick asks it, and building it costs more than running it.
_PEOPLE_FOR_STORE = (
    select(User)
    .where(
        User.active,
        (User.role == "manager")
        | User.id.in_(
            select(StoreMembership.user_id).where(StoreMembership.store_id == bindparam("store_id"))
        ),
    )
    .order_by(User.name_key, User.email)
)


def assignable_people_reading(
    store: Store, actor: User, others: Collection[int | None]
) -> tuple[list[User], list[User]]:
    """:func:`assignable_people`, and the people ``others`` names, read in one statement.

    A page that shows its tasks' assignees and who ticked them off reads them so with whom
    the tasks may be given to. The caller keeps the second list while it draws: the session
    holds only what is referenced, and each task then finds its people without a read.
    """
    wanted = sorted({person_id for person_id in others if person_id is not None})
    if not actor.is_manager:
        people = assignable_people(store, actor)
        wanted = [person_id for person_id in wanted if person_id != actor.id]
        if not wanted:
            return people, []
        return people, list(db.session.scalars(select(User).where(User.id.in_(wanted))))
    members = select(StoreMembership.user_id).where(StoreMembership.store_id == store.id)
    on_store = User.active & ((User.role == "manager") | User.id.in_(members))
    rows = db.session.execute(
        select(User, on_store)
        .where(or_(on_store, User.id.in_(wanted)) if wanted else on_store)
        .order_by(User.name_key, User.email)
    ).all()
    return [person for person, on in rows if on], [person for person, on in rows if not on]


def assignable_people(store: Store, actor: User) -> list[User]:
    """Whom ``actor`` may give the store's tasks to: anyone on it for a manager, else themselves."""
    if not actor.is_manager:
        # Themselves, if on the store: what the list of everyone on it would keep, unread.
        return [actor] if can_work_on(actor, store.id) else []
    return people_for_store(store)


def set_profile(store: Store, profile: StoreProfile) -> None:
    for name in PROFILE_FIELDS:
        value = getattr(profile, name)
        setattr(store, name, list(value) if name == "categories" else value)


def describe_profile(profile: StoreProfile, catalog: Catalog) -> str:
    return phrase(
        "%(model)s, %(market)s, %(store_type)s, licence %(entity)s",
        model=Name("model", profile.model, catalog.models[profile.model].name),
        market=Name("market", profile.market, catalog.markets[profile.market].name),
        store_type=Name("store_type", profile.store_type, profile.store_type.replace("_", "-")),
        entity=profile.entity,
    )

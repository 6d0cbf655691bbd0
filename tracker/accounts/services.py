"""Bind and unbind a store's TikTok accounts under the market's 1 + 4 rule.

The numbers are data per market (``seeds/markets.toml``): during the new-store
inspection period one official account whose entity is the store's; after it,
one official and up to four channel accounts.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from tracker.accounts.models import Account
from tracker.accounts.schemas import AccountNew, AccountUnbind
from tracker.activity.services import log_activity
from tracker.auth.models import User
from tracker.clock import local_today
from tracker.columns import get_by_id
from tracker.errors import InputError, NotFound, RuleError, load_input
from tracker.extensions import db
from tracker.playbook.accounts import official_account_refusal, unlink_refusal
from tracker.playbook.catalog import Catalog
from tracker.playbook.phrases import Name, phrase
from tracker.playbook.profile import resolve_profile
from tracker.stores.models import Store
from tracker.tasks.models import Task
from tracker.tasks.services import complete_task, reopen_task

# The plan's binding task for each kind of account.
BINDING_TASKS = {"official": "accounts.bind_official", "channel": "accounts.bind_channel"}


def bound_accounts(store: Store) -> list[Account]:
    """List the accounts bound to the store now, official first."""
    return list(
        db.session.scalars(
            select(Account)
            .where(Account.store_id == store.id, Account.unbound_on.is_(None))
            .order_by(Account.kind.desc(), Account.bound_on, Account.id)
        )
    )


def register_account(
    store: Store, raw: Mapping[str, Any], catalog: Catalog, actor: User
) -> Account:
    """Bind an account if the market's rule allows it; its binding task completes by itself."""
    values = load_input(AccountNew(), raw)
    values.setdefault("entity", store.entity)
    today = local_today(store.zone)
    bound_on: date = values.pop("bound_on", None) or today
    if bound_on > today:
        raise InputError.one("bound_on", phrase("is in the future"))
    region = values.pop("region", None)
    resolved = resolve_profile(store.profile(), catalog)
    rule = resolved.market.accounts
    ends_on = resolved.inspection_ends_on
    during = bound_on <= ends_on
    bound = bound_accounts(store)
    officials = [a for a in bound if a.kind == "official"]
    channels = [a for a in bound if a.kind == "channel"]
    if any(a.handle.lower() == values["handle"].lower() for a in bound):
        raise RuleError(
            "account_bound",
            phrase("@%(handle)s is already bound to this store", handle=values["handle"]),
            "handle",
        )
    if during:
        allowed = rule.during_inspection_official + rule.during_inspection_channel
        if len(bound) >= allowed or (
            values["kind"] == "channel" and len(channels) >= rule.during_inspection_channel
        ):
            values_said = {
                "official": rule.during_inspection_official,
                "ends_on": ends_on,
                "from": ends_on + timedelta(days=1),
            }
            if values["kind"] == "official" and officials:
                # The contract's code for a second account in the period; the words say
                # which official account holds the place, and how to free it.
                raise RuleError(
                    "inspection_single_account",
                    phrase(
                        "During the inspection period only %(official)s official account may "
                        "be bound, and @%(handle)s is: unbind it first to bind another.",
                        official=rule.during_inspection_official,
                        handle=officials[0].handle,
                    ),
                    "kind",
                )
            raise RuleError(
                "inspection_single_account",
                phrase(
                    "During the inspection period only %(official)s official account may be "
                    "bound; it ends on %(ends_on)s (estimated), so channel accounts can be bound "
                    "from %(from)s.",
                    **values_said,
                )
                if resolved.inspection_estimated
                else phrase(
                    "During the inspection period only %(official)s official account may be "
                    "bound; it ends on %(ends_on)s, so channel accounts can be bound from "
                    "%(from)s.",
                    **values_said,
                ),
                "kind",
            )
    if values["kind"] == "official":
        limit = rule.during_inspection_official if during else rule.after_inspection_official
        if len(officials) >= limit:
            raise RuleError(
                "official_exists",
                phrase(
                    "@%(handle)s is already the official account; unbind it first to bind another.",
                    handle=officials[0].handle,
                ),
                "kind",
            )
        refusal = (
            official_account_refusal(
                rule, shop_region=resolved.market.country, account_region=region
            )
            if region is not None
            else None
        )
        if refusal is not None:
            raise RuleError(refusal.code, refusal.message, refusal.field)
        if values["entity"] != store.entity:
            raise RuleError(
                "entity_mismatch",
                phrase(
                    "The official account must belong to the store's own entity (%(entity)s), "
                    "not %(other)s.",
                    entity=store.entity,
                    other=values["entity"],
                ),
                "entity",
            )
    elif not during and len(channels) >= rule.after_inspection_channel:
        raise RuleError(
            "channel_limit",
            phrase(
                "A store may bind at most %(limit)s channel accounts; unbind one first.",
                limit=rule.after_inspection_channel,
            ),
            "kind",
        )
    account = Account(store_id=store.id, bound_on=bound_on, created_by=actor, **values)
    db.session.add(account)
    log_activity(
        store.id,
        actor,
        "account_bound",
        phrase(
            "Bound %(kind)s account @%(handle)s on %(day)s.",
            kind=Name("account", values["kind"], values["kind"]),
            handle=values["handle"],
            day=bound_on,
        ),
    )
    db.session.flush()
    task = _binding_task(store, values["kind"])
    if task is not None and task.status == "open":
        # A task still locked by its own gate stays open, to be ticked later.
        with contextlib.suppress(RuleError):
            complete_task(task.id, actor)
    return account


def unbind_account(
    store: Store, account_id: int, raw: Mapping[str, Any], catalog: Catalog, actor: User
) -> Account:
    """Record an account unbound on a day, as the platform allows; its task reopens when none is
    left."""
    account = get_by_id(Account, account_id)
    if account is None or account.store_id != store.id:
        raise NotFound(phrase("no account %(id)s on this store", id=account_id))
    if account.unbound_on is not None:
        raise RuleError(
            "account_not_bound",
            phrase(
                "@%(handle)s was unbound on %(day)s", handle=account.handle, day=account.unbound_on
            ),
        )
    today = local_today(store.zone)
    unbound_on = load_input(AccountUnbind(), raw).get("unbound_on") or today
    if unbound_on > today:
        raise InputError.one("unbound_on", phrase("is in the future"))
    if unbound_on < account.bound_on:
        raise InputError.one(
            "unbound_on", phrase("is before it was bound (%(day)s)", day=account.bound_on)
        )
    unlinked = db.session.scalar(
        select(func.count())
        .select_from(Account)
        .where(
            Account.store_id == store.id,
            Account.kind == "official",
            Account.unbound_on.is_not(None),
        )
    )
    refusal = unlink_refusal(
        resolve_profile(store.profile(), catalog).market.accounts,
        kind=account.kind,
        bound_on=account.bound_on,
        on=unbound_on,
        unlinked=unlinked or 0,
    )
    if refusal is not None:
        raise RuleError(refusal.code, refusal.message, refusal.field)
    account.unbound_on = unbound_on
    log_activity(
        store.id,
        actor,
        "account_unbound",
        phrase(
            "Unbound %(kind)s account @%(handle)s on %(day)s.",
            kind=Name("account", account.kind, account.kind),
            handle=account.handle,
            day=unbound_on,
        ),
    )
    db.session.flush()
    if not any(a.kind == account.kind for a in bound_accounts(store)):
        task = _binding_task(store, account.kind)
        if task is not None and task.status == "done":
            reopen_task(task.id, actor)
    return account


def _binding_task(store: Store, kind: str) -> Task | None:
    return db.session.scalar(
        select(Task).where(
            Task.store_id == store.id,
            Task.key == BINDING_TASKS[kind],
            Task.status.in_(("open", "done")),
        )
    )

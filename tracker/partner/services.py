"""Connecting a store to its TikTok Shop: the authorisation, the tokens, and their end.

Services flush and never commit; the page, the command and the sync commit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

from tracker.activity.services import log_activity
from tracker.auth.models import User
from tracker.clock import utcnow
from tracker.errors import RuleError
from tracker.extensions import db
from tracker.partner.client import PartnerClient, TokenRefused, Tokens
from tracker.partner.models import CONNECTED, REVOKED, PartnerConnection
from tracker.partner.settings import SyncSettings, partner_config, partner_problem
from tracker.partner.tokens import TokenBox
from tracker.playbook.phrases import phrase
from tracker.reminders.queue import queue_now
from tracker.stores.models import Store
from tracker.tasks.recipients import active_managers

# An authorisation must come back within this long of being started.
STATE_MINUTES = 30


@dataclass(frozen=True)
class PendingAuthorisation:
    """What the session keeps between sending a manager to the platform and their return."""

    state: str
    store_id: int
    user_id: int
    started_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "store_id": self.store_id,
            "user_id": self.user_id,
            "started_at": self.started_at.isoformat(),
        }

    @classmethod
    def from_json(cls, raw: Any) -> PendingAuthorisation | None:
        try:
            return cls(
                str(raw["state"]),
                int(raw["store_id"]),
                int(raw["user_id"]),
                datetime.fromisoformat(raw["started_at"]),
            )
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True)
class PartnerStatus:
    """What the store page says about TikTok Shop: configured or why not, and the connection."""

    configured: bool
    problem: str | None
    connection: PartnerConnection | None


def partner_status(store: Store) -> PartnerStatus:
    """The store's TikTok Shop status for its page (why not configured, when meant to be)."""
    problem = partner_problem() if current_app.config.get("TRACKER_PARTNER_MEANT") else None
    return PartnerStatus(partner_config() is not None, problem, connection_of(store))


def connection_of(store: Store) -> PartnerConnection | None:
    """The store's TikTok Shop connection, if it has one."""
    return db.session.scalar(
        select(PartnerConnection).where(PartnerConnection.store_id == store.id)
    )


def start_authorisation(
    store: Store, actor: User, client: PartnerClient, *, now: datetime | None = None
) -> tuple[str, PendingAuthorisation]:
    """Where to send the manager to authorise, and the state to keep in their session."""
    pending = PendingAuthorisation(secrets.token_urlsafe(32), store.id, actor.id, now or utcnow())
    return client.authorize_url(pending.state), pending


def check_return(
    pending: PendingAuthorisation | None,
    state: str,
    actor: User,
    *,
    now: datetime | None = None,
) -> int:
    """The store an authorisation that came back belongs to; refused unless it is this session's."""
    now = now or utcnow()
    if (
        pending is None
        or not secrets.compare_digest(pending.state, state or "")
        or pending.user_id != actor.id
    ):
        raise RuleError(
            "partner_state_mismatch",
            phrase("This authorisation was not started here: start it again from the store page."),
        )
    if now - pending.started_at > timedelta(minutes=STATE_MINUTES):
        raise RuleError(
            "partner_state_expired",
            phrase("The authorisation took too long: start it again from the store page."),
        )
    return pending.store_id


def connect_store(
    store: Store,
    auth_code: str,
    actor: User | None,
    client: PartnerClient,
    box: TokenBox,
    *,
    now: datetime | None = None,
) -> PartnerConnection:
    """Exchange the platform's code for tokens, find the shop, and keep them (encrypted)."""
    now = now or utcnow()
    if not auth_code:
        raise RuleError("partner_no_code", phrase("TikTok Shop sent no authorisation code back."))
    try:
        tokens = client.get_token(auth_code)
    except TokenRefused as error:
        raise RuleError(
            "partner_code_refused",
            phrase("TikTok Shop refused the authorisation: %(why)s", why=str(error)),
        ) from None
    shops = client.authorized_shops(tokens.access_token)
    if not shops:
        raise RuleError("partner_no_shop", phrase("The authorisation gave access to no shop."))
    # A seller may authorise several shops at once: the one in this store's market first.
    shop = next(
        (s for s in shops if str(s.get("region") or "").upper() == store.market.upper()), shops[0]
    )
    connection = connection_of(store)
    if connection is None:
        connection = PartnerConnection(store_id=store.id)
        db.session.add(connection)
    elif connection.shop_id != str(shop.get("id")):
        # Another shop: its orders are not this one's, so the cursor starts again.
        connection.orders_synced_to = None
        connection.pass_until = connection.page_token = None
    connection.state = CONNECTED
    connection.shop_id = str(shop.get("id") or "")
    connection.shop_name = str(shop.get("name") or tokens.seller_name or "")[:200]
    connection.shop_region = str(shop.get("region") or "")[:16]
    connection.shop_cipher = str(shop.get("cipher") or "")
    _keep_tokens(connection, tokens, box)
    connection.connected_by = actor
    connection.connected_at = now
    connection.revoked_at = connection.revoked_reason = None
    connection.last_error = connection.last_error_at = None
    connection.failures = 0
    connection.next_sync_at = now
    connection.lease_until = None
    log_activity(
        store.id,
        actor,
        "partner_connected",
        phrase("Connected TikTok Shop %(shop)s.", shop=connection.shop_name or connection.shop_id),
    )
    db.session.flush()
    return connection


def _keep_tokens(connection: PartnerConnection, tokens: Tokens, box: TokenBox) -> None:
    connection.access_token = box.seal(tokens.access_token)
    connection.access_expires_at = tokens.access_expires_at
    connection.refresh_token = box.seal(tokens.refresh_token)
    connection.refresh_expires_at = tokens.refresh_expires_at


def refresh_if_due(
    connection: PartnerConnection,
    store: Store,
    client: PartnerClient,
    box: TokenBox,
    settings: SyncSettings,
    *,
    now: datetime | None = None,
    force: bool = False,
) -> bool:
    """Refresh the tokens when the access token expires soon (or ``force``); True if refreshed.

    A refusal means the seller withdrew the app (or the refresh token lapsed): the
    connection is marked revoked and the managers are told.
    """
    now = now or utcnow()
    if not connection.connected:
        return False
    margin = timedelta(hours=settings.refresh_before_hours)
    if not force and connection.access_expires_at - now > margin:
        return False
    try:
        tokens = client.refresh_token(box.open(connection.refresh_token))
    except TokenRefused as error:
        mark_revoked(connection, store, str(error), now=now)
        return False
    _keep_tokens(connection, tokens, box)
    db.session.flush()
    return True


def mark_revoked(
    connection: PartnerConnection, store: Store, reason: str, *, now: datetime | None = None
) -> None:
    """The platform will no longer give tokens: say so on the store and remind the managers."""
    now = now or utcnow()
    connection.state = REVOKED
    connection.revoked_at = now
    connection.revoked_reason = reason[:500]
    connection.pass_until = connection.page_token = None
    connection.lease_until = None
    log_activity(
        store.id,
        None,
        "partner_revoked",
        phrase("TikTok Shop no longer lets the tracker read this shop: connect it again."),
    )
    queue_now(
        active_managers(),
        "partner_revoked",
        f"partner_revoked:{connection.id}:{now.date().isoformat()}",
        lambda: gettext("TikTok Shop connection ended [%(store)s]", store=store.name),
        lambda: gettext(
            "TikTok Shop no longer lets the tracker read %(shop)s (the authorisation was "
            "withdrawn or lapsed), so orders stop coming in. Connect the shop again from the "
            "store page.",
            shop=connection.shop_name or connection.shop_id,
        ),
        store=store,
        tasks=[],
        now=now,
        path=f"/stores/{store.id}",
    )
    db.session.flush()


def disconnect_store(store: Store, actor: User | None) -> None:
    """Forget the store's tokens (the orders already kept stay)."""
    connection = connection_of(store)
    if connection is None:
        return
    db.session.delete(connection)
    log_activity(
        store.id,
        actor,
        "partner_disconnected",
        phrase(
            "Disconnected TikTok Shop %(shop)s.", shop=connection.shop_name or connection.shop_id
        ),
    )
    db.session.flush()

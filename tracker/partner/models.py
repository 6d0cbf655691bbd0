"""A store's link to its TikTok Shop: the shop, its tokens (encrypted), and where the sync is."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.clock import utcnow
from tracker.columns import UTCDateTime
from tracker.extensions import Model

CONNECTED = "connected"
# The platform refused to refresh the tokens: the seller withdrew the app, or they lapsed.
REVOKED = "revoked"


class PartnerConnection(Model):
    """One store's authorised TikTok Shop, and the orders sync's cursor.

    Tokens are Fernet ciphertext (``TRACKER_TIKTOK_TOKEN_KEY``), never plain. The cursor
    (``orders_synced_to``, and within a pass ``pass_until`` and ``page_token``) is written
    in the same transaction as each page's order lines, so a sync killed at any moment
    resumes at the page it had not yet kept.
    """

    __tablename__ = "partner_connections"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), unique=True)
    state: Mapped[str] = mapped_column(String(20), default=CONNECTED)
    shop_id: Mapped[str] = mapped_column(String(64))
    shop_name: Mapped[str] = mapped_column(String(200), default="")
    shop_region: Mapped[str] = mapped_column(String(16), default="")
    shop_cipher: Mapped[str] = mapped_column(String(255))
    access_token: Mapped[str] = mapped_column(Text)
    access_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    refresh_token: Mapped[str] = mapped_column(Text)
    refresh_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    connected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    connected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(500))
    # Orders updated before this instant (Unix seconds) are kept; the next pass starts here.
    orders_synced_to: Mapped[int | None] = mapped_column(BigInteger)
    # The pass under way: orders updated from ``orders_synced_to`` up to this instant...
    pass_until: Mapped[int | None] = mapped_column(BigInteger)
    # ...and the page of it not yet kept (None at the pass's first page).
    page_token: Mapped[str | None] = mapped_column(String(512))
    lines_this_pass: Mapped[int] = mapped_column(default=0)
    orders_this_pass: Mapped[int] = mapped_column(default=0)
    last_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # One process at a time syncs a store: it holds the lease until then.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(1000))
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(default=0)
    # The import run the last pass wrote to (one per store and day, kept up to date).
    last_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_runs.id", ondelete="SET NULL")
    )

    connected_by: Mapped[User | None] = relationship()

    @property
    def connected(self) -> bool:
        return self.state == CONNECTED

    @property
    def mid_pass(self) -> bool:
        """Whether a pass was under way (a crash or a rate limit stopped it)."""
        return self.pass_until is not None

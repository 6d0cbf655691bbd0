"""Which stores the portfolio lists, and in what order: read from the query string."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tracker.auth.models import User
from tracker.errors import FieldError, InputError
from tracker.playbook.catalog import MODELS, Catalog
from tracker.playbook.phrases import phrase
from tracker.playbook.readiness import STATUSES
from tracker.readiness.queries import StoreReadiness, portfolio

# Column → the value it sorts by (None sorts last, whichever the direction).
SORT_KEYS: dict[str, Callable[[StoreReadiness], Any]] = {
    "name": lambda row: (row.store.name.casefold(), row.store.id),
    "model": lambda row: row.store.model,
    "market": lambda row: row.store.market,
    "status": lambda row: STATUSES.index(row.status),
    "onboarding": lambda row: row.onboarding.percent,
    "peak": lambda row: row.next_peak.falls_on if row.next_peak else None,
    "peak_percent": lambda row: row.next_peak.percent if row.next_peak else None,
    "overdue": lambda row: row.overdue,
    "blocked": lambda row: len(row.blocked),
    "activity": lambda row: row.last_activity_at,
}
DEFAULT_SORT, DEFAULT_ORDER = "status", "desc"  # the stores in most trouble first
ORDERS = ("asc", "desc")


@dataclass(frozen=True)
class Filters:
    market: str | None = None
    model: str | None = None
    status: str | None = None
    sort: str = DEFAULT_SORT
    order: str = DEFAULT_ORDER

    @property
    def descending(self) -> bool:
        return self.order == "desc"

    def listed(self, user: User, catalog: Catalog) -> list[StoreReadiness]:
        """Score the stores ``user`` may see that pass the filters, in order."""
        return self.apply(portfolio(user, catalog, market=self.market, model=self.model))

    def apply(self, rows: list[StoreReadiness]) -> list[StoreReadiness]:
        """Keep the rows of the chosen status, in the chosen order (ties by name)."""
        if self.status:
            rows = [row for row in rows if row.status == self.status]
        key = SORT_KEYS[self.sort]
        by_name = sorted(rows, key=SORT_KEYS["name"])
        known = [row for row in by_name if key(row) is not None]
        unknown = [row for row in by_name if key(row) is None]
        return sorted(known, key=key, reverse=self.descending) + unknown

    def query_args(self, *, sort: bool = False) -> dict[str, str]:
        """The filters (and with ``sort`` the order) as query arguments, to keep in a link."""
        args = {"market": self.market, "model": self.model, "status": self.status}
        if sort:
            args |= {"sort": self.sort, "order": self.order}
        return {name: value for name, value in args.items() if value}


def parse_filters(args: Mapping[str, str], catalog: Catalog) -> Filters:
    """Read the filters, naming each one that is not a known value."""
    errors: list[FieldError] = []

    def choice(name: str, known: Any) -> str | None:
        # Exactly as the page's links and the API's description spell them; empty is "all".
        value = raw = args.get(name) or ""
        if not value:
            return None
        if value not in known:
            errors.append(
                FieldError(
                    name,
                    phrase(
                        "unknown value %(got)s (known: %(known)s)",
                        got=repr(raw),
                        known=", ".join(known),
                    ),
                )
            )
            return None
        return value

    sort = choice("sort", list(SORT_KEYS))
    filters = Filters(
        market=choice("market", list(catalog.markets)),
        model=choice("model", MODELS),
        status=choice("status", STATUSES),
        sort=sort or DEFAULT_SORT,
        # A column chosen without a direction sorts up, like any table.
        order=choice("order", ORDERS) or ("asc" if sort else DEFAULT_ORDER),
    )
    if errors:
        raise InputError(errors)
    return filters

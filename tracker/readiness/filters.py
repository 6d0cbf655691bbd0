"""Which stores the portfolio lists, and in what order: read from the query string."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from tracker.auth.models import User
from tracker.clock import utcnow
from tracker.errors import load_input
from tracker.i18n.collation import name_order
from tracker.playbook.catalog import MODELS, Catalog
from tracker.playbook.fields import Choice, Input, extended, per_catalog
from tracker.playbook.phrases import Phrase, phrase
from tracker.playbook.readiness import STATUSES
from tracker.readiness.queries import (
    Counted,
    DataFreshness,
    StoreReadiness,
    Summary,
    portfolio,
    summary_page,
)

Row = TypeVar("Row", StoreReadiness, Summary)

# Column → the value it sorts by (None sorts last, whichever the direction).
SORT_KEYS: dict[str, Callable[[StoreReadiness], Any]] = {
    "name": lambda row: (name_order(row.store.name), row.store.id),
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
# The same columns read from a store's stored summary.
SUMMARY_KEYS: dict[str, Callable[[Summary], Any]] = {
    "name": lambda row: (name_order(row.name), row.id),
    "model": lambda row: row.model,
    "market": lambda row: row.market,
    "status": lambda row: STATUSES.index(row.status),
    "onboarding": lambda row: row.onboarding_percent,
    "peak": lambda row: row.peak_on,
    "peak_percent": lambda row: row.peak_percent,
    "overdue": lambda row: row.overdue,
    "blocked": lambda row: row.blocked,
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

    def listed(
        self, user: User, catalog: Catalog, freshness: DataFreshness | None = None
    ) -> list[StoreReadiness]:
        """Score the stores ``user`` may see that pass the filters, in order."""
        rows = portfolio(user, catalog, market=self.market, model=self.model, freshness=freshness)
        return self.apply(rows)

    def apply(self, rows: list[StoreReadiness]) -> list[StoreReadiness]:
        """Keep the rows of the chosen status, in the chosen order (ties by name)."""
        return self._ordered(rows, SORT_KEYS)

    def page(
        self,
        user: User,
        catalog: Catalog,
        freshness: DataFreshness | None,
        number: int,
        size: int,
    ) -> PortfolioPage:
        """One page of ``listed``: its rows, how many stores pass the filters, by status.

        The database sorts, filters and counts the stores by their stored summaries
        (``summary_page``); only the stores of the page are scored in full.
        """
        now = utcnow()
        found = summary_page(
            user,
            catalog,
            now=now,
            market=self.market,
            model=self.model,
            status=self.status,
            sort=self.sort,
            descending=self.descending,
            start=(number - 1) * size,
            size=size,
            order=lambda rows: self._ordered(rows, SUMMARY_KEYS),
        )
        shown = [row.id for row in found.rows]
        full = {
            row.store.id: row
            for row in (
                portfolio(
                    user,
                    catalog,
                    now=now,
                    store_ids=shown,
                    freshness=freshness,
                    # Stores the summaries had to count again are not counted a second time.
                    counted_now={row.id: row.recount for row in found.recounted if row.recount},
                )
                if shown
                else []
            )
        }
        return PortfolioPage(
            [full[store_id] for store_id in shown if store_id in full],
            found.total,
            found.counts,
            [*found.recounted, *full.values()],
        )

    def _ordered(self, rows: list[Row], keys: Mapping[str, Callable[[Row], Any]]) -> list[Row]:
        if self.status:
            rows = [row for row in rows if row.status == self.status]
        key = keys[self.sort]
        by_name = sorted(rows, key=keys["name"])
        known = [row for row in by_name if key(row) is not None]
        unknown = [row for row in by_name if key(row) is None]
        return sorted(known, key=key, reverse=self.descending) + unknown

    def query_args(self, *, sort: bool = False) -> dict[str, str]:
        """The filters (and with ``sort`` the order) as query arguments, to keep in a link."""
        args = {"market": self.market, "model": self.model, "status": self.status}
        if sort:
            args |= {"sort": self.sort, "order": self.order}
        return {name: value for name, value in args.items() if value}


@dataclass(frozen=True)
class PortfolioPage:
    """The rows of one page of the portfolio, how many stores in all, and of each status."""

    rows: list[StoreReadiness]
    total: int
    counts: dict[str, int]
    # Every summary and row read for it: those counted again carry counts to store.
    counted: Sequence[Counted]


def _unknown_value(got: str, known: str) -> Phrase:
    return phrase("unknown value %(got)s (known: %(known)s)", got=got, known=known)


def _exact(text: str) -> str:
    return text  # exactly as the page's links and the API's description spell them


def _filter(choices: Iterable[str], unset: str) -> Choice:
    return Choice(
        choices,
        refuse=_unknown_value,
        normalise=_exact,
        metadata={"description": f"left out: {unset}"},
    )


class _Query(Input):
    """A query's filters: a name it does not know is refused as not a filter."""

    not_a_field = phrase("is not a filter")


@per_catalog
def readiness_query(catalog: Catalog) -> type[Input]:
    """Which stores the portfolio lists, in what order (the worst first by default)."""
    return extended(
        _Query,
        {
            "market": _filter(catalog.markets, "every market"),
            "model": _filter(MODELS, "both models"),
            "status": _filter(STATUSES, "any status"),
            "sort": _filter(SORT_KEYS, "status, the worst first"),
            "order": _filter(ORDERS, "asc, or desc when sorting by status by default"),
        },
        name="ReadinessQuery",
    )


def parse_filters(args: Mapping[str, str], catalog: Catalog, *, form: bool = False) -> Filters:
    """Read the filters, naming each one that is not a known value.

    A page's filter ``form`` sends a choice left blank as an empty value, meaning "all".
    """
    schema = readiness_query(catalog)
    if form:
        # Other query arguments (a page's ``print`` and ``page``) are the page's own.
        given = {
            name: value for name, value in args.items() if name in schema.fields and value != ""
        }
    else:
        given = dict(args.items())  # the API: a name it does not know "is not a filter"
    values = load_input(schema, given)
    sort = values.get("sort")
    return Filters(
        market=values.get("market"),
        model=values.get("model"),
        status=values.get("status"),
        sort=sort or DEFAULT_SORT,
        # A column chosen without a direction sorts up, like any table.
        order=values.get("order") or ("asc" if sort else DEFAULT_ORDER),
    )

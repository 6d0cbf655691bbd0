"""Readiness pages: the portfolio of stores, one store's readiness, their CSV exports."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required
from sqlalchemy.exc import DBAPIError

from tracker.catalog import get_catalog
from tracker.clock import utcnow
from tracker.errors import InputError
from tracker.extensions import db
from tracker.i18n.format import separator
from tracker.imports.services import data_freshness, stale_since
from tracker.imports.settings import import_settings
from tracker.lives.services import cadence
from tracker.playbook.catalog import Catalog
from tracker.playbook.phrases import Name
from tracker.playbook.readiness import STATUSES
from tracker.readiness import exports
from tracker.readiness.burndown import burndown
from tracker.readiness.filters import Filters, PortfolioPage, parse_filters
from tracker.readiness.queries import (
    Counted,
    StoreReadiness,
    keep_recounted,
    portfolio,
    status_counts,
)
from tracker.readiness.work import open_work
from tracker.stores.access import store_for
from tracker.stores.health import ShopHealth
from tracker.web.feedback import field_message
from tracker.web.session import current_user
from tracker.web.stores import catch_up_plan

bp = Blueprint("readiness", __name__)
log = logging.getLogger(__name__)

Answer = TypeVar("Answer")

# Stores a portfolio page shows at once (rendering 1,000 rows took most of its time).
PAGE_SIZE = 50


@dataclass(frozen=True)
class Page:
    """Where one page of the portfolio's rows sits among ``total``, and how many pages."""

    total: int
    number: int
    size: int

    @property
    def count(self) -> int:
        return max(1, -(-self.total // max(1, self.size)))

    @property
    def first(self) -> int:
        return min(self.total, (self.number - 1) * self.size + 1)

    @property
    def last(self) -> int:
        return min(self.total, self.number * self.size)


@bp.errorhandler(InputError)
def bad_filter(error: InputError) -> tuple[str, int]:
    """Say which filter of the address is wrong and what it may be, in the reader's language."""
    message = separator().join(field_message(e.field, e.message) for e in error.errors)
    page = render_template("error.html", title=gettext("Check the filter"), message=message)
    return page, 400


@bp.get("/readiness")
@login_required
def portfolio_page() -> Any:
    """Show every store the person may see with its readiness, sorted and filtered."""
    catalog = get_catalog()
    filters = parse_filters(request.args, catalog, form=True)  # a bad one: the page below
    printable = request.args.get("print") == "1"
    number = _page_number(request.args.get("page"))
    freshness = data_freshness(import_settings())
    # The page shows a screenful in the chosen order (only those stores are scored in full);
    # the printable page, the CSV and the API have every store. The header counts are over
    # all of them.
    if printable:
        rows = filters.listed(current_user, catalog, freshness)
        found = PortfolioPage(rows, len(rows), status_counts(rows), rows)
        shown = Page(len(rows), 1, len(rows))
    else:
        found = filters.page(current_user, catalog, freshness, number, PAGE_SIZE)
        shown = Page(found.total, number, PAGE_SIZE)
    page = render_template(
        "readiness/portfolio.html",
        rows=found.rows,
        page=shown,
        total=found.total,
        page_link=_page_link(filters),
        filters=filters,
        counts=found.counts,
        catalog=catalog,
        rule=catalog.readiness,
        statuses=STATUSES,
        sort_link=_sort_link(filters),
        printable=printable,
        printed_at=utcnow(),
    )
    return _keeping_scores(page, found.counted)


@bp.get("/readiness.csv")
@login_required
def portfolio_csv() -> Any:
    """Download the portfolio as CSV, with the page's filters and order."""
    catalog = get_catalog()
    filters = parse_filters(request.args, catalog, form=True)  # a bad one: the page below
    rows = filters.listed(current_user, catalog, data_freshness(import_settings()))
    return _keeping_scores(
        exports.csv_response(exports.portfolio_rows(rows), f"readiness-{_stamp(rows)}.csv"), rows
    )


@bp.get("/stores/<int:store_id>/readiness")
@login_required
def store_page(store_id: int) -> str:
    """Show what stands between one store and ready, its burndown and its live cadence."""
    catalog = get_catalog()
    readiness = _one(store_id, catalog)
    store = readiness.store
    peaks = [(p.falls_on, Name("peak", p.key, p.name)) for p in readiness.peaks]
    chart = burndown(store, readiness.today, peaks)
    page = render_template(
        "readiness/store.html",
        row=readiness,
        store=store,
        groups=open_work(readiness, catalog),
        chart=chart,
        cadence=cadence(store, catalog) if store.model == "pop" else None,
        health=db.session.scalars(ShopHealth.latest_of(store.id)).first(),
        data_stale_since=stale_since(store, import_settings(), readiness.today),
        catalog=catalog,
        rule=catalog.readiness,
        today=readiness.today,
        printable=request.args.get("print") == "1",
        printed_at=utcnow(),
    )
    return _keeping_scores(page, [readiness])


@bp.get("/stores/<int:store_id>/readiness.csv")
@login_required
def store_csv(store_id: int) -> Response:
    """Download one store's open work as CSV."""
    catalog = get_catalog()
    readiness = _one(store_id, catalog)
    return _keeping_scores(
        exports.csv_response(
            exports.open_work_rows(open_work(readiness, catalog), readiness.today),
            f"open-work-store-{store_id}-{readiness.today.isoformat()}.csv",
        ),
        [readiness],
    )


def _one(store_id: int, catalog: Catalog) -> StoreReadiness:
    store = store_for(current_user, store_id)
    catch_up_plan(store, catalog)  # as the plan page does: the same open work on both
    return portfolio(current_user, catalog, store_ids=[store.id])[0]


def _keeping_scores(answer: Answer, rows: Sequence[Counted]) -> Answer:
    """Store the scores counted again for this answer, once it is made, and commit at once.

    A page that only reads commits because the counts it took are kept for the next reader
    (``tracker.readiness.scores``); this view is the caller that commits them. They are
    written only now: before, the commit would expire the rows the answer shows and read
    each store again; and on SQLite the first write takes the one write lock until the
    commit, which must not wait for hundreds of rows to be drawn (everyone ticking a task
    meanwhile would wait, then be told the tracker is busy). Storing them is worth nothing
    to this answer: when the database refuses (busy, a lock timeout), the answer goes out
    all the same and the stores are counted again next time.
    """
    try:
        keep_recounted(rows)
        db.session.commit()
    except DBAPIError as error:
        db.session.rollback()
        log.warning("readiness scores not stored (counted again next time): %s", error.orig)
    return answer


def _stamp(rows: list[StoreReadiness]) -> str:
    return max(row.today for row in rows).isoformat() if rows else "empty"


def _sort_link(filters: Filters) -> Callable[[str], str]:
    """Build the link a column header sorts by: again on the same column flips the order."""

    def link(column: str) -> str:
        descending = column == filters.sort and not filters.descending
        args: Mapping[str, Any] = filters.query_args() | {
            "sort": column,
            "order": "desc" if descending else "asc",
        }
        return url_for("readiness.portfolio_page", **args)

    return link


def _page_number(raw: str | None) -> int:
    """Read ``?page=``: a whole number from 1 (a page past the end shows no rows)."""
    if raw is None or raw == "":
        return 1
    if len(raw) > 6 or not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise InputError.one("page", gettext("a page number from 1, got %(got)s", got=raw[:20]))
    return int(raw)


def _page_link(filters: Filters) -> Callable[[int], str]:
    """Build the link to another page of the same filters and order."""

    def link(number: int) -> str:
        args: dict[str, Any] = {"page": number} | filters.query_args(sort=True)
        return url_for("readiness.portfolio_page", **args)

    return link

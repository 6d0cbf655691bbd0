"""Readiness of many stores at once, counted by the database in a fixed number of queries.

Each store is scored on its own "today" (its zone's date). The per-store
today goes into SQL as one ``CASE`` over the stores' zones, so the counts
stay aggregate queries however many stores there are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any, ClassVar, Protocol

from sqlalchemy import ColumnElement, Select, String, and_, case, cast, func, null, select, true

from tracker.activity.models import Activity
from tracker.auth.models import User
from tracker.clock import local_today, utcnow
from tracker.extensions import db
from tracker.i18n.collation import name_order
from tracker.playbook.catalog import Catalog
from tracker.playbook.peaks import Peak, peaks_between
from tracker.playbook.phrases import Name, Phrase, phrase
from tracker.playbook.plan import Gate, done_mark, peak_slot
from tracker.playbook.readiness import STATUSES, Assessment, Tally, assess, worst
from tracker.readiness.scores import (
    Recount,
    StoreScore,
    StoreWork,
    StoreWorkChange,
    keep_scores,
    rule_mark,
    stored_scores,
)
from tracker.stores.access import visible_stores
from tracker.stores.health import ShopHealth
from tracker.stores.models import Store
from tracker.tasks.models import Task

# Work that still counts: retired tasks and missed occurrences are not work any more.
LIVE_STATUSES = ("open", "done")
# Store ids named in one statement at most, so no statement grows with the agency (SQLite
# before 3.32 bound 999 values a statement; the tracker needs 3.35, see tracker.config).
IDS_AT_ONCE = 500


@dataclass(frozen=True)
class Scope:
    """One scope of one store (onboarding, or a peak): its counts and what they mean."""

    tally: Tally
    assessment: Assessment

    @property
    def status(self) -> str:
        return self.assessment.status

    @property
    def percent(self) -> int:
        return self.assessment.percent


@dataclass(frozen=True)
class PeakScope(Scope):
    """A coming peak of the store and how ready the store is for it."""

    key: str = ""
    name: str = ""
    falls_on: date = date.min
    warmup_starts_on: date | None = None


@dataclass(frozen=True)
class BlockedTask:
    """An open task past its due date that its gate still keeps locked.

    It has what the pages need to name a task in the reader's language (``task_title``,
    ``gate_reason``): its key, origin, peak and store.
    """

    id: int
    key: str
    title: str
    due_on: date
    gate: dict[str, Any]
    origin: str
    peak_key: str | None
    peak_date: date | None
    store: Store
    # What its gate was checked against: the store's today, its done work and followers.
    today: date
    done: frozenset[str]
    followers: int

    @property
    def gate_reason(self) -> str:
        return self.gate.get("reason", "")

    @cached_property
    def locked_because(self) -> tuple[Phrase, ...]:
        """What still keeps it locked, condition by condition (worded when asked: a page
        says it of one blocked task a store)."""
        return tuple(
            Gate.from_json(self.gate).unmet(
                self.today,
                done=self.done,
                followers=self.followers,
                peak_key=self.peak_key,
                peak_date=self.peak_date,
            )
        )


@dataclass(frozen=True)
class DataFreshness:
    """How to find each store's newest imported day, and how old it may get (the imports say).

    Readiness sits below the imports, so the front doors pass this in.
    """

    newest_days: Callable[[Select[Any]], Mapping[int, date]]
    stale_after_days: int


@dataclass
class StoreReadiness:
    """Everything the portfolio shows about one store."""

    store: Store
    today: date
    onboarding: Scope
    peaks: list[PeakScope] = field(default_factory=list)
    overdue: int = 0
    blocked: list[BlockedTask] = field(default_factory=list)
    last_activity_at: datetime | None = None
    # The store's newest shop-health figures from its own data (None: none imported).
    shop_health: ShopHealth | None = None
    # The newest day its imported data covers; stale when older than the imports allow.
    data_as_of: date | None = None
    data_stale: bool = False
    # The store's counts when they were taken again for this row, until they are stored
    # (``keep_recounted``); None when they came from its stored score (or ``fresh``).
    recount: Recount | None = field(default=None, compare=False, repr=False)

    @property
    def next_peak(self) -> PeakScope | None:
        return self.peaks[0] if self.peaks else None

    @cached_property
    def status(self) -> str:
        """The worst of onboarding and every coming peak (worked out once: the sort, the
        counts and the page each ask)."""
        return worst(self.onboarding.status, *(peak.status for peak in self.peaks))

    @cached_property
    def reasons(self) -> list[Phrase]:
        """Why the store is not ready, scope by scope (worked out once: a page asks three
        times a row)."""
        out = [
            phrase("Onboarding: %(reason)s", reason=reason)
            for reason in self.onboarding.assessment.reasons
        ]
        for peak in self.peaks:
            name = Name("peak", peak.key, peak.name)
            out += [
                phrase("%(peak)s: %(reason)s", peak=name, reason=reason)
                for reason in peak.assessment.reasons
            ]
        return out


def portfolio(
    user: User,
    catalog: Catalog,
    *,
    now: datetime | None = None,
    market: str | None = None,
    model: str | None = None,
    store_ids: Collection[int] | None = None,
    freshness: DataFreshness | None = None,
    fresh: bool = False,
    versions: Mapping[int, int] | None = None,
    counted_now: Mapping[int, Recount] | None = None,
) -> list[StoreReadiness]:
    """Score every store ``user`` may see (optionally only some), by name.

    With ``freshness``, each row also says how old the store's imported data is.
    ``versions`` (the current work versions of ``store_ids``, whose stored scores are known
    not to hold) counts those stores again without reading what is stored for them, in rows
    without the last activity and shop health (what ``summaries`` needs).

    Each store's counts come from its stored score when its tasks have not changed since
    and it is still the same day there (see ``tracker.readiness.scores``); the others are
    counted again, and their rows carry the new counts for the caller to store with
    ``keep_recounted`` (this only reads: the caller chooses when to write and commit).
    ``fresh`` counts every store from its tasks and offers nothing to store.
    ``counted_now``: counts this answer already took again (``summaries``), not stored yet.
    """
    now = now or utcnow()
    query = _chosen_stores(user, market, model, store_ids)
    stores = db.session.scalars(query.order_by(Store.name_key, Store.id)).all()
    if not stores:
        return []
    ids = query.with_only_columns(Store.id)
    todays = {store.zone: local_today(store.zone, now) for store in stores}
    today = case(todays, value=Store.zone)
    days = {store.id: todays[store.zone] for store in stores}
    rule = catalog.readiness
    mark = score_mark(catalog)

    # The stored counts of stores whose tasks did not change since, on the same day.
    figures: dict[int, dict[str, Any]] = {}
    stored = {} if fresh or versions is not None else stored_scores(ids)
    for store in stores:
        known = stored.get(store.id)
        if (
            known is not None
            and known.holds(
                days[store.id], mark, basis(store.market, store.store_type, store.followers)
            )
            and known.figures
        ):
            figures[store.id] = known.figures
        elif (
            counted_now
            and (taken := counted_now.get(store.id)) is not None
            and taken.day == days[store.id]
            and taken.rule == mark
        ):
            figures[store.id] = taken.figures
    stale = [store.id for store in stores if store.id not in figures]
    counted: dict[int, dict[str, Any]] = {}
    if stale:
        latest_today = max(todays.values())
        if len(stale) == len(stores):
            # Every store (a first request, a new day everywhere): the stores' query.
            counted = _count(ids, stale, today, latest_today, catalog)
        else:
            counted = {}
            for start in range(0, len(stale), IDS_AT_ONCE):
                part = stale[start : start + IDS_AT_ONCE]
                counted |= _count(part, part, today, latest_today, catalog)
        figures |= counted

    last_activity = _last_activity(ids) if versions is None else {}
    health = _shop_health(ids) if versions is None else {}
    newest_days = freshness.newest_days(ids) if freshness is not None else {}

    calendar = _Calendar(catalog)
    # Many scopes have the same counts (every store ready for a peak with nothing done yet):
    # the rule is applied once per distinct tally.
    assessed: dict[Tally, Assessment] = {}

    def judged(tally: Tally) -> Assessment:
        found = assessed.get(tally)
        if found is None:
            found = assessed[tally] = assess(tally, rule)
        return found

    results = []
    for store in stores:
        store_today = days[store.id]
        counts = _Figures(figures[store.id])
        totals = counts.onboarding
        onboarding_tally = Tally(
            total=totals.total,
            done=totals.done,
            weight_total=totals.weight_total,
            weight_done=totals.weight_done,
            overdue=totals.overdue,
            critical_overdue=totals.critical_overdue,
            days_left=(totals.last_due_on - store_today).days if totals.last_due_on else None,
        )
        peaks = []
        for peak_row in counts.peaks:
            peak = calendar.peak(store, peak_row.peak_key, peak_row.peak_date)
            warmup = peak.warmup_starts_on if peak else None
            ahead = warmup if warmup is not None and warmup > store_today else peak_row.peak_date
            peak_tally = Tally(
                total=peak_row.total,
                done=peak_row.done,
                weight_total=peak_row.weight_total,
                weight_done=peak_row.weight_done,
                overdue=peak_row.overdue,
                critical_overdue=peak_row.critical_overdue,
                stock_up_overdue=peak_row.stock_up_overdue,
                days_left=(ahead - store_today).days,
            )
            peaks.append(
                PeakScope(
                    peak_tally,
                    judged(peak_tally),
                    key=peak_row.peak_key,
                    name=peak.name if peak else calendar.name(peak_row.peak_key),
                    falls_on=peak_row.peak_date,
                    warmup_starts_on=warmup,
                )
            )
        results.append(
            StoreReadiness(
                store=store,
                today=store_today,
                onboarding=Scope(onboarding_tally, judged(onboarding_tally)),
                peaks=peaks,
                overdue=totals.all_overdue,
                blocked=_blocked(store, store_today, figures[store.id]),
                last_activity_at=last_activity.get(store.id),
                shop_health=health.get(store.id),
                data_as_of=newest_days.get(store.id),
                data_stale=freshness is not None
                and store.id in newest_days
                and (store_today - newest_days[store.id]).days > freshness.stale_after_days,
            )
        )
    if counted and not fresh:
        # The counts taken again, with each store's summary, for the caller to store.
        for row in results:
            store_id = row.store.id
            if store_id in counted:
                version = (
                    versions.get(store_id, 0)
                    if versions is not None
                    else stored[store_id].version
                    if store_id in stored
                    else 0
                )
                row.recount = Recount(
                    store_id, version, days[store_id], mark, counted[store_id], summary_values(row)
                )
    return results


def score_mark(catalog: Catalog) -> str:
    """The fingerprint of everything besides the tasks a stored score and summary depend on:
    the readiness rule and the peaks (their warm-ups move a peak's days left)."""
    found = _MARKS.get(id(catalog))
    if found is None or found[0] is not catalog:
        rule = catalog.readiness
        peaks = sorted(catalog.peaks.items())
        found = _MARKS[id(catalog)] = (
            catalog,
            rule_mark(
                rule.onboarding_phases,
                rule.critical_weight,
                sorted(catalog.stock_up_keys),
                rule,
                peaks,
            ),
        )
    return found[1]


_MARKS: dict[int, tuple[Catalog, str]] = {}


def basis(market: str, store_type: str, followers: int) -> str:
    """What of the store itself a stored summary depends on: its market and type (which
    peaks, their warm-ups) and its followers (which gates still hold)."""
    return f"{market}:{store_type}:{followers}"


def summary_values(row: StoreReadiness) -> dict[str, Any]:
    """A store's summary as it is stored beside its figures (``SUMMARY_COLUMNS``)."""
    peak = row.next_peak
    return {
        "basis": basis(row.store.market, row.store.store_type, row.store.followers),
        "status": row.status,
        "onboarding_percent": row.onboarding.percent,
        "peak_on": peak.falls_on if peak else None,
        "peak_percent": peak.percent if peak else None,
        "overdue": row.overdue,
        "blocked": len(row.blocked),
    }


@dataclass(frozen=True)
class Summary:
    """What the portfolio sorts, filters and counts one store by, without its full row."""

    id: int
    name: str
    model: str
    market: str
    status: str
    onboarding_percent: int
    peak_on: date | None
    peak_percent: int | None
    overdue: int
    blocked: int
    last_activity_at: datetime | None = None
    # The store's counts when its summary was worked out again for this read, until they
    # are stored (``keep_recounted``).
    recount: Recount | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class SummaryPage:
    """Stores of the portfolio by their summaries: those of one page, in order (``rows``),
    and how many pass the filters, by status (``counts``). ``recounted``: the summaries
    that were worked out again for this read, carrying their counts for the caller to store
    (``keep_recounted``); some may be on the page."""

    rows: list[Summary]
    counts: dict[str, int]
    recounted: list[Summary]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def summary_page(
    user: User,
    catalog: Catalog,
    *,
    now: datetime | None = None,
    market: str | None = None,
    model: str | None = None,
    status: str | None = None,
    sort: str = "name",
    descending: bool = False,
    start: int = 0,
    size: int | None = None,
    activity: bool = False,
    order: Callable[[list[Summary]], list[Summary]] | None = None,
) -> SummaryPage:
    """One page of the stores ``user`` may see (of ``market``, ``model`` and ``status``),
    sorted by ``sort`` (a column of ``_summary_order``), by their stored summaries.

    The database sorts, pages and counts the summaries that still hold, so a page reads a
    few rows whatever the number of stores. The stores whose summary does not hold (their
    work changed, a new day, another rule) are scored in full (``portfolio``) and placed
    among them by ``order``, which sorts summaries as the database does (ties by name,
    none last: ``tracker.readiness.filters``). With ``activity``, each row also has its last
    activity. ``size`` None: every store from ``start``.
    """
    now = now or utcnow()
    dialect = db.session.get_bind().dialect.name
    chosen = _chosen_stores(user, market, model, None)
    mark = score_mark(catalog)
    # The stores' work versions by joins, not a subquery a store (as ``work_version``):
    # PostgreSQL ran those once for each of a thousand stores.
    pending = (
        select(StoreWorkChange.store_id, func.count().label("changes"))
        .group_by(StoreWorkChange.store_id)
        .subquery()
    )
    version = func.coalesce(StoreWork.version, 0) + func.coalesce(pending.c.changes, 0)
    kept_for = Store.market + ":" + Store.store_type + ":" + cast(Store.followers, String)
    # The zones of the chosen stores first: a summary holds for its zone's today.
    zones = db.session.scalars(
        chosen.with_only_columns(Store.zone).select_from(Store).distinct()
    ).all()
    if not zones:
        return SummaryPage([], {name: 0 for name in STATUSES}, [])
    todays = {zone: local_today(zone, now) for zone in zones}
    holds = and_(
        StoreScore.status.is_not(None),
        StoreScore.version == version,
        StoreScore.day == case(todays, value=Store.zone),
        StoreScore.rule == mark,
        StoreScore.basis == kept_for,
    )
    # One read of every chosen store: how many summaries hold, by status, and each store
    # whose summary does not, with its version. One statement, so what it counts and what
    # it says to score again are the same stores however others write meanwhile.
    each = (
        chosen.with_only_columns(
            Store.id.label("id"),
            StoreScore.status.label("status"),
            version.label("version"),
            case((holds, 1), else_=0).label("holds"),
        )
        .select_from(Store)
        .outerjoin(StoreScore, StoreScore.store_id == Store.id)
        .outerjoin(StoreWork, StoreWork.store_id == Store.id)
        .outerjoin(pending, pending.c.store_id == Store.id)
        .offset(0)  # worked out once a store: PostgreSQL does not fold it into the grouping
        .subquery()
    )
    kept_row = each.c.holds == 1
    stale_id = case((kept_row, None), else_=each.c.id).label("stale_id")
    held = case((kept_row, each.c.status), else_=None).label("held")
    read = db.session.execute(
        select(
            stale_id, held, func.max(case((kept_row, None), else_=each.c.version)), func.count()
        ).group_by(stale_id, held)
    ).all()
    counts = {name: 0 for name in STATUSES}
    stale: dict[int, int] = {}
    for store_id, kept, stale_version, count in read:
        if store_id is not None:
            stale[store_id] = int(stale_version)
        elif status is None or kept == status:
            counts[kept] += count

    last = _newest_activity()
    with_activity = activity or sort == "activity"
    # The stores whose stored summary does not hold: scored now, in parts (the stores' ids
    # are bound in each of its statements).
    recounted: list[Summary] = []
    stale_ids = sorted(stale)
    for begin in range(0, len(stale_ids), IDS_AT_ONCE):
        part = {store_id: stale[store_id] for store_id in stale_ids[begin : begin + IDS_AT_ONCE]}
        latest: dict[int, datetime] = (
            dict(db.session.execute(select(Store.id, last).where(Store.id.in_(list(part)))).all())
            if with_activity
            else {}
        )
        for full in portfolio(user, catalog, now=now, store_ids=part, versions=part):
            values = summary_values(full)
            store = full.store
            recounted.append(
                Summary(
                    store.id,
                    store.name,
                    store.model,
                    store.market,
                    values["status"],
                    values["onboarding_percent"],
                    values["peak_on"],
                    values["peak_percent"],
                    values["overdue"],
                    values["blocked"],
                    latest.get(store.id),
                    full.recount,
                )
            )
    placed = [row for row in recounted if status is None or row.status == status]
    for row in placed:
        counts[row.status] += 1

    # The page: with every summary holding, the database's rows; otherwise the stored
    # summaries up to the page's end but for those scored now (as many more rows as
    # there are of them), and those scored now placed among them.
    key = _summary_order(sort, dialect, last)
    by_name = Store.name_key
    if sort == "name":
        ordering = [by_name.desc(), Store.id.desc()] if descending else [by_name, Store.id]
    else:  # ties by name, whichever the direction; none last
        ordering = [key.is_(None), key.desc() if descending else key, by_name, Store.id]
    shown: list[Any] = [
        Store.id,
        Store.name,
        Store.model,
        Store.market,
        StoreScore.status,
        StoreScore.onboarding_percent,
        StoreScore.peak_on,
        StoreScore.peak_percent,
        StoreScore.overdue,
        StoreScore.blocked,
        last if with_activity else null(),
    ]
    query: Select[Any] = (
        chosen.with_only_columns(*shown)
        .select_from(Store)
        .join(StoreScore, StoreScore.store_id == Store.id)
        .order_by(*ordering)
    )
    if status:
        query = query.where(StoreScore.status == status)
    if not stale:
        query = query.offset(start).limit(size)
        return SummaryPage([Summary(*row) for row in db.session.execute(query).all()], counts, [])
    if size is not None:
        query = query.limit(start + size + len(stale))
    rows = [Summary(*row) for row in db.session.execute(query).all() if row[0] not in stale]
    merged = (order or (lambda found: found))([*rows, *placed])
    return SummaryPage(merged[start : None if size is None else start + size], counts, recounted)


def summaries(
    user: User,
    catalog: Catalog,
    *,
    now: datetime | None = None,
    market: str | None = None,
    model: str | None = None,
    activity: bool = False,
) -> list[Summary]:
    """The summary of every store ``user`` may see (of ``market`` and ``model``), by name;
    those worked out again carry their counts for the caller to store (``keep_recounted``)."""
    found = summary_page(
        user,
        catalog,
        now=now,
        market=market,
        model=model,
        activity=activity,
        order=lambda rows: sorted(rows, key=lambda row: (name_order(row.name), row.id)),
    )
    return found.rows


def _summary_order(sort: str, dialect: str, last_activity: Any) -> Any:
    """The value of a store's stored summary that the column ``sort`` sorts by, in SQL."""
    text = (lambda column: column.collate("C")) if dialect == "postgresql" else (lambda c: c)
    columns: dict[str, Any] = {
        "model": text(Store.model),
        "market": text(Store.market),
        "status": case(
            {name: index for index, name in enumerate(STATUSES)}, value=StoreScore.status
        ),
        "onboarding": StoreScore.onboarding_percent,
        "peak": StoreScore.peak_on,
        "peak_percent": StoreScore.peak_percent,
        "overdue": StoreScore.overdue,
        "blocked": StoreScore.blocked,
        "activity": last_activity,
    }
    return columns.get(sort)


def _chosen_stores(
    user: User, market: str | None, model: str | None, store_ids: Collection[int] | None
) -> Select[Any]:
    query = visible_stores(user)
    if market:
        query = query.where(Store.market == market)
    if model:
        query = query.where(Store.model == model)
    if store_ids is not None:
        query = query.where(Store.id.in_(list(store_ids)))
    return query


def _last_activity(ids: Select[Any]) -> dict[int, datetime]:
    """Each chosen store's newest activity, in one query."""
    return {
        store_id: at
        for store_id, at in db.session.execute(
            select(Store.id, _newest_activity()).where(Store.id.in_(ids))
        ).all()
        if at is not None
    }


def _newest_activity() -> Any:
    """When the store's newest activity was, store by store: the last entry of the store in
    the (store, id) index, however long its log (not the newest of all its entries)."""
    return (
        select(Activity.created_at)
        .where(Activity.store_id == Store.id)
        .order_by(Activity.id.desc())
        .limit(1)
        .scalar_subquery()
    )


class Counted(Protocol):
    """A row of the portfolio (or a summary) that may carry counts taken again."""

    @property
    def recount(self) -> Recount | None: ...


def keep_recounted(rows: Iterable[Counted]) -> None:
    """Store the counts ``portfolio`` took again for these rows, so the next reader of the
    stores reads them instead of counting (flush only: the caller commits). A store counted
    twice for one answer (its summary, then its full row) is stored once."""
    keep_scores({row.recount.store_id: row.recount for row in rows if row.recount}.values())


def _count(
    chosen: Select[Any] | list[int],
    stale: list[int],
    today: ColumnElement[date],
    latest_today: date,
    catalog: Catalog,
) -> dict[int, dict[str, Any]]:
    """Count the chosen stores' live tasks: onboarding, overdue, each coming peak, and the
    gated tasks past due (which may be blocked).

    Two aggregate queries and two for the gated tasks, whatever the number of stores. The
    result is each store's figures as they are stored (plain JSON: numbers, ISO dates, the
    gates as the tasks keep them).
    """
    rule = catalog.readiness
    counts = _Counts(today, rule.critical_weight)
    figures: dict[int, dict[str, Any]] = {store_id: {"o": None, "p": []} for store_id in stale}

    onboarding = Task.phase.in_(rule.onboarding_phases)
    for row in db.session.execute(
        _live_tasks(
            chosen,
            Task.store_id,
            counts.tasks(onboarding).label("total"),
            counts.tasks(onboarding, done=True).label("done"),
            counts.weight(onboarding).label("weight_total"),
            counts.weight(onboarding, done=True).label("weight_done"),
            counts.tasks(onboarding, overdue=True).label("overdue"),
            counts.tasks(onboarding & Task.critical, overdue=True).label("critical_overdue"),
            func.max(case((onboarding, Task.due_on))).label("last_due_on"),
            counts.tasks(true(), overdue=True).label("all_overdue"),
        ).group_by(Task.store_id)
    ):
        if row.store_id in figures:
            figures[row.store_id]["o"] = [
                *(int(value) for value in row[1:7]),
                row.last_due_on.isoformat() if row.last_due_on else None,
                int(row.all_overdue),
            ]

    stock_up = Task.key.in_(sorted(catalog.stock_up_keys))
    peak_work = and_(
        Task.peak_key.is_not(None),
        Task.due_on <= Task.peak_date,
        Task.peak_date >= today,
        Task.counts_for_readiness,
    )
    for row in db.session.execute(
        _live_tasks(
            chosen,
            Task.store_id,
            Task.peak_key,
            Task.peak_date,
            counts.tasks(true()).label("total"),
            counts.tasks(true(), done=True).label("done"),
            counts.weight(true()).label("weight_total"),
            counts.weight(true(), done=True).label("weight_done"),
            counts.tasks(true(), overdue=True).label("overdue"),
            counts.tasks(Task.critical & ~stock_up, overdue=True).label("critical_overdue"),
            counts.tasks(stock_up, overdue=True).label("stock_up_overdue"),
        )
        .where(peak_work)
        .group_by(Task.store_id, Task.peak_key, Task.peak_date)
        .order_by(Task.store_id, Task.peak_date, Task.peak_key)
    ):
        if row.store_id in figures:
            figures[row.store_id]["p"].append(
                [row.peak_key, row.peak_date.isoformat(), *(int(value) for value in row[3:])]
            )
    _blocking_candidates(chosen, today, latest_today, figures)
    return figures


@dataclass(frozen=True)
class _Onboarding:
    total: int = 0
    done: int = 0
    weight_total: int = 0
    weight_done: int = 0
    overdue: int = 0
    critical_overdue: int = 0
    last_due_on: date | None = None
    all_overdue: int = 0


@dataclass(frozen=True)
class _Peak:
    peak_key: str
    peak_date: date
    total: int
    done: int
    weight_total: int
    weight_done: int
    overdue: int
    critical_overdue: int
    stock_up_overdue: int


class _Figures:
    """One store's counts read back from their stored form."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        onboarding = raw.get("o")
        if onboarding is None:
            self.onboarding = _Onboarding()
        else:
            total, done, weight_total, weight_done, overdue, critical, last_due, every = onboarding
            self.onboarding = _Onboarding(
                total=total,
                done=done,
                weight_total=weight_total,
                weight_done=weight_done,
                overdue=overdue,
                critical_overdue=critical,
                last_due_on=date.fromisoformat(last_due) if last_due else None,
                all_overdue=every,
            )
        self.peaks = [
            _Peak(key, date.fromisoformat(falls_on), *numbers)
            for key, falls_on, *numbers in raw.get("p", ())
        ]


def _shop_health(ids: Select[Any]) -> dict[int, ShopHealth]:
    """Each store's newest shop-health figures, in one query."""
    newest = (
        select(ShopHealth.store_id, func.max(ShopHealth.as_of).label("as_of"))
        .where(ShopHealth.store_id.in_(ids))
        .group_by(ShopHealth.store_id)
        .subquery()
    )
    return {
        row.store_id: row
        for row in db.session.scalars(
            select(ShopHealth).join(
                newest,
                and_(ShopHealth.store_id == newest.c.store_id, ShopHealth.as_of == newest.c.as_of),
            )
        )
    }


class _Counts:
    """Conditional sums over task rows: how many, how much weight, how many overdue."""

    def __init__(self, today: ColumnElement[date], critical_weight: int) -> None:
        self.overdue = and_(Task.status == "open", Task.due_on < today)
        self.done = Task.status == "done"
        self.weight_of = case((Task.critical, critical_weight), else_=1)

    def _where(self, condition: ColumnElement[bool], done: bool, overdue: bool) -> Any:
        if done:
            condition = and_(condition, self.done)
        if overdue:
            condition = and_(condition, self.overdue)
        return condition

    def tasks(
        self, condition: ColumnElement[bool], *, done: bool = False, overdue: bool = False
    ) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((self._where(condition, done, overdue), 1), else_=0)), 0)

    def weight(self, condition: ColumnElement[bool], *, done: bool = False) -> ColumnElement[int]:
        where = self._where(condition, done, False)
        return func.coalesce(func.sum(case((where, self.weight_of), else_=0)), 0)


def _live_tasks(ids: Select[Any] | list[int], *columns: Any) -> Select[Any]:
    """Select from the tasks that count, of the chosen stores, joined to their store's zone."""
    return (
        select(*columns)
        .join(Store, Store.id == Task.store_id)
        .where(Task.store_id.in_(ids), Task.status.in_(LIVE_STATUSES))
    )


def _blocking_candidates(
    chosen: Select[Any] | list[int],
    today: ColumnElement[date],
    latest_today: date,
    figures: dict[int, dict[str, Any]],
) -> None:
    """Add to each chosen store's figures its open tasks past due that have a gate (``b``)
    and what is done of the keys those gates wait for (``d``).

    Whether a gate still holds is decided when the figures are read (it also depends on the
    store's followers, which are not a task's); everything else it needs is here.
    """
    candidates = db.session.execute(
        select(
            Task.id,
            Task.store_id,
            Task.key,
            Task.title,
            Task.due_on,
            Task.gate,
            Task.origin,
            Task.peak_key,
            Task.peak_date,
        )
        .join(Store, Store.id == Task.store_id)
        .where(
            Task.store_id.in_(chosen),
            Task.status == "open",
            Task.gate.is_not(None),
            # The latest of the stores' todays bounds the index's range; each store's own
            # today then picks its overdue tasks.
            Task.due_on < latest_today,
            Task.due_on < today,
        )
        .order_by(Task.due_on, Task.id)
    ).all()
    # The keys the stored gates wait for (a plan made from older seeds keeps its own).
    gate_keys = sorted({key for row in candidates for key in row.gate.get("tasks", ())})
    done: dict[int, set[str]] = defaultdict(set)
    if gate_keys:
        for store_id, key, peak_key, peak_date in db.session.execute(
            select(Task.store_id, Task.key, Task.peak_key, Task.peak_date).where(
                Task.store_id.in_(chosen), Task.status == "done", Task.key.in_(gate_keys)
            )
        ):
            done[store_id].add(done_mark(key, peak_slot(peak_key, peak_date)))
    for row in candidates:
        found = figures.get(row.store_id)
        if found is None:
            continue  # set up since the list of stores was read: it is not on this page
        found.setdefault("b", []).append(
            [
                row.id,
                row.key,
                row.title,
                row.due_on.isoformat(),
                row.gate,
                row.origin,
                row.peak_key,
                row.peak_date.isoformat() if row.peak_date else None,
            ]
        )
    for store_id, found in figures.items():
        if found.get("b"):
            found["d"] = sorted(done[store_id])


def _blocked(store: Store, today: date, raw: Mapping[str, Any]) -> list[BlockedTask]:
    """The store's open tasks past due whose gate still holds, with what holds them."""
    candidates = raw.get("b")
    if not candidates:
        return []
    done = frozenset(raw.get("d", ()))
    followers = store.followers
    blocked = []
    for task_id, key, title, due_on, gate, origin, peak_key, peak_date in candidates:
        falls_on = date.fromisoformat(peak_date) if peak_date else None
        if not Gate.from_json(gate).is_open(
            today, done=done, followers=followers, peak_key=peak_key, peak_date=falls_on
        ):
            blocked.append(
                BlockedTask(
                    id=task_id,
                    key=key,
                    title=title,
                    due_on=date.fromisoformat(due_on),
                    gate=gate,
                    origin=origin,
                    peak_key=peak_key,
                    peak_date=falls_on,
                    store=store,
                    today=today,
                    done=done,
                    followers=followers,
                )
            )
    return blocked


class _Calendar:
    """The peaks of each market, worked out once per market and day for each catalog (a
    catalog does not change once loaded: every request of a process shares them)."""

    _kept: ClassVar[dict[int, tuple[Catalog, dict[tuple[str, str, str, date], Peak | None]]]] = {}

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        kept = self._kept.get(id(catalog))
        if kept is None or kept[0] is not catalog:
            kept = self._kept[id(catalog)] = (catalog, {})
        self._found = kept[1]

    def peak(self, store: Store, key: str, on: date) -> Peak | None:
        ident = (store.market, store.store_type, key, on)
        if ident not in self._found:
            self._found[ident] = next(
                (
                    peak
                    for peak in peaks_between(
                        self.catalog.peaks, store.market, on, on, store_type=store.store_type
                    )
                    if peak.key == key
                ),
                None,
            )
        return self._found[ident]

    def name(self, key: str) -> str:
        rule = self.catalog.peaks.get(key)
        return rule.name if rule else key.replace("_", " ")


def status_counts(rows: Iterable[StoreReadiness | Summary]) -> dict[str, int]:
    """How many stores are ready, at risk and not ready."""
    found = {"ready": 0, "at_risk": 0, "not_ready": 0}
    for row in rows:
        found[row.status] += 1
    return found

"""Turn a store profile into its dated task plan.

``generate_plan`` is a pure function of (profile, catalog, today, horizon): it
reads no clock, no database and no configuration, so the same inputs always
give the same plan, and every key is the playbook entry's key.
"""

from __future__ import annotations

import calendar
import functools
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tracker.playbook.catalog import (
    PEAK_ANCHORS,
    STOCK_UP_ANCHORS,
    STOCK_UP_PEAKS,
    Catalog,
    Entry,
    Recurrence,
)
from tracker.playbook.eligibility import Warning, check_eligibility, invitation_categories
from tracker.playbook.peaks import SUPPORTED_YEARS, Peak, peaks_between
from tracker.playbook.phrases import Name, Names, Phrase, phrase, phrase_plural
from tracker.playbook.profile import ResolvedProfile, StoreProfile, resolve_profile
from tracker.playbook.stockup import (
    Shutdown,
    StockUpDeadlines,
    daily_order_limit,
    stock_up_deadlines,
)

DEFAULT_HORIZON_DAYS = 120
# Peak-anchored work starts long before the peak (ordering stock can be months
# ahead), so look this far past the horizon for peaks whose tasks fall inside it.
_PEAK_LOOKAHEAD_DAYS = 400


@dataclass(frozen=True)
class Gate:
    """What must hold before a task can be done, and why."""

    reason: str
    after: date | None = None
    after_estimated: bool = False
    tasks: tuple[str, ...] = ()
    followers_at_least: int | None = None
    # The inspection's order count, and the store's orders when the plan was made
    # (the plan is made again when they change).
    orders_at_least: int | None = None
    orders_to_date: int = 0
    # Titles of the tasks waited for that are named by their title, not their key (a
    # checklist's own steps: no seed translation names them).
    titles: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Gate:
        """Read a gate back from its JSON form (as a stored task keeps it)."""
        after = raw.get("after")
        return cls(
            reason=raw.get("reason", ""),
            after=date.fromisoformat(after) if after else None,
            after_estimated=bool(raw.get("after_estimated")),
            tasks=tuple(raw.get("tasks", ())),
            followers_at_least=raw.get("followers_at_least"),
            orders_at_least=raw.get("orders_at_least"),
            orders_to_date=raw.get("orders_to_date", 0),
            titles=tuple(sorted((raw.get("titles") or {}).items())),
        )

    def unmet(
        self,
        today: date,
        *,
        done: Collection[str] = frozenset(),
        followers: int = 0,
        orders: int | None = None,
        peak_key: str | None = None,
        peak_date: date | None = None,
    ) -> list[Phrase]:
        """Say, condition by condition, what still keeps the task locked on ``today``.

        ``done`` holds :func:`done_mark` values. The tasks a gate on peak work waits
        for are those of the same peak (``peak_key`` on ``peak_date``): registering for
        Christmas does not open Black Friday's campaign work. ``orders`` is the store's
        order count now; left out, the count the gate was made with.
        """
        reasons: list[Phrase] = []
        if self.after is not None and today <= self.after:
            opens_on = self.after + timedelta(days=1)
            if self.after_estimated:
                reasons.append(phrase("not before %(day)s (estimated)", day=opens_on))
            else:
                reasons.append(phrase("not before %(day)s", day=opens_on))
        slot = peak_slot(peak_key, peak_date)
        missing = [
            key for key in self.tasks if key not in done and done_mark(key, slot) not in done
        ]
        if missing:
            context = (
                {"peak": peak_key, "year": str(peak_date.year)} if peak_key and peak_date else {}
            )
            titles = dict(self.titles)
            said = [titles.get(key, key) for key in missing]
            names = [Name("entry", key, titles.get(key, key), context) for key in missing]
            reasons.append(phrase("waiting for: %(tasks)s", tasks=Names(names, ", ".join(said))))
        if self.followers_at_least is not None and followers < self.followers_at_least:
            reasons.append(
                phrase(
                    "%(followers)s of %(target)s followers",
                    followers=f"{followers:,}",
                    target=f"{self.followers_at_least:,}",
                )
            )
        # The inspection's order count: a stored gate keeps the store's orders as of its last
        # plan, which is made again whenever they change.
        orders = self.orders_to_date if orders is None else orders
        if self.orders_at_least is not None and orders < self.orders_at_least:
            reasons.append(
                phrase(
                    "%(orders)s of %(target)s orders",
                    orders=f"{orders:,}",
                    target=f"{self.orders_at_least:,}",
                )
            )
        return reasons

    def is_open(
        self,
        today: date,
        *,
        done: Collection[str] = frozenset(),
        followers: int = 0,
        orders: int | None = None,
        peak_key: str | None = None,
        peak_date: date | None = None,
    ) -> bool:
        """Tell whether every condition holds on ``today``.

        The conditions of :meth:`unmet`, checked without wording them: a plan asks this of
        every gated task of every store a checklist is previewed for.
        """
        if self.after is not None and today <= self.after:
            return False
        if self.tasks:
            if not done:
                return False  # a fresh plan: nothing is done yet
            slot = peak_slot(peak_key, peak_date)
            if any(key not in done and done_mark(key, slot) not in done for key in self.tasks):
                return False
        if self.followers_at_least is not None and followers < self.followers_at_least:
            return False
        orders = self.orders_to_date if orders is None else orders
        return self.orders_at_least is None or orders >= self.orders_at_least

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"reason": self.reason}
        if self.after is not None:
            out["after"] = self.after.isoformat()
            if self.after_estimated:
                out["after_estimated"] = True
        if self.tasks:
            out["tasks"] = list(self.tasks)
        if self.followers_at_least is not None:
            out["followers_at_least"] = self.followers_at_least
        if self.orders_at_least is not None:
            out["orders_at_least"] = self.orders_at_least
            out["orders_to_date"] = self.orders_to_date
        if self.titles:
            out["titles"] = dict(self.titles)
        return out


def peak_slot(peak_key: str | None, peak_date: date | None) -> str:
    """The slot that tells one peak's work from another's: ``key:date`` (empty: no peak)."""
    return f"{peak_key}:{peak_date.isoformat()}" if peak_key and peak_date else ""


def done_mark(key: str, slot: str = "") -> str:
    """What a done task satisfies in a gate: its key; for peak work, its key for that peak only."""
    return f"{key}@{slot}" if slot else key


@dataclass(frozen=True)
class PlannedTask:
    """One task of a store's plan; a recurring one stands for all its occurrences."""

    key: str
    title: str
    description: str
    phase: str
    due_on: date
    critical: bool
    source: str
    recurrence: Recurrence | None = None
    starts_on: date | None = None
    depends_on: tuple[str, ...] = ()
    gate: Gate | None = None
    peak: Peak | None = None
    estimated: bool = False
    locked: bool = False

    def occurrences(self, start: date, end: date) -> list[date]:
        """List the due dates of this task from ``start`` to ``end``, both included."""
        if self.recurrence is None:
            return [self.due_on] if start <= self.due_on <= end else []
        return list(_occurrences(self.recurrence, self.starts_on or self.due_on, start, end))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "key": self.key,
            "title": self.title,
            "description": self.description,
            "phase": self.phase,
            "due_on": self.due_on.isoformat(),
            "recurrence": self.recurrence.to_json() if self.recurrence else None,
            "depends_on": list(self.depends_on),
            "gate": self.gate.to_json() if self.gate else None,
            "peak": self.peak.key if self.peak else None,
            "critical": self.critical,
            "source": self.source,
            "locked": self.locked,
        }
        if self.recurrence is not None and self.starts_on is not None:
            out["starts_on"] = self.starts_on.isoformat()
        if self.peak is not None:
            out["peak_date"] = self.peak.date.isoformat()
        if self.estimated:
            out["estimated"] = True
        return out


@dataclass(frozen=True)
class Plan:
    """A store's plan on a given day, with the warnings and the dates it was worked from."""

    store: ResolvedProfile
    today: date
    horizon_ends_on: date
    warnings: tuple[Warning, ...]
    tasks: tuple[PlannedTask, ...]
    stock_up: tuple[StockUpDeadlines, ...]
    peaks: tuple[Peak, ...]
    playbook_version: str
    phase_names: Mapping[str, str] = field(default_factory=dict)
    # Keys of the peak work left out of ``tasks`` (see ``peak_work_until``): they apply.
    left_out_keys: frozenset[str] = frozenset()

    def to_json(self) -> dict[str, Any]:
        store = self.store
        profile = store.profile
        return {
            "store": {
                "model": profile.model,
                "market": profile.market,
                "store_type": profile.store_type,
                "entity": profile.entity,
                "chinese_share_percent": profile.chinese_share_percent,
                "categories": list(profile.categories),
                "opened_on": profile.opened_on.isoformat(),
                "inspection_ends_on": store.inspection_ends_on.isoformat(),
                "inspection_ends_on_estimated": store.inspection_estimated,
                "timezone": store.timezone,
                "followers": profile.followers,
                "follower_target": store.follower_target,
                "freight_mode": store.freight_mode,
                "lead_time_days": store.lead_time_days,
                "production_days": store.production_days,
                "platform_freight_days": store.platform_freight_days,
                # The inspection's conditions beside its days, and the cap while on probation.
                "orders_to_date": store.profile.orders_to_date,
                "inspection_orders": store.inspection_orders,
                "probation_daily_orders": store.probation_daily_orders,
            },
            "today": self.today.isoformat(),
            "horizon_ends_on": self.horizon_ends_on.isoformat(),
            "playbook_version": self.playbook_version,
            "warnings": [warning.to_json() for warning in self.warnings],
            "tasks": [task.to_json() for task in self.tasks],
            "peaks": [peak.to_json() for peak in self.peaks],
            "stock_up": [deadlines.to_json(self.today) for deadlines in self.stock_up],
        }


def generate_plan(
    profile: StoreProfile,
    catalog: Catalog,
    *,
    today: date,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    stock_up: bool = True,
    peak_work_until: date | None = None,
    peak_work_kept: Collection[tuple[str, str]] = frozenset(),
    keys_kept: Collection[str] = frozenset(),
) -> Plan:
    """Build the store's plan: every applicable playbook entry, dated, up to the horizon.

    ``stock_up`` False leaves out the stock-up deadlines (and the entries dated from them):
    for planning work that is dated from the store and its peaks only, faster.

    ``peak_work_until`` leaves out of ``tasks`` the peak work due after that day (the daily
    roll forward gives rows only to peak work within its window), except the (key, slot)
    pairs in ``peak_work_kept`` and the keys in ``keys_kept``. What is left out is still
    dated and weighed as in the whole plan (work lost with a step that falls before opening
    goes with it); only its task is not written out. Its keys are in ``left_out_keys``.
    """
    store = resolve_profile(profile, catalog)
    horizon_ends_on = today + timedelta(days=horizon_days)
    warnings = check_eligibility(profile, catalog)
    invited = invitation_categories(profile, catalog)
    conditions = frozenset({"invitation_category"} if invited else ())
    applicable = [
        entry
        for entry in catalog.entries
        if entry.trigger is None and _applies(entry, profile, conditions)
    ]
    applicable_keys = frozenset(entry.key for entry in applicable)
    placeholders = {
        "market": store.market.name,
        "invitation_categories": ", ".join(catalog.categories[c] for c in invited),
    }

    # The peaks, their stock-up deadlines and every peak-anchored entry's date for each peak
    # are the same for every store alike in what they are worked out from (_peak_context):
    # worked out once for them all. Only what depends on this store is done here.
    context = _peak_context(catalog, store, today, horizon_ends_on, stock_up)
    peaks = context.peaks
    stock_up_plan = context.stock_up(store) if stock_up else []
    opened_on = profile.opened_on

    tasks: list[PlannedTask | _LeftOut] = []
    missed: dict[tuple[str, date], list[str]] = {}
    for entry in applicable:
        if entry.peak_anchored:
            for pair in context.pairs(entry):
                peak, due_on = pair.peak, pair.due_on
                if due_on < opened_on:
                    if pair.ahead_on is not None and pair.ahead_on >= opened_on:
                        due_on = opened_on  # a check that still matters: do it now
                        if due_on > horizon_ends_on:
                            continue
                    else:
                        missed.setdefault((peak.key, peak.date), []).append(entry.key)
                        continue
                if (
                    peak_work_until is not None
                    and due_on > peak_work_until
                    and entry.key not in keys_kept
                    and (entry.key, pair.slot) not in peak_work_kept
                ):
                    tasks.append(pair.left_out)
                    continue
                tasks.append(
                    _task(
                        entry,
                        store,
                        catalog,
                        applicable_keys,
                        today,
                        due_on,
                        placeholders | {"peak": peak.name, "year": str(peak.date.year)},
                        peak=peak,
                    )
                )
            continue
        anchor = (
            store.inspection_ends_on
            if entry.due.anchor == "inspection_ends_on"
            else profile.opened_on
        )
        due_on = anchor + timedelta(days=entry.due.days)
        estimated = entry.due.anchor == "inspection_ends_on" and store.inspection_estimated
        starts_on = None
        if entry.recurrence is not None:
            starts_on = due_on
            due_on = next(_occurrences(entry.recurrence, starts_on, max(today, starts_on), None))
        if due_on > horizon_ends_on:
            continue
        tasks.append(
            _task(
                entry,
                store,
                catalog,
                applicable_keys,
                today,
                due_on,
                placeholders,
                starts_on=starts_on,
                estimated=estimated,
            )
        )

    follows = {entry.key: entry.follows for entry in applicable}
    weighed = _without_lost_prerequisites(tasks, missed, follows)
    planned = [task for task in weighed if isinstance(task, PlannedTask)]
    left_out = frozenset(task.key for task in weighed if isinstance(task, _LeftOut))
    expires = catalog.supply.inbound_request_expires_days
    if profile.model == "pop" and store.lead_time_days > expires:
        warnings.append(
            Warning(
                "inbound_request_expires",
                phrase(
                    "Freight takes %(days)s days, and the platform warehouse closes an inbound "
                    "request when nothing arrives within %(expires)s days: create the request "
                    "once the goods are under way, or ship faster.",
                    days=store.lead_time_days,
                    expires=expires,
                ),
                field="lead_time_days",
                source=catalog.supply.sourced.source,
            )
        )
    peak_names = {peak.key: peak.name for peak in peaks}
    for (peak_key, peak_date), keys in missed.items():
        values = {
            "peak": Name("peak", peak_key, peak_names[peak_key]),
            "year": str(peak_date.year),
            "day": profile.opened_on,
            # Said by key in English (the command line's), by title on a page.
            "keys": Names(
                [
                    Name("entry", key, key, {"peak": peak_key, "year": str(peak_date.year)})
                    for key in keys
                ],
                ", ".join(keys),
            ),
        }
        if profile.opened_on <= today:  # the store's page, once it is open
            said = phrase_plural(
                "%(peak)s %(year)s: %(num)d task left out because it, or a step it cannot "
                "go without, fell before the store opened on %(day)s (%(keys)s).",
                "%(peak)s %(year)s: %(num)d tasks left out because they, or a step they "
                "cannot go without, fell before the store opened on %(day)s (%(keys)s).",
                len(keys),
                **values,
            )
        else:
            said = phrase_plural(
                "%(peak)s %(year)s: %(num)d task left out because it, or a step it cannot "
                "go without, falls before the store opens on %(day)s (%(keys)s).",
                "%(peak)s %(year)s: %(num)d tasks left out because they, or a step they "
                "cannot go without, fall before the store opens on %(day)s (%(keys)s).",
                len(keys),
                **values,
            )
        warnings.append(
            Warning(
                "peak_deadline_before_opening",
                said,
                field="opened_on",
            )
        )

    phase_order = {key: phase.order for key, phase in catalog.phases.items()}
    planned.sort(
        key=lambda t: (
            t.due_on,
            phase_order[t.phase],
            t.key,
            t.peak.date if t.peak else date.min,
        )
    )
    return Plan(
        store=store,
        today=today,
        horizon_ends_on=horizon_ends_on,
        warnings=tuple(warnings),
        tasks=tuple(planned),
        # The stock-up plan is for sales peaks; spring stock is dated by its own tasks.
        stock_up=tuple(
            d for d in stock_up_plan if d.peak.stock_up and d.order_by <= horizon_ends_on
        ),
        peaks=tuple(p for p in peaks if p.date <= horizon_ends_on),
        playbook_version=catalog.version,
        phase_names={key: phase.name for key, phase in catalog.phases.items()},
        left_out_keys=left_out,
    )


@dataclass(frozen=True, slots=True)
class _LeftOut:
    """Peak work left out of the plan's tasks (``peak_work_until``): what the weighing of
    lost prerequisites reads of it."""

    key: str
    peak: Peak
    waits_for: tuple[str, ...]


def _without_lost_prerequisites(
    tasks: list[PlannedTask | _LeftOut],
    missed: dict[tuple[str, date], list[str]],
    follows: Mapping[str, tuple[str, ...]],
) -> list[PlannedTask | _LeftOut]:
    """Leave out peak work that goes with a task of the same peak that fell before opening.

    Scheduling the key lives of a campaign the store could not register for, or
    reviewing it, helps nobody; nor does checking the arrival of stock that was
    never shipped. Gates cascade (they say "cannot be done before"), and so does
    ``follows``; a plain dependency is an order of work, not a prerequisite.
    """
    if not missed:
        return tasks  # nothing fell before opening: nothing is lost with it
    changed = True
    while changed:
        changed = False
        kept = []
        for task in tasks:
            lost = missed.get((task.peak.key, task.peak.date), []) if task.peak else []
            if not lost:
                kept.append(task)
                continue
            waits = (
                task.waits_for
                if isinstance(task, _LeftOut)
                else (task.gate.tasks if task.gate else ())
            )
            prerequisites = (*waits, *follows.get(task.key, ()))
            if any(key in lost for key in prerequisites):
                lost.append(task.key)
                changed = True
            else:
                kept.append(task)
        tasks = kept
    return tasks


def _applies(entry: Entry, profile: StoreProfile, conditions: frozenset[str]) -> bool:
    return (
        (entry.models is None or profile.model in entry.models)
        and (entry.store_types is None or profile.store_type in entry.store_types)
        and (entry.markets is None or profile.market in entry.markets)
        and (entry.categories is None or bool(entry.categories & set(profile.categories)))
        and entry.conditions <= conditions
    )


def _task(
    entry: Entry,
    store: ResolvedProfile,
    catalog: Catalog,
    applicable_keys: frozenset[str],
    today: date,
    due_on: date,
    placeholders: Mapping[str, str],
    *,
    peak: Peak | None = None,
    starts_on: date | None = None,
    estimated: bool = False,
) -> PlannedTask:
    gate = _gate(entry, store, applicable_keys)
    market = store.profile.market
    return PlannedTask(
        key=entry.key,
        title=entry.title.format_map(placeholders),
        description=entry.description_in(market).format_map(placeholders),
        phase=entry.phase,
        due_on=due_on,
        critical=entry.critical,
        source=entry.source_in(market),
        recurrence=entry.recurrence,
        starts_on=starts_on,
        depends_on=tuple(key for key in entry.depends_on if key in applicable_keys),
        gate=gate,
        peak=peak,
        estimated=estimated or bool(gate and gate.after_estimated),
        # Nothing is done in a fresh plan, so any gate on tasks still holds.
        locked=gate is not None and not gate.is_open(today, followers=store.profile.followers),
    )


def _gate(entry: Entry, store: ResolvedProfile, applicable_keys: frozenset[str]) -> Gate | None:
    rule = entry.gate
    if rule is None:
        return None
    after = estimated = None
    if rule.after == "inspection_ends_on":
        after, estimated = store.inspection_ends_on, store.inspection_estimated
    elif rule.after == "opened_on":
        after, estimated = store.profile.opened_on, False
    followers = store.follower_target if rule.follower_target else None
    orders = store.inspection_orders if rule.orders_target else None
    tasks = tuple(key for key in rule.tasks if key in applicable_keys)
    if after is None and not tasks and followers is None and orders is None:
        return None
    reason = rule.reason.format_map(
        {
            "after": after.isoformat() if after else "",
            "followers_at_least": f"{followers:,}" if followers is not None else "",
        }
    )
    if orders is not None:
        # Where the market counts orders too, the reason says both conditions.
        reason += " " + phrase(
            "The inspection also ends only once the store has had %(orders)s orders.",
            orders=f"{orders:,}",
        )
    return Gate(
        reason,
        after,
        bool(estimated),
        tasks,
        followers,
        orders,
        store.profile.orders_to_date or 0,
    )


@dataclass(frozen=True, slots=True)
class _PeakPair:
    """A peak-anchored entry dated for one of the store's peaks, before the store's own rules
    (its opening day, the roll forward's window) are applied."""

    entry: Entry
    peak: Peak
    # From the peak's day or its stock-up deadline: within the horizon.
    due_on: date
    # The day the entry's ``while_ahead`` names, where it has one and it is known.
    ahead_on: date | None
    slot: str
    # What the plan keeps of it when it is left out (``peak_work_until``). Its ``waits_for``
    # are the gate's tasks, applicable or not: the weighing only looks for keys of tasks
    # lost with a step, which are applicable keys, so the others never count.
    left_out: _LeftOut


# What makes two stores' peak work alike (see _peak_context): kept for this many of them,
# per catalog (a day of a 1,000-store roll forward needs a few hundred).
_PEAK_CONTEXTS_KEPT = 4096


class _PeakContext:
    """The peaks of stores alike, their stock-up deadlines, and each peak-anchored entry
    dated for each of them: what ``generate_plan`` works out the same way for every store
    of the same market and store type, from the same day (today, or its opening if later),
    with the same horizon and freight figures. The entries' dates are worked out when an
    entry is first asked for."""

    __slots__ = (
        "_by_peak",
        "_figures",
        "_horizon_ends_on",
        "_pairs",
        "_stock_up",
        "_stocked",
        "peaks",
    )

    def __init__(
        self,
        catalog: Catalog,
        store: ResolvedProfile,
        start: date,
        horizon_ends_on: date,
        stock_up: bool,
    ) -> None:
        self._horizon_ends_on = horizon_ends_on
        self.peaks = _calendar(
            catalog, store, start, horizon_ends_on + timedelta(days=_PEAK_LOOKAHEAD_DAYS)
        )
        self._stocked = [peak for peak in self.peaks if peak.stock_up or peak.supply_side]
        self._pairs: dict[str, tuple[Entry, tuple[_PeakPair, ...]]] = {}
        # By the stores' daily order caps, peak by peak (as many as stores of this context).
        self._stock_up: dict[tuple[int | None, ...], list[StockUpDeadlines]] = {}
        self._figures: dict[str, Any] = {}
        self._by_peak: dict[tuple[str, date], StockUpDeadlines] = {}
        if stock_up:
            self._figures = {
                "freight_mode": store.freight_mode,
                "lead_time_days": store.lead_time_days,
                "production_days": store.production_days,
                "inbound_buffer_days": store.inbound_buffer_days,
                "shutdowns": tuple(_shutdowns(catalog, store, self.peaks)),
                "platform_freight_days": store.platform_freight_days,
            }
            # The dates do not depend on the daily order cap (only what a forecast counts on).
            self._by_peak = {
                (d.peak.key, d.peak.date): d for d in self._deadlines((None,) * len(self._stocked))
            }

    def _deadlines(self, limits: tuple[int | None, ...]) -> list[StockUpDeadlines]:
        found = self._stock_up.get(limits)
        if found is None:
            found = self._stock_up[limits] = [
                _deadlines(peak, daily_order_limit=limit, **self._figures)
                for peak, limit in zip(self._stocked, limits, strict=True)
            ]
        return found

    def stock_up(self, store: ResolvedProfile) -> list[StockUpDeadlines]:
        """Deadlines for stock-up peaks and, for spring stock, for supply-side ones.

        A supply-side peak's warm-up is the day factories close: what must be on sale
        through the closure is in the market warehouse by then, like any peak's stock.
        Each carries the store's daily order cap when it is still on probation then.
        """
        return self._deadlines(
            tuple(daily_order_limit(store, peak.warmup_starts_on) for peak in self._stocked)
        )

    def pairs(self, entry: Entry) -> tuple[_PeakPair, ...]:
        """The peak-anchored ``entry`` dated for each of its peaks whose date is known and
        within the horizon."""
        found = self._pairs.get(entry.key)
        if found is not None and found[0] is entry:
            return found[1]
        waits = entry.gate.tasks if entry.gate is not None else ()
        pairs = []
        for peak in _peaks_of(entry, self.peaks):
            deadlines = self._by_peak.get((peak.key, peak.date))
            due_on = _peak_due(entry, peak, deadlines)
            if due_on is None or due_on > self._horizon_ends_on:
                continue
            pairs.append(
                _PeakPair(
                    entry,
                    peak,
                    due_on,
                    _ahead_on(entry, peak, deadlines),
                    peak_slot(peak.key, peak.date),
                    _LeftOut(entry.key, peak, waits),
                )
            )
        self._pairs[entry.key] = (entry, tuple(pairs))
        return tuple(pairs)


def _peak_context(
    catalog: Catalog, store: ResolvedProfile, today: date, horizon_ends_on: date, stock_up: bool
) -> _PeakContext:
    """The peak work of stores alike: found again, or worked out and kept with the catalog.

    It is kept for the catalog's peaks, markets and supply figures as they are (a catalog
    loaded again, or a copy with others, starts afresh), and for the entries as they are
    (an entry of the same key but another version is dated again). The key is everything
    else it is worked out from: nothing else of the store is read.
    """
    scope = (catalog.peaks, catalog.markets, catalog.supply)
    kept = catalog.shared.get("peak contexts")
    if kept is None or any(now is not then for now, then in zip(scope, kept[0], strict=True)):
        kept = catalog.shared["peak contexts"] = (scope, {})
    contexts: dict[tuple[Any, ...], _PeakContext] = kept[1]
    profile = store.profile
    start = max(today, profile.opened_on)
    key: tuple[Any, ...] = (profile.market, profile.store_type, start, horizon_ends_on)
    if stock_up:
        key += (
            store.freight_mode,
            store.lead_time_days,
            store.production_days,
            store.inbound_buffer_days,
            store.platform_freight_days,
        )
    context = contexts.get(key)
    if context is None:
        if len(contexts) >= _PEAK_CONTEXTS_KEPT:
            contexts.clear()  # bounded: the days gone by are not asked for again
        context = contexts[key] = _PeakContext(catalog, store, start, horizon_ends_on, stock_up)
    return context


_CALENDAR_STARTS_ON = date(SUPPORTED_YEARS.start, 1, 1)
_CALENDAR_ENDS_ON = date(SUPPORTED_YEARS[-1], 12, 31)


def _calendar(catalog: Catalog, store: ResolvedProfile, start: date, end: date) -> list[Peak]:
    """List the store's peaks from ``start`` to ``end``, within the calendar's years."""
    start, end = max(start, _CALENDAR_STARTS_ON), min(end, _CALENDAR_ENDS_ON)
    if start > end:
        return []
    profile = store.profile
    return peaks_between(catalog.peaks, profile.market, start, end, store_type=profile.store_type)


def _peaks_of(entry: Entry, peaks: list[Peak]) -> Iterator[Peak]:
    if entry.peaks == STOCK_UP_PEAKS:
        return (peak for peak in peaks if peak.stock_up)
    return (peak for peak in peaks if peak.key in (entry.peaks or ()))


def _ahead_on(entry: Entry, peak: Peak, deadlines: StockUpDeadlines | None) -> date | None:
    """The date a check is about (its ``while_ahead``): while it is on or after opening, the
    check still matters. None when the entry has none, or it is not known."""
    if entry.while_ahead is None:
        return None
    if entry.while_ahead in PEAK_ANCHORS:
        return _peak_day(peak, entry.while_ahead)
    if deadlines is not None:
        return deadlines.deadline(entry.while_ahead)
    return None


# The peak's day each peak anchor names (read by name: this is asked of every peak-anchored
# entry and peak of every store the roll forward plans).
_PEAK_DAYS = {"peak": "date", "warmup": "warmup_starts_on", "end": "last_day"}


def _peak_day(peak: Peak, anchor: str) -> date:
    day: date = getattr(peak, _PEAK_DAYS[anchor])
    return day


def _peak_due(entry: Entry, peak: Peak, deadlines: StockUpDeadlines | None) -> date | None:
    anchor = entry.due.anchor
    if anchor in PEAK_ANCHORS:
        base = _peak_day(peak, anchor)
    elif anchor in STOCK_UP_ANCHORS and deadlines is not None:
        base = getattr(deadlines, anchor)  # order_by, ship_by or arrive_by: its deadline()
    else:
        return None
    return base + timedelta(days=entry.due.days)


# The same peak and freight figures give the same deadlines: stores alike (the daily roll
# forward plans every store) count the factory days back once.
_deadlines = functools.lru_cache(maxsize=16_384)(stock_up_deadlines)


def _shutdowns(catalog: Catalog, store: ResolvedProfile, peaks: list[Peak]) -> list[Shutdown]:
    """Chinese New Year closures that can fall between ordering and shipping for these peaks."""
    supply_peaks = [
        rule
        for rule in catalog.peaks.values()
        if rule.supply_side and rule.concerns(store.profile.market, store.profile.store_type)
    ]
    if not supply_peaks or not any(peak.stock_up or peak.supply_side for peak in peaks):
        return []
    earliest = min(peak.date for peak in peaks) - timedelta(days=365)
    latest = max(peak.date for peak in peaks)
    found = _calendar(catalog, store, earliest, latest)
    keys = {rule.key for rule in supply_peaks}
    return [
        Shutdown.around(peak.date, catalog.supply.chinese_new_year)
        for peak in found
        if peak.key in keys
    ]


_MONTHS = {"month": 1, "quarter": 3}


def _occurrences(
    recurrence: Recurrence, starts_on: date, start: date, end: date | None
) -> Iterator[date]:
    """Yield the occurrences on or after ``start`` (and up to ``end``, when given)."""
    if recurrence.every in ("day", "week"):
        step = _step_days(recurrence)
        index = -(-(start - starts_on).days // step) if start > starts_on else 0
        current = starts_on + timedelta(days=step * index)
        while end is None or current <= end:
            yield current  # on or after ``start``: it was jumped to
            current += timedelta(days=step)
        return
    months = _MONTHS[recurrence.every] * recurrence.interval
    # Jump to the last occurrence a whole step before ``start``'s month: all before it are
    # earlier than ``start``. The daily roll forward asks this of every store, every day.
    apart = (start.year - starts_on.year) * 12 + start.month - starts_on.month
    index = max(0, apart // months - 1)
    while True:
        # Month steps are taken from the start each time so 31 Jan -> 28 Feb -> 31 Mar.
        current = _add_months(starts_on, months * index)
        if end is not None and current > end:
            return
        if current >= start:
            yield current
        index += 1


def _add_months(day: date, months: int) -> date:
    """``day`` plus ``months``, on the month's last day when it is shorter (as relativedelta)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _step_days(recurrence: Recurrence) -> int:
    return (1 if recurrence.every == "day" else 7) * recurrence.interval

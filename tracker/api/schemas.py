"""The API's bodies as marshmallow schemas, from which the OpenAPI description is generated.

Response schemas describe exactly what ``serialize.py`` returns: every key is
required and no other key is allowed, and the test suite checks every API
response it sees against them. Request schemas are built per catalog (markets,
categories, phases and peaks are data) from the limits the services check
with; the services stay the one place those rules are enforced.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import partial
from typing import Any
from zoneinfo import available_timezones

from marshmallow import Schema, fields, missing, validate

from tracker.accounts.models import ACCOUNT_KINDS
from tracker.accounts.services import HANDLE_PATTERN
from tracker.lives.hot_videos import MAX_TAKE_OVER_HOURS
from tracker.lives.services import GMV_LIMIT, MAX_MINUTES, NOTE_MAX
from tracker.playbook.catalog import MODELS, STORE_TYPES, Catalog
from tracker.playbook.profile import PLANNABLE_YEARS, known_territories, profile_input_fields
from tracker.playbook.readiness import STATUSES as STATUSES_OF_READINESS
from tracker.readiness.filters import ORDERS, SORT_KEYS
from tracker.stockup.services import (
    CURRENT_STOCK_MAX,
    DAILY_SALES_MAX,
    DAY_LIMITS,
    LINE_NAME_MAX,
    UPLIFT_MAX,
)
from tracker.stores.services import LIVE_TARGET_MAX, NAME_MAX, REASON_MAX
from tracker.tasks.models import ORIGINS, STATUSES
from tracker.tasks.services import TEXT_MAX, TITLE_MAX, URL_MAX

# --- responses ---------------------------------------------------------------------------------

# Every key a response schema names is always present.
_str = partial(fields.String, required=True)
_int = partial(fields.Integer, required=True)
_num = partial(fields.Float, required=True)
_bool = partial(fields.Boolean, required=True)
_date = partial(fields.Date, required=True)
_instant = partial(fields.DateTime, required=True)
_list = partial(fields.List, required=True)
_nested = partial(fields.Nested, required=True)


def _nullable(field: Any, *args: Any, **kwargs: Any) -> fields.Field:
    return field(*args, allow_none=True, **kwargs)


class FieldProblemOut(Schema):
    field = _str()
    message = _str()


class ErrorBodyOut(Schema):
    code = _str(validate=validate.Length(min=1))
    message = _str(validate=validate.Length(min=1))
    # The (first) field at fault, for bad input and some refusals.
    field = fields.String()
    # Every bad field, for bad input.
    errors = fields.List(fields.Nested(FieldProblemOut))


class ErrorOut(Schema):
    error = _nested(ErrorBodyOut)


class WarningOut(Schema):
    code = _str()
    message = _str()
    field = fields.String()
    source = fields.String()


class OverrideOut(Schema):
    code = _str()
    reason = _str()
    by = _nullable(_str, metadata={"description": "e-mail of who overrode the warning"})
    at = _instant()


def _profile_out() -> dict[str, fields.Field]:
    return {
        "model": _str(validate=validate.OneOf(MODELS)),
        "market": _str(),
        "store_type": _str(validate=validate.OneOf(STORE_TYPES)),
        "entity": _str(validate=validate.Length(equal=2)),
        "categories": _list(fields.String()),
        "opened_on": _date(),
        "inspection_ends_on": _nullable(_date),
        "chinese_share_percent": _nullable(_num),
        "timezone": _nullable(_str),
        "followers": _int(),
        "follower_target": _nullable(_int),
        "freight_mode": _nullable(_str),
        "lead_time_days": _nullable(_int),
        "production_days": _nullable(_int),
        "inbound_buffer_days": _nullable(_int),
        "inspection_days": _nullable(_int),
    }


ProfileOut = Schema.from_dict(_profile_out(), name="ProfileOut")


def _store_out() -> dict[str, fields.Field]:
    return {
        "id": _int(),
        "name": _str(),
        **_profile_out(),
        "profile": _nested(ProfileOut),
        "zone": _str(
            metadata={"description": "the IANA time zone in force (chosen or the market's)"}
        ),
        "warnings": _list(fields.Nested(WarningOut)),
        "overrides": _list(fields.Nested(OverrideOut)),
        "live_target_per_week": _nullable(_int),
        "playbook_version": _str(),
        "created_at": _instant(),
    }


StoreOut = Schema.from_dict(_store_out(), name="StoreOut")


class PlanChangesOut(Schema):
    added = _int()
    moved = _int()
    updated = _int()
    retired = _int()
    missed = _int()
    done_untouched = _int()


StoreChangedOut = Schema.from_dict(
    {**_store_out(), "plan_changes": _nested(PlanChangesOut)}, name="StoreChangedOut"
)


class GateOut(Schema):
    reason = _str()
    after = fields.Date()
    after_estimated = fields.Boolean()
    tasks = fields.List(fields.String())
    followers_at_least = fields.Integer()


class RecurrenceOut(Schema):
    every = _str(validate=validate.OneOf(("day", "week", "month", "quarter")))
    interval = _int(validate=validate.Range(min=1))


class TaskOut(Schema):
    id = _int()
    store_id = _int()
    key = _str()
    title = _str()
    description = _str()
    phase = _str()
    due_on = _date()
    due_at = _nullable(_instant)
    status = _str(validate=validate.OneOf(("locked", *STATUSES)))
    locked_because = _list(fields.String())
    gate = _nullable(_nested, GateOut)
    recurrence = _nullable(_nested, RecurrenceOut)
    peak = _nullable(_str)
    peak_date = _nullable(_date)
    critical = _bool()
    source = _str()
    origin = _str(validate=validate.OneOf(ORIGINS))
    estimated = _bool()
    assignee_id = _nullable(_int)
    note = _str()
    evidence_url = _nullable(_str)
    completed_at = _nullable(_instant)
    completed_by = _nullable(_str)
    playbook_version = _nullable(_str)


class HotVideoOut(Schema):
    id = _int()
    url = _str()


class HotVideoTaskOut(TaskOut):
    hot_video = _nested(HotVideoOut)
    follow_up = _list(fields.Nested(TaskOut))


class ActivityOut(Schema):
    id = _int()
    task_id = _nullable(_int)
    kind = _str()
    message = _str()
    by = _nullable(_str)
    at = _instant()


class AccountOut(Schema):
    id = _int()
    store_id = _int()
    handle = _str()
    kind = _str(validate=validate.OneOf(ACCOUNT_KINDS))
    entity = _str()
    bound_on = _date()
    unbound_on = _nullable(_date)


class LiveOut(Schema):
    id = _int()
    store_id = _int()
    started_at = _instant()
    minutes = _int()
    note = _str()
    gmv = _nullable(_num)


class CadenceOut(Schema):
    target_per_week = _int()
    min_minutes = _int()
    last_7_days = _int()
    last_30_days = _int()
    streak_days = _int()
    live_today = _bool()
    adherence_7_days = _num()
    adherence_30_days = _num()


_STATUS = validate.OneOf(STATUSES_OF_READINESS)


class ScopeOut(Schema):
    """Readiness of one scope: onboarding, or one peak."""

    done = _int(metadata={"description": "tasks done"})
    total = _int(metadata={"description": "tasks that count"})
    percent = _int(
        validate=validate.Range(0, 100),
        metadata={"description": "done, weighted (a critical task counts more), rounded down"},
    )
    status = _str(validate=_STATUS)
    reasons = _list(fields.String())
    overdue = _int()
    critical_overdue = _int(metadata={"description": "critical, passed stock-up deadlines apart"})
    days_left = _nullable(_int)


class PeakScopeOut(ScopeOut):
    key = _str()
    date = _date()
    name = _str()
    warmup_starts_on = _nullable(_date)
    stock_up_overdue = _int()


class BlockedTaskOut(Schema):
    id = _int()
    key = _str()
    title = _str()
    due_on = _date()
    locked_because = _list(fields.String())
    reason = _str(metadata={"description": "why the gate exists"})


class ReadinessOut(Schema):
    """One store's readiness, as the portfolio shows it."""

    store_id = _int()
    name = _str()
    onboarding = _nested(ScopeOut)
    next_peak = _nullable(_nested, PeakScopeOut)
    overdue = _int(metadata={"description": "open tasks past their due date, every phase"})
    blocked = _int(metadata={"description": "open tasks past due that their gate still locks"})
    status = _str(
        validate=_STATUS,
        metadata={"description": "the worst of onboarding and every coming peak"},
    )
    reasons = _list(fields.String())
    model = _str(validate=validate.OneOf(MODELS))
    market = _str()
    store_type = _str(validate=validate.OneOf(STORE_TYPES))
    today = _date(metadata={"description": "the store's own date, in its zone"})
    peaks = _list(fields.Nested(PeakScopeOut))
    blocked_tasks = _list(fields.Nested(BlockedTaskOut))
    last_activity_at = _nullable(_instant)


class ProductLineOut(Schema):
    id = _int()
    store_id = _int()
    name = _str()
    current_stock = _int()
    daily_sales = _num()
    safety_days = _nullable(_int)
    uplift_percent = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    freight_mode = _nullable(_str)
    lead_time_days = _nullable(_int)
    production_days = _nullable(_int)


class StockUpRowOut(Schema):
    line_id = _int()
    line = _str()
    peak = _str()
    peak_date = _date()
    order_by = _date()
    ship_by = _date()
    arrive_by = _date()
    quantity = _int()
    freight_mode = _str()
    stock_out_on = _nullable(_date)
    brought_forward_days = _int()
    late = _list(fields.String(validate=validate.OneOf(("order_by", "ship_by", "arrive_by"))))
    air_instead = _nullable(_str)


class OverstockOut(Schema):
    line_id = _int()
    line = _str()
    days_of_cover = _int()


class StockUpOut(Schema):
    rows = _list(fields.Nested(StockUpRowOut))
    overstock_warnings = _list(fields.Nested(OverstockOut))
    lines = _list(fields.Nested(ProductLineOut))


class ProductLineSavedOut(ProductLineOut):
    stock_up = _list(fields.Nested(StockUpRowOut))


# --- requests ----------------------------------------------------------------------------------

_YEARS = f"{PLANNABLE_YEARS.start}–{PLANNABLE_YEARS[-1]}"
# Python's str.split() whitespace is wider than a regex's: the check still refuses blank text.
_NOT_BLANK = r"\S"
# What Python's str.strip() takes off, which is a little more than a regex's \s.
_SPACE = r"[\s\x1c-\x1f\x85]"
# The scheme is read whatever its case, as urlsplit does.
# No space or control character inside it; a host after the "//".
_LINK = (
    rf"^{_SPACE}*[hH][tT][tT][pP][sS]?://[^/?#\s\x00-\x1f\x7f\x85][^\s\x00-\x1f\x7f\x85]*{_SPACE}*$"
)


def _day(description: str = "", **kwargs: Any) -> fields.Date:
    text = f"YYYY-MM-DD, in {_YEARS}" + (f"; {description}" if description else "")
    return fields.Date(metadata={"description": text}, **kwargs)


def _text(most: int, **kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Length(max=most), **kwargs)


def _whole(low: int, high: int | None = None, **kwargs: Any) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(low, high), **kwargs)


# Forms send text, and the services read it as the API does: a person's id may come as
# digits, and an empty string leaves out an optional date, link or person.
_BLANK = {"type": "string", "maxLength": 0}


def _person_id() -> fields.Raw:
    return fields.Raw(
        allow_none=True,
        metadata={
            "description": "a person's id (a whole number, or its digits); null or empty: nobody",
            "anyOf": [
                {"type": "integer", "minimum": 1},
                {"type": "string", "pattern": rf"^{_SPACE}*[0-9]+{_SPACE}*$"},
                _BLANK,
                {"type": "null"},
            ],
        },
    )


def _day_or_blank(description: str) -> fields.String:
    """An optional date: YYYY-MM-DD, or null or an empty string for the default."""
    return fields.String(
        allow_none=True,
        metadata={
            "description": f"YYYY-MM-DD, in {_YEARS}; {description}",
            "anyOf": [{"format": "date"}, {"maxLength": 0}],
        },
    )


@dataclass(frozen=True)
class RequestBody:
    """A request body's schema and what the description says about it."""

    schema: type[Schema]
    description: str


def _schema(name: str, declared: dict[str, fields.Field], description: str) -> RequestBody:
    return RequestBody(Schema.from_dict(declared, name=name), description)


def request_schemas(catalog: Catalog) -> dict[str, RequestBody]:
    """Build the request bodies' schemas for ``catalog``, keyed by their component name."""
    markets = list(catalog.markets)
    freight_modes = sorted({mode for market in catalog.markets.values() for mode in market.freight})
    store = _store_fields(catalog, markets, freight_modes)
    peaks = {
        key: _whole(0, UPLIFT_MAX, metadata={"description": f"extra sales in % during {key}"})
        for key in catalog.peaks
    }
    uplift = Schema.from_dict(peaks, name="UpliftPercentIn")
    line = {
        "name": fields.String(
            validate=validate.Length(1, LINE_NAME_MAX), metadata={"pattern": _NOT_BLANK}
        ),
        "current_stock": _whole(0, CURRENT_STOCK_MAX),
        "daily_sales": fields.Float(validate=validate.Range(0, DAILY_SALES_MAX)),
        **{name: _whole(0, most, allow_none=True) for name, most in DAY_LIMITS.items()},
        "uplift_percent": fields.Nested(uplift),
        "freight_mode": fields.String(
            validate=validate.OneOf(freight_modes),
            allow_none=True,
            metadata={"description": "one of the store's market's freight modes"},
        ),
    }
    line_required = {"name", "current_stock", "daily_sales"}
    return {
        "StoreNew": _schema(
            "StoreNew",
            {
                **store,
                "overrides": fields.List(fields.Nested(_override_schema()), allow_none=True),
            },
            "A store's name and profile. The profile's cross-field rules (an inspection end on "
            "or after opening, a freight mode the market offers) are checked on arrival.",
        ),
        "StoreChange": _schema(
            "StoreChange",
            {name: _optional(field) for name, field in store.items()},
            "Profile fields to change (managers), or followers and live_target_per_week "
            "(anyone on the store). null for a figure means not known; null is refused for "
            "model, market, entity, categories, opened_on and followers.",
        ),
        "TaskNew": _schema(
            "TaskNew",
            {
                "title": fields.String(
                    required=True,
                    validate=validate.Length(1, TITLE_MAX),
                    metadata={"pattern": _NOT_BLANK},
                ),
                "description": _text(TEXT_MAX, allow_none=True),
                "due_on": _day(required=True),
                "phase": fields.String(
                    validate=validate.OneOf([*catalog.phases, ""]),
                    allow_none=True,
                    metadata={"description": "routine when left out, null or empty"},
                ),
                "critical": fields.Boolean(),
                "assignee_id": _person_id(),
            },
            "A task added by hand to the store's plan.",
        ),
        "TaskChange": _schema(
            "TaskChange",
            {
                "assignee_id": _person_id(),
                "note": _text(TEXT_MAX, allow_none=True),
                "evidence_url": fields.String(
                    allow_none=True,
                    metadata={
                        "description": "an http(s) link; null or blank removes it",
                        "anyOf": [
                            {"pattern": _LINK, "maxLength": URL_MAX},
                            {"pattern": rf"^{_SPACE}*$"},
                        ],
                    },
                ),
            },
            "Who does the task, its note and its evidence link.",
        ),
        "AccountNew": _schema(
            "AccountNew",
            {
                "handle": fields.String(required=True, metadata={"pattern": _handle_pattern()}),
                "kind": fields.String(required=True, validate=validate.OneOf(ACCOUNT_KINDS)),
                "entity": _entity(metadata={"description": "the store's entity when left out"}),
                "bound_on": _day_or_blank("today in the store's zone when left out"),
            },
            "A TikTok account to bind under the market's 1 + 4 rule.",
        ),
        "AccountUnbind": _schema(
            "AccountUnbind",
            {"unbound_on": _day_or_blank("today when left out; not before it was bound")},
            "When the account was unbound.",
        ),
        "LiveNew": _schema(
            "LiveNew",
            {
                "started_at": fields.DateTime(
                    required=True,
                    metadata={
                        "description": "ISO 8601, from 2000 to now; a time without an offset "
                        "is the store's own"
                    },
                ),
                "minutes": _whole(1, MAX_MINUTES, required=True),
                "note": _text(NOTE_MAX),
                "gmv": fields.Float(
                    allow_none=True,
                    validate=validate.Range(0, GMV_LIMIT, max_inclusive=False),
                ),
            },
            "A live stream the store ran.",
        ),
        "HotVideoNew": _schema(
            "HotVideoNew",
            {
                "url": fields.String(
                    required=True,
                    validate=validate.Length(max=URL_MAX),
                    metadata={"pattern": _LINK},
                ),
                "take_over_hours": _whole(1, MAX_TAKE_OVER_HOURS, allow_none=True),
            },
            "A video that took off.",
        ),
        "ProductLineNew": _schema(
            "ProductLineNew",
            {
                name: _required(field) if name in line_required else field
                for name, field in line.items()
            },
            "A product line and the figures its stock-up is worked from.",
        ),
        "ProductLineChange": _schema(
            "ProductLineChange", line, "Figures of a product line to change."
        ),
        "ReadinessQuery": _schema(
            "ReadinessQuery",
            {
                name: fields.String(
                    validate=validate.OneOf(["", *choices]),
                    metadata={"description": "empty or left out: " + unset},
                )
                for name, choices, unset in (
                    ("market", markets, "every market"),
                    ("model", MODELS, "both models"),
                    ("status", STATUSES_OF_READINESS, "any status"),
                    ("sort", list(SORT_KEYS), "status, the worst first"),
                    ("order", ORDERS, "asc, or desc when sorting by status by default"),
                )
            },
            "Which stores, in what order (the worst first by default).",
        ),
    }


def _store_fields(
    catalog: Catalog, markets: list[str], freight_modes: list[str]
) -> dict[str, fields.Field]:
    """The profile parser's own fields, with the catalog's choices spelled out as enums."""
    declared = profile_input_fields()
    declared["model"] = fields.String(required=True, validate=validate.OneOf(MODELS))
    declared["market"] = fields.String(required=True, validate=validate.OneOf(markets))
    declared["store_type"] = fields.String(
        allow_none=True,
        validate=validate.OneOf(STORE_TYPES),
        metadata={"description": "derived from entity and market when left out"},
    )
    declared["entity"] = _entity(load_default="CN")
    declared["categories"] = fields.List(
        fields.String(validate=validate.OneOf(list(catalog.categories))),
        metadata={"uniqueItems": True},
    )
    declared["timezone"] = fields.String(
        allow_none=True,
        validate=validate.OneOf(sorted(available_timezones())),
        metadata={"description": "an IANA time zone; the market's when left out"},
    )
    declared["freight_mode"] = fields.String(
        allow_none=True,
        validate=validate.OneOf(freight_modes),
        metadata={"description": "one of the market's freight modes"},
    )
    for name in ("opened_on", "inspection_ends_on"):
        field = declared[name]
        field.metadata = {**field.metadata, "description": f"YYYY-MM-DD, in {_YEARS}"}
    return {
        "name": fields.String(
            required=True,
            validate=validate.Length(1, NAME_MAX),
            metadata={"pattern": _NOT_BLANK},
        ),
        **declared,
        "live_target_per_week": _whole(1, LIVE_TARGET_MAX, allow_none=True),
    }


def _handle_pattern() -> str:
    """The handle as sent: spaces around it and leading "@"s are dropped before the check."""
    return rf"^{_SPACE}*@*" + HANDLE_PATTERN.removeprefix("^").removesuffix("$") + rf"{_SPACE}*$"


def _entity(**kwargs: Any) -> fields.String:
    """A business licence's country: an ISO 3166 code."""
    return fields.String(validate=validate.OneOf(sorted(known_territories())), **kwargs)


def _override_schema() -> type[Schema]:
    return Schema.from_dict(
        {
            "code": fields.String(
                required=True, metadata={"description": "the code of a warning the store has"}
            ),
            "reason": fields.String(
                required=True,
                validate=validate.Length(1, REASON_MAX),
                metadata={"pattern": _NOT_BLANK},
            ),
        },
        name="OverrideIn",
    )


def _optional(field: fields.Field) -> fields.Field:
    """The field for a change: left out keeps the current value, so it has no default."""
    clone = copy.deepcopy(field)
    clone.required = False
    clone.load_default = missing
    return clone


def _required(field: fields.Field) -> fields.Field:
    clone = copy.deepcopy(field)
    clone.required = True
    return clone

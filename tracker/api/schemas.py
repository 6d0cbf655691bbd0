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

from marshmallow import Schema, fields, missing, validate

from tracker.accounts.models import ACCOUNT_KINDS
from tracker.accounts.schemas import AccountNew, AccountUnbind
from tracker.checklists.schemas import ChecklistInput, SaveQuery
from tracker.imports.schemas import ImportNew
from tracker.lives.schemas import HotVideoNew, LiveNew
from tracker.playbook.catalog import MODELS, STORE_TYPES, Catalog
from tracker.playbook.fields import Choice, Input, Text, WholeText
from tracker.playbook.phrases import phrase
from tracker.playbook.profile import PLANNABLE_YEARS
from tracker.playbook.readiness import STATUSES as STATUSES_OF_READINESS
from tracker.readiness.filters import readiness_query
from tracker.stockup.schemas import product_line_change, product_line_new
from tracker.stores.schemas import store_change, store_new
from tracker.tasks.models import ORIGINS, STATUSES
from tracker.tasks.schemas import (
    PAGE_DEFAULT,
    PAGE_MAX,
    CommentNew,
    TaskBulk,
    TaskChange,
    TaskQuery,
    task_new,
)

# --- responses ---------------------------------------------------------------------------------
# (checklist responses are below TaskOut)

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
        "orders_to_date": _nullable(_int),
        "daily_order_limit": _nullable(_int),
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


class AfterDoneOut(Schema):
    """A checklist step dated from the moment another is done."""

    task = _str(metadata={"description": "the key of the step it follows"})
    days = _int(metadata={"description": "due this many days after that step is done"})


class GateOut(Schema):
    reason = _str()
    after = fields.Date()
    after_estimated = fields.Boolean()
    tasks = fields.List(fields.String())
    followers_at_least = fields.Integer()
    orders_at_least = fields.Integer()
    orders_to_date = fields.Integer()
    after_done = fields.Nested(AfterDoneOut)
    titles = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "titles of the checklist steps in tasks, by key"},
    )


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
    checklist_version = _nullable(_int)


class ChecklistEntryOut(Schema):
    key = _str()
    title = _str()
    description = _str()
    phase = _str()
    anchor = _str()
    offset_days = _int()
    recurrence = _nullable(_nested, RecurrenceOut)
    depends_on = _list(fields.String())
    critical = _bool()
    assignee_id = _nullable(_int)
    counts_for_readiness = _bool()


class AppliesToOut(Schema):
    model = fields.List(fields.String())
    market = fields.List(fields.String())
    store_type = fields.List(fields.String())
    category = fields.List(fields.String())
    store_ids = fields.List(fields.Integer())


class ChecklistOut(Schema):
    id = _int()
    key = _str()
    name = _str()
    description = _str()
    applies_to = _nested(AppliesToOut)
    entries = _list(fields.Nested(ChecklistEntryOut))
    version = _int()
    updated_at = _instant()


class StorePlanChangeOut(Schema):
    store_id = _int()
    name = _str()
    added = _int()
    moved = _int()
    updated = _int()
    retired = _int()
    missed = _int()
    done_untouched = _int()


class ChecklistPreviewOut(Schema):
    stores = _int(metadata={"description": "stores whose tasks change"})
    matching_stores = _int()
    added = _int()
    moved = _int()
    updated = _int()
    retired = _int()
    missed = _int()
    done_untouched = _int()
    text = _str()
    changes = _list(fields.Nested(StorePlanChangeOut))


class ChecklistSavedOut(Schema):
    id = _nullable(_int, metadata={"description": "null for a dry run of a new checklist"})
    version = _int()
    applied = _bool()
    preview = _nested(ChecklistPreviewOut)
    checklist = _nullable(_nested, ChecklistOut)


class TaskPageOut(Schema):
    """One page of a task list; ``next_cursor`` asks for the next (null: this is the last)."""

    items = _list(fields.Nested(TaskOut))
    next_cursor = _nullable(_str)


class InboxStoreOut(Schema):
    id = _int()
    name = _str()


class InboxTaskOut(Schema):
    """A task a reminder was about: as it was sent, with where it stands now."""

    id = _int()
    title = _str(metadata={"description": "as the reminder said it"})
    due_on = _date(metadata={"description": "now, or as sent when the task is gone"})
    store = _nested(InboxStoreOut)
    url = _str(metadata={"description": "the task's page (absolute)"})
    status = _str(
        validate=validate.OneOf(("locked", *STATUSES, "gone")),
        metadata={"description": "now; gone: deleted, or on a store you no longer work on"},
    )


class InboxEntryOut(Schema):
    """One of the caller's in-app reminders."""

    id = _int()
    kind = _str(metadata={"description": "what it is about: due, overdue, digest, mention…"})
    subject = _str(metadata={"description": "as sent, in the language it was sent in"})
    text = _str()
    language = _nullable(_str)
    url = _nullable(_str, metadata={"description": "where its link leads (absolute)"})
    store = _nullable(_nested, InboxStoreOut)
    tasks = _list(fields.Nested(InboxTaskOut))
    queued_at = _instant()
    sent_at = _nullable(_instant, metadata={"description": "when it reached the inbox"})
    read = _bool()
    read_at = _nullable(_instant)
    dismissed = _bool()


class InboxPageOut(Schema):
    """One page of the inbox, newest first; ``next_cursor`` asks for the next (null: the last)."""

    items = _list(fields.Nested(InboxEntryOut))
    next_cursor = _nullable(_str)


class InboxReadOut(Schema):
    marked_read = _int(metadata={"description": "how many were unread"})


class BulkProblemOut(Schema):
    code = _str(validate=validate.Length(min=1))
    message = _str(validate=validate.Length(min=1))


class BulkResultOut(Schema):
    """One task of a bulk action: its status now, or the error that refused it."""

    id = _int()
    status = fields.String(validate=validate.OneOf(("locked", *STATUSES)))
    error = fields.Nested(BulkProblemOut)


class BulkOut(Schema):
    results = _list(fields.Nested(BulkResultOut))


class CommentOut(Schema):
    id = _int()
    task_id = _int()
    body = _str()
    by = _nullable(_str, metadata={"description": "e-mail of who wrote it"})
    at = _instant()
    mentioned = _list(fields.String(), metadata={"description": "e-mails of the people @named"})


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


class StoreHealthOut(Schema):
    """A store's newest shop-health figures, as of the last day of the orders they count."""

    as_of = _date()
    window_starts_on = _date()
    orders = _int()
    late_dispatch_rate = _nullable(_num, metadata={"description": "share from 0 to 1"})
    seller_cancel_rate = _nullable(_num, metadata={"description": "share from 0 to 1"})
    source = _str()


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
    shop_health = _nullable(
        _nested,
        StoreHealthOut,
        metadata={"description": "the newest figures from the store's own data; null: none yet"},
    )
    data_as_of = _nullable(
        _date, metadata={"description": "the newest day the store's imported data covers"}
    )
    data_stale = _bool(
        metadata={"description": "true when that day is older than a week (false: no import)"}
    )


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
    skus = _list(fields.String())


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


class SkippedRowOut(Schema):
    row = _int()
    reason = _str()


class ImportWindowOut(Schema):
    # "from" is a Python keyword: the field is named by data_key.
    starts_on = _date(data_key="from")
    ends_on = _date(data_key="to")
    days = _int()


class ShopHealthOut(Schema):
    as_of = _date()
    window_starts_on = _date()
    orders = _int()
    late_dispatch_rate = _nullable(_num, metadata={"description": "share from 0 to 1"})
    late_dispatched_orders = _int()
    dispatched_orders = _int()
    seller_cancel_rate = _nullable(_num, metadata={"description": "share from 0 to 1"})
    seller_cancelled_orders = _int()


class UnmatchedSkuOut(Schema):
    seller_sku = _nullable(_str)
    sku_id = _nullable(_str)
    units = _int()


class FollowerFigureOut(Schema):
    count = _int()
    as_of = _date()


class ImportSummaryOut(Schema):
    """What an import read and changed (the keys of `tracker import` and more)."""

    kind = _str(validate=validate.OneOf(("orders", "lives", "followers")))
    rows = _int(metadata={"description": "data rows read (header and description row aside)"})
    used = _int()
    skipped = _list(fields.Nested(SkippedRowOut))
    changes = _list(fields.String(), metadata={"description": "what the import changed, in words"})
    columns = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={"description": "each column read, under the name the file gives it"},
    )
    file_format = _str(validate=validate.OneOf(("csv", "xlsx")))
    date_order = _nullable(_str)
    description_row = fields.Integer()
    data_as_of = fields.Date()
    window = fields.Nested(ImportWindowOut)
    sales_amount = fields.Float()
    unmatched_skus = fields.List(fields.Nested(UnmatchedSkuOut))
    orders_imported = fields.Integer()
    shop_health = fields.Nested(ShopHealthOut)
    lives_logged = fields.Integer()
    followers = fields.Nested(FollowerFigureOut)


class ProductLineSavedOut(ProductLineOut):
    stock_up = _list(fields.Nested(StockUpRowOut))


# --- requests ----------------------------------------------------------------------------------


class PageQuery(Input):
    """A page of a plain list: the next page's address comes in the Link header (rel=next)."""

    not_a_field = phrase("is not a paging argument")

    limit = WholeText(
        1, PAGE_MAX, metadata={"description": "at most this many (all when left out)"}
    )
    cursor = Text(
        200,
        metadata={"description": "from the Link header of the page before; left out: the first"},
    )


class InboxQuery(Input):
    """Which of the caller's reminders to list, and which page of them."""

    not_a_field = phrase("is not a filter")

    unread = Choice(("true", "false"), metadata={"description": "true: only those not read yet"})
    limit = WholeText(1, PAGE_MAX, metadata={"description": f"at most this many ({PAGE_DEFAULT})"})
    cursor = Text(
        200, metadata={"description": "next_cursor of the page before; left out: the first page"}
    )


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

    schema: Schema
    description: str


def _schema(name: str, declared: dict[str, fields.Field], description: str) -> RequestBody:
    return RequestBody(Schema.from_dict(declared, name=name)(), description)


def _described(schema: Schema, description: str | None = None) -> RequestBody:
    # The docstring's first paragraph, on one line.
    text = description or " ".join((type(schema).__doc__ or "").strip().split("\n\n")[0].split())
    return RequestBody(schema, text)


def request_schemas(catalog: Catalog) -> dict[str, RequestBody]:
    """The request bodies, keyed by component name: the very schemas the services load with."""
    return {
        "StoreNew": _described(store_new(catalog)),
        "StoreChange": _described(
            store_change(catalog, described=True),
            "Profile fields to change (managers), or followers, orders_to_date and "
            "live_target_per_week (anyone on the store). null for a figure means not known; "
            "null is refused for model, market, entity, categories, opened_on and followers.",
        ),
        "TaskNew": _described(task_new(catalog), task_new.__doc__),
        "TaskChange": _described(TaskChange()),
        "TaskQuery": _described(TaskQuery()),
        "TaskBulk": _described(TaskBulk()),
        "CommentNew": _described(CommentNew()),
        "PageQuery": _described(PageQuery()),
        "InboxQuery": _described(InboxQuery()),
        "AccountNew": _described(AccountNew()),
        "AccountUnbind": _described(AccountUnbind()),
        "LiveNew": _described(LiveNew()),
        "HotVideoNew": _described(HotVideoNew()),
        "ProductLineNew": _described(product_line_new(catalog), product_line_new.__doc__),
        "ProductLineChange": _described(product_line_change(catalog), product_line_change.__doc__),
        "ReadinessQuery": _described(readiness_query(catalog), readiness_query.__doc__),
        "ChecklistNew": _described(
            ChecklistInput(),
            "A checklist: key, name, the stores it applies to (a missing list means any) and "
            "its entries. Checked as the playbooks are: a cycle in depends_on, an unknown anchor "
            "or peak, a step before opening that is not pre_launch, or a key used twice is "
            "refused with the entry named.",
        ),
        "SaveQuery": _described(SaveQuery()),
        "ImportUpload": _described(
            ImportUpload(),
            "A Seller Center export (CSV or XLSX) as multipart/form-data: `kind`, `file`, "
            "and `accept_partial` to import the good rows and list the bad ones.",
        ),
    }


class ImportUpload(ImportNew):
    """The import's fields and the file itself, as a multipart form sends them."""

    file = fields.Raw(
        required=True,
        metadata={
            "type": "string",
            "format": "binary",
            "description": "the export file as downloaded from Seller Center",
        },
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

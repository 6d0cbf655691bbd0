"""The JSON API of CONTRACT.md: stores, their tasks, ticking off and reopening."""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import HTTPException

from tracker.accounts.services import bound_accounts, register_account, unbind_account
from tracker.activity.models import Activity
from tracker.api.openapi import documented, openapi_spec
from tracker.api.pages import Order, encode, link_header, paged_rows, read_cursor, read_page
from tracker.api.repeat import repeatable
from tracker.api.schemas import (
    AccountOut,
    ActivityOut,
    BulkOut,
    CadenceOut,
    ChecklistOut,
    ChecklistSavedOut,
    CommentOut,
    HotVideoTaskOut,
    ImportSummaryOut,
    InboxEntryOut,
    InboxPageOut,
    InboxQuery,
    InboxReadOut,
    LiveOut,
    ProductLineSavedOut,
    ReadinessOut,
    StockUpOut,
    StoreChangedOut,
    StoreOut,
    TaskOut,
    TaskPageOut,
)
from tracker.api.serialize import (
    account_json,
    activity_json,
    checklist_json,
    comment_json,
    inbox_json,
    line_json,
    listed_json,
    live_json,
    readiness_json,
    store_json,
    task_json,
    tasks_json,
)
from tracker.auth.access import require_manager
from tracker.auth.services import user_for_token
from tracker.catalog import get_catalog
from tracker.checklists.schemas import SaveQuery
from tracker.clock import local_today
from tracker.errors import (
    FieldError,
    InputError,
    NotAllowed,
    NotFound,
    RuleError,
    error_response,
    input_error_response,
    load_input,
    read_json,
)
from tracker.extensions import db
from tracker.i18n.text import plain
from tracker.imports.services import data_freshness, run_import
from tracker.imports.settings import import_settings
from tracker.lives import hot_videos
from tracker.lives import services as live_services
from tracker.lives.models import LiveSession
from tracker.plans import checklists as plan_checklists
from tracker.plans import stores as plan_stores
from tracker.plans.stock_up import change_product_line
from tracker.readiness.filters import parse_filters
from tracker.readiness.queries import keep_recounted
from tracker.reminders import services as reminder_services
from tracker.reminders.models import Reminder
from tracker.stockup.services import plan_stock_up, product_lines
from tracker.stores import services as store_services
from tracker.stores.access import store_for, visible_stores
from tracker.stores.models import EligibilityOverride, Store
from tracker.tasks import services as task_services
from tracker.tasks.access import task_for
from tracker.tasks.listing import find_tasks, parse_task_query, with_locks
from tracker.tasks.models import Task, TaskComment
from tracker.tasks.queries import tasks_by_id
from tracker.tasks.schemas import PAGE_DEFAULT

bp = Blueprint("api", __name__, url_prefix="/api/v1")
log = logging.getLogger(__name__)
# The activity and lives lists show this many of the latest rows unless ``limit`` says.
LATEST = 200
NEWEST_FIRST = Order([(Activity.id, True)], lambda entry: (entry.id,))
INBOX_ORDER = Order([(Reminder.id, True)], lambda entry: (entry.id,))
# Answered without a token: the description, for fuzzers and client generators.
PUBLIC_ENDPOINTS = frozenset({"api.openapi_description"})
ACCOUNT_REFUSALS = (
    "inspection_single_account",
    "channel_limit",
    "official_exists",
    "entity_mismatch",
    "account_bound",
    "region_mismatch",
)


@bp.before_request
def authenticate() -> Any:
    """Find the caller from the bearer token; answer 401 without one."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return error_response(401, "unauthorized", "send Authorization: Bearer TOKEN")
    user = user_for_token(secret.strip())
    if user is None:
        return error_response(401, "unauthorized", "the token is unknown or revoked")
    if db.session.dirty:  # the token's last use was noted: keep it whatever the request does
        db.session.commit()
    g.api_user = user
    return None


@bp.errorhandler(InputError)
def _bad_input(error: InputError) -> Any:
    db.session.rollback()
    return input_error_response(error)


@bp.errorhandler(RuleError)
def _refused(error: RuleError) -> Any:
    db.session.rollback()
    return error_response(409, error.code, plain(error.message), error.field)


@bp.errorhandler(NotFound)
def _not_found(error: NotFound) -> Any:
    db.session.rollback()
    return error_response(404, "not_found", str(error))


@bp.errorhandler(NotAllowed)
def _not_allowed(error: NotAllowed) -> Any:
    db.session.rollback()
    return error_response(403, "forbidden", str(error))


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Any:
    db.session.rollback()
    code = (error.name or "error").lower().replace(" ", "_")
    return error_response(error.code or 500, code, error.description or error.name)


def _body(*, optional: bool = False) -> dict[str, Any]:
    data = request.get_data(cache=True)
    if not data and optional:
        return {}
    if not request.is_json:
        raise InputError([FieldError("body", "expected a JSON object in the request body")])
    # Nesting too deep, a NUL or a lone surrogate is refused here, naming the field.
    body = read_json(data)
    if not isinstance(body, dict):
        raise InputError([FieldError("body", "expected a JSON object in the request body")])
    return body


@bp.get("/openapi.json")
@documented(response={"type": "object"}, public=True, tag="description")
def openapi_description() -> Response:
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi_spec(current_app._get_current_object()))  # type: ignore[attr-defined]


@bp.get("/stores")
@documented(response=StoreOut(many=True), tag="stores", paged=True)
def list_stores() -> Response:
    """List the stores the caller may see."""
    stores, more = paged_rows(
        visible_stores(g.api_user).options(
            selectinload(Store.overrides).selectinload(EligibilityOverride.user)
        ),
        Order([(Store.id, False)], lambda store: (store.id,)),
        read_page(request.args),
    )
    return _listed([store_json(store, get_catalog()) for store in stores], more)


def _listed(items: list[dict[str, Any]], more: str | None) -> Response:
    """A plain list, with the next page's address in the Link header when there is one."""
    response = jsonify(items)
    response.headers.update(link_header(more))
    return response


@bp.post("/stores")
@repeatable
@documented(response=StoreOut, status=201, body="StoreNew", manager_only=True, tag="stores")
def create_store() -> Any:
    """Create a store from its profile and generate its plan (managers only)."""
    require_manager(g.api_user)
    catalog = get_catalog()
    store_input = store_services.parse_store_input(_body(), catalog)
    overrides = store_services.parse_overrides(
        store_input.requested_overrides, store_input.warnings
    )
    store, _ = plan_stores.create_store(store_input, catalog, actor=g.api_user, overrides=overrides)
    answer = store_json(store, catalog)  # built before the commit: nothing after it may fail
    db.session.commit()
    return jsonify(answer), 201


@bp.get("/stores/<int:store_id>")
@documented(response=StoreOut, tag="stores")
def get_store(store_id: int) -> Response:
    """Show one store with its profile and warnings."""
    return jsonify(store_json(store_for(g.api_user, store_id), get_catalog()))


@bp.patch("/stores/<int:store_id>")
@documented(response=StoreChangedOut, body="StoreChange", tag="stores")
def update_store(store_id: int) -> Response:
    """Change profile fields or followers and regenerate the plan; done tasks stay as they are."""
    store = store_for(g.api_user, store_id)
    body = _body()
    store_services.require_may_change(g.api_user, body)
    catalog = get_catalog()
    store_input = store_services.parse_store_input(body, catalog, current=store)
    changes = plan_stores.update_store(store, store_input, catalog, actor=g.api_user)
    db.session.commit()
    return jsonify(store_json(store, catalog) | {"plan_changes": changes.summary()})


@bp.get("/stores/<int:store_id>/tasks")
@documented(response=TaskOut(many=True), tag="tasks", paged=True)
def list_tasks(store_id: int) -> Response:
    """List the store's open, locked and done tasks by due date."""
    store = store_for(g.api_user, store_id)
    tasks, more = paged_rows(
        select(Task)
        .where(Task.store_id == store.id, Task.status.in_(("open", "done")))
        .options(selectinload(Task.completed_by)),
        Order([(Task.due_on, False), (Task.id, False)], lambda task: (task.due_on, task.id)),
        read_page(request.args),
    )
    return _listed(tasks_json(store, tasks), more)


@bp.post("/stores/<int:store_id>/tasks")
@repeatable
@documented(response=TaskOut, status=201, body="TaskNew", tag="tasks")
def add_task(store_id: int) -> Any:
    """Add a task by hand to the store's plan."""
    store = store_for(g.api_user, store_id)
    task = task_services.add_custom_task(store, _body(), get_catalog(), g.api_user)
    answer = task_json(task)  # built before the commit: nothing after it may fail
    db.session.commit()
    return jsonify(answer), 201


@bp.get("/stores/<int:store_id>/activity")
@documented(response=ActivityOut(many=True), tag="stores", paged=True)
def store_activity(store_id: int) -> Response:
    """List the store's latest activity, newest first (200 unless ``limit`` says)."""
    store = store_for(g.api_user, store_id)
    entries, more = paged_rows(
        select(Activity).options(selectinload(Activity.user)).where(Activity.store_id == store.id),
        NEWEST_FIRST,
        read_page(request.args, most=LATEST),
    )
    return _listed([activity_json(entry) for entry in entries], more)


@bp.get("/stores/<int:store_id>/accounts")
@documented(response=AccountOut(many=True), tag="accounts")
def list_accounts(store_id: int) -> Response:
    """List the accounts bound to the store now."""
    store = store_for(g.api_user, store_id)
    return jsonify([account_json(a) for a in bound_accounts(store)])


@bp.post("/stores/<int:store_id>/accounts")
@repeatable
@documented(
    response=AccountOut,
    status=201,
    body="AccountNew",
    refusals=ACCOUNT_REFUSALS,
    tag="accounts",
)
def bind_account(store_id: int) -> Any:
    """Bind an account; the 1 + 4 rule answers 409 with its code when it refuses."""
    store = store_for(g.api_user, store_id)
    account = register_account(store, _body(), get_catalog(), g.api_user)
    answer = account_json(account)  # built before the commit: nothing after it may fail
    db.session.commit()
    return jsonify(answer), 201


@bp.post("/stores/<int:store_id>/accounts/<int:account_id>/unbind")
@documented(
    response=AccountOut,
    body="AccountUnbind",
    body_required=False,
    refusals=("account_not_bound", "unlink_too_soon", "unlink_limit"),
    tag="accounts",
)
def unbind_account_endpoint(store_id: int, account_id: int) -> Response:
    """Record that an account was unbound (``unbound_on`` optional)."""
    store = store_for(g.api_user, store_id)
    account = unbind_account(store, account_id, _body(optional=True), get_catalog(), g.api_user)
    db.session.commit()
    return jsonify(account_json(account))


@bp.post("/stores/<int:store_id>/lives")
@repeatable
@documented(
    response=LiveOut, status=201, body="LiveNew", refusals=("not_self_operated",), tag="lives"
)
def log_live(store_id: int) -> Any:
    """Log a live stream; one long enough ticks that day's live task."""
    store = store_for(g.api_user, store_id)
    live = live_services.log_live(store, _body(), get_catalog(), g.api_user)
    answer = live_json(live)  # built before the commit: nothing after it may fail
    db.session.commit()
    return jsonify(answer), 201


@bp.get("/stores/<int:store_id>/lives")
@documented(response=LiveOut(many=True), tag="lives", paged=True)
def list_lives(store_id: int) -> Response:
    """List the store's latest lives, newest first (200 unless ``limit`` says)."""
    store = store_for(g.api_user, store_id)
    lives, more = paged_rows(
        select(LiveSession).where(LiveSession.store_id == store.id),
        Order(
            [(LiveSession.started_at, True), (LiveSession.id, True)],
            lambda live: (live.started_at, live.id),
        ),
        read_page(request.args, most=LATEST),
    )
    return _listed([live_json(live) for live in lives], more)


@bp.post("/stores/<int:store_id>/hot-videos")
@repeatable
@documented(
    response=HotVideoTaskOut,
    status=201,
    body="HotVideoNew",
    refusals=("not_self_operated",),
    tag="lives",
)
def log_hot_video(store_id: int) -> Any:
    """Log a video that took off: 201 with the urgent take-over task it created."""
    store = store_for(g.api_user, store_id)
    video, tasks = hot_videos.log_hot_video(store, _body(), get_catalog(), g.api_user)
    answer = (
        task_json(tasks[0])
        | {  # built before the commit: nothing after it may fail
            "hot_video": {"id": video.id, "url": video.url},
            "follow_up": [task_json(t) for t in tasks[1:]],
        }
    )
    db.session.commit()
    return jsonify(answer), 201


@bp.get("/stores/<int:store_id>/stock-up")
@documented(response=StockUpOut, tag="stock-up")
def get_stock_up(store_id: int) -> Response:
    """Each product line's stock-up for each coming peak, and overstock warnings."""
    store = store_for(g.api_user, store_id)
    catalog = get_catalog()
    plan = plan_stock_up(store, catalog, local_today(store.zone))
    return jsonify(plan.to_json() | {"lines": [line_json(x) for x in product_lines(store)]})


@bp.post("/stores/<int:store_id>/product-lines")
@repeatable
@documented(response=ProductLineSavedOut, status=201, body="ProductLineNew", tag="stock-up")
def add_product_line(store_id: int) -> Any:
    """Add a product line; the plan's stock-up tasks follow it."""
    store = store_for(g.api_user, store_id)
    line, plan = change_product_line(store, _body(), get_catalog(), g.api_user)
    answer = line_json(line) | {"stock_up": plan.to_json()["rows"]}  # before the commit
    db.session.commit()
    return jsonify(answer), 201


@bp.patch("/stores/<int:store_id>/product-lines/<int:line_id>")
@documented(response=ProductLineSavedOut, body="ProductLineChange", tag="stock-up")
def change_line(store_id: int, line_id: int) -> Response:
    """Change a product line (stock, daily sales, lead time…); stock-up tasks move with it."""
    store = store_for(g.api_user, store_id)
    line, plan = change_product_line(store, _body(), get_catalog(), g.api_user, line_id=line_id)
    db.session.commit()
    return jsonify(line_json(line) | {"stock_up": plan.to_json()["rows"]})


@bp.post("/stores/<int:store_id>/imports")
@repeatable
@documented(
    response=ImportSummaryOut,
    status=201,
    body="ImportUpload",
    body_media="multipart/form-data",
    refusals=("not_self_operated",),
    manager_only=True,
    tag="imports",
)
def import_export(store_id: int) -> Any:
    """Import a Seller Center export (orders, lives, followers); 201 with what it changed."""
    store = store_for(g.api_user, store_id)
    require_manager(g.api_user)
    raw = {name: value for name, value in request.form.items() if name != "file"}
    upload = request.files.get("file")
    stream: Any = upload.stream if upload is not None else None
    if stream is None and "file" in request.form:  # sent as a text field: its text is the file
        stream = io.BytesIO(request.form["file"].encode("utf-8"))
    summary = run_import(store, raw, stream, get_catalog(), g.api_user, import_settings())
    answer = summary.to_json()  # built before the commit: nothing after it may fail
    db.session.commit()
    return jsonify(answer), 201


@bp.get("/stores/<int:store_id>/cadence")
@documented(response=CadenceOut, tag="lives")
def get_cadence(store_id: int) -> Response:
    """The live cadence: target per week, lives in the last 7 and 30 days, the streak."""
    store = store_for(g.api_user, store_id)
    return jsonify(live_services.cadence(store, get_catalog()).to_json())


@bp.get("/tasks")
@documented(response=TaskPageOut, query="TaskQuery", tag="tasks")
def search_tasks() -> Response:
    """Find tasks across the caller's stores (filters, text search), a page at a time."""
    filters, limit, after = parse_task_query(request.args)
    page = find_tasks(g.api_user, filters, limit=limit, after=after)
    return jsonify(
        {"items": [listed_json(item) for item in page.items], "next_cursor": page.next_cursor}
    )


@bp.post("/tasks/bulk")
@repeatable
@documented(response=BulkOut, body="TaskBulk", tag="tasks")
def bulk_tasks() -> Response:
    """Tick off, reopen or assign several tasks; each answers with its status or its refusal."""
    results = task_services.act_on_tasks(_body(), g.api_user)
    answers: list[dict[str, Any]] = []  # built before the commit: nothing after it may fail
    for result in results:
        if result.task is None:
            answers.append(
                {
                    "id": result.task_id,
                    "error": {"code": result.code, "message": plain(result.message)},
                }
            )
        else:
            answers.append({"id": result.task_id, "status": task_json(result.task)["status"]})
    db.session.commit()
    return jsonify({"results": answers})


@bp.get("/tasks/<int:task_id>/comments")
@documented(response=CommentOut(many=True), tag="tasks", paged=True)
def list_comments(task_id: int) -> Response:
    """List the task's comments, oldest first."""
    task = task_for(g.api_user, task_id)
    comments, more = paged_rows(
        select(TaskComment)
        .where(TaskComment.task_id == task.id)
        .options(selectinload(TaskComment.author)),
        Order([(TaskComment.id, False)], lambda comment: (comment.id,)),
        read_page(request.args),
    )
    return _listed([comment_json(comment) for comment in comments], more)


@bp.post("/tasks/<int:task_id>/comments")
@repeatable
@documented(response=CommentOut, status=201, body="CommentNew", tag="tasks")
def add_comment(task_id: int) -> Any:
    """Comment on a task; each person @mentioned is reminded."""
    task = task_for(g.api_user, task_id)
    comment, mentioned = task_services.add_comment(task, _body(), g.api_user)
    answer = comment_json(comment, [person.email for person in mentioned])  # before the commit
    db.session.commit()
    return jsonify(answer), 201


@bp.get("/tasks/<int:task_id>")
@documented(response=TaskOut, tag="tasks")
def get_task(task_id: int) -> Response:
    """Show one task."""
    return jsonify(task_json(task_for(g.api_user, task_id)))


@bp.patch("/tasks/<int:task_id>")
@documented(response=TaskOut, body="TaskChange", tag="tasks")
def update_task(task_id: int) -> Response:
    """Assign the task, move its due date (kept by regeneration), or set its note and link."""
    task = task_for(g.api_user, task_id)
    task_services.change_task(task, _body(), g.api_user)
    db.session.commit()
    return jsonify(task_json(task))


@bp.post("/tasks/<int:task_id>/complete")
@documented(response=TaskOut, refusals=("task_locked", "task_not_open"), tag="tasks")
def complete_task(task_id: int) -> Response:
    """Tick a task off; a locked task answers 409 task_locked."""
    held = task_for(g.api_user, task_id, for_update=True)
    task, _ = task_services.complete_task(task_id, g.api_user, held=held)
    answer = task_json(task)  # built before the commit: nothing after it may fail
    db.session.commit()
    return jsonify(answer)


@bp.post("/tasks/<int:task_id>/reopen")
@documented(response=TaskOut, refusals=("task_not_done",), tag="tasks")
def reopen_task(task_id: int) -> Response:
    """Untick a done task."""
    held = task_for(g.api_user, task_id, for_update=True)
    task, _ = task_services.reopen_task(task_id, g.api_user, held=held)
    answer = task_json(task)  # built before the commit: nothing after it may fail
    db.session.commit()
    return jsonify(answer)


@bp.get("/tasks/<int:task_id>/activity")
@documented(response=ActivityOut(many=True), tag="tasks", paged=True)
def task_activity(task_id: int) -> Response:
    """List everything done to one task, newest first."""
    task = task_for(g.api_user, task_id)
    entries, more = paged_rows(
        select(Activity).options(selectinload(Activity.user)).where(Activity.task_id == task.id),
        NEWEST_FIRST,
        read_page(request.args),
    )
    return _listed([activity_json(entry) for entry in entries], more)


@bp.get("/readiness")
@documented(response=ReadinessOut(many=True), query="ReadinessQuery", tag="readiness")
def readiness() -> Response:
    """Each store the caller may see with its readiness (filter by market, model, status)."""
    catalog = get_catalog()
    freshness = data_freshness(import_settings())
    rows = parse_filters(request.args, catalog).listed(g.api_user, catalog, freshness)
    answer = jsonify([readiness_json(row) for row in rows])
    # The scores counted again, stored once the answer is made and committed at once (the
    # write lock is not held while it is made); a refusal only means counting again next
    # time, so it never fails the answer (see tracker.web.readiness._keeping_scores).
    try:
        keep_recounted(rows)
        db.session.commit()
    except DBAPIError as error:
        db.session.rollback()
        log.warning("readiness scores not stored (counted again next time): %s", error.orig)
    return answer


# --- the caller's own reminders ----------------------------------------------------------------


def _inbox_json(entries: Sequence[Reminder]) -> list[dict[str, Any]]:
    """The reminders as the inbox shows them, with where their tasks stand now."""
    # Only the stores the caller still works on: someone taken off a store sees the old text.
    visible = tasks_by_id(
        g.api_user,
        (task["id"] for entry in entries for task in (entry.payload or {}).get("tasks", [])),
    )
    now = {listed.task.id: listed for listed in with_locks(list(visible.values()))}
    return [inbox_json(entry, now) for entry in entries]


@bp.get("/inbox")
@documented(response=InboxPageOut, query="InboxQuery", tag="inbox")
def list_inbox() -> Response:
    """List the caller's own reminders as their inbox shows them, newest first, a page at a time.

    Reading the list marks nothing read: ``POST /inbox/read`` does.
    """
    query = load_input(InboxQuery(), request.args.to_dict())
    limit = query.get("limit", PAGE_DEFAULT)
    cursor = query.get("cursor")
    before = read_cursor(INBOX_ORDER, cursor)[0] if cursor else None
    entries = reminder_services.inbox(
        g.api_user, limit=limit + 1, before=before, unread_only=query.get("unread") == "true"
    )
    more = len(entries) > limit
    shown = list(entries[:limit])
    return jsonify(
        {
            "items": _inbox_json(shown),
            "next_cursor": encode(INBOX_ORDER.key(shown[-1])) if more else None,
        }
    )


@bp.post("/inbox/read")
@documented(response=InboxReadOut, tag="inbox")
def mark_inbox_read() -> Response:
    """Mark every unread reminder in the caller's inbox as read."""
    count = reminder_services.mark_inbox_read(g.api_user)
    db.session.commit()
    return jsonify({"marked_read": count})


@bp.post("/inbox/<int:reminder_id>/dismiss")
@documented(response=InboxEntryOut, tag="inbox")
def dismiss_inbox_reminder(reminder_id: int) -> Response:
    """Take one of the caller's reminders out of their inbox; again, it changes nothing.

    Another person's reminder answers 404, as a missing one does.
    """
    entry = reminder_services.dismiss(g.api_user, reminder_id)
    [answer] = _inbox_json([entry])  # built before the commit: nothing after it may fail
    db.session.commit()
    return jsonify(answer)


# --- the team's own checklists -------------------------------------------------------------------


def _dry_run() -> bool:
    query = load_input(SaveQuery(), request.args.to_dict())
    return query["dry_run"] in ("1", "true")


def _saved(checklist: Any, version: int, preview: Any, *, applied: bool) -> dict[str, Any]:
    return {
        "id": checklist.id if checklist is not None else None,
        "version": version,
        "applied": applied,
        "preview": preview.to_json(),
        "checklist": checklist_json(checklist) if checklist is not None and applied else None,
    }


@bp.get("/checklists")
@documented(response=ChecklistOut(many=True), tag="checklists")
def list_checklists() -> Response:
    """List the company's checklists (anyone may read them)."""
    return jsonify([checklist_json(c) for c in plan_checklists.list_checklists()])


@bp.post("/checklists")
@repeatable
@documented(
    response=ChecklistSavedOut,
    status=201,
    body="ChecklistNew",
    query="SaveQuery",
    manager_only=True,
    refusals=("checklist_exists",),
    tag="checklists",
)
def create_checklist() -> Any:
    """Create a checklist; matching stores get its tasks (managers only)."""
    require_manager(g.api_user)
    dry_run = _dry_run()
    checklist, version, preview = plan_checklists.save_checklist(
        _body(), get_catalog(), actor=g.api_user, dry_run=dry_run
    )
    if dry_run:
        db.session.rollback()
        return jsonify(_saved(None, version, preview, applied=False))
    answer = _saved(checklist, version, preview, applied=True)  # built before the commit
    db.session.commit()
    return jsonify(answer), 201


@bp.get("/checklists/<int:checklist_id>")
@documented(response=ChecklistOut, tag="checklists")
def get_checklist(checklist_id: int) -> Response:
    """Show one checklist as it stands (its latest version)."""
    return jsonify(checklist_json(plan_checklists.get_checklist(checklist_id)))


@bp.put("/checklists/<int:checklist_id>")
@documented(
    response=ChecklistSavedOut,
    body="ChecklistNew",
    query="SaveQuery",
    manager_only=True,
    tag="checklists",
)
def replace_checklist(checklist_id: int) -> Response:
    """Save a new version and apply it (``dry_run=1``: only preview); done tasks stay."""
    require_manager(g.api_user)
    dry_run = _dry_run()
    current = plan_checklists.get_checklist(checklist_id)
    saved, version, preview = plan_checklists.save_checklist(
        _body(), get_catalog(), actor=g.api_user, checklist=current, dry_run=dry_run
    )
    if dry_run:
        db.session.rollback()
        return jsonify(_saved(saved, version, preview, applied=False))
    db.session.commit()
    return jsonify(_saved(saved, version, preview, applied=True))


@bp.delete("/checklists/<int:checklist_id>")
@documented(response=ChecklistSavedOut, manager_only=True, tag="checklists")
def delete_checklist(checklist_id: int) -> Response:
    """Delete a checklist: its open tasks retire; done tasks and its versions stay."""
    require_manager(g.api_user)
    checklist = plan_checklists.get_checklist(checklist_id)
    preview = plan_checklists.delete_checklist(checklist, get_catalog(), actor=g.api_user)
    db.session.commit()
    return jsonify(_saved(checklist, checklist.version, preview, applied=True))

"""Checklist pages: managers write and change them with a preview; members read them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required
from werkzeug.datastructures import MultiDict

from tracker.auth.access import require_manager
from tracker.catalog import get_catalog
from tracker.checklists.models import Checklist
from tracker.errors import InputError, RuleError, whole_number_or_text
from tracker.extensions import db
from tracker.i18n.format import separator
from tracker.i18n.text import localize
from tracker.plans import checklists as services
from tracker.playbook.catalog import (
    EVERY,
    MODELS,
    PEAK_ANCHORS,
    STORE_ANCHORS,
    STORE_TYPES,
    Catalog,
)
from tracker.playbook.checklists import checklist_to_toml
from tracker.web.feedback import flash_refusal
from tracker.web.session import current_user

bp = Blueprint("checklists", __name__, url_prefix="/checklists")
# Blank entry rows a form offers beside the checklist's own.
BLANK_ROWS = 3
_ENTRY_FIELDS = (
    "key",
    "title",
    "description",
    "phase",
    "anchor",
    "offset_days",
    "every",
    "interval",
    "depends_on",
    "assignee_id",
)


@bp.get("")
@login_required
def list_page() -> str:
    """The company's checklists; managers may add one."""
    return render_template("checklists/list.html", checklists=services.list_checklists())


@bp.get("/<int:checklist_id>")
@login_required
def show(checklist_id: int) -> str:
    """One checklist, its entries and its versions (anyone may read it)."""
    checklist = services.get_checklist(checklist_id)
    return render_template(
        "checklists/show.html",
        checklist=checklist,
        spec=checklist.spec(),
        versions=services.checklist_versions(checklist),
    )


@bp.get("/<int:checklist_id>/export.toml")
@login_required
def export(checklist_id: int) -> Response:
    """The checklist as TOML, in the playbooks' shape."""
    checklist = services.get_checklist(checklist_id)
    return Response(
        checklist_to_toml(checklist.spec()),
        mimetype="application/toml",
        headers={"Content-Disposition": f'attachment; filename="{checklist.key}.toml"'},
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    """Write a checklist: preview what it does in which stores, then save it."""
    require_manager(current_user)
    catalog = get_catalog()
    if request.method == "GET":
        body: dict[str, Any] = {"key": "", "name": "", "description": "", "entries": []}
        copied = request.args.get("from")
        market = request.args.get("market")
        if copied:
            body["entries"].append(_from_playbook(catalog, copied, market))
            if market is not None and catalog.described_apart(copied, market):
                # Copied in one market's words: it starts out for that market's stores.
                body["applies_to"] = {"market": [market]}
        return _form(None, catalog, _fields(body))
    return _save(None, catalog)


@bp.route("/<int:checklist_id>/edit", methods=["GET", "POST"])
@login_required
def edit(checklist_id: int) -> Any:
    """Change a checklist: a new version, previewed store by store before it is applied."""
    require_manager(current_user)
    checklist = services.get_checklist(checklist_id)
    catalog = get_catalog()
    if request.method == "GET":
        body = checklist.body()
        copied = request.args.get("add")
        if copied:
            # In the copied store's market words only when the checklist is for that market
            # alone; otherwise in the words every market reads.
            market = request.args.get("market")
            only = (body.get("applies_to") or {}).get("market") or []
            words = market if only == [market] else None
            body["entries"].append(_from_playbook(catalog, copied, words))
        return _form(checklist, catalog, _fields(body))
    return _save(checklist, catalog)


@bp.post("/<int:checklist_id>/delete")
@login_required
def delete(checklist_id: int) -> Any:
    """Delete a checklist: its open tasks retire, done ones stay."""
    require_manager(current_user)
    checklist = services.get_checklist(checklist_id)
    preview = services.delete_checklist(checklist, get_catalog(), actor=current_user)
    db.session.commit()
    flash(
        gettext(
            "Checklist %(name)s deleted: %(count)s open tasks retired.",
            name=checklist.name,
            count=preview.totals()["retired"],
        ),
        "success",
    )
    return redirect(url_for("checklists.list_page"))


def _save(checklist: Checklist | None, catalog: Catalog) -> Any:
    form = request.form
    raw = _body_from(form)
    apply = form.get("action") == "apply"
    try:
        saved, version, preview = services.save_checklist(
            raw, catalog, actor=current_user, checklist=checklist, dry_run=not apply
        )
    except InputError as error:
        db.session.rollback()
        return _form(checklist, catalog, form, errors=error), 400
    except RuleError as error:
        db.session.rollback()
        flash_refusal(error)
        return _form(checklist, catalog, form), 409
    if not apply:
        db.session.rollback()
        return _form(checklist, catalog, form, preview=preview, version=version)
    db.session.commit()
    assert saved is not None
    flash(
        gettext(
            "Checklist saved as version %(version)s. %(summary)s",
            version=version,
            summary=separator().join(localize(part) for part in preview.sentence_parts()),
        ),
        "success",
    )
    return redirect(url_for("checklists.show", checklist_id=saved.id))


def _form(
    checklist: Checklist | None,
    catalog: Catalog,
    form: Any,
    *,
    errors: InputError | None = None,
    preview: services.ChecklistPreview | None = None,
    version: int | None = None,
) -> str:
    shown = whole_number_or_text(str(form.get("rows") or "0"))
    rows = min(shown, 200) if isinstance(shown, int) and shown >= 0 else 0
    return render_template(
        "checklists/edit.html",
        checklist=checklist,
        form=form,
        rows=rows + (BLANK_ROWS if request.method == "GET" else 0),
        errors=errors,
        preview=preview,
        version=version,
        catalog=catalog,
        models=MODELS,
        store_types=STORE_TYPES,
        every=EVERY,
        anchors=_anchor_choices(catalog),
    )


def _anchor_choices(catalog: Catalog) -> list[str]:
    return [
        *STORE_ANCHORS,
        *(f"{kind}:{key}" for key in catalog.peaks for kind in ("warmup", "peak")),
    ]


def _from_playbook(catalog: Catalog, key: str, market: str | None = None) -> dict[str, Any]:
    """A playbook entry as a checklist entry, for a team to put in its own words and dates;
    with ``market`` (the store's whose task was copied), in that market's words."""
    try:
        entry = catalog.entry(key)
    except KeyError:
        return {}
    anchor = entry.due.anchor
    if anchor in PEAK_ANCHORS and isinstance(entry.peaks, tuple) and entry.peaks:
        anchor = f"{anchor}:{entry.peaks[0]}"
    elif anchor not in STORE_ANCHORS:
        anchor = "opened_on"  # stock-up deadlines and events: the team picks its own date
    return {
        "key": key.rsplit(".", 1)[-1],
        "title": entry.title.replace("{peak} {year}", "").replace("{", "").replace("}", ""),
        "description": entry.description_in(market or "").replace("{", "").replace("}", ""),
        "phase": entry.phase,
        "anchor": anchor,
        "offset_days": entry.due.days,
        "recurrence": entry.recurrence.to_json() if entry.recurrence else None,
        "depends_on": [],
        "critical": entry.critical,
    }


def _fields(body: dict[str, Any]) -> MultiDict[str, Any]:
    """A checklist as the form's fields (the inverse of ``_body_from``)."""
    form: MultiDict[str, Any] = MultiDict()
    for name in ("key", "name", "description"):
        form[name] = body.get(name) or ""
    applies = body.get("applies_to") or {}
    for name in ("model", "store_type", "market", "category"):
        for value in applies.get(name) or ():
            form.add(name, value)
    form["store_ids"] = ", ".join(str(i) for i in applies.get("store_ids") or ())
    entries = [entry for entry in body.get("entries") or () if entry]
    form["rows"] = str(len(entries))
    for index, entry in enumerate(entries):
        prefix = f"entries-{index}-"
        for name in ("key", "title", "description", "phase", "anchor"):
            form[prefix + name] = entry.get(name) or ""
        form[prefix + "offset_days"] = str(entry.get("offset_days") or 0)
        recurrence = entry.get("recurrence")
        form[prefix + "every"] = recurrence["every"] if recurrence else ""
        form[prefix + "interval"] = str(recurrence["interval"]) if recurrence else "1"
        form[prefix + "depends_on"] = ", ".join(entry.get("depends_on") or ())
        form[prefix + "assignee_id"] = str(entry.get("assignee_id") or "")
        if entry.get("critical"):
            form[prefix + "critical"] = "on"
        if entry.get("counts_for_readiness", True):
            form[prefix + "counts_for_readiness"] = "on"
    return form


def _body_from(form: Any) -> dict[str, Any]:
    """Read the form into the API's body: the same schema and rules check it."""
    applies: dict[str, Any] = {}
    for name in ("model", "store_type", "market", "category"):
        values = [v for v in form.getlist(name) if v]
        if values:
            applies[name] = values
    store_ids = [part.strip() for part in (form.get("store_ids") or "").split(",") if part.strip()]
    if store_ids:
        applies["store_ids"] = [whole_number_or_text(part) for part in store_ids]
    entries = []
    index = 0
    while any(f"entries-{index}-{name}" in form for name in _ENTRY_FIELDS):
        prefix = f"entries-{index}-"
        index += 1
        if form.get(prefix + "remove") or not (
            (form.get(prefix + "key") or "").strip() or (form.get(prefix + "title") or "").strip()
        ):
            continue
        every = form.get(prefix + "every") or ""
        entry: dict[str, Any] = {
            "key": form.get(prefix + "key", ""),
            "title": form.get(prefix + "title", ""),
            "description": form.get(prefix + "description", ""),
            "phase": form.get(prefix + "phase", ""),
            "anchor": form.get(prefix + "anchor", ""),
            "offset_days": whole_number_or_text(form.get(prefix + "offset_days") or "0"),
            "recurrence": (
                {
                    "every": every,
                    "interval": whole_number_or_text(form.get(prefix + "interval") or "1"),
                }
                if every
                else None
            ),
            "depends_on": [
                part.strip()
                for part in (form.get(prefix + "depends_on") or "").split(",")
                if part.strip()
            ],
            "critical": bool(form.get(prefix + "critical")),
            "counts_for_readiness": bool(form.get(prefix + "counts_for_readiness")),
            "assignee_id": form.get(prefix + "assignee_id") or None,
        }
        entries.append(entry)
    return {
        "key": form.get("key", ""),
        "name": form.get("name", ""),
        "description": form.get("description", ""),
        "applies_to": applies,
        "entries": entries,
    }

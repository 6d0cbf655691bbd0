"""Pages for people: first run, logging in and out, API tokens, and the team."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext, ngettext, refresh
from flask_login import login_required, login_user, logout_user
from sqlalchemy import select

from tracker.auth.access import require_manager
from tracker.auth.models import ApiToken, User
from tracker.auth.services import (
    LoginResult,
    choose_locale,
    create_token,
    create_user,
    end_sessions,
    finish_login,
    has_users,
    reserve_login,
    revoke_token,
)
from tracker.columns import get_by_id
from tracker.errors import InputError, NotFound, whole_number_or_text
from tracker.extensions import db
from tracker.playbook.phrases import phrase
from tracker.stores.access import visible_stores
from tracker.stores.models import Store, StoreMembership
from tracker.stores.services import add_member, welcome_person
from tracker.tasks.services import remove_member
from tracker.web.auth_forms import LoginForm, PersonForm, TokenForm
from tracker.web.feedback import Refusal, flash_refusal, safe_next
from tracker.web.session import current_user

bp = Blueprint("auth", __name__)


@bp.route("/setup", methods=["GET", "POST"])
def setup() -> Any:
    """Create the first manager; only while nobody has an account."""
    if has_users():
        return redirect(url_for("auth.login"))
    form = PersonForm()
    errors: InputError | None = None
    if form.validate_on_submit():
        try:
            user = create_user(
                email=form.email.data,
                password=form.password.data,
                role="manager",
                name=form.name.data or "",
                timezone=form.timezone.data or None,  # none given: their stores' zone
            )
        except InputError as error:
            db.session.rollback()
            errors = error
        else:
            welcome_person(user)
            db.session.commit()
            session.clear()
            login_user(user)
            flash(
                gettext("Welcome! You are the first manager. Set up your first store."), "success"
            )
            return redirect(url_for("stores.new_store"))
    return render_template("auth/setup.html", form=form, errors=errors)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Log in with e-mail and password; repeated failures must wait longer each time."""
    if not has_users():
        return redirect(url_for("auth.setup"))
    if current_user.is_authenticated:
        return redirect(url_for("tasks.my_tasks"))
    form = LoginForm()
    message, status = None, 200
    if form.validate_on_submit():
        email, client = form.email.data or "", request.remote_addr or ""
        # Count the try and commit before the (slow) password check, so simultaneous tries
        # are counted one by one and none holds the database while hashing.
        wait = reserve_login(email, client)
        db.session.commit()
        if wait:
            result = LoginResult(None, wait)
        else:
            result = finish_login(email, form.password.data or "", client)
            db.session.commit()
        if result.user is not None:
            session.clear()
            login_user(result.user)
            return redirect(safe_next(request.args.get("next")) or url_for("tasks.my_tasks"))
        if result.wait_seconds:
            message = ngettext(
                "Too many failed attempts for this address. Try again in %(num)d second.",
                "Too many failed attempts for this address. Try again in %(num)d seconds.",
                result.wait_seconds,
            )
            status = 429
        else:
            message = gettext("That e-mail and password do not match an active account.")
            status = 401
    return render_template("auth/login.html", form=form, message=message), status


@bp.post("/logout")
@login_required
def logout() -> Any:
    """Log out, ending every session of the person (other browsers and saved cookies too)."""
    end_sessions(current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash(gettext("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> Any:
    """Show the person's API tokens and issue a new one (shown once)."""
    form = TokenForm()
    new_secret = None
    errors = None
    if form.validate_on_submit():
        try:
            _, new_secret = create_token(current_user, form.name.data or "")
        except InputError as error:
            db.session.rollback()
            errors = error
        else:
            db.session.commit()
    return render_template(
        "auth/account.html",
        form=form,
        new_secret=new_secret,
        errors=errors,
        tokens=current_user.tokens,
    )


@bp.post("/account/language")
@login_required
def set_language() -> Any:
    """Choose the language of the pages and reminders (empty: follow the browser)."""
    try:
        choose_locale(current_user, request.form.get("locale", ""))
    except InputError as error:
        flash_refusal(error)
        return redirect(url_for("auth.account"))
    db.session.commit()
    refresh()  # say "saved" in the language just chosen
    flash(gettext("Language saved."), "success")
    return redirect(url_for("auth.account"))


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int) -> Any:
    """Revoke one of the person's own tokens."""
    token = get_by_id(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        raise NotFound(phrase("no token %(id)s of yours", id=token_id))
    revoke_token(token)
    db.session.commit()
    flash(gettext("Token %(prefix)s… revoked.", prefix=token.prefix), "info")
    return redirect(url_for("auth.account"))


@bp.get("/people")
@login_required
def people() -> Any:
    """List the team (managers only); colleagues join by invitation and choose their password."""
    require_manager(current_user)
    return render_people()


def render_people(refused: Refusal | None = None) -> str:
    """The People page; with a refusal, said beside the form that was used, as typed."""
    users = db.session.scalars(select(User).order_by(User.role, User.name_key, User.email)).all()
    stores = db.session.scalars(
        visible_stores(current_user).order_by(Store.name_key, Store.id)
    ).all()
    memberships = {(m.user_id, m.store_id) for m in db.session.scalars(select(StoreMembership))}
    return render_template(
        "auth/people.html",
        users=users,
        stores=stores,
        memberships=memberships,
        refused=refused,
    )


@bp.post("/people/<int:user_id>/stores")
@login_required
def set_person_store(user_id: int) -> Any:
    """Add a person to a store or take them off it (managers only)."""
    require_manager(current_user)
    user = get_by_id(User, user_id)
    if user is None:
        raise NotFound(phrase("no person %(id)s", id=user_id))
    store_id = whole_number_or_text(request.form.get("store_id", ""))
    if not isinstance(store_id, int):
        flash_refusal(InputError.one("store_id", phrase("choose a store")))
        return redirect(url_for("auth.people"))
    store = get_by_id(Store, store_id)
    if store is None:
        flash_refusal(InputError.one("store_id", phrase("there is no store %(id)s", id=store_id)))
        return redirect(url_for("auth.people"))
    if request.form.get("action") == "remove":
        remove_member(store, user, actor=current_user, address=request.remote_addr)
        flash(
            gettext(
                "%(person)s no longer works on %(store)s.",
                person=user.display_name,
                store=store.name,
            ),
            "info",
        )
    else:
        add_member(store, user, actor=current_user, address=request.remote_addr)
        flash(
            gettext(
                "%(person)s now works on %(store)s.", person=user.display_name, store=store.name
            ),
            "success",
        )
    db.session.commit()
    return redirect(url_for("auth.people"))

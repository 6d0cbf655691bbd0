"""Team account pages: invitations, password change and reset, deactivation, roles, the log."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required, login_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker.auth.access import require_manager
from tracker.auth.models import AccountEvent, ApiToken, User
from tracker.auth.services import (
    accept_invite,
    change_password,
    deactivate_user,
    invite_person,
    link_url,
    open_link,
    reactivate_user,
    record_account_event,
    request_reset,
    reset_password,
    revoke_token,
    set_role,
)
from tracker.calendar.models import CalendarFeed
from tracker.calendar.services import revoke_person_feed, revoke_store_feed
from tracker.columns import get_by_id
from tracker.errors import InputError, NotFound, RuleError
from tracker.extensions import db
from tracker.i18n.text import localize
from tracker.playbook.phrases import phrase
from tracker.reminders.channels import DeliveryError, Message, Target, deliver
from tracker.stores.services import welcome_person
from tracker.tasks.models import Task
from tracker.web.auth import render_people
from tracker.web.feedback import flash_refusal, refusal
from tracker.web.session import current_user

bp = Blueprint("team", __name__)
log = logging.getLogger(__name__)
AUDIT_PAGE = 200


def _client() -> str:
    return request.remote_addr or ""


def _send_link(email: str, subject: str, text: str) -> bool:
    """E-mail a link when a mail server is configured; say whether it went."""
    smtp = current_app.extensions.get("tracker_smtp")
    if smtp is None:
        return False
    message = Message(
        id=f"account-link-{email}", kind="account", user=email, store=None, tasks=[],
        subject=subject, text=text,
    )  # fmt: skip
    try:
        deliver(Target("email", email), message, smtp=smtp)
    except DeliveryError as error:
        log.warning("could not e-mail a link to %s: %s", email, error)
        return False
    return True


def _logged_in_already() -> Any:
    """A one-time link is for someone not logged in; it stays unused."""
    flash(
        gettext(
            "You are logged in as %(person)s: log out first to use this link.",
            person=current_user.display_name,
        ),
        "info",
    )
    return redirect(url_for("tasks.my_tasks"))


# --- joining by invitation ------------------------------------------------------------------


@bp.route("/invite/<invite_secret>", methods=["GET", "POST"])
def join(invite_secret: str) -> Any:
    """Join the team through a one-time invitation: choose your own password."""
    secret = invite_secret
    link = open_link("invite", secret)
    if current_user.is_authenticated:
        return _logged_in_already()
    errors: InputError | None = None
    status = 200
    if request.method == "POST":
        try:
            person = accept_invite(
                secret,
                password=request.form.get("password", ""),
                name=request.form.get("name", ""),
                # None given (or the browser's guess missing): their stores' zone
                timezone=request.form.get("timezone") or None,
                address=_client(),
            )
        except InputError as error:
            db.session.rollback()
            errors, status = error, 400
        else:
            welcome_person(person)
            db.session.commit()
            flash(gettext("Welcome! Your account is ready: log in with your password."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/join.html", link=link, errors=errors, form=request.form), status


# --- passwords ------------------------------------------------------------------------------


@bp.post("/account/password")
@login_required
def new_password() -> Any:
    """Change your own password (the current one first); your other sessions end."""
    try:
        change_password(
            current_user,
            request.form.get("current_password", ""),
            request.form.get("password", ""),
            address=_client(),
        )
    except InputError as error:
        db.session.rollback()
        flash_refusal(error)
        return redirect(url_for("auth.account"))
    db.session.commit()
    me = db.session.get(User, current_user.id)
    if me is not None:
        login_user(me)  # this browser carries on with the new session version
    flash(gettext("Password changed. Your other sessions have ended."), "success")
    return redirect(url_for("auth.account"))


@bp.route("/reset", methods=["GET", "POST"])
def ask_reset() -> Any:
    """Ask for a password reset link by e-mail; the answer is the same for any address."""
    if request.method == "POST":
        try:
            made = request_reset(request.form.get("email", ""), _client())
        except RuleError as error:  # too many requests: said the same for any address
            db.session.rollback()
            flash(localize(error.message), "error")
            return render_template("auth/reset_request.html"), 429
        db.session.commit()
        if made is not None:
            link, secret = made
            _send_link(
                link.email,
                gettext("Reset your tracker password"),
                gettext(
                    "Open this link within an hour to choose a new password: %(url)s\n"
                    "If you did not ask for it, ignore this message.",
                    url=link_url(current_app.config["TRACKER_BASE_URL"], "reset", secret),
                ),
            )
        flash(gettext("If that address has an account, a reset link is on its way."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html")


@bp.route("/reset/<reset_secret>", methods=["GET", "POST"])
def use_reset(reset_secret: str) -> Any:
    """Choose a new password through a one-time reset link."""
    secret = reset_secret
    open_link("reset", secret)
    if current_user.is_authenticated:
        return _logged_in_already()
    errors: InputError | None = None
    if request.method == "POST":
        try:
            reset_password(secret, request.form.get("password", ""), address=_client())
        except InputError as error:
            db.session.rollback()
            errors = error
        else:
            db.session.commit()
            flash(gettext("Password changed. Log in with the new one."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", errors=errors), 400 if errors else 200


# --- managers: invite, deactivate, reactivate, role, the log -------------------------------


@bp.post("/people/invite")
@login_required
def invite() -> Any:
    """Invite a colleague by e-mail; without a mail server, show the link to copy."""
    require_manager(current_user)
    try:
        link, secret = invite_person(
            request.form.get("email", ""),
            request.form.get("role", "member"),
            actor=current_user,
            address=_client(),
        )
    except InputError as error:
        # Said beside the invite form, with what was typed (status 400).
        return render_people(refusal(error, "invite", request.form)), 400
    db.session.commit()
    url = link_url(current_app.config["TRACKER_BASE_URL"], "invite", secret)
    sent = _send_link(
        link.email,
        gettext("You are invited to tracker"),
        gettext(
            "%(person)s invites you to tracker. Open this link within 7 days to choose your "
            "password: %(url)s",
            person=current_user.display_name,
            url=url,
        ),
    )
    if sent:
        flash(gettext("Invitation e-mailed to %(address)s.", address=link.email), "success")
    else:
        flash(
            gettext(
                "No mail server is set up: send %(address)s this one-time link (valid 7 days): "
                "%(url)s",
                address=link.email,
                url=url,
            ),
            "info",
        )
    return redirect(url_for("auth.people"))


def _person(user_id: int) -> User:
    require_manager(current_user)
    user = get_by_id(User, user_id)
    if user is None:
        raise NotFound(phrase("no person %(id)s", id=user_id))
    return user


def _apply(user: User, change: Any, done: str) -> Any:
    try:
        change()
    except (InputError, RuleError) as error:
        db.session.rollback()
        if isinstance(error, RuleError):
            error = InputError.one("role", error.message)
        flash_refusal(error)
        return redirect(url_for("auth.people"))
    db.session.commit()
    flash(done, "success")
    if user.id == current_user.id and user.active:
        login_user(user)  # a manager who changed themselves carries on
    return redirect(url_for("auth.people"))


@bp.post("/people/<int:user_id>/deactivate")
@login_required
def deactivate(user_id: int) -> Any:
    """Deactivate a person: sessions, API tokens and feeds stop at once; history stays."""
    user = _person(user_id)
    open_tasks = db.session.scalar(
        select(func.count())
        .select_from(Task)
        .where(Task.assignee_id == user.id, Task.status.in_(("open", "locked")))
    )
    done = gettext("%(person)s is deactivated.", person=user.display_name)
    if open_tasks:
        done += " " + gettext(
            "%(count)s open tasks are still assigned to them: reassign them on My tasks.",
            count=open_tasks,
        )
    return _apply(user, lambda: deactivate_user(user, actor=current_user, address=_client()), done)


@bp.post("/people/<int:user_id>/reactivate")
@login_required
def reactivate(user_id: int) -> Any:
    """Let a deactivated person log in again."""
    user = _person(user_id)
    done = gettext("%(person)s is active again.", person=user.display_name)
    return _apply(user, lambda: reactivate_user(user, actor=current_user, address=_client()), done)


@bp.post("/people/<int:user_id>/role")
@login_required
def change_role(user_id: int) -> Any:
    """Make a person a manager or a member."""
    user = _person(user_id)
    role = request.form.get("role", "")
    done = gettext("%(person)s's role is changed.", person=user.display_name)
    return _apply(user, lambda: set_role(user, role, actor=current_user, address=_client()), done)


@bp.get("/people/log")
@login_required
def audit_log() -> Any:
    """The log of account changes: who did what to whom, when and from where (managers)."""
    require_manager(current_user)
    events = db.session.scalars(
        select(AccountEvent)
        .options(selectinload(AccountEvent.user), selectinload(AccountEvent.actor))
        .order_by(AccountEvent.id.desc())
        .limit(AUDIT_PAGE)
    ).all()
    return render_template("auth/audit_log.html", events=events)


# --- managers: everyone's API tokens and calendar feeds --------------------------------------


@bp.get("/people/keys")
@login_required
def keys() -> Any:
    """Every live API token and calendar feed, whoever holds it, to revoke (managers)."""
    require_manager(current_user)
    tokens = db.session.scalars(
        select(ApiToken)
        .where(ApiToken.revoked_at.is_(None))
        .options(selectinload(ApiToken.user))
        .order_by(ApiToken.user_id, ApiToken.id)
    ).all()
    feeds = db.session.scalars(
        select(CalendarFeed)
        .where(CalendarFeed.revoked_at.is_(None))
        .options(selectinload(CalendarFeed.user), selectinload(CalendarFeed.store))
        .order_by(CalendarFeed.id)
    ).all()
    return render_template("auth/keys.html", tokens=tokens, feeds=feeds)


@bp.post("/people/tokens/<int:token_id>/revoke")
@login_required
def revoke_any_token(token_id: int) -> Any:
    """Revoke anyone's API token (managers); the change is logged."""
    require_manager(current_user)
    token = get_by_id(ApiToken, token_id)
    if token is None:
        raise NotFound(phrase("no token %(id)s", id=token_id))
    revoke_token(token)
    record_account_event(
        token.user,
        "token_revoked",
        actor=current_user,
        address=_client(),
        detail={"prefix": token.prefix},
    )
    db.session.commit()
    flash(gettext("Token %(prefix)s… revoked.", prefix=token.prefix), "info")
    return redirect(url_for("team.keys"))


@bp.post("/people/feeds/<int:feed_id>/revoke")
@login_required
def revoke_any_feed(feed_id: int) -> Any:
    """Revoke anyone's calendar feed, or a store's (managers); the change is logged."""
    require_manager(current_user)
    feed = get_by_id(CalendarFeed, feed_id)
    if feed is None:
        raise NotFound(phrase("no feed %(id)s", id=feed_id))
    if feed.user is not None:
        revoke_person_feed(feed.user)
        record_account_event(
            feed.user,
            "feed_revoked",
            actor=current_user,
            address=_client(),
            detail={"prefix": feed.prefix},
        )
    elif feed.store is not None:
        revoke_store_feed(feed.store, current_user)
    db.session.commit()
    flash(gettext("Calendar feed %(prefix)s… revoked.", prefix=feed.prefix), "info")
    return redirect(url_for("team.keys"))

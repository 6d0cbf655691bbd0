"""Templates say their phrases and build their addresses through shortcuts (issue 16):
``template_gettext`` and ``template_ngettext`` instead of Jinja's newstyle wrappers, and
``page_url`` (addresses kept per app) instead of Flask's ``url_for``. Every page must come
out the same, byte for byte, as through Jinja's and Flask's own, in both languages, for a
manager and a member, a plain request and htmx, and under a mount path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask, render_template_string
from flask_babel import force_locale
from jinja2 import pass_context
from jinja2.ext import _make_new_gettext, _make_new_ngettext  # type: ignore[attr-defined]
from markupsafe import Markup
from sqlalchemy import select

from tracker.extensions import db
from tracker.i18n.locales import speech
from tracker.tasks.models import Task
from tracker.web.links import LIMIT, page_url

HTMX = {"HX-Request": "true"}
CSRF = re.compile(rb'(?<=name="csrf_token" value=")[^"]+|(?<="X-CSRFToken": ")[^"]+')


@contextmanager
def jinja_and_flask_own(app: Flask) -> Iterator[None]:
    """Templates as they were: Jinja's newstyle gettext wrappers (``_`` through
    ``Context.call`` twice) and Flask's ``url_for``."""
    env = app.jinja_env
    kept = {name: env.globals[name] for name in ("_", "gettext", "ngettext", "url_for")}
    gettext = _make_new_gettext(lambda string: speech().translations.gettext(string))

    def alias(context: Any, *args: Any, **kwargs: Any) -> Any:  # jinja2.ext._gettext_alias
        return context.call(context.resolve("gettext"), *args, **kwargs)

    env.globals.update(
        _=pass_context(alias),
        gettext=gettext,
        ngettext=_make_new_ngettext(
            lambda singular, plural, num: speech().translations.ngettext(singular, plural, num)
        ),
        url_for=app.url_for,
    )
    try:
        yield
    finally:
        env.globals.update(kept)


def _both_ways(app: Flask, client: Any, path: str, **kwargs: Any) -> tuple[bytes, bytes]:
    method = kwargs.pop("method", "get")
    new = getattr(client, method)(path, **kwargs)
    with jinja_and_flask_own(app):
        old = getattr(client, method)(path, **kwargs)
    assert new.status_code == old.status_code
    return _same_token(new.get_data()), _same_token(old.get_data())


def _same_token(page: bytes) -> bytes:
    """The CSRF token is signed with the second it was made in: the rest must be equal."""
    return CSRF.sub(b"<token>", page)


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
@pytest.mark.parametrize("role", ["manager", "member"])
def test_pages_are_the_same_through_the_shortcuts(
    app, client, login, make_user, make_store, locale, role
):
    manager = make_user("manager")
    person = manager if role == "manager" else make_user("member")
    person.locale = locale
    store = make_store(actor=manager, members=(person,) if role == "member" else ())
    db.session.commit()
    login(person)
    task_id = db.session.scalar(select(Task.id).where(Task.store_id == store.id).limit(1))
    paths = [
        f"/stores/{store.id}",
        "/my-tasks",
        "/tasks",
        "/stores",
        "/readiness",
        f"/stores/{store.id}/readiness",
        "/inbox",
        "/account",
        "/checklists",
    ]
    if role == "manager":
        paths += ["/people", "/reminders"]
    compared = 0
    for path in paths:
        for headers in ({}, HTMX):
            new, old = _both_ways(app, client, path, headers=headers)
            assert new == old, path
            compared += 1
    assert compared == len(paths) * 2
    if task_id is not None:
        new, old = _both_ways(app, client, f"/tasks/{task_id}")
        assert new == old


def test_the_logged_out_pages_are_the_same(app, client):
    for path in ("/login", "/reset"):
        for cookie in ("en", "zh_CN"):
            client.set_cookie("tracker_locale", cookie)
            new, old = _both_ways(app, client, path)
            assert new == old, path


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_phrases_are_said_as_jinja_says_them(app, locale):
    """Each kind of phrase: plain, with values, with %%, plural, untranslated, escaped."""
    source = (
        '{{ _("My tasks") }}|{{ _("Log out") }}|{{ _("no such phrase 100%%") }}|'
        '{{ _("Warnings (%(count)s)", count=3) }}|{{ _("licence %(entity)s", entity="<b>") }}|'
        '{{ ngettext("%(num)d bound", "%(num)d bound", 2) }}|'
        '{{ gettext("Inbox") }}|{% trans %}Close{% endtrans %}|'
        "{% trans n=2 %}{{ n }} item{% pluralize %}{{ n }} items{% endtrans %}"
    )
    with app.test_request_context("/"), force_locale(locale):
        new = [render_template_string(source) for _ in range(2)]  # the second from the kept
        with jinja_and_flask_own(app):
            old = render_template_string(source)
        env = app.jinja_env
        autoescape = env.autoescape
        try:
            env.autoescape = False  # a template that does not escape: plain str, formatted
            plain = env.from_string(source).render()
            with jinja_and_flask_own(app):
                plain_old = env.from_string(source).render()
        finally:
            env.autoescape = autoescape
    assert new[0] == new[1] == old
    assert plain == plain_old
    assert "&lt;b&gt;" in old and "100%" in old and "%%" not in old


def test_kept_phrases_follow_the_language(app):
    """A phrase kept in one language is not said in the other."""
    with app.test_request_context("/"):
        with force_locale("zh_CN"):
            chinese = render_template_string('{{ _("My tasks") }}')
        with force_locale("en"):
            english = render_template_string('{{ _("My tasks") }}')
    assert english == "My tasks"
    assert chinese != english and isinstance(Markup(chinese), Markup)


def test_addresses_are_kept_per_mount_path_and_type(app):
    """An address kept for one mount path or value type is not given for another."""
    with app.test_request_context("/", base_url="http://localhost/tracker"):
        mounted = page_url("stores.plan", store_id=7)
        assert mounted == "/tracker/stores/7"
    with app.test_request_context("/"):
        assert page_url("stores.plan", store_id=7) == "/stores/7"
        assert page_url("tasks.my_tasks", show_store=True) == "/my-tasks?show_store=True"
        assert page_url("tasks.my_tasks", show_store=1) == "/my-tasks?show_store=1"
        assert page_url("tasks.my_tasks", page=[1, 2]) == "/my-tasks?page=1&page=2"
        assert page_url("stores.plan", store_id=7, _anchor="x") == "/stores/7#x"
        assert page_url("stores.plan", store_id=7, _external=True).startswith("http://")


def test_the_kept_addresses_are_bounded(app):
    with app.test_request_context("/"):
        for store_id in range(LIMIT + 50):
            assert page_url("stores.plan", store_id=store_id) == f"/stores/{store_id}"
        assert len(app.extensions["tracker.links"]) == LIMIT

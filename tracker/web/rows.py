"""Task rows, drawn in Python in one pass: every list of tasks shows them (docs/architecture.md).

A list page shows up to several hundred rows; as a Jinja include each row cost about twenty
template calls (links, words, forms, badges) and the page's time was the template's. Here
the words, the CSRF token and the link shapes are worked out once per request and language
(:class:`RowWriter`), and each row is joined from escaped pieces: the same HTML, byte for
byte, as the template it replaces (tests/web/test_task_rows.py keeps that template).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, g, request, url_for
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from tracker.extensions import N_
from tracker.i18n.format import day, relative_due, relative_instant, separator, when
from tracker.i18n.locales import Speech, speech
from tracker.i18n.seeds import gate_reason, seed_name, source_text, task_title
from tracker.i18n.templating import recurrence
from tracker.i18n.text import localize, localize_html
from tracker.playbook.checklists import PREFIX as CHECKLIST_PREFIX
from tracker.playbook.phrases import Name
from tracker.tasks.models import Task
from tracker.web.feedback import safe_next
from tracker.web.session import person_options, row_link, row_link_parts, zone_of

# A translation whose placeholders are all %(name)s (and %% for a percent sign).
_ONLY_TEXT_VALUES = re.compile(r"(?:[^%]|%%|%\([a-z_]+\)s)*")
_LOCK_ICON = (
    '<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><path fill="currentColor"'
    ' d="M4 7V5a4 4 0 1 1 8 0v2h1v8H3V7h1zm2 0h4V5a2 2 0 1 0-4 0v2z"/></svg>'
)


def init_app(app: Flask) -> None:
    """Let templates draw task rows: ``{{ task_row(task, reasons, today, ...) }}``."""
    app.jinja_env.globals["task_row"] = task_row


def lock_reason(reason: Any, task: Task) -> Markup:
    """Say why a task is locked; the tasks it waits for are named by title, each a link: a
    checklist step to that step in the store, a playbook task to the one the gate means."""
    waits_for = list((task.gate or {}).get("tasks", ()))

    def link(name: Name) -> str | None:
        if name.key.startswith(f"{CHECKLIST_PREFIX}."):
            return url_for("tasks.step", store_id=task.store_id, key=name.key)
        if name.key in waits_for:
            return url_for("tasks.waiting_for", task_id=task.id, number=waits_for.index(name.key))
        return None

    return localize_html(reason, link)


def task_row(
    task: Task,
    reasons: Sequence[Any],
    today: date,
    *,
    show_store: bool = False,
    people: Sequence[Any] | None = None,
    error: Any = None,
    single: bool = False,
    printable: bool = False,
) -> Markup:
    """One task as a row (``<li>``) of a task list; htmx swaps it in place when it changes.

    ``reasons``: why it is locked (none: it is not); ``show_store``: a list of several
    stores' tasks (its links say so, to come back there); ``people``: whom it may be
    handed to; ``single``: the task's own page (nothing to select); ``printable``: no forms.
    """
    return writer().row(task, reasons, today, show_store, people, error, single, printable)


def writer() -> RowWriter:
    """The request's row writer for the language spoken now (made on the first row)."""
    said = speech()
    kept: RowWriter | None = g.get("_row_writer")
    if kept is None or kept.speech is not said:
        kept = g._row_writer = RowWriter(said)
    return kept


def list_address() -> str:
    """The list a row is on, for a plain form (no JavaScript) to go back to after a change."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    kept = safe_next(request.form.get("next"))
    if kept:
        return kept
    current = urlsplit(request.headers.get("HX-Current-URL", ""))
    return safe_next(current.path + (f"?{current.query}" if current.query else "")) or ""


class RowWriter:
    """What every row of a request says alike, worked out once: words, token, way back."""

    def __init__(self, said: Speech) -> None:
        self.speech = said
        self._gettext = said.translations.gettext
        self._said: dict[str, tuple[str, bool]] = {}
        words = {
            text: self.say(text)
            for text in (
                N_("Done — untick"),
                N_("Locked"),
                N_("Tick off"),
                N_("critical"),
                N_("unassigned"),
                N_("(est.)"),
                N_("Change"),
                N_("Who does it"),
                N_("Nobody yet"),
                N_("Due on"),
                N_("Save"),
            )
        }
        self.words = words
        self.csrf = escape(generate_csrf())
        back = list_address()
        self.back_input = (
            f'<input type="hidden" name="next" value="{escape(back)}">' if back else ""
        )
        self._people: Sequence[Any] | None = None
        self._options: dict[int | None, str] = {}
        self._sources: dict[str | None, Markup] = {}
        self._links: dict[tuple[str, str, bool], tuple[str, str] | None] = {}
        self._days: dict[date, str] = {}
        self._away: dict[int, str] = {}
        self._recurrences: dict[tuple[Any, Any], str] = {}
        self._separator = escape(separator())

    def say(self, msgid: str, **variables: Any) -> str:
        """``{{ _(msgid, **variables) }}`` as Jinja says it: the translation is markup, the
        values are escaped into it."""
        found = self._said.get(msgid)
        if found is None:
            translated = self._gettext(msgid)
            found = self._said[msgid] = (translated, bool(_ONLY_TEXT_VALUES.fullmatch(translated)))
        said, only_text = found
        if only_text:
            # What Markup's % does when every value is said with %(name)s: each escaped.
            return said % {name: escape(value) for name, value in variables.items()}
        return Markup(said) % variables

    def people(self, people: Sequence[Any], selected_id: int | None) -> str:
        """The "who does it" options of a row, ``selected_id``'s selected (few ids recur)."""
        if self._people is not people:
            self._people, self._options = people, {}
        found = self._options.get(selected_id)
        if found is None:
            found = self._options[selected_id] = person_options(people, selected_id)
        return found

    def link(
        self, endpoint: str, ident: int, show_store: bool = False, name: str = "task_id"
    ) -> str:
        """A row's link, escaped: routed once a request and language, its id filled in."""
        key = (endpoint, name, show_store)
        parts = self._links.get(key)
        if parts is None:
            routed = row_link_parts(endpoint, name, show_store)
            parts = self._links[key] = (
                (escape(routed[0]), escape(routed[1])) if len(routed) == 2 else None
            )
        if parts is None:  # the mark showed up elsewhere too: route this one in full
            return escape(row_link(endpoint, show_store, **{name: ident}))
        return f"{parts[0]}{int(ident)}{parts[1]}"

    def day(self, value: date) -> str:
        """A date as the language writes it, escaped (a list says the same few days)."""
        found = self._days.get(value)
        if found is None:
            found = self._days[value] = escape(day(value))
        return found

    def days_away(self, due_on: date, today: date) -> str:
        """How far a due date is from today, escaped ("in 3 days")."""
        key = (due_on - today).days
        found = self._away.get(key)
        if found is None:
            found = self._away[key] = escape(relative_due(due_on, today))
        return found

    def recurrence(self, rule: dict[str, Any]) -> str:
        """How often a recurring task comes back, escaped ("every week")."""
        key = (rule.get("every"), rule.get("interval"))
        found = self._recurrences.get(key)
        if found is None:
            found = self._recurrences[key] = escape(recurrence(rule))
        return found

    def source(self, source: str | None) -> Markup:
        """Where a task comes from (a row's last line), said once per source a request."""
        found = self._sources.get(source)
        if found is None:
            found = self._sources[source] = escape(source_text(source))
        return found

    def row(
        self,
        task: Task,
        reasons: Sequence[Any],
        today: date,
        show_store: bool,
        people: Sequence[Any] | None,
        error: Any,
        single: bool,
        printable: bool,
    ) -> Markup:
        """The row's HTML (see :func:`task_row`)."""
        words = self.words
        say = self.say
        locked = len(reasons) > 0
        title = task_title(task)
        ident = task.id
        done = task.is_done
        show_store = bool(show_store)
        out: list[str] = [
            f'<li class="task {"done" if done else ""} {"locked" if locked else ""}"'
            f' id="task-{ident}" data-status="{"locked" if locked else escape(task.status)}">\n'
            '  <div class="tick">\n    '
        ]
        if printable:
            out.append(f'<span aria-hidden="true">{"✓" if done else "○"}</span>\n    ')
        elif done or not locked:
            address = self.link("tasks.reopen" if done else "tasks.complete", ident, show_store)
            out.append(
                f'\n    <form method="post" action="{address}"\n'
                f'          hx-post="{address}" hx-target="#task-{ident}" hx-swap="outerHTML">\n'
                f'      <input type="hidden" name="csrf_token" value="{self.csrf}">'
                f"{self.back_input}\n"
            )
            if done:
                label = say(N_("Untick %(title)s"), title=title)
                out.append(
                    f'      <button class="secondary" title="{words["Done — untick"]}"'
                    f' aria-label="{label}"'
                    ' aria-pressed="true">✓</button>\n'
                )
            else:
                label = say(N_("Tick off %(title)s"), title=title)
                out.append(
                    f'      <button class="outline" title="{words["Tick off"]}"'
                    f' aria-label="{label}"'
                    ' aria-pressed="false">&nbsp;</button>\n'
                )
            out.append("    </form>\n    ")
        else:
            label = say(N_("Locked: %(title)s"), title=title)
            out.append(
                f'\n    <button class="outline secondary" disabled title="{words["Locked"]}"'
                f' aria-label="{label}">{_LOCK_ICON}</button>\n    '
            )
        out.append("\n  </div>\n  <div>\n    ")
        if not printable and not single:
            label = say(N_("Select %(title)s"), title=title)
            out.append(
                f'<input type="checkbox" class="pick" name="ids" value="{ident}" form="bulk"'
                f' aria-label="{label}">'
            )
        out.append(
            f'\n    <a class="title" href="{self.link("tasks.detail", ident)}">'
            f"{escape(title)}</a>\n    "
        )
        if task.critical:
            out.append(f'<span class="badge critical">{words["critical"]}</span>')
        out.append("\n    ")
        if task.recurrence:
            out.append(f'<span class="badge">{self.recurrence(task.recurrence)}</span>')
        out.append("\n    ")
        if task.peak_key:
            peak = say(
                N_("%(peak)s %(year)s"),
                peak=seed_name("peak", task.peak_key),
                year=task.peak_date.year,  # type: ignore[union-attr]
            )
            out.append(f'<span class="badge">{peak}</span>')
        out.append('\n    <div class="meta">\n      ')
        if show_store:
            plan = self.link("stores.plan", task.store_id, name="store_id")
            out.append(f'<a href="{plan}">{escape(task.store.name)}</a> · ')
        out.append("\n      ")
        assignee = task.assignee
        out.append(escape(assignee.display_name) if assignee else words["unassigned"])
        out.append("\n      ")
        if done and task.completed_by:
            out.append(" · ")
            out.append(
                say(
                    N_("done by %(person)s %(when)s"),
                    person=task.completed_by.display_name,
                    when=when(task.completed_at),
                )
            )
        out.append('\n      · <span class="source">')
        if task.origin == "checklist":
            out.append(
                say(
                    N_("from checklist %(name)s, version %(version)s"),
                    name=task.source,
                    version=task.checklist_version,
                )
            )
        else:
            out.append(self.source(task.source))
        out.append("</span>\n    </div>\n    ")
        if locked:
            said = self._separator.join([lock_reason(reason, task) for reason in reasons])
            gate = task.gate
            if gate and gate.get("reason"):
                lock = say(N_("Locked: %(reasons)s — %(why)s"), reasons=said, why=gate_reason(task))
            else:
                lock = say(N_("Locked: %(reasons)s"), reasons=said)
            out.append(f'<div class="lock">{lock}</div>')
        out.append("\n    ")
        if error:
            out.append(f'<div class="error" role="alert">{escape(localize(error))}</div>')
        out.append('\n  </div>\n  <div class="due">\n    <span class="date">')
        out.append(self.day(task.due_on))
        if task.estimated:
            out.append(f" {words['(est.)']}")
        if task.due_at:
            at = task.due_at.astimezone(zone_of(task.store.zone)).strftime("%H:%M")
            by = say(N_("by %(time)s"), time=at)
            out.append(f" <strong>{by}</strong>")
        out.append("</span>\n    ")
        if not done:
            late = "overdue" if task.due_on < today else ""
            away: str
            if task.due_at:
                away = escape(relative_instant(task.due_at, task.due_on, today))
            else:
                away = self.days_away(task.due_on, today)
            out.append(f'<span class="rel {late}">{away}</span>')
        out.append("\n    ")
        if not printable and not done:
            change = self.link("tasks.change", ident, show_store)
            out.append(
                '\n    \n    <details class="inline-edit">\n'
                f"      <summary>{words['Change']}</summary>\n"
                f'      <form method="post" action="{change}" hx-post="{change}"'
                f' hx-target="#task-{ident}" hx-swap="outerHTML">\n'
                f'        <input type="hidden" name="csrf_token" value="{self.csrf}">\n'
                f"        {self.back_input}\n        "
            )
            if people:
                out.append(
                    f"\n        <label>{words['Who does it']}\n"
                    '          <select name="assignee_id">\n'
                    f'            <option value="">{words["Nobody yet"]}</option>\n            '
                )
                if assignee and assignee not in people:
                    out.append(
                        f'<option value="{assignee.id}" selected>'
                        f"{escape(assignee.display_name)}</option>"
                    )
                out.append(
                    f"\n            {self.people(people, task.assignee_id)}\n"
                    "          </select></label>\n        "
                )
            out.append(
                f'\n        <label>{words["Due on"]} <input type="date" name="due_on"'
                f' value="{task.due_on.isoformat()}"></label>\n'
                f'        <button type="submit" class="secondary">{words["Save"]}</button>\n'
                "      </form>\n    </details>\n    "
            )
        out.append("\n  </div>\n</li>")
        return Markup("".join(out))

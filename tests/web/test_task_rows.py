"""Task rows drawn in Python (tracker/web/rows.py) are the rows the Jinja template drew.

``reference_task_row.html`` beside this file is templates/tasks/_row.html as it was when the
rows moved to Python: every varied row is drawn both ways and must be the same, byte for byte.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask_babel import force_locale
from jinja2 import FileSystemLoader
from sqlalchemy import select

from tracker.auth.models import User
from tracker.clock import local_today
from tracker.extensions import db
from tracker.playbook.phrases import phrase
from tracker.stores.models import Store
from tracker.stores.services import assignable_people
from tracker.tasks.models import Task
from tracker.tasks.services import complete_task
from tracker.web.rows import list_address, lock_reason, task_row

HERE = Path(__file__).parent
# What the varied rows must have shown between them, so that each part was compared.
MARKS = (
    'class="lock"',  # locked, said with links to what it waits for
    "/steps/sop.launch.step-1",  # waits for a checklist step
    "/waiting-for/0",  # waits for a playbook task
    'class="badge critical"',
    "<strong>",  # due by a time
    'class="rel overdue"',
    'class="error"',
    "&lt;b&gt;",  # a title typed with markup, escaped
    "selected>",  # the assignee among the options
    'aria-pressed="true"',  # done
    'name="next"',
    "?show_store=1",
    'type="checkbox"',
    'aria-hidden="true">',  # printable
)


def _varied_tasks(store: Any, manager: Any, member: Any) -> list[Task]:
    """The store's tasks, with a few made to show what rows can show."""
    tasks = db.session.scalars(
        select(Task).where(Task.store_id == store.id).order_by(Task.due_on, Task.id)
    ).all()
    today = local_today(store.zone)
    free = [t for t in tasks if t.status == "open" and not t.gate]
    complete_task(free[0].id, manager)
    complete_task(free[1].id, member)
    free[2].assignee = member
    free[2].due_at = datetime.combine(today, datetime.min.time(), UTC) + timedelta(hours=30)
    free[3].estimated = True
    free[3].critical = True
    free[4].assignee = manager
    free[4].title = 'Check <b>"stock"</b> & ship'
    free[4].origin = "custom"
    free[4].source = "added by hand"
    free[5].origin = "checklist"
    free[5].source = "Launch <SOP>"
    free[5].checklist_version = 3
    free[5].gate = {"tasks": ["sop.launch.step-1"], "reason": "Waits for the steps before it."}
    free[6].due_at = datetime.now(UTC) + timedelta(hours=3)
    free[7].due_at = datetime.now(UTC) - timedelta(hours=2)
    free[8].due_on = today - timedelta(days=4)
    db.session.flush()
    return list(db.session.scalars(select(Task).where(Task.store_id == store.id)).all())


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_python_rows_are_the_template_rows(app, make_user, make_store, locale):
    """Every row, for each reader, language, list and request, is drawn as the template drew it."""
    manager = make_user("manager")
    member = make_user("member")
    store = make_store(actor=manager, members=(member,), name="Sunny <Beauty> & Co")
    requests = [
        {"path": f"/stores/{store.id}?q=a&phase=launch", "method": "GET"},
        {
            "path": "/tasks/1/complete",
            "method": "POST",
            "headers": {
                "HX-Request": "true",
                "HX-Current-URL": "http://localhost/my-tasks?unassigned=0&x=<1>",
            },
        },
        {"path": "/tasks/1/complete", "method": "POST", "data": {"next": "/tasks?store=2"}},
        {"path": "/tasks/1/change", "method": "POST"},  # nowhere to go back to
    ]
    errors = [None, "Refused: <due> & date", phrase("is not a field you can change")]
    compared = 0
    seen: set[str] = set()
    with app.app_context():
        manager, member = db.session.get(User, manager.id), db.session.get(User, member.id)
        store = db.session.get(Store, store.id)
        tasks = _varied_tasks(store, manager, member)
        env = app.jinja_env.overlay(loader=FileSystemLoader(HERE))
        env.filters["lock_reason"] = lock_reason
        env.globals["list_address"] = list_address
        reference = env.get_template("reference_task_row.html")
        today = local_today(store.zone)
        done = {t.done_mark for t in tasks if t.status == "done"}
        rows = [(t, t.lock_reasons(today, done, store.followers)) for t in tasks]
        assert any(reasons for _, reasons in rows), "some rows are locked"
        assert any(t.peak_key for t in tasks) and any(t.recurrence for t in tasks)
        for reader, shape in itertools.product((manager, member), requests):
            people = list(assignable_people(store, reader))
            with app.test_request_context(**shape), force_locale(locale):
                for (task, reasons), (show_store, single, printable), error in itertools.product(
                    rows,
                    [
                        (False, False, False),
                        (True, False, False),
                        (False, True, False),
                        (False, False, True),
                    ],
                    errors,
                ):
                    if error is not None and (printable or task.id % 3):
                        continue  # an error comes with a change: a few rows are enough
                    for listed in (people, [], people[:1]):
                        values = {
                            "show_store": show_store,
                            "people": listed,
                            "error": error,
                            "single": single,
                            "printable": printable,
                        }
                        drawn = task_row(task, reasons, today, **values)
                        expected = reference.render(
                            task=task, reasons=reasons, today=today, **values
                        )
                        assert drawn == expected.lstrip("\n"), (task.id, values)
                        compared += 1
                        seen.update(mark for mark in MARKS if mark in drawn)
        db.session.rollback()
    assert compared > 1000
    assert seen == set(MARKS), set(MARKS) - seen

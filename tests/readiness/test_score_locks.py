"""A readiness page keeps the scores it counted again without holding the database while it is
drawn: people ticking tasks (or opening the portfolio) meanwhile are not told "the tracker is
busy", and a score that cannot be stored never fails the page (it is counted again next time).

The database waits only a moment for a lock here (SQLite's busy timeout, PostgreSQL's
lock_timeout), so a lock held across the drawing of a page shows as a refusal, not a delay.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import event, func, select, text

from tests.conftest import PASSWORD, ApiClient
from tracker.auth.services import create_token
from tracker.extensions import db
from tracker.readiness.scores import StoreScore
from tracker.tasks.models import Task

# How long a statement may wait for a lock: short, yet long enough for a lock that is
# held only for one short transaction (the busy timeout is the only clock in these tests).
LOCK_WAIT_MS = 300
# A generous bound for a paused page to get to its pause (never reached unless broken).
PATIENCE_S = 120


@pytest.fixture
def impatient(app) -> None:
    """Make every connection of the app wait at most LOCK_WAIT_MS for a lock."""

    def short_wait(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        if db.engine.dialect.name == "sqlite":
            cursor.execute(f"PRAGMA busy_timeout={LOCK_WAIT_MS}")
        else:
            cursor.execute(f"SET lock_timeout = {LOCK_WAIT_MS}")
            dbapi_connection.commit()
        cursor.close()

    with app.app_context():
        event.listen(db.engine, "connect", short_wait)  # after the app's own pragmas
        db.engine.dispose()  # every connection from now on is a new one


class PausedPage:
    """A readiness page requested in a thread of its own, held just as it starts drawing."""

    def __init__(self, app: Any, monkeypatch: pytest.MonkeyPatch, template: str) -> None:
        import tracker.web.readiness as views

        self.drawing, self.release = threading.Event(), threading.Event()
        self.answer: Any = None
        self.failure: BaseException | None = None
        real = views.render_template
        paused = []

        def render(name: str, **context: Any) -> str:
            if name == template and not paused:  # only the first such page waits
                paused.append(name)
                self.drawing.set()
                self.release.wait(PATIENCE_S)
            return real(name, **context)

        monkeypatch.setattr(views, "render_template", render)
        self.app = app

    def open(self, client: Any, path: str) -> None:
        def get() -> None:
            try:
                self.answer = client.get(path)
            except BaseException as error:  # the page's own failure, reported by the test
                self.failure = error
            finally:
                self.drawing.set()

        self.thread = threading.Thread(target=get)
        self.thread.start()
        assert self.drawing.wait(PATIENCE_S), "the page never started drawing"
        assert self.failure is None, self.failure

    def finish(self) -> Any:
        self.release.set()
        self.thread.join(PATIENCE_S)
        assert self.failure is None, self.failure
        return self.answer


@pytest.fixture
def paused_page(app, monkeypatch) -> Iterator[Callable[[str], PausedPage]]:
    """Hold the first page that draws the given template, until the test lets it go."""
    made: list[PausedPage] = []

    def make(template: str) -> PausedPage:
        made.append(PausedPage(app, monkeypatch, template))
        return made[-1]

    yield make
    for page in made:  # never leave a thread waiting, whatever the test did
        page.release.set()
        if hasattr(page, "thread"):
            page.thread.join(PATIENCE_S)


def _logged_in(app: Any, user: Any) -> Any:
    client = app.test_client()
    answer = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    return client


def _stores(make_store, manager, count: int = 3) -> list[Any]:
    return [
        make_store(actor=manager, name=f"Shop {n}", opened_on="2026-09-01") for n in range(count)
    ]


def _open_task(store: Any) -> Task:
    return db.session.scalars(
        select(Task)
        .where(Task.store_id == store.id, Task.status == "open", Task.gate.is_(None))
        .order_by(Task.id)
        .limit(1)
    ).one()


def _stored() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(StoreScore)) or 0


@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("/readiness", "readiness/portfolio.html"),
        ("/stores/{id}/readiness", "readiness/store.html"),
    ],
)
def test_a_task_ticked_while_a_readiness_page_is_drawn_is_saved(
    app, impatient, paused_page, make_store, manager, path, template
):
    """Someone ticks a task off while another person's readiness page, which counted the
    stores again, is being drawn: the tick is saved, not refused as busy."""
    stores = _stores(make_store, manager)
    task = _open_task(stores[0])
    reader, ticker = _logged_in(app, manager), _logged_in(app, manager)
    page = paused_page(template)
    page.open(reader, path.format(id=stores[1].id))

    ticked = ticker.post(f"/tasks/{task.id}/complete")

    assert ticked.status_code in (200, 302), ticked.get_data(as_text=True)[:500]
    answer = page.finish()
    assert answer.status_code == 200
    db.session.expire_all()
    assert db.session.get(Task, task.id).status == "done"
    assert _stored() > 0  # the page kept the scores it counted


def test_two_people_open_the_portfolio_at_once(app, impatient, paused_page, make_store, manager):
    """Both count the stores again and both answer; the scores are kept once, not refused."""
    _stores(make_store, manager)
    first, second_person = _logged_in(app, manager), _logged_in(app, manager)
    page = paused_page("readiness/portfolio.html")
    page.open(first, "/readiness")

    second = second_person.get("/readiness")

    assert second.status_code == 200, second.get_data(as_text=True)[:500]
    assert page.finish().status_code == 200
    assert _stored() == 3


@pytest.mark.parametrize("path", ["/readiness", "/readiness.csv", "/api/v1/readiness"])
def test_a_score_that_cannot_be_stored_does_not_fail_the_answer(
    app, impatient, make_store, manager, path
):
    """Another connection holds the scores' table: the page (CSV, API) answers all the same,
    and the stores are counted again, and kept, the next time."""
    stores = _stores(make_store, manager, count=2)
    if path.startswith("/api/"):
        _, secret = create_token(manager, "scores")
        db.session.commit()
        client = ApiClient(app.test_client(), secret)
        assert client.get("/api/v1/stores").status_code == 200  # the token's first use noted
    else:
        client = _logged_in(app, manager)
    blocker = db.engine.connect()
    try:
        if blocker.dialect.name == "sqlite":
            blocker.exec_driver_sql("BEGIN IMMEDIATE")  # SQLite's write lock, held
        else:
            blocker.execute(text("LOCK TABLE store_scores IN EXCLUSIVE MODE"))
        answer = client.get(path)
        assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
        assert all(store.name in answer.get_data(as_text=True) for store in stores)
    finally:
        blocker.rollback()
        blocker.close()
    assert _stored() == 0
    assert client.get(path).status_code == 200
    assert _stored() == 2

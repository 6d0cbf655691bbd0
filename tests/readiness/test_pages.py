"""The portfolio page, one store's readiness page, their CSV and the readiness API."""

from __future__ import annotations

import csv
import html as html_module
import io
import re
from datetime import date

import pytest
from sqlalchemy import select, update

from tests.readiness.conftest import tick_up_to
from tracker.extensions import db
from tracker.readiness import queries
from tracker.readiness.burndown import Burndown, burndown
from tracker.readiness.filters import Filters
from tracker.readiness.queries import keep_recounted
from tracker.stores.models import Store
from tracker.stores.services import add_member
from tracker.tasks.models import Task
from tracker.tasks.services import change_task

pytestmark = pytest.mark.usefixtures("on_the_fixed_day")

ROW = re.compile(r'<tr data-store-id="(\d+)" data-status="(\w+)" data-market="(\w+)">')


def listed(response) -> list[tuple[int, str]]:
    """The (store id, status) of each portfolio row, in page order."""
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return [(int(i), s) for i, s, _ in ROW.findall(response.get_data(as_text=True))]


def test_the_portfolio_shows_each_store_its_status_and_the_rule(
    client, login, manager, three_stores
):
    login(manager)
    page = client.get("/readiness")
    rows = dict(listed(page))
    assert rows == {store.id: status for status, store in three_stores.items()}
    html = page.get_data(as_text=True)
    assert "1 ready" in html and "1 at risk" in html and "1 not ready" in html
    # The rule is stated beside the numbers, with the seed's figures.
    assert "How readiness is scored" in html
    assert "less than 50% is done with 7 days or fewer left" in html
    assert "less than 80% is done with 14 days or fewer left" in html
    assert "Onboarding: 1 task overdue" in html  # why the slow store is at risk
    assert "Black Friday" in html and "2026-11-27" in html


def test_the_worst_stores_come_first_and_columns_sort_both_ways(
    client, login, manager, three_stores
):
    login(manager)
    statuses = [status for _, status in listed(client.get("/readiness"))]
    assert statuses == ["not_ready", "at_risk", "ready"]
    by_name = [i for i, _ in listed(client.get("/readiness?sort=name"))]
    names = ["Late TH", "Ready US", "Slow US"]
    assert by_name == [next(s.id for s in three_stores.values() if s.name == n) for n in names]
    assert [i for i, _ in listed(client.get("/readiness?sort=name&order=desc"))] == by_name[::-1]
    html = client.get("/readiness?sort=name").get_data(as_text=True)
    assert 'aria-sort="ascending"' in html
    # The active column's link flips the order and keeps the filters.
    assert "/readiness?market=TH&amp;sort=name&amp;order=desc" in client.get(
        "/readiness?sort=name&market=TH"
    ).get_data(as_text=True)


FILTERED = {
    "market=TH": {"not_ready"},
    "market=US": {"ready", "at_risk"},
    "status=at_risk": {"at_risk"},
    "model=full_managed": set(),
    "model=pop&market=US&status=ready": {"ready"},
}


def test_filters_by_market_model_and_status(client, login, manager, three_stores):
    login(manager)
    shown = {
        query: {status for _, status in listed(client.get(f"/readiness?{query}"))}
        for query in FILTERED
    }
    assert shown == FILTERED


def test_a_bad_filter_says_which_and_what_is_known(client, login, manager, three_stores):
    login(manager)
    assert client.get("/readiness?market=th").status_code == 400  # codes as the links spell them
    response = client.get("/readiness?market=XX&status=fine&sort=mood")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Market: unknown value &#39;XX&#39; (known: US, UK, SA" in text
    assert "Status: unknown value &#39;fine&#39; (known: ready, at_risk, not_ready)" in text
    assert "Sort by: unknown value &#39;mood&#39;" in text


def test_a_member_sees_only_their_stores(client, login, make_user, manager, three_stores, api_as):
    member = make_user("member")
    add_member(three_stores["at_risk"], member, actor=manager)
    db.session.commit()
    login(member)
    assert listed(client.get("/readiness")) == [(three_stores["at_risk"].id, "at_risk")]
    # Another store's page answers as a missing one: ids cannot be counted.
    assert client.get(f"/stores/{three_stores['ready'].id}/readiness").status_code == 404
    assert client.get(f"/stores/{three_stores['ready'].id}/readiness.csv").status_code == 404
    assert client.get(f"/stores/{three_stores['at_risk'].id}/readiness").status_code == 200
    csv_rows = list(csv.reader(io.StringIO(client.get("/readiness.csv").get_data(as_text=True))))
    assert [row[1] for row in csv_rows[1:]] == ["Slow US"]
    api = api_as(member).get("/api/v1/readiness").get_json()
    assert [row["store_id"] for row in api] == [three_stores["at_risk"].id]


def test_the_api_answers_the_contracts_rows(manager, three_stores, api_as):
    response = api_as(manager).get("/api/v1/readiness")
    assert response.status_code == 200
    rows = {row["name"]: row for row in response.get_json()}
    assert set(rows) == {"Ready US", "Slow US", "Late TH"}
    for row in rows.values():
        assert {"store_id", "name", "onboarding", "next_peak", "overdue", "blocked"} <= set(row)
        assert {"done", "total", "percent"} <= set(row["onboarding"])
        assert isinstance(row["overdue"], int) and isinstance(row["blocked"], int)
        assert {"key", "date", "percent", "status"} <= set(row["next_peak"])
        assert row["next_peak"]["status"] in ("ready", "at_risk", "not_ready")
    ready = rows["Ready US"]
    assert ready["status"] == "ready"
    assert ready["next_peak"]["key"] == "black_friday"
    assert ready["next_peak"]["date"] == "2026-11-27"
    assert ready["next_peak"]["percent"] == 100
    onboarding = ready["onboarding"]
    assert onboarding["done"] == onboarding["total"] and onboarding["percent"] == 100
    assert rows["Slow US"]["status"] == "at_risk"
    assert rows["Slow US"]["reasons"] == ["Onboarding: 1 task overdue"]
    assert rows["Late TH"]["status"] == "not_ready"
    assert rows["Late TH"]["next_peak"]["key"] == "double_10"
    assert rows["Late TH"]["today"] == "2026-10-02"  # already tomorrow in Bangkok


def test_the_api_filters_and_names_a_bad_filter(manager, three_stores, api_as):
    api = api_as(manager)
    assert [row["name"] for row in api.get("/api/v1/readiness?status=at_risk").get_json()] == [
        "Slow US"
    ]
    response = api.get("/api/v1/readiness?model=diy")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and error["field"] == "model"
    assert "diy" in error["message"]
    assert api_as(manager).client.get("/api/v1/readiness").status_code == 401


def test_the_portfolio_csv_has_the_columns_and_keeps_typed_text_as_text(
    client, login, manager, shop, three_stores
):
    shop('=HYPERLINK("http://evil")')
    login(manager)
    response = client.get("/readiness.csv?sort=name")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header = rows[0]
    assert header[:7] == [
        "store_id",
        "name",
        "model",
        "model_name",
        "market",
        "store_type",
        "status",
    ]
    by_name = {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert by_name['\'=HYPERLINK("http://evil")']["market"] == "US"  # a formula stays text
    slow = by_name["Slow US"]
    assert slow["status"] == "at_risk" and slow["overdue"] == "1"
    assert slow["next_peak"] == "black_friday" and slow["next_peak_name"] == "Black Friday"
    assert slow["days_to_next_peak"] == "57"
    assert slow["model"] == "pop" and slow["model_name"] == "Self-operated (POP)"
    filtered = client.get("/readiness.csv?market=TH").get_data(as_text=True)
    assert "Late TH" in filtered and "Slow US" not in filtered


def test_the_store_page_lists_what_stands_between_it_and_ready(
    client, login, manager, make_user, shop
):
    member = make_user("member", name="Mei")
    store = shop("Busy US", members=(member,))
    open_onboarding = db.session.scalars(
        select(Task)
        .where(Task.store_id == store.id, Task.phase == "onboarding", Task.status == "open")
        .order_by(Task.due_on, Task.id)
    ).all()
    change_task(open_onboarding[0], {"assignee_id": member.id}, manager)
    db.session.commit()
    login(manager)
    response = client.get(f"/stores/{store.id}/readiness")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    start = html.index('id="phase-onboarding"')
    section = html[start : html.index("</section>", start)]
    titles = [
        html_module.unescape(t)
        for t in re.findall(r'class="title" href="/tasks/\d+">([^<]+)</a>', section)
    ]
    # Oldest first: the onboarding tasks in due-date order, with who does them.
    assert titles == [task.title for task in open_onboarding]
    assert "Mei" in section
    assert "Why not ready:" in html
    # The burndown is drawn on the server: two lines, and the numbers in words.
    assert "<svg" in html and 'class="planned"' in html and 'class="done"' in html
    assert "By 2026-10-01," in html
    assert "Live streams" in html and "lives in the last 7 days" in html
    # The onboarding phase's heading says it once (found on review: "Onboarding (onboarding)").
    heading = section.split("</h2>", 1)[0]
    assert "(onboarding)" not in heading and "Onboarding" in heading


def test_the_burndown_counts_done_against_planned(shop, manager):
    store = shop("Chart US")
    tick_up_to(store, manager, date(2026, 9, 10))
    chart = burndown(store, date(2026, 10, 1), [(date(2026, 11, 27), "Black Friday")])
    # Counted by hand from the plan of a US POP store opened on 09-01: 48 one-off tasks
    # from the qualifications on 09-02 to the Christmas review on 2027-01-01; 22 due by
    # 10-01, of which the 13 due by 09-10 were ticked off. The daily and weekly routines
    # are not drawn.
    assert (chart.start, chart.end) == (date(2026, 9, 1), date(2027, 1, 1))
    assert (chart.total, chart.planned_by_today, chart.done_by_today) == (48, 22, 13)
    assert chart.summary == "By 2026-10-01, 22 of 48 tasks were due and 13 are done."
    assert [m.label for m in chart.markers] == ["today 10-01", "Black Friday 11-27"]
    # The done line ends at today, over a quarter of the way up (13 of 48); the planned
    # line runs to the last due date, at the right, on the chart's top grid line (48).
    ticks = dict((value, y) for y, value in chart.y_ticks)
    assert sorted(ticks) == [0, 24, 48]
    done_x, done_y = map(float, chart.done_points.split()[-1].split(","))
    planned_x, planned_y = map(float, chart.planned_points.split()[-1].split(","))
    assert done_x == chart.markers[0].x
    assert ticks[24] < done_y < ticks[0]
    assert abs((ticks[0] - done_y) / (ticks[0] - ticks[48]) - 13 / 48) < 0.01
    assert (planned_x, planned_y) == (chart.width - 16, ticks[48])


def test_the_burndown_of_a_store_not_open_yet_starts_today(shop, manager):
    store = shop("Soon US", opened_on="2026-11-20")
    chart = burndown(store, date(2026, 10, 1), [])
    assert chart.start == date(2026, 10, 1)
    assert chart.markers[0].x == chart.left  # today at the left edge, not off the chart
    assert chart.done_by_today == 0


def test_a_fully_managed_store_has_no_live_cadence_but_its_readiness(client, login, manager, shop):
    store = shop("Managed UK", model="full_managed", market="UK", categories=["home"])
    login(manager)
    html = client.get(f"/stores/{store.id}/readiness").get_data(as_text=True)
    assert "Fully managed: the platform runs the store's content and lives." in html
    assert "lives in the last 7 days" not in html
    assert 'id="peak-black_friday-2026-11-27"' in html


def test_the_open_work_csv_and_the_printable_pages(client, login, manager, three_stores):
    login(manager)
    store = three_stores["at_risk"]
    response = client.get(f"/stores/{store.id}/readiness.csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    overdue = [row for row in rows if int(row["days_overdue"]) > 0]
    assert len(overdue) == 1 and overdue[0]["scope"] == "Onboarding"
    assert overdue[0]["critical"] == "no"
    assert {row["status"] for row in rows} <= {"open", "locked"}

    for path in ("/readiness?print=1", f"/stores/{store.id}/readiness?print=1"):
        html = client.get(path).get_data(as_text=True)
        assert 'class="printable"' in html
        assert 'nav class="top' not in html  # no menu on paper
        assert "<form" not in html  # nor filters or tick-off buttons
        assert '<details class="rule" open' in html  # the rule is printed with the numbers
    assert "<form" in client.get(f"/stores/{store.id}/readiness").get_data(as_text=True)


def test_typed_task_titles_stay_text_in_the_open_work_csv(client, login, manager, shop, catalog):
    from tracker.tasks.services import add_custom_task

    store = shop("Sheet US")
    title = '=HYPERLINK("http://evil","x")'
    add_custom_task(
        store, {"title": title, "due_on": "2026-09-20", "phase": "onboarding"}, catalog, manager
    )
    db.session.commit()
    login(manager)
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(f"/stores/{store.id}/readiness.csv")
                .get_data(as_text=True)
                .lstrip("\ufeff")
            )
        )
    )
    assert "'" + title in [row["title"] for row in rows]
    assert title not in [row["title"] for row in rows]


def test_columns_with_no_value_sort_last_both_ways(
    client, login, manager, quiet_store, three_stores
):
    quiet = quiet_store()
    login(manager)
    for order in ("asc", "desc"):
        ids = [i for i, _ in listed(client.get(f"/readiness?sort=peak&order={order}"))]
        assert ids[-1] == quiet.id, order
        ids = [i for i, _ in listed(client.get(f"/readiness?sort=peak_percent&order={order}"))]
        assert ids[-1] == quiet.id, order
    overdue = [i for i, _ in listed(client.get("/readiness?sort=overdue&order=desc"))]
    assert overdue[0] == three_stores["not_ready"].id  # the Thai store has the most
    assert "none in view" in client.get("/readiness").get_data(as_text=True)


def test_the_portfolio_shows_a_page_of_stores_in_order_and_says_how_many(
    client, login, manager, three_stores, monkeypatch
):
    """A long portfolio comes a page at a time, keeping its order and filters; CSV has all."""
    monkeypatch.setattr("tracker.web.readiness.PAGE_SIZE", 2)
    login(manager)
    first = client.get("/readiness?sort=name")
    assert [i for i, _ in listed(first)] == [three_stores["not_ready"].id, three_stores["ready"].id]
    html = html_module.unescape(first.get_data(as_text=True))
    assert "3 stores:" in html and "1 ready" in html and "1 not ready" in html  # all of them
    assert "Stores 1–2 of 3" in html and "page 1 of 2" in html
    assert "/readiness?page=2&sort=name&order=asc" in html
    second = client.get("/readiness?page=2&sort=name&order=asc")
    assert [i for i, _ in listed(second)] == [three_stores["at_risk"].id]
    assert "Stores 3–3 of 3" in html_module.unescape(second.get_data(as_text=True))
    assert "No stores on this page." in client.get("/readiness?page=9").get_data(as_text=True)
    # Filters narrow the total; the printable page, the CSV and the API are whole.
    assert (
        "Stores"
        not in client.get("/readiness?market=US")
        .get_data(as_text=True)
        .split("<table")[0]
        .split("</hgroup>")[1]
    )
    assert len(listed(client.get("/readiness?print=1"))) == 3
    assert len(client.get("/readiness.csv").get_data(as_text=True).strip().splitlines()) == 4
    for page in ("0", "-1", "x", "9" * 5000):
        bad = client.get(f"/readiness?page={page}")
        assert bad.status_code == 400 and "a page number from 1" in bad.get_data(as_text=True)


def test_each_page_of_a_sorted_filtered_portfolio_is_its_slice_of_the_whole_list(
    client, login, manager, shop, quiet_store, three_stores, monkeypatch
):
    """Page after page, the rows are the printable page's (every store, sorted and filtered
    alike), ties in the same order; the header counts and the total are those of the whole."""
    shop("ready us", orders_to_date=500)  # the same name but for case: a tie broken by id
    shop("Slow US", orders_to_date=500)  # the very same name
    quiet_store()  # no peak in view: sorts last
    shop("Late TH 2", market="TH", categories=["home"])
    # Names whose order a database might see otherwise: letters beyond ASCII in both cases
    # (the lower case one first: they tie, then sort by id), other scripts, digits and
    # marks. The page's database and the printable page agree.
    for name in ("äpfel", "Äpfel", "apfel", "Zürich", "東京 store", "_under", "10 Mall"):
        shop(name, orders_to_date=500)
    monkeypatch.setattr("tracker.web.readiness.PAGE_SIZE", 2)
    login(manager)
    columns = ("name", "model", "market", "status", "onboarding", "peak", "peak_percent",
               "overdue", "blocked", "activity")  # fmt: skip
    for column in columns:
        for order in ("asc", "desc"):
            for status in ("", "at_risk", "ready"):
                query = f"sort={column}&order={order}&status={status}"
                whole = client.get(f"/readiness?print=1&{query}")
                everything = listed(whole)
                pages = []
                for number in range(1, 9):
                    page = client.get(f"/readiness?page={number}&{query}")
                    pages.append(listed(page))
                    assert _header(page) == _header(whole), query
                    if len(everything) > 2 and pages[-1]:
                        first, last = 2 * number - 1, min(len(everything), 2 * number)
                        assert f"Stores {first}–{last} of {len(everything)}" in (
                            html_module.unescape(page.get_data(as_text=True))
                        ), query
                assert [row for rows in pages for row in rows] == everything, query
                assert all(len(rows) == 2 for rows in pages[: len(everything) // 2]), query
    assert len(listed(client.get("/readiness?print=1"))) == 14
    names = [name for _, name in _names(client.get("/readiness?print=1&sort=name"))]
    # Capitals and accents aside: the three apfels tie, in the order they were made (ids).
    assert names.index("äpfel") < names.index("Äpfel") < names.index("apfel")
    assert names.index("apfel") < names.index("Zürich") < names.index("東京 store")


def test_pages_place_stores_changed_since_they_were_stored_among_the_others(
    client, login, manager, shop, three_stores, monkeypatch
):
    """Stores whose work changed since their summary was stored are scored again and shown
    in their place: each page is still its slice of the whole list."""
    for number in range(5):
        shop(f"Shop {number}", orders_to_date=500 * (number % 2))
    stores = db.session.scalars(select(Store).order_by(Store.id)).all()
    monkeypatch.setattr("tracker.web.readiness.PAGE_SIZE", 3)
    login(manager)
    for column in ("name", "status", "onboarding", "overdue", "activity"):
        for order in ("asc", "desc"):
            query = f"sort={column}&order={order}"
            everything = listed(client.get(f"/readiness?print=1&{query}"))
            pages = []
            for number in range(1, 4):
                # Every other store changes (a note: its readiness does not) before each page.
                changed = [store.id for store in stores[number % 2 :: 2]]
                db.session.execute(
                    update(Task).where(Task.store_id.in_(changed)).values(note=f"{query} {number}")
                )
                db.session.commit()
                page = client.get(f"/readiness?page={number}&{query}")
                pages.append(listed(page))
                assert _header(page) == _header(client.get(f"/readiness?print=1&{query}"))
            assert [row for rows in pages for row in rows] == everything, query


def _names(response) -> list[tuple[int, str]]:
    """The (store id, name) of each portfolio row, in page order."""
    html = html_module.unescape(response.get_data(as_text=True))
    found = re.findall(r'<tr data-store-id="(\d+)".*?<a href="[^"]*">([^<]*)</a>', html, re.S)
    return [(int(i), name) for i, name in found]


def _header(response) -> str:
    """The portfolio's heading: how many stores, of each status."""
    page = html_module.unescape(response.get_data(as_text=True))
    return page.split("<hgroup>")[1].split("</hgroup>")[0]


@pytest.mark.parametrize(("done", "said"), [(1, "1 is done"), (0, "0 are done"), (2, "2 are done")])
def test_the_burndown_says_one_done_task_in_the_singular(done, said):
    """Found on review: "… and 1 are done"."""
    chart = Burndown(
        start=date(2026, 9, 1),
        end=date(2027, 1, 1),
        today=date(2026, 10, 1),
        total=48,
        planned_by_today=22,
        done_by_today=done,
        planned_points="",
        done_points="",
        y_ticks=(),
        markers=(),
    )
    assert chart.summary == f"By 2026-10-01, 22 of 48 tasks were due and {said}."


@pytest.mark.parametrize("query", ["bogus=1", "markt=US", "page=2"])
def test_the_api_refuses_a_readiness_filter_it_does_not_know(manager, api_as, query):
    """Found on review: ``/api/v1/readiness?bogus=1`` answered every store, where
    ``/api/v1/tasks?bogus=1`` says 400 "is not a filter": a misspelt filter must not look
    like an answer."""
    response = api_as(manager).get(f"/api/v1/readiness?{query}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["field"] == query.split("=")[0]
    assert "is not a filter" in error["message"]


def test_pages_of_one_status_are_sliced_when_a_store_of_another_changed(
    client, login, manager, shop, three_stores, monkeypatch
):
    """A store of another status scored again (its work changed) does not turn the later
    pages of a filtered portfolio into every page so far (found by review)."""
    for number in range(4):
        shop(f"Late {number}", market="TH", categories=["home"])
    monkeypatch.setattr("tracker.web.readiness.PAGE_SIZE", 2)
    login(manager)
    client.get("/readiness")  # every summary stored
    query = "sort=name&order=asc&status=not_ready"
    everything = listed(client.get(f"/readiness?print=1&{query}"))
    assert len(everything) == 5
    pages = []
    for number in (1, 2, 3, 4):
        db.session.execute(
            update(Task)
            .where(Task.store_id == three_stores["ready"].id)
            .values(note=f"changed {number}")
        )
        db.session.commit()
        pages.append(listed(client.get(f"/readiness?page={number}&{query}")))
    assert pages == [everything[0:2], everything[2:4], everything[4:], []]


def test_a_page_read_while_others_write_shows_each_store_once(
    manager, three_stores, monkeypatch, catalog
):
    """Other requests writing while a page scores its changed stores again (storing the same
    counts, changing another store's work) neither show a store twice nor leave one out, and
    the total counts each store once (found by review)."""
    ready, late = three_stores["ready"], three_stores["not_ready"]
    everyone = sorted(store.id for store in three_stores.values())
    keep_recounted(Filters(sort="name").page(manager, catalog, None, 1, 50).counted)
    db.session.commit()
    real_portfolio, real_today = queries.portfolio, queries.local_today
    writes = {"today": 0}

    def elsewhere_while_scoring(*args, **kwargs):
        rows = real_portfolio(*args, **kwargs)
        if kwargs.get("versions") is not None:
            keep_recounted(rows)  # another page stores the same counts
            db.session.execute(update(Task).where(Task.store_id == late.id).values(note="x"))
            db.session.commit()
        return rows

    def elsewhere_while_reading(zone, now=None):
        if writes["today"] == 0:  # another request changes a store's work between two reads
            writes["today"] += 1
            db.session.execute(update(Task).where(Task.store_id == late.id).values(note="y"))
            db.session.commit()
        return real_today(zone, now)

    for patch in (
        ("portfolio", elsewhere_while_scoring),
        ("local_today", elsewhere_while_reading),
    ):
        db.session.execute(update(Task).where(Task.store_id == ready.id).values(note=patch[0]))
        db.session.commit()
        with monkeypatch.context() as patched:
            patched.setattr(queries, *patch)
            found = Filters(sort="name").page(manager, catalog, None, 1, 50)
        shown = [row.store.id for row in found.rows]
        assert sorted(shown) == everyone, (patch[0], shown)
        assert found.total == 3 and sum(found.counts.values()) == 3, (patch[0], found.counts)
        keep_recounted(found.counted)
        db.session.commit()


def test_stores_are_listed_in_the_portfolios_name_order_everywhere(
    client, login, manager, shop, make_user
):
    """The stores page, the people page's store choices and the portfolio sorted by name
    list stores alike, capitals or not (SQLite put every capital first)."""
    for name in ("Zeta shop", "alpha shop", "beta shop"):
        shop(name)
    make_user("member")  # the people page offers a member the stores to add them to
    login(manager)
    expected = ["alpha shop", "beta shop", "Zeta shop"]
    portfolio = [name for _, name in _names(client.get("/readiness?sort=name"))]
    assert portfolio == expected

    def order_on(page: str) -> list[str]:
        html = html_module.unescape(client.get(page).get_data(as_text=True))
        return sorted(expected, key=html.index)

    assert order_on("/stores") == expected
    assert order_on("/people") == expected

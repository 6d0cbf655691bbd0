"""The portfolio's rows drawn in Python (tracker/web/portfolio_rows.py) are the rows the Jinja
template drew.

``reference_portfolio_row.html`` beside this file is the row of
templates/readiness/portfolio.html as it was when the rows moved to Python: every varied row
is drawn both ways and must be the same, byte for byte.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask_babel import force_locale
from jinja2 import FileSystemLoader

from tracker.catalog import get_catalog
from tracker.extensions import db
from tracker.readiness.queries import portfolio
from tracker.stores.health import ShopHealth
from tracker.web.portfolio_rows import portfolio_row

HERE = Path(__file__).parent
pytestmark = pytest.mark.usefixtures("on_the_fixed_day")
# What the varied rows must have shown between them, so that each part was compared.
MARKS = (
    'class="muted shop-health"',
    'class="lock stale"',
    'class="reasons"',
    "more</li>",  # more than three reasons
    "no onboarding work",
    "none in view",
    "warm-up",
    'class="num overdue"',
    'class="lock" title=',
    "(+",  # more than one blocked task
    "&lt;b&gt;",  # a name typed with markup, escaped
    '<span class="muted">none</span>',  # no activity
)


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_python_rows_are_the_template_rows(app, manager, shop, quiet_store, three_stores, locale):
    """Every varied row, in each language, is drawn as the template drew it."""
    shop('Check <b>"stock"</b> & co')
    quiet_store()  # no peak in view, no onboarding work yet
    db.session.commit()
    with app.app_context():
        rows = portfolio(manager, get_catalog())
        varied = list(rows)
        for row in rows:
            health = ShopHealth(
                store_id=row.store.id,
                as_of=row.today - timedelta(days=9),
                window_starts_on=row.today - timedelta(days=39),
                orders=120,
                late_dispatch_rate=0.031,
                seller_cancel_rate=None,
                source="test",
            )
            varied += [
                dataclasses.replace(
                    row,
                    shop_health=health,
                    data_as_of=row.today - timedelta(days=9),
                    data_stale=True,
                    last_activity_at=datetime(2026, 11, 30, 8, 5, tzinfo=UTC),
                ),
                dataclasses.replace(
                    row,
                    overdue=0,
                    blocked=row.blocked[:1],
                    last_activity_at=None,
                    onboarding=dataclasses.replace(
                        row.onboarding,
                        tally=dataclasses.replace(row.onboarding.tally, total=0, done=0),
                    ),
                ),
            ]
            if row.blocked:
                first = row.blocked[0]
                varied.append(
                    dataclasses.replace(
                        row,
                        blocked=[
                            dataclasses.replace(
                                first,
                                # No reason of its own: the row says what holds it.
                                gate={"tasks": ["<b>x</b>"], "followers_at_least": 5000},
                                done=frozenset(),
                            ),
                            *row.blocked,
                        ],
                    )
                )
            # The same wait for another peak's work: said by its own peak, on a page of both.
            waiting = [b for b in row.blocked if b.peak_key and (b.gate or {}).get("tasks")]
            if waiting:
                other = "black_friday" if waiting[0].peak_key != "black_friday" else "christmas"
                varied.append(
                    dataclasses.replace(
                        row,
                        blocked=[dataclasses.replace(waiting[0], peak_key=other)],
                    )
                )
        assert any(b.peak_key == "black_friday" for row in varied for b in row.blocked), (
            "a blocked peak task said for two peaks"
        )
        env = app.jinja_env.overlay(loader=FileSystemLoader([HERE, *app.jinja_loader.searchpath]))
        reference = env.get_template("reference_portfolio_row.html")
        seen: set[str] = set()
        compared = 0
        # Every row of a request drawn by the one request's writer, as a page draws them.
        for path in ("/readiness", "/readiness?sort=name"):
            with app.test_request_context(path), force_locale(locale):
                for row in varied:
                    drawn = portfolio_row(row)
                    expected = reference.render(row=row)
                    assert drawn == expected.strip("\n"), row.store.name
                    compared += 1
                    seen.update(mark for mark in MARKS if mark in drawn)
        db.session.rollback()
    assert compared >= 20
    if locale == "en":
        assert seen == set(MARKS), set(MARKS) - seen

"""Properties that hold for every valid profile, day and horizon."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import SEEDS
from tracker.playbook.loader import load_catalog
from tracker.playbook.plan import generate_plan
from tracker.playbook.profile import StoreProfile, derive_store_type

CATALOG = load_catalog(SEEDS)


@st.composite
def profiles(draw) -> StoreProfile:
    market = draw(st.sampled_from(sorted(CATALOG.markets)))
    entity = draw(st.sampled_from(sorted({"CN", "HK", "US", "GB", market})))
    opened_on = draw(st.dates(date(2020, 1, 1), date(2035, 12, 31)))
    inspection = draw(st.none() | st.integers(0, 180))
    share = draw(st.none() | st.floats(0, 100))
    return StoreProfile(
        model=draw(st.sampled_from(["pop", "full_managed"])),
        market=market,
        store_type=draw(
            st.sampled_from(
                [
                    "local",
                    "cross_border",
                    derive_store_type(entity, CATALOG.markets[market], share),
                ]
            )
        ),
        entity=entity,
        opened_on=opened_on,
        categories=tuple(draw(st.sets(st.sampled_from(sorted(CATALOG.categories)), max_size=4))),
        inspection_ends_on=None if inspection is None else opened_on + timedelta(days=inspection),
        chinese_share_percent=share,
        followers=draw(st.integers(0, 100_000)),
        freight_mode=draw(st.none() | st.sampled_from(["sea", "air"])),
        production_days=draw(st.none() | st.integers(0, 120)),
    )


@settings(max_examples=300, deadline=None)
@given(profile=profiles(), offset=st.integers(-90, 900), horizon=st.integers(1, 400))
def test_plans_never_fail_and_never_ask_for_work_before_the_store_opens(profile, offset, horizon):
    today = profile.opened_on + timedelta(days=offset)
    plan = generate_plan(profile, CATALOG, today=today, horizon_days=horizon)
    horizon_ends_on = today + timedelta(days=horizon)
    for task in plan.tasks:
        assert task.due_on <= horizon_ends_on
        if task.recurrence is None and task.phase != "pre_launch":
            assert task.due_on >= profile.opened_on, task.key
        if task.recurrence is not None:
            assert task.due_on >= today and task.starts_on >= profile.opened_on
        if task.peak is not None:
            assert task.peak.date >= today
    assert {task.key for task in plan.tasks} <= {entry.key for entry in CATALOG.entries}

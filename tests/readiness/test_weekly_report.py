"""The weekly readiness report: to managers, Monday 09:00 in their zone, once; what it says."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from tests.readiness.conftest import tick_up_to
from tests.reminders.conftest import sink  # noqa: F401 - the webhook receiver fixture
from tracker.extensions import db
from tracker.readiness.models import ReadinessSnapshot
from tracker.readiness.report import queue_weekly_reports
from tracker.reminders.dispatch import DispatchSettings, dispatch_due
from tracker.reminders.models import Reminder
from tracker.reminders.services import add_channel
from tracker.tasks.models import Task

# Monday 2026-10-05, 09:00 in Shanghai is 01:00 UTC (still Sunday evening in California).
SHANGHAI_MONDAY_9 = datetime(2026, 10, 5, 1, 0, tzinfo=UTC)
# The Monday before.
PREVIOUS_MONDAY_9 = datetime(2026, 9, 28, 1, 0, tzinfo=UTC)


def reports(person) -> list[Reminder]:
    return db.session.scalars(
        select(Reminder)
        .where(Reminder.user_id == person.id, Reminder.kind == "weekly_report")
        .order_by(Reminder.id)
    ).all()


def test_each_manager_gets_it_at_monday_nine_in_their_own_zone(
    make_user, three_stores, catalog, manager
):
    manager.timezone = "Asia/Shanghai"
    new_york = make_user(timezone="America/New_York")
    member = make_user("member", timezone="Asia/Shanghai")
    db.session.commit()

    one_minute_early = datetime(2026, 10, 5, 0, 59, tzinfo=UTC)
    assert queue_weekly_reports(catalog, now=one_minute_early) == 0
    assert queue_weekly_reports(catalog, now=SHANGHAI_MONDAY_9) == 1
    assert queue_weekly_reports(catalog, now=SHANGHAI_MONDAY_9) == 0  # once, however many ticks
    db.session.commit()
    assert [r.key for r in reports(manager)] == [f"weekly:{manager.id}:2026-10-05:inbox"]
    assert reports(new_york) == [] and reports(member) == []

    # 09:00 in New York on the same Monday is 13:00 UTC (daylight time).
    assert queue_weekly_reports(catalog, now=datetime(2026, 10, 5, 12, 59, tzinfo=UTC)) == 0
    assert queue_weekly_reports(catalog, now=datetime(2026, 10, 5, 13, 0, tzinfo=UTC)) == 1
    db.session.commit()
    assert len(reports(new_york)) == 1
    assert reports(member) == []  # members get no manager report


def test_a_report_whose_monday_is_long_past_is_not_sent_late(three_stores, catalog, manager):
    manager.timezone = "Asia/Shanghai"
    db.session.commit()
    # The scheduler was down from Monday morning to Tuesday noon (Shanghai).
    assert queue_weekly_reports(catalog, now=datetime(2026, 10, 6, 4, 0, tzinfo=UTC)) == 0


def test_it_goes_through_the_managers_channels_once(three_stores, catalog, manager, sink, app):  # noqa: F811
    app.config["TRACKER_ALLOW_PRIVATE_TARGETS"] = True  # the sink listens on 127.0.0.1
    manager.timezone = "Asia/Shanghai"
    add_channel(manager, "webhook", sink.url)
    db.session.commit()
    assert queue_weekly_reports(catalog, now=SHANGHAI_MONDAY_9) == 2  # inbox and webhook
    db.session.commit()
    settings = DispatchSettings(allow_private_targets=True)
    dispatch_due(settings, now=lambda: SHANGHAI_MONDAY_9)
    dispatch_due(settings, now=lambda: SHANGHAI_MONDAY_9)
    assert list(sink.keys.values()) == [1]
    body = sink.bodies[0]
    assert body["kind"] == "weekly_report"
    assert body["text"].startswith("3 stores: 1 ready, 1 at risk, 1 not ready.")


def test_it_says_what_changed_what_slipped_and_what_is_at_risk(three_stores, catalog, manager):
    manager.timezone = "Asia/Shanghai"
    db.session.commit()
    # Last week's report saw the slow store at risk already; the ready one was not yet ready.
    ready = three_stores["ready"]
    queue_weekly_reports(catalog, now=PREVIOUS_MONDAY_9)
    db.session.commit()
    db.session.execute(
        ReadinessSnapshot.__table__.update()
        .where(ReadinessSnapshot.store_id == ready.id)
        .values(status="not_ready")
    )
    db.session.commit()

    queue_weekly_reports(catalog, now=SHANGHAI_MONDAY_9)
    db.session.commit()
    report = reports(manager)[-1]
    assert report.subject == "Readiness, week of 2026-10-05: 1 not ready, 1 at risk, 1 ready"
    text = report.text
    changed = text[text.index("WHAT CHANGED") : text.index("WHAT SLIPPED")]
    assert "Ready US: not ready → ready" in changed
    assert "Slow US" not in changed.split("Tasks done")[0]  # it stayed at risk

    slipped = text[text.index("WHAT SLIPPED") : text.index("AT RISK")]
    # Counted by hand: the Thai store's open work due 09-28 to 10-04 (its today is 10-05),
    # the daily live and the clips left out; the oldest three are named.
    assert (
        "  Late TH: 5 — Check the shop's score or rating for 11.11 Sale 2026 (2026-09-30); "
        "Schedule the key live streams of the 10.10 Sale 2026 warm-up (2026-09-30); "
        "Start working with influencers (2026-10-01); and 2 more"
    ) in slipped
    assert "Ready US" not in slipped

    at_risk = text[text.index("AT RISK FOR THE NEXT PEAK") :]
    assert "Late TH — 10.10 Sale 2026-10-10 (in 5 days): 0% done, not ready:" in at_risk
    assert "Ready US" not in at_risk
    # This week's readiness is kept for next week's report, once per store.
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(ReadinessSnapshot)
            .where(ReadinessSnapshot.week_of == date(2026, 10, 5))
        )
        == 3
    )


def test_a_deactivated_manager_gets_no_report(make_user, three_stores, catalog, manager):
    gone = make_user(timezone="Asia/Shanghai")
    gone.active = False
    manager.timezone = "Asia/Shanghai"
    db.session.commit()
    assert queue_weekly_reports(catalog, now=SHANGHAI_MONDAY_9) == 1
    db.session.commit()
    assert reports(gone) == [] and len(reports(manager)) == 1


def test_work_done_in_the_week_is_counted_per_store(shop, catalog, manager):
    manager.timezone = "Asia/Shanghai"
    store = shop("Keen US")
    tick_up_to(store, manager, date(2026, 10, 1), now=datetime(2026, 10, 2, 19, tzinfo=UTC))
    done = db.session.scalar(
        select(func.count())
        .select_from(Task)
        .where(Task.store_id == store.id, Task.status == "done")
    )
    queue_weekly_reports(catalog, now=SHANGHAI_MONDAY_9)
    db.session.commit()
    text = reports(manager)[-1].text
    assert f"Tasks done in the last 7 days: {done} in 1 store (Keen US {done})" in text


def test_each_manager_reads_it_in_their_own_language(make_user, three_stores, catalog, manager):
    manager.timezone = "Asia/Shanghai"
    chinese = make_user(timezone="Asia/Shanghai")
    chinese.locale = "zh_CN"
    db.session.commit()
    assert queue_weekly_reports(catalog, now=SHANGHAI_MONDAY_9) == 2
    db.session.commit()
    (english,) = reports(manager)
    (zh,) = reports(chinese)
    assert english.subject.startswith("Readiness, week of 2026-10-05: 1 not ready")
    assert zh.subject.startswith("就绪度周报（2026年10月5日 当周）：1 家未就绪")
    assert "下一个大促的风险" in zh.text and "10.10" in zh.text
    assert "AT RISK FOR THE NEXT PEAK" not in zh.text
    # Both were written from one look at the stores: the same stores are named.
    assert ("Late TH" in english.text) and ("Late TH" in zh.text)


def test_every_section_lists_stores_in_the_portfolios_name_order(shop, catalog, manager):
    """New stores, stores that slipped and the busiest stores come in the order the
    portfolio sorts names in, capitals or not (found by review: SQLite put capitals first)."""
    manager.timezone = "Asia/Shanghai"
    for name in ("Zeta shop", "alpha shop", "beta shop"):
        store = shop(name)
        tick_up_to(store, manager, date(2026, 10, 1), now=datetime(2026, 10, 2, 19, tzinfo=UTC))
    queue_weekly_reports(catalog, now=SHANGHAI_MONDAY_9)
    db.session.commit()
    text = reports(manager)[-1].text
    changed = text[text.index("WHAT CHANGED") : text.index("WHAT SLIPPED")]
    new, busiest = changed.split("Tasks done")
    names = ["alpha shop", "beta shop", "Zeta shop"]
    assert sorted(names, key=new.index) == names, new
    assert sorted(names, key=busiest.index) == names, busiest

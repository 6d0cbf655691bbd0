"""The fault runs wait for a slow outbox to drain and give up only on one that stopped moving."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from tests import fault_scenario

fault = fault_scenario.load()


def _outbox(tmp_path: Path, rows: int):
    engine = create_engine(f"sqlite:///{tmp_path / 'outbox.sqlite3'}")
    with engine.begin() as connection:
        connection.execute(text("create table reminders (key text, state text, attempts int)"))
        for number in range(rows):
            connection.execute(
                text("insert into reminders values (:key, 'pending', 0)"), {"key": str(number)}
            )
    return engine


def test_a_slow_but_moving_outbox_is_waited_for_past_any_fixed_limit(tmp_path: Path) -> None:
    engine = _outbox(tmp_path, 6)

    def send_slowly() -> None:
        for number in range(6):
            time.sleep(0.4)
            with engine.begin() as connection:
                connection.execute(
                    text("update reminders set state = 'sent' where key = :key"),
                    {"key": str(number)},
                )

    sender = threading.Thread(target=send_slowly)
    sender.start()
    try:
        # Draining takes about 2.4 s, far past the 1 s without progress that would end the wait.
        drained = fault.wait_until_drained(engine, stall=1.0, poll=0.05)
    finally:
        sender.join()
        engine.dispose()
    assert drained


def test_an_outbox_that_stopped_moving_is_reported_undrained(tmp_path: Path) -> None:
    engine = _outbox(tmp_path, 2)
    try:
        assert not fault.wait_until_drained(engine, stall=0.5, poll=0.05)
    finally:
        engine.dispose()

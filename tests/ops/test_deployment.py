"""Production as docs/deployment.md describes it, for real: gunicorn with two workers and
TRACKER_SCHEDULER=off, two ``tracker scheduler`` processes, PostgreSQL, secrets and
settings from the environment, JSON logs.

A reminder made through the API (a hot video tells the managers at once) must reach a
local webhook sink exactly once, with everything else the schedulers queue; the health
check through gunicorn must see both schedulers; every line the processes write must be
JSON. The database, the sink and the process handling come from
``benchmarks/reminder_fault.py`` (as in ``tests/reminders/test_fault.py``).
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, text

from tests import fault_scenario

pytestmark = [pytest.mark.postgresql]

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
TICK_SECONDS = 0.5
# Generous: a loaded 2-core machine is slow, not broken; a process that dies fails at once.
WAIT_SECONDS = 300.0
SETTINGS = {
    "TRACKER_TICK_SECONDS": str(TICK_SECONDS),
    "TRACKER_LOG_FORMAT": "json",
    "TRACKER_WEB_WORKERS": "2",
    # Port 0: the kernel picks a free port and gunicorn's log says which.
    "TRACKER_BIND": "127.0.0.1:0",
    # The webhook sink listens on 127.0.0.1, as an operator's local sink would.
    "TRACKER_ALLOW_PRIVATE_TARGETS": "1",
}


fault = fault_scenario.load()


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A scratch PostgreSQL database brought up with `tracker db upgrade`, and a folder."""
    yield from fault_scenario.scratch_database(tmp_path_factory, "deployment")


def _seed(database_url: str, webhook_url: str) -> dict[str, Any]:
    """A manager with a webhook channel to the sink and an API token, through the services."""
    from tracker import create_app
    from tracker.auth.services import create_token, create_user
    from tracker.extensions import db
    from tracker.reminders.services import add_channel

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "TRACKER_ALLOW_PRIVATE_TARGETS": True,
        }
    )
    with app.app_context():
        try:
            manager = create_user(
                email="ops@example.com", password="correct horse battery", role="manager"
            )
            channel = add_channel(manager, "webhook", webhook_url)
            _, secret = create_token(manager, "deployment test")
            db.session.commit()
            return {"user_id": manager.id, "channel_id": channel.id, "token": secret}
        finally:
            db.session.remove()
            db.engine.dispose()


def _wait_for(
    what: str,
    check: Callable[[], Any],
    running: list[subprocess.Popen[bytes]],
    timeout: float = WAIT_SECONDS,
) -> Any:
    """Poll `check` until it gives something; fail at once if a process it needs has died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        dead = [p.args for p in running if p.poll() is not None]
        if dead:
            pytest.fail(f"waiting for {what}, these stopped: {dead} (logs in the tmp folder)")
        found = check()
        if found:
            return found
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout:g} s waiting for {what}")


def _json_lines(log: Path) -> list[dict[str, Any]]:
    records = []
    for line in log.read_text(errors="replace").splitlines():
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"{log.name}: not a JSON line: {line!r}")
    return records


def _stop_web(web: subprocess.Popen[bytes]) -> int:
    """SIGTERM to gunicorn's master (a graceful stop); its whole group killed if it hangs."""
    if web.poll() is None:
        web.send_signal(signal.SIGTERM)
    try:
        return web.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(web.pid, signal.SIGKILL)
        return web.wait()


def test_gunicorn_and_two_schedulers_on_postgresql_deliver_a_reminder_once(
    database: tuple[str, Path],
) -> None:
    url, folder = database
    http = requests.Session()
    http.trust_env = False  # never through a proxy the caller's shell may name
    with fault.Sink() as sink, fault.Processes(url, folder) as procs:
        procs.env.update(SETTINGS)
        seeded = _seed(url, sink.url)
        web_log = folder / "gunicorn.log"
        # TRACKER_SCHEDULER left unset for gunicorn: its config file turns it off.
        web_env = {k: v for k, v in procs.env.items() if k != "TRACKER_SCHEDULER"}
        with web_log.open("wb") as output:
            web = subprocess.Popen(
                [str(GUNICORN), "-c", str(ROOT / "gunicorn.conf.py")],
                cwd=folder,
                env=web_env,
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own group, so a failed run can end the workers too
            )
        try:
            schedulers = [procs.start("scheduler") for _ in range(2)]
            names = {f"{socket.gethostname()}:{process.pid}" for process in schedulers}
            running = [web, *schedulers]
            port = _wait_for(
                "gunicorn to listen",
                lambda: re.findall(r"Listening at: http://127\.0\.0\.1:(\d+)", web_log.read_text()),
                running,
            )[0]
            base = f"http://127.0.0.1:{port}"

            def both_schedulers_ticked() -> dict[str, Any] | None:
                try:
                    answer = http.get(f"{base}/healthz", timeout=5)
                except requests.ConnectionError:
                    return None  # the workers are still booting
                report = answer.json()
                listed = {p["name"] for p in report.get("scheduler", {}).get("processes", [])}
                return report if answer.status_code == 200 and names <= listed else None

            _wait_for("the health check to see both schedulers", both_schedulers_ticked, running)

            api = {"Authorization": f"Bearer {seeded['token']}"}
            created = http.post(
                f"{base}/api/v1/stores",
                headers=api,
                json={
                    "name": "Sunny Beauty US",
                    "model": "pop",
                    "market": "US",
                    "entity": "CN",
                    "categories": ["beauty"],
                    # A month ago: overdue work the schedulers remind of, as well as the video.
                    "opened_on": (date.today() - timedelta(days=30)).isoformat(),
                },
                timeout=10,
            )
            assert created.status_code == 201, created.text
            store_id = created.json()["id"]
            video = http.post(
                f"{base}/api/v1/stores/{store_id}/hot-videos",
                headers=api,
                json={"url": "https://www.tiktok.com/@sunny/video/7"},
                timeout=10,
            )
            assert video.status_code == 201, video.text

            hot_key = re.compile(rf"^hot:\d+:{seeded['user_id']}:{seeded['channel_id']}$")

            def delivered_keys() -> Counter[str]:
                return Counter(
                    key for _, key, status in sink.snapshot() if key and 200 <= status < 300
                )

            _wait_for(
                "the hot-video reminder at the sink",
                lambda: any(hot_key.match(key) for key in delivered_keys()),
                running,
            )
            engine = create_engine(url)
            try:
                assert fault.wait_until_drained(engine, time.monotonic() + WAIT_SECONDS)
                time.sleep(4 * TICK_SECONDS)  # a few more ticks of both schedulers

                # The workers serve the API; the health check sees both schedulers, recent.
                tasks = http.get(f"{base}/api/v1/stores/{store_id}/tasks", headers=api, timeout=10)
                assert tasks.status_code == 200 and len(tasks.json()) > 0
                health = http.get(f"{base}/healthz", timeout=10)
                assert health.status_code == 200
                report = health.json()
                assert report["status"] == "ok" and report["database"]["backend"] == "postgresql"
                ticks = {p["name"]: p for p in report["scheduler"]["processes"]}
                # Only the schedulers tick: the web workers run with TRACKER_SCHEDULER=off.
                assert set(ticks) == names and report["scheduler"]["in_process"] is False
                assert all(ticks[n]["seconds_ago"] < 10 * TICK_SECONDS for n in names), ticks

                # Stopped before counting, so nothing is queued or sent while we compare.
                exit_codes = [procs.terminate(process) for process in schedulers]
                assert exit_codes == [0, 0], "a scheduler did not stop cleanly on SIGTERM"
                with engine.connect() as connection:
                    sent = set(
                        connection.scalars(
                            text(
                                "select key from reminders where channel_id = :c and state = 'sent'"
                            ),
                            {"c": seeded["channel_id"]},
                        )
                    )
                    sent_anywhere = connection.scalar(
                        text("select count(*) from reminders where state = 'sent'")
                    )
            finally:
                engine.dispose()

            keys = delivered_keys()
            assert len([key for key in keys if hot_key.match(key)]) == 1
            assert {key: n for key, n in keys.items() if n != 1} == {}, "delivered more than once"
            assert set(keys) == sent, "the sink and the outbox disagree"
            assert _stop_web(web) == 0, "gunicorn did not stop cleanly on SIGTERM"
        finally:
            _stop_web(web)

    # The whole deployment logs one JSON object per line.
    web_records = _json_lines(web_log)
    booted = [r for r in web_records if r["message"].startswith("Booting worker")]
    assert len(booted) == 2 and all(r["logger"] == "gunicorn.error" for r in booted)
    requests_logged = {
        (r["method"], r["path"], r["status"])
        for r in web_records
        if r["logger"] == "tracker.request"
    }
    assert ("POST", "/api/v1/stores", 201) in requests_logged
    assert ("POST", f"/api/v1/stores/{store_id}/hot-videos", 201) in requests_logged
    assert seeded["token"] not in web_log.read_text()
    workers = {int(r["message"].rsplit(" ", 1)[-1]) for r in booted}
    assert {r["process"] for r in web_records if r["logger"] == "tracker.request"} <= workers
    scheduler_logs = [log for _, log in procs.started]
    scheduler_records = [r for log in scheduler_logs for r in _json_lines(log)]
    # Every delivery is on record in the tick line of the scheduler that made it.
    assert sum(r.get("sent", 0) for r in scheduler_records) == sent_anywhere
    assert not [r for r in web_records + scheduler_records if r["level"] in ("ERROR", "CRITICAL")]

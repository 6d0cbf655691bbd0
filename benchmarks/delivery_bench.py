"""Reminder delivery beside a local sink's raw rate: how close does the outbox get?

Run: python benchmarks/delivery_bench.py [--reminders 2000] [--sinks 8] [--people 50]
     [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test] [--senders 8]

Starts ``--sinks`` local webhook receivers (HTTP/1.1, keep-alive, answering 200 at once),
each on its own port (a host of its own, as far as the per-host limit goes). First the raw
rate: ``--reminders`` POSTs of a reminder-sized JSON body spread over the sinks by as many
threads as the dispatcher has senders, each with one keep-alive requests session — what any
client could get from these receivers on this machine; then the same with a bare urllib3
pool a thread (the layer the dispatcher sends through), printed beside it. Then the same
number of due reminders are queued in the outbox (a temporary SQLite file, or a scratch
PostgreSQL database made on that server and dropped afterwards) for ``--people`` people,
each with a webhook to one of the sinks, and ``dispatch_due`` delivers them: claims, sends,
records each outcome. Prints the rates, the delivery's ratio to the raw rate (the issue's
goal: at least 50%) and to the urllib3-only one, and the statements per reminder.
Exits 1 when a reminder was not delivered exactly once.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
import urllib3  # noqa: E402
from sqlalchemy import create_engine, event, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from tracker import create_app  # noqa: E402
from tracker.auth.models import User  # noqa: E402
from tracker.clock import utcnow  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.reminders.dispatch import dispatch_due  # noqa: E402
from tracker.reminders.models import Channel, Reminder  # noqa: E402
from tracker.reminders.services import dispatch_settings  # noqa: E402

BODY = {
    "id": "x" * 60,
    "kind": "due_soon",
    "user": "person@example.com",
    "store": {"id": 1, "name": "Sunny Beauty US"},
    "tasks": [{"id": 1, "title": "Bind the official account", "due_on": "2026-12-05"}],
    "subject": "Due in 3 days: Bind the official account",
    "text": "Bind the official account is due on 2026-12-05 (Sunny Beauty US).",
}


class Sinks:
    """Local receivers that count each Idempotency-Key they accept."""

    def __init__(self, count: int) -> None:
        self.keys: Counter[str] = Counter()
        self.lock = threading.Lock()
        sinks = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body in one write: two small writes meet the client's delayed ACK
            # (Nagle) and every answer waits 40 ms, which would measure the sink, not us.
            wbufsize = 65536

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                key = self.headers.get("Idempotency-Key", "")
                with sinks.lock:
                    sinks.keys[key] += 1
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *_: Any) -> None:
                pass

        self.servers = []
        for _ in range(count):
            server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self.servers.append(server)
        self.urls = [f"http://127.0.0.1:{s.server_address[1]}/hook" for s in self.servers]

    def close(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()


def raw_rate(urls: list[str], total: int, threads: int, *, bare: bool = False) -> float:
    """POSTs a second from ``threads`` keep-alive clients, spread over the sinks.

    ``bare``: each client is a urllib3 pool, without requests on top (the dispatcher sends
    through urllib3's pool directly, so this is the rate without requests' own work).
    """
    body = json.dumps(BODY).encode()
    local = threading.local()

    def post_bare(number: int) -> None:
        pool = getattr(local, "pool", None)
        if pool is None:
            pool = local.pool = urllib3.PoolManager(retries=False)
        answer = pool.request(
            "POST",
            urls[number % len(urls)],
            body=body,
            headers={"Content-Type": "application/json", "Idempotency-Key": f"raw-{number}"},
            timeout=10,
        )
        if answer.status != 200:
            raise RuntimeError(f"the sink answered {answer.status}")

    def post(number: int) -> None:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
            session.trust_env = False
        answer = session.post(
            urls[number % len(urls)],
            data=body,
            headers={"Content-Type": "application/json", "Idempotency-Key": f"raw-{number}"},
            timeout=10,
        )
        answer.raise_for_status()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(post_bare if bare else post, range(total)))
    return total / (time.perf_counter() - started)


def scratch_postgres(server_url: str) -> tuple[str, Any]:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"tracker_delivery_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'create database "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'drop database if exists "{name}" with (force)'))
        admin.dispose()

    return url, drop


def seed(urls: list[str], people: int, reminders: int) -> None:
    now = utcnow()
    db.session.execute(
        insert(User),
        [
            {"email": f"p{n}@example.com", "name": f"P {n}", "password_hash": "x", "role": "member"}
            for n in range(people)
        ],
    )
    users = db.session.scalars(db.select(User.id).order_by(User.id)).all()
    db.session.execute(
        insert(Channel),
        [
            {"user_id": user_id, "kind": "webhook", "target": urls[n % len(urls)], "active": True}
            for n, user_id in enumerate(users)
        ],
    )
    channels = db.session.execute(db.select(Channel.id, Channel.user_id).order_by(Channel.id)).all()
    rows = []
    for number in range(reminders):
        channel_id, user_id = channels[number % len(channels)]
        rows.append(
            {
                "key": f"bench:{number}",
                "user_id": user_id,
                "channel_id": channel_id,
                "kind": "due_soon",
                "subject": BODY["subject"],
                "text": BODY["text"],
                "payload": {"store": BODY["store"], "tasks": BODY["tasks"]},
                "state": "pending",
                "attempts": 0,
                "next_attempt_at": now - timedelta(seconds=1),
                "created_at": now,
            }
        )
    for start in range(0, len(rows), 1000):
        db.session.execute(insert(Reminder), rows[start : start + 1000])
    db.session.commit()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=2000)
    parser.add_argument("--sinks", type=int, default=8)
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--senders", type=int, default=8)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    sinks = Sinks(args.sinks)
    drop = None
    folder = tempfile.mkdtemp(prefix="tracker-delivery-")
    if args.database_url:
        url, drop = scratch_postgres(args.database_url)
    else:
        url = f"sqlite:///{os.path.join(folder, 'bench.sqlite3')}"
    try:
        raw = raw_rate(sinks.urls, args.reminders, args.senders)
        bare = raw_rate(sinks.urls, args.reminders, args.senders, bare=True)
        sinks.keys.clear()
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "benchmark-secret-key-long-enough-0123456789",
                "TRACKER_SCHEDULER": "off",
                "TRACKER_ALLOW_PRIVATE_TARGETS": True,
                "TRACKER_REMINDER_SENDERS": args.senders,
            }
        )
        with app.app_context():
            db.create_all()
            seed(sinks.urls, args.people, args.reminders)
            statements = [0]

            def count(*_: Any) -> None:
                statements[0] += 1

            event.listen(db.engine, "before_cursor_execute", count)
            started = time.perf_counter()
            report = dispatch_due(dispatch_settings(app))
            seconds = time.perf_counter() - started
            event.remove(db.engine, "before_cursor_execute", count)
            db.session.remove()
            db.engine.dispose()
        rate = report.sent / seconds
        own = Counter({key.rpartition("/")[2]: n for key, n in sinks.keys.items()})
        once = sum(1 for n in own.values() if n == 1)
        backend = make_url(url).get_backend_name()
        print(f"database: {backend}; {args.sinks} sinks; {args.senders} senders; "
              f"{args.reminders} reminders to {args.people} people")  # fmt: skip
        print(f"measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
              f"{os.cpu_count()} cores, load average "
              f"{', '.join(f'{n:.2f}' for n in os.getloadavg())}")  # fmt: skip
        print(f"raw sink rate:     {raw:8.1f} POSTs/s (keep-alive, {args.senders} threads)")
        print(f"raw, urllib3 only: {bare:8.1f} POSTs/s (keep-alive, {args.senders} threads)")
        print(f"reminder delivery: {rate:8.1f} reminders/s ({report.sent} sent in {seconds:.1f} s)")
        print(f"ratio:             {100 * rate / raw:8.1f} % of the raw rate (goal: >= 50 %)")
        print(f"                   {100 * rate / bare:8.1f} % of the urllib3-only raw rate")
        print(f"statements:        {statements[0] / max(1, report.sent):8.2f} a reminder")
        if once != args.reminders or len(own) != args.reminders:
            print(f"NOT DELIVERED EXACTLY ONCE: {once} of {args.reminders}", file=sys.stderr)
            return 1
        return 0
    finally:
        sinks.close()
        if drop is not None:
            drop()


if __name__ == "__main__":
    sys.exit(main())

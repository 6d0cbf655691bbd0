"""Kill reminder dispatchers at random moments and check that the outbox still delivers everything.

Run: python benchmarks/reminder_fault.py [--reminders 5000] [--kills 10] [--seed 7]
     [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test] [--fail-rate 0]
     [--sink-delay 0] [--no-dispatch] [--json FILE]

Creates a scratch PostgreSQL database of its own on that server (dropped afterwards), brings
it to the current schema with ``tracker db upgrade``, starts a local webhook sink that
records every request's ``Idempotency-Key``, queues N due reminders to it and runs two
``tracker scheduler`` processes, SIGKILLing one of them at random moments and starting a new
one in its place. When the outbox holds nothing left to send it stops them with SIGTERM and
prints what the sink saw: every reminder must arrive, and every duplicate (a key delivered
twice with a 2xx) must be explained by a kill between the send and its commit. Then, unless
--no-dispatch, the same number of fresh reminders goes out through two concurrent
``tracker reminders dispatch`` processes and no kills, where no duplicate is allowed.
Exits 1 when a reminder is missing or a duplicate is unexplained.

The test ``tests/reminders/test_fault.py`` loads this file for its helpers.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, delete, insert, text  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
MANAGER_EMAIL = "fault-manager@example.com"
PASSWORD = "correct horse battery"
# Quick ticks, short leases and backoff so a run takes seconds, not hours.
FAST_SETTINGS = {
    "TRACKER_TICK_SECONDS": "0.2",
    "TRACKER_REMINDER_LEASE_SECONDS": "2",
    "TRACKER_REMINDER_BACKOFF_SECONDS": "0.05",
    "TRACKER_REMINDER_BACKOFF_CAP_SECONDS": "0.5",
    "TRACKER_REMINDER_MAX_ATTEMPTS": "50",
    # The webhook sink listens on 127.0.0.1.
    "TRACKER_ALLOW_PRIVATE_TARGETS": "1",
}
UNFINISHED_STATES = ("pending", "sending", "failed")
# A request can still be in flight when its sender is killed; the sink then records it a
# moment after the kill.
KILL_SLACK_SECONDS = 0.5
STOP_TIMEOUT_SECONDS = 20.0
# A run waits for the outbox to drain, however slowly a loaded machine gets there: it gives up
# only when nothing at all moved for STALL_SECONDS (something is stuck), or past the generous
# overall bound. Speed is reported (reminders/s), never a reason to fail.
STALL_SECONDS = 180.0
OVERALL_BOUND_SECONDS = 3600.0


def tracker_executable() -> str:
    """The ``tracker`` console script beside this Python, else the one on PATH."""
    beside = Path(sys.executable).with_name("tracker")
    if beside.exists():
        return str(beside)
    found = shutil.which("tracker")
    if found is None:
        raise SystemExit("cannot find the `tracker` console script; install the project first")
    return found


# --- the database ------------------------------------------------------------------------


def postgres_problem(server_url: str) -> str | None:
    """Say why the PostgreSQL server cannot be used, or None when it answers."""
    try:
        engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text("select 1"))
        finally:
            engine.dispose()
    except Exception as error:
        return f"PostgreSQL is not reachable at {server_url}: {error}"
    return None


@contextlib.contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """Create a database of our own on the server, yield its URL, then drop it."""
    server = make_url(server_url)
    if server.get_backend_name() != "postgresql":
        raise SystemExit("--database-url: give a PostgreSQL server, e.g. postgresql+psycopg://...")
    if server.drivername == "postgresql":
        server = server.set(drivername="postgresql+psycopg")
    name = f"tracker_fault_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'create database "{name}"'))
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'drop database if exists "{name}" with (force)'))
    finally:
        admin.dispose()


def tracker_env(database_url: str, **overrides: str) -> dict[str, str]:
    """A clean environment for ``tracker`` processes: only our settings, no caller's."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("FLASK_", "TRACKER_"))
        and name not in ("DATABASE_URL", "SECRET_KEY")
    }
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY="fault-scenario-secret-key-0123456789",
        TRACKER_SCHEDULER="off",
        PYTHONUNBUFFERED="1",
        **FAST_SETTINGS,
    )
    # Never send the sink's requests through a proxy the caller's shell may name.
    no_proxy = ",".join(filter(None, [env.get("NO_PROXY", ""), "127.0.0.1", "localhost"]))
    env["NO_PROXY"] = env["no_proxy"] = no_proxy
    env.update(overrides)
    return env


def upgrade_schema(database_url: str, cwd: Path) -> None:
    """Bring the scratch database to the current schema as an operator would."""
    result = subprocess.run(
        [tracker_executable(), "db", "upgrade"],
        cwd=cwd,
        env=tracker_env(database_url),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"`tracker db upgrade` failed:\n{result.stderr}")


def seed_reminders(database_url: str, webhook_url: str, count: int, prefix: str) -> list[str]:
    """Empty the outbox, add a manager with a webhook channel, queue `count` due reminders."""
    from tracker import create_app
    from tracker.auth.models import User
    from tracker.auth.services import create_user
    from tracker.clock import utcnow
    from tracker.extensions import db
    from tracker.reminders.models import Reminder
    from tracker.reminders.services import add_channel

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "fault",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "TRACKER_SCHEDULER": "off",
            "TRACKER_ALLOW_PRIVATE_TARGETS": True,
        }
    )
    keys = [f"{prefix}:{number:05d}" for number in range(count)]
    with app.app_context():
        try:
            db.session.execute(delete(Reminder))
            user = User.by_email(MANAGER_EMAIL) or create_user(
                email=MANAGER_EMAIL, password=PASSWORD, role="manager", name="Fault Manager"
            )
            channel = add_channel(user, "webhook", webhook_url)
            db.session.commit()
            now = utcnow()
            rows = [
                {
                    "key": key,
                    "user_id": user.id,
                    "channel_id": channel.id,
                    "kind": "due_soon",
                    "subject": f"Reminder {key}",
                    "text": f"Reminder {key} is due soon.",
                    "payload": {"store": None, "tasks": []},
                    "state": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
                for key in keys
            ]
            db.session.execute(insert(Reminder), rows)
            db.session.commit()
        finally:
            db.session.remove()
            db.engine.dispose()
    return keys


def outbox_states(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(text("select state, count(*) from reminders group by state"))
        return {state: count for state, count in rows}


def outbox_attempts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return dict(connection.execute(text("select key, attempts from reminders")).all())


def unfinished(states: dict[str, int]) -> int:
    return sum(states.get(state, 0) for state in UNFINISHED_STATES)


# --- the webhook sink ---------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    sink: ClassVar[Sink]

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        if self.sink.delay:
            time.sleep(self.sink.delay)
        status = self.sink.answer(own_key(self.headers.get("Idempotency-Key")))
        body = b"ok" if status < 300 else b"try again"
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # the run prints its own report
        pass


def own_key(sent: str | None) -> str | None:
    """The reminder's own key in an Idempotency-Key (``<install id>/<key>``)."""
    return sent.partition("/")[2] or sent if sent else sent


class Sink:
    """A local webhook receiver that notes (when, Idempotency-Key, status) of every request.

    With `fail_rate` it answers 500 to that share of requests, chosen by a seeded generator.
    """

    def __init__(self, *, fail_rate: float = 0.0, seed: int = 0, delay: float = 0.0) -> None:
        self.fail_rate = fail_rate
        self.delay = delay
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self.requests: list[tuple[float, str | None, int]] = []
        handler = type("SinkHandler", (_Handler,), {"sink": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/hook"

    def answer(self, key: str | None) -> int:
        with self._lock:
            status = 500 if self._random.random() < self.fail_rate else 200
            self.requests.append((time.monotonic(), key, status))
        return status

    def __enter__(self) -> Sink:
        self._thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def snapshot(self) -> list[tuple[float, str | None, int]]:
        with self._lock:
            return list(self.requests)


# --- processes ------------------------------------------------------------------------------


class Processes:
    """``tracker`` child processes with their output in files; all stopped on exit."""

    def __init__(self, database_url: str, folder: Path) -> None:
        self.env = tracker_env(database_url)
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.started: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        log = self.folder / f"{args[-1]}-{len(self.started):02d}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [tracker_executable(), *args],
                cwd=self.folder,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        self.started.append((process, log))
        return process

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        process.send_signal(signal.SIGKILL)
        process.wait()

    def terminate(self, process: subprocess.Popen[bytes]) -> int:
        """SIGTERM, as an operator stops a scheduler; SIGKILL if it does not stop in time."""
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill(process)
            return process.wait()

    def close(self) -> None:
        for process, _ in self.started:
            if process.poll() is None:
                self.kill(process)

    def __enter__(self) -> Processes:
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()

    def tracebacks(self) -> list[str]:
        """Every traceback the processes printed, each with the log's name."""
        found = []
        for _, log in self.started:
            content = log.read_text(errors="replace")
            for chunk in content.split("Traceback (most recent call last)")[1:]:
                found.append(f"{log.name}: Traceback{chunk[:3000]}")
        return found


# --- the report ---------------------------------------------------------------------------


@dataclass
class Report:
    """What one run did and what the sink saw."""

    scenario: str
    reminders: int
    processes: int
    kills: int = 0
    fail_rate: float = 0.0
    seconds: float = 0.0
    throughput: float = 0.0  # reminders delivered per second of the whole run
    rounds: int = 0  # `tracker reminders dispatch` runs (per process slot)
    sink_requests: int = 0
    sink_2xx: int = 0
    sink_errors: int = 0  # the sink's deliberate 500s
    delivered: int = 0  # distinct keys that got a 2xx
    missing: list[str] = field(default_factory=list)
    foreign_keys: int = 0  # requests whose key was not queued by this run
    duplicate_keys: int = 0  # keys that got a 2xx more than once
    duplicate_deliveries: int = 0  # 2xx answers beyond the first for a key
    explained_duplicates: int = 0  # each matched to a kill between the two sends
    unexplained_duplicates: list[dict[str, Any]] = field(default_factory=list)
    failed_then_missing: list[str] = field(default_factory=list)  # a 500 never followed by 2xx
    states: dict[str, int] = field(default_factory=dict)
    attempts_total: int = 0
    rows_retried: int = 0  # rows with attempts ≥ 2
    attempts_mismatch: int = 0  # rows whose attempts differ from the sink's requests for them
    exit_codes: list[int] = field(default_factory=list)  # of processes not killed by us
    tracebacks: list[str] = field(default_factory=list)
    drained: bool = False

    def summary(self) -> str:
        lines = [
            f"[{self.scenario}] {self.reminders} reminders, {self.processes} processes, "
            f"{self.kills} kills, fail rate {self.fail_rate:g}",
            f"  time {self.seconds:.1f} s, {self.throughput:.0f} reminders/s"
            + (f", {self.rounds} dispatch runs" if self.rounds else ""),
            f"  sink: {self.sink_requests} requests, {self.sink_2xx} 2xx, "
            f"{self.sink_errors} deliberate 500s; {self.delivered} distinct keys delivered, "
            f"{len(self.missing)} missing",
            f"  duplicates: {self.duplicate_keys} keys, {self.duplicate_deliveries} extra "
            f"deliveries, {self.explained_duplicates} explained by a kill, "
            f"{len(self.unexplained_duplicates)} unexplained",
            f"  outbox: {dict(sorted(self.states.items()))}; attempts total "
            f"{self.attempts_total}, {self.rows_retried} rows retried",
            f"  exit codes {self.exit_codes}; {len(self.tracebacks)} tracebacks in the logs",
        ]
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def explain_duplicates(
    requests: Sequence[tuple[float, str | None, int]],
    kill_times: Sequence[float],
    slack: float = KILL_SLACK_SECONDS,
) -> tuple[int, list[dict[str, Any]]]:
    """Match every repeated 2xx delivery to a distinct kill that fell between it and the one before.

    A dispatcher killed after the webhook answered but before its commit leaves the reminder
    leased; another dispatcher sends it again once the lease runs out. So a duplicate is
    explained when some kill happened after the earlier delivery (less `slack`, for a request
    still in flight when its sender died) and before the later one; each kill explains one.
    Returns (explained, unexplained events).
    """
    delivered: dict[str, list[float]] = defaultdict(list)
    for moment, key, status in requests:
        if key is not None and 200 <= status < 300:
            delivered[key].append(moment)
    events = []
    for key, moments in delivered.items():
        moments.sort()
        for earlier, later in itertools.pairwise(moments):
            events.append((later, earlier, key))
    events.sort()  # by the later delivery: the greedy choice below is then optimal
    free = sorted(kill_times)
    explained = 0
    unexplained = []
    for later, earlier, key in events:
        match = next((k for k in free if earlier - slack <= k <= later), None)
        if match is None:
            unexplained.append({"key": key, "first": earlier, "again": later})
        else:
            free.remove(match)
            explained += 1
    return explained, unexplained


def fill_report(
    report: Report,
    keys: Sequence[str],
    sink: Sink,
    engine: Engine,
    kill_times: Sequence[float],
    processes: Processes,
) -> Report:
    """Compare what the sink saw with what was queued and what the outbox says."""
    requests = sink.snapshot()
    queued = set(keys)
    ok = Counter(key for _, key, status in requests if 200 <= status < 300)
    report.sink_requests = len(requests)
    report.sink_2xx = sum(ok.values())
    report.sink_errors = report.sink_requests - report.sink_2xx
    report.delivered = len(queued & set(ok))
    report.missing = sorted(queued - set(ok))
    report.foreign_keys = sum(1 for _, key, _ in requests if key not in queued)
    report.duplicate_keys = sum(1 for count in ok.values() if count > 1)
    report.duplicate_deliveries = sum(count - 1 for count in ok.values() if count > 1)
    report.explained_duplicates, report.unexplained_duplicates = explain_duplicates(
        requests, kill_times
    )
    last_ok: dict[str, float] = {}
    for moment, key, status in requests:
        if key is not None and 200 <= status < 300:
            last_ok[key] = max(moment, last_ok.get(key, moment))
    report.failed_then_missing = sorted(
        {
            key
            for moment, key, status in requests
            if key is not None and status >= 300 and last_ok.get(key, -1.0) < moment
        }
    )
    report.states = outbox_states(engine)
    attempts = outbox_attempts(engine)
    report.attempts_total = sum(attempts.values())
    report.rows_retried = sum(1 for count in attempts.values() if count >= 2)
    if not kill_times:
        # Without kills every request the sink answered was counted by its row.
        seen = Counter(key for _, key, _ in requests)
        report.attempts_mismatch = sum(1 for key, count in attempts.items() if seen[key] != count)
    report.tracebacks = processes.tracebacks()
    if report.seconds:
        report.throughput = report.delivered / report.seconds
    return report


# --- scenarios ----------------------------------------------------------------------------


def wait_until_drained(
    engine: Engine,
    deadline: float | None = None,
    *,
    stall: float = STALL_SECONDS,
    poll: float = 0.2,
) -> bool:
    """Wait until the outbox holds nothing left to send; give up only when it stops moving.

    `deadline` (a monotonic instant) is the generous outer bound; `stall` the seconds without
    any change in the outbox's counts after which waiting longer cannot help.
    """
    if deadline is None:
        deadline = time.monotonic() + OVERALL_BOUND_SECONDS
    last = outbox_states(engine)
    moved_at = time.monotonic()
    while unfinished(last):
        now = time.monotonic()
        if now >= deadline or now - moved_at >= stall:
            return False
        time.sleep(poll)
        states = outbox_states(engine)
        if states != last:
            last, moved_at = states, time.monotonic()
    return True


def run_kill_scenario(
    database_url: str,
    folder: Path,
    *,
    reminders: int = 5000,
    kills: int = 10,
    schedulers: int = 2,
    seed: int = 7,
    fail_rate: float = 0.0,
    gap: tuple[float, float] = (0.2, 1.5),
    timeout: float = OVERALL_BOUND_SECONDS,
    stall: float = STALL_SECONDS,
    sink_delay: float = 0.0,
) -> Report:
    """Run `schedulers` ``tracker scheduler`` processes, SIGKILL one `kills` times, restart it."""
    chooser = random.Random(seed)
    name = "scheduler-kill" if kills else "scheduler"
    report = Report(
        f"{name}-flaky" if fail_rate else name, reminders, schedulers, fail_rate=fail_rate
    )
    engine = create_engine(database_url)
    try:
        with (
            Sink(fail_rate=fail_rate, seed=seed, delay=sink_delay) as sink,
            Processes(database_url, folder) as procs,
        ):
            keys = seed_reminders(database_url, sink.url, reminders, f"kill-{seed}")
            start = time.monotonic()
            running = [procs.start("scheduler") for _ in range(schedulers)]
            kill_times: list[float] = []
            for _ in range(kills):
                time.sleep(chooser.uniform(*gap))
                slot = chooser.randrange(schedulers)
                procs.kill(running[slot])
                kill_times.append(time.monotonic())
                running[slot] = procs.start("scheduler")
            report.kills = len(kill_times)
            report.drained = wait_until_drained(engine, start + timeout, stall=stall)
            report.seconds = time.monotonic() - start
            report.exit_codes = [procs.terminate(process) for process in running]
            fill_report(report, keys, sink, engine, kill_times, procs)
    finally:
        engine.dispose()
    return report


def run_dispatch_scenario(
    database_url: str,
    folder: Path,
    *,
    reminders: int = 5000,
    dispatchers: int = 2,
    seed: int = 7,
    fail_rate: float = 0.0,
    timeout: float = OVERALL_BOUND_SECONDS,
    stall: float = STALL_SECONDS,
    sink_delay: float = 0.0,
) -> Report:
    """Start `dispatchers` ``tracker reminders dispatch`` at once, again until nothing is left."""
    report = Report(
        "dispatch-flaky" if fail_rate else "dispatch-concurrent",
        reminders,
        dispatchers,
        fail_rate=fail_rate,
    )
    engine = create_engine(database_url)
    try:
        with (
            Sink(fail_rate=fail_rate, seed=seed, delay=sink_delay) as sink,
            Processes(database_url, folder) as procs,
        ):
            keys = seed_reminders(database_url, sink.url, reminders, f"dispatch-{seed}")
            start = time.monotonic()
            deadline = start + timeout
            last = outbox_states(engine)
            moved_at = start
            # Rounds go on while the outbox moves; a round that changes nothing for `stall`
            # seconds (or the overall bound) ends the run undrained.
            while unfinished(last) and time.monotonic() < deadline:
                if time.monotonic() - moved_at >= stall:
                    break
                wave = [procs.start("reminders", "dispatch") for _ in range(dispatchers)]
                for process in wave:
                    try:
                        code = process.wait(timeout=max(1.0, deadline - time.monotonic()))
                    except subprocess.TimeoutExpired:
                        code = procs.terminate(process)
                    report.exit_codes.append(code)
                report.rounds += 1
                if any(code != 0 for code in report.exit_codes):
                    break
                states = outbox_states(engine)
                if states != last:
                    last, moved_at = states, time.monotonic()
            report.drained = unfinished(outbox_states(engine)) == 0
            report.seconds = time.monotonic() - start
            fill_report(report, keys, sink, engine, [], procs)
    finally:
        engine.dispose()
    return report


# --- the script ---------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reminders", type=int, default=5000)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--schedulers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--fail-rate", type=float, default=0.0, help="share of 500s, 0 to 1")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("TEST_DATABASE_URL", DEFAULT_SERVER),
        help="a PostgreSQL server; a scratch database is created on it and dropped",
    )
    parser.add_argument(
        "--no-dispatch", action="store_true", help="skip the concurrent-dispatch run"
    )
    parser.add_argument(
        "--sink-delay", type=float, default=0.0, help="seconds the sink takes per request"
    )
    parser.add_argument("--json", type=Path, help="also write the reports here")
    parser.add_argument(
        "--timeout",
        type=float,
        default=OVERALL_BOUND_SECONDS,
        help="overall bound in seconds; a run also ends when nothing moved for --stall",
    )
    parser.add_argument("--stall", type=float, default=STALL_SECONDS)
    args = parser.parse_args(argv)
    problem = postgres_problem(args.database_url)
    if problem:
        raise SystemExit(problem)
    reports = []
    with (
        tempfile.TemporaryDirectory(prefix="reminder_fault_") as folder,
        scratch_database(args.database_url) as url,
    ):
        upgrade_schema(url, Path(folder))
        reports.append(
            run_kill_scenario(
                url,
                Path(folder),
                reminders=args.reminders,
                kills=args.kills,
                schedulers=args.schedulers,
                seed=args.seed,
                fail_rate=args.fail_rate,
                timeout=args.timeout,
                stall=args.stall,
                sink_delay=args.sink_delay,
            )
        )
        print(reports[-1].summary(), flush=True)
        if not args.no_dispatch:
            reports.append(
                run_dispatch_scenario(
                    url,
                    Path(folder),
                    reminders=args.reminders,
                    seed=args.seed,
                    fail_rate=args.fail_rate,
                    timeout=args.timeout,
                    stall=args.stall,
                    sink_delay=args.sink_delay,
                )
            )
            print(reports[-1].summary(), flush=True)
    if args.json:
        args.json.write_text(json.dumps([r.as_dict() for r in reports], indent=2))
    bad = [
        r
        for r in reports
        if r.missing
        or r.unexplained_duplicates
        or not r.drained
        or (not r.kills and r.duplicate_deliveries)
    ]
    for report in reports:
        for traceback in report.tracebacks[:3]:
            print(traceback, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

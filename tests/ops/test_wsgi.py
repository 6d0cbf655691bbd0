"""``gunicorn wsgi:app`` loads the app, with the scheduler on (the embedded default) or off."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("scheduler", ["on", "off"])
def test_the_wsgi_module_loads_with_the_scheduler_on_or_off(tmp_path, scheduler):
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("FLASK_", "TRACKER_")) and name not in ("DATABASE_URL",)
    }
    env.update(
        TRACKER_SCHEDULER=scheduler,
        SECRET_KEY="wsgi-test-secret-key-long-enough-0123456789",
        DATABASE_URL=f"sqlite:///{tmp_path / 'wsgi.sqlite3'}",
        PYTHONPATH=str(ROOT),
    )
    # The schema first (as `tracker db upgrade` would), then import it as gunicorn does.
    code = (
        "from tracker import create_app; from tracker.extensions import db; "
        "schema_app = create_app(); ctx = schema_app.app_context(); ctx.push(); "
        "db.create_all(); db.engine.dispose(); ctx.pop(); "
        "import wsgi, threading; "
        "print(wsgi.app.name, any('APScheduler' in t.name or 'scheduler' in t.name.lower() "
        "for t in threading.enumerate()))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert done.stdout.split()[0] == "tracker"

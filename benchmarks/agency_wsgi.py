"""The app as gunicorn serves it, with the benchmark's bare endpoint: for agency_bench.py only.

Run by agency_bench.py as ``gunicorn --chdir benchmarks agency_wsgi:app`` with DATABASE_URL
and SECRET_KEY in the environment; the bare endpoint (one trivial query) is the yardstick
the real-server figures are measured against.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select
from web_bench import add_layout_floor

from tracker import create_app
from tracker.extensions import db

BARE_PATH = "/_bench/bare"

app = create_app()
app.add_url_rule(BARE_PATH, "bench_bare", view_func=lambda: str(db.session.scalar(select(1))))
add_layout_floor(app)

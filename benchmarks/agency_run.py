"""``tracker run`` as agency_bench.py's "run" part serves it: the embedded server with its
in-process scheduler, plus the benchmark's bare endpoint. For agency_bench.py only.

It does what ``tracker run`` does (start the background scheduler unless
TRACKER_SCHEDULER=off, serve with Werkzeug's threaded server) on the app from agency_wsgi.py,
which adds the bare endpoint the figures are measured against. The schema check is left
out: the benchmark built its scratch database itself.

    python benchmarks/agency_run.py PORT    (DATABASE_URL and SECRET_KEY in the environment)
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from agency_wsgi import app

from tracker.ops.logs import configure_logging
from tracker.scheduler.tick import build_scheduler

if __name__ == "__main__":
    configure_logging()
    # Each tick's duration, for agency_bench.py to read (the rest stays at the set level).
    logging.getLogger("tracker.scheduler.tick").setLevel(logging.DEBUG)
    if app.config["TRACKER_SCHEDULER"] == "on":
        build_scheduler(app, blocking=False).start()
    app.run(host="127.0.0.1", port=int(sys.argv[1]), threaded=True, use_reloader=False)

"""WSGI entry point: ``gunicorn wsgi:app`` (production settings in ``gunicorn.conf.py``)."""

from tracker import create_app
from tracker.ops.logs import configure_logging

# Under gunicorn the master has set logging up already and this does nothing.
configure_logging()
app = create_app()

# With the scheduler on (the embedded default), this process ticks too. At scale,
# run the web workers with TRACKER_SCHEDULER=off and `tracker scheduler` on its own.
if app.config["TRACKER_SCHEDULER"] == "on":
    from tracker.scheduler.tick import build_scheduler

    build_scheduler(app, blocking=False).start()

"""gunicorn settings for production: ``gunicorn -c gunicorn.conf.py`` (or plain ``gunicorn``
from this folder, which reads this file by itself).

Every value comes from the environment (docs/deployment.md): TRACKER_BIND
(127.0.0.1:8000), TRACKER_WEB_WORKERS (2 per core + 1), TRACKER_WEB_TIMEOUT (30 s),
TRACKER_LOG_FORMAT and TRACKER_LOG_LEVEL; gunicorn's own flags and GUNICORN_CMD_ARGS
still win over them. The web workers do not tick: TRACKER_SCHEDULER defaults to ``off``
here, and one or more ``tracker scheduler`` processes send the reminders.
"""

import os
import sys
from pathlib import Path

from tracker.config import ConfigError
from tracker.console import check_app
from tracker.ops.serving import gunicorn_settings

os.environ.setdefault("TRACKER_SCHEDULER", "off")
try:
    _settings = gunicorn_settings(os.environ)
    # Refuse a bad setting here, in one line, rather than in every worker as it boots.
    check_app()
except ConfigError as error:
    print(f"Error: {' '.join(str(error).split())}", file=sys.stderr)
    sys.exit(2)

wsgi_app = "wsgi:app"
chdir = str(Path(__file__).resolve().parent)
bind = _settings["bind"]
workers = _settings["workers"]
timeout = _settings["timeout"]
# Each worker builds its own app and connection pool: no database connection is shared
# across the fork.
preload_app = False
loglevel = _settings["loglevel"]
logconfig_dict = _settings["logconfig_dict"]
proc_name = "tracker-web"
# No gunicornc control socket (gunicorn 25.1+): it would sit in $HOME, and two instances on one
# machine would fight over it.
control_socket_disable = True


def on_starting(server):
    """Say, once, what production needs that the environment does not give."""
    if not os.environ.get("SECRET_KEY"):
        server.log.warning(
            "SECRET_KEY is not set: the key kept in the instance folder signs sessions; "
            "every machine behind one address needs the same SECRET_KEY"
        )
    if os.environ["TRACKER_SCHEDULER"] == "on":
        server.log.warning(
            "TRACKER_SCHEDULER=on: every web worker ticks too; run `tracker scheduler` "
            "processes and leave it off"
        )

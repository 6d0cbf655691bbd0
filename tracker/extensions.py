"""Flask extensions, created once here and bound to each app in ``create_app``."""

from __future__ import annotations

from flask_babel import Babel, gettext
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect


def N_(text: str) -> str:
    """Mark text for the message catalog; it is translated where it is shown."""
    return text


login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = N_("Please log in to see this page.")
login_manager.login_message_category = "info"
# The flashed message is stored in the session as text, so translate it as it is flashed.
login_manager.localize_callback = gettext
csrf = CSRFProtect()
migrate = Migrate()
babel = Babel()

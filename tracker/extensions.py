"""Flask extensions, the database handle included, created once here and bound in ``create_app``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import Babel, gettext
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


def N_(text: str) -> str:
    """Mark text for the message catalog; it is translated where it is shown."""
    return text


# Name constraints the same way on every database, so migrations can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
# Every model derives from this. At run time it is ``db.Model`` (Base with Flask-SQLAlchemy's
# table and bind handling); type checkers cannot follow a class attribute as a base class
# (python/mypy#8603), so to them it is the declarative base it is made from.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = N_("Please log in to see this page.")
login_manager.login_message_category = "info"
# The flashed message is stored in the session as text, so translate it as it is flashed.
login_manager.localize_callback = gettext
csrf = CSRFProtect()
migrate = Migrate()
babel = Babel()

"""Forms for logging in and managing people (CSRF-protected by Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField


class LoginForm(FlaskForm):
    email = EmailField("E-mail")
    password = PasswordField("Password")


class PersonForm(FlaskForm):
    """The first manager on first run (later colleagues join by invitation)."""

    name = StringField("Name")
    email = EmailField("E-mail")
    password = PasswordField("Password (8 characters or more)")
    role = StringField("Role", default="member")
    # Empty: the zone of the first store they join (the company's first store meanwhile).
    timezone = StringField("Time zone", default="")


class TokenForm(FlaskForm):
    name = StringField("What is the token for?")

"""The pages: one blueprint per area, registered here with what every page shares."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the pages, the error pages and what every page knows of its reader."""
    from tracker.web import (
        accounts,
        auth,
        calendar,
        checklists,
        errors,
        home,
        imports,
        language,
        links,
        lives,
        partner,
        portfolio_rows,
        readiness,
        reminders,
        rows,
        session,
        stockup,
        stores,
        tasks,
        team,
    )

    for area in (
        home,
        auth,
        team,
        stores,
        tasks,
        reminders,
        accounts,
        lives,
        stockup,
        readiness,
        checklists,
        imports,
        partner,
    ):
        app.register_blueprint(area.bp)
    app.register_blueprint(calendar.bp)
    app.register_blueprint(language.bp)
    errors.init_app(app)
    session.init_app(app)
    rows.init_app(app)
    portfolio_rows.init_app(app)
    links.init_app(app)

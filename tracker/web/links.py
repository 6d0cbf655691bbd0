"""Addresses for templates, each routed once per process: a page asks for thirty or more.

``url_for`` in a template costs a routing build each time (the layout alone asks for about
thirty, the same on every page). The address of an endpoint and its values depends, within
a request, only on the path the app is mounted under (``SCRIPT_NAME``): no rule of this app
has a host or subdomain, and nothing adds URL defaults. So the address is kept per app,
under that path, the endpoint and its values, and built again only for what is not kept:
relative endpoints (``.page``), any ``_external``/``_anchor``/``_method``/``_scheme``,
unhashable values, and once the app keeps ``LIMIT`` addresses (a page of task links asks
for thousands of different ids: those are built per request, see ``row_link``).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, url_for
from flask.globals import _cv_request

# Enough for every fixed link of every page, in every mount path, with store ids to spare.
LIMIT = 4096
_KEY = "tracker.links"


def init_app(app: Flask) -> None:
    """Let templates' ``url_for`` keep what it built (it answers the same)."""
    app.extensions[_KEY] = {}
    app.jinja_env.globals["url_for"] = page_url


def page_url(endpoint: str, **values: Any) -> str:
    """``flask.url_for(endpoint, **values)``, from the app's kept addresses when it can."""
    context = _cv_request.get(None)
    if context is None or endpoint[:1] == "." or any(name[:1] == "_" for name in values):
        return url_for(endpoint, **values)
    kept: dict[Any, str] | None = context.app.extensions.get(_KEY)
    if kept is None:
        return url_for(endpoint, **values)
    # The value's type too: True and 1 are equal keys but different addresses.
    key = (
        context.request.script_root,
        endpoint,
        *((name, type(value), value) for name, value in sorted(values.items())),
    )
    try:
        address = kept.get(key)
    except TypeError:  # a list or dict among the values: no key, build it
        return url_for(endpoint, **values)
    if address is None:
        address = url_for(endpoint, **values)
        if len(kept) < LIMIT:
            kept[key] = address
    return address

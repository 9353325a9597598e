"""The HTTP edge: a Flask app that translates requests into claimgraph calls.

``create_app(settings=None)``: defaults, then environment, then the mapping a
test passes. The configured :class:`claimgraph.api.Claimgraph` and its
executor live in ``app.extensions["claimgraph"]``; reach them through
:func:`get_claimgraph` and :func:`get_executor`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app

from ..api import Claimgraph
from ..config import load_settings


def create_app(settings: Mapping[str, Any] | None = None, *, claimgraph: Claimgraph | None = None) -> Flask:
    """Build the app. Nothing is opened at import time."""
    app = Flask(__name__)
    cg = claimgraph or Claimgraph(load_settings(settings))
    app.config["MAX_CONTENT_LENGTH"] = cg.settings.max_body
    app.extensions["claimgraph"] = {"claimgraph": cg, "executor": None}
    from . import errors, linked, pages, sparql, writes

    errors.register(app)
    app.register_blueprint(sparql.blueprint)
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(writes.blueprint)
    linked.register(app)
    return app


def get_claimgraph() -> Claimgraph:
    return current_app.extensions["claimgraph"]["claimgraph"]


def get_executor() -> Any:
    """The app's executor, created on first use (so that tests can swap it first)."""
    ext = current_app.extensions["claimgraph"]
    if ext["executor"] is None:
        from .runtime import make_executor

        ext["executor"] = make_executor(ext["claimgraph"])
    return ext["executor"]


def serve(cg: Claimgraph) -> None:
    """Serve with waitress, the production WSGI server."""
    from waitress import serve as waitress_serve

    from .runtime import make_executor

    app = create_app(claimgraph=cg)
    # Queries run in worker processes, stopped at the time limit.
    app.extensions["claimgraph"]["executor"] = make_executor(cg, processes=True)
    s = cg.settings
    print(f"claimgraph: serving {s.store} on http://{s.host}:{s.port}/sparql", flush=True)
    # Flask refuses a body over max_body first, with the JSON error shape; waitress's own
    # limit, a little higher, is the backstop for bodies that never reach the app.
    waitress_serve(
        app,
        host=s.host,
        port=s.port,
        threads=s.threads,
        max_request_body_size=s.max_body + 65536,
        ident="claimgraph",
    )

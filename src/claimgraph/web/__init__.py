"""The HTTP edge: a Flask app that translates requests into claimgraph calls.

``create_app(settings=None, *, environ=None)``: defaults, then the environment
(``environ``, else the process's), then the mapping a test passes. Tests pass
``environ={}`` (or a :class:`claimgraph.api.Claimgraph`), so that nothing in
the developer's environment reaches them. The configured claimgraph and its
executor live in ``app.extensions["claimgraph"]``; reach them through
:func:`get_claimgraph` and :func:`get_executor` (of :mod:`claimgraph.web.context`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from ..api import Claimgraph
from ..config import load_settings
from . import annotate, curation, errors, history, linked, pages, sparql, writes
from .context import get_claimgraph, get_executor

__all__ = ["create_app", "get_claimgraph", "get_executor", "serve"]


def create_app(
    settings: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    claimgraph: Claimgraph | None = None,
) -> Flask:
    """Build the app. Nothing is opened at import time.

    :param settings: overrides, as :func:`claimgraph.config.load_settings` takes them.
    :param environ: the ``CLAIMGRAPH_*`` variables to read (None: the process's).
    :param claimgraph: a configured claimgraph, instead of ``settings`` and ``environ``.
    """
    app = Flask(__name__)
    cg = claimgraph or Claimgraph(load_settings(settings, environ=environ))
    app.config["MAX_CONTENT_LENGTH"] = cg.settings.max_body
    app.extensions["claimgraph"] = {"claimgraph": cg, "executor": None}
    errors.register(app)
    app.register_blueprint(sparql.blueprint)
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(writes.blueprint)
    app.register_blueprint(curation.blueprint)
    app.register_blueprint(history.blueprint)
    app.register_blueprint(annotate.blueprint)
    linked.register(app)

    @app.route("/favicon.ico")
    def favicon() -> Any:
        """The icon every browser asks for (``static/favicon.ico``)."""
        return app.send_static_file("favicon.ico")

    return app


def serve(cg: Claimgraph) -> None:
    """Serve with waitress, the production WSGI server (its own errors in the JSON shape too)."""
    from .server import serve as serve_app

    app = create_app(claimgraph=cg)
    if cg.settings.trusted_proxy:
        app.wsgi_app = BehindProxy(app.wsgi_app, cg.settings.trusted_proxy)  # type: ignore[method-assign]
    # Queries run in worker processes, stopped at the time limit.
    app.extensions["claimgraph"]["executor"] = cg.executor(processes=True)
    s = cg.settings
    print(f"claimgraph: serving {s.store} on http://{s.host}:{s.port}/sparql", flush=True)
    # Flask refuses a body over max_body first, with the JSON error shape; waitress's own
    # limit, a little higher, is the backstop for bodies that never reach the app.
    serve_app(
        app,
        host=s.host,
        port=s.port,
        threads=s.threads,
        max_body=s.max_body,
        ident="claimgraph",
        **_proxy(s.trusted_proxy),
    )


def _proxy(address: str) -> dict[str, Any]:
    """waitress believes the scheme and host the proxy at ``address`` forwards (``BehindProxy``
    the base path); the client's address stays the proxy's."""
    if not address:
        return {}
    return {"trusted_proxy": address, "trusted_proxy_headers": "x-forwarded-proto x-forwarded-host"}


class BehindProxy:
    """The base path of the public address, from the ``X-Forwarded-Prefix`` header of the proxy at
    ``address`` only (``CLAIMGRAPH_TRUSTED_PROXY``; waitress believes its scheme and host): links
    then name the public address (``/cg/…`` where the proxy strips ``/cg`` before passing a
    request on). Anyone else's header is dropped."""

    def __init__(self, app: Any, address: str) -> None:
        from werkzeug.middleware.proxy_fix import ProxyFix

        self.app = app
        self.address = address
        self.fixed = ProxyFix(app, x_for=0, x_proto=0, x_host=0, x_prefix=1)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("REMOTE_ADDR") == self.address:
            return self.fixed(environ, start_response)
        environ.pop("HTTP_X_FORWARDED_PREFIX", None)
        return self.app(environ, start_response)

"""HTML pages for people: the query page (YASGUI) and the list of named queries.

YASGUI comes from the npm registry (``package.json``) and is served from
``static/vendor/``, never from a CDN. When it has not been installed the page
says how to install it and still offers a plain query form.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, render_template, url_for

from .context import get_claimgraph

blueprint = Blueprint("pages", __name__)

#: The YASGUI files the query page needs, under ``static/``.
VENDOR_FILES = ("vendor/yasgui.min.js", "vendor/yasgui.min.css")
#: How to put them there (the Makefile's install step runs it).
VENDOR_INSTALL = "npm ci --silent && npm run --silent vendor"


def vendor_installed() -> bool:
    static = Path(current_app.static_folder or "")
    return all((static / name).is_file() for name in VENDOR_FILES)


@blueprint.route("/")
@blueprint.route("/query")
def query_page() -> Response:
    """YASGUI pointed at ``/sparql``, with every named query as a ready tab."""
    examples = [
        {"name": q.name, "title": q.title, "description": q.description, "text": q.text}
        for q in get_claimgraph().named_queries.values()
    ]
    html = render_template(
        "query.html",
        endpoint=url_for("sparql.sparql", _external=True),
        examples=examples,
        yasgui=vendor_installed(),
        install=VENDOR_INSTALL,
    )
    return Response(html, mimetype="text/html")


def queries_page(listing: list[dict[str, Any]]) -> Response:
    return Response(render_template("queries.html", queries=listing), mimetype="text/html")

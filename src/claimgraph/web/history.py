"""The history of the store, read: ``/history`` and each entry's page.

* ``GET /history`` — the writes, newest first, a page at a time (``page=``), filtered by
  ``curator=NAME``, ``document=ID`` and ``since=`` (a sequence number: the entries after it,
  oldest first, which a replication client follows; or a UTC time). JSON by default, an Atom
  feed for ``Accept: application/atom+xml`` (or ``format=atom``), a page for a browser.
* ``GET /history/<id>`` — one entry whole (its IRI, ``<base>history/<id>``): the page, JSON,
  or its RDF by ``Accept`` like any other IRI.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, json, render_template, request

from ..api import Filters, best_match
from ..errors import NotAcceptable, NotFound, QueryError
from .context import get_claimgraph
from .resources import get_reader, resource_response

blueprint = Blueprint("history", __name__)

OFFERS = ["application/json", "text/html", "application/atom+xml"]
FORMATS = {"json": "application/json", "html": "text/html", "atom": "application/atom+xml"}


def _wanted() -> str:
    named = request.args.get("format")
    if named:
        if named not in FORMATS:
            raise NotAcceptable(f"format={named!r}: choose one of {', '.join(FORMATS)}")
        return FORMATS[named]
    found = best_match(request.headers.get("Accept"), OFFERS)
    if found is None:
        raise NotAcceptable(f"the history is offered as {', '.join(OFFERS)}")
    return found


def _filters() -> Filters:
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        raise QueryError("page= is a number") from None
    return Filters(
        curator=request.args.get("curator") or None,
        document=request.args.get("document") or None,
        since=request.args.get("since") or None,
        page=page,
    )


def _link(**changes: object) -> str:
    args = {k: v for k, v in request.args.items() if k != "page"}
    args.update({k: str(v) for k, v in changes.items()})
    return request.base_url + ("?" + urlencode(args) if args else "")


@blueprint.route("/history")
def history() -> Response:
    cg = get_claimgraph()
    filters = _filters()
    media = _wanted()
    entries, more = cg.history(get_reader().select, filters)
    following = _link(page=filters.page + 1) if more else None
    previous = _link(page=filters.page - 1) if filters.page > 1 else None
    if media == "application/atom+xml":
        body = cg.history_atom(entries, feed_url=request.url, page_url=_link(format="html"))
        response = Response(body, mimetype="application/atom+xml")
    elif media == "text/html":
        response = Response(
            render_template(
                "history.html",
                entries=entries,
                filters=filters,
                following=following,
                previous=previous,
                json_url=_link(format="json"),
                atom_url=_link(format="atom"),
            ),
            mimetype="text/html",
        )
    else:
        body = {
            "entries": [e.as_dict() for e in entries],
            "page": filters.page,
            "next": following,
            "previous": previous,
        }
        response = Response(json.dumps(body), mimetype="application/json")
    response.headers["Vary"] = "Accept"
    return response


@blueprint.route("/history/<name>")
def entry(name: str) -> Response:
    cg = get_claimgraph()
    stem, _, ext = name.partition(".")
    iri = str(cg.mint.activity(stem))
    if ext == "json" or (
        not ext
        and best_match(request.headers.get("Accept"), ["text/html", "application/json"]) == "application/json"
    ):
        found = cg.history_entry(get_reader().select, iri)
        if found is None:
            raise NotFound(f"no history entry <{iri}>")
        return Response(json.dumps(found.as_dict()), mimetype="application/json")

    def render() -> str:
        found = cg.history_entry(get_reader().select, iri)
        if found is None:
            raise NotFound(f"no history entry <{iri}>")
        return render_template("history_entry.html", entry=found)

    return resource_response(
        iri, page=request.host_url + f"history/{stem}", extension=ext or None, render=render
    )


@blueprint.route("/curator/<name>")
def curator(name: str) -> Response:
    """A curator's IRI (``<base>curator/NAME``): its writes, newest first; its RDF by ``Accept``."""
    cg = get_claimgraph()
    stem, _, ext = name.partition(".")
    iri = str(cg.mint.curator(stem))

    def render() -> str:
        if not cg.curator_known(get_reader().select, stem):
            raise NotFound(f"no curator {stem!r}")
        entries, more = cg.history(get_reader().select, Filters(curator=stem))
        return render_template("curator.html", name=stem, iri=iri, entries=entries, more=more)

    return resource_response(
        iri, page=request.host_url + f"curator/{stem}", extension=ext or None, render=render
    )

"""HTML pages for people: the query page (YASGUI), the named queries, and a page for every resource.

Server-rendered (Jinja templates in ``templates/``), no JavaScript but YASGUI's
on the query page, no CDN. YASGUI comes from the npm registry
(``package.json``) and is served from ``static/vendor/``; when it has not been
installed the query page says how to install it and still offers a plain form.

Pages: an event's (or any entity's) contested facts side by side with the
consensus and a chart of the numbers by source; a document's text with every
claimed quote highlighted and linked to its claim; a claimant's claims and whom
it relies on (and who relies on it); a claim in words, in context, with its
chain and the other claims on the same subject and property; the vocabulary;
the index of every entity, agent and document with search (:mod:`claimgraph.search`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for
from rdflib import URIRef
from werkzeug.exceptions import NotFound

from ..api import EXPORT_FORMATS as DUMPS
from .chart import chart
from .context import get_claimgraph
from .resources import alternates, cached, dump_bytes, get_reader, href, read_named_queries, select

blueprint = Blueprint("pages", __name__)

#: The YASGUI files the query page needs, under ``static/``.
VENDOR_FILES = ("vendor/yasgui.min.js", "vendor/yasgui.min.css")
#: How to put them there (the Makefile's install step runs it).
VENDOR_INSTALL = "npm ci --silent && npm run --silent vendor"
#: The named query the query page opens on.
FIRST_QUERY = "casualties-by-source"


def vendor_installed() -> bool:
    static = Path(current_app.static_folder or "")
    return all((static / name).is_file() for name in VENDOR_FILES)


@blueprint.app_template_filter("href")
def _href(iri: Any) -> str:
    return href(str(iri))


def page(template: str, **context: Any) -> str:
    here = request.host_url + request.path.lstrip("/")
    return render_template(template, alternates=alternates(here), **context)


@blueprint.route("/")
@blueprint.route("/query")
def query_page() -> Response:
    """YASGUI pointed at ``/sparql``, with every named query as a ready tab (casualties-by-source first)."""
    read_named_queries()
    queries = list(get_claimgraph().named_queries.values())
    queries.sort(key=lambda q: q.name != FIRST_QUERY)
    examples = [
        {"name": q.name, "title": q.title, "description": q.description, "text": q.text} for q in queries
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


def named_query_page(name: str, values: dict[str, str]) -> Response:
    """A named query's answer as an HTML table, with a form for its parameters and a link to the editor."""
    cg = get_claimgraph()
    query = cg.named_query(name)
    text = cg.named_query_text(name, values)
    variables, solutions = get_reader().table(text)
    rows = [[_cell(row.get(v)) for v in variables] for row in solutions]
    html = render_template(
        "named_query.html",
        query=query,
        values=values,
        variables=variables,
        rows=rows,
        text=text,
        editor=url_for("pages.query_page", query=text),
        csv=url_for("sparql.named_query", name=name, format="csv", **values),
        json_url=url_for("sparql.named_query", name=name, format="json", **values),
    )
    return Response(html, mimetype="text/html")


def _cell(term: Any) -> dict[str, str]:
    if term is None:
        return {"text": ""}
    if isinstance(term, URIRef):
        return {"text": str(term), "href": href(str(term))}
    return {"text": str(term)}


# ------------------------------------------------------------------ resource pages


def render_resource(kind: str, iri: str) -> str:
    """The HTML page of one resource; ``kind`` is the route's (entity, document, claim, resource).

    :raises NotFound: when the store says nothing about ``iri``.
    """
    view = get_reader().view(iri, as_entity=kind == "entity")
    if view is None:
        raise NotFound(f"the store says nothing about <{iri}>")
    data = dict(view.data)
    if kind in ("claim", "document"):
        # What the history says of it; a withdrawn one is shown as kept, with its banner.
        cg, select = get_claimgraph(), get_reader().select
        data["story"] = story = cg.story(select, iri)
        if story.withdrawn:
            parts = cg.withdrawn_claim(select, iri) if story.withdrawn == "claim" else {}
            return page("withdrawn.html", resource=data["resource"], story=story, parts=parts)
    if view.kind == "entity":
        ranged = data["ranged"]
        data["charts"] = [
            chart(fact, ranges=[r for f, rs in ranged if f.predicate.iri == fact.predicate.iri for r in rs])  # type: ignore[attr-defined]
            for fact in data.pop("charted")  # type: ignore[attr-defined]
        ]
    return page(f"{view.kind}.html", **data)


def render_vocabulary(name: str, graph: str) -> str:
    namespace = "https://w3id.org/claimgraph/ns#" if name == "ns" else "https://w3id.org/claimgraph/shapes#"
    terms = get_reader().vocabulary(graph, namespace.rstrip("#"))
    if not terms:
        raise NotFound(f"the store holds no {name} graph <{graph}>; load a corpus first")
    return page("vocabulary.html", name=name, namespace=namespace, terms=terms, graph=graph)


def render_graph(iri: str) -> str:
    summary = get_reader().graph_summary(iri)
    if summary is None:
        raise NotFound(f"no graph <{iri}> in the store")
    return render_template(
        "graph.html",
        iri=iri,
        **summary,
        alternates=[(n, f"{request.base_url}", m) for n, _, m in alternates(request.base_url)],
    )


def render_dumps() -> str:
    files = [(name, fmt.file, fmt.media_type) for name, fmt in DUMPS.items()]
    return render_template("dumps.html", files=files)


def render_void() -> str:

    return render_template("void.html", turtle=dump_bytes("void").decode("utf-8"))


# ------------------------------------------------------------------ the index and search


@blueprint.route("/search")
@blueprint.route("/browse")
def search_page() -> Response:
    """Every entity, agent and document, and search by name (labels and alternative labels) and by quote."""
    cg = get_claimgraph()
    text = request.args.get("q", "")[:200].strip()

    def make() -> Response:
        index = cg.ensure_search_index(select)
        names = index.search(text, field="name") if text else []
        quotes = index.search(text, field="quote") if text else []
        listing = (
            {} if text else {kind: index.names(kind) for kind in ("event", "agent", "document", "entity")}
        )
        html = render_template("search.html", q=text, names=names, quotes=quotes, listing=listing)
        return Response(html, mimetype="text/html")

    return cached("html-" + text, make)

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

import math
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for
from rdflib import URIRef
from werkzeug.exceptions import NotFound

from ..api import EXPORT_FORMATS as DUMPS
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
        data["charts"] = [chart(fact) for fact in data.pop("charted")]  # type: ignore[attr-defined]
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


# ------------------------------------------------------------------ the chart


def nice_step(span: float) -> float:
    """A round tick step for an axis that spans ``span``.

    >>> nice_step(52), nice_step(7), nice_step(0)
    (10.0, 2.0, 1.0)
    """
    if span <= 0:
        return 1.0
    raw = span / 6
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return float(factor * power)
    return float(10 * power)


def chart(fact: Any, *, width: int = 640, row_height: int = 34) -> dict[str, Any]:
    """The geometry of a dot chart of a numeric fact: one row per source (claimant), one mark per
    value that source gives (however many documents give it), a dashed rule at the low and the high.

    :param fact: a :class:`claimgraph.describe.Fact` (an entity view's ``charted`` facts).

    >>> from rdflib import Literal
    >>> from claimgraph import describe
    >>> def claim(who, n):
    ...     t = lambda x: describe.Term(URIRef("http://e/" + x), x)
    ...     return describe.ClaimView("http://e/c" + who + str(n), t("s"), t("p"), describe.Term(Literal(n)), t(who), t("d"), "q")
    >>> g = chart(describe.Fact(describe.Term(URIRef("http://e/p")), [claim("a", 52), claim("a", 52), claim("b", 50)]))
    >>> [(m["source"], m["value"], m["claims"]) for m in g["marks"]], g["low"], g["high"]
    ([('a', 52.0, 2), ('b', 50.0, 1)], 50.0, 52.0)
    """
    groups: dict[tuple[str, float], list[Any]] = {}
    sources: dict[str, Any] = {}
    by_kind: dict[str, list[float]] = {}
    for claim in fact.claims:
        value = claim.object.number
        if value is None:
            continue
        sources.setdefault(claim.claimant.iri, claim.claimant)
        groups.setdefault((claim.claimant.iri, value), []).append(claim)
        by_kind.setdefault(claim.count_kind, []).append(value)
    order = sorted(sources, key=lambda s: sources[s].text.lower())
    # Where the values count different things, each kind is drawn its own way and named.
    styles = {kind: i for i, kind in enumerate(sorted(by_kind))} if len(by_kind) > 1 else {}
    values = [v for _, v in groups] or [0.0]
    low, high = min(values), max(values)
    step = nice_step(high)
    top = step * math.ceil(high / step) if high > 0 else 1.0
    if top <= high:
        top += step
    left, right, head = 200, 30, 20
    plot = width - left - right
    height = head + row_height * len(order) + 40

    def x(value: float) -> float:
        return round(left + plot * (value / top if top else 0), 1)

    marks = []
    for (source, value), claims in sorted(
        groups.items(), key=lambda item: (order.index(item[0][0]), item[0][1])
    ):
        marks.append(
            {
                "source": sources[source].text,
                "source_iri": source,
                "value": value,
                "label": f"{value:g}",
                "claims": len(claims),
                "kinds": sorted({c.count_kind for c in claims if c.count_kind}),
                "style": min((styles[c.count_kind] for c in claims), default=0) if styles else 0,
                "claim": claims[0].iri,
                "documents": sorted({c.document.text for c in claims}),
                "x": x(value),
                "y": head + row_height * order.index(source) + row_height / 2,
            }
        )
    ticks = []
    tick = 0.0
    while tick <= top + 1e-9:
        ticks.append({"x": x(tick), "label": f"{tick:g}"})
        tick += step
    return {
        "predicate": fact.predicate,
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "axis_y": head + row_height * len(order) + 8,
        "rows": [
            {"label": sources[s].text, "iri": s, "y": head + row_height * i + row_height / 2}
            for i, s in enumerate(order)
        ],
        "marks": marks,
        "ticks": ticks,
        "low": low,
        "high": high,
        "low_x": x(low),
        "high_x": x(high),
        "sources": len(order),
        # Values of different count kinds (deaths, bodies seen) are not one contested count:
        # the caption gives the low and high of each kind apart.
        "kinds": [
            {"kind": kind or "no count kind", "low": min(vs), "high": max(vs), "style": styles[kind]}
            for kind, vs in sorted(by_kind.items())
        ]
        if len(by_kind) > 1
        else [],
    }

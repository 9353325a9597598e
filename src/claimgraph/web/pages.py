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
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID
from werkzeug.exceptions import NotFound

from ..api import EXPORT_FORMATS as DUMPS
from .chart import chart
from .context import get_claimgraph
from .resources import (
    EXTENSIONS,
    alternates,
    cached,
    dump_bytes,
    get_reader,
    href,
    read_named_queries,
    select,
)

blueprint = Blueprint("pages", __name__)
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

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
    # The page names each IRI by its label: a ``?xLabel`` beside ``?x`` would say it twice (the
    # CSV and JSON keep it).
    variables = [v for v in variables if not (v.endswith("Label") and v[: -len("Label")] in variables)]
    names = get_reader().labels({str(t) for row in solutions for t in row.values() if isinstance(t, URIRef)})
    rows = [[_cell(row.get(v), names) for v in variables] for row in solutions]
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


def _cell(term: Any, names: dict[str, str]) -> dict[str, str]:
    if term is None:
        return {"text": ""}
    if isinstance(term, URIRef):
        return {"text": names.get(str(term), str(term)), "href": href(str(term)), "title": str(term)}
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
        data["charts"] = []
        for fact in data.pop("charted"):  # type: ignore[attr-defined]
            ranges = [r for f, rs in ranged if f.predicate.iri == fact.predicate.iri for r in rs]  # type: ignore[attr-defined]
            # Drawn twice: beside the names for a wide screen, below them for a phone (CSS shows one).
            data["charts"].append(
                chart(fact, ranges=ranges) | {"narrow_chart": chart(fact, ranges=ranges, narrow=True)}
            )
    return page(f"{view.kind}.html", **data)


def render_corpus(iri: str) -> str:
    """A corpus's page: its documents, the entities it declares, the writes that touched it.

    :raises NotFound: when the store holds no corpus ``iri``.
    """
    found = get_claimgraph().corpus(get_reader().select, iri)
    if found is None:
        raise NotFound(f"the store holds no corpus <{iri}>")
    return page("corpus.html", corpus=found)


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
        # A graph's address is the Graph Store protocol's: its forms are asked for by ``?format=``.
        alternates=[
            (n, f"{request.base_url}?format={EXTENSIONS[n]}", m) for n, _, m in alternates(request.base_url)
        ],
    )


def render_dumps() -> str:
    files = [(name, fmt.file, fmt.media_type) for name, fmt in DUMPS.items()]
    return render_template("dumps.html", files=files)


def render_void() -> str:
    """The VoID and DCAT description as a page: what the dataset is, its size, where to query and
    download it, its graphs; the Turtle itself folded at the end."""
    turtle = dump_bytes("void").decode("utf-8")
    here = request.host_url + ".well-known/void"
    return page_at(here, "void.html", turtle=turtle, **void_summary(turtle))


def page_at(address: str, template: str, **context: Any) -> str:
    return render_template(template, alternates=alternates(address), **context)


def void_summary(turtle: str) -> dict[str, Any]:
    """What the VoID description says, for people: ``dataset`` (title, description, license,
    triples, endpoint, uri_space, vocabularies, conforms_to), ``classes``, ``properties``,
    ``graphs`` (IRI, triples) and ``dumps`` (title, URL, media type)."""
    graph = Graph().parse(data=turtle, format="turtle")
    # The dataset itself is the DCAT one; its subsets (the graphs) are VoID datasets only.
    found = next(graph.subjects(RDF.type, DCAT.Dataset), None)
    if found is None:
        return {"dataset": None, "classes": [], "properties": [], "graphs": [], "dumps": []}

    def one(subject: Any, predicate: URIRef) -> str:
        value = graph.value(subject, predicate)
        return "" if value is None else str(value)

    dataset = {
        "title": one(found, DCTERMS.title),
        "description": one(found, DCTERMS.description),
        "license": one(found, DCTERMS.license),
        "triples": one(found, VOID.triples),
        "endpoint": one(found, VOID.sparqlEndpoint),
        "uri_space": one(found, VOID.uriSpace),
        "vocabularies": sorted(str(v) for v in graph.objects(found, VOID.vocabulary)),
        "conforms_to": sorted(str(v) for v in graph.objects(found, DCTERMS.conformsTo)),
    }
    classes = sorted(
        (one(c, VOID["class"]), one(c, VOID.entities)) for c in graph.objects(found, VOID.classPartition)
    )
    properties = sorted(
        (one(c, VOID.property), one(c, VOID.distinctObjects))
        for c in graph.objects(found, VOID.propertyPartition)
    )
    graphs = sorted((one(g, SD.name), one(g, VOID.triples)) for g in graph.objects(found, VOID.subset))
    dumps = sorted(
        (
            one(d, DCTERMS.title),
            one(d, DCAT.downloadURL) or str(d),
            one(d, DCAT.mediaType).rsplit("media-types/", 1)[-1],
        )
        for d in graph.objects(found, DCAT.distribution)
    )
    return {
        "dataset": dataset,
        "classes": classes,
        "properties": properties,
        "graphs": graphs,
        "dumps": dumps,
    }


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

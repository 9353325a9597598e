"""Turning a query request into bytes: check, run, negotiate, cap, serialise.

This is what an executor runs for each request, in its own process or in a
worker's. The format comes from :func:`claimgraph.negotiation.choose_format`;
pyoxigraph's serialisers write every format.

Result size is capped by reading at most ``max_rows + 1`` solutions (or
triples): one more than the limit means the answer is refused with
:class:`ResultTooLarge`, never silently cut, and memory stays bounded however
large the answer would have been. pyoxigraph's serialisers write only what is
left of a lazy answer once it has been read from, so the rows read are written
back as SPARQL TSV, parsed by pyoxigraph into a fresh answer, and serialised
from that (for SELECT); triples go to :func:`pyoxigraph.serialize` directly.

>>> from claimgraph.store import OxigraphStore
>>> store = OxigraphStore(":memory:")
>>> store.update("INSERT DATA { <http://x/s> <http://x/p> 52 }")
>>> a = answer(store, QueryRequest("SELECT ?o WHERE { ?s ?p ?o }", accept="text/csv"), max_rows=10)
>>> a.media_type, a.body
('text/csv', b'o\\r\\n52\\r\\n')
>>> answer(store, QueryRequest("CONSTRUCT WHERE { ?s ?p ?o }", format="nt"), max_rows=10).body
b'<http://x/s> <http://x/p> "52"^^<http://www.w3.org/2001/XMLSchema#integer> .\\n'
>>> answer(store, QueryRequest("SELECT * WHERE { ?s ?p ?o }"), max_rows=0)
Traceback (most recent call last):
...
claimgraph.errors.ResultTooLarge: the answer has more than 0 rows; this server returns at most 0
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import islice
from typing import Any

import pyoxigraph as ox

from .errors import NotAcceptable, QueryError, ResultTooLarge, StoreError
from .negotiation import Format, choose_format
from .sparqltext import inspect_query
from .store import OxigraphStore
from .workers import QueryAnswer, QueryRequest

Chooser = Callable[[str, str, str | None], Format]

#: Format name (see :mod:`claimgraph.negotiation`) → pyoxigraph format.
RESULTS_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
RDF_FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "n3": ox.RdfFormat.N3,
}


def answer(
    store: OxigraphStore,
    request: QueryRequest,
    *,
    max_rows: int,
    allow_service: bool = False,
    choose: Chooser = choose_format,
) -> QueryAnswer:
    """Run ``request`` on ``store`` and serialise its answer in the negotiated format.

    :param max_rows: most solutions (SELECT) or triples (CONSTRUCT, DESCRIBE) returned.
    :param allow_service: let ``SERVICE`` through (see :mod:`claimgraph.sparqltext`).
    :param choose: the content negotiation; a test may pass its own.
    :raises QueryRefused: for what :func:`claimgraph.sparqltext.inspect_query` refuses.
    :raises QueryError: on a syntax error.
    :raises NotAcceptable: when no format the client accepts fits the answer, or the
        chosen one cannot write it (JSON-LD and RDF/XML cannot write RDF 1.2 triple terms).
    :raises ResultTooLarge: when the answer has more than ``max_rows`` rows or triples.
    """
    inspection = inspect_query(
        request.sparql,
        allow_service=allow_service,
        graph_exists=lambda iri: _has_graph(store, iri),
        base_iri=request.base_iri,
    )
    # A query's own FROM / FROM NAMED define its dataset (SPARQL 1.1 §13.2); pyoxigraph
    # would let the union default graph override them.
    own_dataset = bool(inspection.from_graphs or inspection.from_named_graphs)
    raw = store.query_raw(
        request.sparql,
        union_default_graph=request.union_default_graph and not own_dataset,
        default_graphs=list(request.default_graphs) if request.default_graphs is not None else None,
        named_graphs=list(request.named_graphs) if request.named_graphs is not None else None,
        base_iri=request.base_iri,
    )
    kind = kind_of(raw)
    fmt = choose(kind, request.accept, request.format)
    if kind == "ask":
        return QueryAnswer(kind, fmt.media_type, raw.serialize(format=_results_format(fmt)))
    try:
        items = list(islice(raw, max_rows + 1))
    except OSError as exc:
        raise StoreError(str(exc)) from None
    if len(items) > max_rows:
        word = "rows" if kind == "select" else "triples"
        raise ResultTooLarge(
            f"the answer has more than {max_rows} {word}; this server returns at most {max_rows}"
        )
    try:
        if kind == "select":
            body = _select_body([v.value for v in raw.variables], items, _results_format(fmt))
        else:
            body = _graph_body(items, fmt)
    except (OSError, ValueError) as exc:
        # e.g. JSON-LD and RDF/XML cannot write every graph (RDF 1.2 triple terms).
        raise NotAcceptable(f"the answer cannot be written as {fmt.media_type}: {exc}") from None
    return QueryAnswer(kind, fmt.media_type, body)


def kind_of(raw: Any) -> str:
    """``"select"``, ``"ask"`` or ``"graph"`` for a pyoxigraph answer."""
    if isinstance(raw, ox.QueryBoolean):
        return "ask"
    if isinstance(raw, ox.QuerySolutions):
        return "select"
    return "graph"


def _has_graph(store: OxigraphStore, iri: str) -> bool:
    try:
        return store.raw.contains_named_graph(ox.NamedNode(iri))
    except ValueError:  # not an IRI pyoxigraph accepts, so not a graph it holds
        return False


def _results_format(fmt: Format) -> ox.QueryResultsFormat:
    if fmt.name not in RESULTS_FORMATS:
        raise QueryError(f"format {fmt.name!r} cannot carry SPARQL results")
    return RESULTS_FORMATS[fmt.name]


def _select_body(names: list[str], rows: list[ox.QuerySolution], fmt: ox.QueryResultsFormat) -> bytes:
    lines = ["\t".join("?" + name for name in names)]
    for row in rows:
        lines.append("\t".join("" if row[i] is None else term_text(row[i]) for i in range(len(names))))
    tsv = ("\n".join(lines) + "\n").encode("utf-8")
    return ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV).serialize(format=fmt)


def _graph_body(triples: list[ox.Triple], fmt: Format) -> bytes:
    if fmt.name not in RDF_FORMATS:
        raise QueryError(f"format {fmt.name!r} cannot carry an RDF graph")
    rdf_format = RDF_FORMATS[fmt.name]
    if rdf_format.supports_datasets:
        # Dataset formats take quads: the answer is the default graph.
        return ox.serialize([ox.Quad(t.subject, t.predicate, t.object) for t in triples], format=rdf_format)
    return ox.serialize(triples, format=rdf_format)


def term_text(term: Any) -> str:
    """A pyoxigraph term in the syntax SPARQL TSV results use.

    >>> term_text(ox.Triple(ox.NamedNode("http://x/s"), ox.NamedNode("http://x/p"), ox.Literal("a\\tb")))
    '<<( <http://x/s> <http://x/p> "a\\\\tb" )>>'
    """
    if isinstance(term, ox.Triple):
        return f"<<( {term_text(term.subject)} {term_text(term.predicate)} {term_text(term.object)} )>>"
    return str(term)

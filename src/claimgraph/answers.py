"""Answering a request into bytes: inspect, decide the dataset, negotiate, run, serialise.

This is the function a pool of workers (:mod:`claimgraph.workers`) is given,
and what the CLI calls in its own process. It takes a :class:`QueryRequest`
(a SPARQL query, as the protocol sends it) or a :class:`DumpRequest` (a graph
or the whole store, as the Graph Store protocol asks) and returns a
:class:`QueryAnswer`: bytes in the negotiated format and their media type.

One inspection (:func:`claimgraph.sparqltext.inspect_query`) refuses what the
server does not run (``SERVICE`` unless allowed, ``LOAD``, deep nesting) and
decides the dataset (the protocol's graphs, else ``FROM`` / ``FROM NAMED``,
else the union default graph), checking with the store that every graph it
names exists. The format comes from :func:`claimgraph.negotiation.choose_format`
and the store's engine writes it (:meth:`claimgraph.store.Store.answer`). Result
size is capped at ``max_rows``: one more means the answer is refused with
:class:`ResultTooLarge`, never silently cut.

>>> from claimgraph.store import open_store
>>> store = open_store(":memory:")
>>> from rdflib import Literal, URIRef
>>> store.apply(add=[(URIRef("http://x/s"), URIRef("http://x/p"), Literal(52), None)])
>>> a = answer(store, QueryRequest("SELECT ?o WHERE { ?s ?p ?o }", accept="text/csv"), max_rows=10)
>>> a.media_type, a.body
('text/csv', b'o\\r\\n52\\r\\n')
>>> answer(store, QueryRequest("CONSTRUCT WHERE { ?s ?p ?o }", format="nt"), max_rows=10).body
b'<http://x/s> <http://x/p> "52"^^<http://www.w3.org/2001/XMLSchema#integer> .\\n'
>>> answer(store, QueryRequest("SELECT * WHERE { ?s ?p ?o }"), max_rows=0)
Traceback (most recent call last):
...
claimgraph.errors.ResultTooLarge: the answer has more than 0 rows; this server returns at most 0
>>> answer(store, DumpRequest(graph=None, accept="application/n-triples"), max_rows=0).body[:12]
b'<http://x/s>'
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import URIRef

from .errors import NotFound
from .namespaces import PREFIXES
from .negotiation import Negotiated, choose_format
from .sparqltext import inspect_query
from .store import Store

__all__ = ["DumpRequest", "QueryAnswer", "QueryRequest", "answer"]

#: ``DumpRequest.graph`` for the whole store (every graph, as a dataset).
EVERY_GRAPH = "*"


@dataclass(frozen=True)
class QueryRequest:
    """A SPARQL query as the protocol sends it: everything a worker needs to answer it."""

    sparql: str
    accept: str = "*/*"
    format: str | None = None  # explicit format names (?format=json), which beat Accept
    default_graphs: tuple[str, ...] = ()  # default-graph-uri
    named_graphs: tuple[str, ...] = ()  # named-graph-uri
    base_iri: str | None = None


@dataclass(frozen=True)
class DumpRequest:
    """A graph of the store serialised whole (Graph Store protocol GET).

    ``graph`` is a graph IRI, None for the store's own default graph, or
    :data:`EVERY_GRAPH` for the whole store as a dataset. IRIs under ``skolem`` stand
    for blank nodes a client uploaded and are written as blank nodes again.
    """

    graph: str | None
    accept: str = "*/*"
    format: str | None = None
    skolem: str | None = None


@dataclass(frozen=True)
class QueryAnswer:
    kind: str  # "select", "ask", "graph" or "dataset"
    media_type: str
    body: bytes


def answer(
    store: Store, request: QueryRequest | DumpRequest, *, max_rows: int, allow_service: bool = False
) -> QueryAnswer:
    """Answer ``request`` from ``store`` in the negotiated format.

    :param max_rows: most solutions (SELECT) or triples (CONSTRUCT, DESCRIBE) returned;
        a dump is not capped.
    :param allow_service: let ``SERVICE`` through (see :mod:`claimgraph.sparqltext`).
    :raises QueryRefused: for what :func:`claimgraph.sparqltext.inspect_query` refuses,
        and for a dataset that names a graph the store does not hold.
    :raises QueryError: on a syntax error.
    :raises NotAcceptable: when no format the client accepts fits the answer.
    :raises ResultTooLarge: when the answer has more than ``max_rows`` rows or triples.
    :raises NotFound: when a dump names a graph the store does not hold.
    """
    if isinstance(request, DumpRequest):
        return _dump(store, request)
    inspection = inspect_query(
        request.sparql,
        allow_service=allow_service,
        graph_exists=lambda iri: store.has_graph(URIRef(iri)),
        base_iri=request.base_iri,
        default_graphs=request.default_graphs,
        named_graphs=request.named_graphs,
    )
    chosen: list[Negotiated] = []

    def choose(kind: str) -> str:
        chosen.append(choose_format(kind, request.accept, request.format))
        return chosen[0].name

    kind, body = store.answer(
        request.sparql,
        choose=choose,
        max_rows=max_rows,
        dataset=inspection.dataset,
        base_iri=request.base_iri,
    )
    return QueryAnswer(kind, chosen[0].media_type, body)


def _dump(store: Store, request: DumpRequest) -> QueryAnswer:
    whole = request.graph == EVERY_GRAPH
    kind = "dataset" if whole else "graph"
    if not whole and request.graph is not None and not store.has_graph(URIRef(request.graph)):
        raise NotFound(f"no graph <{request.graph}> in the store")
    chosen = choose_format(kind, request.accept, request.format)
    fmt = chosen.format
    body = store.dump(
        format=fmt.name,
        graph=None if whole or request.graph is None else URIRef(request.graph),
        default_graph=request.graph is None,
        prefixes=PREFIXES if fmt.engine in ("TURTLE", "TRIG") else None,
        skolem=request.skolem,
    )
    return QueryAnswer(kind, chosen.media_type, body)

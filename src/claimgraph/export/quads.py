"""Quads read: a whole store, a dump's bytes, a query's results; and small helpers on quads."""

from __future__ import annotations

import pyoxigraph as ox

from ..namespaces import RDFS
from ..rdf.terms import to_ox
from ..store import Store
from .serializing import RDF_FORMATS


def store_quads(store: Store) -> list[ox.Quad]:
    """Every quad of the store, literals exactly as stored: the one place a dump reads a whole store."""
    dump = getattr(store, "dump", None)
    if dump is not None:
        return list(ox.parse(dump(format="nquads"), ox.RdfFormat.N_QUADS))
    return [ox.Quad(to_ox(s), to_ox(p), to_ox(o), to_ox(g)) for s, p, o, g in store.quads()]


def read_quads(body: bytes, fmt: str = "nquads") -> list[ox.Quad]:
    """Quads from bytes in one of :data:`RDF_FORMATS` (a worker's dump of the store, a dump of
    this module's), literals exactly as written."""
    return list(ox.parse(body, RDF_FORMATS[fmt]))


def quads_from_results(body: bytes) -> list[ox.Quad]:
    """Quads from the SPARQL JSON results of a ``SELECT ?s ?p ?o ?g`` (an unbound ``?g``: the default graph).

    >>> body = b'{"head":{"vars":["s","p","o","g"]},"results":{"bindings":[{"s":{"type":"uri","value":"http://e/s"},'
    >>> body += b'"p":{"type":"uri","value":"http://e/p"},"o":{"type":"literal","value":"x"}}]}}'
    >>> quads_from_results(body)
    [<Quad subject=<NamedNode value=http://e/s> predicate=<NamedNode value=http://e/p> object=<Literal value=x datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#string>> graph_name=<DefaultGraph>>]
    """
    return [
        ox.Quad(r["s"], r["p"], r["o"], r["g"] if r["g"] is not None else ox.DefaultGraph())
        for r in ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
    ]


def noted(quads: list[ox.Quad], subject: str, note: str) -> list[ox.Quad]:
    """``quads`` and ``<subject> rdfs:comment note`` (a description says so where it was cut)."""
    return [*quads, ox.Quad(ox.NamedNode(subject), ox.NamedNode(str(RDFS.comment)), ox.Literal(note))]


def subject_document(quad: ox.Quad) -> str:
    """The IRI a quad's subject belongs to: the subject without its fragment (``claim/x#quote`` → ``claim/x``)."""
    return quad.subject.value.split("#", 1)[0] if isinstance(quad.subject, ox.NamedNode) else ""

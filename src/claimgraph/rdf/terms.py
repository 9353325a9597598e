"""Terms across the store's edge: rdflib ⇄ pyoxigraph ⇄ N-Triples (and SPARQL) text.

Terms cross the store's interface as rdflib terms; pyoxigraph stays inside the store
layer. A graph name is an IRI, or one of two explicit names: :data:`DEFAULT` (the default
graph alone) and :data:`ANY` (every graph), never an overloaded ``None`` in a pattern.

>>> from rdflib import URIRef, Literal
>>> to_ox(Literal("52", datatype=URIRef("http://www.w3.org/2001/XMLSchema#integer")))
<Literal value=52 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#integer>>
>>> from_ox(to_ox(URIRef("http://e/s")))
rdflib.term.URIRef('http://e/s')
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from ..errors import StoreError

__all__ = [
    "ANY",
    "DEFAULT",
    "XSD_STRING",
    "Quad",
    "Triple",
    "absolute_iri",
    "from_ox",
    "ox_quad",
    "rdflib_quad",
    "sparql_term",
    "to_ox",
]

#: A quad's graph is None for the default graph (as rdflib's and pyoxigraph's quads say it).
Quad = tuple[Node, Node, Node, Node | None]
Triple = tuple[Node, Node, Node]
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class _GraphName:
    """A graph name that is not an IRI: the default graph alone, or every graph."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


#: Names the default graph alone (in a pattern, where :data:`ANY` means every graph).
DEFAULT = _GraphName("DEFAULT")
#: Names every graph of the store, in a pattern.
ANY = _GraphName("ANY")


def to_ox(term: Node | None) -> Any:
    """An rdflib term as a pyoxigraph term (None and :data:`DEFAULT`: the default graph)."""
    if term is None or term is DEFAULT:
        return ox.DefaultGraph()
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise StoreError(f"cannot store term {term!r}")


def from_ox(term: Any, *, exact: bool = False) -> Node | None:
    """A pyoxigraph term as an rdflib term (the default graph becomes None).

    :param exact: keep a typed literal's lexical form as it is; rdflib would
        otherwise normalise it (``"01"^^xsd:integer`` becomes ``"1"``), and the
        term would no longer name the one in the store.
    """
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == XSD_STRING:
            return Literal(term.value)  # RDF 1.1: a simple literal is an xsd:string
        return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False if exact else None)
    if isinstance(term, ox.DefaultGraph):
        return None
    raise StoreError(f"cannot read term {term!r}")


def ox_quad(q: Quad) -> ox.Quad:
    """An rdflib-term quad (or triple: the default graph) as a pyoxigraph quad."""
    return ox.Quad(to_ox(q[0]), to_ox(q[1]), to_ox(q[2]), to_ox(q[3] if len(q) > 3 else None))


def rdflib_quad(q: ox.Quad, *, exact: bool = False) -> Quad:
    """A pyoxigraph quad as rdflib terms (see :func:`from_ox`)."""
    return (
        from_ox(q.subject, exact=exact),
        from_ox(q.predicate, exact=exact),
        from_ox(q.object, exact=exact),
        from_ox(q.graph_name, exact=exact),
    )


def sparql_term(term: Node) -> str:
    """An rdflib term written as in SPARQL ``INSERT DATA`` (and N-Triples).

    >>> sparql_term(URIRef("http://e/s")), sparql_term(BNode("b1")), sparql_term(Literal("a\\nb", lang="en"))
    ('<http://e/s>', '_:b1', '"a\\\\nb"@en')
    """
    return str(to_ox(term))


def absolute_iri(text: str) -> str:
    """``text``, when it is an absolute IRI.

    :raises ValueError: when it is not, with the parser's message.

    >>> absolute_iri("http://e/g")
    'http://e/g'
    """
    return ox.NamedNode(text).value

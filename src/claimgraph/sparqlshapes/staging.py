"""A batch staged in an in-memory pyoxigraph store, its literals read back as the batch spelled them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.term import Node

from ..namespaces import RDF, XSD
from ..rdf.terms import from_ox, to_ox

Triple = tuple[Node, Node, Node]


#: Literals the engine stores in canonical form only (``"14.0"^^xsd:decimal`` comes back as
#: ``"14"``) are kept here too, so that a result names the value as the batch spelled it.
LEXICAL = "urn:claimgraph:lexical"
_KEPT_AS_WRITTEN = {XSD.string, RDF.langString, XSD.integer}
_KEPT_AS_WRITTEN_IRIS = {str(x) for x in _KEPT_AS_WRITTEN}
_XSD_DATE = str(XSD.date)
_PLAIN_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


@dataclass
class Staged:
    """A batch staged in an in-memory pyoxigraph store, and how to read its terms back."""

    store: ox.Store
    spelled: dict = field(default_factory=dict)  # engine literal → the batch's rdflib literal
    text: str = ""  # the part of the batch staged as N-Triples text (respelled when first needed)

    def term(self, term) -> Node | None:
        """A term of an answer as the batch's rdflib term."""
        if isinstance(term, ox.Literal):
            original = self.spelled.get(term)
            if original is None and self.text and _respelled(term):
                self._respell_text()
                original = self.spelled.get(term)
            if original is not None:
                return original
        return to_rdflib(term)

    def _respell_text(self) -> None:
        """Learn how the engine stores the text's literals, once, so that answers name them as written."""
        text, self.text = self.text, ""
        found = {
            q.object: None
            for q in ox.parse(text, format=ox.RdfFormat.N_TRIPLES)
            if isinstance(q.object, ox.Literal) and _respelled(q.object)
        }
        _learn_spellings(self, [_written(literal) for literal in found])


def _respelled(term: ox.Literal) -> bool:
    """Whether the engine may store ``term`` in another spelling than the one it was given."""
    datatype = term.datatype.value
    if datatype in _KEPT_AS_WRITTEN_IRIS or term.language:
        return False
    return not (datatype == _XSD_DATE and _PLAIN_DATE.match(term.value))


def _written(term: ox.Literal) -> Literal:
    """A literal of a text batch as rdflib reads it from the text (as pyshacl would see it)."""
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def _learn_spellings(staged: Staged, literals: list[Literal]) -> None:
    """Stage ``literals`` aside and read back what the engine made of each."""
    if not literals:
        return
    store = staged.store
    graph, predicate = ox.NamedNode(LEXICAL), ox.NamedNode(LEXICAL)
    start = len(staged.spelled)
    store.extend(
        ox.Quad(ox.NamedNode(f"{LEXICAL}:{start + i}"), predicate, to_ox(node), graph)
        for i, node in enumerate(literals)
    )
    for quad in store.quads_for_pattern(None, predicate, None, graph):
        index = int(quad.subject.value.rsplit(":", 1)[1]) - start
        if 0 <= index < len(literals):
            staged.spelled[quad.object] = literals[index]


def stage(*graphs: Iterable[Triple], text: str = "") -> Staged:
    """An in-memory pyoxigraph store holding ``graphs`` (and ``text``, N-Triples) in its default graph.

    :raises ValueError: when ``text`` is not N-Triples.
    """
    store = ox.Store()
    if text:
        try:
            store.load(text, format=ox.RdfFormat.N_TRIPLES)
        except SyntaxError as exc:
            raise ValueError(f"cannot stage the batch: {exc}") from None
    cache: dict[Node, ox.NamedNode | ox.BlankNode | ox.Literal] = {}
    default = ox.DefaultGraph()
    respelled: list[Literal] = []

    def term(node: Node):
        found = cache.get(node)
        if found is None:
            found = cache[node] = to_ox(node)
            if (
                isinstance(node, Literal)
                and node.datatype is not None
                and node.datatype not in _KEPT_AS_WRITTEN
                and not (node.datatype == XSD.date and _PLAIN_DATE.match(node))
            ):
                respelled.append(node)
        return found

    quads = []
    for graph in graphs:
        for s, p, o in graph:
            quads.append(ox.Quad(term(s), term(p), term(o), default))
    store.extend(quads)
    staged = Staged(store, text=text)
    _learn_spellings(staged, respelled)
    return staged


def to_rdflib(term) -> Node | None:
    """A pyoxigraph term of an answer as an rdflib term (unbound: None)."""
    return None if term is None else from_ox(term)

"""The IRI scheme: the only place it is spelled.

Everything claimgraph stores is named under one base IRI by the :class:`Minter`; the store's
own metadata graph has one fixed name, :data:`METADATA_GRAPH`.

>>> m = Minter("http://example.org/")
>>> str(m.entity("camp-ashraf")), str(m.document_graph("article-000"))
('http://example.org/entity/camp-ashraf', 'http://example.org/graph/document/article-000')
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from rdflib import URIRef
from rdflib.term import Node

from .model import Claim

__all__ = ["METADATA_GRAPH", "STORE_NODE", "Minter"]

#: The graph that records what the store is (its base IRI, its format), and the node it describes.
METADATA_GRAPH = URIRef("urn:claimgraph:store")
STORE_NODE = URIRef("urn:claimgraph:store")


@dataclass(frozen=True)
class Minter:
    """Mints the IRIs of everything claimgraph stores, under one base IRI."""

    base: str

    def entity(self, ident: str) -> URIRef:
        return URIRef(f"{self.base}entity/{ident}")

    def document(self, ident: str) -> URIRef:
        return URIRef(f"{self.base}document/{ident}")

    def claim(self, claim: Claim) -> URIRef:
        return URIRef(f"{self.base}claim/{claim.digest()}")

    def consensus(self, s: Node, p: Node, o: Node, kind: Node | None = None) -> URIRef:
        """The statement that the claims of one key (subject, predicate, count kind) agree on ``o``.

        The count kind enters the digest only when there is one, so that statements
        without a kind keep the IRIs they always had.
        """
        terms = (s, p, o) if kind is None else (s, p, o, kind)
        key = "\n".join(t.n3() for t in terms)
        return URIRef(f"{self.base}consensus/{hashlib.sha256(key.encode()).hexdigest()[:16]}")

    def contested(self, s: Node, p: Node, o: Node, kind: Node | None = None) -> URIRef:
        """The record of one value ``o`` of a key (subject, predicate, count kind) on which
        claims give several values."""
        terms = (s, p, o) if kind is None else (s, p, o, kind)
        key = "contested\n" + "\n".join(t.n3() for t in terms)
        return URIRef(f"{self.base}consensus/{hashlib.sha256(key.encode()).hexdigest()[:16]}")

    def source_group(self, record: Node, agent: Node) -> URIRef:
        """One independent source group of a derived statement's claims, named by the
        statement and the least of its agents (in N-Triples order)."""
        key = f"group\n{record.n3()}\n{agent.n3()}"
        return URIRef(f"{self.base}consensus/{hashlib.sha256(key.encode()).hexdigest()[:16]}")

    def activity(self, name: str) -> URIRef:
        """One committed write in the store's history (``<base>history/<name>``)."""
        return URIRef(f"{self.base}history/{name}")

    @property
    def history(self) -> str:
        """The history as a whole (its feed's id); each write is under it (:meth:`activity`)."""
        return f"{self.base}history"

    def curator(self, name: str) -> URIRef:
        return URIRef(f"{self.base}curator/{name}")

    def corpus(self, name: str) -> URIRef:
        return URIRef(f"{self.base}corpus/{name}")

    def skolem(self, label: str) -> URIRef:
        """The IRI that stands for a blank node in the store (RDF 1.1 skolem IRIs)."""
        return URIRef(f"{self.genid}{label}")

    @property
    def registry_graph(self) -> URIRef:
        """The one graph that describes the entities and agents of every corpus."""
        return URIRef(f"{self.base}graph/registry")

    @property
    def shapes_graph(self) -> URIRef:
        return URIRef(f"{self.base}graph/shapes")

    def document_graph(self, ident: str) -> URIRef:
        return URIRef(f"{self.base}graph/document/{ident}")

    def corpus_graph(self, name: str) -> URIRef:
        return URIRef(f"{self.base}graph/corpus/{name}")

    @property
    def consensus_graph(self) -> URIRef:
        return URIRef(f"{self.base}graph/consensus")

    @property
    def ontology_graph(self) -> URIRef:
        return URIRef(f"{self.base}graph/ontology")

    @property
    def history_graph(self) -> URIRef:
        """The graph of the store's history (one ``prov:Activity`` per committed write)."""
        return URIRef(f"{self.base}graph/history")

    @property
    def withdrawn_graph(self) -> URIRef:
        """The graph that keeps withdrawn claims (``cg:WithdrawnClaim``)."""
        return URIRef(f"{self.base}graph/withdrawn")

    @property
    def curators_graph(self) -> URIRef:
        """The graph of the curators' labels, written only by the write path."""
        return URIRef(f"{self.base}graph/curators")

    def graph_path(self, graph: str) -> str | None:
        """The path after ``graph/`` of a graph under the base (None for any other name).

        >>> Minter("http://e/").graph_path("http://e/graph/document/d1"), Minter("http://e/").graph_path("urn:x")
        ('document/d1', None)
        """
        prefix = self.under("graph")
        return graph[len(prefix) :] if graph.startswith(prefix) else None

    def document_of(self, graph: str) -> URIRef | None:
        """The document a document graph is the graph of (None for any other graph).

        >>> str(Minter("http://e/").document_of("http://e/graph/document/d1"))
        'http://e/document/d1'
        """
        prefix = self.under("graph/document")
        return self.document(graph[len(prefix) :]) if graph.startswith(prefix) else None

    def corpus_of(self, graph: str) -> URIRef | None:
        """The corpus a corpus graph is the graph of (None for any other graph)."""
        prefix = self.under("graph/corpus")
        return self.corpus(graph[len(prefix) :]) if graph.startswith(prefix) else None

    def graph(self, path: str) -> URIRef:
        """A named graph under the base, by its path after ``graph/`` (the Graph Store's
        ``/graph/<path>`` URLs)."""
        return URIRef(f"{self.base}graph/{path}")

    def upload_graph(self) -> URIRef:
        """A fresh graph for a Graph Store ``POST`` to the store itself."""
        return self.graph(f"upload/{uuid.uuid4().hex}")

    def nanopub(self, claim: str) -> str:
        """The nanopublication of a claim IRI: ``<base>nanopub/<digest>`` (its graphs are fragments of it)."""
        return f"{self.base}nanopub/{claim.rsplit('/', 1)[-1]}"

    @property
    def genid(self) -> str:
        """The prefix of the skolem IRIs (:meth:`skolem`)."""
        return f"{self.base}.well-known/genid/"

    def under(self, kind: str) -> str:
        """The prefix of the IRIs of one kind (``entity``, ``document``, ``graph/corpus``…)."""
        return f"{self.base}{kind}/"

    def expand(self, text: str) -> str:
        """An IRI given relative to the base: a short id names an entity, a path anything under the base.

        >>> Minter("http://e/").expand("flood"), Minter("http://e/").expand("claim/abc")
        ('http://e/entity/flood', 'http://e/claim/abc')
        """
        return f"{self.base}{text}" if "/" in text else str(self.entity(text))

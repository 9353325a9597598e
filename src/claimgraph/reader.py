"""Reading the store for the linked-data edge and the pages, through the query workers.

A :class:`Reader` is given the function that answers a request (the app's
executor, which runs it in a worker stopped at the time limit, as ``/sparql``'s
queries are) and turns the bytes that come back into what the edge shows: a
SELECT's rows as rdflib terms, an IRI's bounded description, a graph's content,
a claim's nanopublication, a page's data (:mod:`claimgraph.describe`), and the
whole-store dumps (:mod:`claimgraph.export`), built once per commit. The edge
renders and negotiates; the engine stays here and below.

>>> from claimgraph.answers import answer
>>> from claimgraph.mapping import Minter
>>> from claimgraph.store import open_store
>>> store = open_store(":memory:")
>>> from rdflib import Literal, URIRef
>>> label = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
>>> store.apply(add=[(URIRef("http://e/entity/x"), label, Literal("X"), URIRef("http://e/g"))])
>>> reader = Reader(lambda request: answer(store, request, max_rows=100), mint=Minter("http://e/"), cap=10)
>>> reader.select("SELECT ?l WHERE { ?s ?p ?l }")[0]["l"].toPython()
'X'
>>> reader.rdf(reader.description("http://e/entity/x"), "ntriples", page="http://e/entity/x")
b'<http://e/entity/x> <http://www.w3.org/2000/01/rdf-schema#label> "X" .\\n'
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib.term import Node

from . import describe
from .answers import EVERY_GRAPH, DumpRequest, QueryAnswer, QueryRequest
from .errors import QueryRefused
from .export import (
    dump,
    in_default_graph,
    load_context,
    nanopublications,
    noted,
    quads_from_results,
    read_quads,
    serialize,
    subject_document,
)
from .mapping import Minter
from .rdf.results import parse_results

#: Answers one request (the app's executor, with its time limit).
Run = Callable[[QueryRequest | DumpRequest], QueryAnswer]


@dataclass(frozen=True)
class Description:
    """Quads that describe something (opaque to the edge: it asks the reader to write them)
    and whether they were cut at the reader's cap."""

    quads: list[Any]
    truncated: bool = False

    def __bool__(self) -> bool:
        return bool(self.quads)


@dataclass
class DumpCache:
    """The whole-store dumps of one commit, kept until the next one (shared by every request)."""

    commit: str = ""
    files: dict[tuple[str, str], bytes] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Reader:
    """What the linked-data edge and the pages read, through ``run``.

    :param cap: the most quads a description holds (one more is asked for, to know it was cut).
    :param context_path: the JSON-LD context the RDF forms are compacted with.
    :param commit: the store's last commit (:attr:`claimgraph.store.CommitMarker.tag`), which the
        dumps in ``dumps`` are kept for.
    """

    def __init__(
        self,
        run: Run,
        *,
        mint: Minter,
        cap: int = describe.DESCRIPTION_CAP,
        context_path: Path | None = None,
        license: str = "",
        commit: str = "",
        dumps: DumpCache | None = None,
    ) -> None:
        self.run = run
        self.mint = mint
        self.cap = cap
        self.context_path = context_path
        self.license = license
        self.commit = commit
        self.dumps = dumps if dumps is not None else DumpCache()

    # ------------------------------------------------------------ rows

    def select(self, sparql: str) -> list[dict[str, Node]]:
        """A SELECT's rows as rdflib terms (unbound variables left out); :data:`describe.Select`."""
        return self.table(sparql)[1]

    def table(self, sparql: str) -> tuple[list[str], list[dict[str, Node]]]:
        """A SELECT's variable names and its rows."""
        result = parse_results(self.run(QueryRequest(sparql=sparql, format="json")).body)
        return result.variables, result.rows

    # ------------------------------------------------------------ RDF descriptions

    def description(self, iri: str) -> Description:
        """An IRI's description (see :mod:`claimgraph.describe`), at most :attr:`cap` quads."""
        return self._capped(describe.description_query(iri, cap=self.cap))

    def graph(self, graph: str) -> Description:
        """A named graph's content, at most :attr:`cap` quads (``/ns`` and ``/shapes``)."""
        return self._capped(describe.graph_query(graph, cap=self.cap))

    def _capped(self, sparql: str) -> Description:
        body = self.run(QueryRequest(sparql=sparql, format="json")).body
        quads = quads_from_results(body)
        return Description(quads[: self.cap], len(quads) > self.cap)

    def nanopublication(self, claim: str) -> Description:
        """A claim's nanopublication (its four graphs), from the claim's description."""
        found = self.description(claim)
        mine = [q for q in found.quads if subject_document(q) == claim]
        return Description(nanopublications(mine, self.mint, license=self.license), found.truncated)

    def void(self, *, root: str) -> Description:
        """The VoID and DCAT description of the dataset as published under ``root``."""
        return Description(read_quads(self.dump("void", root=root), "turtle"))

    def rdf(self, description: Description, fmt: str, *, page: str) -> bytes:
        """A description written in an RDF format (:data:`claimgraph.export.RDF_FORMATS` or ``jsonld``);
        a cut one says so in an ``rdfs:comment`` of ``page``."""
        quads = description.quads
        if description.truncated:
            note = (
                f"This description is cut at {len(quads)} quads; the store holds more. "
                "Ask the SPARQL endpoint (/sparql) for the rest."
            )
            quads = noted(quads, page, note)
        if fmt == "jsonld":
            quads = in_default_graph(quads)  # the graphs stay in TriG and N-Quads
        return serialize(quads, fmt, context=load_context(self.context_path))

    # ------------------------------------------------------------ pages

    def view(self, iri: str, *, as_entity: bool = False) -> describe.View | None:
        """The data of an IRI's page (:func:`claimgraph.describe.resource_view`)."""
        return describe.resource_view(self.select, iri, self.mint, as_entity=as_entity)

    def labels(self, iris: set[str]) -> dict[str, str]:
        """What a page calls each IRI (:func:`claimgraph.describe.labels_of`)."""
        return describe.labels_of(self.select, iris)

    def vocabulary(self, graph: str, namespace: str) -> list[describe.Resource]:
        """The terms of ``namespace`` that ``graph`` defines."""
        return describe.vocabulary_terms(self.select, graph, namespace)

    def graph_summary(self, graph: str) -> dict[str, object] | None:
        """How much a named graph holds (None: no such graph).

        Whether the graph exists is the store's to say (a query's dataset names only graphs
        the store holds): a server's ``GRAPH ?g {}`` is no guide (Virtuoso matches any IRI,
        Oxigraph server a graph emptied by another application).
        """
        try:
            self.run(QueryRequest(sparql="ASK {}", format="json", named_graphs=(graph,)))
        except QueryRefused:
            return None
        return describe.graph_summary(self.select, graph, self.mint)

    # ------------------------------------------------------------ dumps

    def dump(self, name: str, *, root: str) -> bytes:
        """The whole store as the dump ``name`` (:data:`claimgraph.export.FORMATS`), built once per commit.

        :param root: where the server publishes (the VoID description names its URLs).
        """
        key = (name, root)
        with self.dumps.lock:
            if self.dumps.commit != self.commit:
                self.dumps.files.clear()
                self.dumps.commit = self.commit
            if key not in self.dumps.files:
                self.dumps.files[key] = self._build(name, root=root)
            return self.dumps.files[key]

    def _build(self, name: str, *, root: str) -> bytes:
        return dump(
            read_quads(self.run(DumpRequest(graph=EVERY_GRAPH, format="nquads")).body),
            name,
            context=load_context(self.context_path),
            mint=self.mint,
            root=root,
            license=self.license,
        )

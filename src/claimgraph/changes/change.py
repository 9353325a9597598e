"""What a write is: a :class:`Change`, the :class:`Policy` it is checked under, the
:class:`Plan` it becomes and the :class:`WriteReport` of what it did."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from rdflib import URIRef
from rdflib.term import Node

from ..consensus import ClaimRow
from ..errors import Problem
from ..iris import METADATA_GRAPH, Minter
from ..mapping import Triple
from ..namespaces import CG, PROV, RDF
from ..rdf.terms import Quad
from ..validation import (
    Vocabulary,
)

#: Triples validated in one pyshacl run: enough to amortise its start-up, few enough
#: that memory stays bounded however large the change (a claim is never split).
CHUNK_TRIPLES = 50_000


def chunk_triples() -> int:
    """:data:`CHUNK_TRIPLES`, read at each use (a test lowers it)."""
    return CHUNK_TRIPLES


Locate = Callable[[str], tuple[str | None, int | None, str | None]]
#: progress(stage, done, total): how far a long write is.
Progress = Callable[[str, int, int], None]


def silent(stage: str, done: int, total: int) -> None:
    return None


#: A triple written as N-Triples terms (``<iri>``, ``"text"``, ``"52"^^<…#integer>``).
TextTriple = tuple[str, str, str]


@dataclass
class FreshGraph:
    """A graph new to the store, written whole (a corpus load's document): its triples as
    N-Triples text, the claims it holds, and where each of them came from.

    Its claims are new nodes: their IRIs digest their document, whose graph is new, and
    a document's claims live only in its graph. Every other subject of the graph (the
    document) is looked up in the store, and what the store says of it is validated with it.
    """

    name: URIRef
    triples: list[TextTriple]
    claims: list[ClaimRow]
    places: dict[str, tuple[str | None, int | None, str | None]] = field(default_factory=dict)


@dataclass
class Stream:
    """New graphs written whole, made one at a time while the change is checked, so that a
    large load is never held at once (a few thousand triples are validated at a time, and
    spooled for the commit).

    ``total`` is how many graphs are expected (for progress). ``complete`` is called once
    the graphs are read and checked; it returns what the change holds beside them that
    depends on them (a corpus's record of its documents, documents that replace stored
    ones), which :func:`completed` joins to the change as a new change: the change the new
    graphs' validation read (the registry) is never altered.
    """

    graphs: Iterable[FreshGraph]
    total: int = 0
    complete: Callable[[], Change] | None = None
    #: How many claims the producer read (new graphs' and others'), once the graphs are read.
    claims_read: int = 0


@dataclass
class Change:
    """One write: what it replaces, adds, removes, creates and drops.

    ``vocabulary`` graphs are replaced like ``replace`` but are not validated and may
    be written only by the loader (from ``ontology/``). ``problems`` are problems found
    before the change was built (a sheet's), reported with the change's own. ``fresh``
    streams graphs new to the store (see :class:`Stream`).
    """

    replace: dict[URIRef | None, list[Triple]] = field(default_factory=dict)
    add: list[Quad] = field(default_factory=list)
    remove: list[Quad] = field(default_factory=list)
    create: set[URIRef] = field(default_factory=set)
    drop: set[URIRef] = field(default_factory=set)
    vocabulary: dict[URIRef, list[Triple]] = field(default_factory=dict)
    locate: Locate | None = None
    problems: list[Problem] = field(default_factory=list)
    fresh: Stream | None = None
    #: What the write path records beside the change, in the same transaction (the history,
    #: the curators, the withdrawn claims: :mod:`claimgraph.history`): given the checked plan,
    #: the quads to remove and to add, which no client rule applies to.
    record: Record | None = None


#: record(plan) -> (quads to remove, quads to add), written with the plan (see :attr:`Change.record`).
Record = Callable[["Plan"], tuple[Iterable[Quad], Iterable[Quad]]]


@dataclass(frozen=True)
class Policy:
    """What the write path needs to know of the configuration."""

    mint: Minter
    vocabulary: Vocabulary
    #: IRI prefixes of the named graphs that may hold any RDF but a domain assertion.
    open_graphs: tuple[str, ...] = ()
    #: Whether the default graph is open too.
    open_default: bool = False
    #: Graphs only the write path writes, for its own records (the history, the curators, the
    #: withdrawn claims): refused to clients, kept by a client's DROP ALL, and left out of
    #: what a change reads of the nodes it touches.
    kept: frozenset[URIRef] = frozenset()

    def is_open(self, graph: Node | None) -> bool:
        if graph is None:
            return self.open_default
        return any(str(graph).startswith(prefix) for prefix in self.open_graphs)

    @property
    def protected(self) -> set[URIRef]:
        return {self.mint.ontology_graph, self.mint.shapes_graph, METADATA_GRAPH, *self.kept}


@dataclass
class Plan:
    """The exact quads a change removes and adds (its consensus delta included)."""

    remove: set[Quad] = field(default_factory=set)
    add: set[Quad] = field(default_factory=set)
    create: set[URIRef] = field(default_factory=set)
    drop: set[URIRef] = field(default_factory=set)
    claims: set[Node] = field(default_factory=set)
    removed_claims: set[Node] = field(default_factory=set)
    #: The new graphs written whole (their text is in the spool), and their quads.
    fresh_graphs: list[URIRef] = field(default_factory=list)
    fresh_quads: int = 0
    #: The change as planned: the one given, completed by its stream (:func:`completed`).
    change: Change | None = None

    @property
    def empty(self) -> bool:
        return not (self.remove or self.add or self.create or self.drop or self.fresh_quads)


@dataclass
class WriteReport:
    """What a write changed."""

    added: int = 0
    removed: int = 0
    claims: list[str] = field(default_factory=list)
    removed_claims: list[str] = field(default_factory=list)
    graphs: int = 0
    created: bool = False
    #: The graphs the write touched (for the after-write hook: caches, the search index).
    graph_names: set[URIRef | None] = field(default_factory=set)
    #: Work after the commit that failed (the write is committed all the same).
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        found = {
            "added": self.added,
            "removed": self.removed,
            "claims": self.claims,
            "removed_claims": self.removed_claims,
        }
        return {**found, "warnings": self.warnings} if self.warnings else found

    def __str__(self) -> str:
        return (
            f"{len(self.claims)} claims in {self.graphs} graphs: {self.added} quads added, "
            f"{self.removed} removed"
        )


def completed(change: Change, rest: Change) -> Change:
    """``change`` with ``rest`` (what its stream's ``complete`` returned) joined to it: a new change."""
    return dataclasses.replace(
        change,
        replace={**change.replace, **rest.replace},
        add=[*change.add, *rest.add],
        remove=[*change.remove, *rest.remove],
        create=change.create | rest.create,
        drop=change.drop | rest.drop,
        problems=[*change.problems, *rest.problems],
        locate=rest.locate or change.locate,
    )


def quad_key(q: Quad) -> tuple[str, ...]:
    return tuple(str(t) for t in q)


def node_base(term: Node) -> Node:
    if isinstance(term, URIRef) and "#" in term:
        return URIRef(term.split("#", 1)[0])
    return term


def claim_row(node: Node, quads: Iterable[Quad]) -> ClaimRow | None:
    values: dict[Node, list[Node]] = defaultdict(list)
    for _, p, o, _g in quads:
        values[p].append(o)
    if CG.Claim not in values.get(RDF.type, ()):
        return None
    parts = [values.get(p, []) for p in (RDF.subject, RDF.predicate, RDF.object)]
    if any(len(v) != 1 for v in parts):
        return None
    kinds = values.get(CG.countKind, [])
    claimants = values.get(PROV.wasAttributedTo, [])
    documents = values.get(PROV.wasDerivedFrom, [])
    agents = (
        frozenset(claimants) | frozenset(values.get(CG.reportedBy, ())) | frozenset(values.get(CG.basis, ()))
    )
    return (
        node,
        parts[0][0],
        parts[1][0],
        parts[2][0],
        kinds[0] if len(kinds) == 1 else None,
        claimants[0] if len(claimants) == 1 else None,
        documents[0] if len(documents) == 1 else None,
        agents,
    )

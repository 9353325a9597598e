"""The one write path: every write is a :class:`Change`, checked and committed here.

A change is graphs replaced (name → triples), quads added, quads removed, graphs
created and graphs dropped. :func:`plan` turns it into the exact quads to remove
and add, reading only the graphs it replaces or drops and the nodes it touches
(so a write costs what it changes), then

1. refuses what may not be in the store (``ontology/shapes.ttl``): a domain
   assertion outside a claim, a write to the consensus, vocabulary or metadata
   graphs, an untyped node outside the open graphs;
2. validates the touched claims and nodes, as the change leaves them, with the
   context they need (the documents and agents they point at), a few thousand
   triples at a time, every problem of every chunk reported together;
3. asks :mod:`claimgraph.consensus` for the consensus delta of the keys it touches.

:func:`commit` then writes the change and its consensus delta with ONE
``store.apply`` (one transaction); :func:`plan` alone is ``validate``. No other
module calls the store's write methods (``tests/test_layers.py`` checks it).

Blank nodes never enter the store: they are replaced by skolem IRIs
(``<base>.well-known/genid/…``) on the way in, so a diff can always be applied by
value.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from .consensus import ClaimRow, consensus_delta, validate_consensus
from .errors import Problem, QueryError, SheetError, StoreError, ValidationFailed
from .iris import METADATA_GRAPH, STORE_NODE, Minter
from .mapping import Triple
from .namespaces import CG, DCT, OA, OWL, PROV, RDF, RDFS, SCHEMA, SKOS
from .rdf.terms import DEFAULT, Quad, sparql_term
from .sparqltext import inspect_update, update_targets
from .store import Spool, Store
from .validation import (
    CONTEXT_PROPERTIES,
    REFERENCE_PROPERTIES,
    TextBatch,
    Vocabulary,
    validate_batch,
    validate_batches,
)

SHAPES = "https://w3id.org/claimgraph/shapes#"
#: The graph that records the store's base IRI and format (named outside any base, so it survives a rebase).
STORE_FORMAT = 1

#: Classes whose nodes the closed node shapes describe (anything else typed is an entity or agent).
STRUCTURAL = {
    CG.Claim,
    CG.SourceDocument,
    CG.AttributionStep,
    CG.ConsensusStatement,
    CG.ContestedValue,
    CG.Corpus,
    OA.SpecificResource,
    OA.TextQuoteSelector,
    OA.TextPositionSelector,
}

#: What describes an entity or agent (and is never a domain assertion, whatever claims use it for).
CURATION = {
    RDF.type,
    RDFS.label,
    SKOS.prefLabel,
    SKOS.altLabel,
    OWL.sameAs,
    SCHEMA.sameAs,
    RDFS.comment,
    DCT.description,
    CG.partyTo,  # a curator's declaration that an agent is party to an event
}
#: What a source document's record says of it (from its text), beside its file name, digest and text.
DOCUMENT_RECORD = {DCT.title, DCT.publisher, DCT.date, DCT.language, DCT.creator, SCHEMA.locationCreated}

#: Triples validated in one pyshacl run: enough to amortise its start-up, few enough
#: that memory stays bounded however large the change (a claim is never split).
CHUNK_TRIPLES = 50_000

Locate = Callable[[str], tuple[str | None, int | None, str | None]]
#: progress(stage, done, total): how far a long write is.
Progress = Callable[[str, int, int], None]


def _silent(stage: str, done: int, total: int) -> None:
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
    the graphs are read, to add to the change what depends on them (a corpus's record of
    its documents, documents that replace stored ones); it may not change what the new
    graphs' validation read from the change (the registry).
    """

    graphs: Iterable[FreshGraph]
    total: int = 0
    complete: Callable[[Change], None] | None = None
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


# ---------------------------------------------------------------- committing


def commit(store: Store, change: Change, policy: Policy, *, progress: Progress = _silent) -> WriteReport:
    """Check ``change`` and write it with its consensus delta in one transaction.

    :raises ValidationFailed: listing every problem; nothing is written then.
    :raises StoreError: when the store cannot be written; nothing is written then.
    """
    spool = store.spool() if change.fresh is not None else None
    try:
        planned = plan(store, change, policy, progress=progress, spool=spool)
        report = _report(planned, change)  # what the change did; the record is the write path's own
        if change.record is not None:
            gone, kept = change.record(planned)
            planned.remove |= set(gone)
            planned.add |= set(kept)
        total = len(planned.add) + len(planned.remove) + planned.fresh_quads
        progress("committing", 0, total)
        if not planned.empty:
            store.apply(
                remove=sorted(planned.remove, key=_quad_key),
                add=sorted(planned.add, key=_quad_key),
                create=sorted(planned.create),
                drop=sorted(planned.drop),
                spool=spool,
            )
        progress("committing", total, total)
    finally:
        if spool is not None:
            spool.close()
    return report


def advance_marker(store: Store) -> None:
    """An empty commit: the store's commit marker advances (a store that keeps it in a file of
    its own writes that file again, after a write whose marker could not be recorded)."""
    store.apply()


def _report(planned: Plan, change: Change) -> WriteReport:
    graphs = set(change.replace) | change.drop | change.create | {q[3] for q in change.add}
    return WriteReport(
        added=len(planned.add) + planned.fresh_quads,
        removed=len(planned.remove),
        claims=sorted(_show(c) for c in planned.claims),
        removed_claims=sorted(_show(c) for c in planned.removed_claims),
        graphs=len(graphs | set(planned.fresh_graphs)),
        graph_names=changed_graphs(change, planned.fresh_graphs),
    )


def changed_graphs(change: Change, planned_graphs: Iterable[URIRef] = ()) -> set[URIRef | None]:
    """Every graph a change names (and the new graphs it streamed)."""
    graphs = {*change.replace, *change.create, *change.drop, *change.vocabulary}
    graphs |= {q[3] for q in (*change.add, *change.remove)}
    return graphs | set(planned_graphs)


def _show(node: Node) -> str:
    return str(node) if isinstance(node, URIRef) else sparql_term(node)


def _quad_key(q: Quad) -> tuple[str, ...]:
    return tuple(str(t) for t in q)


def plan(
    store: Store,
    change: Change,
    policy: Policy,
    *,
    progress: Progress = _silent,
    spool: Spool | None = None,
) -> Plan:
    """The exact quads ``change`` removes and adds, once checked; nothing is written.

    :param spool: where the new graphs of ``change.fresh`` go for the commit (none: they
        are checked only, as ``validate`` does).
    :raises ValidationFailed: listing every problem of the change (and ``change.problems``).
    """
    mint = policy.mint
    skolem = _Skolemizer(mint)
    remove: set[Quad] = set()
    add: set[Quad] = set()
    result = Plan()
    fresh_problems: list[Problem] = []
    fresh_rows: list[ClaimRow] = []
    fresh_report = None
    if change.fresh is not None:
        fresh_problems, fresh_rows, fresh_report = _plan_fresh(store, change, policy, result, spool, progress)
        if change.fresh.complete is not None:
            change.fresh.complete(change)
    problems = list(change.problems) + fresh_problems

    # Quads known not to be in the store, so that none is asked for twice: a store on a
    # SPARQL server answers each question with a request.
    absent: set[Quad] = set()
    for name, triples in [*change.replace.items(), *change.vocabulary.items()]:
        old = set(store.quads(DEFAULT if name is None else name, exact=True))
        new = {(*skolem.triple(t), name) for t in triples}
        remove |= old - new
        add |= new - old
        absent |= new - old
        if name is not None and not store.has_graph(name):
            result.create.add(name)
    for name in change.drop:
        if store.has_graph(name):
            remove |= set(store.quads(name, exact=True))
            result.drop.add(name)
    for q in change.remove:
        if _in_store(store, q):
            remove.add(q)
    for q in change.add:
        q = (*skolem.triple(q[:3]), q[3])
        if q not in remove and not _in_store(store, q):
            add.add(q)
            absent.add(q)
        remove.discard(q)
    add -= {q for q in add - absent if _in_store(store, q) and q not in remove}
    result.create |= {g for g in change.create if not store.has_graph(g)}
    result.create -= result.drop

    # Graph rules: what a client may not write at all.
    trusted = set(change.vocabulary)
    # The store's metadata outlives every client change (DROP ALL empties the data,
    # not the store's record of its base IRI); writing it is refused below.
    remove = {q for q in remove if q[3] != METADATA_GRAPH and q[3] not in policy.kept}
    result.drop -= {METADATA_GRAPH, *policy.kept}
    consensus_graph = mint.consensus_graph
    client_consensus = {q for q in remove | add if q[3] == consensus_graph}
    remove -= client_consensus
    add -= client_consensus
    for q in sorted(remove | add, key=_quad_key):
        if q[3] in policy.protected and q[3] not in trusted:
            problems.append(
                _rule(
                    "VocabularyGraphRule",
                    f"<{q[3]}> is written only by the loader (from ontology/) and the write path",
                    focus=q[3],
                )
            )
            break
    for name in sorted((result.create | result.drop) & policy.protected - trusted):
        problems.append(_rule("VocabularyGraphRule", f"<{name}> cannot be created or dropped", focus=name))

    touched = {q[0] for q in remove | add if q[3] not in trusted}
    progress("reading", 0, len(touched))
    before, after = _states(store, touched, remove, add, kept=policy.kept)
    problems += _placement(store, policy, add, after, trusted)

    # The claims the change touches, before and after.
    claims_before, claims_after = {}, {}
    for node in {_base(s) for s in touched}:
        if node not in before:
            before[node] = {q for q in store.quads(subject=node, exact=True) if q[3] not in policy.kept}
            after[node] = set(before[node])
        old_row, new_row = _claim_row(node, before[node]), _claim_row(node, after[node])
        if old_row is not None:
            claims_before[node] = old_row
        if new_row is not None:
            claims_after[node] = new_row
    result.claims = set(claims_after) | {row[0] for row in fresh_rows}
    result.removed_claims = set(claims_before) - set(claims_after)

    shacl, report = _validate_touched(store, policy, change, before, after, trusted, progress)
    problems += shacl
    if fresh_report:
        report = f"{fresh_report}\n{report}" if report else fresh_report

    progress("deriving consensus", 0, 1)
    leaving = {c for c, row in claims_before.items() if claims_after.get(c) != row}
    arriving = [row for c, row in claims_after.items() if claims_before.get(c) != row] + fresh_rows
    pairs = {(row[1], row[2]) for c, row in claims_before.items() if c in leaving}
    pairs |= {(row[1], row[2]) for row in arriving}
    drop_c: set[Quad] = set()
    put_c: set[Quad] = set()
    if pairs:
        drop_c, put_c, rows = consensus_delta(store, mint, pairs, leaving=leaving, arriving=arriving)
        if put_c and not problems:
            try:
                validate_consensus(put_c, rows, policy.vocabulary)
            except ValidationFailed as exc:
                problems += exc.problems
    forged = [q for q in client_consensus if not (q in put_c or q in drop_c)]
    if forged:
        s, p, o, _ = sorted(forged, key=_quad_key)[0]
        problems.append(
            _rule(
                "DerivedConsensusRule",
                f"the consensus graph <{consensus_graph}> is derived from the claims and cannot be written "
                f"directly ({sparql_term(s)} {sparql_term(p)} {sparql_term(o)}); change the claims instead",
                focus=consensus_graph,
            )
        )
    progress("deriving consensus", 1, 1)
    if problems:
        problems = _unique(problems)
        error = SheetError if change.problems else ValidationFailed
        raise error(problems, report=report)
    remove |= drop_c
    add |= put_c
    if (remove or add or result.create or result.fresh_quads) and not any(
        True for _ in store.quads(METADATA_GRAPH)
    ):
        add |= set(metadata_quads(mint.base))
    result.remove, result.add = remove, add
    return result


def _unique(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in problems:
        key = (p.message, p.sheet, p.line, p.claim, p.shape, p.focus)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def _rule(name: str, message: str, *, focus: Node | None = None, **where: Any) -> Problem:
    return Problem(message, shape=SHAPES + name, focus=str(focus) if focus is not None else None, **where)


def _in_store(store: Store, q: Quad) -> bool:
    graph = DEFAULT if q[3] is None else q[3]
    return any(True for _ in store.quads(graph, subject=q[0], predicate=q[1], object=q[2]))


def _base(term: Node) -> Node:
    if isinstance(term, URIRef) and "#" in term:
        return URIRef(term.split("#", 1)[0])
    return term


def _states(
    store: Store, subjects: Iterable[Node], remove: set[Quad], add: set[Quad], *, kept: Iterable[URIRef] = ()
) -> tuple[dict[Node, set[Quad]], dict[Node, set[Quad]]]:
    """Every quad about each subject before and after the change (in every graph but ``kept``)."""
    kept = set(kept)
    added: dict[Node, set[Quad]] = defaultdict(set)
    for q in add:
        added[q[0]].add(q)
    before, after = {}, {}
    for s in subjects:
        old = (
            {q for q in store.quads(subject=s, exact=True) if q[3] not in kept}
            if not isinstance(s, Literal)
            else set()
        )
        before[s] = old
        after[s] = (old - remove) | added.get(s, set())
    return before, after


def _claim_row(node: Node, quads: Iterable[Quad]) -> ClaimRow | None:
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


# ---------------------------------------------------------------- what may be in the store


def claim_properties(vocabulary: Vocabulary) -> set[Node]:
    """The properties the claimgraph vocabulary declares for facts (those without a model domain)."""
    declared = set()
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for p in vocabulary.ontology.subjects(RDF.type, kind):
            if str(p).startswith(str(CG)) and (p, RDFS.domain, None) not in vocabulary.ontology:
                declared.add(p)
    return declared


def _placement(
    store: Store, policy: Policy, add: set[Quad], after: Mapping[Node, set[Quad]], trusted: set[URIRef]
) -> list[Problem]:
    """The graph-dependent rules, and unsourced assertions anywhere (O(change))."""
    problems: list[Problem] = []
    domain = claim_properties(policy.vocabulary)
    batch_predicates = {q[2] for q in add if q[1] == RDF.predicate}
    asked: dict[Node, bool] = {}

    def is_domain(p: Node) -> bool:
        if p in domain or p in batch_predicates:
            return True
        if p not in asked:
            asked[p] = any(True for _ in store.quads(predicate=RDF.predicate, object=p))
        return asked[p]

    untyped: set[Node] = set()
    known_types: dict[Node, set[Node]] = {}
    for q in sorted(add, key=_quad_key):
        s, p, o, g = q
        if g in trusted or g == policy.mint.consensus_graph or g == METADATA_GRAPH:
            continue
        types = known_types.get(s)
        if types is None:  # once per subject: a corpus node has a quad per document and entity
            types = known_types[s] = {x[2] for x in after.get(s, ()) if x[1] == RDF.type}
        exempt = p in CURATION or (p in DOCUMENT_RECORD and CG.SourceDocument in types)
        if not exempt and is_domain(p):
            problems.append(
                _rule(
                    "UnsourcedAssertionShape",
                    f"{sparql_term(p)} {sparql_term(o)} is asserted bare, outside a claim"
                    f"{'' if g is None else f' (in <{g}>)'}: record it as a claim with its source, "
                    "claimant and quote",
                    focus=s,
                    path=str(p),
                    value=str(o),
                )
            )
        elif not policy.is_open(g) and not types and s not in untyped:
            untyped.add(s)
            where = "the default graph" if g is None else f"<{g}>"
            problems.append(
                _rule(
                    "TypedNodeRule",
                    f"{sparql_term(s)} has no rdf:type: {where} holds claims, documents and "
                    "entities only (an operator may open graphs for other RDF: CLAIMGRAPH_OPEN_GRAPHS)",
                    focus=s,
                )
            )
    return problems


# ---------------------------------------------------------------- new graphs, streamed


def _nt(term: Node) -> str:
    return f"<{term}>"


_TYPE = _nt(RDF.type)
_PREDICATE = _nt(RDF.predicate)
_SOURCE_DOCUMENT = _nt(CG.SourceDocument)
_REFERENCES = {_nt(p) for p in REFERENCE_PROPERTIES}
_CURATION = {_nt(p) for p in CURATION}
_DOCUMENT_RECORD = {_nt(p) for p in DOCUMENT_RECORD}


def _iri_of(text: str) -> URIRef:
    return URIRef(text[1:-1])


def _text_base(text: str) -> str:
    return text.split("#", 1)[0] + ">" if "#" in text else text


class _After:
    """What the store says of a node once the change is written (outside ``skip``), for the
    nodes that new graphs point at or share: read once each, whatever the chunk."""

    def __init__(self, store: Store, change: Change, skip: set[URIRef]) -> None:
        self.store = store
        self.skip = skip
        self.removed = set(change.remove)
        self.added: dict[Node, list[Quad]] = defaultdict(list)
        for q in change.add:
            self.added[q[0]].append(q)
        self.cache: dict[str, list[Triple]] = {}

    def triples(self, node: str) -> list[Triple]:
        found = self.cache.get(node)
        if found is None:
            iri = _iri_of(node)
            quads = [q for q in self.store.quads(subject=iri, exact=True) if q not in self.removed]
            quads += self.added.get(iri, [])
            found = self.cache[node] = [(s, p, o) for s, p, o, g in quads if g not in self.skip]
        return found


class _FreshPlacement:
    """The graph rules for new graphs: no domain assertion outside a claim, no untyped node.

    A predicate is a domain predicate when the vocabulary declares it for facts, or a claim
    (in the store, the change, or a new graph read so far) is made with it. A predicate that
    only a later graph's claim makes a domain predicate is caught at the end, at its first
    use outside a claim (one problem for it, where a change held whole names each use).
    """

    def __init__(self, store: Store, policy: Policy, change: Change) -> None:
        self.store = store
        self.policy = policy
        self.domain = {_nt(p) for p in claim_properties(policy.vocabulary)}
        self.domain |= {_nt(q[2]) for q in change.add if q[1] == RDF.predicate}
        self.asked: dict[str, bool] = {}
        self.first_use: dict[str, tuple[str, str, URIRef]] = {}
        self.reported: set[tuple[str, str, str]] = set()

    def is_domain(self, p: str) -> bool:
        if p in self.domain:
            return True
        if p not in self.asked:
            self.asked[p] = any(True for _ in self.store.quads(predicate=RDF.predicate, object=_iri_of(p)))
        return self.asked[p]

    def check(self, graph: FreshGraph, triples: list[TextTriple], after: _After) -> list[Problem]:
        problems: list[Problem] = []
        self.domain |= {o for _s, p, o in triples if p == _PREDICATE}
        documents = {s for s, p, o in triples if p == _TYPE and o == _SOURCE_DOCUMENT}
        for s, p, o in triples:
            if p in _CURATION or (p in _DOCUMENT_RECORD and s in documents):
                continue
            if self.is_domain(p):
                problems.append(self._unsourced(s, p, o, graph.name))
            elif p not in self.first_use:
                self.first_use[p] = (s, o, graph.name)
        if not self.policy.is_open(graph.name):
            typed = {s for s, p, _o in triples if p == _TYPE}
            for s in sorted({s for s, _p, _o in triples} - typed):
                if not any(p == RDF.type for _s, p, _o in after.triples(s)):
                    problems.append(
                        _rule(
                            "TypedNodeRule",
                            f"{s} has no rdf:type: <{graph.name}> holds claims, documents and entities "
                            "only (an operator may open graphs for other RDF: CLAIMGRAPH_OPEN_GRAPHS)",
                            focus=_iri_of(s),
                        )
                    )
        return problems

    def finish(self) -> list[Problem]:
        """Uses of predicates that a claim read after them made domain predicates."""
        return [
            self._unsourced(s, p, o, g)
            for p, (s, o, g) in sorted(self.first_use.items())
            if p in self.domain and (s, p, o) not in self.reported
        ]

    def _unsourced(self, s: str, p: str, o: str, graph: URIRef) -> Problem:
        self.reported.add((s, p, o))
        return _rule(
            "UnsourcedAssertionShape",
            f"{p} {o} is asserted bare, outside a claim (in <{graph}>): record it as a claim with its "
            "source, claimant and quote",
            focus=_iri_of(s),
            path=p[1:-1],
            value=o[1:-1] if o.startswith("<") else o,
        )


def _plan_fresh(
    store: Store, change: Change, policy: Policy, result: Plan, spool: Spool | None, progress: Progress
) -> tuple[list[Problem], list[ClaimRow], str | None]:
    """Check the new graphs of ``change.fresh`` a chunk at a time, and spool them for the commit.

    :returns: the problems found, the claim rows of the new graphs, the SHACL report (if any).
    """
    assert change.fresh is not None
    skip = set(change.vocabulary) | {policy.mint.consensus_graph, METADATA_GRAPH, *policy.kept}
    after = _After(store, change, skip)
    placement = _FreshPlacement(store, policy, change)
    forbidden = policy.protected | {policy.mint.consensus_graph}
    problems: list[Problem] = []
    rows: list[ClaimRow] = []
    reports: list[str] = []
    seen: set[URIRef] = set()
    total = change.fresh.total

    def batch(chunk: list[tuple[FreshGraph, list[TextTriple]]]) -> TextBatch:
        """A chunk as the validator takes it; its graphs go to the spool and its claims to the rows."""
        texts = ["".join(f"{s} {p} {o} .\n" for s, p, o in triples) for _g, triples in chunk]
        claims = {_nt(row[0]) for graph, _t in chunk for row in graph.claims}
        subjects = {s for _g, triples in chunk for s, _p, _o in triples}
        # What the store says of the graphs' other subjects (the documents), and of the
        # nodes they point at (agents, documents), is validated with them.
        wanted = {s for s in subjects if _text_base(s) not in claims}
        wanted |= {
            o
            for _g, triples in chunk
            for _s, p, o in triples
            if p in _REFERENCES and o.startswith("<") and o not in subjects
        }
        context = [t for node in sorted(wanted) for t in after.triples(node)]
        places: dict[str, tuple[str | None, int | None, str | None]] = {}
        for (graph, triples), text in zip(chunk, texts, strict=True):
            places.update(graph.places)
            rows.extend(graph.claims)
            result.fresh_graphs.append(graph.name)
            result.fresh_quads += len(triples)
            if spool is not None and not problems and not change.problems:
                spool.add(graph.name, text, len(triples))
        return "".join(texts), context, places

    def batches() -> Iterator[TextBatch]:
        chunk: list[tuple[FreshGraph, list[TextTriple]]] = []
        size = done = 0
        progress("validating", 0, total)
        for graph in change.fresh.graphs:  # type: ignore[union-attr]
            if graph.name in seen or store.has_graph(graph.name):
                raise StoreError(
                    f"<{graph.name}> is in the store already: it cannot be written as a new graph"
                )
            seen.add(graph.name)
            if graph.name in forbidden:
                problems.append(
                    _rule(
                        "VocabularyGraphRule",
                        f"<{graph.name}> is written only by the loader (from ontology/) and the write path",
                        focus=graph.name,
                    )
                )
                continue
            triples = list(dict.fromkeys(graph.triples))  # a claim given twice is one claim
            problems.extend(placement.check(graph, triples, after))
            chunk.append((graph, triples))
            size += len(triples)
            done += 1
            if size >= CHUNK_TRIPLES:
                yield batch(chunk)
                chunk, size = [], 0
                progress("validating", done, max(total, done))
        if chunk:
            yield batch(chunk)
        progress("validating", done, max(total, done))

    fallback = change.locate
    for found, report in validate_batches(batches(), policy.vocabulary):
        for problem in found:
            if problem.sheet is None and fallback is not None:
                # Nodes outside the new graphs (an agent of corpus.yaml) are located here.
                sheet, line, claim = fallback(problem.focus or "")
                if sheet is None and problem.value:
                    sheet, line, claim = fallback(problem.value)
                problem = dataclasses.replace(problem, sheet=sheet, line=line, claim=claim or problem.claim)
            problems.append(problem)
        if report:
            reports.append(report)
    problems.extend(placement.finish())
    problems.sort(key=lambda p: (p.sheet or "", p.line or 0, p.message))
    return problems, rows, "\n".join(reports) if reports else None


# ---------------------------------------------------------------- validating what the change touches


def _validate_touched(
    store: Store,
    policy: Policy,
    change: Change,
    before: Mapping[Node, set[Quad]],
    after: dict[Node, set[Quad]],
    trusted: set[URIRef],
    progress: Progress,
) -> tuple[list[Problem], str | None]:
    """SHACL-validate every touched node as the change leaves it, in chunks, with context."""
    skip = trusted | {policy.mint.consensus_graph, METADATA_GRAPH, *policy.kept}

    def triples_of(node: Node) -> set[Triple]:
        if node not in after:
            after[node] = set(store.quads(subject=node, exact=True))
        types = {q[2] for q in after[node] if q[1] == RDF.type}
        keep_open = bool(types & STRUCTURAL)
        return {
            (s, p, o) for s, p, o, g in after[node] if g not in skip and (keep_open or not policy.is_open(g))
        }

    # Claims (and documents) whose context changed: what points at a node that lost a
    # type, label, creator or text, two hops up (agent ← step ← claim; document ← claim).
    changed_context = {
        s
        for s in list(after)
        if any(q[1] in CONTEXT_PROPERTIES and q not in after[s] for q in before.get(s, ()))
    }
    groups: dict[Node, set[Triple]] = defaultdict(set)
    for node in list(after):
        groups[_base(node)] |= triples_of(node)
    frontier = changed_context
    for _ in range(2):
        nxt = set()
        for node in frontier:
            if isinstance(node, Literal):
                continue
            for q in store.quads(object=node):
                holder = _base(q[0])
                if holder not in groups:
                    groups[holder] |= triples_of(holder)
                    nxt.add(holder)
        frontier = nxt
    # A claim is validated whole: its # nodes (evidence, selectors, steps) come with it.
    for base, triples in groups.items():
        todo = [o for _, _, o in triples if isinstance(o, URIRef) and _base(o) == base and o != base]
        seen = {s for s, _, _ in triples}
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            more = triples_of(node)
            triples |= more
            todo += [o for _, _, o in more if isinstance(o, URIRef) and _base(o) == base]
    groups = {k: v for k, v in groups.items() if v}
    if not groups:
        return [], None
    described = {s for triples in groups.values() for s, _, _ in triples}
    total = sum(1 for k in groups if any(t[1] == RDF.type and t[2] == CG.Claim for t in groups[k]))
    problems: list[Problem] = []
    reports: list[str] = []
    done = 0
    progress("validating", 0, total)
    for chunk in _chunks(groups.values()):
        done += sum(1 for _ in chunk.subjects(RDF.type, CG.Claim))
        try:
            validate_batch(
                chunk,
                policy.vocabulary,
                context=_context(store, chunk, after, described, skip),
                locate=change.locate,
            )
        except ValidationFailed as exc:
            problems += exc.problems
            reports.append(exc.report or "")
        progress("validating", min(done, total), total)
    problems.sort(key=lambda p: (p.sheet or "", p.line or 0, p.message))
    return problems, "\n".join(reports) if reports else None


def _chunks(groups: Iterable[set[Triple]]) -> Iterator[Graph]:
    chunk = Graph()
    for triples in groups:
        if len(chunk) and len(chunk) + len(triples) > CHUNK_TRIPLES:
            yield chunk
            chunk = Graph()
        for triple in triples:
            chunk.add(triple)
    if len(chunk):
        yield chunk


def _context(
    store: Store,
    chunk: Graph,
    after: Mapping[Node, set[Quad]],
    described: set[Node],
    skip: set[URIRef],
) -> list[Triple]:
    """What the change, then the store, knows of the nodes ``chunk`` points at."""
    wanted = {o for p in REFERENCE_PROPERTIES for o in chunk.objects(None, p) if isinstance(o, URIRef)} - set(
        chunk.subjects()
    )
    context: list[Triple] = []
    for node in sorted(wanted):
        # The whole node, so that the shapes its own type targets find what they need.
        quads = after[node] if node in after else store.quads(subject=node, exact=True)
        context += [(s, p, o) for s, p, o, g in quads if g not in skip]
    return context


# ---------------------------------------------------------------- blank nodes


class _Skolemizer:
    """Replaces blank nodes by skolem IRIs, the same IRI for the same blank node in one change."""

    def __init__(self, mint: Minter) -> None:
        self.mint = mint
        self.names: dict[BNode, URIRef] = {}

    def term(self, term: Node) -> Node:
        if isinstance(term, BNode):
            if term not in self.names:
                self.names[term] = self.mint.skolem(uuid.uuid4().hex)
            return self.names[term]
        return term

    def triple(self, triple: tuple[Node, ...]) -> Triple:
        s, p, o = triple[:3]
        return self.term(s), p, self.term(o)


# ---------------------------------------------------------------- the store's base IRI


def metadata_quads(base: str) -> list[Quad]:
    """What the store records of itself at its first write."""
    return [
        (STORE_NODE, RDF.type, CG.Store, METADATA_GRAPH),
        (STORE_NODE, CG.baseIri, Literal(base), METADATA_GRAPH),
        (STORE_NODE, CG.storeFormat, Literal(STORE_FORMAT), METADATA_GRAPH),
    ]


def recorded_base(store: Store) -> str | None:
    """The base IRI the store was minted under, or None for a store never written."""
    for _, _, o, _ in store.quads(METADATA_GRAPH, subject=STORE_NODE, predicate=CG.baseIri):
        return str(o)
    return None


def check_base(store: Store, base: str, *, where: str) -> None:
    """Refuse to use a store under another base IRI than the one it was minted under.

    :raises StoreError: one line, saying how to change it.
    """
    recorded = recorded_base(store)
    if recorded is not None and recorded != base:
        raise StoreError(
            f"the store at {where} was minted under the base IRI {recorded}, not {base}: "
            f"run with --base-iri {recorded} (or CLAIMGRAPH_BASE_IRI), or re-mint it with "
            f"`claimgraph rebase {base}`"
        )


def rebase(store: Store, old: str, new: str, mint: Minter, *, extra: Iterable[Quad] = ()) -> WriteReport:
    """Re-mint every IRI under ``old`` as under ``new``, in one transaction (with ``extra``
    quads, minted under ``new``: the rebase's own history entry).

    Consensus statement IRIs digest their terms, so the consensus is derived again
    from the re-minted claims; skolem IRIs keep their labels under the new base.
    """
    from .consensus import consensus_triples

    def remint(term: Node) -> Node:
        if isinstance(term, URIRef) and str(term).startswith(old):
            return URIRef(new + str(term)[len(old) :])
        return term

    everything = list(store.quads(exact=True))
    consensus_old = URIRef(old + "graph/consensus")
    kept: set[Quad] = set()
    for s, p, o, g in everything:
        if g in (consensus_old, METADATA_GRAPH):
            continue
        kept.add((remint(s), p, remint(o), remint(g) if g is not None else None))
    by_node: dict[Node, list[Quad]] = defaultdict(list)
    for q in kept:
        if q[1] in (RDF.type, RDF.subject, RDF.predicate, RDF.object, CG.countKind) or q[1] in (
            PROV.wasAttributedTo,
            PROV.wasDerivedFrom,
        ):
            by_node[q[0]].append(q)
    rows = [row for node, quads in by_node.items() if (row := _claim_row(node, quads)) is not None]
    kept |= {(s, p, o, mint.consensus_graph) for s, p, o in consensus_triples(rows, mint)}
    kept |= set(metadata_quads(new)) | set(extra)
    old_graphs = [g for g in {q[3] for q in everything} if g is not None]
    new_graphs = {q[3] for q in kept if q[3] is not None}
    store.apply(
        remove=sorted(everything, key=_quad_key),
        add=sorted(kept, key=_quad_key),
        drop=sorted(g for g in old_graphs if g not in new_graphs),
    )
    return WriteReport(added=len(kept), removed=len(everything))


# ---------------------------------------------------------------- SPARQL Update


def update_change(
    store: Store,
    sparql: str,
    *,
    base_iri: str | None,
    timeout: float | None,
    allow_service: bool = False,
) -> Change:
    """Dry-run a client's SPARQL Update on the graphs it can touch; its diff as a :class:`Change`.

    :raises QueryRefused: for nesting past the limits, ``LOAD`` or ``SERVICE`` (before anything runs).
    :raises QueryError: for a syntax error or a failing operation (``CREATE GRAPH`` twice).
    :raises QueryTimeout: when the dry run passes ``timeout``.
    """
    inspect_update(sparql, allow_service=allow_service, base_iri=base_iri)
    targets = update_targets(sparql, base_iri=base_iri)
    graphs = None if targets is None else [URIRef(t) for t in targets]
    run = store.dry_run(sparql, graphs=graphs, base_iri=base_iri, timeout=timeout)
    return Change(add=run.added, remove=run.removed, create=set(run.created), drop=set(run.dropped))


def check_update_text(sparql: str) -> None:
    """Refuse an empty update text early (pyoxigraph accepts it as a no-op)."""
    if not sparql.strip():
        raise QueryError("the update is empty")

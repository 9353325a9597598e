"""The history of every write, and the claims that writes withdrew or replaced.

Each committed write is a ``prov:Activity`` in ``<base>graph/history``, recorded by
:func:`recorder` in the write's own transaction (it is the :attr:`Change.record
<claimgraph.changes.Change.record>` of the change): its place in commit order
(``cg:sequence``), the curator (``prov:wasAssociatedWith``), start and end time, the kind
of request, the graphs it added, replaced and dropped, the claims it generated and
invalidated, a ``cg:DocumentVersion`` for each document it added, replaced or withdrew
(with the SHA-256 of that version) and the curator's reason. An entry is written once and
never rewritten: the write path refuses the history graph to clients.

Nothing is erased: a claim that a write removes from the current graphs (a withdrawn
document's, or one a corrected sheet no longer holds) is kept, with its IRI and every
triple, in ``<base>graph/withdrawn``, typed ``cg:WithdrawnClaim`` instead of ``cg:Claim``
(so the named queries, the consensus and the pages, which read claims, are unchanged in
meaning); a withdrawn document and a corpus record withdrawn with its last document are
kept so too. A new claim of a re-sent document whose triple and quote are those of a claim
it replaces is linked to it by ``prov:wasRevisionOf`` (in the history graph). A claim that
comes back (its document loaded again) leaves the withdrawn graph.

What a write records costs what the write changes: the history's length is one counter in
the store's metadata, read and advanced in the same transaction, and nothing reads the
history to write it.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from rdflib import Literal, URIRef
from rdflib.term import Node

from .changes import METADATA_GRAPH, Plan, Record, _base, history_length, history_length_quads
from .curators import Curator, curators_graph, operator_quads, timestamp
from .curators import now as _now
from .mapping import Minter
from .namespaces import CG, OA, PROV, RDF, RDFS
from .store import Quad, Store

#: Kinds of request (``cg:requestKind``).
KINDS = ("load", "claims", "withdraw", "update", "graph-store", "rebase", "curator")

#: The type a withdrawn copy carries instead of the current one.
WITHDRAWN_TYPES = {
    CG.Claim: CG.WithdrawnClaim,
    CG.SourceDocument: CG.WithdrawnDocument,
    CG.Corpus: CG.WithdrawnCorpus,
}


_TYPE = RDF.type


def history_graph(mint: Minter) -> URIRef:
    return mint.history_graph


def withdrawn_graph(mint: Minter) -> URIRef:
    return mint.withdrawn_graph


def kept_graphs(mint: Minter) -> frozenset[URIRef]:
    """The graphs only the write path writes: the history, the curators, the withdrawn claims."""
    return frozenset({history_graph(mint), curators_graph(mint), withdrawn_graph(mint)})


@dataclass
class Activity:
    """What the edge knows of a write before it is planned: who, why, what kind.

    :param documents: SHA-256 of document versions the write streams (new graphs, which the
        plan does not hold as quads), by document IRI.
    :param extra: quads the write adds to the write path's own graphs (a curator's record).
    """

    kind: str
    curator: Curator
    reason: str | None = None
    started: datetime = field(default_factory=_now)
    documents: dict[URIRef, str] = field(default_factory=dict)
    extra: list[Quad] = field(default_factory=list)


def recorder(store: Store, mint: Minter, activity: Activity) -> Record:
    """The :attr:`Change.record` that writes ``activity`` with the plan it is given."""

    def record(plan: Plan) -> tuple[list[Quad], list[Quad]]:
        if plan.empty and not activity.extra:
            return [], []  # nothing was written, so nothing happened
        return entry(store, mint, activity, plan)

    return record


def entry(store: Store, mint: Minter, activity: Activity, plan: Plan) -> tuple[list[Quad], list[Quad]]:
    """The quads that record ``activity`` (and keep what ``plan`` withdraws): (remove, add)."""
    h, w = history_graph(mint), withdrawn_graph(mint)
    length = history_length(store)
    sequence = length + 1
    act = mint.activity(f"{sequence}-{secrets.token_hex(3)}")
    ended = _now()
    curator = activity.curator
    remove, add = history_length_quads(length)  # the counter is the store's metadata's
    add += [
        (act, RDF.type, PROV.Activity, h),
        (act, RDFS.label, Literal(f"{activity.kind} by {curator.name}"), h),
        (act, CG.sequence, Literal(sequence), h),
        (act, CG.requestKind, Literal(activity.kind), h),
        (act, PROV.wasAssociatedWith, curator.iri, h),
        (act, PROV.startedAtTime, timestamp(activity.started), h),
        (act, PROV.endedAtTime, timestamp(max(ended, activity.started)), h),
    ]
    if activity.reason:
        add.append((act, CG.reason, Literal(activity.reason), h))
    if curator.is_operator and not any(True for _ in store.quads(curators_graph(mint), subject=curator.iri)):
        add += operator_quads(mint)
    add += activity.extra

    own = kept_graphs(mint) | {METADATA_GRAPH, mint.consensus_graph}
    added_graphs = (plan.create | set(plan.fresh_graphs)) - own
    dropped = plan.drop - own
    touched = {q[3] for q in (*plan.add, *plan.remove) if q[3] is not None} - own
    replaced = touched - added_graphs - dropped
    for predicate, graphs in (
        (CG.addedGraph, added_graphs),
        (CG.replacedGraph, replaced),
        (CG.droppedGraph, dropped),
    ):
        add += [(act, predicate, g, h) for g in sorted(graphs)]
    add += [(act, PROV.generated, _iri(c), h) for c in sorted(plan.claims, key=str)]
    add += [(act, PROV.invalidated, _iri(c), h) for c in sorted(plan.removed_claims, key=str)]

    # Document versions: added, replaced (their claims or text changed) and withdrawn.
    changes = {}
    for graphs, what in ((added_graphs, "added"), (replaced, "replaced"), (dropped, "withdrawn")):
        for g in graphs:
            if (document := mint.document_of(str(g))) is not None:
                changes[document] = what
    shas = dict(activity.documents)
    for s, p, o, _g in (*plan.remove, *plan.add):
        if p == CG.sha256 and s in changes and (s not in shas or (s, p, o, _g) in plan.add):
            shas[s] = str(o)
    for number, document in enumerate(sorted(changes), start=1):
        version = URIRef(f"{act}#v{number}")
        sha = shas.get(document) or next(
            (str(o) for _s, _p, o, _g in store.quads(subject=document, predicate=CG.sha256)), None
        )
        add += [
            (act, CG.documentVersion, version, h),
            (version, RDF.type, CG.DocumentVersion, h),
            (version, CG.document, document, h),
            (version, CG.versionChange, Literal(changes[document]), h),
        ]
        if sha:
            add.append((version, CG.versionSha256, Literal(sha), h))

    # What leaves the current graphs is kept, typed as withdrawn.
    by_node: dict[Node, list[Quad]] = defaultdict(list)
    for q in plan.remove:
        by_node[_base(q[0])].append(q)
    keep = set(plan.removed_claims)
    keep |= {d for g in dropped if (d := mint.document_of(str(g))) is not None}
    keep |= {s for g in dropped for s, p, o, _g in by_node.get(_corpus_node(mint, g), ()) if p == RDF.type}
    for node in keep:
        for s, p, o, _g in by_node.get(node, ()):
            if p == _TYPE:
                o = WITHDRAWN_TYPES.get(o, o)
            add.append((s, p, o, w))

    # A claim that comes back leaves the withdrawn graph.
    current = set(plan.claims)
    for document in sorted(d for d, what in changes.items() if what != "withdrawn"):
        back = {
            s for s, _p, _o, _g in store.quads(w, predicate=PROV.wasDerivedFrom, object=document)
        } & current
        for claim in back:
            remove += _withdrawn_quads(store, w, claim)

    # A new claim of a re-sent document revises the one it replaces (same triple and quote).
    if plan.removed_claims and plan.claims:
        old = _keys(plan.remove, plan.removed_claims)
        new = _keys(plan.add, plan.claims)
        by_key = defaultdict(list)
        for claim, key in old.items():
            by_key[key].append(claim)
        for claim, key in sorted(new.items(), key=lambda kv: str(kv[0])):
            for earlier in by_key.get(key, ()):
                add.append((claim, PROV.wasRevisionOf, earlier, h))
    return remove, add


def _corpus_node(mint: Minter, graph: URIRef) -> URIRef | None:
    return mint.corpus_of(str(graph))


def _iri(node: Node) -> Node:
    return URIRef(node) if isinstance(node, str) and not isinstance(node, URIRef) else node


_TRIPLE = (RDF.subject, RDF.predicate, RDF.object)
_EXACT = OA.exact


def _keys(quads: Iterable[Quad], claims: Iterable[Node]) -> dict[Node, tuple]:
    """Each claim's (subject, predicate, object, quote), from its quads."""
    wanted = set(claims)
    parts: dict[Node, dict[Node, Node]] = defaultdict(dict)
    for s, p, o, _g in quads:
        if p in _TRIPLE:
            if s in wanted:
                parts[s][p] = o
        elif p == _EXACT:
            base = _base(s)
            if base in wanted:
                parts[base][p] = o
    return {c: (*(v.get(p) for p in _TRIPLE), v.get(_EXACT)) for c, v in parts.items() if len(v) == 4}


def _withdrawn_quads(store: Store, graph: URIRef, claim: Node) -> list[Quad]:
    """A withdrawn claim's quads, its ``#`` nodes included."""
    found: list[Quad] = []
    todo, seen = [claim], set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for q in store.quads(graph, subject=node, exact=True):
            found.append(q)
            if isinstance(q[2], URIRef) and _base(q[2]) == claim:
                todo.append(q[2])
    return found

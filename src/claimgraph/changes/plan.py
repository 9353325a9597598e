"""Planning: a change as the exact quads it removes and adds, checked."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from ..errors import Problem, SheetError, ValidationFailed
from ..iris import METADATA_GRAPH, Minter
from ..mapping import Triple
from ..namespaces import RDF
from ..rdf.terms import DEFAULT, Quad
from ..store import Spool, Store
from ..upkeep import consensus_delta
from .change import (
    Change,
    Plan,
    Policy,
    Progress,
    TextTriple,
    claim_row,
    completed,
    node_base,
    quad_key,
    silent,
)
from .meta import metadata_quads
from .rules import CONSENSUS, KEPT, REFUSED, UNCHECKED, UNNAMED, Placement, broken, graph_kind, iri_of, nt
from .stream import Fresh, plan_fresh
from .validate import validate_touched


def plan(
    store: Store,
    change: Change,
    policy: Policy,
    *,
    progress: Progress = silent,
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
    fresh = Fresh()
    if change.fresh is not None:
        fresh = plan_fresh(store, change, policy, spool, progress)
        result.fresh_graphs, result.fresh_quads = fresh.graphs, fresh.quads
        if change.fresh.complete is not None:
            change = completed(change, change.fresh.complete())
    result.change = change
    problems = list(change.problems) + fresh.problems

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

    # Graph rules: what a client may not write at all (the kinds of graph: rules.graph_kind).
    trusted = set(change.vocabulary)
    named = {q[3] for q in remove | add} | result.create | result.drop
    kinds = {g: graph_kind(policy, g, trusted) for g in named}
    # The store's own records outlive every client change (DROP ALL empties the data,
    # not the store's record of its base IRI); writing them is refused below.
    remove = {q for q in remove if kinds[q[3]] not in KEPT}
    result.drop = {g for g in result.drop if kinds[g] not in KEPT}
    client_consensus = {q for q in remove | add if kinds[q[3]] == CONSENSUS}
    remove -= client_consensus
    add -= client_consensus
    for q in sorted(remove | add, key=quad_key):
        refused = REFUSED.get(kinds[q[3]])
        if refused is not None:
            problems.append(broken(refused, focus=q[3], graph=f"<{q[3]}>"))
            break
    for name in sorted(g for g in result.create | result.drop if kinds[g] in UNNAMED):
        problems.append(broken("vocabulary graph named", focus=name, graph=f"<{name}>"))

    touched = {q[0] for q in remove | add if q[3] not in trusted}
    progress("reading", 0, len(touched))
    before, after = _states(store, touched, remove, add, kept=policy.kept)
    problems += _placed(
        Placement(store, policy, {nt(q[2]) for q in add if q[1] == RDF.predicate}), add, after, kinds
    )

    # The claims the change touches, before and after.
    claims_before, claims_after = {}, {}
    for node in {node_base(s) for s in touched}:
        if node not in before:
            before[node] = {q for q in store.quads(subject=node, exact=True) if q[3] not in policy.kept}
            after[node] = set(before[node])
        old_row, new_row = claim_row(node, before[node]), claim_row(node, after[node])
        if old_row is not None:
            claims_before[node] = old_row
        if new_row is not None:
            claims_after[node] = new_row
    result.claims = set(claims_after) | {row[0] for row in fresh.rows}
    result.removed_claims = set(claims_before) - set(claims_after)

    shacl, report = validate_touched(store, policy, change, before, after, trusted, progress)
    problems += shacl
    if fresh.report:
        report = f"{fresh.report}\n{report}" if report else fresh.report

    progress("deriving consensus", 0, 1)
    leaving = {c for c, row in claims_before.items() if claims_after.get(c) != row}
    arriving = [row for c, row in claims_after.items() if claims_before.get(c) != row] + fresh.rows
    recount = {(row[1], row[2]) for c, row in claims_before.items() if c in leaving}
    pairs = recount | {(row[1], row[2]) for row in arriving}
    drop_c: set[Quad] = set()
    put_c: set[Quad] = set()
    if pairs:
        delta = consensus_delta(store, mint, pairs, leaving=leaving, arriving=arriving, recount=recount)
        drop_c, put_c = delta.remove, delta.add
        if put_c and not problems:
            try:
                delta.validate(policy.vocabulary)
            except ValidationFailed as exc:
                problems += exc.problems
    forged = [q for q in client_consensus if not (q in put_c or q in drop_c)]
    if forged:
        s, p, o, _ = sorted(forged, key=quad_key)[0]
        graph = mint.consensus_graph
        problems.append(
            broken("derived consensus", focus=graph, graph=f"<{graph}>", triple=f"{nt(s)} {nt(p)} {nt(o)}")
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


def _placed(
    placement: Placement, add: set[Quad], after: Mapping[Node, set[Quad]], kinds: Mapping[URIRef | None, str]
) -> list[Problem]:
    """The placement rules on the quads a small write adds, graph by graph, as N-Triples text."""
    graphs: dict[URIRef | None, list[TextTriple]] = defaultdict(list)
    for s, p, o, g in sorted(add, key=quad_key):
        if kinds[g] not in UNCHECKED:
            graphs[g].append((nt(s), nt(p), nt(o)))

    def types(subject: str) -> list[str]:
        return [nt(q[2]) for q in after.get(iri_of(subject), ()) if q[1] == RDF.type]

    problems: list[Problem] = []
    for graph in sorted(graphs, key=lambda g: "" if g is None else str(g)):
        problems += placement.check(graph, graphs[graph], types)
    return problems + placement.finish()


def _in_store(store: Store, q: Quad) -> bool:
    graph = DEFAULT if q[3] is None else q[3]
    return any(True for _ in store.quads(graph, subject=q[0], predicate=q[1], object=q[2]))


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

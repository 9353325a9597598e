"""Validation of what a change touches, as the change leaves it, in chunks, with context."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from ..errors import Problem, ValidationFailed
from ..mapping import Triple
from ..namespaces import CG, RDF
from ..rdf.terms import Quad
from ..store import Store
from ..validation import (
    CONTEXT_PROPERTIES,
    REFERENCE_PROPERTIES,
    validate_batch,
)
from .change import (
    Change,
    Policy,
    Progress,
    chunk_triples,
    node_base,
)
from .rules import STRUCTURAL, unchecked_graphs

# ---------------------------------------------------------------- validating what the change touches


def validate_touched(
    store: Store,
    policy: Policy,
    change: Change,
    before: Mapping[Node, set[Quad]],
    after: dict[Node, set[Quad]],
    trusted: set[URIRef],
    progress: Progress,
) -> tuple[list[Problem], str | None]:
    """SHACL-validate every touched node as the change leaves it, in chunks, with context."""
    skip = unchecked_graphs(policy, trusted)

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
        groups[node_base(node)] |= triples_of(node)
    frontier = changed_context
    for _ in range(2):
        nxt = set()
        for node in frontier:
            if isinstance(node, Literal):
                continue
            for q in store.quads(object=node):
                holder = node_base(q[0])
                if holder not in groups:
                    groups[holder] |= triples_of(holder)
                    nxt.add(holder)
        frontier = nxt
    # A claim is validated whole: its # nodes (evidence, selectors, steps) come with it.
    for base, triples in groups.items():
        todo = [o for _, _, o in triples if isinstance(o, URIRef) and node_base(o) == base and o != base]
        seen = {s for s, _, _ in triples}
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            more = triples_of(node)
            triples |= more
            todo += [o for _, _, o in more if isinstance(o, URIRef) and node_base(o) == base]
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
        if len(chunk) and len(chunk) + len(triples) > chunk_triples():
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

"""New graphs, streamed: checked a chunk at a time as N-Triples text and spooled for the commit."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterator

from rdflib import URIRef
from rdflib.term import Node

from ..consensus import ClaimRow
from ..errors import Problem, StoreError
from ..iris import METADATA_GRAPH
from ..mapping import Triple
from ..namespaces import CG, RDF
from ..rdf.terms import Quad
from ..store import Spool, Store
from ..validation import (
    REFERENCE_PROPERTIES,
    TextBatch,
    validate_batches,
)
from .change import (
    Change,
    FreshGraph,
    Plan,
    Policy,
    Progress,
    TextTriple,
    chunk_triples,
)
from .rules import CURATION, DOCUMENT_RECORD, claim_properties, rule

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
                        rule(
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
        return rule(
            "UnsourcedAssertionShape",
            f"{p} {o} is asserted bare, outside a claim (in <{graph}>): record it as a claim with its "
            "source, claimant and quote",
            focus=_iri_of(s),
            path=p[1:-1],
            value=o[1:-1] if o.startswith("<") else o,
        )


def plan_fresh(
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
                    rule(
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
            if size >= chunk_triples():
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

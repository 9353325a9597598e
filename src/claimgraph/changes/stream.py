"""New graphs, streamed: checked a chunk at a time as N-Triples text and spooled for the commit.

The closed-world rules are :mod:`.rules`' (the same :class:`~.rules.Placement` as a small
write's); what is streamed is read by :class:`_Reader`, which keeps what it read (the claim
rows, the graphs, their quads) to itself until the validator has seen every chunk.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from rdflib import URIRef
from rdflib.term import Node

from ..consensus import ClaimRow
from ..errors import Problem, StoreError
from ..mapping import Triple
from ..namespaces import RDF
from ..rdf.terms import Quad
from ..store import Spool, Store
from ..validation import REFERENCE_PROPERTIES, TextBatch, validate_batches
from .change import Change, FreshGraph, Policy, Progress, TextTriple, chunk_triples
from .rules import REFUSED, Placement, broken, graph_kind, iri_of, nt, unchecked_graphs

_REFERENCES = {nt(p) for p in REFERENCE_PROPERTIES}
_TYPE = nt(RDF.type)


def _text_base(text: str) -> str:
    return text.split("#", 1)[0] + ">" if "#" in text else text


@dataclass
class Fresh:
    """What the new graphs of a change came to, once every chunk is checked."""

    problems: list[Problem] = field(default_factory=list)
    rows: list[ClaimRow] = field(default_factory=list)
    report: str | None = None
    graphs: list[URIRef] = field(default_factory=list)
    quads: int = 0


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
            iri = iri_of(node)
            quads = [q for q in self.store.quads(subject=iri, exact=True) if q not in self.removed]
            quads += self.added.get(iri, [])
            found = self.cache[node] = [(s, p, o) for s, p, o, g in quads if g not in self.skip]
        return found


class _Reader:
    """Reads the new graphs into the validator's batches: each graph is checked by the
    placement rules as it is read, and spooled for the commit once its chunk is made.

    What it reads (rows, graphs, quads, the rules' problems) stays in its own :attr:`read`,
    which :func:`plan_fresh` takes once the validator has seen every chunk.
    """

    def __init__(self, store: Store, change: Change, policy: Policy, spool: Spool | None, progress: Progress):
        assert change.fresh is not None
        self.store = store
        self.stream = change.fresh
        self.policy = policy
        self.spool = spool
        self.progress = progress
        self.trusted = set(change.vocabulary)
        self.after = _After(store, change, unchecked_graphs(policy, self.trusted))
        self.placement = Placement(store, policy, {nt(q[2]) for q in change.add if q[1] == RDF.predicate})
        self.read = Fresh()
        self.sheet_problems = change.problems  # read only: a sheet's problems stop the spooling too
        self.seen: set[URIRef] = set()

    def batches(self) -> Iterator[TextBatch]:
        chunk: list[tuple[FreshGraph, list[TextTriple]]] = []
        size = done = 0
        total = self.stream.total
        self.progress("validating", 0, total)
        for graph in self.stream.graphs:
            triples = self._check(graph)
            if triples is None:
                continue
            chunk.append((graph, triples))
            size += len(triples)
            done += 1
            if size >= chunk_triples():
                yield self._batch(chunk)
                chunk, size = [], 0
                self.progress("validating", done, max(total, done))
        if chunk:
            yield self._batch(chunk)
        self.progress("validating", done, max(total, done))
        self.read.problems += self.placement.finish()

    def _check(self, graph: FreshGraph) -> list[TextTriple] | None:
        """The graph's triples, once the graph rules are checked (None: it may not be written)."""
        if graph.name in self.seen or self.store.has_graph(graph.name):
            raise StoreError(f"<{graph.name}> is in the store already: it cannot be written as a new graph")
        self.seen.add(graph.name)
        refused = REFUSED.get(graph_kind(self.policy, graph.name))
        if refused is not None:
            s, p, o = graph.triples[0] if graph.triples else ("", "", "")
            self.read.problems.append(
                broken(refused, focus=graph.name, graph=f"<{graph.name}>", triple=f"{s} {p} {o}")
            )
            return None
        triples = list(dict.fromkeys(graph.triples))  # a claim given twice is one claim

        def types(subject: str) -> list[str]:
            return [nt(o) for _s, p, o in self.after.triples(subject) if p == RDF.type]

        self.read.problems += self.placement.check(graph.name, triples, types)
        return triples

    def _batch(self, chunk: list[tuple[FreshGraph, list[TextTriple]]]) -> TextBatch:
        """A chunk as the validator takes it; its graphs go to the spool and its claims to the rows."""
        texts = ["".join(f"{s} {p} {o} .\n" for s, p, o in triples) for _g, triples in chunk]
        claims = {nt(row[0]) for graph, _t in chunk for row in graph.claims}
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
        context = [t for node in sorted(wanted) for t in self.after.triples(node)]
        places: dict[str, tuple[str | None, int | None, str | None]] = {}
        for (graph, triples), text in zip(chunk, texts, strict=True):
            places.update(graph.places)
            self.read.rows.extend(graph.claims)
            self.read.graphs.append(graph.name)
            self.read.quads += len(triples)
            if self.spool is not None and not self.read.problems and not self.sheet_problems:
                self.spool.add(graph.name, text, len(triples))
        return "".join(texts), context, places


def plan_fresh(
    store: Store, change: Change, policy: Policy, spool: Spool | None, progress: Progress
) -> Fresh:
    """Check the new graphs of ``change.fresh`` a chunk at a time, and spool them for the commit."""
    reader = _Reader(store, change, policy, spool, progress)
    found: list[Problem] = []
    reports: list[str] = []
    fallback = change.locate
    for problems, report in validate_batches(reader.batches(), policy.vocabulary):
        for problem in problems:
            if problem.sheet is None and fallback is not None:
                # Nodes outside the new graphs (an agent of corpus.yaml) are located here.
                sheet, line, claim = fallback(problem.focus or "")
                if sheet is None and problem.value:
                    sheet, line, claim = fallback(problem.value)
                problem = dataclasses.replace(problem, sheet=sheet, line=line, claim=claim or problem.claim)
            found.append(problem)
        if report:
            reports.append(report)
    fresh = reader.read
    fresh.problems = sorted(fresh.problems + found, key=lambda p: (p.sheet or "", p.line or 0, p.message))
    fresh.report = "\n".join(reports) if reports else None
    return fresh

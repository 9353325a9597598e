"""The figures ``claimgraph stats`` reads that a store on a SPARQL server keeps in its register.

Counted per request, a figure costs what the store holds; kept, it costs one read. Each
commit keeps, beside its count of quads and of the :data:`~.register.KEPT_TYPES`
(:mod:`.commit`):

- the number of graphs the store records (``GRAPHS`` on the store's node);
- for each class of :data:`KEPT_GRAPH_TYPES`, the quads ``?x rdf:type <class>`` of each graph
  (a node of its own per graph and class: :func:`typed_in`) — the agents of the registry;
- for each predicate of :data:`KEPT_OBJECTS`, the number of its distinct objects
  (:func:`distinct_count` on the store's node), with, per object, the number of quads that
  use it (:func:`uses`) — the claimants.

A commit settles them under the write lease, before its switch (:class:`Tally`): it asks the
server which of the quads it removes are there and which of those it adds to recorded graphs
are not (a fresh graph's quads are all new), reads the figures of the keys it touches, and
its switch replaces them by the settled ones in its one operation. No other writer commits
while the lease is held and the switch joins the lease, so the figures it replaces are
those it read. A key's node names no term of the data (a hash), so that no page of an
agent shows the register.

A store written by a claimgraph that kept none lacks the mark :data:`KEPT`: its figures are
counted per request, and its commits leave them alone.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

import pyoxigraph as ox

from ..namespaces import PROV
from .register import KEPT_TYPES, RDF_TYPE, REGISTER, STORE_NODE

__all__ = [
    "COUNT",
    "GRAPHS",
    "KEPT",
    "KEPT_GRAPH_TYPES",
    "KEPT_OBJECTS",
    "Tally",
    "distinct_count",
    "fresh_figures",
    "typed_in",
    "uses",
]

#: On the store's node: the figures of this module are kept (a store written before they were has none).
KEPT = "<urn:claimgraph:keptFigures>"
#: On the store's node: the number of graphs the store records.
GRAPHS = "<urn:claimgraph:graphs>"
#: A key node's figure.
COUNT = "<urn:claimgraph:n>"
#: Classes whose ``?x rdf:type <class>`` quads are counted graph by graph.
KEPT_GRAPH_TYPES = (str(PROV.Agent),)
#: Predicates whose distinct objects are counted.
KEPT_OBJECTS = (str(PROV.wasAttributedTo),)
#: Rows of VALUES a request asks about at a time (under a server's row limit).
ASK_ROWS = 200

Read = Callable[[str], list[dict[str, Any]]]


def _node(*parts: str) -> str:
    return f"<urn:claimgraph:count:{hashlib.sha256(chr(0).join(parts).encode()).hexdigest()[:40]}>"


def typed_in(graph: str, cls: str) -> str:
    """The key node of the count of ``?x rdf:type <cls>`` quads in ``graph`` (an IRI)."""
    return _node("typed", graph, cls)


def uses(predicate: str, obj: str) -> str:
    """The key node of the count of quads ``?s <predicate> obj`` (``obj`` in N-Triples)."""
    return _node("uses", predicate, obj)


def distinct_count(predicate: str) -> str:
    """The store node's predicate for the number of distinct objects of ``predicate``."""
    return f"<urn:claimgraph:distinct:{predicate}>"


def fresh_figures() -> str:
    """The figures of a store that holds nothing, as triples for the register."""
    return f" {STORE_NODE} {KEPT} 1 . {STORE_NODE} {GRAPHS} 0 ." + "".join(
        f" {STORE_NODE} {distinct_count(p)} 0 ." for p in KEPT_OBJECTS
    )


def _parse(line: str) -> tuple[str, str, str] | None:
    """An N-Triples line's subject, predicate IRI and object text (a subject holds no space)."""
    parts = line.split(" ", 2)
    if len(parts) != 3 or not parts[1].startswith("<"):
        return None
    return parts[0], parts[1][1:-1], parts[2].rstrip().removesuffix(".").rstrip()


class Tally:
    """What one commit changes of the kept figures, and the figures it settles."""

    def __init__(self) -> None:
        #: the fresh quads typed with each of :data:`KEPT_TYPES` (the switch counts the rest)
        self.fresh_typed = dict.fromkeys(KEPT_TYPES, 0)
        self.typed: Counter[tuple[str, str]] = Counter()
        self.used: Counter[tuple[str, str]] = Counter()

    def fresh(self, graph: str, lines: Iterable[str]) -> None:
        """Count N-Triples ``lines`` new to ``graph`` (a graph the store did not hold).

        >>> t = Tally(); t.fresh("http://e/g", [f"<http://e/a> <{RDF_TYPE}> <{KEPT_GRAPH_TYPES[0]}> ."])
        >>> t.typed[("http://e/g", KEPT_GRAPH_TYPES[0])]
        1
        """
        for line in lines:
            parsed = _parse(line)
            if parsed is not None:
                self._count(graph, *parsed, 1)

    def _count(self, graph: str, _s: str, p: str, o: str, sign: int) -> None:
        if p == RDF_TYPE and o.startswith("<"):
            cls = o[1:-1]
            if sign > 0 and cls in self.fresh_typed:
                self.fresh_typed[cls] += 1
            if cls in KEPT_GRAPH_TYPES:
                self.typed[graph, cls] += sign
        if p in KEPT_OBJECTS:
            self.used[p, o] += sign

    def checked(self, read: Read, kind: str, graph: str, triples: Iterable[ox.Triple]) -> None:
        """Count the quads a commit removes from ``graph`` (``kind`` "remove": those there) or
        adds to it ("add": those not there), asking the server which are there."""
        wanted = [
            t
            for t in triples
            if (t.predicate.value == RDF_TYPE and str(t.object)[1:-1] in KEPT_GRAPH_TYPES)
            or t.predicate.value in KEPT_OBJECTS
        ]
        for start in range(0, len(wanted), ASK_ROWS):
            chunk = wanted[start : start + ASK_ROWS]
            rows = " ".join(f"({i} {t.subject} {t.predicate} {t.object})" for i, t in enumerate(chunk))
            there = {
                int(row["i"].value)
                for row in read(
                    f"SELECT ?i WHERE {{ VALUES (?i ?s ?p ?o) {{ {rows} }} GRAPH <{graph}> {{ ?s ?p ?o }} }}"
                )
            }
            for i, t in enumerate(chunk):
                if (i in there) == (kind == "remove"):
                    self._count(
                        graph, str(t.subject), t.predicate.value, str(t.object), -1 if i in there else 1
                    )

    def settle(self, read: Read, graphs: int) -> tuple[str, str] | None:
        """The switch's part: a WHERE branch that finds the figures it replaces (``?kk ?kp ?kv``)
        and the triples of the settled ones; ``graphs``: the change in the number of graphs.
        None when the store keeps no figures (written before they were kept)."""
        keys = {typed_in(g, c): n for (g, c), n in self.typed.items() if n}
        keys |= {uses(p, o): n for (p, o), n in self.used.items() if n}
        pairs = [(STORE_NODE, KEPT), (STORE_NODE, GRAPHS)] + [
            (STORE_NODE, distinct_count(p)) for p in KEPT_OBJECTS
        ]
        pairs += [(k, COUNT) for k in sorted(keys)]
        before: dict[tuple[str, str], int] = {}
        for start in range(0, len(pairs), ASK_ROWS):
            values = " ".join(f"({k} {p})" for k, p in pairs[start : start + ASK_ROWS])
            for row in read(
                f"SELECT ?k ?p ?v WHERE {{ VALUES (?k ?p) {{ {values} }} GRAPH <{REGISTER}> {{ ?k ?p ?v }} }}"
            ):
                before[f"<{row['k'].value}>", f"<{row['p'].value}>"] = int(row["v"].value)
        if (STORE_NODE, KEPT) not in before:
            return None
        after = {(STORE_NODE, GRAPHS): before.get((STORE_NODE, GRAPHS), 0) + graphs}
        for p in KEPT_OBJECTS:
            was = before.get((STORE_NODE, distinct_count(p)), 0)
            for (q, o), n in self.used.items():
                if q == p and n:
                    old = before.get((uses(p, o), COUNT), 0)
                    was += (old + n > 0) - (old > 0)
            after[STORE_NODE, distinct_count(p)] = was
        for key, n in keys.items():
            after[key, COUNT] = before.get((key, COUNT), 0) + n
        values = " ".join(f"({k} {p})" for k, p in pairs[1:])
        where = f"{{ VALUES (?kk ?kp) {{ {values} }} GRAPH <{REGISTER}> {{ ?kk ?kp ?kv }} }}"
        # a key counted down to nothing leaves no node behind
        triples = "".join(f" {k} {p} {n} ." for (k, p), n in sorted(after.items()) if n or k == STORE_NODE)
        return where, triples

"""Keeping the consensus per value: a write's consensus delta from the records of the keys it touches.

Every value of a key has a record in the consensus graph (:func:`claimgraph.consensus.consensus_triples`)
that carries what a write needs to update it from its change alone: its claims and how many,
how many documents, its claimants, and its source groups as records (the agents of each).
So a write that only *adds* claims to a (subject, predicate) pair reads that pair's record
summaries, the bare triple, and a few queries bound to what it adds (the stored claims of
its documents, the records' claimants and source groups that share an agent with a new
claim), never the pair's claims: its cost is its claims and the values of the pairs.

A value's record has one IRI whatever its kind, so a key that gains a second value changes
its records' kind (and their count of other count kinds), not their claims. Where a figure
cannot be updated from the records, the pair's consensus is derived again from every claim
about it, as before (:func:`derived_again`): a pair that a claim leaves (a source group may
split, a value may lose its last claim), a pair one of whose new claims a record already
names, and a pair whose records this engine did not write.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib.term import Node

from .consensus import (
    CONSENSUS_SHAPES,
    ClaimRow,
    Key,
    agents_of,
    consensus_triples,
    group_triples,
    record_node,
    record_type,
    stored_claims,
    stored_consensus,
    summary_triples,
    validate_consensus,
)
from .counting import source_groups
from .errors import ValidationFailed
from .mapping import Minter, Triple
from .namespaces import CG, PROV, RDF
from .rdf.terms import Quad, sparql_term
from .store import Store
from .validation import Vocabulary

#: The shapes that check records kept from a write's new claims alone (ContestedKeyShape
#: wants a claim of another value, which such a write does not read).
KEPT_SHAPES = tuple(name for name in CONSENSUS_SHAPES if name != "ContestedKeyShape")
#: Terms bound at once in one query.
AT_ONCE = 400

_FIGURES = (CG.claimCount, CG.documentCount, CG.sourceCount, CG.otherCountKinds)
RecordKey = tuple[Node, Node, Node, Node | None]


@dataclass
class Delta:
    """The consensus quads a change removes and adds, and what to check them with."""

    remove: set[Quad] = field(default_factory=set)
    add: set[Quad] = field(default_factory=set)
    #: (quads added, the claim rows they are checked with, the shapes that check them)
    checks: list[tuple[set[Quad], list[ClaimRow], tuple[str, ...]]] = field(default_factory=list)

    def validate(self, vocabulary: Vocabulary) -> None:
        """:raises ValidationFailed: when a record added breaks a consensus shape."""
        problems, reports = [], []
        for added, rows, shapes in self.checks:
            if not added:
                continue
            try:
                validate_consensus(added, rows, vocabulary, shapes)
            except ValidationFailed as exc:
                problems += exc.problems
                reports.append(exc.report or "")
        if problems:
            raise ValidationFailed(problems, report="\n".join(reports))


def consensus_delta(
    store: Store,
    mint: Minter,
    pairs: Iterable[Key],
    *,
    leaving: Iterable[Node],
    arriving: Iterable[ClaimRow],
    recount: Iterable[Key] | None = None,
) -> Delta:
    """The consensus quads to remove and to add for ``pairs`` after a change.

    :param leaving: the claims the change alters or removes (their stored rows no longer hold).
    :param arriving: the rows of the claims as the change leaves them.
    :param recount: the pairs whose consensus is derived again from all their claims (those a
        claim leaves); the others are kept from their records. None: every pair.
    """
    pairs = set(pairs)
    arriving = [row for row in arriving if (row[1], row[2]) in pairs]
    recount = set(pairs) if recount is None else set(recount) & pairs
    delta = Delta()
    kept = pairs - recount
    if kept:
        upkeep = _Upkeep(store, mint, kept, [row for row in arriving if (row[1], row[2]) in kept])
        recount |= upkeep.again
        delta.remove |= upkeep.remove
        delta.add |= upkeep.add
        delta.checks.append((upkeep.checked, upkeep.rows, KEPT_SHAPES))
    if recount:
        remove, add, rows, wanted = derived_again(store, mint, recount, leaving=leaving, arriving=arriving)
        delta.remove |= remove
        delta.add |= add
        # A record that changes kind keeps its IRI (and most of its quads): it is checked
        # whole, not only in what it gains.
        typed = {q[0] for q in add if q[1] == RDF.type}
        delta.checks.append((add | {q for q in wanted if q[0] in typed}, rows, CONSENSUS_SHAPES))
    return delta


def derived_again(
    store: Store, mint: Minter, pairs: set[Key], *, leaving: Iterable[Node], arriving: Iterable[ClaimRow]
) -> tuple[set[Quad], set[Quad], list[ClaimRow], set[Quad]]:
    """The delta of ``pairs`` from every claim about them: (remove, add, the claim rows after,
    every consensus quad of the pairs after)."""
    leaving = set(leaving)
    after = {row for row in stored_claims(store, pairs) if row[0] not in leaving}
    after |= {row for row in arriving if (row[1], row[2]) in pairs}
    graph = mint.consensus_graph
    wanted = {(s, p, o, graph) for s, p, o in consensus_triples(after, mint)}
    current = stored_consensus(store, graph, pairs)
    return current - wanted, wanted - current, list(after), wanted


@dataclass
class _Record:
    node: Node
    rtype: Node
    figures: list[int]


class _Upkeep:
    """The delta of pairs that a change only adds claims to, from their records."""

    def __init__(self, store: Store, mint: Minter, pairs: set[Key], arriving: list[ClaimRow]) -> None:
        self.store, self.mint, self.graph = store, mint, mint.consensus_graph
        self.again: set[Key] = set()
        self.remove: set[Quad] = set()
        self.add: set[Quad] = set()
        records = self._records(pairs)
        bare = self._bare(pairs)
        self._known_claims(arriving)
        by_pair: dict[Key, list[ClaimRow]] = defaultdict(list)
        for row in arriving:
            by_pair[(row[1], row[2])].append(row)
        # Per pair: the records after the change, and the rows each new or kept record gains.
        planned: dict[RecordKey, tuple[_Record | None, _Record, list[ClaimRow]]] = {}
        for pair in pairs - self.again:
            found = self._plan_pair(pair, records.get(pair, {}), by_pair.get(pair, []), bare.get(pair, set()))
            if found is not None:
                planned.update(found)
        self.rows = [row for row in arriving if (row[1], row[2]) not in self.again]
        gaining = {key: (old, rows) for key, (old, _new, rows) in planned.items() if old is not None and rows}
        documents = self._new_documents(gaining)
        claimants = self._known_claimants(gaining)
        groups = self._groups(gaining)
        for key, (old, new, rows) in planned.items():
            self._record(
                key, (old, new), rows, documents.get(key, 0), claimants.get(key, set()), groups.get(key, {})
            )
        # A record that changes kind (a key's second value) is checked in what it gains, not
        # whole: its claims are not read.
        changed = {
            new.node for old, new, _rows in planned.values() if old is not None and old.rtype != new.rtype
        }
        self.checked = {q for q in self.add if not (q[1] == RDF.type and q[0] in changed)}

    # ------------------------------------------------------------ reading

    def _select(self, head: str, values: list[str], body: str) -> list[dict]:
        rows: list[dict] = []
        for start in range(0, len(values), AT_ONCE):
            chunk = " ".join(values[start : start + AT_ONCE])
            rows += self.store.query(
                f"SELECT {head} WHERE {{ GRAPH <{self.graph}> {{ VALUES {chunk.join(body.split('@', 1))} }} }}"
            ).rows
        return rows

    def _records(self, pairs: set[Key]) -> dict[Key, dict[RecordKey, _Record]]:
        """The pairs' records, their figures but not their claims."""
        values = [f"({sparql_term(s)} {sparql_term(p)})" for s, p in sorted(pairs, key=str)]
        answer = self._select(
            "?r ?t ?s ?p ?o ?k ?n ?d ?g ?x",
            values,
            f"(?s ?p) {{ @ }} ?r <{RDF.subject}> ?s ; <{RDF.predicate}> ?p ; <{RDF.object}> ?o ; a ?t ."
            f" OPTIONAL {{ ?r <{CG.countKind}> ?k }}"
            + "".join(f" OPTIONAL {{ ?r <{f}> ?{v} }}" for f, v in zip(_FIGURES, "ndgx", strict=True)),
        )
        found: dict[Key, dict[RecordKey, _Record]] = defaultdict(dict)
        seen: dict[Node, int] = defaultdict(int)
        for r in answer:
            pair = (r["s"], r["p"])
            seen[r["r"]] += 1
            figures = [int(r[v].toPython()) if r.get(v) is not None else -1 for v in "ndgx"]
            key = (r["s"], r["p"], r["o"], r.get("k"))
            record = _Record(r["r"], r["t"], figures)
            if (
                seen[r["r"]] > 1
                or key in found[pair]
                or record.node != record_node(self.mint, record.rtype, *key)
                or min(figures[:3]) < 0
            ):
                self.again.add(pair)  # not a record this engine wrote: derived again
            found[pair][key] = record
        return found

    def _bare(self, pairs: set[Key]) -> dict[Key, set[Node]]:
        values = [f"({sparql_term(s)} {sparql_term(p)})" for s, p in sorted(pairs, key=str)]
        found: dict[Key, set[Node]] = defaultdict(set)
        for r in self._select("?s ?p ?o", values, "(?s ?p) { @ } ?s ?p ?o"):
            found[(r["s"], r["p"])].add(r["o"])
        return found

    def _known_claims(self, arriving: list[ClaimRow]) -> None:
        """A claim that a record already names is not new to its pair: derived again."""
        values = sorted({sparql_term(row[0]) for row in arriving})
        named = {r["c"] for r in self._select("?c", values, f"?c {{ @ }} ?r <{CG.supportedBy}> ?c")}
        self.again |= {(row[1], row[2]) for row in arriving if row[0] in named}

    def _new_documents(self, gaining: dict) -> dict[RecordKey, int]:
        """How many documents each kept record gains: those of its new claims where none of
        its stored claims was read (the stored claims of those documents, one bound query)."""
        wanted: dict[RecordKey, set[Node]] = {
            key: {row[6] for row in rows if len(row) > 6 and row[6] is not None}
            for key, (_old, rows) in gaining.items()
        }
        documents = sorted({sparql_term(d) for found in wanted.values() for d in found})
        stored: set[tuple[Node, RecordKey]] = set()
        for start in range(0, len(documents), AT_ONCE):
            answer = self.store.query(
                f"SELECT DISTINCT ?d ?s ?p ?o ?k WHERE {{ VALUES ?d {{ {' '.join(documents[start : start + AT_ONCE])} }}"
                f" ?c <{PROV.wasDerivedFrom}> ?d ; a <{CG.Claim}> ; <{RDF.subject}> ?s ; <{RDF.predicate}> ?p ;"
                f" <{RDF.object}> ?o . OPTIONAL {{ ?c <{CG.countKind}> ?k }} }}"
            ).rows
            stored |= {(r["d"], (r["s"], r["p"], r["o"], r.get("k"))) for r in answer}
        return {key: sum(1 for d in found if (d, key) not in stored) for key, found in wanted.items()}

    def _known_claimants(self, gaining: dict) -> dict[RecordKey, set[Node]]:
        """Which claimants of each kept record's new claims it names already."""
        asked = {
            f"({sparql_term(old.node)} {sparql_term(row[5])})"
            for _key, (old, rows) in gaining.items()
            for row in rows
            if len(row) > 5 and row[5] is not None
        }
        found: dict[Node, set[Node]] = defaultdict(set)
        for r in self._select("?r ?a", sorted(asked), f"(?r ?a) {{ @ }} ?r <{CG.claimant}> ?a"):
            found[r["r"]].add(r["a"])
        return {key: found[old.node] for key, (old, _rows) in gaining.items()}

    def _groups(self, gaining: dict) -> dict[RecordKey, dict[Node, set[Node]]]:
        """The source groups of each kept record that share an agent with a new claim: their agents."""
        asked = {
            f"({sparql_term(old.node)} {sparql_term(a)})"
            for _key, (old, rows) in gaining.items()
            for row in rows
            for a in agents_of(row)
        }
        found: dict[Node, dict[Node, set[Node]]] = defaultdict(lambda: defaultdict(set))
        answer = self._select(
            "?r ?g ?x",
            sorted(asked),
            f"(?r ?a) {{ @ }} ?r <{CG.sourceGroup}> ?g . ?g <{CG.sourceAgent}> ?a , ?x",
        )
        for r in answer:
            found[r["r"]][r["g"]].add(r["x"])
        return {key: found[old.node] for key, (old, _rows) in gaining.items()}

    # ------------------------------------------------------------ planning

    def _plan_pair(
        self, pair: Key, records: dict[RecordKey, _Record], rows: list[ClaimRow], bare: set[Node]
    ) -> dict[RecordKey, tuple[_Record | None, _Record, list[ClaimRow]]] | None:
        s, p = pair
        values: dict[Node | None, set[Node]] = defaultdict(set)
        for _s, _p, o, kind in records:
            values[kind].add(o)
        gains: dict[RecordKey, list[ClaimRow]] = defaultdict(list)
        for row in rows:
            values[row[4]].add(row[3])
            gains[(s, p, row[3], row[4])].append(row)
        types = {kind: record_type(found) for kind, found in values.items()}
        named = {kind for kind in values if kind is not None}
        planned = {}
        for key in set(records) | set(gains):
            old = records.get(key)
            others = len(named - {key[3]})
            if old is None:
                new = _Record(record_node(self.mint, types[key[3]], *key), types[key[3]], [0, 0, 0, others])
            else:  # the same IRI whatever its kind: a second value changes the kind alone
                new = _Record(old.node, types[key[3]], [*old.figures[:3], others])
            planned[key] = (old, new, gains.get(key, []))
        objects = {o for found in values.values() for o in found}
        wanted = {next(iter(objects))} if len(objects) == 1 else set()
        self.remove |= {(s, p, o, self.graph) for o in bare - wanted}
        self.add |= {(s, p, o, self.graph) for o in wanted - bare}
        return planned

    def _record(
        self,
        key: RecordKey,
        records: tuple[_Record | None, _Record],
        rows: list[ClaimRow],
        documents: int,
        claimants: set[Node],
        groups: dict[Node, set[Node]],
    ) -> None:
        """The quads one record gains and loses: its kind, figures, claims, claimants and groups."""
        old, new = records
        graph, node = self.graph, new.node
        claims = {row[0] for row in rows}
        before: set[Triple] = set()
        if old is not None:
            before = summary_triples(node, old.rtype, key, tuple(old.figures))
        after: set[Triple] = {(node, CG.supportedBy, c) for c in claims}
        if old is None:
            documents = len({row[6] for row in rows if len(row) > 6 and row[6] is not None})
        after |= {(node, CG.claimant, row[5]) for row in rows if len(row) > 5 and row[5] is not None}
        after -= {(node, CG.claimant, a) for a in claimants}
        # The touched groups and the new claims, grouped again (groups share no agent).
        members: dict[Node, set[Node]] = {g: set(agents) for g, agents in groups.items()}
        for row in rows:
            members[row[0]] = agents_of(row)
        merged = source_groups(members)
        for g, agents in groups.items():
            before |= {(node, CG.sourceGroup, g), (g, RDF.type, CG.SourceGroup)}
            before |= {(g, CG.sourceAgent, a) for a in agents}
        for group in merged:
            after |= group_triples(self.mint, node, set().union(*(members[m] for m in group)))
        claims_n, documents_n, sources_n, others = new.figures
        new.figures = [
            claims_n + len(claims),
            documents_n + documents,
            sources_n - len(groups) + len(merged),
            others,
        ]
        after |= summary_triples(node, new.rtype, key, tuple(new.figures))
        self.remove |= {(*t, graph) for t in before - after}
        self.add |= {(*t, graph) for t in after - before}

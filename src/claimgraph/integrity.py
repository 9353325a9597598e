"""Whether a store is whole (``claimgraph check``): its metadata, its claims and documents
against the shapes, its consensus against its claims, its vocabulary graphs against the
ontology in use, and its search index against its last commit.

Read only: every check reads the store (graph by graph, claims by key) and writes nothing.
Each check reuses the write path's own parts (the validation of touched nodes, the
derivation of the consensus), so that ``check`` and a write cannot disagree on what is whole.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import URIRef
from rdflib.term import Node

from .changes.change import Change, Policy
from .changes.meta import STORE_FORMAT, recorded_base, recorded_format
from .changes.rules import unchecked_graphs
from .changes.validate import validate_touched
from .consensus import consensus_triples, stored_claims
from .errors import Problem
from .mapping import Triple
from .namespaces import CG, RDF
from .rdf.terms import Quad, sparql_term
from .search import stored_marker
from .store import Store
from .store.register import PENDING, REGISTER

#: Detail lines shown under a problem; the rest are counted.
SHOWN = 20
#: Quads of the store's graphs validated at once (their subjects' whole descriptions).
BATCH_QUADS = 5_000
#: Keys (subject, predicate) whose claims are read and derived at once.
KEYS_AT_ONCE = 2_000

LOAD_AGAIN = "load its corpus again (`claimgraph load FOLDER`)"
#: What the metadata check says of a store never written (nothing else to check).
EMPTY = "empty store, never written"


@dataclass
class Finding:
    """One check's outcome: ``ok``, or a problem with its details and the command that fixes it."""

    check: str
    ok: bool
    message: str
    details: list[str] = field(default_factory=list)
    more: int = 0
    fix: str | None = None

    def lines(self) -> list[str]:
        head = f"ok: {self.check}: {self.message}" if self.ok else f"problem: {self.check}: {self.message}"
        if self.fix:
            head += f"; fix: {self.fix}"
        tail = [f"  … and {self.more} more"] if self.more else []
        return [head, *(f"  {d}" for d in self.details), *tail]

    def as_dict(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if v or k == "ok"}


def _n(count: int, word: str) -> str:
    """``1 key``, ``2 keys``."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _finding(check: str, problems: list[str], ok: str, bad: str, fix: str | None) -> Finding:
    if not problems:
        return Finding(check, True, ok)
    return Finding(check, False, bad, problems[:SHOWN], max(0, len(problems) - SHOWN), fix)


def check_store(
    store: Store,
    policy: Policy,
    *,
    vocabulary: dict[URIRef, list[Triple]],
    index: Path | None,
) -> list[Finding]:
    """Every check on ``store``, in order (the later ones only once the metadata is right).

    :param vocabulary: the vocabulary graphs as a load of the ontology in use writes them.
    :param index: the search index's file (None: the store keeps none of its own).
    """
    meta = check_metadata(store, policy.mint.base)
    if not meta.ok or meta.message == EMPTY:
        return [meta]
    found = [meta, check_shapes(store, policy), check_consensus(store, policy)]
    found.append(check_vocabulary(store, vocabulary))
    if index is not None:
        found.append(check_index(store, index))
    if store.query(f"ASK {{ GRAPH <{REGISTER}> {{ ?s ?p ?o }} }}").boolean:  # a store on a SPARQL server
        found.append(check_register(store))
    return found


def check_metadata(store: Store, base: str) -> Finding:
    fmt, recorded = recorded_format(store), recorded_base(store)
    check = "store metadata"
    if fmt is None and recorded is None:
        if len(store):
            return Finding(
                check, False, "the store holds quads but no record of its format or base IRI", fix=LOAD_AGAIN
            )
        return Finding(check, True, EMPTY)
    problems = []
    if fmt != STORE_FORMAT:
        problems.append(
            f"store format {fmt if fmt is not None else 'unknown'}, this claimgraph reads format {STORE_FORMAT}: "
            "load your corpora again into a new, empty store (`claimgraph load FOLDER --store NEW`)"
        )
    if recorded != base:
        problems.append(
            f"minted under the base IRI {recorded}, not {base}: run with --base-iri {recorded}, "
            f"or re-mint it with `claimgraph rebase {base}`"
        )
    if problems:
        return Finding(check, False, "; ".join(problems))
    return Finding(check, True, f"format {fmt}, base IRI {base}")


# ---------------------------------------------------------------- shapes


def check_shapes(store: Store, policy: Policy) -> Finding:
    """Every node of the store's checked graphs against the shapes, as a write validates the
    nodes it touches (:func:`claimgraph.changes.validate.validate_touched`), batch by batch."""
    mint = policy.mint
    trusted = {mint.ontology_graph, mint.shapes_graph}
    skip = unchecked_graphs(policy, trusted)
    graphs = sorted(g for g in store.graph_names() if g not in skip)
    problems: list[Problem] = []
    for after in _batches(store, graphs):
        found, _report = validate_touched(store, policy, Change(), {}, after, trusted, _silent)
        problems += found
    lines = [_problem_line(p) for p in problems]
    return _finding(
        "shapes",
        lines,
        f"every claim and document of {_n(len(graphs), 'graph')} conforms",
        _n(len(lines), "violation"),
        LOAD_AGAIN,
    )


def _batches(store: Store, graphs: Iterable[URIRef]) -> Iterator[dict[Node, set[Quad]]]:
    """The nodes of ``graphs``, each with its whole description, a batch at a time."""
    seen: set[Node] = set()
    batch: dict[Node, set[Quad]] = {}
    size = 0
    for graph in graphs:
        for subject in sorted({q[0] for q in store.quads(graph, exact=True)} - seen, key=str):
            seen.add(subject)
            batch[subject] = set(store.quads(subject=subject, exact=True))
            size += len(batch[subject])
        if size >= BATCH_QUADS:
            yield batch
            batch, size = {}, 0
    if batch:
        yield batch


def _problem_line(problem: Problem) -> str:
    named = problem.claim or problem.sheet or not problem.focus
    return str(problem) if named else f"<{problem.focus}>: {problem}"


def _silent(stage: str, done: int, total: int) -> None:
    pass


# ---------------------------------------------------------------- consensus


def check_consensus(store: Store, policy: Policy) -> Finding:
    """The consensus graph against what every stored claim derives, key by key."""
    graph = policy.mint.consensus_graph
    answer = store.query(
        f"SELECT DISTINCT ?s ?p WHERE {{ ?c a <{CG.Claim}> ; <{RDF.subject}> ?s ; <{RDF.predicate}> ?p }}"
    )
    pairs = sorted({(r["s"], r["p"]) for r in answer.rows}, key=lambda k: (str(k[0]), str(k[1])))
    wanted: set[Quad] = set()
    claims = 0
    for start in range(0, len(pairs), KEYS_AT_ONCE):
        rows = stored_claims(store, pairs[start : start + KEYS_AT_ONCE])
        claims += len(rows)
        wanted |= {(s, p, o, graph) for s, p, o in consensus_triples(rows, policy.mint)}
    current = set(store.quads(graph, exact=True))
    missing, extra = wanted - current, current - wanted
    keys = _keys(wanted | current)
    differing: dict[tuple[Node, Node], list[int]] = defaultdict(lambda: [0, 0])
    for q in missing:
        differing[keys.get(q[0], (q[0], q[1]))][0] += 1
    for q in extra:
        differing[keys.get(q[0], (q[0], q[1]))][1] += 1
    lines = [
        f"{sparql_term(s)} {sparql_term(p)}: {_n(n_missing, 'quad')} missing, {n_extra} not derived"
        for (s, p), (n_missing, n_extra) in sorted(
            differing.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1]))
        )
    ]
    return _finding(
        "consensus",
        lines,
        f"equals what the {_n(claims, 'claim')} derive ({_n(len(pairs), 'key')})",
        f"differs from what the claims derive on {_n(len(lines), 'key')}",
        "no write re-derives an unchanged claim's key; a rebase derives the whole consensus again "
        "(`claimgraph rebase OTHER_BASE`, then `claimgraph rebase BASE`)",
    )


def _keys(quads: Iterable[Quad]) -> dict[Node, tuple[Node, Node]]:
    """A consensus node → the key (subject, predicate) it is about."""
    subjects: dict[Node, Node] = {}
    predicates: dict[Node, Node] = {}
    for s, p, o, _ in quads:
        if p == RDF.subject:
            subjects[s] = o
        elif p == RDF.predicate:
            predicates[s] = o
    return {n: (subjects[n], predicates[n]) for n in subjects if n in predicates}


# ---------------------------------------------------------------- vocabulary and search index


def check_vocabulary(store: Store, vocabulary: dict[URIRef, list[Triple]]) -> Finding:
    lines = []
    for graph, triples in sorted(vocabulary.items()):
        want = set(triples)
        have = {(s, p, o) for s, p, o, _ in store.quads(graph, exact=True)}
        if want != have:
            missing = _n(len(want - have), "triple")
            lines.append(f"<{graph}>: {missing} missing, {len(have - want)} not in the ontology")
    return _finding(
        "vocabulary",
        lines,
        "the vocabulary and shapes graphs equal the ontology in use",
        "the vocabulary graphs differ from the ontology in use",
        "load a corpus again (`claimgraph load FOLDER`): a load writes the vocabulary graphs",
    )


def check_index(store: Store, index: Path) -> Finding:
    tag = store.commit_marker().tag
    found = stored_marker(index)
    if found == tag:
        return Finding("search index", True, f"at the store's last commit ({tag})")
    what = "has no commit marker" if found is None else f"is at commit {found}"
    return Finding(
        "search index",
        False,
        f"{index} {what}, the store at {tag}",
        fix="run `claimgraph reindex`",
    )


def check_register(store: Store) -> Finding:
    """On a SPARQL server: no graph left behind by a commit that moved it and never switched
    (:mod:`claimgraph.store.moves`; the register's records, a small graph)."""
    rows = store.query(f"SELECT DISTINCT ?g WHERE {{ GRAPH <{REGISTER}> {{ ?c {PENDING} ?g }} }}").rows
    lines = sorted(f"<{r['g']}>" for r in rows)
    return _finding(
        "register",
        lines,
        "no graph of an unfinished commit is left on the server",
        f"{_n(len(lines), 'graph')} of a commit that never switched left on the server",
        "the next write drops them (`claimgraph load FOLDER` of any corpus, even unchanged)",
    )

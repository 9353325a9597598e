"""The derived consensus: what every claim about a key agrees on, kept up to date per change.

A claim's key is (subject, predicate, count kind): the ``cg:countKind`` qualifier,
or none. Two rules, one per kind of triple in the consensus graph:

* a :term:`cg:ConsensusStatement` is made per key whose claims all give one object,
  with ``cg:countKind`` on it when the key has one, and ``cg:supportedBy`` each claim;
* the bare triple ``s p o`` is asserted only where every claim about (s, p),
  whatever its count kind, gives ``o``.

So 52 bodies seen does not corroborate 52 deaths: each has its own statement, and
the bare triple stands only if no claim about the subject and predicate disagrees.

A write keeps the records of the (subject, predicate) pairs it touches from its change
and those records (:mod:`claimgraph.upkeep`), so that it costs what it changes, not
what the store holds.

>>> from rdflib import Literal, URIRef
>>> from .mapping import Minter
>>> e, p = URIRef("http://e/attack"), URIRef("http://e/deathCount")
>>> rows = [(URIRef("http://e/c1"), e, p, Literal(52), Literal("deaths")),
...         (URIRef("http://e/c2"), e, p, Literal(52), Literal("bodies seen")),
...         (URIRef("http://e/c3"), e, p, Literal(50), Literal("deaths"))]
>>> triples = consensus_triples(rows, Minter("http://e/"))
>>> (e, p, Literal(52)) in triples   # the deaths disagree: no bare triple
False
>>> statements = {s for s, q, o in triples if o == CG.ConsensusStatement}
>>> sorted(str(o) for s, q, o in triples if q == CG.countKind and s in statements)  # only bodies seen agree
['bodies seen']
>>> sorted(o.toPython() for s, q, o in triples if q == RDF.object and (s, RDF.type, CG.ContestedValue) in triples)
[50, 52]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from .counting import all_compatible, source_groups
from .errors import ValidationFailed
from .mapping import Minter, Triple
from .namespaces import CG, PROV, RDF, XSD
from .rdf.terms import Quad, sparql_term
from .store import Store
from .validation import Vocabulary, validate_batch

# Built once: an rdflib namespace builds a new term on every attribute read.
_TYPE = RDF.type
_SUBJECT = RDF.subject
_PREDICATE = RDF.predicate
_OBJECT = RDF.object
_STATEMENT = CG.ConsensusStatement
_CONTESTED = CG.ContestedValue
_COUNT_KIND = CG.countKind
_SUPPORTED_BY = CG.supportedBy
_CLAIM_COUNT = CG.claimCount
_DOCUMENT_COUNT = CG.documentCount
_OTHER_COUNT_KINDS = CG.otherCountKinds
_CLAIMANT = CG.claimant
_SOURCE_COUNT = CG.sourceCount
_CLAIM = CG.Claim
_COMPATIBLE = CG.CompatibleValue
_GROUP = CG.SourceGroup
_SOURCE_GROUP = CG.sourceGroup
_SOURCE_AGENT = CG.sourceAgent
_INTEGER = XSD.integer

#: (claim, subject, predicate, object, count kind or None, claimant, document, agents): a claim's
#: key and value, who gave it where, and every agent it depends on (its chain's, the document's
#: own voice included, and any it cites as its basis); the last three may be left out, or None.
ClaimRow = tuple[Node, ...]
Key = tuple[Node, Node]

#: The shapes that check the consensus (the claim shapes are not meant for its partial view).
CONSENSUS_SHAPES = (
    "ConsensusStatementShape",
    "ConsensusUncontestedShape",
    "ContestedValueShape",
    "ContestedKeyShape",
    "CompatibleValueShape",
    "SourceGroupShape",
)
SHAPES_NS = "https://w3id.org/claimgraph/shapes#"


def consensus_triples(claims: Iterable[ClaimRow], mint: Minter) -> set[Triple]:
    """The consensus triples of the given claims (all the claims about their keys).

    Each value of a key gets one record: a :term:`cg:ConsensusStatement` where the key's
    claims give one value; a :term:`cg:ContestedValue` for each of several values, which
    also says in how many other count kinds the subject and predicate are counted; a
    ``cg:CompatibleValue`` for each value of a key whose values are dates that agree at
    different precision (``--09-01``, ``2013-09-01``: none is agreed on, none excludes
    another). Every record carries what a write needs to keep it from its change alone:
    its claims and how many, how many documents, its claimants, and its independent source
    groups (the agents of each) and how many. A value's record has one IRI whatever its kind.
    """
    by_pair: dict[Key, dict[Node | None, dict[Node, list[ClaimRow]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    for row in claims:
        _claim, s, p, o, kind = row[:5]
        by_pair[(s, p)][kind][o].append(row)
    triples: set[Triple] = set()
    for (s, p), kinds in by_pair.items():
        objects = {o for values in kinds.values() for o in values}
        if len(objects) == 1:
            triples.add((s, p, next(iter(objects))))
        named = {k for k in kinds if k is not None}
        for kind, values in kinds.items():
            rtype = record_type(values)
            others = len(named - {kind})
            for o, rows in values.items():
                triples |= _record(mint, rtype, s, p, o, kind, rows, others)
    return triples


def record_type(values: Iterable[Node]) -> Node:
    """The class of the records of a key whose claims give ``values``."""
    values = list(dict.fromkeys(values))
    if len(values) == 1:
        return _STATEMENT
    return _COMPATIBLE if all_compatible(values) else _CONTESTED


def record_node(mint: Minter, rtype: Node, s: Node, p: Node, o: Node, kind: Node | None) -> URIRef:
    """The IRI of the record of one value: the same whatever its kind, so that a key that gains
    a second value changes its records' kind, not their IRIs (nor their claims)."""
    del rtype
    return mint.consensus(s, p, o, kind)


def summary_triples(
    node: Node, rtype: Node, key: tuple[Node, Node, Node, Node | None], figures: tuple[int, int, int, int]
) -> set[Triple]:
    """A record's triples but its claims, claimants and source groups: its kind, its triple and
    count kind, and its figures (claims, documents, source groups, other count kinds)."""
    s, p, o, kind = key
    claims, documents, sources, others = figures
    triples = {(node, _TYPE, rtype), (node, _SUBJECT, s), (node, _PREDICATE, p), (node, _OBJECT, o)}
    if kind is not None:
        triples.add((node, _COUNT_KIND, kind))
    triples.add((node, _CLAIM_COUNT, Literal(claims, datatype=_INTEGER)))
    triples.add((node, _DOCUMENT_COUNT, Literal(documents, datatype=_INTEGER)))
    triples.add((node, _SOURCE_COUNT, Literal(sources, datatype=_INTEGER)))
    if rtype == _CONTESTED:
        triples.add((node, _OTHER_COUNT_KINDS, Literal(others, datatype=_INTEGER)))
    return triples


def agents_of(row: ClaimRow) -> set[Node]:
    """Every agent a claim depends on (the claim itself when it names no claimant)."""
    found = row[7] if len(row) > 7 and row[7] is not None else ()
    claimant = row[5] if len(row) > 5 and row[5] is not None else row[0]
    return set(found) | {claimant}


def group_triples(mint: Minter, node: Node, agents: Iterable[Node]) -> set[Triple]:
    """The record of one source group of ``node``'s claims (the agents they depend on)."""
    agents = set(agents)
    group = mint.source_group(node, min(agents, key=lambda a: a.n3()))
    return {(node, _SOURCE_GROUP, group), (group, _TYPE, _GROUP)} | {
        (group, _SOURCE_AGENT, a) for a in agents
    }


def sources(rows: list[ClaimRow]) -> int:
    """From how many independent source groups the claims of ``rows`` come
    (:func:`claimgraph.counting.source_groups`; a row without its agents counts its claimant)."""
    return len(source_groups({row[0]: agents_of(row) for row in rows}))


def _record(
    mint: Minter, rtype: Node, s: Node, p: Node, o: Node, kind: Node | None, rows: list[ClaimRow], others: int
) -> set[Triple]:
    node = record_node(mint, rtype, s, p, o, kind)
    agents: dict[Node, set[Node]] = defaultdict(set)
    for row in rows:
        agents[row[0]] |= agents_of(row)
    triples = {(node, _SUPPORTED_BY, c) for c in agents}
    claimants = {row[5] for row in rows if len(row) > 5 and row[5] is not None}
    documents = {row[6] for row in rows if len(row) > 6 and row[6] is not None}
    groups = source_groups(agents)
    figures = (len(agents), len(documents), len(groups), others)
    triples |= summary_triples(node, rtype, (s, p, o, kind), figures)
    triples.update((node, _CLAIMANT, a) for a in claimants)
    for group in groups:
        triples |= group_triples(mint, node, set().union(*(agents[c] for c in group)))
    return triples


def stored_claims(store: Store, pairs: Iterable[Key]) -> set[ClaimRow]:
    """Every claim in the store about the (subject, predicate) ``pairs``: one bound query."""
    pairs = sorted(set(pairs), key=lambda k: (str(k[0]), str(k[1])))
    rows: set[ClaimRow] = set()
    for start in range(0, len(pairs), 500):
        values = " ".join(f"({sparql_term(s)} {sparql_term(p)})" for s, p in pairs[start : start + 500])
        # Over the union of the graphs, not GRAPH ?g: the engine then looks each pair's claims
        # up from the pair (under GRAPH ?g it scanned every claim of the store, per write).
        answer = store.query(
            f"SELECT ?c ?s ?p ?o ?k ?a ?d ?r WHERE {{ VALUES (?s ?p) {{ {values} }}"
            f" ?c <{RDF.subject}> ?s ; <{RDF.predicate}> ?p ; <{RDF.object}> ?o ; a <{CG.Claim}> ."
            f" OPTIONAL {{ ?c <{CG.countKind}> ?k }} OPTIONAL {{ ?c <{PROV.wasAttributedTo}> ?a }}"
            f" OPTIONAL {{ ?c <{PROV.wasDerivedFrom}> ?d }}"
            f" OPTIONAL {{ ?c <{CG.reportedBy}>|<{CG.basis}> ?r }} }}"
        )
        # One answer row per agent a claim depends on: folded into one claim row.
        found: dict[Node, tuple[tuple[Node, ...], set[Node]]] = {}
        for r in answer.rows:
            head = (r["c"], r["s"], r["p"], r["o"], r.get("k"), r.get("a"), r.get("d"))
            _, agents = found.setdefault(r["c"], (head, set()))
            agents.update(x for x in (r.get("a"), r.get("r")) if x is not None)
        rows.update((*head, frozenset(agents)) for head, agents in found.values())
    return rows


def stored_consensus(store: Store, graph: URIRef, pairs: Iterable[Key]) -> set[Quad]:
    """The consensus quads now in the store about the ``pairs``, read exactly (by pattern)."""
    quads: set[Quad] = set()
    for s, p in set(pairs):
        quads.update(store.quads(graph, subject=s, predicate=p, exact=True))
        for statement, *_ in store.quads(graph, predicate=_SUBJECT, object=s, exact=True):
            if any(True for _ in store.quads(graph, subject=statement, predicate=_PREDICATE, object=p)):
                record = set(store.quads(graph, subject=statement, exact=True))
                quads |= record
                for _r, q, group, _g in record:
                    if q == _SOURCE_GROUP:
                        quads.update(store.quads(graph, subject=group, exact=True))
    return quads


#: Claim rows validated at once with the consensus of their keys.
CONSENSUS_CHUNK_ROWS = 20_000


def validate_consensus(
    added: Iterable[Quad],
    claims: Iterable[ClaimRow],
    vocabulary: Vocabulary,
    shapes: tuple[str, ...] = CONSENSUS_SHAPES,
) -> None:
    """Check new consensus quads, with the claims about their pairs, against the consensus shapes.

    The keys are checked a few thousand claims at a time (a key's claims and statements
    together), as N-Triples text.

    :raises ValidationFailed: when a statement has no claim behind it or one against it.
    """
    quads = list(added)
    kinds = {s for s, p, o, _g in quads if p == _TYPE and o in (_STATEMENT, _CONTESTED, _COMPATIBLE)}
    parts: dict[Node, dict[Node, Node]] = defaultdict(dict)
    for s, p, o, _g in quads:
        if s in kinds and p in (_SUBJECT, _PREDICATE):
            parts[s][p] = o
    statements = {s: (parts[s].get(_SUBJECT), parts[s].get(_PREDICATE)) for s in kinds}
    # A source group is checked with its record.
    statements.update({o: statements[s] for s, p, o, _g in quads if p == _SOURCE_GROUP and s in statements})
    by_pair: dict[Key, list[str]] = defaultdict(list)
    text = _TextTerms()
    for s, p, o, _g in quads:
        pair = statements.get(s, (s, p))
        by_pair[pair].append(text.triple(s, p, o))
    rows: dict[Key, list[str]] = defaultdict(list)
    for row in claims:
        claim, s, p, o, kind = row[:5]
        if (s, p) not in by_pair:
            continue
        lines = rows[(s, p)]
        lines.append(text.triple(claim, _TYPE, _CLAIM))
        lines.append(text.triple(claim, _SUBJECT, s))
        lines.append(text.triple(claim, _PREDICATE, p))
        lines.append(text.triple(claim, _OBJECT, o))
        if kind is not None:
            lines.append(text.triple(claim, _COUNT_KIND, kind))
    only = consensus_vocabulary(vocabulary, shapes)
    problems, reports = [], []
    chunk: list[str] = []
    for pair in sorted(by_pair, key=lambda k: (str(k[0]), str(k[1]))):
        chunk += by_pair[pair]
        chunk += rows.get(pair, [])
        if len(chunk) >= CONSENSUS_CHUNK_ROWS:
            _validate_text(chunk, only, problems, reports)
            chunk = []
    if chunk:
        _validate_text(chunk, only, problems, reports)
    if problems:
        raise ValidationFailed(problems, report="\n".join(reports))


def _validate_text(lines: list[str], vocabulary: Vocabulary, problems: list, reports: list) -> None:
    try:
        validate_batch("".join(lines), vocabulary)
    except ValidationFailed as exc:
        problems += exc.problems
        reports.append(exc.report or "")


class _TextTerms:
    """rdflib terms written as N-Triples, each once (a key's terms recur in every row)."""

    def __init__(self) -> None:
        self.cache: dict[Node, str] = {}

    def term(self, node: Node) -> str:
        if type(node) is URIRef:
            return f"<{node}>"  # IRIs read from the store or minted: nothing to escape
        found = self.cache.get(node)
        if found is None:
            found = sparql_term(node)
            if len(self.cache) < 100_000:
                self.cache[node] = found
        return found

    def triple(self, s: Node, p: Node, o: Node) -> str:
        return f"{self.term(s)} {self.term(p)} {self.term(o)} .\n"


_ONLY: dict[tuple[int, tuple[str, ...]], tuple[Vocabulary, Vocabulary]] = {}


def consensus_vocabulary(vocabulary: Vocabulary, shapes: tuple[str, ...] = CONSENSUS_SHAPES) -> Vocabulary:
    """The vocabulary with the consensus shapes only (compiled once for each vocabulary)."""
    found = _ONLY.get((id(vocabulary), shapes))
    if found is None or found[0] is not vocabulary:
        only = Graph()
        for name in shapes:
            _copy_shape(vocabulary.shapes, URIRef(SHAPES_NS + name), only)
        # The fast validator, whichever validates claims: the consensus is derived, not read.
        found = _ONLY[(id(vocabulary), shapes)] = (
            vocabulary,
            Vocabulary(shapes=only, ontology=vocabulary.ontology),
        )
    return found[1]


def _copy_shape(source: Graph, node: Node, target: Graph) -> None:
    for p, o in source.predicate_objects(node):
        target.add((node, p, o))
        if not isinstance(o, URIRef) or p == URIRef("http://www.w3.org/ns/shacl#prefixes"):
            _copy_shape(source, o, target)

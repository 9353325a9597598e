"""The derived consensus: what every claim about a key agrees on, kept up to date per change.

A claim's key is (subject, predicate, count kind): the ``cg:countKind`` qualifier,
or none. Two rules, one per kind of triple in the consensus graph:

* a :term:`cg:ConsensusStatement` is made per key whose claims all give one object,
  with ``cg:countKind`` on it when the key has one, and ``cg:supportedBy`` each claim;
* the bare triple ``s p o`` is asserted only where every claim about (s, p),
  whatever its count kind, gives ``o``.

So 52 bodies seen does not corroborate 52 deaths: each has its own statement, and
the bare triple stands only if no claim about the subject and predicate disagrees.

The consensus is maintained for the (subject, predicate) pairs a change touches,
reading only the claims about those pairs (one VALUES-bound query), so that a
write costs what it changes, not what the store holds.

>>> from rdflib import Literal, URIRef
>>> from .mapping import Minter
>>> e, p = URIRef("http://e/attack"), URIRef("http://e/deathCount")
>>> rows = [(URIRef("http://e/c1"), e, p, Literal(52), Literal("deaths")),
...         (URIRef("http://e/c2"), e, p, Literal(52), Literal("bodies seen")),
...         (URIRef("http://e/c3"), e, p, Literal(50), Literal("deaths"))]
>>> triples = consensus_triples(rows, Minter("http://e/"))
>>> (e, p, Literal(52)) in triples   # the deaths disagree: no bare triple
False
>>> sorted(str(o) for s, q, o in triples if q == CG.countKind)  # only bodies seen agree
['bodies seen']
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from rdflib import Graph, URIRef
from rdflib.term import Node

from .mapping import Minter, Triple
from .namespaces import CG, RDF
from .store import Quad, Store, sparql_term
from .validation import Vocabulary, validate_batch

#: (claim, subject, predicate, object, count kind or None)
ClaimRow = tuple[Node, Node, Node, Node, Node | None]
Key = tuple[Node, Node]

#: The shapes that check the consensus (the claim shapes are not meant for its partial view).
CONSENSUS_SHAPES = ("ConsensusStatementShape", "ConsensusUncontestedShape")
SHAPES_NS = "https://w3id.org/claimgraph/shapes#"


def consensus_triples(claims: Iterable[ClaimRow], mint: Minter) -> set[Triple]:
    """The consensus triples of the given claims (all the claims about their keys)."""
    by_pair: dict[Key, dict[Node | None, dict[Node, set[Node]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(set))
    )
    for claim, s, p, o, kind in claims:
        by_pair[(s, p)][kind][o].add(claim)
    triples: set[Triple] = set()
    for (s, p), kinds in by_pair.items():
        objects = {o for values in kinds.values() for o in values}
        if len(objects) == 1:
            triples.add((s, p, next(iter(objects))))
        for kind, values in kinds.items():
            if len(values) != 1:
                continue
            [(o, behind)] = values.items()
            node = mint.consensus(s, p, o, kind)
            triples.update(
                {
                    (node, RDF.type, CG.ConsensusStatement),
                    (node, RDF.subject, s),
                    (node, RDF.predicate, p),
                    (node, RDF.object, o),
                }
            )
            if kind is not None:
                triples.add((node, CG.countKind, kind))
            triples.update((node, CG.supportedBy, c) for c in behind)
    return triples


def stored_claims(store: Store, pairs: Iterable[Key]) -> set[ClaimRow]:
    """Every claim in the store about the (subject, predicate) ``pairs``: one bound query."""
    pairs = sorted(set(pairs), key=lambda k: (str(k[0]), str(k[1])))
    rows: set[ClaimRow] = set()
    for start in range(0, len(pairs), 500):
        values = " ".join(f"({sparql_term(s)} {sparql_term(p)})" for s, p in pairs[start : start + 500])
        answer = store.query(
            f"SELECT ?c ?s ?p ?o ?k WHERE {{ VALUES (?s ?p) {{ {values} }} GRAPH ?g {{"
            f" ?c <{RDF.subject}> ?s ; <{RDF.predicate}> ?p ; <{RDF.object}> ?o ; a <{CG.Claim}> ."
            f" OPTIONAL {{ ?c <{CG.countKind}> ?k }} }} }}"
        )
        rows.update((r["c"], r["s"], r["p"], r["o"], r.get("k")) for r in answer.rows)
    return rows


def stored_consensus(store: Store, graph: URIRef, pairs: Iterable[Key]) -> set[Quad]:
    """The consensus quads now in the store about the ``pairs``, read exactly (by pattern)."""
    quads: set[Quad] = set()
    for s, p in set(pairs):
        quads.update(store.quads(graph, subject=s, predicate=p, exact=True))
        for statement, *_ in store.quads(graph, predicate=RDF.subject, object=s, exact=True):
            if any(True for _ in store.quads(graph, subject=statement, predicate=RDF.predicate, object=p)):
                quads.update(store.quads(graph, subject=statement, exact=True))
    return quads


def consensus_delta(
    store: Store,
    mint: Minter,
    pairs: Iterable[Key],
    *,
    leaving: Iterable[Node],
    arriving: Iterable[ClaimRow],
) -> tuple[set[Quad], set[Quad], set[ClaimRow]]:
    """The consensus quads to remove and to add for ``pairs`` after a change.

    :param leaving: the claims the change alters or removes (their stored rows no longer hold).
    :param arriving: the rows of the claims as the change leaves them.
    :returns: (remove, add, the claim rows about the pairs after the change).
    """
    pairs = set(pairs)
    leaving = set(leaving)
    after = {row for row in stored_claims(store, pairs) if row[0] not in leaving}
    after |= {row for row in arriving if (row[1], row[2]) in pairs}
    graph = mint.consensus_graph
    wanted = {(s, p, o, graph) for s, p, o in consensus_triples(after, mint)}
    current = stored_consensus(store, graph, pairs)
    return current - wanted, wanted - current, after


def validate_consensus(added: Iterable[Quad], claims: Iterable[ClaimRow], vocabulary: Vocabulary) -> None:
    """Check new consensus quads, with the claims about their pairs, against the consensus shapes.

    :raises ValidationFailed: when a statement has no claim behind it or one against it.
    """
    data = Graph()
    for s, p, o, _ in added:
        data.add((s, p, o))
    for claim, s, p, o, kind in claims:
        data.add((claim, RDF.type, CG.Claim))
        data.add((claim, RDF.subject, s))
        data.add((claim, RDF.predicate, p))
        data.add((claim, RDF.object, o))
        if kind is not None:
            data.add((claim, CG.countKind, kind))
    only = Graph()
    for name in CONSENSUS_SHAPES:
        _copy_shape(vocabulary.shapes, URIRef(SHAPES_NS + name), only)
    validate_batch(data, Vocabulary(shapes=only, ontology=vocabulary.ontology))


def _copy_shape(source: Graph, node: Node, target: Graph) -> None:
    for p, o in source.predicate_objects(node):
        target.add((node, p, o))
        if not isinstance(o, URIRef) or p == URIRef("http://www.w3.org/ns/shacl#prefixes"):
            _copy_shape(source, o, target)

"""Load = read sheets → build RDF → validate → commit whole.

A batch replaces whole graphs (one per source document, one per corpus for its
entities). Nothing is written until the batch and the consensus it leads to
have passed the shapes; then every change goes to the store in one transaction.
Loading the same batch twice changes nothing, because every IRI is minted from
content.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.term import Node

from .errors import Problem, ValidationFailed
from .mapping import Minter, Triple, corpus_quads
from .model import Corpus
from .namespaces import CG, RDF
from .sheets import read_corpus
from .store import Quad, Store
from .validation import CONTEXT_PROPERTIES, Vocabulary, referenced_nodes, validate_batch

Locate = Callable[[str], tuple[str | None, int | None, str | None]]
Progress = Callable[[str], None]


@dataclass(frozen=True)
class LoadReport:
    """What a load changed."""

    graphs: int
    claims: int
    added: int
    removed: int

    def __str__(self) -> str:
        return (
            f"{self.claims} claims in {self.graphs} graphs: {self.added} quads added, {self.removed} removed"
        )


def _silent(_: str) -> None:
    return None


def load_corpus(
    store: Store,
    folder: Path,
    *,
    mint: Minter,
    vocabulary: Vocabulary,
    vocabulary_graphs: Mapping[URIRef, Graph] | None = None,
    progress: Progress = _silent,
) -> LoadReport:
    """Read, validate and commit a corpus folder whole.

    :raises SheetError: when a sheet cannot be read or a quote is not found.
    :raises ValidationFailed: when the batch breaks a shape; nothing is written.
    """
    progress("reading sheets")
    corpus = read_corpus(folder)
    progress("building RDF")
    graphs = corpus_quads(corpus, mint)
    return commit_graphs(
        store,
        graphs,
        mint=mint,
        vocabulary=vocabulary,
        locate=corpus_locator(corpus, mint),
        unvalidated=vocabulary_graphs or {},
        progress=progress,
    )


def corpus_locator(corpus: Corpus, mint: Minter) -> Locate:
    """Map IRIs minted from a corpus back to the sheet and line they came from."""
    places: dict[str, tuple[str | None, int | None, str | None]] = {}
    for claim in corpus.claims:
        places[str(mint.claim(claim))] = (claim.sheet, claim.line, claim.digest())
    for document in corpus.documents:
        places[str(mint.document(document.id))] = (document.sheet, 1, None)
    for entity in corpus.entities:
        places[str(mint.entity(entity.id))] = ("corpus.yaml", entity.line, None)

    def locate(iri: str) -> tuple[str | None, int | None, str | None]:
        return places.get(iri.split("#", 1)[0], (None, None, None))

    return locate


def commit_graphs(
    store: Store,
    graphs: Mapping[URIRef, Iterable[Triple]],
    *,
    mint: Minter,
    vocabulary: Vocabulary,
    locate: Locate | None = None,
    unvalidated: Mapping[URIRef, Graph] | None = None,
    progress: Progress = _silent,
) -> LoadReport:
    """Replace ``graphs`` in the store, after validating them, in one transaction.

    An empty graph in ``graphs`` withdraws that graph. The consensus graph is
    brought up to date in the same transaction.

    :raises ValidationFailed: when the batch or the consensus breaks a shape.
    """
    graphs = {name: list(triples) for name, triples in graphs.items()}
    new_quads: set[Quad] = set()
    for name, triples in graphs.items():
        new_quads.update((s, p, o, name) for s, p, o in triples)
    for name, graph in (unvalidated or {}).items():
        new_quads.update((s, p, o, name) for s, p, o in graph)
    replaced = set(graphs) | set(unvalidated or {})

    progress("validating")
    batch_claims = _validate_in_chunks(store, graphs, vocabulary, locate)

    progress("deriving consensus")
    old_quads = {q for name in replaced for q in store.quads(name)}
    claims = _claims_outside(store, replaced) + batch_claims
    consensus = consensus_triples(claims, mint)
    consensus_graph = mint.consensus_graph
    old_consensus = set(store.quads(consensus_graph))
    new_consensus = {(s, p, o, consensus_graph) for s, p, o in consensus}
    changed = new_consensus - old_consensus
    if changed:
        validate_consensus_change(changed, claims, vocabulary)

    remove = (old_quads - new_quads) | (old_consensus - new_consensus)
    add = (new_quads - old_quads) | changed
    progress("committing")
    if remove or add:
        store.apply(remove=sorted(remove, key=_quad_key), add=add)
    return LoadReport(
        graphs=len(graphs),
        claims=len(batch_claims),
        added=len(add),
        removed=len(remove),
    )


def _quad_key(q: Quad) -> tuple[str, ...]:
    return tuple(str(t) for t in q)


#: Triples validated in one pyshacl run: enough to amortise its start-up, few enough
#: that memory stays bounded however large the batch (a graph is never split).
CHUNK_TRIPLES = 50_000


def _validate_in_chunks(
    store: Store, graphs: Mapping[URIRef, list[Triple]], vocabulary: Vocabulary, locate: Locate | None
) -> list[ClaimRow]:
    """Validate the batch a few graphs at a time; report every problem of every chunk at once.

    Nodes one graph points at and another describes (a document's agents, in the
    corpus graph) are given as context, as are those the store already holds.
    """
    described: dict[Node, list[tuple[Node, Node]]] = defaultdict(list)
    for triples in graphs.values():
        for s, p, o in triples:
            if p in CONTEXT_PROPERTIES:
                described[s].append((p, o))
    problems: list[Problem] = []
    reports: list[str] = []
    claims: list[ClaimRow] = []
    for chunk in _chunks(graphs.values()):
        claims += _claims_in(chunk)
        try:
            validate_batch(chunk, vocabulary, context=_context(store, chunk, described), locate=locate)
        except ValidationFailed as exc:
            problems += exc.problems
            reports.append(exc.report or "")
    if problems:
        problems.sort(key=lambda p: (p.sheet or "", p.line or 0, p.message))
        raise ValidationFailed(problems, report="\n".join(reports))
    return claims


def _chunks(graphs: Iterable[list[Triple]]) -> Iterator[Graph]:
    chunk = Graph()
    for triples in graphs:
        if len(chunk) and len(chunk) + len(triples) > CHUNK_TRIPLES:
            yield chunk
            chunk = Graph()
        for triple in triples:
            chunk.add(triple)
    if len(chunk):
        yield chunk


def _context(
    store: Store, batch: Graph, described: Mapping[Node, list[tuple[Node, Node]]]
) -> list[tuple[Node, Node, Node]]:
    """What the rest of the batch, then the store, knows of the nodes ``batch`` points at."""
    wanted = {n for n in referenced_nodes(batch) if (n, RDF.type, None) not in batch}
    context = [(n, p, o) for n in wanted for p, o in described.get(n, ())]
    missing = sorted(n for n in wanted if n not in described)
    if not missing:
        return context
    values = " ".join(n.n3() for n in missing)
    props = " ".join(p.n3() for p in CONTEXT_PROPERTIES)
    answer = store.query(
        f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} VALUES ?p {{ {props} }} ?s ?p ?o }}"
    )
    return context + [(row["s"], row["p"], row["o"]) for row in answer.rows]


ClaimRow = tuple[Node, Node, Node, Node]


def _claims_outside(store: Store, replaced: set[URIRef]) -> list[ClaimRow]:
    answer = store.query(
        f"SELECT ?g ?c ?s ?p ?o WHERE {{ GRAPH ?g {{ ?c a <{CG.Claim}> ; <{RDF.subject}> ?s ;"
        f" <{RDF.predicate}> ?p ; <{RDF.object}> ?o }} }}"
    )
    return [(row["c"], row["s"], row["p"], row["o"]) for row in answer.rows if row["g"] not in replaced]


def _claims_in(batch: Graph) -> list[ClaimRow]:
    rows = []
    for claim in batch.subjects(RDF.type, CG.Claim):
        s = batch.value(claim, RDF.subject)
        p = batch.value(claim, RDF.predicate)
        o = batch.value(claim, RDF.object)
        if s is not None and p is not None and o is not None:
            rows.append((claim, s, p, o))
    return rows


def consensus_triples(claims: Iterable[ClaimRow], mint: Minter) -> set[Triple]:
    """The consensus graph: each (subject, predicate) whose claims all give one object.

    Each agreed triple is asserted bare, and as a :term:`cg:ConsensusStatement`
    that names every claim behind it.
    """
    by_key: dict[tuple[Node, Node], dict[Node, list[Node]]] = defaultdict(lambda: defaultdict(list))
    for claim, s, p, o in claims:
        by_key[(s, p)][o].append(claim)
    triples: set[Triple] = set()
    for (s, p), values in by_key.items():
        if len(values) != 1:
            continue
        [(o, behind)] = values.items()
        node = mint.consensus(s, p, o)
        triples.update(
            {
                (s, p, o),
                (node, RDF.type, CG.ConsensusStatement),
                (node, RDF.subject, s),
                (node, RDF.predicate, p),
                (node, RDF.object, o),
            }
        )
        triples.update((node, CG.supportedBy, c) for c in behind)
    return triples


def validate_consensus_change(
    changed: Iterable[Quad], claims: Iterable[ClaimRow], vocabulary: Vocabulary
) -> None:
    """Validate new consensus quads with every claim about their subjects.

    :raises ValidationFailed: when a statement has no claim behind it or one against it.
    """
    data = Graph()
    keys = set()
    for s, p, o, _ in changed:
        data.add((s, p, o))
        if p == RDF.subject:
            keys.add(o)
    for claim, s, p, o in claims:
        if s in keys:
            data.add((claim, RDF.type, CG.Claim))
            data.add((claim, RDF.subject, s))
            data.add((claim, RDF.predicate, p))
            data.add((claim, RDF.object, o))
    validate_consensus_graph(data, vocabulary)


def validate_consensus_graph(data: Graph, vocabulary: Vocabulary) -> None:
    """Check consensus statements alone: the claim shapes are not meant for this partial view."""
    only = Graph()
    for name in ("ConsensusStatementShape", "ConsensusUncontestedShape"):
        shape = URIRef(f"https://w3id.org/claimgraph/shapes#{name}")
        _copy_shape(vocabulary.shapes, shape, only)
    validate_batch(data, Vocabulary(shapes=only, ontology=vocabulary.ontology))


def _copy_shape(source: Graph, node: Node, target: Graph) -> None:
    for p, o in source.predicate_objects(node):
        target.add((node, p, o))
        if not isinstance(o, URIRef) or p == URIRef("http://www.w3.org/ns/shacl#prefixes"):
            _copy_shape(source, o, target)

"""A corpus's documents as the fresh graphs of a change, streamed sheet by sheet, and where each IRI came from."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator

from rdflib import Literal, URIRef

from ..changes import SHAPES, Change, FreshGraph, Locate, Stream
from ..errors import Problem
from ..mapping import (
    Minter,
    NTriplesTerms,
    claim_triples,
    corpus_triples,
    count_kind_iri,
    document_triples,
    entity_triples,
    literal,
)
from ..model import Claim, Corpus, Document, Entity, EntityRef
from ..namespaces import CG
from ..queries import CORPUS_QUERIES
from ..sheets import CORPUS_FILE
from ..store import Store
from .registry import corpus_id, document_owners, registry_merge


def corpus_locator(corpus: Corpus, mint: Minter) -> Locate:
    """Map IRIs minted from a corpus back to the sheet and line they came from."""
    places: dict[str, tuple[str | None, int | None, str | None]] = {}
    for claim in corpus.claims:
        places[str(mint.claim(claim))] = (claim.sheet, claim.line, claim.digest())
    for document in corpus.documents:
        places[str(mint.document(document.id))] = (document.sheet, 1, None)
    for entity in corpus.entities:
        places[str(mint.entity(entity.id))] = (CORPUS_FILE, entity.line, None)
    places[str(mint.corpus(corpus.name))] = (CORPUS_FILE, 1, None)
    queries = f"{mint.corpus(corpus.name)}/query/"  # its named queries (see queries_change)

    def locate(iri: str) -> tuple[str | None, int | None, str | None]:
        if iri.startswith(queries):
            return f"{CORPUS_QUERIES}/{iri[len(queries) :]}.rq", 1, None
        return places.get(iri.split("#", 1)[0], (None, None, None))

    return locate


def documents_change(
    store: Store,
    name: str,
    entities: tuple[Entity, ...],
    documents: Iterable[tuple[Document, list[Claim]]],
    mint: Minter,
    *,
    total: int,
    replace: bool = False,
    problems: list[Problem],
) -> Change:
    """The change a corpus makes: its document graphs replaced, its entities merged
    into the registry, its record added to its corpus graph.

    A document whose graph is new is streamed (:class:`~claimgraph.changes.FreshGraph`):
    read, checked and spooled one at a time, so that a large corpus is never held
    whole. A document that replaces a stored one goes through the change whole.

    :param documents: each document with its claims, read lazily (sheet problems go to ``problems``).
    :param total: how many documents to expect (for progress).
    :param replace: let it take over documents that another corpus owns.
    :param problems: problems found in its sheets, reported with the change's; the
        change's own list, so that problems found while the documents are read join it.
    """
    corpus = Corpus(name=name, entities=entities, documents=(), claims=())
    change = Change(locate=corpus_locator(corpus, mint), problems=problems)
    registry = [t for e in entities for t in entity_triples(e, mint)]
    change.add += registry_merge(store, corpus, mint, registry, change.problems)
    read: list[Document] = []
    stored: list[tuple[Document, list[Claim]]] = []
    terms = _TermCache(mint)

    def fresh() -> Iterator[FreshGraph]:
        for document, claims in documents:
            if not document.id:
                continue
            read.append(dataclasses.replace(document, text=""))
            assert change.fresh is not None
            change.fresh.claims_read += len(claims)
            if store.has_graph(mint.document_graph(document.id)):
                stored.append((document, claims))
                continue
            yield fresh_graph(document, claims, mint, terms)

    def complete() -> Change:
        """What the corpus adds once its documents are read (joined to the change by the write path)."""
        rest = Change()
        whole = Corpus(
            name=name,
            entities=entities,
            documents=tuple(read),
            claims=tuple(c for _d, claims in stored for c in claims),
        )
        corpus_graph = mint.corpus_graph(name)
        rest.add += [(s, p, o, corpus_graph) for s, p, o in corpus_triples(whole, mint)]
        owners = document_owners(store, [mint.document(d.id) for d in read])
        mine = mint.corpus(name)
        for document in read:
            node = mint.document(document.id)
            for owner, graph in sorted(owners.get(node, ())):
                if owner == mine:
                    continue
                if not replace:
                    rest.problems.append(
                        Problem(
                            f"document {document.id!r} belongs to corpus {corpus_id(owner)!r} (its graph "
                            f"<{graph}>); corpus {name!r} would replace it. Load with --replace "
                            "to take it over, or give the document another id",
                            sheet=document.sheet,
                            line=1,
                            shape=SHAPES + "DocumentOwnerRule",
                        )
                    )
                else:
                    rest.remove.append((owner, CG.holdsDocument, node, graph))
        for document, claims in stored:
            graph = mint.document_graph(document.id)
            rest.replace[graph] = [
                *document_triples(document, mint),
                *(t for claim in claims for t in claim_triples(claim, mint)),
            ]
        if stored:
            places = corpus_locator(
                Corpus(
                    name=name, entities=entities, documents=tuple(d for d, _c in stored), claims=whole.claims
                ),
                mint,
            )
            first = change.locate

            def locate(iri: str) -> tuple[str | None, int | None, str | None]:
                found = places(iri)
                return found if found != (None, None, None) or first is None else first(iri)

            rest.locate = locate
        return rest

    change.fresh = Stream(fresh(), total=total, complete=complete)
    return change


class _TermCache:
    """The rdflib terms of claim rows (for the consensus), each built once: a load names
    the same few entities, properties, values and count kinds over and over."""

    def __init__(self, mint: Minter) -> None:
        self.mint = mint
        self.nt = NTriplesTerms()
        self.entities: dict[str, URIRef] = {}
        self.iris: dict[str, URIRef] = {}
        self.literals: dict[tuple[type, object], Literal] = {}

    def entity(self, ident: str) -> URIRef:
        found = self.entities.get(ident)
        if found is None:
            found = self.entities[ident] = self.mint.entity(ident)
        return found

    def iri(self, value: str) -> URIRef:
        found = self.iris.get(value)
        if found is None:
            found = self.iris[value] = URIRef(value)
        return found

    def literal(self, value: object) -> Literal:
        key = (type(value), value)
        found = self.literals.get(key)
        if found is None:
            found = self.literals[key] = literal(value)  # type: ignore[arg-type]
        return found


def fresh_graph(
    document: Document, claims: list[Claim], mint: Minter, terms: _TermCache | None = None
) -> FreshGraph:
    """A document's graph as N-Triples terms, with its claim rows and where each claim came from."""
    terms = terms or _TermCache(mint)
    nt = terms.nt
    triples = list(document_triples(document, mint, nt))
    rows = []
    document_node = mint.document(document.id)
    places: dict[str, tuple[str | None, int | None, str | None]] = {
        str(document_node): (document.sheet, 1, None)
    }
    for claim in claims:
        node = mint.claim(claim)
        triples += claim_triples(claim, mint, nt, node=node)
        value = claim.value
        obj = terms.entity(value.id) if isinstance(value, EntityRef) else terms.literal(value)
        kind = next((terms.iri(count_kind_iri(v)) for k, v in claim.qualifiers if k == "count_kind"), None)
        rows.append(
            (
                node,
                terms.entity(claim.subject),
                terms.iri(claim.predicate),
                obj,
                kind,
                terms.entity(claim.claimant),
                document_node,
                frozenset(
                    {terms.entity(step.agent) for step in claim.chain}
                    | {terms.entity(str(v)) for k, v in claim.qualifiers if k == "basis"}
                ),
            )
        )
        places[str(node)] = (claim.sheet, claim.line, str(node).rsplit("/", 1)[1])
    return FreshGraph(mint.document_graph(document.id), triples, rows, places)

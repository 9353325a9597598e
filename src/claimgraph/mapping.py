"""The RDF mapping of the model: claims, documents and entities as triples.

Pure functions from :mod:`claimgraph.model` objects to rdflib terms; no I/O.
Every node gets an IRI minted from content (no blank nodes), so that building
the same claim twice gives the same triples.

>>> m = Minter("http://example.org/")
>>> str(m.entity("camp-ashraf"))
'http://example.org/entity/camp-ashraf'
>>> str(m.document_graph("article-000"))
'http://example.org/graph/document/article-000'
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.term import Node

from .model import Claim, Corpus, Document, Entity, EntityRef, LiteralValue, MonthDay, Year, YearMonth
from .namespaces import CG, DCT, OA, OWL, PROV, RDF, RDFS, SCHEMA, SKOS, XSD

Triple = tuple[Node, Node, Node]
Quad = tuple[Node, Node, Node, URIRef]

QUALIFIER_PROPERTIES = {
    "count_kind": CG.countKind,
    "bound": CG.bound,
    "modality": CG.modality,
    "stated_on": CG.statedOn,
    "note": RDFS.comment,
}


@dataclass(frozen=True)
class Minter:
    """Mints the IRIs of everything claimgraph stores, under one base IRI."""

    base: str

    def entity(self, ident: str) -> URIRef:
        return URIRef(f"{self.base}entity/{ident}")

    def document(self, ident: str) -> URIRef:
        return URIRef(f"{self.base}document/{ident}")

    def claim(self, claim: Claim) -> URIRef:
        return URIRef(f"{self.base}claim/{claim.digest()}")

    def consensus(self, s: Node, p: Node, o: Node, kind: Node | None = None) -> URIRef:
        """The statement that the claims of one key (subject, predicate, count kind) agree on ``o``.

        The count kind enters the digest only when there is one, so that statements
        without a kind keep the IRIs they always had.
        """
        terms = (s, p, o) if kind is None else (s, p, o, kind)
        key = "\n".join(t.n3() for t in terms)
        return URIRef(f"{self.base}consensus/{hashlib.sha256(key.encode()).hexdigest()[:16]}")

    def corpus(self, name: str) -> URIRef:
        return URIRef(f"{self.base}corpus/{name}")

    def skolem(self, label: str) -> URIRef:
        """The IRI that stands for a blank node in the store (RDF 1.1 skolem IRIs)."""
        return URIRef(f"{self.base}.well-known/genid/{label}")

    @property
    def registry_graph(self) -> URIRef:
        """The one graph that describes the entities and agents of every corpus."""
        return URIRef(f"{self.base}graph/registry")

    @property
    def shapes_graph(self) -> URIRef:
        return URIRef(f"{self.base}graph/shapes")

    def document_graph(self, ident: str) -> URIRef:
        return URIRef(f"{self.base}graph/document/{ident}")

    def corpus_graph(self, name: str) -> URIRef:
        return URIRef(f"{self.base}graph/corpus/{name}")

    @property
    def consensus_graph(self) -> URIRef:
        return URIRef(f"{self.base}graph/consensus")

    @property
    def ontology_graph(self) -> URIRef:
        return URIRef(f"{self.base}graph/ontology")


def literal(value: LiteralValue) -> Literal:
    """The typed literal for a sheet value.

    >>> literal(52).n3()
    '"52"^^<http://www.w3.org/2001/XMLSchema#integer>'
    >>> literal(dt.date(2013, 9, 1)).n3()
    '"2013-09-01"^^<http://www.w3.org/2001/XMLSchema#date>'
    >>> literal(YearMonth(2017, 9)).n3()
    '"2017-09"^^<http://www.w3.org/2001/XMLSchema#gYearMonth>'
    >>> literal(Year(1988)).n3()
    '"1988"^^<http://www.w3.org/2001/XMLSchema#gYear>'
    >>> literal(MonthDay(9, 1)).n3()
    '"--09-01"^^<http://www.w3.org/2001/XMLSchema#gMonthDay>'
    """
    if isinstance(value, YearMonth):
        return Literal(str(value), datatype=XSD.gYearMonth)
    if isinstance(value, Year):
        return Literal(str(value), datatype=XSD.gYear)
    if isinstance(value, MonthDay):
        return Literal(str(value), datatype=XSD.gMonthDay)
    if isinstance(value, bool):
        return Literal(value, datatype=XSD.boolean)
    if isinstance(value, int):
        return Literal(value, datatype=XSD.integer)
    if isinstance(value, float):
        return Literal(value, datatype=XSD.double)
    if isinstance(value, dt.datetime):
        return Literal(value, datatype=XSD.dateTime)
    if isinstance(value, dt.date):
        return Literal(value, datatype=XSD.date)
    return Literal(str(value))


def entity_triples(entity: Entity, mint: Minter) -> Iterator[Triple]:
    node = mint.entity(entity.id)
    if entity.is_agent:
        yield node, RDF.type, PROV.Agent
    for rdf_type in entity.types:
        yield node, RDF.type, URIRef(rdf_type)
    yield node, RDFS.label, Literal(entity.label)
    yield node, SKOS.prefLabel, Literal(entity.label)
    for alt in entity.alt_labels:
        yield node, SKOS.altLabel, Literal(alt)
    for other in entity.same_as:
        yield node, OWL.sameAs, URIRef(other)
    if entity.description:
        yield node, RDFS.comment, Literal(entity.description)


def document_triples(document: Document, mint: Minter) -> Iterator[Triple]:
    node = mint.document(document.id)
    yield node, RDF.type, CG.SourceDocument
    yield node, CG.fileName, Literal(document.file)
    yield node, CG.sha256, Literal(document.sha256)
    yield node, SCHEMA.text, Literal(document.text)
    yield node, DCT.creator, mint.entity(document.creator)
    if document.title:
        yield node, DCT.title, Literal(document.title)
        yield node, RDFS.label, Literal(document.title)
    else:
        yield node, RDFS.label, Literal(document.file)
    if document.publisher:
        yield node, DCT.publisher, mint.entity(document.publisher)
    if document.date:
        yield node, DCT.date, literal(document.date)
    if document.place:
        yield node, SCHEMA.locationCreated, mint.entity(document.place)
    if document.language:
        yield node, DCT.language, Literal(document.language)


def claim_triples(claim: Claim, mint: Minter) -> Iterator[Triple]:
    node = mint.claim(claim)
    doc = mint.document(claim.document)
    obj = mint.entity(claim.value.id) if isinstance(claim.value, EntityRef) else literal(claim.value)
    yield node, RDF.type, CG.Claim
    yield node, RDF.subject, mint.entity(claim.subject)
    yield node, RDF.predicate, URIRef(claim.predicate)
    yield node, RDF.object, obj
    yield node, PROV.wasDerivedFrom, doc
    yield node, PROV.wasAttributedTo, mint.entity(claim.claimant)
    for step in claim.chain[:-1]:
        yield node, CG.reportedBy, mint.entity(step.agent)
    for index, step in enumerate(claim.chain):
        step_node = URIRef(f"{node}#step-{index}")
        yield node, CG.attributionStep, step_node
        yield step_node, RDF.type, CG.AttributionStep
        yield step_node, CG.stepIndex, Literal(index, datatype=XSD.integer)
        yield step_node, CG.agent, mint.entity(step.agent)
        medium = doc if index == 0 else (mint.entity(step.medium) if step.medium else None)
        if medium is not None:
            yield step_node, CG.medium, medium
    for name, value in claim.qualifiers:
        yield node, QUALIFIER_PROPERTIES[name], literal(value)
    evidence = URIRef(f"{node}#evidence")
    quote = URIRef(f"{node}#quote")
    position = URIRef(f"{node}#position")
    yield node, CG.evidence, evidence
    yield evidence, RDF.type, OA.SpecificResource
    yield evidence, OA.hasSource, doc
    yield evidence, OA.hasSelector, quote
    yield evidence, OA.hasSelector, position
    yield quote, RDF.type, OA.TextQuoteSelector
    yield quote, OA.exact, Literal(claim.quote.exact)
    if claim.quote.prefix:
        yield quote, OA.prefix, Literal(claim.quote.prefix)
    if claim.quote.suffix:
        yield quote, OA.suffix, Literal(claim.quote.suffix)
    yield position, RDF.type, OA.TextPositionSelector
    yield position, OA.start, Literal(claim.quote.start, datatype=XSD.integer)
    yield position, OA.end, Literal(claim.quote.end, datatype=XSD.integer)


def corpus_triples(corpus: Corpus, mint: Minter) -> Iterator[Triple]:
    """The corpus's own record: what it declared and which documents it owns."""
    node = mint.corpus(corpus.name)
    yield node, RDF.type, CG.Corpus
    yield node, RDFS.label, Literal(corpus.name)
    for entity in corpus.entities:
        yield node, CG.declares, mint.entity(entity.id)
    for document in corpus.documents:
        yield node, CG.holdsDocument, mint.document(document.id)


def corpus_quads(corpus: Corpus, mint: Minter) -> dict[URIRef, list[Triple]]:
    """Every graph a corpus writes to: the registry (its entities, merged there with every
    other corpus's), its own corpus graph (its record), and one graph per document."""
    graphs: dict[URIRef, list[Triple]] = {
        mint.registry_graph: [t for e in corpus.entities for t in entity_triples(e, mint)],
        mint.corpus_graph(corpus.name): list(corpus_triples(corpus, mint)),
    }
    for document in corpus.documents:
        graphs[mint.document_graph(document.id)] = list(document_triples(document, mint))
    for claim in corpus.claims:
        graphs[mint.document_graph(claim.document)].extend(claim_triples(claim, mint))
    return graphs

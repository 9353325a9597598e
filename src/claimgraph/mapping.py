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
from typing import Any

from rdflib import Literal, URIRef
from rdflib.term import Node

from .model import Claim, Corpus, Document, Entity, EntityRef, LiteralValue, MonthDay, Year, YearMonth
from .namespaces import CG, DCT, OA, OWL, PROV, RDF, RDFS, SCHEMA, SKOS, XSD, is_iri

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


def lexical_form(value: LiteralValue) -> tuple[str, URIRef | None]:
    """A sheet value's lexical form and datatype (None: a plain string).

    The one place that says how a value is written, for both ways of building terms
    (:class:`RdfTerms`, :class:`NTriplesTerms`).

    >>> lexical_form(52), lexical_form("deaths")
    (('52', rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#integer')), ('deaths', None))
    """
    if isinstance(value, str):
        return value, None
    if isinstance(value, YearMonth):
        return str(value), XSD.gYearMonth
    if isinstance(value, Year):
        return str(value), XSD.gYear
    if isinstance(value, MonthDay):
        return str(value), XSD.gMonthDay
    if isinstance(value, bool):
        return ("true" if value else "false"), XSD.boolean
    if isinstance(value, int):
        return str(value), XSD.integer
    if isinstance(value, float):
        return str(Literal(value, datatype=XSD.double)), XSD.double
    if isinstance(value, dt.datetime):
        return str(Literal(value, datatype=XSD.dateTime)), XSD.dateTime
    if isinstance(value, dt.date):
        return value.isoformat(), XSD.date
    return str(value), None


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
    lexical, datatype = lexical_form(value)
    return Literal(lexical, datatype=datatype)


class RdfTerms:
    """Builds the mapping's terms as rdflib nodes (the default)."""

    @staticmethod
    def iri(value: str) -> URIRef:
        return value if type(value) is URIRef else URIRef(value)

    @staticmethod
    def literal(value: LiteralValue) -> Literal:
        return literal(value)


#: What N-Triples escapes in a string (the rest of Unicode is written as it is).
_NT_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


class NTriplesTerms:
    """Builds the mapping's terms as N-Triples text (the bulk write path stages and commits text).

    >>> print(NTriplesTerms.literal('say "52"'), NTriplesTerms.literal(7))
    "say \\"52\\"" "7"^^<http://www.w3.org/2001/XMLSchema#integer>
    """

    @staticmethod
    def iri(value: str) -> str:
        if not is_iri(value):
            raise ValueError(f"not an IRI: {value!r}")
        return f"<{value}>"

    @staticmethod
    def literal(value: LiteralValue) -> str:
        lexical, datatype = lexical_form(value)
        text = lexical.translate(_NT_ESCAPES)
        return f'"{text}"' if datatype is None else f'"{text}"^^<{datatype}>'


def entity_triples(entity: Entity, mint: Minter, terms: Any = RdfTerms) -> Iterator[Triple]:
    iri, lit = terms.iri, terms.literal
    node = iri(mint.entity(entity.id))
    a = iri(RDF.type)
    if entity.is_agent:
        yield node, a, iri(PROV.Agent)
    for rdf_type in entity.types:
        yield node, a, iri(rdf_type)
    yield node, iri(RDFS.label), lit(entity.label)
    yield node, iri(SKOS.prefLabel), lit(entity.label)
    for alt in entity.alt_labels:
        yield node, iri(SKOS.altLabel), lit(alt)
    for other in entity.same_as:
        yield node, iri(OWL.sameAs), iri(other)
    if entity.description:
        yield node, iri(RDFS.comment), lit(entity.description)


def document_triples(document: Document, mint: Minter, terms: Any = RdfTerms) -> Iterator[Triple]:
    iri, lit = terms.iri, terms.literal
    node = iri(mint.document(document.id))
    yield node, iri(RDF.type), iri(CG.SourceDocument)
    yield node, iri(CG.fileName), lit(document.file)
    yield node, iri(CG.sha256), lit(document.sha256)
    yield node, iri(SCHEMA.text), lit(document.text)
    yield node, iri(DCT.creator), iri(mint.entity(document.creator))
    if document.title:
        yield node, iri(DCT.title), lit(document.title)
        yield node, iri(RDFS.label), lit(document.title)
    else:
        yield node, iri(RDFS.label), lit(document.file)
    if document.publisher:
        yield node, iri(DCT.publisher), iri(mint.entity(document.publisher))
    if document.date:
        yield node, iri(DCT.date), lit(document.date)
    if document.place:
        yield node, iri(SCHEMA.locationCreated), iri(mint.entity(document.place))
    if document.language:
        yield node, iri(DCT.language), lit(document.language)


def claim_object(claim: Claim, mint: Minter, terms: Any = RdfTerms) -> Any:
    """The object of the triple a claim asserts: an entity's IRI or a literal."""
    if isinstance(claim.value, EntityRef):
        return terms.iri(mint.entity(claim.value.id))
    return terms.literal(claim.value)


def claim_triples(claim: Claim, mint: Minter, terms: Any = RdfTerms) -> Iterator[Triple]:
    iri, lit = terms.iri, terms.literal
    claim_iri = mint.claim(claim)
    node = iri(claim_iri)
    doc = iri(mint.document(claim.document))
    a = iri(RDF.type)
    yield node, a, iri(CG.Claim)
    yield node, iri(RDF.subject), iri(mint.entity(claim.subject))
    yield node, iri(RDF.predicate), iri(claim.predicate)
    yield node, iri(RDF.object), claim_object(claim, mint, terms)
    yield node, iri(PROV.wasDerivedFrom), doc
    yield node, iri(PROV.wasAttributedTo), iri(mint.entity(claim.claimant))
    for step in claim.chain[:-1]:
        yield node, iri(CG.reportedBy), iri(mint.entity(step.agent))
    for index, step in enumerate(claim.chain):
        step_node = iri(f"{claim_iri}#step-{index}")
        yield node, iri(CG.attributionStep), step_node
        yield step_node, a, iri(CG.AttributionStep)
        yield step_node, iri(CG.stepIndex), lit(index)
        yield step_node, iri(CG.agent), iri(mint.entity(step.agent))
        medium = doc if index == 0 else (iri(mint.entity(step.medium)) if step.medium else None)
        if medium is not None:
            yield step_node, iri(CG.medium), medium
    for name, value in claim.qualifiers:
        yield node, iri(QUALIFIER_PROPERTIES[name]), lit(value)
    evidence = iri(f"{claim_iri}#evidence")
    quote = iri(f"{claim_iri}#quote")
    position = iri(f"{claim_iri}#position")
    yield node, iri(CG.evidence), evidence
    yield evidence, a, iri(OA.SpecificResource)
    yield evidence, iri(OA.hasSource), doc
    yield evidence, iri(OA.hasSelector), quote
    yield evidence, iri(OA.hasSelector), position
    yield quote, a, iri(OA.TextQuoteSelector)
    yield quote, iri(OA.exact), lit(claim.quote.exact)
    if claim.quote.prefix:
        yield quote, iri(OA.prefix), lit(claim.quote.prefix)
    if claim.quote.suffix:
        yield quote, iri(OA.suffix), lit(claim.quote.suffix)
    yield position, a, iri(OA.TextPositionSelector)
    yield position, iri(OA.start), lit(claim.quote.start)
    yield position, iri(OA.end), lit(claim.quote.end)


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

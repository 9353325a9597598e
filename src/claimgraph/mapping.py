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
from collections.abc import Iterator
from typing import Any

from rdflib import Literal, URIRef
from rdflib.term import Node

from .countkinds import bundled as count_kinds
from .iris import Minter
from .model import Claim, Corpus, Document, Entity, EntityRef, LiteralValue, MonthDay, Year, YearMonth
from .namespaces import CG, DCT, OA, OWL, PROV, RDF, RDFS, SCHEMA, SKOS, XSD, is_iri

Triple = tuple[Node, Node, Node]
Quad = tuple[Node, Node, Node, URIRef]

QUALIFIER_PROPERTIES = {
    "count_kind": CG.countKind,
    "wording": CG.wording,
    "basis": CG.basis,
    "bound": CG.bound,
    "modality": CG.modality,
    "stated_on": CG.statedOn,
    "note": RDFS.comment,
}


def count_kind_iri(notation: str) -> URIRef:
    """The concept of the count-kind scheme that a sheet's ``count_kind`` names.

    >>> str(count_kind_iri("bodies-seen"))
    'https://w3id.org/claimgraph/count-kinds#bodies-seen'
    """
    return count_kinds().iri(notation)


_XSD_STRING_TYPES = {
    YearMonth: XSD.gYearMonth,
    Year: XSD.gYear,
    MonthDay: XSD.gMonthDay,
}
_XSD_BOOLEAN, _XSD_INTEGER, _XSD_DOUBLE = XSD.boolean, XSD.integer, XSD.double
_XSD_DATE, _XSD_DATETIME = XSD.date, XSD.dateTime


def lexical_form(value: LiteralValue) -> tuple[str, URIRef | None]:
    """A sheet value's lexical form and datatype (None: a plain string).

    The one place that says how a value is written, for both ways of building terms
    (:class:`RdfTerms`, :class:`NTriplesTerms`).

    >>> lexical_form(52), lexical_form("deaths")
    (('52', rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#integer')), ('deaths', None))
    """
    kind = type(value)
    if kind is str:
        return value, None  # type: ignore[return-value]
    if kind is int:
        return str(value), _XSD_INTEGER
    if kind in _XSD_STRING_TYPES:
        return str(value), _XSD_STRING_TYPES[kind]
    if kind is bool:
        return ("true" if value else "false"), _XSD_BOOLEAN
    if kind is float:
        return str(Literal(value, datatype=_XSD_DOUBLE)), _XSD_DOUBLE
    if kind is dt.datetime:
        return str(Literal(value, datatype=_XSD_DATETIME)), _XSD_DATETIME
    if kind is dt.date:
        return value.isoformat(), _XSD_DATE  # type: ignore[union-attr]
    if isinstance(value, str):
        return str(value), None
    if isinstance(value, bool):
        return ("true" if value else "false"), _XSD_BOOLEAN
    if isinstance(value, int):
        return str(int(value)), _XSD_INTEGER
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

    def iri(self, value: str) -> URIRef:
        return value if type(value) is URIRef else URIRef(value)

    def literal(self, value: LiteralValue) -> Literal:
        return literal(value)

    def entity(self, mint: Minter, ident: str) -> URIRef:
        return mint.entity(ident)


#: What N-Triples escapes in a string (the rest of Unicode is written as it is).
_NT_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


class NTriplesTerms:
    """Builds the mapping's terms as N-Triples text (the bulk write path stages and commits text).

    One instance serves one load: it keeps the few entity IRIs a load names over and over.

    >>> terms = NTriplesTerms()
    >>> print(terms.literal('say "52"'), terms.literal(7))
    "say \\"52\\"" "7"^^<http://www.w3.org/2001/XMLSchema#integer>
    """

    def __init__(self) -> None:
        self._entities: dict[tuple[str, str], str] = {}

    def iri(self, value: str) -> str:
        if not is_iri(value):
            raise ValueError(f"not an IRI: {value!r}")
        return f"<{value}>"

    def literal(self, value: LiteralValue) -> str:
        lexical, datatype = lexical_form(value)
        if datatype is not None:
            return f'"{lexical}"^^<{datatype}>'  # a typed lexical form holds nothing to escape
        return f'"{lexical.translate(_NT_ESCAPES)}"'

    def entity(self, mint: Minter, ident: str) -> str:
        key = (mint.base, ident)
        found = self._entities.get(key)
        if found is None:
            found = self._entities[key] = self.iri(mint.entity(ident))
        return found


RDF_TERMS = RdfTerms()


class _Vocabulary:
    """The vocabulary terms the mapping writes, built once for each way of building terms."""

    def __init__(self, terms: Any) -> None:
        iri = terms.iri
        self.type = iri(RDF.type)
        self.subject, self.predicate, self.object = iri(RDF.subject), iri(RDF.predicate), iri(RDF.object)
        self.label, self.comment = iri(RDFS.label), iri(RDFS.comment)
        self.pref_label, self.alt_label, self.same_as = (
            iri(SKOS.prefLabel),
            iri(SKOS.altLabel),
            iri(OWL.sameAs),
        )
        self.agent_class = iri(PROV.Agent)
        self.party_to = iri(CG.partyTo)
        self.derived_from, self.attributed_to = iri(PROV.wasDerivedFrom), iri(PROV.wasAttributedTo)
        self.claim_class, self.document_class = iri(CG.Claim), iri(CG.SourceDocument)
        self.step_class, self.reported_by = iri(CG.AttributionStep), iri(CG.reportedBy)
        self.step, self.step_index, self.agent, self.medium = (
            iri(CG.attributionStep),
            iri(CG.stepIndex),
            iri(CG.agent),
            iri(CG.medium),
        )
        self.evidence, self.file_name, self.sha256 = iri(CG.evidence), iri(CG.fileName), iri(CG.sha256)
        self.text, self.location = iri(SCHEMA.text), iri(SCHEMA.locationCreated)
        self.creator, self.title, self.publisher = iri(DCT.creator), iri(DCT.title), iri(DCT.publisher)
        self.date, self.language = iri(DCT.date), iri(DCT.language)
        self.specific, self.has_source, self.has_selector = (
            iri(OA.SpecificResource),
            iri(OA.hasSource),
            iri(OA.hasSelector),
        )
        self.quote_selector, self.position_selector = iri(OA.TextQuoteSelector), iri(OA.TextPositionSelector)
        self.exact, self.prefix, self.suffix = iri(OA.exact), iri(OA.prefix), iri(OA.suffix)
        self.start, self.end = iri(OA.start), iri(OA.end)
        self.qualifiers = {name: iri(p) for name, p in QUALIFIER_PROPERTIES.items()}


_VOCABULARIES: dict[type, _Vocabulary] = {}


def _vocabulary(terms: Any) -> _Vocabulary:
    found = _VOCABULARIES.get(type(terms))
    if found is None:
        found = _VOCABULARIES[type(terms)] = _Vocabulary(terms)
    return found


def entity_triples(entity: Entity, mint: Minter, terms: Any = RDF_TERMS) -> Iterator[Triple]:
    v, iri, lit = _vocabulary(terms), terms.iri, terms.literal
    node = terms.entity(mint, entity.id)
    if entity.is_agent:
        yield node, v.type, v.agent_class
    for rdf_type in entity.types:
        yield node, v.type, iri(rdf_type)
    yield node, v.label, lit(entity.label)
    yield node, v.pref_label, lit(entity.label)
    for alt in entity.alt_labels:
        yield node, v.alt_label, lit(alt)
    for other in entity.same_as:
        yield node, v.same_as, iri(other)
    if entity.description:
        yield node, v.comment, lit(entity.description)
    for event in entity.party_to:
        yield node, v.party_to, terms.entity(mint, event)


def document_triples(document: Document, mint: Minter, terms: Any = RDF_TERMS) -> Iterator[Triple]:
    v, iri, lit = _vocabulary(terms), terms.iri, terms.literal
    node = iri(mint.document(document.id))
    yield node, v.type, v.document_class
    yield node, v.file_name, lit(document.file)
    yield node, v.sha256, lit(document.sha256)
    yield node, v.text, lit(document.text)
    yield node, v.creator, terms.entity(mint, document.creator)
    if document.title:
        yield node, v.title, lit(document.title)
        yield node, v.label, lit(document.title)
    else:
        yield node, v.label, lit(document.file)
    if document.publisher:
        yield node, v.publisher, terms.entity(mint, document.publisher)
    if document.date:
        yield node, v.date, lit(document.date)
    if document.place:
        yield node, v.location, terms.entity(mint, document.place)
    if document.language:
        yield node, v.language, lit(document.language)


def claim_object(claim: Claim, mint: Minter, terms: Any = RDF_TERMS) -> Any:
    """The object of the triple a claim asserts: an entity's IRI or a literal."""
    if isinstance(claim.value, EntityRef):
        return terms.entity(mint, claim.value.id)
    return terms.literal(claim.value)


def claim_triples(
    claim: Claim, mint: Minter, terms: Any = RDF_TERMS, *, node: URIRef | None = None
) -> Iterator[Triple]:
    """A claim's triples; ``node`` is its IRI when the caller minted it already."""
    v, iri, lit = _vocabulary(terms), terms.iri, terms.literal
    claim_iri = node if node is not None else mint.claim(claim)
    this = iri(claim_iri)
    doc = iri(mint.document(claim.document))
    a = v.type
    yield this, a, v.claim_class
    yield this, v.subject, terms.entity(mint, claim.subject)
    yield this, v.predicate, iri(claim.predicate)
    yield this, v.object, claim_object(claim, mint, terms)
    yield this, v.derived_from, doc
    yield this, v.attributed_to, terms.entity(mint, claim.claimant)
    for step in claim.chain[:-1]:
        yield this, v.reported_by, terms.entity(mint, step.agent)
    for index, step in enumerate(claim.chain):
        step_node = iri(f"{claim_iri}#step-{index}")
        yield this, v.step, step_node
        yield step_node, a, v.step_class
        yield step_node, v.step_index, lit(index)
        yield step_node, v.agent, terms.entity(mint, step.agent)
        medium = doc if index == 0 else (terms.entity(mint, step.medium) if step.medium else None)
        if medium is not None:
            yield step_node, v.medium, medium
    for name, value in claim.qualifiers:
        if name == "count_kind":
            yield this, v.qualifiers[name], iri(count_kind_iri(value))  # type: ignore[arg-type]
        elif name == "basis":
            yield this, v.qualifiers[name], terms.entity(mint, value)
        else:
            yield this, v.qualifiers[name], lit(value)
    evidence = iri(f"{claim_iri}#evidence")
    quote = iri(f"{claim_iri}#quote")
    position = iri(f"{claim_iri}#position")
    yield this, v.evidence, evidence
    yield evidence, a, v.specific
    yield evidence, v.has_source, doc
    yield evidence, v.has_selector, quote
    yield evidence, v.has_selector, position
    yield quote, a, v.quote_selector
    yield quote, v.exact, lit(claim.quote.exact)
    if claim.quote.prefix:
        yield quote, v.prefix, lit(claim.quote.prefix)
    if claim.quote.suffix:
        yield quote, v.suffix, lit(claim.quote.suffix)
    yield position, a, v.position_selector
    yield position, v.start, lit(claim.quote.start)
    yield position, v.end, lit(claim.quote.end)


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

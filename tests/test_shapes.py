"""Each SHACL shape refuses the input that breaks it, and says where.

The table below has one entry per named shape in ``ontology/shapes.ttl``; a
test fails when a shape is added without an entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace

import pytest
from rdflib import Graph, Literal, URIRef

from claimgraph.api import Claimgraph
from claimgraph.consensus import consensus_triples
from claimgraph.errors import ValidationFailed
from claimgraph.loader import corpus_locator
from claimgraph.mapping import Minter, claim_triples, corpus_quads
from claimgraph.namespaces import CG, OA, PROV, RDF, RDFS, SH, XSD
from claimgraph.sheets import read_corpus
from claimgraph.validation import validate_batch

from .conftest import MINI

SHAPES = "https://w3id.org/claimgraph/shapes#"


class Batch:
    """The mini corpus as one validation batch, with handles on its nodes."""

    def __init__(self, mint: Minter) -> None:
        self.corpus = read_corpus(MINI)
        self.mint = mint
        self.graph = Graph()
        for triples in corpus_quads(self.corpus, mint).values():
            for triple in triples:
                self.graph.add(triple)
        relayed = next(c for c in self.corpus.claims if c.value == 14)
        self.date_claim = mint.claim(
            next(c for c in self.corpus.claims if c.document == "doc-a" and c.value == dt.date(2020, 5, 3))
        )
        self.claim = mint.claim(relayed)
        self.claim_line = relayed.line
        self.evidence = URIRef(f"{self.claim}#evidence")
        self.document = mint.document("doc-a")

    def set(self, s, p, o) -> None:
        self.graph.set((s, p, o))

    def drop(self, s, p) -> None:
        self.graph.remove((s, p, None))


def named_query_without_text(b: Batch) -> None:
    """A corpus's named query (``queries/*.rq``) with a name and no text."""
    query = URIRef(f"{b.mint.corpus('mini')}/query/q")
    b.set(b.mint.corpus("mini"), CG.namedQuery, query)
    b.set(query, RDF.type, CG.NamedQuery)
    b.set(query, CG.queryName, Literal("q"))


def claim_shape(b: Batch) -> None:
    for p in (RDF.subject, RDF.predicate, RDF.object, PROV.wasDerivedFrom, PROV.wasAttributedTo, CG.evidence):
        b.drop(b.claim, p)


def consensus_against_a_claim(b: Batch) -> None:
    rows = [
        (
            c,
            b.graph.value(c, RDF.subject),
            b.graph.value(c, RDF.predicate),
            Literal(12, datatype=XSD.integer),
            b.graph.value(c, CG.countKind),
        )
        for c in b.graph.subjects(RDF.type, CG.Claim)
    ]
    for triple in consensus_triples(rows, b.mint):  # pretends every claim says 12
        b.graph.add(triple)


def a_contested_value_nobody_contests(b: Batch) -> None:
    """The record of a contested value for the flood's start date, which no claim disputes."""
    claim = b.date_claim
    row = tuple(
        b.graph.value(claim, p)
        for p in (
            RDF.subject,
            RDF.predicate,
            RDF.object,
            CG.countKind,
            PROV.wasAttributedTo,
            PROV.wasDerivedFrom,
        )
    )
    ghost = (
        URIRef("http://example.org/ghost-claim"),
        row[0],
        row[1],
        Literal("2020-05-04", datatype=XSD.date),
    )
    record = b.mint.consensus(row[0], row[1], row[2])
    for triple in consensus_triples([(claim, *row), (*ghost, None, None, None)], b.mint):
        if triple[0] == record:
            b.graph.add(triple)


def a_second_act_of_the_same_assertion(b: Batch) -> None:
    """The same claim again with another note: another IRI, but the same act of asserting."""
    [relayed] = [c for c in b.corpus.claims if c.value == 14]
    twin = replace(relayed, qualifiers=(*relayed.qualifiers, ("note", "read twice")))
    for triple in claim_triples(twin, b.mint):
        b.graph.add(triple)


MUTATIONS: dict[str, Callable[[Batch], None]] = {
    "ClaimShape": claim_shape,
    "ClaimSubjectShape": lambda b: b.drop(b.claim, RDF.subject),
    "ClaimPredicateShape": lambda b: b.set(b.claim, RDF.predicate, Literal("deathCount")),
    "ClaimObjectShape": lambda b: b.graph.add((b.claim, RDF.object, Literal(15, datatype=XSD.integer))),
    "ClaimSourceShape": lambda b: b.drop(b.claim, PROV.wasDerivedFrom),
    "ClaimClaimantShape": lambda b: b.drop(b.claim, PROV.wasAttributedTo),
    "ClaimEvidenceShape": lambda b: b.drop(b.claim, CG.evidence),
    "ClaimChainShape": lambda b: b.drop(b.claim, CG.attributionStep),
    "ClaimQualifierShape": lambda b: b.set(b.claim, CG.bound, Literal(3)),
    "ClaimCountKindShape": lambda b: b.set(b.claim, CG.countKind, Literal("deaths")),
    "ClaimBasisShape": lambda b: b.set(b.claim, CG.basis, Literal("U.S. State Department")),
    "ClaimStatedOnShape": lambda b: b.set(b.claim, CG.statedOn, Literal("last Tuesday")),
    "EvidenceShape": lambda b: b.drop(b.evidence, OA.hasSource),
    "SelectorPairShape": lambda b: b.set(URIRef(f"{b.claim}#position"), RDF.type, OA.TextQuoteSelector),
    "TextQuoteSelectorShape": lambda b: b.drop(URIRef(f"{b.claim}#quote"), OA.exact),
    "TextPositionSelectorShape": lambda b: b.set(URIRef(f"{b.claim}#position"), OA.start, Literal(-1)),
    "QuoteInDocumentShape": lambda b: b.set(URIRef(f"{b.claim}#quote"), OA.exact, Literal("counted 15 dead")),
    "ChainEndsWithClaimantShape": lambda b: b.set(b.claim, PROV.wasAttributedTo, b.mint.entity("mayor")),
    "TypedValueShape": lambda b: b.set(b.claim, RDF.object, Literal("14")),
    "DeclaredPredicateShape": lambda b: b.set(b.claim, RDF.predicate, CG.deathCounts),
    "DateValueShape": lambda b: b.set(b.date_claim, RDF.object, Literal("2020-05")),
    "CountKindShape": lambda b: b.drop(b.claim, CG.countKind),
    "DuplicateClaimShape": a_second_act_of_the_same_assertion,
    "AttributionStepShape": lambda b: b.drop(URIRef(f"{b.claim}#step-1"), CG.agent),
    "SourceDocumentShape": lambda b: b.set(b.document, CG.sha256, Literal("not-a-digest")),
    "AgentShape": lambda b: b.drop(b.mint.entity("agency"), RDFS.label),
    "ConsensusStatementShape": lambda b: b.graph.add(
        (b.mint.consensus(b.claim, RDF.type, CG.Claim), RDF.type, CG.ConsensusStatement)
    ),
    "ConsensusUncontestedShape": consensus_against_a_claim,
    "ContestedValueShape": lambda b: b.graph.add(
        (b.mint.contested(b.claim, RDF.type, CG.Claim), RDF.type, CG.ContestedValue)
    ),
    "ContestedKeyShape": a_contested_value_nobody_contests,
    "CompatibleValueShape": lambda b: b.graph.add(
        (b.mint.contested(b.claim, RDF.type, CG.Claim), RDF.type, CG.CompatibleValue)
    ),
    "SourceGroupShape": lambda b: b.graph.add(
        (b.mint.source_group(b.claim, b.claim), RDF.type, CG.SourceGroup)
    ),
    "CurationShape": lambda b: b.graph.add(
        (b.mint.entity("agency"), URIRef("http://schema.org/foundingDate"), Literal("1990"))
    ),
    "CorpusShape": lambda b: b.drop(b.mint.corpus("mini"), RDFS.label),
    "NamedQueryShape": named_query_without_text,
    "UnsourcedAssertionShape": lambda b: b.graph.add(
        (b.mint.entity("flood-2020"), CG.deathCount, Literal(1000, datatype=XSD.integer))
    ),
}


@pytest.fixture
def batch(claimgraph: Claimgraph) -> Batch:
    return Batch(claimgraph.mint)


def test_the_unchanged_batch_conforms(batch: Batch, claimgraph: Claimgraph):
    validate_batch(batch.graph, claimgraph.vocabulary)


def test_every_named_shape_has_a_violation_test(claimgraph: Claimgraph):
    shapes = claimgraph.vocabulary.shapes
    named = {
        str(s)[len(SHAPES) :]
        for kind in (SH.NodeShape, SH.PropertyShape)
        for s in shapes.subjects(RDF.type, kind)
        if isinstance(s, URIRef)
    }
    assert named == set(MUTATIONS)


@pytest.mark.parametrize("shape", sorted(MUTATIONS))
def test_shape_refuses_what_breaks_it(shape: str, batch: Batch, claimgraph: Claimgraph):
    MUTATIONS[shape](batch)
    locate = corpus_locator(batch.corpus, batch.mint)
    with pytest.raises(ValidationFailed) as caught:
        validate_batch(batch.graph, claimgraph.vocabulary, locate=locate)
    problems = caught.value.problems
    failed = {p.shape for p in problems}
    expected = SHAPES + shape
    if shape == "ClaimShape":  # a node shape made of property shapes: they report
        assert {SHAPES + n for n in ("ClaimSubjectShape", "ClaimSourceShape", "ClaimClaimantShape")} <= failed
    else:
        assert expected in failed, [str(p) for p in problems]
    located = [p for p in problems if p.sheet]
    derived = ("ConsensusStatementShape", "ContestedValueShape", "ContestedKeyShape", "CompatibleValueShape")
    if shape in (*derived, "SourceGroupShape"):  # derived: no sheet
        assert all(p.focus and "/consensus/" in p.focus for p in problems)
        return
    assert located, "no problem says where it is"
    for problem in located:
        assert problem.line is not None
    if shape.startswith("Claim") or shape in {
        "QuoteInDocumentShape",
        "TypedValueShape",
        "EvidenceShape",
        "SelectorPairShape",
    }:
        mine = [p for p in problems if p.claim == batch.claim.split("/")[-1]]
        assert mine and all(p.sheet.endswith("doc-a.yaml") and p.line == batch.claim_line for p in mine)
    assert caught.value.report and "ValidationReport" in caught.value.report

"""The fast validator (shapes compiled to SPARQL, run by pyoxigraph) gives pyshacl's verdicts.

Same results — focus node, source shape, result path, value, messages,
severity and constraint component — for every shape's violating case of
``test_shapes``, for the seed and mini corpora, for deterministically mutated
batches, and for a shapes graph of the SHACL Core constructs that
``shapes.ttl`` does not use yet (closed shapes among them) with one shape the
compiler leaves to pyshacl.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef

from claimgraph.api import Claimgraph
from claimgraph.consensus import consensus_triples
from claimgraph.mapping import Minter, corpus_quads
from claimgraph.namespaces import CG, OA, PROV, RDF, RDFS, SCHEMA, XSD
from claimgraph.sheets import read_corpus
from claimgraph.sparqlshapes import CompiledShapes
from claimgraph.validation import Vocabulary, load_vocabulary, report_results, shacl_report

from .conftest import MINI, SEEDS
from .test_shapes import MUTATIONS, Batch


def both(graph: Graph, vocabulary: Vocabulary) -> tuple[set, set]:
    """Each validator's results; the fast one also staged from N-Triples text (the bulk write
    path's batches), which must give the same results as from the graph."""
    fast = dataclasses.replace(vocabulary, validator="fast")
    slow = dataclasses.replace(vocabulary, validator="pyshacl")
    fast_conforms, fast_report = shacl_report(graph, fast)
    text_conforms, text_report = shacl_report(graph.serialize(format="nt"), fast)
    slow_conforms, slow_report = shacl_report(graph, slow)
    assert fast_conforms == slow_conforms == text_conforms
    assert report_results(text_report) == report_results(fast_report)
    return report_results(fast_report), report_results(slow_report)


def assert_same(graph: Graph, vocabulary: Vocabulary, *, expect_results: bool) -> None:
    fast, slow = both(graph, vocabulary)
    assert fast == slow, {"only fast": fast - slow, "only pyshacl": slow - fast}
    assert bool(slow) == expect_results


@pytest.fixture
def batch(claimgraph: Claimgraph) -> Batch:
    return Batch(claimgraph.mint)


def test_every_shape_of_shapes_ttl_is_compiled(claimgraph: Claimgraph):
    compiled = claimgraph.vocabulary.compiled
    assert compiled.uncompiled == {}
    assert compiled.fallback is None
    assert compiled.checks and compiled.sparql_checks


@pytest.mark.parametrize("shape", sorted(MUTATIONS))
def test_each_shapes_violating_case(shape: str, batch: Batch, claimgraph: Claimgraph):
    MUTATIONS[shape](batch)
    assert_same(batch.graph, claimgraph.vocabulary, expect_results=True)


@pytest.mark.parametrize("folder", [MINI, SEEDS], ids=["mini", "seeds"])
def test_corpora_conform_under_both(folder: Path, claimgraph: Claimgraph):
    graph = Graph()
    for triples in corpus_quads(read_corpus(folder), claimgraph.mint).values():
        for triple in triples:
            graph.add(triple)
    assert_same(graph, claimgraph.vocabulary, expect_results=False)


def _claims(b: Batch) -> list[URIRef]:
    return sorted(b.graph.subjects(RDF.type, CG.Claim))


def _quote(claim: URIRef) -> URIRef:
    return URIRef(f"{claim}#quote")


def _position(claim: URIRef) -> URIRef:
    return URIRef(f"{claim}#position")


def drop_quote(b: Batch) -> None:
    b.graph.remove((_quote(b.claim), None, None))


def shift_offsets(b: Batch) -> None:
    start = b.graph.value(_position(b.claim), OA.start)
    b.set(_position(b.claim), OA.start, Literal(int(start) + 1))


def consensus_without_support(b: Batch) -> None:
    rows = [
        (
            c,
            b.graph.value(c, RDF.subject),
            b.graph.value(c, RDF.predicate),
            b.graph.value(c, RDF.object),
            b.graph.value(c, CG.countKind),
        )
        for c in _claims(b)
    ]
    for triple in consensus_triples(rows[:1], b.mint):
        if triple[1] != CG.supportedBy:
            b.graph.add(triple)


def every_claim(mutate: Callable[[Batch, URIRef], None]) -> Callable[[Batch], None]:
    def apply(b: Batch) -> None:
        for claim in _claims(b):
            mutate(b, claim)

    return apply


MUTATED: dict[str, Callable[[Batch], None]] = {
    "drop a quote": drop_quote,
    "drop the quote's text": lambda b: b.drop(_quote(b.claim), OA.exact),
    "retype a count": lambda b: b.set(b.claim, RDF.object, Literal("14")),
    "count as a decimal": lambda b: b.set(b.claim, RDF.object, Literal("14.0", datatype=XSD.decimal)),
    "step index ill-typed": lambda b: b.set(
        URIRef(f"{b.claim}#step-0"), CG.stepIndex, Literal("first", datatype=XSD.integer)
    ),
    "wrong offsets": shift_offsets,
    "offset as text": lambda b: b.set(_position(b.claim), OA.end, Literal("40")),
    "missing claimant": lambda b: b.drop(b.claim, PROV.wasAttributedTo),
    "extra claimant": lambda b: b.graph.add((b.claim, PROV.wasAttributedTo, b.mint.entity("mayor"))),
    "claimant not an agent": lambda b: b.set(b.claim, PROV.wasAttributedTo, b.mint.entity("flood-2020")),
    "bad date": lambda b: b.set(b.claim, CG.statedOn, Literal("2024-02-30", datatype=XSD.date)),
    "stated on as text": lambda b: b.set(b.claim, CG.statedOn, Literal("September 2013")),
    "two dates": lambda b: [
        b.graph.add((b.claim, CG.statedOn, Literal(day, datatype=XSD.date)))
        for day in ("2020-01-01", "2020-01-02")
    ],
    "misspelled cg: predicate": lambda b: b.set(b.claim, RDF.predicate, CG.deathcount),
    "subject a literal": lambda b: b.set(b.claim, RDF.subject, Literal("flood")),
    "consensus without support": consensus_without_support,
    "qualifier with a language": lambda b: b.set(b.claim, CG.wording, Literal("deaths", lang="en")),
    "count kind as text": lambda b: b.set(b.claim, CG.countKind, Literal("deaths")),
    "count kind outside the scheme": lambda b: b.set(b.claim, CG.countKind, CG.deathCount),
    "basis not an agent": lambda b: b.set(b.claim, CG.basis, CG.deathCount),
    "two prefixes (generic message)": lambda b: b.graph.add((_quote(b.claim), OA.prefix, Literal("x"))),
    "prefix a number (generic message)": lambda b: b.set(_quote(b.claim), OA.prefix, Literal(3)),
    "medium a literal (generic message)": lambda b: b.set(
        URIRef(f"{b.claim}#step-1"), CG.medium, Literal("report")
    ),
    "upper-case digest": lambda b: b.set(b.document, CG.sha256, Literal("E" * 64)),
    "empty file name": lambda b: b.set(b.document, CG.fileName, Literal("")),
    "document without text": lambda b: b.drop(b.document, SCHEMA.text),
    "selector untyped": lambda b: b.drop(_position(b.claim), RDF.type),
    "negative step": lambda b: b.set(URIRef(f"{b.claim}#step-0"), CG.stepIndex, Literal(-2)),
    "agent without label": lambda b: b.drop(b.mint.entity("mayor"), RDFS.label),
    "every claim loses its chain": every_claim(lambda b, c: b.graph.remove((c, CG.attributionStep, None))),
    "every claim gets a second object": every_claim(
        lambda b, c: b.graph.add((c, RDF.object, Literal(99, datatype=XSD.integer)))
    ),
}


@pytest.mark.parametrize("mutation", sorted(MUTATED))
def test_mutated_batches(mutation: str, batch: Batch, claimgraph: Claimgraph):
    MUTATED[mutation](batch)
    assert_same(batch.graph, claimgraph.vocabulary, expect_results=True)


def test_mutated_seed_corpus(claimgraph: Claimgraph):
    """Many mutations at once, spread over the seed corpus's claims."""
    graph = Graph()
    for triples in corpus_quads(read_corpus(SEEDS), claimgraph.mint).values():
        for triple in triples:
            graph.add(triple)
    claims = sorted(graph.subjects(RDF.type, CG.Claim))
    for i, claim in enumerate(claims[::7]):
        kind = i % 5
        if kind == 0:
            graph.remove((claim, PROV.wasAttributedTo, None))
        elif kind == 1:
            graph.set((claim, RDF.object, Literal(str(graph.value(claim, RDF.object)))))
        elif kind == 2:
            graph.set((_position(claim), OA.start, Literal(0)))
        elif kind == 3:
            graph.set((claim, RDF.predicate, CG.notAProperty))
        else:
            graph.add((claim, CG.statedOn, Literal("soon", datatype=XSD.date)))
    assert_same(graph, claimgraph.vocabulary, expect_results=True)


EX = "http://example.org/"
CORE_SHAPES = f"""
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <{EX}> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
ex:PersonShape a sh:NodeShape ; sh:targetClass ex:Person ; sh:closed true ;
    sh:ignoredProperties ( rdf:type ) ;
    sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:maxLength 8 ; sh:pattern "^[A-Z]" ] ,
        [ sh:path ex:age ; sh:datatype xsd:integer ; sh:maxInclusive 150 ; sh:minExclusive 0 ] ,
        [ sh:path ex:status ; sh:in ( "alive" "dead" ) ; sh:message "status is alive or dead" ] ,
        [ sh:path ( ex:knows ex:name ) ; sh:minLength 2 ] ,
        [ sh:path [ sh:inversePath ex:knows ] ; sh:class ex:Person ] ,
        [ sh:path ex:knows ; sh:nodeKind sh:IRI ] .
ex:KnownShape a sh:NodeShape ; sh:targetObjectsOf ex:knows ; sh:class ex:Person .
ex:RootShape a sh:NodeShape ; sh:targetNode ex:root ; sh:property [ sh:path ex:kind ; sh:hasValue ex:Root ] .
ex:TaggedShape a sh:NodeShape ; sh:targetSubjectsOf ex:tag ;
    sh:property [ sh:path ex:tag ; sh:datatype xsd:string ; sh:severity sh:Warning ] .
ex:LeftToPyshacl a sh:NodeShape ; sh:targetClass ex:Person ;
    sh:or ( [ sh:path ex:name ; sh:minCount 1 ] [ sh:path ex:nick ; sh:minCount 1 ] ) .
"""
CORE_DATA = f"""
@prefix ex: <{EX}> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:ann a ex:Person ; ex:name "Ann" ; ex:age 40 ; ex:status "alive" ; ex:knows ex:bob .
ex:bob a ex:Person ; ex:name "bob the builder" ; ex:age "old" ; ex:status "asleep" ; ex:knows ex:cat , "Dan" ;
    ex:colour "red" .
ex:cat ex:name "C" ; ex:age 0 .
ex:eve a ex:Person ; ex:age 151 ; ex:tag 5 ; ex:nick "E" .
ex:root ex:kind ex:Leaf .
ex:fay a ex:Person .
"""


def test_core_constructs_and_pyshacl_fallback(claimgraph: Claimgraph):
    shapes = Graph().parse(data=CORE_SHAPES, format="turtle")
    compiled = CompiledShapes(shapes)
    assert set(compiled.uncompiled) == {URIRef(EX + "LeftToPyshacl")}
    vocabulary = Vocabulary(shapes=shapes, ontology=Graph())
    data = Graph().parse(data=CORE_DATA, format="turtle")
    fast, slow = both(data, vocabulary)
    assert fast == slow, {"only fast": fast - slow, "only pyshacl": slow - fast}
    components = {r[6].split("#")[-1] for r in slow}
    assert {
        "ClosedConstraintComponent",
        "MaxLengthConstraintComponent",
        "PatternConstraintComponent",
        "DatatypeConstraintComponent",
        "MaxInclusiveConstraintComponent",
        "MinExclusiveConstraintComponent",
        "InConstraintComponent",
        "MinLengthConstraintComponent",
        "ClassConstraintComponent",
        "NodeKindConstraintComponent",
        "HasValueConstraintComponent",
        "OrConstraintComponent",
    } <= components
    assert any(isinstance(r[2], BNode) for r in slow)  # a sequence or inverse path


def test_compiled_for_a_base_iri_of_its_own():
    """Nothing in the compiled checks depends on the base IRI the batch was minted under."""
    mint = Minter("urn:elsewhere:")
    graph = Graph()
    for triples in corpus_quads(read_corpus(MINI), mint).values():
        for triple in triples:
            graph.add(triple)
    graph.remove((mint.entity("agency"), RDFS.label, None))
    root = Path(__file__).resolve().parent.parent
    assert_same(graph, load_vocabulary(str(root / "ontology")), expect_results=True)

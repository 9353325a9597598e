"""Dumps parse back (rdflib and, independently, pyoxigraph) and are the store's content; nanopublications; VoID."""

from __future__ import annotations

import gzip
import io

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from claimgraph.export import FORMATS, nanopub_iri, store_quads
from claimgraph.namespaces import CG, NP, PROV, RDF, VOID

RDFLIB = {"trig": "trig", "nquads": "nquads", "turtle": "turtle", "jsonld": "json-ld"}
OXIGRAPH = {
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
    "turtle": ox.RdfFormat.TURTLE,
    "jsonld": ox.RdfFormat.JSON_LD,
}


@pytest.fixture(scope="module")
def dumps(seed_claimgraph, seed_store) -> dict[str, bytes]:
    return {fmt: seed_claimgraph.export(seed_store, fmt) for fmt in FORMATS}


@pytest.fixture(scope="module")
def stored(seed_store) -> set[ox.Quad]:
    return set(store_quads(seed_store))


def as_dataset(quads) -> Dataset:
    dataset = Dataset()
    dataset.parse(data=ox.serialize(list(quads), format=ox.RdfFormat.N_QUADS), format="nquads")
    return dataset


def merged(quads) -> Graph:
    graph = Graph()
    graph.parse(
        data=ox.serialize(
            [ox.Triple(q.subject, q.predicate, q.object) for q in quads], format=ox.RdfFormat.N_TRIPLES
        ),
        format="nt",
    )
    return graph


def named_graphs(dataset: Dataset) -> dict[str, Graph]:
    out: dict[str, Graph] = {}
    for s, p, o, g in dataset.quads((None, None, None, None)):
        name = str(g.identifier if hasattr(g, "identifier") else g)
        out.setdefault(name, Graph()).add((s, p, o))
    return out


@pytest.mark.parametrize("fmt", ["trig", "nquads", "jsonld"])
def test_dataset_dumps_are_the_store_by_pyoxigraph(dumps, stored, fmt):
    assert set(ox.parse(dumps[fmt], OXIGRAPH[fmt])) == stored


@pytest.mark.parametrize("fmt", ["trig", "nquads", "jsonld"])
def test_dataset_dumps_are_the_store_by_rdflib(dumps, stored, fmt):
    parsed = Dataset()
    parsed.parse(data=dumps[fmt], format=RDFLIB[fmt])
    ours, theirs = named_graphs(parsed), named_graphs(as_dataset(stored))
    assert set(ours) == set(theirs)
    for name, graph in theirs.items():
        assert isomorphic(ours[name], graph), name


def test_turtle_merges_the_graphs(dumps, stored):
    by_oxigraph = {
        ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(dumps["turtle"], ox.RdfFormat.TURTLE)
    }
    assert by_oxigraph == {ox.Triple(q.subject, q.predicate, q.object) for q in stored}
    assert isomorphic(Graph().parse(data=dumps["turtle"], format="turtle"), merged(stored))


def test_turtle_uses_the_project_prefixes(dumps):
    head = dumps["turtle"].decode()[:2000]
    assert "@prefix schema: <http://schema.org/> ." in head
    assert "schema1" not in dumps["turtle"].decode()


def test_jsonld_is_compacted_with_the_project_context(dumps, seed_claimgraph):
    import json

    document = json.loads(dumps["jsonld"])
    context = json.loads(seed_claimgraph.context_path.read_text())["@context"]
    assert document["@context"] == context
    assert '"claimant"' in dumps["jsonld"].decode()


def test_gzip_dumps_hold_the_same_bytes(seed_claimgraph, seed_store, dumps):
    assert gzip.decompress(seed_claimgraph.export(seed_store, "trig", compress=True)) == dumps["trig"]


def test_rdf12_holds_everything_and_a_reifier_per_claim(dumps, stored):
    quads = list(ox.parse(dumps["rdf12"], ox.RdfFormat.N_QUADS))
    reifies = [q for q in quads if q.predicate.value == f"{RDF}reifies"]
    assert set(quads) - set(reifies) == stored, "the RDF 1.2 dump holds everything the store holds"
    claims = {
        q.subject for q in stored if q.predicate.value == str(RDF.type) and q.object.value == str(CG.Claim)
    }
    assert {q.subject for q in reifies} == claims and len(reifies) == len(claims)
    index = {(q.subject, q.predicate.value): q.object for q in stored}
    for q in reifies:
        triple = q.object
        assert isinstance(triple, ox.Triple)
        assert (triple.subject, triple.predicate, triple.object) == (
            index[(q.subject, str(RDF.subject))],
            index[(q.subject, str(RDF.predicate))],
            index[(q.subject, str(RDF.object))],
        )
    # rdflib cannot read triple terms yet: everything else it reads back.
    rest = b"".join(line + b"\n" for line in dumps["rdf12"].splitlines() if b"<<(" not in line)
    assert len(list(Dataset().parse(data=rest, format="nquads").quads((None, None, None, None)))) == len(
        stored
    )


def test_one_nanopublication_per_claim(dumps, stored, seed_claimgraph):
    mint = seed_claimgraph.mint
    quads = list(ox.parse(dumps["nanopubs"], ox.RdfFormat.TRIG))
    dataset = Dataset().parse(data=dumps["nanopubs"], format="trig")
    assert len(list(dataset.quads((None, None, None, None)))) == len(quads), "rdflib reads them too"
    graphs: dict[str, list[ox.Quad]] = {}
    for q in quads:
        graphs.setdefault(q.graph_name.value, []).append(q)
    claims = {
        q.subject.value
        for q in stored
        if q.predicate.value == str(RDF.type) and q.object.value == str(CG.Claim)
    }
    index = {(q.subject.value, q.predicate.value): q.object for q in stored}
    assert len(graphs) == 4 * len(claims)
    for claim in claims:
        np = nanopub_iri(mint, claim)
        head, assertion, provenance, pubinfo = (
            graphs[f"{np}#{part}"] for part in ("head", "assertion", "provenance", "pubinfo")
        )
        assert {(q.predicate.value, q.object.value) for q in head} == {
            (str(RDF.type), str(NP.Nanopublication)),
            (str(NP.hasAssertion), f"{np}#assertion"),
            (str(NP.hasProvenance), f"{np}#provenance"),
            (str(NP.hasPublicationInfo), f"{np}#pubinfo"),
        }
        [triple] = assertion
        assert (triple.subject, triple.predicate, triple.object) == tuple(
            index[(claim, str(p))] for p in (RDF.subject, RDF.predicate, RDF.object)
        )
        sourced = {(q.predicate.value, q.object) for q in provenance if q.subject.value == f"{np}#assertion"}
        assert (str(PROV.wasDerivedFrom), index[(claim, str(PROV.wasDerivedFrom))]) in sourced
        assert (str(PROV.wasAttributedTo), index[(claim, str(PROV.wasAttributedTo))]) in sourced
        assert any(q.subject.value == f"{claim}#quote" for q in provenance), "the quote is in the provenance"
        assert any(q.subject.value == f"{claim}#step-0" for q in provenance), "the chain is in the provenance"
        assert pubinfo


def test_void_counts_equal_the_stores(dumps, seed_claimgraph, seed_store):
    void = Graph().parse(data=dumps["void"], format="turtle")
    stats = seed_claimgraph.stats(seed_store)
    datasets = [s for s in void.subjects(RDF.type, VOID.Dataset) if (s, VOID.sparqlEndpoint, None) in void]
    [dataset] = datasets
    assert void.value(dataset, VOID.triples).toPython() == stats["quads"]

    def entities(cls: URIRef) -> int:
        for part in void.objects(dataset, VOID.classPartition):
            if (part, VOID["class"], cls) in void:
                return void.value(part, VOID.entities).toPython()
        raise AssertionError(f"no partition for {cls}")

    assert entities(CG.Claim) == stats["claims"] and entities(CG.SourceDocument) == stats["documents"]
    [claimants] = [
        p
        for p in void.objects(dataset, VOID.propertyPartition)
        if (p, VOID.property, PROV.wasAttributedTo) in void
    ]
    assert void.value(claimants, VOID.distinctObjects).toPython() == stats["claimants"]
    assert (
        dataset,
        URIRef("http://purl.org/dc/terms/license"),
        URIRef(seed_claimgraph.settings.data_license),
    ) in void
    dumps_listed = {str(o) for o in void.objects(dataset, VOID.dataDump)}
    for fmt in ("trig", "nquads", "turtle", "jsonld", "rdf12"):
        assert any(d.endswith(FORMATS[fmt].file) for d in dumps_listed)
        assert any(d.endswith(FORMATS[fmt].file + ".gz") for d in dumps_listed)
    assert (
        None,
        URIRef("http://purl.org/dc/terms/conformsTo"),
        URIRef("https://w3id.org/claimgraph/shapes"),
    ) in void
    assert Literal(seed_claimgraph.mint.base) in set(void.objects(dataset, VOID.uriSpace))


def test_export_command_writes_gzip_for_gz(runner, seed_claimgraph, tmp_path):
    from claimgraph.cli import main

    folder = tmp_path / "copy"
    from .conftest import BASE, MINI
    from .live import loaded_store

    store = loaded_store(folder, MINI)
    target = tmp_path / "dump.nq.gz"
    result = runner.invoke(
        main, ["export", "--format", "nquads", "--store", str(store), "--base-iri", BASE, "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert list(ox.parse(io.BytesIO(gzip.decompress(target.read_bytes())), ox.RdfFormat.N_QUADS))

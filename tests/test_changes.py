"""The one write path: what may be in the store, on every write path, and the graph operations."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from claimgraph.api import Claimgraph
from claimgraph.changes import Change, commit
from claimgraph.config import Settings
from claimgraph.errors import InvalidInput, ValidationFailed
from claimgraph.namespaces import CG, RDF, RDFS, XSD
from claimgraph.store import Store
from claimgraph.web import create_app, get_executor

from .conftest import BASE, DATA, MINI, Servers, all_quads, load_mini

TOKEN = "secret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SHAPES = "https://w3id.org/claimgraph/shapes#"
EVENT = f"{BASE}entity/flood-2020"
BARE = f"<{EVENT}> <{CG.deathCount}> 1000"


@pytest.fixture
def loaded(settings: Settings, backend: str, servers: Servers, mini_snapshots: dict) -> Settings:
    """The mini corpus loaded in a store of the test's backend; its settings."""
    load_mini(Claimgraph(settings), backend, servers, mini_snapshots)
    return settings


def app_for(loaded: Settings, **overrides: object):
    return create_app(claimgraph=Claimgraph(replace(loaded, token=TOKEN, **overrides)))


@pytest.fixture
def app(loaded: Settings) -> Iterator:
    application = app_for(loaded)
    yield application
    with application.app_context():
        get_executor().close()


@pytest.fixture
def client(app):
    return app.test_client()


def snapshot(app) -> set:
    with app.app_context():
        return get_executor().write(lambda store: all_quads(store))


def shapes_of(response) -> set[str]:
    return {p.get("shape") for p in response.get_json()["error"]["details"]["problems"]}


# ---------------------------------------------------------------- unsourced assertions, every path

GRAPHS = {
    "document": f"{BASE}graph/document/doc-a",
    "registry": f"{BASE}graph/registry",
    "corpus": f"{BASE}graph/corpus/mini",
    "default": None,
    "new": "urn:x:mine",
}


@pytest.mark.parametrize("kind", GRAPHS)
def test_a_bare_domain_assertion_is_refused_by_sparql_update(app, client, kind: str):
    graph = GRAPHS[kind]
    before = snapshot(app)
    data = f"{BARE} ." if graph is None else f"GRAPH <{graph}> {{ {BARE} }}"
    response = client.post("/update", data={"update": f"INSERT DATA {{ {data} }}"}, headers=AUTH)
    assert response.status_code == 422, response.data
    assert SHAPES + "UnsourcedAssertionShape" in shapes_of(response)
    assert snapshot(app) == before


@pytest.mark.parametrize("method", ["put", "post"])
@pytest.mark.parametrize("kind", GRAPHS)
def test_a_bare_domain_assertion_is_refused_by_the_graph_store(app, client, kind: str, method: str):
    graph = GRAPHS[kind]
    before = snapshot(app)
    url = "/rdf-graph-store?default" if graph is None else f"/rdf-graph-store?graph={graph}"
    body = f"{BARE.replace('1000', chr(34) + '1000' + chr(34) + '^^<' + str(XSD.integer) + '>')} ."
    response = getattr(client, method)(url, data=body, content_type="application/n-triples", headers=AUTH)
    assert response.status_code == 422, response.data
    assert SHAPES + "UnsourcedAssertionShape" in shapes_of(response)
    assert snapshot(app) == before


def test_a_bare_domain_assertion_is_refused_beside_claims_in_rdf(app, client):
    before = snapshot(app)
    body = f"<{BASE}claim/x#evidence> <{CG.deathCount}> 3 . <{BASE}claim/x> a <{CG.Claim}> ."
    response = client.post("/claims", data=body, content_type="text/turtle", headers=AUTH)
    assert response.status_code == 422
    assert snapshot(app) == before


def test_a_bare_domain_assertion_is_refused_on_the_load_path(claimgraph: Claimgraph, mini_store: Store):
    before = all_quads(mini_store)
    graph = claimgraph.mint.document_graph("doc-b")
    triples = [(s, p, o) for s, p, o, _ in mini_store.quads(graph)]
    triples.append((URIRef(EVENT), CG.deathCount, Literal(1000)))
    with pytest.raises(ValidationFailed) as caught:
        commit(mini_store, Change(replace={graph: triples}), claimgraph.policy)
    assert SHAPES + "UnsourcedAssertionShape" in {p.shape for p in caught.value.problems}
    assert all_quads(mini_store) == before


def test_a_predicate_that_claims_use_is_a_domain_assertion_too(app, client):
    # schema:startDate is not in the vocabulary, but claims in the store are made with it.
    before = snapshot(app)
    update = f"INSERT DATA {{ <{EVENT}> <http://schema.org/startDate> '2020-05-04' }}"
    response = client.post("/update", data={"update": update}, headers=AUTH)
    assert response.status_code == 422
    assert SHAPES + "UnsourcedAssertionShape" in shapes_of(response)
    assert snapshot(app) == before


def test_a_forged_consensus_triple_is_refused(app, client):
    before = snapshot(app)
    consensus = f"{BASE}graph/consensus"
    update = f"INSERT DATA {{ GRAPH <{consensus}> {{ <{EVENT}> <{RDFS.label}> 'forged' }} }}"
    response = client.post("/update", data={"update": update}, headers=AUTH)
    assert response.status_code == 422
    assert SHAPES + "DerivedConsensusRule" in shapes_of(response)
    put = client.put(
        f"/rdf-graph-store?graph={consensus}",
        data=f"{BARE} .",
        content_type="text/turtle",
        headers=AUTH,
    )
    assert put.status_code == 422
    assert snapshot(app) == before


def test_the_vocabulary_graphs_are_written_only_by_the_loader(app, client):
    before = snapshot(app)
    response = client.post("/update", data={"update": f"DROP GRAPH <{BASE}graph/shapes>"}, headers=AUTH)
    assert response.status_code == 422
    assert SHAPES + "VocabularyGraphRule" in shapes_of(response)
    assert snapshot(app) == before


def test_plain_rdf_goes_only_into_open_graphs(loaded: Settings):
    plain = "<http://e/s> <http://xmlns.com/foaf/0.1/name> 'x' ."

    def put(application, graph: str, body: str) -> object:
        try:
            return application.test_client().put(
                f"/rdf-graph-store?graph={graph}", data=body, content_type="text/turtle", headers=AUTH
            )
        finally:
            with application.app_context():
                get_executor().close()

    refused = put(app_for(loaded), "urn:x:mine", plain)
    assert refused.status_code == 422
    assert SHAPES + "TypedNodeRule" in shapes_of(refused)
    assert put(app_for(loaded, open_graphs="urn:x:"), "urn:x:mine", plain).status_code == 201
    # Open, but still no domain assertion.
    assert put(app_for(loaded, open_graphs="urn:x:"), "urn:x:other", f"{BARE} .").status_code == 422


def test_blank_nodes_are_stored_as_skolem_iris(loaded: Settings):
    application = app_for(loaded, open_graphs="urn:x:")
    client = application.test_client()
    body = "<http://e/s> <http://e/p> [ <http://e/q> 1 ] ."
    assert (
        client.put(
            "/rdf-graph-store?graph=urn:x:g", data=body, content_type="text/turtle", headers=AUTH
        ).status_code
        == 201
    )
    stored = [q for q in snapshot(application) if str(q[3]) == "urn:x:g"]
    assert len(stored) == 2 and all(not isinstance(t, type(None)) for q in stored for t in q)
    assert any(str(q[2]).startswith(f"{BASE}.well-known/genid/") for q in stored)
    # A diff can be applied by value: deleting it all works and leaves nothing.
    response = client.post(
        "/update", data={"update": "DELETE WHERE { GRAPH <urn:x:g> { ?s ?p ?o } }"}, headers=AUTH
    )
    assert response.status_code == 200 and response.get_json()["removed"] == 2
    with application.app_context():
        get_executor().close()


# ---------------------------------------------------------------- graph operations (W3C semantics)


def test_graph_operations_over_http(app, client):
    def update(text: str) -> int:
        return client.post("/update", data={"update": text}, headers=AUTH).status_code

    g, h = "urn:x:g", "urn:x:h"

    def exists(name: str) -> bool:
        return client.get(f"/rdf-graph-store?graph={name}").status_code == 200

    assert not exists(g)
    assert update(f"CREATE GRAPH <{g}>") == 200
    assert exists(g)  # empty, but there
    assert update(f"CREATE GRAPH <{g}>") == 400
    assert update(f"CREATE SILENT GRAPH <{g}>") == 200
    assert update(f"DROP GRAPH <{h}>") == 400
    assert update(f"DROP SILENT GRAPH <{h}>") == 200
    # A typed entity may live in a closed graph; COPY/MOVE/ADD carry it.
    entity = f"<urn:x:e> a <http://schema.org/Place> ; <{RDFS.label}> 'a place'"
    assert update(f"INSERT DATA {{ GRAPH <{g}> {{ {entity} }} }}") == 200
    assert update(f"COPY <{g}> TO <{h}>") == 200 and exists(h)
    assert update(f"CLEAR GRAPH <{h}>") == 200 and exists(h)
    assert update(f"ADD <{g}> TO <{h}>") == 200
    assert update(f"MOVE <{h}> TO <urn:x:k>") == 200
    assert not exists(h) and exists("urn:x:k")
    assert update(f"DROP GRAPH <{g}>") == 200 and not exists(g)
    assert update(f"CLEAR GRAPH <{g}>") == 400


def test_nesting_limits_are_the_same_for_queries_and_updates(app, client, backend: str):
    from claimgraph.sparqltext import MAX_DEPTH

    def nested(depth: int) -> str:
        return "{" * depth + "}" * depth

    at_limit_query = client.post("/sparql", data={"query": f"ASK {nested(MAX_DEPTH - 1)}"})
    at_limit_update = client.post(
        "/update", data={"update": f"DELETE {{ }} WHERE {nested(MAX_DEPTH - 1)}"}, headers=AUTH
    )
    if backend == "virtuoso":
        # Virtuoso's own parser stops earlier: the server's refusal, passed on as a bad query.
        error = at_limit_query.get_json()["error"]
        assert (error["code"], "nested too deep" in error["message"]) == ("bad-query", True)
    else:
        assert at_limit_query.status_code == 200
    assert at_limit_update.status_code == 200
    past_query = client.post("/sparql", data={"query": f"ASK {nested(MAX_DEPTH + 1)}"})
    past_update = client.post(
        "/update", data={"update": f"DELETE {{ }} WHERE {nested(MAX_DEPTH + 1)}"}, headers=AUTH
    )
    assert past_query.status_code == past_update.status_code == 400
    deep = client.post("/update", data={"update": f"DELETE {{ }} WHERE {nested(5000)}"}, headers=AUTH)
    assert deep.status_code == 400 and "nested" in deep.get_json()["error"]["message"]
    assert client.post("/sparql", data={"query": "ASK {}"}).status_code == 200  # still serving


# ---------------------------------------------------------------- two corpora, one registry

SECOND = DATA / "second"


def test_two_corpora_share_the_registry_without_duplicate_rows(claimgraph: Claimgraph, mini_store: Store):
    claimgraph.load(mini_store, SECOND)
    label = mini_store.query(f"SELECT ?l WHERE {{ <{EVENT}> <{RDFS.label}> ?l }}").rows
    assert [str(r["l"]) for r in label] == ["Flood of 3 May 2020"]
    alts = {
        str(r["a"])
        for r in mini_store.query(
            f"SELECT ?a WHERE {{ <{EVENT}> <http://www.w3.org/2004/02/skos/core#altLabel> ?a }}"
        ).rows
    }
    assert alts == {"May 2020 flood"}  # merged from the second corpus
    declared = mini_store.query(f"SELECT ?c WHERE {{ ?c <{CG.declares}> <{EVENT}> }}").rows
    assert len(declared) == 2  # both corpora record that they declared it
    for name in claimgraph.named_queries:
        named = claimgraph.named_queries[name]
        params = {
            p.name: EVENT if "subject" in p.name or "event" in p.name else f"{BASE}entity/mayor"
            for p in named.parameters
        }
        result = claimgraph.run_named(mini_store, name, params)
        keys = [tuple(sorted((k, str(v)) for k, v in row.items())) for row in result.rows]
        assert len(keys) == len(set(keys)), f"{name} repeats rows"


def test_a_conflicting_declaration_is_refused_naming_both(
    claimgraph: Claimgraph, mini_store: Store, tmp_path: Path
):
    other = tmp_path / "other"
    shutil.copytree(SECOND, other)
    corpus = other / "corpus.yaml"
    corpus.write_text(corpus.read_text().replace("label: Flood of 3 May 2020", "label: The great flood"))
    before = all_quads(mini_store)
    with pytest.raises(InvalidInput) as caught:
        claimgraph.load(mini_store, other)
    [problem] = [p for p in caught.value.problems if p.shape == SHAPES + "RegistryRule"]
    assert "'mini'" in problem.message and "The great flood" in problem.message
    assert problem.sheet == "corpus.yaml" and problem.line is not None
    assert all_quads(mini_store) == before


def test_a_document_of_one_corpus_is_not_replaced_by_another(
    claimgraph: Claimgraph, mini_store: Store, tmp_path: Path
):
    copy = tmp_path / "copy-of-mini"  # the same folder under another name
    shutil.copytree(MINI, copy)
    before = all_quads(mini_store)
    with pytest.raises(InvalidInput) as caught:
        claimgraph.load(mini_store, copy)
    owners = [p for p in caught.value.problems if p.shape == SHAPES + "DocumentOwnerRule"]
    assert len(owners) == 2 and all("'mini'" in p.message and "'copy-of-mini'" in p.message for p in owners)
    assert all_quads(mini_store) == before
    claimgraph.load(mini_store, copy, replace=True)
    owner = mini_store.query(f"SELECT ?c WHERE {{ ?c <{CG.holdsDocument}> <{BASE}document/doc-a> }}").rows
    assert [str(r["c"]) for r in owner] == [f"{BASE}corpus/copy-of-mini"]


def test_withdrawing_removes_entities_nothing_refers_to(claimgraph: Claimgraph, mini_store: Store):
    claimgraph.load(mini_store, SECOND)
    radio = URIRef(f"{BASE}entity/radio")
    assert list(mini_store.quads(claimgraph.mint.registry_graph, subject=radio))
    report = claimgraph.withdraw(mini_store, "radio-report")
    assert len(report.removed_claims) == 2
    assert not list(mini_store.quads(subject=radio))  # only the radio report referred to it
    assert list(mini_store.quads(claimgraph.mint.registry_graph, subject=URIRef(f"{BASE}entity/mayor")))


# ---------------------------------------------------------------- the consensus rule


def test_a_count_kind_does_not_corroborate_another(claimgraph: Claimgraph, store: Store, tmp_path: Path):
    # mini with doc-b's 12 counted as bodies seen: doc-a's 12 and 14 deaths disagree, so no
    # deaths statement; doc-b's 12 bodies seen stands alone in its kind.
    corpus = tmp_path / "mini"
    shutil.copytree(MINI, corpus)
    sheet = corpus / "doc-b.yaml"
    sheet.write_text(
        sheet.read_text(encoding="utf-8").replace("count_kind: killed", "count_kind: bodies-seen", 1),
        encoding="utf-8",
    )
    claimgraph.load(store, corpus)
    graph = claimgraph.mint.consensus_graph

    def derived(kind: URIRef) -> list[tuple]:
        rows = store.query(
            f"SELECT ?o ?k WHERE {{ GRAPH <{graph}> {{ ?st a <{kind}> ; <{RDF.predicate}> <{CG.deathCount}> ;"
            f" <{RDF.object}> ?o . OPTIONAL {{ ?st <{CG.countKind}> ?k }} }} }}"
        ).rows
        return sorted((r["o"].toPython(), str(r.get("k"))) for r in rows)

    assert derived(CG.ConsensusStatement) == [(12, "https://w3id.org/claimgraph/count-kinds#bodies-seen")]
    # The disagreeing deaths are recorded as contested values of their own kind.
    assert derived(CG.ContestedValue) == [
        (12, "https://w3id.org/claimgraph/count-kinds#killed"),
        (14, "https://w3id.org/claimgraph/count-kinds#killed"),
    ]
    assert not list(store.quads(graph, subject=URIRef(EVENT), predicate=CG.deathCount))
    # Withdraw doc-a: the bare triple needs every claim about (flood, deathCount) to agree,
    # whatever its kind: now only doc-b's 12 is left.
    claimgraph.withdraw(store, "doc-a")
    assert [
        o.toPython() for *_, o, _ in store.quads(graph, subject=URIRef(EVENT), predicate=CG.deathCount)
    ] == [12]


def test_every_graph_rule_has_a_violation_test(claimgraph: Claimgraph):
    rules = {
        str(r)[len(SHAPES) :]
        for r in claimgraph.vocabulary.shapes.subjects(RDF.type, URIRef(SHAPES + "GraphRule"))
    }
    tested = {
        "DerivedConsensusRule": "test_a_forged_consensus_triple_is_refused",
        "VocabularyGraphRule": "test_the_vocabulary_graphs_are_written_only_by_the_loader",
        "TypedNodeRule": "test_plain_rdf_goes_only_into_open_graphs",
        "DocumentOwnerRule": "test_a_document_of_one_corpus_is_not_replaced_by_another",
        "RegistryRule": "test_a_conflicting_declaration_is_refused_naming_both",
    }
    assert rules == set(tested)
    assert all(name in globals() for name in tested.values())

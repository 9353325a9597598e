"""The SPARQL 1.1 Protocol edge: negotiation, dataset, service description, named queries, CORS, limits.

Most tests use Flask's test client on an app whose executor runs in this process
over the seed corpus (conftest's seed_app); what needs real HTTP (the body
limit of waitress, fetching nothing from 127.0.0.1 while the real worker
processes run) uses a live server.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, Namespace

from claimgraph.namespaces import CG
from claimgraph.queries import load_named_queries
from claimgraph.sheets import read_corpus
from claimgraph.store import OxigraphStore
from claimgraph.web.pages import VENDOR_FILES

from .live import (
    MINI,
    ROOT,
    LiveServer,
    corpus_for_tests,
    listener,
    live_server,
    loaded_store,
    shared_store,
)

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
COUNT_CLAIMS = f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c a <{CG.Claim}> }}"
CONSTRUCT_CLAIMS = f"CONSTRUCT {{ ?c a <{CG.Claim}> }} WHERE {{ ?c a <{CG.Claim}> }}"
NAMED_QUERIES = load_named_queries(ROOT / "queries")
MAX_BODY = 4096


# --- fixtures: settings → store → app → seed_client, and a live server ---------------------------------


@pytest.fixture(scope="module")
def corpus() -> Path:
    return corpus_for_tests()


@pytest.fixture(scope="module")
def store_path(corpus: Path) -> Path:
    return shared_store(corpus)


@pytest.fixture(scope="module")
def server(store_path: Path) -> Iterator[LiveServer]:
    with live_server(store_path, max_body=MAX_BODY) as running:
        yield running


def ask(seed_client: FlaskClient, query: str, **kwargs: Any) -> Any:
    return seed_client.get("/sparql", query_string={"query": query, **kwargs.pop("params", {})}, **kwargs)


def number(response: Any) -> int:
    assert response.status_code == 200, response.get_data(as_text=True)
    return int(response.get_json()["results"]["bindings"][0]["n"]["value"])


# --- content negotiation --------------------------------------------------------------------------

NEGOTIATION = [
    # query, Accept, params, expected media type
    (COUNT_CLAIMS, None, {}, "application/sparql-results+json"),
    (COUNT_CLAIMS, "application/sparql-results+xml", {}, "application/sparql-results+xml"),
    (COUNT_CLAIMS, "text/csv", {}, "text/csv"),
    (COUNT_CLAIMS, "text/tab-separated-values", {}, "text/tab-separated-values"),
    (COUNT_CLAIMS, "application/json", {}, "application/json"),
    (COUNT_CLAIMS, "text/csv", {"format": "json"}, "application/sparql-results+json"),
    (COUNT_CLAIMS, None, {"output": "xml"}, "application/sparql-results+xml"),
    (COUNT_CLAIMS, None, {"results": "csv"}, "text/csv"),
    ("ASK {}", "application/sparql-results+xml", {}, "application/sparql-results+xml"),
    (CONSTRUCT_CLAIMS, None, {}, "text/turtle"),
    (CONSTRUCT_CLAIMS, "application/n-triples", {}, "application/n-triples"),
    (CONSTRUCT_CLAIMS, "application/ld+json", {}, "application/ld+json"),
    (CONSTRUCT_CLAIMS, "application/rdf+xml", {}, "application/rdf+xml"),
    (CONSTRUCT_CLAIMS, "application/n-quads", {}, "application/n-quads"),
    (CONSTRUCT_CLAIMS, "application/trig", {}, "application/trig"),
    (CONSTRUCT_CLAIMS, None, {"format": "jsonld"}, "application/ld+json"),
]


@pytest.mark.parametrize(("query", "accept", "params", "media_type"), NEGOTIATION)
def test_negotiated_answer(
    seed_client: FlaskClient, query: str, accept: str | None, params: dict[str, str], media_type: str
) -> None:
    headers = {"Accept": accept} if accept else {}
    response = ask(seed_client, query, params=params, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == media_type
    assert "Accept" in response.headers.get("Vary", "")


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
    ],
)
def test_construct_answers_parse(
    seed_client: FlaskClient, corpus: Path, accept: str, rdflib_format: str
) -> None:
    response = ask(seed_client, CONSTRUCT_CLAIMS, headers={"Accept": accept})
    graph = Graph().parse(data=response.get_data(), format=rdflib_format)
    assert len(set(graph.subjects(RDF.type, CG.Claim))) == len(read_corpus(corpus).claims)


def test_406_names_the_formats_on_offer(seed_client: FlaskClient) -> None:
    response = ask(seed_client, COUNT_CLAIMS, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.get_json()["error"]["message"]


def test_clients_extra_parameters_and_charset_are_tolerated(seed_client: FlaskClient, corpus: Path) -> None:
    claims = len(read_corpus(corpus).claims)
    # SPARQLWrapper: format, output and results, twice each
    params = "&".join(f"{p}=tsv&{p}=text%2Ftab-separated-values" for p in ("format", "output", "results"))
    response = seed_client.get(f"/sparql?query={requests.utils.quote(COUNT_CLAIMS)}&{params}")
    assert response.mimetype == "text/tab-separated-values"
    # rdflib SPARQLStore: a trailing '?' and a direct POST
    response = seed_client.post(
        "/sparql?", data=COUNT_CLAIMS, content_type="application/sparql-query; charset=UTF-8"
    )
    assert number(response) == claims
    # a form with its charset
    response = seed_client.post(
        "/sparql",
        data={"query": COUNT_CLAIMS},
        content_type="application/x-www-form-urlencoded; charset=utf-8",
    )
    assert number(response) == claims


# --- the dataset ----------------------------------------------------------------------------------


def triples_in(seed_store: OxigraphStore, graphs: list[URIRef] | None = None) -> int:
    return len({(s, p, o) for s, p, o, g in seed_store.quads() if graphs is None or g in graphs})


def test_default_graph_is_the_union_of_all_graphs(
    seed_client: FlaskClient, seed_store: OxigraphStore
) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    response = ask(seed_client, query)
    if isinstance(seed_store, OxigraphStore):
        assert number(response) == triples_in(seed_store)
    else:
        # On a SPARQL server the endpoint's default graph is the server's union default graph:
        # claimgraph's graphs, its register, and whatever else the server holds (Virtuoso's
        # system graphs). The same text sent straight to the server gives the same count.
        direct = requests.post(
            seed_store.options.url,
            data={"query": query},
            headers={"Accept": "application/sparql-results+json"},
            timeout=30,
        )
        assert number(response) == int(direct.json()["results"]["bindings"][0]["n"]["value"])
        assert number(response) >= triples_in(seed_store)


def test_default_graph_uri_narrows_the_default_graph(
    seed_client: FlaskClient, seed_store: OxigraphStore
) -> None:
    graph = seed_store.graph_names()[0]
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert number(ask(seed_client, query, params={"default-graph-uri": str(graph)})) == triples_in(
        seed_store, [graph]
    )
    assert number(ask(seed_client, query.replace("WHERE", f"FROM <{graph}> WHERE"))) == triples_in(
        seed_store, [graph]
    )


def test_named_graph_uri_gives_the_named_graphs(seed_client: FlaskClient, seed_store: OxigraphStore) -> None:
    first, second = seed_store.graph_names()[:2]
    query = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = seed_client.get(
        "/sparql",
        query_string=[("query", query), ("named-graph-uri", str(first)), ("named-graph-uri", str(second))],
    )
    assert number(response) == 2
    # only named graphs given: the default graph is empty
    response = seed_client.get(
        "/sparql", query_string=[("query", "ASK { ?s ?p ?o }"), ("named-graph-uri", str(first))]
    )
    assert response.get_json()["boolean"] is False


@pytest.mark.parametrize(
    "params",
    [
        {"default-graph-uri": "http://example.org/not-in-the-store"},
        {"named-graph-uri": "http://example.org/not-in-the-store"},
        {"default-graph-uri": "not an iri"},
    ],
)
def test_graphs_not_in_the_store_are_refused(seed_client: FlaskClient, params: dict[str, str]) -> None:
    response = ask(seed_client, "ASK {}", params=params)
    assert response.status_code == 400


def test_from_a_graph_not_in_the_store_is_refused(seed_client: FlaskClient) -> None:
    response = ask(seed_client, "SELECT * FROM <http://example.org/not-in-the-store> WHERE { ?s ?p ?o }")
    assert response.status_code == 400
    assert "http://example.org/not-in-the-store" in response.get_json()["error"]["message"]


# --- the service description and the vocabulary ---------------------------------------------------


def service_description(seed_client: FlaskClient, accept: str = "text/turtle", fmt: str = "turtle") -> Graph:
    response = seed_client.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 200
    return Graph().parse(data=response.get_data(), format=fmt)


def test_service_description(seed_client: FlaskClient, seed_store: OxigraphStore) -> None:
    g = service_description(seed_client)
    service = g.value(predicate=RDF.type, object=SD.Service)
    assert service == URIRef("http://localhost/sparql")
    assert g.value(service, SD.endpoint) == service
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in g
    formats = {str(f).rsplit("/", 1)[-1] for f in g.objects(service, SD.resultFormat)}
    assert {
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
    } <= formats
    assert {"Turtle", "N-Triples", "JSON-LD", "RDF_XML"} <= formats
    dataset = g.value(service, SD.defaultDataset)
    default = g.value(dataset, SD.defaultGraph)
    assert "union" in str(g.value(default, RDFS.comment))
    named = {g.value(n, SD.name) for n in g.objects(dataset, SD.namedGraph)}
    # The store's bookkeeping (a server's register) is not listed; on a server, the other
    # graphs it holds (Virtuoso's system graphs) are, since a query reads them too.
    assert not {n for n in named if str(n).startswith("urn:claimgraph:")} - {URIRef("urn:claimgraph:store")}
    if isinstance(seed_store, OxigraphStore):
        assert named == set(seed_store.graph_names())
    else:
        assert named >= set(seed_store.graph_names())


def test_service_description_states_the_provenance_guarantee(seed_client: FlaskClient) -> None:
    g = service_description(seed_client)
    service = g.value(predicate=RDF.type, object=SD.Service)
    assert g.value(service, DCTERMS.conformsTo) == URIRef("http://localhost/ontology/shapes.ttl")
    see_also = set(g.objects(service, RDFS.seeAlso))
    assert URIRef("http://localhost/ontology/claimgraph.ttl") in see_also
    assert URIRef("http://localhost/ontology/context.jsonld") in see_also
    comments = " ".join(str(c) for c in g.objects(service, RDFS.comment))
    for words in ("source document", "claimant", "quote"):
        assert words in comments


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [("application/ld+json", "json-ld"), ("application/n-triples", "nt"), ("application/rdf+xml", "xml")],
)
def test_service_description_formats(seed_client: FlaskClient, accept: str, fmt: str) -> None:
    assert (None, RDF.type, SD.Service) in service_description(seed_client, accept, fmt)


def test_service_description_for_a_bare_get(seed_client: FlaskClient) -> None:
    response = seed_client.get("/sparql", headers={"Accept": "*/*"})
    assert response.mimetype == "text/turtle"


def test_browser_gets_the_query_page(seed_client: FlaskClient) -> None:
    response = seed_client.get("/sparql", headers={"Accept": BROWSER})
    assert response.mimetype == "text/html"
    assert "claimgraph" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("name", "media_type", "fmt"),
    [
        ("shapes.ttl", "text/turtle", "turtle"),
        ("claimgraph.ttl", "text/turtle", "turtle"),
        ("context.jsonld", "application/ld+json", None),
    ],
)
def test_ontology_files_are_served(
    seed_client: FlaskClient, name: str, media_type: str, fmt: str | None
) -> None:
    response = seed_client.get(f"/ontology/{name}")
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert response.get_data() == (ROOT / "ontology" / name).read_bytes()
    if fmt:
        assert len(Graph().parse(data=response.get_data(), format=fmt)) > 0
    else:
        assert "@context" in json.loads(response.get_data())


@pytest.mark.parametrize("name", ["other.ttl", "..%2Fpyproject.toml", "%2E%2E"])
def test_only_the_ontology_files_are_served(seed_client: FlaskClient, name: str) -> None:
    assert seed_client.get(f"/ontology/{name}").status_code == 404


# --- named queries --------------------------------------------------------------------------------


def test_named_query_list_as_json(seed_client: FlaskClient) -> None:
    response = seed_client.get("/queries/", headers={"Accept": "application/json"})
    assert response.mimetype == "application/json"
    listed = {q["name"]: q for q in response.get_json()["queries"]}
    assert set(listed) == set(NAMED_QUERIES)
    for name, query in NAMED_QUERIES.items():
        assert listed[name]["title"] == query.title
        assert listed[name]["description"] == query.description
        assert [p["name"] for p in listed[name]["parameters"]] == [p.name for p in query.parameters]
        assert listed[name]["url"] == f"http://localhost/queries/{name}"


def test_named_query_list_as_html(seed_client: FlaskClient) -> None:
    response = seed_client.get("/queries/", headers={"Accept": BROWSER})
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    for query in NAMED_QUERIES.values():
        assert query.name in page


@pytest.mark.parametrize("name", sorted(NAMED_QUERIES))
def test_every_named_query_runs(seed_client: FlaskClient, name: str) -> None:
    response = seed_client.get(f"/queries/{name}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/sparql-results+json"
    assert seed_client.get(f"/queries/{name}", headers={"Accept": "text/csv"}).mimetype == "text/csv"
    text = seed_client.get(f"/queries/{name}.rq")
    assert text.get_data(as_text=True) == NAMED_QUERIES[name].text


def test_named_query_parameters_are_bound(seed_client: FlaskClient) -> None:
    name = "casualties-by-source"
    if name not in NAMED_QUERIES:
        pytest.skip(f"no {name}.rq")
    everything = seed_client.get(f"/queries/{name}").get_json()["results"]["bindings"]
    events = {row["event"]["value"] for row in everything}
    assert events
    event = sorted(events)[0]
    for response in (
        seed_client.get(f"/queries/{name}", query_string={"event": event}),
        seed_client.post(f"/queries/{name}", data={"event": event}),
    ):
        rows = response.get_json()["results"]["bindings"]
        assert rows and {row["event"]["value"] for row in rows} == {event}
        assert len(rows) == sum(1 for row in everything if row["event"]["value"] == event)


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/queries/no-such-query", {}, 404),
        ("/queries/no-such-query.rq", {}, 404),
        ("/queries/casualties-by-source", {"event": "not an iri"}, 400),
        ("/queries/casualties-by-source", {"event": "http://x> } DROP ALL {"}, 400),
        ("/queries/casualties-by-source", {"nonsense": "1"}, 400),
        ("/queries/casualties-by-source", {"format": "png"}, 406),
    ],
)
def test_named_query_errors(seed_client: FlaskClient, path: str, params: dict[str, str], status: int) -> None:
    response = seed_client.get(path, query_string=params)
    assert response.status_code == status
    assert response.get_json()["error"]["status"] == status


# --- requests the protocol refuses ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "kwargs", "status"),
    [
        ("GET", {"query_string": "update=CLEAR%20ALL"}, 400),
        ("GET", {"query_string": "query=ASK%7B%7D&query=ASK%7B%7D"}, 400),
        ("POST", {"data": "", "content_type": "application/x-www-form-urlencoded"}, 400),
        ("POST", {"data": "ASK {}", "content_type": "text/plain"}, 415),
        ("POST", {"data": "ASK {}"}, 415),
        ("DELETE", {}, 405),
        # bytes that are not UTF-8: percent-encoded in the URL or a form, raw in a body
        ("GET", {"query_string": "query=ASK%20%7B%FF%7D"}, 400),
        (
            "POST",
            {"data": "query=ASK%20%7B%C3%28%7D", "content_type": "application/x-www-form-urlencoded"},
            400,
        ),
        ("POST", {"data": b"ASK {\xff}", "content_type": "application/sparql-query"}, 400),
        # UTF-16: the media type is UTF-8 only (W3C bad_query_non_utf8); without a charset it is not UTF-8
        (
            "POST",
            {"data": "ASK {}".encode("utf-16"), "content_type": "application/sparql-query; charset=UTF-16"},
            415,
        ),
        ("POST", {"data": "ASK {}".encode("utf-16"), "content_type": "application/sparql-query"}, 400),
    ],
)
def test_refused_requests(seed_client: FlaskClient, method: str, kwargs: dict[str, Any], status: int) -> None:
    response = seed_client.open("/sparql", method=method, **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.get_json()["error"]["status"] == status


def test_update_needs_a_token(seed_client: FlaskClient) -> None:
    response = seed_client.post("/sparql", data={"update": "CLEAR ALL"})
    assert response.status_code in (401, 403)


# --- CORS -----------------------------------------------------------------------------------------


def test_cors_on_answers_never_with_credentials(seed_client: FlaskClient) -> None:
    origin = "https://elsewhere.example"
    for response in (
        ask(seed_client, "ASK {}", headers={"Origin": origin}),
        seed_client.post("/sparql", data={"query": "ASK {}"}, headers={"Origin": origin}),
        ask(seed_client, "SELEKT", headers={"Origin": origin}),  # errors too, so pages can read them
    ):
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in response.headers
        assert origin not in str(response.headers)


def test_cors_preflight(seed_client: FlaskClient) -> None:
    response = seed_client.options(
        "/sparql",
        headers={
            "Origin": "https://elsewhere.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code in (200, 204)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "content-type" in response.headers["Access-Control-Allow-Headers"].lower()
    assert "Access-Control-Allow-Credentials" not in response.headers


# --- the query page -------------------------------------------------------------------------------


def vendor_present(seed_app: Flask) -> bool:
    return all((Path(seed_app.static_folder or "") / f).is_file() for f in VENDOR_FILES)


def test_query_page_serves_yasgui(seed_app: Flask, seed_client: FlaskClient) -> None:
    if not vendor_present(seed_app):
        message = "YASGUI is not installed: run `npm ci && npm run vendor` at the top of the repository"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    for path in ("/", "/query"):
        response = seed_client.get(path)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert 'src="/static/vendor/yasgui.min.js"' in page
        assert 'href="/static/vendor/yasgui.min.css"' in page
        assert '"http://localhost/sparql"' in page
    script = seed_client.get("/static/vendor/yasgui.min.js")
    assert script.status_code == 200
    assert script.mimetype in ("text/javascript", "application/javascript")
    assert b"Yasgui" in script.get_data()
    assert seed_client.get("/static/vendor/yasgui.min.css").status_code == 200


def test_query_page_has_every_named_query_as_an_example(seed_client: FlaskClient) -> None:
    page = seed_client.get("/").get_data(as_text=True)
    for query in NAMED_QUERIES.values():
        assert json.dumps(query.title)[1:-1] in page or query.title in page


def test_query_page_without_yasgui_says_how_to_install_it(seed_app: Flask, tmp_path: Path) -> None:
    static = seed_app.static_folder
    seed_app.static_folder = str(tmp_path)
    try:
        page = seed_app.test_client().get("/").get_data(as_text=True)
    finally:
        seed_app.static_folder = static
    assert "not installed" in page
    assert "npm ci" in page
    assert '<form method="post"' in page


# --- over real HTTP -------------------------------------------------------------------------------


def test_live_body_over_the_limit_is_413(server: LiveServer) -> None:
    response = requests.post(
        server.sparql,
        data=b"ASK {}" + b" " * (MAX_BODY * 4),
        headers={"Content-Type": "application/sparql-query"},
        timeout=10,
    )
    assert response.status_code == 413
    assert response.json()["error"]["status"] == 413


def test_live_body_under_the_limit_runs(server: LiveServer) -> None:
    response = requests.post(
        server.sparql,
        data=b"ASK {}" + b" " * (MAX_BODY // 2),
        headers={"Content-Type": "application/sparql-query"},
        timeout=10,
    )
    assert response.status_code == 200


REMOTE = [
    ("SERVICE", lambda url: {"query": f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"}),
    ("SERVICE SILENT", lambda url: {"query": f"SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}"}),
    ("FROM", lambda url: {"query": f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}"}),
    ("FROM NAMED", lambda url: {"query": f"SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"}),
    ("default-graph-uri", lambda url: {"query": "ASK {}", "default-graph-uri": url}),
    ("named-graph-uri", lambda url: {"query": "ASK {}", "named-graph-uri": url}),
    ("LOAD", lambda url: {"update": f"LOAD <{url}>"}),
]


@pytest.mark.parametrize(("what", "params"), REMOTE, ids=[r[0] for r in REMOTE])
def test_live_nothing_is_fetched(server: LiveServer, what: str, params: Any) -> None:
    with listener() as spy:
        response = requests.post(server.sparql, data=params(spy.url()), timeout=30)
    assert 400 <= response.status_code < 500, f"{what}: {response.status_code} {response.text[:300]}"
    assert response.json()["error"]["status"] == response.status_code
    assert spy.connections == [], f"{what} made the server connect to 127.0.0.1"


def test_live_answers_the_claim_count(server: LiveServer, corpus: Path) -> None:
    response = requests.get(server.sparql, params={"query": COUNT_CLAIMS}, timeout=30)
    assert int(response.json()["results"]["bindings"][0]["n"]["value"]) == len(read_corpus(corpus).claims)
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_live_query_page_and_yasgui(server: LiveServer) -> None:
    page = requests.get(server.url + "/", headers={"Accept": BROWSER}, timeout=10)
    assert page.status_code == 200
    if 'src="/static/vendor/yasgui.min.js"' in page.text:
        script = requests.get(server.url + "/static/vendor/yasgui.min.js", timeout=10)
        assert script.status_code == 200
        assert len(script.content) > 100_000


def test_literal_language_survives(seed_client: FlaskClient) -> None:
    response = ask(seed_client, 'SELECT ?x WHERE { BIND("été"@fr AS ?x) }')
    binding = response.get_json()["results"]["bindings"][0]["x"]
    assert binding == {"type": "literal", "value": "été", "xml:lang": "fr"}


def test_live_a_write_after_a_refused_write(tmp_path: Path) -> None:
    """Over ``serve`` (worker processes), a refused update must not block the next one."""
    token = "protocol-test-token"
    auth = {"Authorization": f"Bearer {token}"}
    refused = f"INSERT DATA {{ GRAPH <http://example.org/g> {{ <http://example.org/c> a <{CG.Claim}> }} }}"
    accepted = (
        "INSERT DATA { GRAPH <http://example.org/g2> { <http://example.org/s> <http://example.org/p> 1 } }"
    )
    with live_server(loaded_store(tmp_path, MINI), token=token, open_graphs="http://example.org/") as live:
        assert (
            requests.post(live.sparql, data={"update": refused}, headers=auth, timeout=30).status_code == 422
        )
        response = requests.post(live.sparql, data={"update": accepted}, headers=auth, timeout=30)
        assert response.status_code == 200, response.text

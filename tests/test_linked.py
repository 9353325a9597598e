"""Every IRI claimgraph mints dereferences: every kind × every format, HEAD, 406, conditional requests.

The app serves the seed store (base IRI ``http://example.org/cg/``) through the test client,
so the routes are matched by path under the base, whatever host the request names.
"""

from __future__ import annotations

import gzip
from dataclasses import replace
from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime

import pyoxigraph as ox
import pytest

from claimgraph.api import Claimgraph
from claimgraph.web import create_app

from .conftest import BASE, MINI, make_settings

RDF_FORMATS = {
    # name: (Accept, extension, media type sent, pyoxigraph format)
    "turtle": ("text/turtle", "ttl", "text/turtle", ox.RdfFormat.TURTLE),
    "ntriples": ("application/n-triples", "nt", "application/n-triples", ox.RdfFormat.N_TRIPLES),
    "jsonld": ("application/ld+json", "jsonld", "application/ld+json", ox.RdfFormat.JSON_LD),
    "rdfxml": ("application/rdf+xml", "rdf", "application/rdf+xml", ox.RdfFormat.RDF_XML),
    "trig": ("application/trig", "trig", "application/trig", ox.RdfFormat.TRIG),
    "nquads": ("application/n-quads", "nq", "application/n-quads", ox.RdfFormat.N_QUADS),
}
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


def first(client, sparql: str) -> str:
    response = client.get("/sparql", query_string={"query": sparql}, headers={"Accept": "application/json"})
    return response.get_json()["results"]["bindings"][0]["x"]["value"]


@pytest.fixture(scope="module")
def iris(seed_app) -> dict[str, tuple[str, str]]:
    """IRI kind → (IRI the description is about, local path), found in the seed store."""
    client = seed_app.test_client()
    claim = first(
        client,
        "SELECT ?x WHERE { ?x a <https://w3id.org/claimgraph/ns#Claim> ; "
        "<http://www.w3.org/ns/prov#wasAttributedTo> <http://example.org/cg/entity/un-officials> } LIMIT 1",
    )
    consensus = first(
        client, "SELECT ?x WHERE { ?x a <https://w3id.org/claimgraph/ns#ConsensusStatement> } LIMIT 1"
    )
    genid = first(
        client,
        "SELECT ?x WHERE { ?x ?p ?o FILTER STRSTARTS(STR(?x), 'http://example.org/cg/.well-known/genid/') } LIMIT 1",
    )
    digest = claim.rsplit("/", 1)[1]
    found = {
        "event": f"{BASE}entity/camp-ashraf-attack-2013",
        "agent": f"{BASE}entity/us-state-department",
        "entity": f"{BASE}entity/camp-ashraf",
        "document": f"{BASE}document/article-000",
        "claim": claim,
        "consensus": consensus,
        "genid": genid,
    }
    table = {kind: (iri, "/" + iri[len(BASE) :]) for kind, iri in found.items()}
    table["nanopub"] = (f"{BASE}nanopub/{digest}", f"/nanopub/{digest}")
    table["vocabulary"] = ("https://w3id.org/claimgraph/ns#Claim", "/ns")
    table["shapes"] = ("https://w3id.org/claimgraph/shapes#ClaimSourceShape", "/shapes")
    return table


KINDS = [
    "event",
    "agent",
    "entity",
    "document",
    "claim",
    "consensus",
    "genid",
    "nanopub",
    "vocabulary",
    "shapes",
]


def parsed(body: bytes, fmt: ox.RdfFormat) -> list[ox.Quad]:
    return list(ox.parse(body, fmt, base_iri="http://example.org/"))


def about(quads: list[ox.Quad], iri: str) -> bool:
    return any(str(q.subject).strip("<>") == iri or str(q.object).strip("<>") == iri for q in quads)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fmt", list(RDF_FORMATS))
@pytest.mark.parametrize("how", ["accept", "extension", "parameter"])
def test_every_iri_kind_in_every_rdf_format(seed_client, iris, kind, fmt, how):
    iri, path = iris[kind]
    accept, ext, media, ox_format = RDF_FORMATS[fmt]
    if how == "accept":
        response = seed_client.get(path, headers={"Accept": accept})
    elif how == "extension":
        response = seed_client.get(f"{path}.{ext}", headers={"Accept": BROWSER})
    else:
        response = seed_client.get(path, query_string={"format": fmt}, headers={"Accept": BROWSER})
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == media
    quads = parsed(response.data, ox_format)
    assert about(quads, iri), f"{kind} in {fmt}: the description does not mention <{iri}>"
    assert 'rel="alternate"' in response.headers["Link"]
    assert (
        response.headers["ETag"] and response.headers["Last-Modified"] and response.headers["Cache-Control"]
    )
    assert response.headers["Vary"] == "Accept"


@pytest.mark.parametrize("kind", KINDS)
def test_every_iri_kind_is_a_page_for_a_browser(seed_client, iris, kind):
    _, path = iris[kind]
    response = seed_client.get(path, headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert '<link rel="alternate" type="text/turtle"' in html
    assert all(f".{ext}" in response.headers["Link"] for _, ext, _, _ in RDF_FORMATS.values())


def test_a_description_holds_the_fragments_the_claims_and_the_consensus(seed_client, iris):
    claim, path = iris["claim"]
    quads = parsed(seed_client.get(path + ".nq").data, ox.RdfFormat.N_QUADS)
    subjects = {q.subject.value for q in quads}
    assert {f"{claim}#evidence", f"{claim}#quote", f"{claim}#position", f"{claim}#step-0"} <= subjects
    assert all(isinstance(q.graph_name, ox.NamedNode) for q in quads), "every quad keeps its graph"

    event, path = iris["event"]
    quads = parsed(seed_client.get(path + ".nq").data, ox.RdfFormat.N_QUADS)
    graphs = {q.graph_name.value for q in quads}
    assert {f"{BASE}graph/registry", f"{BASE}graph/consensus"} <= graphs
    claims_about = {
        q.subject.value for q in quads if q.predicate.value.endswith("#subject") and q.object.value == event
    }
    assert len(claims_about) > 6, "the claims about the event are in its description"


def test_a_description_is_cut_with_a_note(seed_claimgraph, seed_store, iris):
    # A description holds at most CLAIMGRAPH_MAX_ROWS - 1 quads (and at most 5,000).
    small = Claimgraph(replace(seed_claimgraph.settings, max_rows=11))
    app = create_app(claimgraph=small)
    app.extensions["claimgraph"]["executor"] = small.executor(store=seed_store)
    body = app.test_client().get(iris["event"][1] + ".nt").data
    lines = body.decode().splitlines()
    assert len(lines) == 11 and "This description is cut at 10 quads" in body.decode()


@pytest.mark.parametrize("kind", KINDS)
def test_head_is_get_without_the_body(seed_client, iris, kind):
    _, path = iris[kind]
    for accept in ("text/turtle", BROWSER):
        get = seed_client.get(path, headers={"Accept": accept})
        head = seed_client.head(path, headers={"Accept": accept})
        assert head.status_code == 200 and head.data == b""
        for header in ("Content-Type", "ETag", "Last-Modified", "Link", "Content-Length"):
            assert head.headers.get(header) == get.headers.get(header), header


def test_head_sparql_answers_like_get(seed_client):
    get = seed_client.get("/sparql", headers={"Accept": "text/turtle"})
    head = seed_client.head("/sparql", headers={"Accept": "text/turtle"})
    assert head.status_code == get.status_code == 200 and head.data == b""
    assert head.headers["Content-Type"] == get.headers["Content-Type"]


@pytest.mark.parametrize("kind", ["event", "claim", "document", "vocabulary"])
def test_406_with_the_list(seed_client, iris, kind):
    _, path = iris[kind]
    for response in (
        seed_client.get(path, headers={"Accept": "image/png"}),
        seed_client.get(path, query_string={"format": "yaml"}),
    ):
        assert response.status_code == 406
        message = response.get_json()["error"]["message"]
        assert "text/html" in message and "text/turtle" in message and "application/ld+json" in message


@pytest.mark.parametrize("kind", KINDS)
def test_conditional_requests(seed_client, iris, kind):
    _, path = iris[kind]
    first_turtle = seed_client.get(path, headers={"Accept": "text/turtle"})
    tag, modified = first_turtle.headers["ETag"], first_turtle.headers["Last-Modified"]
    again = seed_client.get(path, headers={"Accept": "text/turtle", "If-None-Match": tag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == tag
    since = seed_client.get(path, headers={"Accept": "text/turtle", "If-Modified-Since": modified})
    assert since.status_code == 304
    earlier = format_datetime(parsedate_to_datetime(modified) - timedelta(seconds=5), usegmt=True)
    assert (
        seed_client.get(path, headers={"Accept": "text/turtle", "If-Modified-Since": earlier}).status_code
        == 200
    )
    other = seed_client.get(path, headers={"Accept": "application/n-triples", "If-None-Match": tag})
    assert other.status_code == 200 and other.headers["ETag"] != tag, "each format has its own ETag"
    assert seed_client.head(path, headers={"Accept": "text/turtle", "If-None-Match": tag}).status_code == 304


def test_unknown_iris_are_404(seed_client):
    for path in ("/entity/no-such-thing", "/claim/0000000000000000", "/document/nope.ttl"):
        assert seed_client.get(path, headers={"Accept": "text/turtle"}).status_code == 404
        assert seed_client.get(path, headers={"Accept": BROWSER}).status_code == 404


def test_routes_match_under_the_base_path_too(seed_client):
    """The base IRI is http://example.org/cg/: /cg/entity/x answers as /entity/x does."""
    plain = seed_client.get("/entity/camp-ashraf.nt")
    under = seed_client.get("/cg/entity/camp-ashraf.nt")
    assert plain.status_code == under.status_code == 200 and plain.data == under.data


def test_graph_iris_are_pages_for_browsers_and_graphs_for_programs(seed_client):
    page = seed_client.get("/graph/consensus", headers={"Accept": BROWSER})
    assert page.status_code == 200 and page.mimetype == "text/html"
    turtle = seed_client.get("/graph/consensus", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and turtle.mimetype == "text/turtle"
    assert len(parsed(turtle.data, ox.RdfFormat.TURTLE)) > 100


def test_jsonld_uses_the_project_context(seed_client):
    body = seed_client.get("/entity/camp-ashraf-attack-2013.jsonld").get_json()
    assert body["@context"]["claimant"] == {"@id": "prov:wasAttributedTo", "@type": "@id"}


def test_vocabulary_page_anchors_every_term(seed_client):
    html = seed_client.get("/ns", headers={"Accept": BROWSER}).get_data(as_text=True)
    for term in ("Claim", "SourceDocument", "deathCount", "attributionStep"):
        assert f'id="{term}"' in html


def test_dumps_at_stable_urls(seed_client):
    listing = seed_client.get("/dumps/", headers={"Accept": BROWSER}).get_data(as_text=True)
    for name, media, fmt in (
        ("claimgraph.trig", "application/trig", ox.RdfFormat.TRIG),
        ("claimgraph.nq", "application/n-quads", ox.RdfFormat.N_QUADS),
        ("claimgraph.ttl", "text/turtle", ox.RdfFormat.TURTLE),
        ("claimgraph.jsonld", "application/ld+json", ox.RdfFormat.JSON_LD),
        ("nanopubs.trig", "application/trig", ox.RdfFormat.TRIG),
    ):
        assert name in listing
        plain = seed_client.get(f"/dumps/{name}")
        packed = seed_client.get(f"/dumps/{name}.gz")
        assert plain.status_code == packed.status_code == 200
        assert plain.mimetype == media and packed.mimetype == "application/gzip"
        assert gzip.decompress(packed.data) == plain.data
        assert parsed(plain.data, fmt)
        again = seed_client.get(f"/dumps/{name}", headers={"If-None-Match": plain.headers["ETag"]})
        assert again.status_code == 304
    assert seed_client.get("/dumps/nothing.zip").status_code == 404


def test_void_is_linked_from_the_service_description(seed_client):
    sd = parsed(
        seed_client.get("/sparql", headers={"Accept": "application/n-triples"}).data, ox.RdfFormat.N_TRIPLES
    )
    assert any(q.object.value.endswith("/.well-known/void") for q in sd)
    assert not any(q.object.value.endswith("#SPARQL11Update") for q in sd), "no token, no update"
    void = seed_client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert void.status_code == 200 and void.mimetype == "text/turtle"
    assert any(
        q.predicate.value == "http://rdfs.org/ns/void#sparqlEndpoint"
        for q in parsed(void.data, ox.RdfFormat.TURTLE)
    )


# ------------------------------------------------------------------ after a write


@pytest.fixture
def writable(tmp_path):
    from claimgraph.web import create_app, get_executor

    settings = make_settings(tmp_path, token="secret")
    app = create_app({k: getattr(settings, k) for k in settings.__dataclass_fields__})
    with app.app_context():
        executor = get_executor()
        executor.write(lambda store: app.extensions["claimgraph"]["claimgraph"].load(store, MINI))
    yield app.test_client()
    with app.app_context():
        get_executor().close()


def test_a_write_changes_the_etag_and_the_search_index(writable):
    # flood-2020 outlives doc-a's withdrawal (doc-b refers to it; the agency goes with doc-a).
    before = writable.get("/entity/flood-2020", headers={"Accept": "text/turtle"})
    assert before.status_code == 200
    found = writable.get("/search", query_string={"q": "killed 12 mayor"}).get_data(as_text=True)
    assert "Quotes (1)" in found
    deleted = writable.delete("/documents/doc-a", headers={"Authorization": "Bearer secret"})
    assert deleted.status_code == 200, deleted.data
    after = writable.get(
        "/entity/flood-2020", headers={"Accept": "text/turtle", "If-None-Match": before.headers["ETag"]}
    )
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    sd = writable.get("/sparql", headers={"Accept": "application/n-triples"}).data.decode()
    assert "#SPARQL11Update>" in sd, "writes are on: the service description says so"
    gone = writable.get("/search", query_string={"q": "killed 12 mayor"}).get_data(as_text=True)
    assert "Quotes (0)" in gone, "the withdrawn document's quotes left the search index"

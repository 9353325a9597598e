"""Writes: the token, the SHACL guard on every write, the claims API, and nothing fetched."""

from __future__ import annotations

import hashlib
import io
import socket
import threading
import time
from pathlib import Path

import pytest

from claimgraph.api import Claimgraph
from claimgraph.store import dryrun as store_module
from claimgraph.web import create_app, get_executor

from .conftest import Loaded, Servers, embedded_only, load_once

MINI = Path(__file__).parent / "data" / "mini"
BASE = "http://127.0.0.1:5000/"
TOKEN = "secret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PROV = "http://www.w3.org/ns/prov#"
CG = "https://w3id.org/claimgraph/ns#"


@pytest.fixture(scope="module")
def loaded(backend: str, servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    """The mini corpus loaded once on the module's backend; each test works on a copy."""
    return load_once(backend, servers, tmp_path_factory.mktemp("loaded"), MINI, base_iri=BASE)


#: The graphs these tests write plain RDF to; the closed world is tested in test_changes.py.
OPEN = f"http://e/ {BASE}graph/upload/ DEFAULT"


def make_app(loaded: Loaded, target: Path, token: str = TOKEN, **overrides):
    """An app over a fresh copy of the loaded store."""
    overrides.setdefault("open_graphs", OPEN)
    return create_app(claimgraph=Claimgraph(loaded.fresh(target, token=token, base_iri=BASE, **overrides)))


@pytest.fixture
def settings(loaded: Loaded, tmp_path: Path):
    """A copy of the loaded store, with a write token; conftest's app and client use it."""
    return loaded.fresh(tmp_path / "store", token=TOKEN, base_iri=BASE, open_graphs=OPEN)


def snapshot(app) -> list[str]:
    """Every quad in the store, as sorted N-Quads lines."""
    with app.app_context():
        return get_executor().write(
            lambda store: sorted(
                " ".join(t.n3() for t in q if t is not None) for q in store.quads(exact=True)
            )
        )


def select(client, sparql: str) -> list[dict]:
    response = client.post(
        "/sparql", data={"query": sparql}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200, response.data
    return response.get_json()["results"]["bindings"]


def consensus_values(client, predicate: str) -> set[str]:
    rows = select(
        client,
        f"SELECT ?o WHERE {{ GRAPH <{BASE}graph/consensus> {{ <{BASE}entity/flood-2020> <{predicate}> ?o }} }}",
    )
    return {r["o"]["value"] for r in rows}


# ---------------------------------------------------------------- access


WRITES = [
    ("post", "/update", {"data": {"update": "INSERT DATA { <http://e/s> <http://e/p> 1 }"}}),
    (
        "put",
        "/rdf-graph-store?graph=http://e/g",
        {"data": b"<http://e/s> <http://e/p> 1 .", "content_type": "text/turtle"},
    ),
    ("delete", "/rdf-graph-store?graph=http://e/g", {}),
    ("post", "/claims", {"data": b"document: {}", "content_type": "application/yaml"}),
    ("delete", "/claims/doc-a", {}),
]


@pytest.mark.parametrize(("method", "url", "kwargs"), WRITES, ids=[f"{m} {u}" for m, u, _ in WRITES])
def test_writes_are_off_without_a_configured_token(loaded, tmp_path, method, url, kwargs):
    client = make_app(loaded, tmp_path / "store", token="").test_client()
    response = getattr(client, method)(url, headers=AUTH, **kwargs)
    assert response.status_code == 403
    assert "writes are off" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("header", [None, "Bearer wrong", "Basic c2VjcmV0", "Bearer"])
@pytest.mark.parametrize(("method", "url", "kwargs"), WRITES, ids=[f"{m} {u}" for m, u, _ in WRITES])
def test_writes_need_the_right_token(app, client, header, method, url, kwargs):
    before = snapshot(app)
    headers = {"Authorization": header} if header else {}
    response = getattr(client, method)(url, headers=headers, **kwargs)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert snapshot(app) == before


def test_an_update_by_get_is_refused(app, client):
    before = snapshot(app)
    response = client.get("/update", query_string={"update": "DROP ALL"}, headers=AUTH)
    assert response.status_code == 405
    assert snapshot(app) == before


def test_sparql_endpoint_hands_updates_to_the_guard(app, client):
    response = client.post(
        "/sparql",
        data="INSERT DATA { GRAPH <http://e/g> { <http://e/s> <http://e/p> 1 } }",
        content_type="application/sparql-update",
        headers=AUTH,
    )
    assert response.status_code == 200, response.data
    assert select(client, "SELECT ?o WHERE { GRAPH <http://e/g> { ?s ?p ?o } }")[0]["o"]["value"] == "1"
    refused = client.post(
        "/sparql",
        data={"update": f"DELETE WHERE {{ GRAPH ?g {{ ?c <{PROV}wasDerivedFrom> ?d }} }}"},
        headers=AUTH,
    )
    assert refused.status_code == 422


# ---------------------------------------------------------------- the guard


def test_an_update_that_leaves_a_claim_without_source_is_refused(app, client):
    before = snapshot(app)
    response = client.post(
        "/update",
        data={"update": f"DELETE WHERE {{ GRAPH ?g {{ ?c <{PROV}wasDerivedFrom> ?d }} }}"},
        headers=AUTH,
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid-input"
    shapes = {p.get("shape") for p in error["details"]["problems"]}
    assert "https://w3id.org/claimgraph/shapes#ClaimSourceShape" in shapes
    assert "ValidationReport" in error["details"]["report"]
    assert snapshot(app) == before


def test_an_update_of_plain_data_works_and_keeps_claims(app, client):
    response = client.post(
        "/update",
        data="PREFIX e: <http://e/>\nINSERT DATA { GRAPH e:g { e:s e:p _:b . _:b e:q 'x' } } ;",
        content_type="application/sparql-update",
        headers=AUTH,
    )
    assert response.status_code == 200, response.data
    assert response.get_json()["added"] == 2
    assert len(select(client, "SELECT * WHERE { GRAPH <http://e/g> { ?s ?p ?o } }")) == 2


def test_an_update_that_changes_a_claim_updates_the_consensus(app, client):
    # doc-b's own-voice claim of 12 deaths becomes 14: the consensus still has no
    # single value, but the startDate claims stay agreed.
    claim = select(
        client,
        f"SELECT ?c WHERE {{ GRAPH <{BASE}graph/document/doc-b> {{ ?c <{CG}evidence>/<http://www.w3.org/ns/oa#hasSelector>/<http://www.w3.org/ns/oa#exact> 'the flood' }} }}",
    )[0]["c"]["value"]
    assert consensus_values(client, "http://schema.org/startDate") == {"2020-05-03"}
    response = client.post(
        "/update",
        data={"update": f"DELETE WHERE {{ GRAPH ?g {{ <{claim}> ?p ?o }} }}"},
        headers=AUTH,
    )
    # Deleting only the claim node leaves its #fragments, which are not claims: allowed,
    # and the consensus loses the support of that claim.
    assert response.status_code == 200, response.data
    assert claim in response.get_json()["removed_claims"]
    supporters = select(
        client, f"SELECT ?c WHERE {{ GRAPH <{BASE}graph/consensus> {{ ?s <{CG}supportedBy> ?c }} }}"
    )
    assert claim not in {r["c"]["value"] for r in supporters}


def test_the_consensus_graph_cannot_be_written_directly(app, client):
    before = snapshot(app)
    response = client.post(
        "/update",
        data={
            "update": f"INSERT DATA {{ GRAPH <{BASE}graph/consensus> {{ <{BASE}entity/flood-2020> <{CG}deathCount> 99 }} }}"
        },
        headers=AUTH,
    )
    assert response.status_code == 422
    assert "derived" in response.get_json()["error"]["message"]
    assert snapshot(app) == before


def test_a_syntax_error_is_400_and_a_failing_operation_writes_nothing(app, client):
    before = snapshot(app)
    bad = client.post("/update", data={"update": "INSERT DATA { <a> "}, headers=AUTH)
    assert bad.status_code == 400
    failing = client.post(
        "/update",
        data={
            "update": f"INSERT DATA {{ <http://e/s> <http://e/p> 1 }} ; CREATE GRAPH <{BASE}graph/consensus>"
        },
        headers=AUTH,
    )
    assert failing.status_code == 400
    assert snapshot(app) == before


def test_the_dry_run_also_works_on_a_disk_checkpoint(app, client, monkeypatch, backend):
    embedded_only(
        backend, "the checkpoint on disk is the embedded store's; a server's is copied by the graph"
    )
    monkeypatch.setattr(store_module, "MEMORY_COPY_LIMIT", 0)
    before = snapshot(app)
    refused = client.post(
        "/update",
        data={"update": f"DELETE WHERE {{ GRAPH ?g {{ ?c <{PROV}wasAttributedTo> ?a }} }}"},
        headers=AUTH,
    )
    assert refused.status_code == 422
    assert snapshot(app) == before
    accepted = client.post(
        "/update", data={"update": "INSERT DATA { <http://e/s> <http://e/p> 1 }"}, headers=AUTH
    )
    assert accepted.status_code == 200
    store_dir = Path(app.extensions["claimgraph"]["claimgraph"].settings.store)
    assert not list(store_dir.parent.glob(".dry-run-*"))


def test_a_graph_store_put_of_a_claim_without_source_is_refused(app, client):
    before = snapshot(app)
    claim = f"""
        @prefix cg: <{CG}> . @prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
        <{BASE}claim/unsourced> a cg:Claim ; rdf:subject <{BASE}entity/flood-2020> ;
            rdf:predicate cg:deathCount ; rdf:object 3 ;
            <{PROV}wasAttributedTo> <{BASE}entity/mayor> .
    """
    response = client.put(
        "/rdf-graph-store?graph=http://e/claims", data=claim, content_type="text/turtle", headers=AUTH
    )
    assert response.status_code == 422
    messages = " ".join(p["message"] for p in response.get_json()["error"]["details"]["problems"])
    assert "source document" in messages
    assert snapshot(app) == before


def test_graph_store_basics(app, client):
    url = "/rdf-graph-store?graph=http://e/g"
    assert client.get(url).status_code == 404
    assert client.delete(url, headers=AUTH).status_code == 404
    put = client.put(url, data=b"<http://e/s> <http://e/p> 1 .", content_type="text/turtle", headers=AUTH)
    assert put.status_code == 201
    again = client.put(url, data=b"<http://e/s> <http://e/p> 2 .", content_type="text/turtle", headers=AUTH)
    assert again.status_code == 204
    post = client.post(
        url,
        data=b'<http://e/s> <http://e/q> "3"^^<http://www.w3.org/2001/XMLSchema#integer> .',
        content_type="application/n-triples",
        headers=AUTH,
    )
    assert post.status_code == 204
    got = client.get(url, headers={"Accept": "application/n-triples"})
    assert got.status_code == 200 and got.mimetype == "application/n-triples"
    assert sorted(got.data.decode().splitlines()) == [
        '<http://e/s> <http://e/p> "2"^^<http://www.w3.org/2001/XMLSchema#integer> .',
        '<http://e/s> <http://e/q> "3"^^<http://www.w3.org/2001/XMLSchema#integer> .',
    ]
    assert client.head(url).status_code == 200
    assert client.get(url, headers={"Accept": "image/png"}).status_code == 406
    assert client.delete(url, headers=AUTH).status_code == 204
    assert client.get(url).status_code == 404


def test_graph_store_direct_identification_and_new_graphs(app, client):
    made = client.post(
        "/rdf-graph-store", data=b"<http://e/s> <http://e/p> 1 .", content_type="text/turtle", headers=AUTH
    )
    assert made.status_code == 201
    location = made.headers["Location"]
    assert location.startswith(f"{BASE}graph/")
    assert client.get(location[len(BASE) - 1 :], headers={"Accept": "text/turtle"}).status_code == 200
    loaded_graph = client.get("/graph/document/doc-a", headers={"Accept": "application/ld+json"})
    assert loaded_graph.status_code == 200 and loaded_graph.mimetype == "application/ld+json"
    dump = client.get("/rdf-graph-store", headers={"Accept": "application/n-quads"})
    assert dump.status_code == 200 and len(dump.data.splitlines()) == len(snapshot(app))


def test_malformed_uploads_are_400_with_the_position(app, client):
    response = client.put(
        "/rdf-graph-store?graph=http://e/g",
        data=b"<http://e/s> <http://e/p> 1 .\n<http://e/s> <http://e/p> .\n",
        content_type="text/turtle",
        headers=AUTH,
    )
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad-rdf" and error["details"]["line"] == 2
    unsupported = client.put(
        "/rdf-graph-store?graph=http://e/g", data=b"x", content_type="text/csv", headers=AUTH
    )
    assert unsupported.status_code == 415


# ---------------------------------------------------------------- nothing is fetched


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def listener():
    it = Listener()
    yield it
    it.close()


def test_a_remote_json_ld_context_is_refused_and_never_fetched(app, client, listener):
    url = f"http://127.0.0.1:{listener.port}/context.jsonld"
    for context in (url, [url], {"@import": url}, [{"x": {"@id": "http://e/x", "@context": url}}]):
        body = {"@context": context, "@id": "http://e/s", "http://e/p": 1}
        response = client.put(
            "/rdf-graph-store?graph=http://e/g", json=body, content_type="application/ld+json", headers=AUTH
        )
        assert response.status_code == 400, context
        assert "remote @context" in response.get_json()["error"]["message"]
    time.sleep(0.3)
    assert listener.connections == 0


def test_load_and_service_are_refused_and_never_fetched(app, client, listener):
    before = snapshot(app)
    url = f"http://127.0.0.1:{listener.port}/data.ttl"
    for update in (
        f"LOAD <{url}>",
        f"load silent <{url}> INTO GRAPH <http://e/g>",
        f"\\u004cOAD <{url}>",
        f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    ):
        response = client.post("/update", data={"update": update}, headers=AUTH)
        assert response.status_code == 400, update
        assert "not allowed" in response.get_json()["error"]["message"]
    time.sleep(0.3)
    assert listener.connections == 0
    assert snapshot(app) == before


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="http://e/s"><rdf:value>&g;</rdf:value></rdf:Description>
</rdf:RDF>
"""


def test_an_entity_bomb_is_refused_fast_and_the_server_keeps_serving(app, client):
    start = time.monotonic()
    response = client.put(
        "/rdf-graph-store?graph=http://e/g", data=BOMB, content_type="application/rdf+xml", headers=AUTH
    )
    assert time.monotonic() - start < 1
    assert response.status_code == 400
    assert "DOCTYPE" in response.get_json()["error"]["message"]
    assert client.get("/rdf-graph-store?default", headers={"Accept": "text/turtle"}).status_code == 200


def test_an_external_entity_is_refused_and_never_fetched(app, client, listener):
    xxe = f"""<?xml version="1.0"?>
<!DOCTYPE r [ <!ENTITY x SYSTEM "http://127.0.0.1:{listener.port}/secret"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="http://e/s"><rdf:value>&x;</rdf:value></rdf:Description>
</rdf:RDF>""".encode()
    response = client.post(
        "/rdf-graph-store?graph=http://e/g", data=xxe, content_type="application/rdf+xml", headers=AUTH
    )
    assert response.status_code == 400
    time.sleep(0.3)
    assert listener.connections == 0
    plain = xxe.replace(xxe[xxe.index(b"<!DOCTYPE") : xxe.index(b"]>") + 2], b"").replace(b"&x;", b"v")
    ok = client.post(
        "/rdf-graph-store?graph=http://e/g", data=plain, content_type="application/rdf+xml", headers=AUTH
    )
    assert ok.status_code == 201


# ---------------------------------------------------------------- the claims API

BAD_QUOTE_SHEET = """\
document:
  id: doc-b
  file: doc-b.txt
  sha256: 7c93ecc36585c88f0091c52d51c036088ca52062de41c1edfb892929f0ae24dd
  creator: author-b
  language: en
claims:
  - subject: flood-2020
    predicate: cg:deathCount
    value: 12
    claimant: author-b
    quote: 12 died
    count_kind: killed
  - subject: flood-2020
    predicate: cg:deathCount
    value: 13
    claimant: author-b
    quote: 13 died
    count_kind: killed
"""


def test_a_sheet_with_a_bad_quote_is_refused_naming_sheet_and_line(app, client):
    before = snapshot(app)
    response = client.post(
        "/claims?name=doc-b-edit.yaml", data=BAD_QUOTE_SHEET, content_type="application/yaml", headers=AUTH
    )
    assert response.status_code == 422
    [problem] = response.get_json()["error"]["details"]["problems"]
    assert problem["sheet"] == "doc-b-edit.yaml" and problem["line"] == 14
    assert "quote not found" in problem["message"]
    assert snapshot(app) == before


def test_a_sheet_names_only_what_the_stores_registry_holds(app, client):
    """A sheet sent alone may use every entity and agent in the store (looked up one by one);
    an id the registry lacks, or an entity that is not an agent standing as claimant, is refused."""
    before = snapshot(app)
    sheet = (MINI / "doc-a.yaml").read_text()
    bad = sheet.replace("claimant: mayor", "claimant: flood-2020", 1).replace(
        "  - subject: flood-2020\n    predicate: schema:startDate",
        "  - subject: no-such-flood\n    predicate: schema:startDate",
        1,
    )
    response = client.post("/claims?name=doc-a.yaml", data=bad, content_type="application/yaml", headers=AUTH)
    assert response.status_code == 422, response.data
    messages = sorted(p["message"] for p in response.get_json()["error"]["details"]["problems"])
    assert any("claimant 'flood-2020' is not an agent in the store" in m for m in messages), messages
    assert any("subject 'no-such-flood' is not an entity or agent in the store" in m for m in messages), (
        messages
    )
    assert snapshot(app) == before
    good = sheet.replace("claimant: mayor", "claimant: hospitals", 1)  # another agent of the registry
    assert client.post("/claims", data=good, content_type="application/yaml", headers=AUTH).status_code == 201


def test_the_same_sheet_twice_changes_nothing(app, client):
    before = snapshot(app)
    sheet = (MINI / "doc-a.yaml").read_text()
    response = client.post("/claims", data=sheet, content_type="application/yaml", headers=AUTH)
    assert response.status_code == 200, response.data
    assert len(response.get_json()["claims"]) == 3
    assert response.get_json()["added"] == 0
    assert snapshot(app) == before


DOC_C = b"On 3 May 2020 the river flood killed 15 people, the agency said.\n"


def doc_c_sheet(value: int = 15, quote: str = "killed 15 people, the agency said") -> str:
    return f"""\
document:
  id: doc-c
  file: doc-c.txt
  sha256: {hashlib.sha256(DOC_C).hexdigest()}
  creator: wire
  language: en
claims:
  - subject: flood-2020
    predicate: cg:deathCount
    value: {value}
    claimant: agency
    quote: {quote}
    count_kind: killed
  - subject: flood-2020
    predicate: schema:endDate
    value: 2020-05-03
    claimant: wire
    quote: On 3 May 2020
"""


CORPUS_C = "agents:\n  - id: wire\n    type: cg:UnnamedSource\n    label: A wire service\n"


def post_doc_c(client, sheet: str | None = None):
    return client.post(
        "/claims",
        data={
            "sheet": (io.BytesIO((sheet or doc_c_sheet()).encode()), "doc-c.yaml"),
            "document": (io.BytesIO(DOC_C), "doc-c.txt"),
            "corpus": (io.BytesIO(CORPUS_C.encode()), "corpus.yaml"),
        },
        content_type="multipart/form-data",
        headers=AUTH,
    )


def test_a_new_document_with_its_sheet_is_committed_whole(app, client):
    response = post_doc_c(client)
    assert response.status_code == 201, response.data
    minted = response.get_json()["claims"]
    assert len(minted) == 2 and all(c.startswith(f"{BASE}claim/") for c in minted)
    rows = select(
        client,
        f"SELECT ?c ?o WHERE {{ ?c a <{CG}Claim> ; <{PROV}wasDerivedFrom> <{BASE}document/doc-c> ; <http://www.w3.org/1999/02/22-rdf-syntax-ns#object> ?o }}",
    )
    assert {r["c"]["value"] for r in rows} == set(minted)
    assert consensus_values(client, "http://schema.org/endDate") == {"2020-05-03"}
    before = snapshot(app)
    again = post_doc_c(client)
    assert again.status_code == 200 and again.get_json()["claims"] == minted
    assert snapshot(app) == before
    # A sheet for the stored document, without the document: it is read against the stored text.
    stored = client.post("/claims", data=doc_c_sheet(), content_type="application/yaml", headers=AUTH)
    assert stored.status_code == 200, stored.data
    assert snapshot(app) == before


def test_a_sheet_for_a_document_not_in_the_store_needs_the_document(app, client):
    before = snapshot(app)
    response = client.post("/claims", data=doc_c_sheet(), content_type="application/yaml", headers=AUTH)
    assert response.status_code == 422
    assert "not in the store" in response.get_json()["error"]["message"]
    assert snapshot(app) == before


def test_claims_as_rdf_are_merged_into_their_documents_graph(app, client):
    source = client.get("/graph/document/doc-b", headers={"Accept": "application/n-triples"}).data.decode()

    def owner(line: str) -> str:
        return line.split(" ", 1)[0][1:-1].split("#", 1)[0]

    old = sorted(owner(line) for line in source.splitlines() if "/claim/" in owner(line))[0]
    new = f"{BASE}claim/from-rdf"
    lines = [line.replace(old, new) for line in source.splitlines() if owner(line) == old]
    response = client.post(
        "/claims", data="\n".join(lines).encode(), content_type="application/n-triples", headers=AUTH
    )
    assert response.status_code == 201, response.data
    assert response.get_json()["claims"] == [new]
    rows = select(client, f"SELECT ?g WHERE {{ GRAPH ?g {{ <{new}> a <{CG}Claim> }} }}")
    assert [r["g"]["value"] for r in rows] == [f"{BASE}graph/document/doc-b"]


def test_claims_as_rdf_without_a_source_are_refused(app, client):
    before = snapshot(app)
    body = f"<{BASE}claim/x> a <{CG}Claim> ; <{PROV}wasAttributedTo> <{BASE}entity/mayor> ."
    response = client.post("/claims", data=body, content_type="text/turtle", headers=AUTH)
    assert response.status_code == 422
    assert snapshot(app) == before


def test_withdrawing_a_document_updates_the_consensus(app, client):
    assert consensus_values(client, f"{CG}deathCount") == set()  # 12 and 14 disagree
    response = client.delete("/claims/doc-a", headers=AUTH)
    assert response.status_code == 200, response.data
    assert len(response.get_json()["withdrawn"]) == 3
    assert consensus_values(client, f"{CG}deathCount") == {"12"}  # doc-b alone now
    assert client.get("/graph/document/doc-a").status_code == 404
    assert client.delete("/documents/doc-a", headers=AUTH).status_code == 404


@pytest.mark.parametrize("param", ["using-graph-uri", "using-named-graph-uri"])
def test_a_using_graph_that_is_not_an_iri_is_a_400(client, app, param: str):
    before = snapshot(app)
    response = client.post(
        f"/update?{param}=not%20an%20iri",
        data="INSERT { <http://example.org/s> <http://example.org/p> 1 } WHERE { ?s ?p ?o }",
        headers={**AUTH, "Content-Type": "application/sparql-update"},
    )
    assert response.status_code == 400
    assert "absolute IRIs" in response.get_json()["error"]["message"]
    assert snapshot(app) == before


def test_an_update_past_the_time_limit_is_stopped_and_writes_nothing(loaded, tmp_path):
    import time

    # 8 s: room for the small updates before and after on a machine whose cores are shared
    # (each runs in a child process on a checkpoint; 3 s was too little under a load average of
    # 10), and still a tiny part of what the endless one needs (minutes).
    application = make_app(loaded, tmp_path / "store", query_timeout=8.0, open_graphs="http://example.org/")
    client = application.test_client()
    try:
        filler = " ".join(f"<http://example.org/n{i}> <http://example.org/p> {i} ." for i in range(400))
        assert (
            client.post(
                "/update",
                data=f"INSERT DATA {{ GRAPH <http://example.org/filler> {{ {filler} }} }}",
                headers={**AUTH, "Content-Type": "application/sparql-update"},
            ).status_code
            == 200
        )
        before = snapshot(application)
        # 400³ solutions to insert: far more than a second's work.
        endless = (
            "INSERT { GRAPH <http://example.org/big> { ?a ?b ?c } } WHERE { GRAPH <http://example.org/filler> "
            "{ ?a ?p ?x . ?b ?q ?y . ?c ?r ?z } }"
        )
        started = time.monotonic()
        response = client.post(
            "/update", data=endless, headers={**AUTH, "Content-Type": "application/sparql-update"}
        )
        elapsed = time.monotonic() - started
        assert response.status_code == 503
        assert response.get_json()["error"]["code"] == "timeout"
        assert elapsed < 30
        assert snapshot(application) == before
        # The server goes on writing.
        assert (
            client.post(
                "/update",
                data="INSERT DATA { GRAPH <http://example.org/filler> { <http://example.org/s> <http://example.org/p> -1 } }",
                headers={**AUTH, "Content-Type": "application/sparql-update"},
            ).status_code
            == 200
        )
    finally:
        with application.app_context():
            get_executor().close()


def test_update_and_claims_list_minted_iris_the_same_way(app, client):
    """/update, like /claims, lists the claims it touched as bare IRIs."""
    claim = select(
        client,
        f"SELECT ?c WHERE {{ GRAPH <{BASE}graph/document/doc-a> {{ ?c <{CG}wording> 'killed' }} }} LIMIT 1",
    )[0]["c"]["value"]
    response = client.post(
        "/update",
        data={
            "update": f"INSERT DATA {{ GRAPH <{BASE}graph/document/doc-a> "
            f"{{ <{claim}> <http://www.w3.org/2000/01/rdf-schema#comment> 'checked' }} }}"
        },
        headers=AUTH,
    )
    assert response.status_code == 200, response.data
    assert response.get_json()["claims"] == [claim]


# ---------------------------------------------------------------- answers given again, and conditional requests


def test_an_answer_is_given_again_until_a_write_changes_the_commit(app, client, monkeypatch):
    count = "SELECT (COUNT(*) AS ?n) WHERE { <http://e/s> ?p ?o }"
    runs = []
    with app.app_context():
        executor = get_executor()
    real = executor.query

    def counted(request, **kwargs):
        runs.append(request.sparql)
        return real(request, **kwargs)

    monkeypatch.setattr(executor, "query", counted)
    assert select(client, count)[0]["n"]["value"] == "0"
    assert select(client, count)[0]["n"]["value"] == "0"
    assert runs == [count], "the second request was answered without running it"
    first = client.post(
        "/sparql", data={"query": count}, headers={"Accept": "application/sparql-results+json"}
    )
    tag = first.headers["ETag"]
    assert first.headers["Cache-Control"] and first.headers["Last-Modified"]
    again = client.post(
        "/sparql",
        data={"query": count},
        headers={"Accept": "application/sparql-results+json", "If-None-Match": tag},
    )
    assert again.status_code == 304 and again.headers["ETag"] == tag
    other = client.post(
        "/sparql", data={"query": count}, headers={"Accept": "text/csv", "If-None-Match": tag}
    )
    assert other.status_code == 200, "another format is another representation"
    response = client.post(
        "/update", data={"update": "INSERT DATA { <http://e/s> <http://e/p> 1 }"}, headers=AUTH
    )
    assert response.status_code == 200, response.data
    after = client.post(
        "/sparql",
        data={"query": count},
        headers={"Accept": "application/sparql-results+json", "If-None-Match": tag},
    )
    assert after.status_code == 200 and after.headers["ETag"] != tag
    assert after.get_json()["results"]["bindings"][0]["n"]["value"] == "1"
    assert len(runs) == 3  # csv, then the count again after the write


def test_the_answer_cache_can_be_turned_off(loaded, tmp_path, monkeypatch):
    app = make_app(loaded, tmp_path / "store", answer_cache=0)
    client = app.test_client()
    runs = []
    with app.app_context():
        executor = get_executor()
    real = executor.query
    monkeypatch.setattr(executor, "query", lambda request, **kw: runs.append(1) or real(request, **kw))
    for _ in range(2):
        select(client, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1")
    assert len(runs) == 2

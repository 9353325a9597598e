"""Curation as a team does it: named curators with tokens of their own, a history of every
write in the store, and nothing erased (withdrawn and replaced claims kept, linked)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from claimgraph.api import Claimgraph
from claimgraph.web import create_app, get_executor

from .conftest import Loaded, Servers, load_once
from .test_writes import CORPUS_C, DOC_C, doc_c_sheet

MINI = Path(__file__).parent / "data" / "mini"
BASE = "http://127.0.0.1:5000/"
TOKEN = "operator-secret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CG = "https://w3id.org/claimgraph/ns#"
PROV = "http://www.w3.org/ns/prov#"
HISTORY = f"{BASE}graph/history"
WITHDRAWN = f"{BASE}graph/withdrawn"


@pytest.fixture(scope="module")
def loaded(backend: str, servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    return load_once(backend, servers, tmp_path_factory.mktemp("loaded"), MINI, base_iri=BASE)


@pytest.fixture
def settings(loaded: Loaded, tmp_path: Path):
    return loaded.fresh(tmp_path / "store", token=TOKEN, base_iri=BASE, open_graphs="http://e/")


def select(client, sparql: str) -> list[dict]:
    response = client.post(
        "/sparql", data={"query": sparql}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200, response.data
    return [{k: v["value"] for k, v in row.items()} for row in response.get_json()["results"]["bindings"]]


def entries(client) -> list[dict]:
    """The history, oldest first: sequence, kind, curator, reason."""
    return select(
        client,
        f"""SELECT ?act ?n ?kind ?who ?reason WHERE {{ GRAPH <{HISTORY}> {{
            ?act a <{PROV}Activity> ; <{CG}sequence> ?n ; <{CG}requestKind> ?kind ;
                 <{PROV}wasAssociatedWith> ?who . OPTIONAL {{ ?act <{CG}reason> ?reason }} }} }} ORDER BY ?n""",
    )


def everything(app) -> list[str]:
    with app.app_context():
        return get_executor().write(
            lambda store: sorted(
                " ".join(t.n3() for t in q if t is not None) for q in store.quads(exact=True)
            )
        )


def add_curator(app, name: str) -> str:
    cg = app.extensions["claimgraph"]["claimgraph"]
    with app.app_context():
        _curator, token = get_executor().write(lambda store: cg.add_curator(store, name))
    return token


def revoke(app, name: str) -> None:
    cg = app.extensions["claimgraph"]["claimgraph"]
    with app.app_context():
        get_executor().write(lambda store: cg.revoke_curator(store, name))


def claims(client, kind: str = "Claim", document: str | None = None) -> set[str]:
    where = f"; <{PROV}wasDerivedFrom> <{BASE}document/{document}>" if document else ""
    return {r["c"] for r in select(client, f"SELECT ?c WHERE {{ ?c a <{CG}{kind}> {where} }}")}


def test_the_load_is_the_first_entry_of_the_history_by_the_operator(app, client):
    [load] = entries(client)
    assert load["n"] == "1" and load["kind"] == "load" and load["who"] == f"{BASE}curator/operator"
    generated = select(
        client, f"SELECT ?c WHERE {{ GRAPH <{HISTORY}> {{ <{load['act']}> <{PROV}generated> ?c }} }}"
    )
    assert {r["c"] for r in generated} == claims(client) and len(generated) == 5
    versions = select(
        client,
        f"""SELECT ?doc ?sha ?change WHERE {{ GRAPH <{HISTORY}> {{ <{load["act"]}> <{CG}documentVersion> ?v .
            ?v <{CG}document> ?doc ; <{CG}versionSha256> ?sha ; <{CG}versionChange> ?change }} }}""",
    )
    assert {(r["doc"], r["change"]) for r in versions} == {
        (f"{BASE}document/doc-a", "added"),
        (f"{BASE}document/doc-b", "added"),
    }
    assert {r["sha"] for r in versions} >= {
        "e5d57f372732567ff66e3f3fc919bbe72c8545afc6b2f42261134d1254ec5a25"
    }


def test_a_curators_write_is_recorded_as_theirs_with_the_reason(app, client):
    token = add_curator(app, "alice")
    response = client.post(
        "/update?reason=a+test",
        data={"update": "INSERT DATA { GRAPH <http://e/g> { <http://e/s> a <http://e/T> } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.data
    last = entries(client)[-1]
    assert last["kind"] == "update" and last["who"] == f"{BASE}curator/alice" and last["reason"] == "a test"
    assert [e["kind"] for e in entries(client)] == ["load", "curator", "update"]
    assert [e["n"] for e in entries(client)] == ["1", "2", "3"]


def test_tokens_are_stored_only_as_salted_hashes(app, client):
    token = add_curator(app, "bob")
    dump = b"\n".join(line.encode() for line in everything(app))
    assert token.encode() not in dump
    [row] = select(client, f"SELECT ?h WHERE {{ <{BASE}curator/bob> <{CG}tokenHash> ?h }}")
    assert row["h"].startswith("sha256$")


def test_an_unknown_token_is_401_and_a_revoked_one_403_and_nothing_is_written(app, client):
    token = add_curator(app, "carol")
    revoke(app, "carol")
    before = everything(app)
    update = {"update": "INSERT DATA { GRAPH <http://e/g> { <http://e/s> a <http://e/T> } }"}
    wrong = client.post("/update", data=update, headers={"Authorization": "Bearer nobody"})
    assert wrong.status_code == 401 and wrong.get_json()["error"]["code"] == "unauthorized"
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer")
    revoked = client.post("/update", data=update, headers={"Authorization": f"Bearer {token}"})
    assert revoked.status_code == 403 and revoked.get_json()["error"]["code"] == "revoked"
    assert everything(app) == before


def test_a_token_revoked_after_a_request_was_checked_is_refused_inside_the_write(app, client):
    cg = app.extensions["claimgraph"]["claimgraph"]
    token = add_curator(app, "dave")
    with app.test_request_context():
        assert cg.check_token(token, cg.reader(get_executor()).select).name == "dave"
    revoke(app, "dave")
    with app.app_context(), pytest.raises(Exception) as refused:
        get_executor().write(lambda store: cg.authenticate(store, token))
    assert getattr(refused.value, "code", "") == "revoked"


def test_the_write_paths_own_graphs_are_refused_to_clients(app, client):
    for graph in (HISTORY, WITHDRAWN, f"{BASE}graph/curators"):
        response = client.post(
            "/update",
            data={"update": f"INSERT DATA {{ GRAPH <{graph}> {{ <http://e/s> a <http://e/T> }} }}"},
            headers=AUTH,
        )
        assert response.status_code == 422, response.data
        assert client.delete(f"/rdf-graph-store?graph={graph}", headers=AUTH).status_code == 400
        put = client.put(
            f"/rdf-graph-store?graph={graph}",
            data="<http://e/s> a <http://e/T> .",
            content_type="text/turtle",
            headers=AUTH,
        )
        assert put.status_code == 422, put.data
    assert [e["kind"] for e in entries(client)] == ["load"]


def test_a_refused_write_leaves_the_store_and_its_history_as_they_were(app, client):
    before = everything(app)
    response = client.post(
        "/claims", data=doc_c_sheet(quote="not in the text"), content_type="application/yaml", headers=AUTH
    )
    assert response.status_code == 422
    assert everything(app) == before


def post_doc_c(client, sheet: str, reason: str = ""):
    return client.post(
        "/claims" + (f"?reason={reason}" if reason else ""),
        data={
            "sheet": (io.BytesIO(sheet.encode()), "doc-c.yaml"),
            "document": (io.BytesIO(DOC_C), "doc-c.txt"),
            "corpus": (io.BytesIO(CORPUS_C.encode()), "corpus.yaml"),
        },
        content_type="multipart/form-data",
        headers=AUTH,
    )


def test_a_withdrawn_document_leaves_the_current_graphs_and_is_kept_with_its_story(app, client):
    current = claims(client, document="doc-a")
    response = client.delete("/claims/doc-a?reason=retracted+by+its+publisher", headers=AUTH)
    assert response.status_code == 200, response.data
    assert claims(client, document="doc-a") == set()
    assert claims(client, "WithdrawnClaim", document="doc-a") == current
    kept = select(client, f"SELECT ?p ?o WHERE {{ GRAPH <{WITHDRAWN}> {{ <{sorted(current)[0]}> ?p ?o }} }}")
    assert {r["p"] for r in kept} >= {
        f"{CG}evidence",
        f"{PROV}wasAttributedTo",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#object",
    }
    last = entries(client)[-1]
    assert last["kind"] == "withdraw" and last["reason"] == "retracted by its publisher"
    invalidated = select(client, f"SELECT ?c WHERE {{ <{last['act']}> <{PROV}invalidated> ?c }}")
    assert {r["c"] for r in invalidated} == current
    assert claims(client, "WithdrawnDocument") == {f"{BASE}document/doc-a"}


def test_the_corpus_record_goes_with_its_last_document(app, client):
    corpus = f"{BASE}graph/corpus/mini"
    assert client.delete("/claims/doc-a", headers=AUTH).status_code == 200
    assert client.get(f"/rdf-graph-store?graph={corpus}").status_code == 200
    assert client.delete("/claims/doc-b", headers=AUTH).status_code == 200
    assert client.get(f"/rdf-graph-store?graph={corpus}").status_code == 404
    assert claims(client, "WithdrawnCorpus") == {f"{BASE}corpus/mini"}


def test_a_resent_sheet_keeps_the_replaced_claim_and_links_the_new_one_to_it(app, client):
    assert post_doc_c(client, doc_c_sheet()).status_code == 201
    first = claims(client, document="doc-c")
    sheet = doc_c_sheet().replace("    count_kind: killed\n", "    count_kind: killed\n    note: corrected\n")
    assert sheet != doc_c_sheet(), "the corrected sheet must differ from the first"
    response = post_doc_c(client, sheet, reason="a note added")
    assert response.status_code == 201, response.data
    now = claims(client, document="doc-c")
    replaced = first - now
    [new] = now - first
    assert len(replaced) == 1 and claims(client, "WithdrawnClaim", document="doc-c") == replaced
    [link] = select(client, f"SELECT ?old WHERE {{ <{new}> <{PROV}wasRevisionOf> ?old }}")
    assert {link["old"]} == replaced


def test_a_withdrawn_claim_that_comes_back_leaves_the_withdrawn_graph(app, client):
    assert post_doc_c(client, doc_c_sheet()).status_code == 201
    first = claims(client, document="doc-c")
    assert client.delete("/claims/doc-c", headers=AUTH).status_code == 200
    assert claims(client, "WithdrawnClaim", document="doc-c") == first
    assert post_doc_c(client, doc_c_sheet()).status_code == 201
    assert claims(client, document="doc-c") == first
    assert claims(client, "WithdrawnClaim", document="doc-c") == set()
    assert [e["kind"] for e in entries(client)][-3:] == ["claims", "withdraw", "claims"]


def test_curators_are_listed_revoked_ones_too(app, client):
    add_curator(app, "erin")
    add_curator(app, "frank")
    revoke(app, "erin")
    cg = app.extensions["claimgraph"]["claimgraph"]
    with app.app_context():
        listed = get_executor().write(lambda store: cg.curators(store))
    assert [(c.name, bool(c.revoked)) for c in listed] == [("erin", True), ("frank", False)]
    with app.app_context(), pytest.raises(Exception) as taken:
        get_executor().write(lambda store: cg.add_curator(store, "frank"))
    assert getattr(taken.value, "status", None) == 409


def test_a_server_with_curators_but_no_operator_token_takes_their_writes(loaded, tmp_path):
    app = create_app(
        claimgraph=Claimgraph(loaded.fresh(tmp_path / "s", token="", base_iri=BASE, open_graphs="http://e/"))
    )
    client = app.test_client()
    update = {"update": "INSERT DATA { GRAPH <http://e/g> { <http://e/s> a <http://e/T> } }"}
    assert client.post("/update", data=update, headers=AUTH).status_code == 403
    token = add_curator(app, "gina")
    assert (
        client.post("/update", data=update, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    )


# ---------------------------------------------------------------- reading the history


def test_get_history_is_newest_first_filtered_and_follows_since(app, client):
    token = add_curator(app, "alice")
    update = {"update": "INSERT DATA { GRAPH <http://e/g> { <http://e/s> a <http://e/T> } }"}
    assert (
        client.post("/update", data=update, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    )
    assert client.delete("/claims/doc-b?reason=gone", headers=AUTH).status_code == 200
    body = client.get("/history").get_json()
    assert [(e["sequence"], e["kind"], e["curator_name"]) for e in body["entries"]] == [
        (4, "withdraw", "operator"),
        (3, "update", "alice"),
        (2, "curator", "operator"),
        (1, "load", "operator"),
    ]
    assert body["next"] is None and body["previous"] is None
    [withdrawal] = [e for e in body["entries"] if e["kind"] == "withdraw"]
    assert withdrawal["reason"] == "gone" and withdrawal["invalidated"] == 2
    assert withdrawal["documents"][0]["document"] == f"{BASE}document/doc-b"
    assert withdrawal["documents"][0]["change"] == "withdrawn"
    assert withdrawal["graphs"]["dropped"] == [f"{BASE}graph/document/doc-b"]
    assert withdrawal["ended"].endswith("Z")
    by_alice = client.get("/history?curator=alice").get_json()["entries"]
    assert [e["sequence"] for e in by_alice] == [3]
    about_b = client.get("/history?document=doc-b").get_json()["entries"]
    assert [e["sequence"] for e in about_b] == [4, 1]
    since = client.get("/history?since=2").get_json()["entries"]
    assert [e["sequence"] for e in since] == [3, 4], "after a sequence number: oldest first, to replay"
    assert client.get("/history?since=yesterday").status_code == 400
    assert client.get("/history?page=2").get_json()["entries"] == []


def test_the_history_as_atom_and_as_a_page(app, client):
    from xml.etree import ElementTree

    atom = client.get("/history", headers={"Accept": "application/atom+xml"})
    assert atom.status_code == 200 and atom.mimetype == "application/atom+xml"
    feed = ElementTree.fromstring(atom.data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    [entry] = feed.findall("a:entry", ns)
    assert entry.find("a:title", ns).text == "#1 load by operator"
    assert entry.find("a:author/a:name", ns).text == "operator"
    html = client.get("/history", headers={"Accept": "text/html"})
    assert html.status_code == 200 and b"load</strong> by" in html.data
    iri = client.get("/history").get_json()["entries"][0]["iri"]
    one = client.get(iri[len(BASE) - 1 :], headers={"Accept": "application/json"}).get_json()
    assert len(one["generated_claims"]) == 5 and one["invalidated_claims"] == []
    page = client.get(iri[len(BASE) - 1 :], headers={"Accept": "text/html"})
    assert page.status_code == 200 and b"5 claims recorded" in page.data
    turtle = client.get(iri[len(BASE) - 1 :], headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and b"prov" in turtle.data


def test_a_withdrawn_claim_still_resolves_with_its_banner_and_its_document_lists_it(app, client):
    [claim] = [c for c in claims(client, document="doc-a") if c in claims_with(client, "schema:startDate")]
    assert client.delete("/claims/doc-a?reason=retracted", headers=AUTH).status_code == 200
    page = client.get(claim[len(BASE) - 1 :], headers={"Accept": "text/html"})
    assert page.status_code == 200
    text = page.data.decode()
    assert "Withdrawn on " in text and "by operator: retracted" in text
    assert "The flood of 3 May 2020" in text
    document = client.get("/document/doc-a", headers={"Accept": "text/html"})
    assert document.status_code == 200 and claim.rsplit("/", 1)[1] in document.data.decode()


def test_a_replaced_claim_names_the_claim_that_replaced_it(app, client):
    assert post_doc_c(client, doc_c_sheet()).status_code == 201
    first = claims(client, document="doc-c")
    sheet = doc_c_sheet().replace("    count_kind: killed\n", "    count_kind: killed\n    note: corrected\n")
    assert sheet != doc_c_sheet(), "the corrected sheet must differ from the first"
    assert post_doc_c(client, sheet, reason="corrected").status_code == 201
    [new] = claims(client, document="doc-c") - first
    [old] = first - claims(client, document="doc-c")
    text = client.get(old[len(BASE) - 1 :], headers={"Accept": "text/html"}).data.decode()
    assert "Replaced on " in text and new.rsplit("/", 1)[1] in text
    current = client.get(new[len(BASE) - 1 :], headers={"Accept": "text/html"}).data.decode()
    assert "Revises" in current and old.rsplit("/", 1)[1] in current
    rows = client.get(
        "/queries/history-of",
        query_string={"item": old},
        headers={"Accept": "application/sparql-results+json"},
    ).get_json()["results"]["bindings"]
    assert [(r["what"]["value"], r["kind"]["value"]) for r in rows] == [
        ("recorded", "claims"),
        ("withdrawn", "claims"),
    ]
    assert {r["revisedBy"]["value"] for r in rows} == {new}
    assert rows[1]["reason"]["value"] == "corrected"


def claims_with(client, predicate: str) -> set[str]:
    full = predicate.replace("schema:", "http://schema.org/")
    rows = select(
        client,
        f"SELECT ?c WHERE {{ ?c a <{CG}Claim> ; <http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate> <{full}> }}",
    )
    return {r["c"] for r in rows}


def test_a_curators_iri_resolves_to_their_writes(app, client):
    page = client.get("/curator/operator", headers={"Accept": "text/html"})
    assert page.status_code == 200 and b"load</strong> by" in page.data
    turtle = client.get("/curator/operator", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and b"Agent" in turtle.data
    assert client.get("/curator/nobody", headers={"Accept": "text/html"}).status_code == 404


def test_a_rebase_is_recorded_and_the_history_is_reminted_with_the_store(claimgraph, store):
    from rdflib import URIRef

    new = "http://data.example.org/"
    claimgraph.rebase(store, new)
    history = URIRef(f"{new}graph/history")
    kinds = {(str(s), str(o)) for s, _p, o, _g in store.quads(history, predicate=URIRef(f"{CG}requestKind"))}
    assert sorted(k for _s, k in kinds) == ["load", "rebase"]
    assert all(s.startswith(f"{new}history/") for s, _k in kinds)
    assert not any(True for _ in store.quads(URIRef(HISTORY)))
    assert claimgraph.history_length(store) == 2

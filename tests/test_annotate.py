"""The annotation page's endpoints: one claim as JSON through ``POST /claims``, suggestions,
drafts, and a document added from the browser (``POST /documents``), on every backend."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from claimgraph.api import Claimgraph
from claimgraph.web import create_app

from .conftest import Loaded, Servers, load_once
from .test_writes import snapshot

MINI = Path(__file__).parent / "data" / "mini"
BASE = "http://127.0.0.1:5000/"
TOKEN = "secret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CG = "https://w3id.org/claimgraph/ns#"
OA = "http://www.w3.org/ns/oa#"
DOC_A = "The flood of 3 May 2020 killed 12 people, the mayor said.\nThe agency’s report counted 14 dead, citing “hospital records”.\n"


@pytest.fixture(scope="module")
def loaded(backend: str, servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    return load_once(backend, servers, tmp_path_factory.mktemp("loaded"), MINI, base_iri=BASE)


@pytest.fixture
def app(loaded: Loaded, tmp_path: Path):
    return create_app(claimgraph=Claimgraph(loaded.fresh(tmp_path / "store", token=TOKEN, base_iri=BASE)))


@pytest.fixture
def client(app):
    return app.test_client()


def post_claim(client, body: dict, headers: dict | None = None):
    return client.post(
        "/claims",
        data=json.dumps(body),
        headers=AUTH if headers is None else headers,
        content_type="application/json",
    )


def select(client, sparql: str) -> list[dict]:
    response = client.post(
        "/sparql", data={"query": sparql}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200, response.data
    return response.get_json()["results"]["bindings"]


def at(text: str, quote: str) -> dict:
    start = text.index(quote)
    return {"quote": quote, "start": start, "end": start + len(quote)}


def a_claim(**extra) -> dict:
    body = {
        "document": "doc-a",
        "subject": "flood-2020",
        "predicate": "cg:missingCount",
        "value": "3",
        "claimant": "agency",
        "count_kind": "missing",
        **at(DOC_A, "14 dead"),
    }
    body.update(extra)
    return {k: v for k, v in body.items() if v is not None}


def test_one_claim_as_json_is_recorded_with_its_quote_and_offsets(client):
    response = post_claim(client, a_claim(bound="at least"))
    assert response.status_code == 201, response.data
    [claim] = response.get_json()["claims"]
    rows = select(
        client,
        f"SELECT ?exact ?start ?end ?o ?who ?bound WHERE {{ <{claim}> <{CG}evidence>/<{OA}hasSelector> ?q, ?p . "
        f"?q <{OA}exact> ?exact . ?p <{OA}start> ?start ; <{OA}end> ?end . "
        f"<{claim}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#object> ?o ; "
        f"<http://www.w3.org/ns/prov#wasAttributedTo> ?who ; <{CG}bound> ?bound }}",
    )
    assert rows, "the claim is in the store"
    row = rows[0]
    assert row["exact"]["value"] == "14 dead"
    start = DOC_A.index("14 dead")
    assert (int(row["start"]["value"]), int(row["end"]["value"])) == (start, start + 7)
    assert row["o"]["value"] == "3" and row["who"]["value"] == f"{BASE}entity/agency"
    assert row["bound"]["value"] == "at least"
    # Recorded in the history, as a write of the claims API by the operator.
    history = select(
        client,
        f"SELECT ?kind WHERE {{ GRAPH <{BASE}graph/history> {{ ?a <{CG}requestKind> ?kind ; "
        f"<http://www.w3.org/ns/prov#generated> <{claim}> }} }}",
    )
    assert [r["kind"]["value"] for r in history] == ["claims"]
    # The annotation page's data shows it with its offsets, for highlighting.
    data = client.get("/document/doc-a/annotate.json").get_json()
    assert {"iri": claim, "start": start, "end": start + 7}.items() <= next(
        c for c in data["claims"] if c["iri"] == claim
    ).items()
    again = post_claim(client, a_claim(bound="at least"))
    assert again.status_code == 200 and again.get_json()["added"] == 0


def test_an_offset_past_a_character_outside_the_bmp_is_a_code_point(client):
    """Offsets count code points (as Python and the loader do), not UTF-16 units."""
    text = "🌊 Flood 𝔸: 12 died.\n"
    added = client.post(
        "/documents", data={"text": text, "name": "wave.txt", "creator": "agency"}, headers=AUTH
    )
    assert added.status_code == 201, added.data
    assert client.get("/document/wave/annotate.json").get_json()["text"] == text
    utf16 = {**at(text, "12 died"), "start": text.index("12 died") + 2, "end": text.index("12 died") + 9}
    refused = post_claim(client, a_claim(document="wave", **utf16))
    assert refused.status_code == 422
    assert [p["path"] for p in refused.get_json()["error"]["details"]["problems"]] == ["quote"]
    assert post_claim(client, a_claim(document="wave", **at(text, "12 died"))).status_code == 201


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"subject": "no-such-entity"}, "subject"),
        ({"claimant": "flood-2020"}, "claimant"),
        ({"predicate": "nope:thing"}, "predicate"),
        ({"predicate": None}, "predicate"),
        ({"stated_on": "yesterday"}, "stated_on"),
        ({"start": 3}, "quote"),
        ({"quote": None}, "quote"),
        ({"document": "no-such-document"}, None),
        ({"colour": "red"}, "colour"),
        ({"value": "9" * 5000}, "*"),  # text where a count is due: the shapes refuse it
        ({"subject": {"id": "flood-2020"}}, "subject"),
        ({"via": [["nested"]]}, "via"),
        ({"entities": [{"id": "Bad Id", "label": "x", "type": "schema:Person"}]}, "entities"),
    ],
)
def test_refused_input_names_its_field_and_leaves_the_store_unchanged(client, app, change, field):
    before = snapshot(app)
    response = post_claim(client, {**a_claim(), **change})
    error = response.get_json()["error"]
    if field is None:
        assert response.status_code == 404, error
    else:
        assert response.status_code == 422, error
        paths = [str(p.get("path", "")).split(".")[0] for p in error["details"]["problems"]]
        assert field == "*" or field in paths, error
    assert snapshot(app) == before


def test_without_a_token_nothing_is_written(client, app):
    before = snapshot(app)
    assert post_claim(client, a_claim(), headers={}).status_code == 401
    assert post_claim(client, a_claim(), headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert snapshot(app) == before


def test_a_new_agent_comes_to_the_registry_with_the_claim(client):
    new = {
        "id": "red-cross",
        "label": "Red Cross",
        "type": "schema:Organization",
        "agent": True,
        "alt_labels": ["ICRC"],
    }
    response = post_claim(client, a_claim(claimant="red-cross", entities=[new]))
    assert response.status_code == 201, response.data
    rows = select(
        client,
        f"SELECT ?l WHERE {{ GRAPH <{BASE}graph/registry> {{ <{BASE}entity/red-cross> "
        "a <http://www.w3.org/ns/prov#Agent> ; <http://www.w3.org/2004/02/skos/core#altLabel> ?l } }",
    )
    assert [r["l"]["value"] for r in rows] == ["ICRC"]
    suggested = client.get("/suggest?kind=agent&q=icrc").get_json()["suggestions"]
    assert [s["id"] for s in suggested] == ["red-cross"]
    taken = post_claim(client, a_claim(claimant="red-cross", entities=[new], value="4"))
    assert taken.status_code == 422
    assert "in the registry already" in taken.get_json()["error"]["details"]["problems"][0]["message"]


def test_json_nested_too_deep_is_refused_as_json_ld_not_a_crash(client, app):
    before = snapshot(app)
    response = client.post("/claims", data="[" * 100_000, headers=AUTH, content_type="application/json")
    assert 400 <= response.status_code < 500, response.data
    assert snapshot(app) == before


def test_json_ld_is_still_read_as_rdf(client):
    """An object with ``@`` keys is JSON-LD, as before: here one with no claim in it."""
    response = client.post(
        "/claims", data=json.dumps({"@id": "http://e/x"}), headers=AUTH, content_type="application/json"
    )
    assert response.status_code == 422
    assert "holds no claim" in response.get_data(as_text=True)


def test_suggestions_by_label_and_alternative_label_are_bounded(client):
    def ask(kind: str, q: str) -> list[dict]:
        response = client.get("/suggest", query_string={"kind": kind, "q": q})
        assert response.status_code == 200
        return response.get_json()["suggestions"]

    assert [s["id"] for s in ask("agent", "agenc")] == ["agency"]
    assert [s["id"] for s in ask("entity", "flood")] == ["flood-2020"]
    assert "flood-2020" not in {s["id"] for s in ask("agent", "")}
    death = next(s for s in ask("property", "death") if s["id"] == "cg:deathCount")
    assert death["kind"] == "count"
    assert next(s for s in ask("property", "start") if s["id"] == "schema:startDate")["kind"] == "date"
    assert "killed" in {s["id"] for s in ask("count_kind", "deaths")}, "found by an alternative label"
    assert all(len(ask(kind, "")) <= 20 for kind in ("entity", "agent", "property", "count_kind"))
    assert client.get("/suggest?kind=colour").status_code == 400


def test_drafts_are_anchored_in_the_stored_text(client):
    body = client.get("/document/doc-a/drafts").get_json()
    drafts = body["drafts"]
    assert {d["value"] for d in drafts} >= {"12", "14"}
    for draft in drafts:
        assert DOC_A[draft["start"] : draft["end"]] == draft["quote"]
    assert body["labels"]["author-a"] == "Author of doc-a"


def test_the_page_and_a_document_it_does_not_know(client):
    page = client.get("/document/doc-a/annotate")
    assert page.status_code == 200 and b'id="claim-form"' in page.data and b"annotate.js" in page.data
    assert b"secret" not in page.data
    assert client.get("/document/nope/annotate").status_code == 404
    assert client.get("/document/nope/drafts").status_code == 404
    assert (
        b"/document/doc-a/annotate" in client.get("/document/doc-a", headers={"Accept": "text/html"}).data
    ), "the document page links it"


# ---------------------------------------------------------------- adding a document


def test_pasted_text_becomes_a_document_with_its_hash_in_the_history(client):
    text = "Port Rell, May 2, 2021 — Four boats sank, the coast guard said.\n"
    response = client.post(
        "/documents",
        data={"text": text, "name": "boats.txt", "creator": "agency", "title": "Boats"},
        headers=AUTH,
    )
    assert response.status_code == 201, response.data
    body = response.get_json()
    assert body["document"] == f"{BASE}document/boats" and body["annotate"] == "/document/boats/annotate"
    rows = select(
        client,
        f"SELECT ?sha ?date ?title WHERE {{ <{BASE}document/boats> <{CG}sha256> ?sha ; "
        f"<http://purl.org/dc/terms/date> ?date ; <http://purl.org/dc/terms/title> ?title }}",
    )
    assert rows[0]["sha"]["value"] == hashlib.sha256(text.encode()).hexdigest()
    assert rows[0]["date"]["value"] == "2021-05-02" and rows[0]["title"]["value"] == "Boats"
    history = select(
        client,
        f"SELECT ?kind WHERE {{ GRAPH <{BASE}graph/history> {{ ?a <{CG}requestKind> ?kind }} }}",
    )
    assert "document" in {r["kind"]["value"] for r in history}
    assert client.get("/document/boats/annotate.json").get_json()["text"] == text
    again = client.post(
        "/documents", data={"text": text, "name": "boats.txt", "creator": "agency"}, headers=AUTH
    )
    assert again.status_code == 409


def test_an_html_file_is_kept_as_its_text(client):
    from io import BytesIO

    page = b"<html lang='en'><head><title>Ferry</title></head><body><p>Nine rescued.</p></body></html>"
    response = client.post(
        "/documents",
        data={"file": (BytesIO(page), "ferry.html"), "creator": "agency"},
        headers=AUTH,
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.data
    data = client.get("/document/ferry/annotate.json").get_json()
    assert "Nine rescued." in data["text"] and "<p>" not in data["text"]


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"text": "Two dead.", "name": "x.txt"}, "creator"),
        ({"text": "Two dead.", "name": "x.txt", "creator": "nobody"}, None),
        ({"text": "Two dead.", "name": "no extension", "creator": "agency"}, "name"),
        ({"text": "Two dead.", "name": "x.txt", "creator": "agency", "date": "May 2"}, "date"),
        ({"text": "Two dead.", "name": "x.txt", "creator": "agency", "id": "Bad Id"}, "id"),
        ({"file": (b"\xff\xfe bad", "bad.txt"), "creator": "agency"}, "file"),
    ],
)
def test_a_refused_document_names_its_field_and_leaves_the_store_unchanged(client, app, form, field):
    from io import BytesIO

    if "file" in form:
        form = {**form, "file": (BytesIO(form["file"][0]), form["file"][1])}
    before = snapshot(app)
    response = client.post("/documents", data=form, headers=AUTH, content_type="multipart/form-data")
    assert response.status_code == 422, response.data
    problems = response.get_json()["error"]["details"]["problems"]
    if field is not None:
        assert field in [p.get("path") for p in problems], problems
    assert snapshot(app) == before
    assert client.post("/documents", data={"text": "x", "name": "x.txt"}).status_code == 401

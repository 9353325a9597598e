"""A corpus's own named queries: a ``queries/`` folder beside ``corpus.yaml`` travels with the
corpus into the store (its corpus graph), and its queries are listed and run like the built-in
ones, on every backend; none may take a built-in query's name or another corpus's."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from flask.testing import FlaskClient

from claimgraph.api import Claimgraph
from claimgraph.cli import main
from claimgraph.errors import InvalidInput
from claimgraph.namespaces import CG
from claimgraph.store import Store
from claimgraph.web import create_app

from .conftest import MINI, ROOT, Servers, all_quads, backend_settings, embedded_only
from .live import live_server

TOKEN = "the-operators-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

QUERY = """\
# Deaths by document
#
# Each death count with the document that gives it.
#
# @param event iri  The event (default: every event).
PREFIX cg: <https://w3id.org/claimgraph/ns#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?deaths ?document WHERE {
  ?claim rdf:subject ?event ; rdf:predicate cg:deathCount ; rdf:object ?deaths ;
         prov:wasDerivedFrom ?document .
} ORDER BY ?document ?deaths
"""


def corpus_with(tmp_path: Path, queries: dict[str, str], name: str = "mini") -> Path:
    folder = tmp_path / name
    shutil.copytree(MINI, folder)
    (folder / "queries").mkdir()
    for file, text in queries.items():
        (folder / "queries" / file).write_text(text, encoding="utf-8")
    return folder


def rows(claimgraph: Claimgraph, store: Store, name: str, **params: str) -> list[tuple[str, ...]]:
    result = claimgraph.run_named(store, name, params)
    return [tuple(str(row[v]).rsplit("/", 1)[-1] for v in result.variables) for row in result.rows]


def select(store: Store):
    return lambda sparql: store.query(sparql).rows


def test_a_corpus_brings_its_named_queries_into_the_store(
    tmp_path: Path, claimgraph: Claimgraph, store: Store
):
    claimgraph.load(store, corpus_with(tmp_path, {"deaths-by-document.rq": QUERY}))
    graph = claimgraph.mint.corpus_graph("mini")
    [text] = [o for _s, _p, o, _g in store.quads(graph, predicate=CG.queryText)]
    assert str(text) == QUERY
    # Another process over the same store (a server, the CLI) reads them from the store.
    other = Claimgraph(claimgraph.settings)
    queries = other.read_named_queries(select(store))
    assert queries["deaths-by-document"].corpus == "mini"
    assert queries["deaths-by-document"].title == "Deaths by document"
    assert queries["casualties-by-source"].corpus is None
    assert rows(other, store, "deaths-by-document", event="flood-2020") == [
        ("12", "doc-a"),
        ("14", "doc-a"),
        ("12", "doc-b"),
    ]


def test_a_corpus_query_cannot_take_a_built_in_name(
    tmp_path: Path, claimgraph: Claimgraph, mini_store: Store
):
    before = all_quads(mini_store)
    with pytest.raises(InvalidInput) as caught:
        claimgraph.load(mini_store, corpus_with(tmp_path, {"casualties-by-source.rq": QUERY}))
    [problem] = caught.value.problems
    assert problem.sheet == "queries/casualties-by-source.rq"
    assert "a built-in named query is called 'casualties-by-source'" in problem.message
    assert all_quads(mini_store) == before


def test_two_corpora_cannot_name_a_query_alike(tmp_path: Path, claimgraph: Claimgraph, store: Store):
    claimgraph.load(store, corpus_with(tmp_path, {"deaths-by-document.rq": QUERY}))
    before = all_quads(store)
    other = corpus_with(tmp_path / "other", {"deaths-by-document.rq": QUERY}, name="second")
    for path in other.glob("doc-*.yaml"):
        path.write_text(
            path.read_text(encoding="utf-8").replace("id: doc-", "id: second-doc-"), encoding="utf-8"
        )
    with pytest.raises(InvalidInput) as caught:
        claimgraph.load(store, other)
    assert [(p.sheet, p.message) for p in caught.value.problems] == [
        (
            "queries/deaths-by-document.rq",
            "corpus 'mini' has a named query called 'deaths-by-document' already; rename the file",
        )
    ]
    assert all_quads(store) == before


def test_loading_a_corpus_again_replaces_its_queries(tmp_path: Path, claimgraph: Claimgraph, store: Store):
    folder = corpus_with(
        tmp_path, {"deaths-by-document.rq": QUERY, "all-deaths.rq": QUERY.replace("by document", "all")}
    )
    claimgraph.load(store, folder)
    assert {"deaths-by-document", "all-deaths"} <= set(claimgraph.named_queries)
    (folder / "queries" / "all-deaths.rq").unlink()
    (folder / "queries" / "deaths-by-document.rq").write_text(
        QUERY.replace("# Deaths by document", "# Deaths")
    )
    claimgraph.load(store, folder)
    assert "all-deaths" not in claimgraph.named_queries
    assert claimgraph.named_queries["deaths-by-document"].title == "Deaths"
    graph = claimgraph.mint.corpus_graph("mini")
    assert len(list(store.quads(graph, predicate=CG.queryText))) == 1


@pytest.mark.parametrize(
    ("file", "text", "message"),
    [
        ("untitled.rq", "SELECT * WHERE { ?s ?p ?o }", "the first line must be a '# Title' comment"),
        (
            "bad-param.rq",
            "# T\n# @param x number  X\nSELECT * WHERE { ?s ?p ?x }",
            "cannot read '@param x number  X'",
        ),
        ("two words.rq", QUERY, "'two words' cannot name a query"),
    ],
)
def test_a_query_file_that_cannot_be_read_is_refused_naming_it(
    tmp_path: Path, claimgraph: Claimgraph, store: Store, file: str, text: str, message: str
):
    with pytest.raises(InvalidInput) as caught:
        claimgraph.load(store, corpus_with(tmp_path, {file: text}))
    [problem] = caught.value.problems
    assert problem.sheet == f"queries/{file}" and message in problem.message
    assert len(store) == 0


def test_the_endpoint_lists_and_runs_a_corpus_query(
    tmp_path: Path, claimgraph: Claimgraph, store: Store, client: FlaskClient
):
    assert "deaths-by-document" not in client.get("/queries").get_json()["queries"]
    claimgraph.load(store, corpus_with(tmp_path, {"deaths-by-document.rq": QUERY}))
    listing = {q["name"]: q for q in client.get("/queries").get_json()["queries"]}
    assert listing["deaths-by-document"]["corpus"] == "mini"
    assert listing["casualties-by-source"]["corpus"] is None
    answer = client.get("/queries/deaths-by-document?event=flood-2020", headers={"Accept": "text/csv"})
    assert answer.status_code == 200
    table = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert [(d, doc.rsplit("/", 1)[-1]) for d, doc in table[1:]] == [
        ("12", "doc-a"),
        ("14", "doc-a"),
        ("12", "doc-b"),
    ]
    assert client.get("/queries/deaths-by-document.rq").get_data(as_text=True) == QUERY
    assert "Deaths by document" in client.get("/query").get_data(as_text=True)


def test_the_command_line_lists_and_runs_a_corpus_query(tmp_path: Path, runner: CliRunner):
    store = str(tmp_path / "store")
    options = ["--store", store, "--ontology-dir", str(ROOT / "ontology")]
    loaded = runner.invoke(
        main, ["load", str(corpus_with(tmp_path, {"deaths-by-document.rq": QUERY})), *options]
    )
    assert loaded.exit_code == 0, loaded.output
    queries = ["--store", store, "--queries-dir", str(ROOT / "queries")]
    listed = runner.invoke(main, ["query", "--list", *queries])
    assert "deaths-by-document [event]  (corpus mini)\n    Deaths by document" in listed.stdout
    ran = runner.invoke(main, ["query", "--name", "deaths-by-document", "--format", "csv", *queries])
    assert ran.exit_code == 0, ran.output
    assert len(ran.stdout.strip().splitlines()) == 4


def test_a_corpus_sent_to_the_server_brings_its_queries(tmp_path: Path, backend: str, servers: Servers):
    """Through the curators' routes: ``PUT /uploads/ID/queries/NAME.rq`` beside the folder's files,
    and ``POST /corpora`` with one part per file."""
    settings = backend_settings(backend, servers, tmp_path / "store", token=TOKEN)
    client = create_app(claimgraph=Claimgraph(settings)).test_client()
    folder = corpus_with(tmp_path, {"deaths-by-document.rq": QUERY})
    upload = client.post("/uploads?corpus=mini", headers=AUTH).get_json()["upload"]
    files = [p for p in sorted(folder.iterdir()) if p.is_file()] + [
        folder / "queries" / "deaths-by-document.rq"
    ]
    for path in files:
        name = path.relative_to(folder).as_posix()
        assert (
            client.put(f"/uploads/{upload}/{name}", data=path.read_bytes(), headers=AUTH).status_code == 204
        )
    staged = client.get(f"/uploads/{upload}", headers=AUTH).get_json()["files"]
    assert "queries/deaths-by-document.rq" in staged and "corpus.yaml" in staged
    bad = client.put(f"/uploads/{upload}/queries/notes.txt", data=b"x", headers=AUTH)
    assert bad.status_code == 400 and "queries/NAME.rq" in bad.get_json()["error"]["message"]
    assert client.post(f"/uploads/{upload}/load", headers=AUTH).status_code == 201
    listing = {q["name"]: q for q in client.get("/queries").get_json()["queries"]}
    assert listing["deaths-by-document"]["corpus"] == "mini"
    # In one request: a part named queries/NAME.rq.
    other = corpus_with(tmp_path / "other", {"all-deaths.rq": QUERY.replace("by document", "all")})
    parts = {"file": [(p.open("rb"), p.relative_to(other).as_posix()) for p in files_of(other)]}
    sent = client.post("/corpora?corpus=mini", data=parts, headers=AUTH, content_type="multipart/form-data")
    assert sent.status_code in (200, 201), sent.get_json()
    names = {q["name"] for q in client.get("/queries").get_json()["queries"]}
    assert "all-deaths" in names and "deaths-by-document" not in names  # the corpus loaded again


def files_of(folder: Path) -> list[Path]:
    return [p for p in sorted(folder.iterdir()) if p.is_file()] + sorted((folder / "queries").glob("*.rq"))


def test_load_server_sends_the_queries_folder(tmp_path: Path, runner: CliRunner, backend: str):
    embedded_only(backend, "the command line's client of the server: the routes run on every backend above")
    with live_server(tmp_path / "store", token=TOKEN, query_workers=1) as server:
        folder = corpus_with(tmp_path, {"deaths-by-document.rq": QUERY})
        sent = runner.invoke(main, ["load", str(folder), "--server", server.url + "/", "--token", TOKEN])
        assert sent.exit_code == 0, sent.output
        listing = requests.get(server.url + "/queries", timeout=30).json()["queries"]
        assert {q["name"]: q["corpus"] for q in listing}["deaths-by-document"] == "mini"
        answer = requests.get(
            server.url + "/queries/deaths-by-document", headers={"Accept": "text/csv"}, timeout=30
        )
        assert answer.status_code == 200 and len(answer.text.strip().splitlines()) == 4

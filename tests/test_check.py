"""``claimgraph check``: a loaded store is whole; a store broken behind claimgraph's back
(quads written with the store's own ``apply``, the search index's marker rewritten) is
reported with the right line, and the check changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimgraph.api import Claimgraph
from claimgraph.changes import STORE_FORMAT
from claimgraph.cli import main
from claimgraph.integrity import Finding
from claimgraph.namespaces import OA, RDF
from claimgraph.search import INDEX_FILE, SearchIndex
from claimgraph.store import Store
from claimgraph.store.register import PENDING, REGISTER
from claimgraph.web import create_app

from .conftest import BASE, DATA, MINI, ROOT, Runner, make_settings

ONTOLOGY = str(ROOT / "ontology")


def findings(claimgraph: Claimgraph, store: Store) -> dict[str, Finding]:
    before = sorted(map(repr, store.quads(exact=True)))
    marker = store.commit_marker()
    found = {f.check: f for f in claimgraph.check(store)}
    assert sorted(map(repr, store.quads(exact=True))) == before, "check changed the store"
    assert store.commit_marker() == marker
    return found


def checks(backend: str) -> list[str]:
    names = ["store metadata", "shapes", "consensus", "vocabulary"]
    return [*names, "search index"] if backend == "embedded" else [*names, "register"]


def test_a_loaded_store_is_whole(claimgraph: Claimgraph, mini_store: Store, backend: str):
    found = findings(claimgraph, mini_store)
    assert list(found) == checks(backend)
    assert all(f.ok for f in found.values()), [f.lines() for f in found.values()]
    assert found["consensus"].message == "equals what the 5 claims derive (2 keys)"
    assert found["store metadata"].message == f"format {STORE_FORMAT}, base IRI {BASE}"


def test_an_empty_store_is_whole(claimgraph: Claimgraph, store: Store):
    [found] = findings(claimgraph, store).values()
    assert (found.ok, found.message) == (True, "empty store, never written")


def test_a_consensus_triple_removed(claimgraph: Claimgraph, mini_store: Store, backend: str):
    graph = claimgraph.mint.consensus_graph
    statement = next(q for q in mini_store.quads(graph, predicate=RDF.subject, exact=True))
    key = next(q for q in mini_store.quads(graph, subject=statement[0], predicate=RDF.predicate, exact=True))
    mini_store.apply(remove=[key])
    found = findings(claimgraph, mini_store)
    consensus = found["consensus"]
    assert not consensus.ok
    assert consensus.message == "differs from what the claims derive on 1 key"
    assert consensus.details == [f"<{statement[2]}> <{key[2]}>: 1 quad missing, 0 not derived"]
    assert "claimgraph rebase" in (consensus.fix or "")
    assert found["shapes"].ok and found["vocabulary"].ok


def test_a_quote_removed(claimgraph: Claimgraph, mini_store: Store):
    quote = next(q for q in mini_store.quads(predicate=OA.exact, exact=True))
    mini_store.apply(remove=[quote])
    found = findings(claimgraph, mini_store)
    shapes = found["shapes"]
    assert not shapes.ok, shapes.lines()
    assert shapes.details and all("[shape " in line for line in shapes.details), shapes.details
    assert any(line.startswith(f"claim {quote[0]}: ") for line in shapes.details), shapes.details
    assert "claimgraph load" in (shapes.fix or "")
    assert found["consensus"].ok


def test_a_vocabulary_triple_removed(claimgraph: Claimgraph, mini_store: Store):
    graph = claimgraph.mint.shapes_graph
    triple = next(iter(mini_store.quads(graph, exact=True)))
    mini_store.apply(remove=[triple])
    found = findings(claimgraph, mini_store)
    vocabulary = found["vocabulary"]
    assert not vocabulary.ok
    assert vocabulary.details == [f"<{graph}>: 1 triple missing, 0 not in the ontology"]
    assert found["shapes"].ok and found["consensus"].ok


def test_a_stale_search_marker(claimgraph: Claimgraph, mini_store: Store, backend: str):
    if backend != "embedded":
        pytest.skip("a store on a SPARQL server keeps no search index of its own")
    index = SearchIndex(Path(claimgraph.settings.store) / INDEX_FILE)
    index.set_marker("1-0")
    index.close()
    found = findings(claimgraph, mini_store)
    assert [name for name, f in found.items() if not f.ok] == ["search index"]
    line = found["search index"].lines()[0]
    assert line.startswith("problem: search index: ") and "is at commit 1-0" in line
    assert line.endswith("fix: run `claimgraph reindex`")


def test_a_graph_left_by_an_unfinished_commit(claimgraph: Claimgraph, mini_store: Store, backend: str):
    if backend == "embedded":
        pytest.skip("only a store on a SPARQL server has a register")
    left = "urn:claimgraph:stage:left-behind"
    record = f"<urn:claimgraph:commit:dead> {PENDING} <{left}>"
    mini_store.client.update(f"INSERT DATA {{ GRAPH <{REGISTER}> {{ {record} }} }}", timeout=30)  # type: ignore[attr-defined]
    found = findings(claimgraph, mini_store)
    assert [name for name, f in found.items() if not f.ok] == ["register"]
    assert found["register"].details == [f"<{left}>"]
    assert "the next write drops them" in (found["register"].fix or "")


def run(*args: str) -> tuple[int, str]:
    result = Runner().invoke(main, ["check", *args, "--base-iri", BASE, "--ontology-dir", ONTOLOGY])
    return result.exit_code, result.stdout + result.stderr


def test_cli_exit_0_1_and_2(claimgraph: Claimgraph, mini_store: Store, backend: str, tmp_path: Path):
    if backend != "embedded":
        pytest.skip("the CLI is run on the store folder")
    folder = claimgraph.settings.store
    mini_store.close()
    code, out = run("--store", folder)
    assert code == 0, out
    assert out.splitlines()[2] == "ok: consensus: equals what the 5 claims derive (2 keys)"
    reopened = claimgraph.open_store()
    try:
        quote = next(q for q in reopened.quads(predicate=OA.exact, exact=True))
        reopened.apply(remove=[quote])
    finally:
        reopened.close()
    code, out = run("--store", folder, "--json")
    assert code == 1, out
    answer = json.loads(out)
    assert answer["whole"] is False
    assert [c["check"] for c in answer["checks"] if not c["ok"]] == ["shapes", "search index"]
    code, out = run("--store", folder)
    assert code == 1
    assert [line.split(":")[1] for line in out.splitlines() if line.startswith("problem:")] == [
        " shapes",
        " search index",
    ]
    result = Runner().invoke(main, ["check", "--store", folder, "--base-iri", "http://other.example/"])
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [
        f"problem: store metadata: minted under the base IRI {BASE}, not http://other.example/: "
        f"run with --base-iri {BASE}, or re-mint it with `claimgraph rebase http://other.example/`"
    ]
    (tmp_path / "a-file").write_text("not a store")
    code, out = run("--store", str(tmp_path / "a-file"))
    assert code == 2 and out.startswith("error: "), out


def test_beside_a_running_server_check_reads_its_last_commit(tmp_path: Path):
    """A server keeps the store open for writing; ``check`` reads the snapshot of its last commit."""
    path = tmp_path / "store"
    cg = Claimgraph(make_settings(path, token="secret", base_iri=BASE))
    store = cg.open_store()
    cg.load(store, MINI)
    store.close()
    app = create_app(claimgraph=cg)
    executor = cg.executor(processes=True)
    app.extensions["claimgraph"]["executor"] = executor
    try:
        second = DATA / "second"
        form = {
            "sheet": (second / "radio.yaml").read_text(encoding="utf-8"),
            "document": ((second / "radio.txt").open("rb"), "radio.txt"),
            "corpus": (second / "corpus.yaml").read_text(encoding="utf-8"),
            "corpus_name": "second",
        }
        answer = app.test_client().post("/claims", data=form, headers={"Authorization": "Bearer secret"})
        assert answer.status_code == 201, answer.data
        code, out = run("--store", str(path))
        assert code == 0, out
        assert "ok: consensus: equals what the 7 claims derive" in out
    finally:
        executor.close()

"""``claimgraph backup`` and ``restore``: a consistent copy of the embedded store, also while a
server serves it and takes writes, gives back equal claims, history and consensus; and reads
keep answering while a server's write is validated and committed (the workers read snapshots)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from claimgraph.api import Claimgraph
from claimgraph.cli import main
from claimgraph.history import history_length
from claimgraph.store import OxigraphStore
from claimgraph.store.snapshots import SNAPSHOTS
from claimgraph.web import create_app

from .conftest import DATA, MINI, make_settings

TOKEN = "secret"
BASE = "http://127.0.0.1:5000/"  # the CLI's default, so that the CLI opens these stores
CLAIMS = "SELECT (COUNT(*) AS ?n) WHERE { ?c a <https://w3id.org/claimgraph/ns#Claim> }"


def _form(second: Path = DATA / "second") -> dict:
    return {
        "sheet": (second / "radio.yaml").read_text(encoding="utf-8"),
        "document": ((second / "radio.txt").open("rb"), "radio.txt"),
        "corpus": (second / "corpus.yaml").read_text(encoding="utf-8"),
        "corpus_name": "second",
    }


def _state(path: Path, cg: Claimgraph) -> tuple[set, int, set]:
    """Every quad (claims, history, consensus), the history's length, the consensus graph's quads."""
    store = OxigraphStore(path, read_only=True)
    try:
        quads = set(store.quads(exact=True))
        consensus = set(store.quads(cg.mint.consensus_graph, exact=True))
        return quads, history_length(store), consensus
    finally:
        store.close()


@pytest.fixture
def served(tmp_path: Path) -> Any:
    """The mini corpus in a store, served as ``claimgraph serve`` does (worker processes)."""
    path = tmp_path / "store"
    cg = Claimgraph(make_settings(path, token=TOKEN, base_iri=BASE))
    store = cg.open_store()
    cg.load(store, MINI)
    store.close()
    app = create_app(claimgraph=cg)
    executor = cg.executor(processes=True)
    app.extensions["claimgraph"]["executor"] = executor
    yield cg, app, executor
    executor.close()


def _count(client: Any) -> int:
    answer = client.get("/sparql", query_string={"query": CLAIMS}, headers={"Accept": "text/csv"})
    assert answer.status_code == 200, answer.data
    return int(answer.data.split()[-1])


def test_a_backup_taken_while_the_server_serves_restores_equal_claims_history_and_consensus(
    runner: Any, served: Any, tmp_path: Path
) -> None:
    cg, app, executor = served
    client = app.test_client()
    response = client.post("/claims", data=_form(), headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 201, response.data
    assert _count(client) == 7  # the next read sees the write

    # A command that reads the store beside the server reads the server's last commit.
    result = runner.invoke(main, ["stats", "--json", "--store", str(cg.settings.store)])
    assert result.exit_code == 0 and '"claims": 7' in result.output, result.output
    result = runner.invoke(main, ["load", str(MINI), "--store", str(cg.settings.store)])
    assert result.exit_code == 2 and "in use" in result.stderr  # a writer beside it is refused

    copy = tmp_path / "backup"
    result = runner.invoke(main, ["backup", str(copy), "--store", str(cg.settings.store)])
    assert result.exit_code == 0, result.output
    assert "backed up" in result.output

    # A write after the backup is not in it.
    response = client.post(
        "/update",
        data={"update": "INSERT DATA { GRAPH <http://e/later> { <http://e/s> <http://e/p> 1 } }"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code in (200, 422), response.data
    executor.close()

    restored = tmp_path / "restored"
    result = runner.invoke(main, ["restore", str(copy), "--store", str(restored)])
    assert result.exit_code == 0, result.output
    quads, history, consensus = _state(restored, cg)
    assert history >= 2 and consensus  # the load and the post, and a consensus of them

    # The original, the post-backup write undone by comparison: equal but for what came later.
    original, original_history, original_consensus = _state(Path(cg.settings.store), cg)
    later = {q for q in original - quads}
    assert all(
        str(q[3]) == "http://e/later" or "history" in str(q[3]) or "metadata" in str(q[3]).lower()
        for q in later
    ), sorted(map(str, later))[:5]
    assert consensus == original_consensus
    assert history in (original_history, original_history - 1)

    # The restored store serves the same claims.
    result = runner.invoke(main, ["stats", "--json", "--store", str(restored)])
    assert result.exit_code == 0 and '"claims": 7' in result.output, result.output
    assert not (restored / SNAPSHOTS).exists()


def test_a_backup_beside_no_server_equals_the_store(runner: Any, tmp_path: Path) -> None:
    path = tmp_path / "store"
    assert runner.invoke(main, ["load", str(MINI), "--store", str(path)]).exit_code == 0
    copy = tmp_path / "copy"
    result = runner.invoke(main, ["backup", str(copy), "--store", str(path)])
    assert result.exit_code == 0, result.output
    cg = Claimgraph(make_settings(path, base_iri=BASE))
    assert _state(copy, cg) == _state(path, cg)  # opening the copy is a restore too


def test_backup_and_restore_refuse_what_they_cannot_do(runner: Any, tmp_path: Path) -> None:
    path = tmp_path / "store"
    assert runner.invoke(main, ["load", str(MINI), "--store", str(path)]).exit_code == 0
    taken = tmp_path / "taken"
    taken.mkdir()
    result = runner.invoke(main, ["backup", str(taken), "--store", str(path)])
    assert result.exit_code == 2 and "exists: name a new folder" in result.stderr
    result = runner.invoke(main, ["backup", str(tmp_path / "b"), "--store", "http://127.0.0.1:1/sparql"])
    assert result.exit_code == 2 and "that server's own backup" in result.stderr
    result = runner.invoke(main, ["restore", str(path), "--store", str(path)])
    assert result.exit_code == 2 and "is not empty" in result.stderr
    result = runner.invoke(main, ["restore", str(tmp_path / "none"), "--store", str(tmp_path / "new")])
    assert result.exit_code == 2 and "not a claimgraph store or backup" in result.stderr
    other = runner.invoke(
        main, ["restore", str(path), "--store", str(tmp_path / "new"), "--base-iri", "http://x/"]
    )
    assert other.exit_code == 2 and "minted under the base IRI" in other.stderr
    assert not (tmp_path / "new").exists()


def test_reads_answer_while_a_write_is_validated_and_committed(served: Any) -> None:
    """The server keeps the store open for writing and its workers read the last snapshot: a
    query sent while a write runs is answered before the write ends, from the last commit."""
    cg, app, executor = served
    client = app.test_client()
    started, release = threading.Event(), threading.Event()

    def slow_write(store: Any) -> None:
        started.set()
        release.wait(30)  # a write that takes its time (validation of a large sheet)

    writer = threading.Thread(target=executor.write, args=(slow_write,))
    writer.start()
    try:
        assert started.wait(30)
        began = time.monotonic()
        assert _count(client) == 5
        assert time.monotonic() - began < 10
        assert writer.is_alive()  # answered while the write was under way
    finally:
        release.set()
        writer.join(30)
    response = client.post("/claims", data=_form(), headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 201, response.data
    assert _count(client) == 7
    snapshots = list((Path(cg.settings.store) / SNAPSHOTS).iterdir())
    assert len(snapshots) <= 1 + cg.settings.query_workers  # the old ones removed once no worker reads them

"""A store folder that keeps its size, leaves nothing behind when it cannot be opened, and
can be read, queried, exported and served from read-only media.

The read-only media and the full disk are real: a read-only bind mount and a small tmpfs
(so those tests need root and ``mount``; elsewhere they skip saying why).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rdflib import Literal, Namespace

from claimgraph.api import Claimgraph
from claimgraph.cli import main
from claimgraph.errors import NoSpace
from claimgraph.store import OxigraphStore
from claimgraph.store.folder import KEPT_LOGS
from claimgraph.web import create_app

from .conftest import MINI, make_settings
from .test_error_shape import assert_error_shape

E = Namespace("http://example.org/")
DEFAULT_BASE = "http://127.0.0.1:5000/"


def _mount(args: list[str], where: Path) -> None:
    done = subprocess.run(["mount", *args, str(where)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount (needs root): {done.stderr.strip()}")


def test_the_engine_logs_stay_bounded_after_39_writes(tmp_path: Path) -> None:
    """Each opening for writing starts an engine info log; the earlier ones are removed but one,
    so that the folder holds what the data needs, not one log per write."""
    path = tmp_path / "store"
    for n in range(39):
        store = OxigraphStore(path)
        store.apply(add=[(E[f"s{n}"], E.p, Literal(n), E.g)])
        store.close()
    logs = sorted(p.name for p in path.glob("LOG*"))
    assert logs[0] == "LOG" and len(logs) <= 1 + KEPT_LOGS, logs
    size = sum(p.stat().st_size for p in path.iterdir() if p.is_file())
    assert size < 1_000_000, size  # 39 logs of ~131 KB each were 5 MB of it
    store = OxigraphStore(path, read_only=True)
    assert len(store) == 39
    store.close()


@pytest.fixture
def read_only_copy(tmp_path: Path) -> Iterator[Path]:
    """The mini corpus loaded into a store, then seen through a read-only bind mount."""
    source = tmp_path / "rw"
    cg = Claimgraph(make_settings(source / "store", base_iri=DEFAULT_BASE))
    store = cg.open_store()
    cg.load(store, MINI)
    store.close()
    (source / "store" / "claimgraph-search.sqlite").unlink(missing_ok=True)  # behind: rebuilt in memory
    seen = tmp_path / "ro"
    seen.mkdir()
    _mount(["--bind", "-o", "ro", str(source)], seen)
    try:
        yield seen / "store"
    finally:
        subprocess.run(["umount", "-l", str(seen)], check=False)


def test_stats_query_and_export_read_a_store_on_read_only_media(
    runner: Any, read_only_copy: Path, tmp_path: Path
) -> None:
    with pytest.raises(OSError):
        (read_only_copy / "probe").write_text("x")  # the media is read-only indeed
    where = ["--store", str(read_only_copy)]
    result = runner.invoke(main, ["stats", "--json", *where])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["claims"] == 5
    result = runner.invoke(main, ["query", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", *where])
    assert result.exit_code == 0, result.output
    out = tmp_path / "dump.nq"
    result = runner.invoke(main, ["export", "--format", "nquads", "-o", str(out), *where])
    assert result.exit_code == 0, result.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == int(
        runner.invoke(
            main, ["query", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", *where]
        ).output.split()[-1]
    )


def test_a_store_on_read_only_media_is_served_read_only(read_only_copy: Path) -> None:
    """``serve --read-only``: queries and search answered by worker processes (the search index
    rebuilt in memory), every write 403 even with the operator's token, nothing written."""
    cg = Claimgraph(make_settings(read_only_copy, token="secret", base_iri=DEFAULT_BASE, read_only=True))
    app = create_app(claimgraph=cg)
    executor = cg.executor(processes=True)
    app.extensions["claimgraph"]["executor"] = executor
    try:
        client = app.test_client()
        count = "SELECT (COUNT(*) AS ?n) WHERE { ?c a <https://w3id.org/claimgraph/ns#Claim> }"
        answer = client.get("/sparql", query_string={"query": count}, headers={"Accept": "text/csv"})
        assert answer.status_code == 200 and answer.data.split()[-1] == b"5", answer.data
        search = client.get("/search", query_string={"q": "mini"}, headers={"Accept": "application/json"})
        assert search.status_code == 200, search.data
        refused = client.post(
            "/update",
            data={"update": "INSERT DATA { <http://e/s> <http://e/p> 1 }"},
            headers={"Authorization": "Bearer secret"},
        )
        error = assert_error_shape(refused, 403)
        assert "read-only" in error["message"]
    finally:
        executor.close()


@pytest.fixture
def full_device(tmp_path: Path) -> Iterator[Path]:
    device = tmp_path / "device"
    device.mkdir()
    _mount(["-t", "tmpfs", "-o", "size=8m", "tmpfs"], device)
    try:
        yield device
    finally:
        subprocess.run(["umount", "-l", str(device)], check=False)


def _fill(device: Path) -> Path:
    filler = device / "filler"
    with filler.open("wb") as out:
        os.posix_fallocate(out.fileno(), 0, shutil.disk_usage(device).free)
    return filler


def test_a_failed_open_on_a_full_disk_leaves_nothing_behind(full_device: Path) -> None:
    existing = full_device / "store"
    store = OxigraphStore(existing)
    store.apply(add=[(E.s, E.p, Literal(1), E.g)])
    store.close()
    found = sorted(p.name for p in existing.iterdir())
    filler = _fill(full_device)
    try:
        with pytest.raises(NoSpace, match=r"no space left on the device of the store at .*new"):
            OxigraphStore(full_device / "new")
        assert not (full_device / "new").exists()
        with contextlib.suppress(NoSpace):
            OxigraphStore(existing).close()  # the engine may open in the space it has
        assert sorted(p.name for p in existing.iterdir() if not p.name.startswith("LOG.old")) == [
            f for f in found if not f.startswith("LOG.old")
        ]
    finally:
        filler.unlink()
    store = OxigraphStore(existing)
    assert len(store) == 1
    store.close()

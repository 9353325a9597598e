"""The store's format: a store whose records have another shape is refused, with how to reload it."""

from __future__ import annotations

from pathlib import Path

from rdflib import Literal

from claimgraph.changes import STORE_FORMAT, recorded_format
from claimgraph.cli import main
from claimgraph.iris import METADATA_GRAPH, STORE_NODE
from claimgraph.namespaces import CG
from claimgraph.store import open_store

from .conftest import MINI, ROOT, Runner

ONTOLOGY = str(ROOT / "ontology")
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?c a <https://w3id.org/claimgraph/ns#Claim> }"


def run(*args: str) -> tuple[int, str, str]:
    result = Runner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _set_format(folder: str, old: int, new: int) -> None:
    store = open_store(folder)
    try:
        store.apply(
            remove=[(STORE_NODE, CG.storeFormat, Literal(old), METADATA_GRAPH)],
            add=[(STORE_NODE, CG.storeFormat, Literal(new), METADATA_GRAPH)],
        )
    finally:
        store.close()


def test_a_store_of_another_format_is_refused_with_how_to_reload_it(tmp_path: Path):
    folder = str(tmp_path / "store")
    code, _, err = run("load", str(MINI), "--store", folder, "--ontology-dir", ONTOLOGY)
    assert code == 0, err
    store = open_store(folder)
    try:
        assert recorded_format(store) == STORE_FORMAT
    finally:
        store.close()
    assert run("query", COUNT, "--store", folder)[0] == 0

    _set_format(folder, STORE_FORMAT, 1)  # as a store written before count kinds were IRIs
    for args in (("query", COUNT), ("load", str(MINI), "--ontology-dir", ONTOLOGY)):
        code, _, err = run(*args, "--store", folder)
        assert code == 2 and len(err.strip().splitlines()) == 1, err
        assert f"holds records of store format 1, and this claimgraph reads format {STORE_FORMAT}" in err
        assert "load your corpora again into a new, empty store" in err
    code, _, err = run(
        "rebase", "https://data.example.org/cg/", "--store", folder, "--ontology-dir", ONTOLOGY
    )
    assert code == 2 and "store to rebase holds records of store format 1" in err, err

    _set_format(folder, 1, STORE_FORMAT)  # the refusal was the format's alone
    assert run("query", COUNT, "--store", folder)[0] == 0

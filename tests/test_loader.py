"""Loading is all or nothing, idempotent, persistent, and keeps the consensus current."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Literal

from claimgraph.api import Claimgraph
from claimgraph.errors import SheetError, ValidationFailed
from claimgraph.namespaces import CG, RDF, XSD
from claimgraph.store import OxigraphStore, Store

from .conftest import MINI, all_quads, embedded_only


def test_loading_twice_changes_nothing(claimgraph: Claimgraph, store: Store):
    first = claimgraph.load(store, MINI)
    before = all_quads(store)
    second = claimgraph.load(store, MINI)
    assert first.added > 0
    assert (second.added, second.removed) == (0, 0)
    assert all_quads(store) == before


def test_a_bad_sheet_commits_nothing(claimgraph: Claimgraph, mini_store: Store, tmp_path: Path):
    before = all_quads(mini_store)
    broken = tmp_path / "edited" / "mini"  # the same corpus, edited
    shutil.copytree(MINI, broken)
    sheet = broken / "doc-b.yaml"
    sheet.write_text(sheet.read_text().replace("quote: 12 died", "quote: 12 dead"), encoding="utf-8")
    (broken / "doc-a.yaml").write_text(
        (broken / "doc-a.yaml").read_text().replace("value: 12", "value: 13"), encoding="utf-8"
    )
    with pytest.raises(SheetError):
        claimgraph.load(mini_store, broken)
    assert all_quads(mini_store) == before


def test_a_batch_that_breaks_a_shape_commits_nothing(
    claimgraph: Claimgraph, mini_store: Store, tmp_path: Path
):
    before = all_quads(mini_store)
    broken = tmp_path / "edited" / "mini"  # the same corpus, edited
    shutil.copytree(MINI, broken)
    # A count given in words passes the sheet reader (a value may be text) but not the shape of its property.
    sheet = broken / "doc-b.yaml"
    sheet.write_text(sheet.read_text().replace("value: 12", "value: twelve", 1), encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        claimgraph.load(mini_store, broken)
    [problem] = caught.value.problems
    assert problem.shape.endswith("#TypedValueShape")
    assert problem.sheet.endswith("doc-b.yaml") and problem.line == 8
    assert all_quads(mini_store) == before


def test_the_store_survives_a_restart(claimgraph: Claimgraph):
    store = claimgraph.open_store()
    claimgraph.load(store, MINI)
    before = all_quads(store)
    store.close()
    reopened = claimgraph.open_store()
    try:
        assert before and all_quads(reopened) == before
    finally:
        reopened.close()


def test_a_second_writer_is_refused_while_the_store_is_open(
    claimgraph: Claimgraph, store: Store, backend: str
):
    from claimgraph.errors import StoreError

    embedded_only(backend, "the lock is the embedded store's; a SPARQL server takes readers beside a writer")
    with pytest.raises(StoreError, match="in use"):
        OxigraphStore(claimgraph.settings.store, read_only=True)


def consensus(store: Store, claimgraph: Claimgraph) -> set[tuple]:
    return {(s, p, o) for s, p, o, _ in store.quads(claimgraph.mint.consensus_graph)}


def test_consensus_holds_agreed_triples_only(claimgraph: Claimgraph, mini_store: Store):
    flood = claimgraph.mint.entity("flood-2020")
    triples = consensus(mini_store, claimgraph)
    date = Literal("2020-05-03", datatype=XSD.date)
    assert (flood, URIRef_schema("startDate"), date) in triples
    assert not any(p == CG.deathCount for _, p, _ in triples), "12 and 14 disagree"
    statements = [s for s, p, o in triples if p == RDF.type and o == CG.ConsensusStatement]
    # One per key (subject, predicate, count kind) whose claims agree: the start date
    # (two claims); the three death counts (12, 14, 12, all "killed") disagree, so there
    # is no statement for them and no bare death count.
    assert len(statements) == 1
    assert not any(p == CG.countKind for s, p, _ in triples if s in statements)
    behind = {o for s, p, o in triples if p == CG.supportedBy and s in statements}
    assert len(behind) == 2
    [statement] = statements
    assert (statement, CG.claimCount, Literal(2, datatype=XSD.integer)) in triples
    # Each of the disagreeing values is recorded, counted, with its claimants.
    records = {s for s, p, o in triples if p == RDF.type and o == CG.ContestedValue}

    def about(record):
        return {
            p: o
            for s, p, o in triples
            if s == record and p not in (CG.supportedBy, CG.claimant, CG.sourceGroup)
        }

    values = {about(r)[RDF.object].toPython(): about(r) for r in records}
    assert set(values) == {12, 14}
    assert values[12][CG.claimCount].toPython() == 2 and values[12][CG.documentCount].toPython() == 2
    assert values[14][CG.claimCount].toPython() == 1 and values[14][CG.documentCount].toPython() == 1
    assert all(
        str(v[CG.countKind]) == "https://w3id.org/claimgraph/count-kinds#killed"
        and v[CG.otherCountKinds].toPython() == 0
        for v in values.values()
    )
    claimants = {str(o).rsplit("/", 1)[-1] for s, p, o in triples if p == CG.claimant and s in records}
    assert claimants == {"mayor", "author-b", "hospitals"}


def URIRef_schema(local: str):
    from claimgraph.namespaces import SCHEMA

    return SCHEMA[local]


def test_withdrawing_a_document_updates_the_consensus(claimgraph: Claimgraph, mini_store: Store):
    claimgraph.withdraw(mini_store, "doc-a")
    flood = claimgraph.mint.entity("flood-2020")
    triples = consensus(mini_store, claimgraph)
    # Only doc-b is left: its 12 dead is no longer contested, and stands alone.
    assert (flood, CG.deathCount, Literal(12, datatype=XSD.integer)) in triples
    assert not list(mini_store.quads(claimgraph.mint.document_graph("doc-a")))
    claimgraph.load(mini_store, MINI)
    assert not any(p == CG.deathCount for _, p, _ in consensus(mini_store, claimgraph))


def test_problems_of_every_chunk_are_reported_together(
    claimgraph: Claimgraph, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from claimgraph import changes

    monkeypatch.setattr(changes.change, "CHUNK_TRIPLES", 150)  # a few claims a chunk
    broken = tmp_path / "edited" / "mini"  # the same corpus, edited
    shutil.copytree(MINI, broken)
    for name in ("doc-a.yaml", "doc-b.yaml"):
        sheet = broken / name
        sheet.write_text(sheet.read_text().replace("value: 12", "value: twelve", 1), encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        claimgraph.load(store, broken)
    sheets = sorted(p.sheet.rsplit("/", 1)[-1] for p in caught.value.problems)
    assert sheets == ["doc-a.yaml", "doc-b.yaml"]
    assert len(store) == 0
    # And a good corpus loads the same whatever the chunk size.
    claimgraph.load(store, MINI)
    assert len(list(store.quads(claimgraph.mint.consensus_graph))) > 0

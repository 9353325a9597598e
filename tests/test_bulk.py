"""The bulk write path: new document graphs streamed as text, spooled, committed whole or not at all.

A corpus load's new documents are read, checked and spooled one at a time
(``changes.FreshGraph``); a commit whose new graphs pass ``store.BULK_QUADS`` quads
is written by the engine's bulk loader under a journal, and undone if anything fails
(or, after a crash, at the next opening of the store for writing).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import URIRef

from claimgraph.api import Claimgraph
from claimgraph.errors import StoreError, ValidationFailed
from claimgraph.mapping import corpus_quads
from claimgraph.sheets import read_corpus
from claimgraph.store import JOURNAL_GRAPH, OxigraphStore, Store
from claimgraph.store import spool as store_module

from .conftest import MINI, SEEDS, all_quads


@pytest.mark.parametrize("folder", [MINI, SEEDS], ids=["mini", "seeds"])
def test_documents_loaded_as_text_hold_the_mappings_triples(
    folder: Path, claimgraph: Claimgraph, store: Store
):
    """The N-Triples mapping the bulk path writes is the rdflib mapping, term for term."""
    claimgraph.load(store, folder)
    expected = corpus_quads(read_corpus(folder), claimgraph.mint)
    documents = [g for g in expected if "/graph/document/" in str(g)]
    assert documents
    for graph in documents:
        stored = {(s, p, o) for s, p, o, _g in store.quads(graph)}
        assert stored == set(expected[graph]), graph


@pytest.fixture
def bulk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every commit with new graphs goes through the journaled bulk loader."""
    monkeypatch.setattr(store_module, "BULK_QUADS", 10)


def test_a_bulk_load_writes_what_a_transaction_writes(
    bulk, claimgraph: Claimgraph, store: Store, tmp_path: Path
):
    report = claimgraph.load(store, MINI)
    bulk_quads = _without_history(all_quads(store))
    assert report.added == len(bulk_quads)
    other = Claimgraph(claimgraph.settings.__class__(**{**claimgraph.settings.__dict__, "store": ":memory:"}))
    plain = other.open_store()
    store_module.BULK_QUADS = 10**9
    try:
        other.load(plain, MINI)
        assert _without_history(all_quads(plain)) == bulk_quads
    finally:
        plain.close()
    assert not store.has_graph(URIRef(JOURNAL_GRAPH))
    assert not list(tmp_path.rglob(".claimgraph-spool-*"))  # the spool file is gone


def _without_history(quads: set) -> set:
    """The quads of the load itself: not its history entry (another time, another IRI) nor its count."""
    return {
        q
        for q in quads
        if not str(q[3]).endswith(("/graph/history", "/graph/curators"))
        and not str(q[1]).endswith("#historyLength")
    }


class _FailingEngine:
    """A pyoxigraph store whose ``fail``-th update raises, as a full disk would."""

    def __init__(self, engine: ox.Store, fail: int) -> None:
        self._engine = engine
        self._updates = 0
        self._fail = fail

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._updates += 1
        if self._updates == self._fail:
            raise OSError("No space left on device")
        self._engine.update(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)


def test_a_bulk_commit_that_fails_after_the_bulk_load_leaves_the_store_as_it_was(
    bulk, claimgraph: Claimgraph, mini_store: OxigraphStore, tmp_path: Path
):
    before = all_quads(mini_store)
    other = tmp_path / "other"  # another corpus, with documents of its own
    shutil.copytree(MINI, other)
    for sheet in other.glob("doc-*.yaml"):
        sheet.write_text(sheet.read_text().replace("id: doc-", "id: other-doc-"), encoding="utf-8")
    engine = mini_store._store
    mini_store._store = _FailingEngine(engine, fail=1)  # the update after the bulk load
    try:
        with pytest.raises(StoreError, match="nothing was written"):
            claimgraph.load(mini_store, other)
    finally:
        mini_store._store = engine
    assert all_quads(mini_store) == before
    assert not mini_store.has_graph(URIRef(JOURNAL_GRAPH))
    assert not list(tmp_path.rglob(".claimgraph-spool-*"))
    claimgraph.load(mini_store, other)  # and it loads once the disk has room again
    assert mini_store.has_graph(claimgraph.mint.document_graph("other-doc-a"))


def test_a_bulk_commit_cut_short_is_undone_when_the_store_is_next_opened(
    claimgraph: Claimgraph, tmp_path: Path
):
    folder = Path(claimgraph.settings.store)
    store = OxigraphStore(folder)
    claimgraph.load(store, MINI)
    before = all_quads(store)
    store.close()
    # What a process killed during a bulk commit leaves: the journal, and part of a new graph.
    engine = ox.Store(str(folder))
    journal, new = ox.NamedNode(JOURNAL_GRAPH), ox.NamedNode("http://127.0.0.1:5000/graph/document/half")
    engine.add(ox.Quad(journal, ox.NamedNode("urn:claimgraph:creates"), new, journal))
    engine.add(ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("x"), new))
    engine.flush()
    del engine
    reopened = OxigraphStore(folder)
    try:
        assert all_quads(reopened) == before
        assert not reopened.has_graph(URIRef(str(new.value)))
        assert not reopened.has_graph(URIRef(JOURNAL_GRAPH))
    finally:
        reopened.close()


def test_a_predicate_that_a_later_document_claims_with_is_refused_where_used_bare(
    claimgraph: Claimgraph, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Documents are checked one chunk at a time: a claim in the second document that makes
    cg:fileName a fact makes the first document's file name a bare assertion."""
    from claimgraph import changes

    monkeypatch.setattr(changes.change, "CHUNK_TRIPLES", 10)  # one document a chunk
    corpus = tmp_path / "mini"
    shutil.copytree(MINI, corpus)
    sheet = corpus / "doc-b.yaml"
    text = sheet.read_text(encoding="utf-8")
    claim = "claims:\n  - subject: flood-2020\n    predicate: cg:fileName\n    value: doc-a.txt\n"
    claim += "    claimant: author-b\n    quote: 12 died\n"
    sheet.write_text(text.replace("claims:\n", claim, 1), encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        claimgraph.load(store, corpus)
    bare = [p for p in caught.value.problems if p.shape and p.shape.endswith("#UnsourcedAssertionShape")]
    focus = {p.focus for p in bare}
    assert str(claimgraph.mint.document("doc-a")) in focus  # the first chunk's document
    assert str(claimgraph.mint.document("doc-b")) in focus
    assert len(store) == 0


def test_chunks_checked_in_a_background_process_or_here_report_the_same(
    claimgraph: Claimgraph, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """From the second chunk on, a background process validates while the next is read;
    where it cannot start, this process does: the same problems, with sheet and line."""
    from claimgraph import changes, validation

    monkeypatch.setattr(changes.change, "CHUNK_TRIPLES", 10)  # one document a chunk
    broken = tmp_path / "mini"
    shutil.copytree(MINI, broken)
    for name in ("doc-a.yaml", "doc-b.yaml"):
        sheet = broken / name
        sheet.write_text(sheet.read_text().replace("value: 12", "value: twelve", 1), encoding="utf-8")
    found = []
    for background in (True, False):
        if not background:
            monkeypatch.setattr(validation, "_background", lambda vocabulary: None)
        with pytest.raises(ValidationFailed) as caught:
            claimgraph.load(store, broken)
        found.append(sorted((p.sheet.rsplit("/", 1)[-1], p.line, p.shape) for p in caught.value.problems))
    assert found[0] == found[1] and [s for s, _l, _shape in found[0]] == ["doc-a.yaml", "doc-b.yaml"]
    assert len(store) == 0

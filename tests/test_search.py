"""The full-text search index: names with their spelling variants, quotes, kept in step with writes."""

from __future__ import annotations

import shutil

import pytest

from claimgraph import search
from claimgraph.errors import InvalidInput
from claimgraph.namespaces import CG, OA, PROV, RDF, RDFS
from claimgraph.search import SearchIndex, graph_entries, read_entries, rebuild, update

from .conftest import BASE, MINI, SEEDS


def select_on(store):
    return lambda sparql: store.query(sparql).rows


def test_spelling_variants_find_the_party(seed_claimgraph, seed_store):
    index = seed_claimgraph.ensure_search_index(select_on(seed_store))
    [hit] = [h for h in index.search("Hezballah") if h.iri == f"{BASE}entity/kataib-hezbollah"]
    assert hit.label == "Kata'ib Hezbollah" and hit.kind == "agent" and "Hezballah" in hit.matched
    assert index.search("hezb")[0].iri == f"{BASE}entity/kataib-hezbollah", "a prefix finds it too"
    assert {h.iri for h in index.search("MEK")} >= {f"{BASE}entity/mek"}


def test_quotes_are_searched_with_the_words_marked(seed_claimgraph, seed_store):
    index = seed_claimgraph.ensure_search_index(select_on(seed_store))
    hits = index.search("52 deaths", field="quote")
    assert hits and all(h.iri.startswith(f"{BASE}claim/") for h in hits)
    assert any(text == "52" and marked for h in hits for text, marked in h.parts)
    assert len(index) > 218


def test_the_listing_has_every_kind(seed_claimgraph, seed_store):
    index = seed_claimgraph.ensure_search_index(select_on(seed_store))
    assert {h.iri for h in index.names("document")} == {
        f"{BASE}document/article-000",
        f"{BASE}document/article-002",
    }
    assert f"{BASE}entity/camp-ashraf-attack-2013" in {h.iri for h in index.names("event")}


def test_update_of_given_graphs_equals_a_rebuild(claimgraph, mini_store):
    """The incremental update after a withdrawal leaves what a rebuild from the store gives."""
    assert claimgraph.search_index.search("mayor", field="quote"), "the load indexed the quotes"
    claimgraph.withdraw(mini_store, "doc-a")  # calls update() for the graphs it replaced
    fresh = SearchIndex(None)
    rebuild(fresh, select_on(mini_store), skip=claimgraph.unindexed_graphs)

    def rows(index):
        return sorted(
            (h.iri, h.label, h.matched)
            for field in ("name", "quote")
            for h in index.search("the", field=field, limit=200)
        )

    assert rows(claimgraph.search_index) == rows(fresh)
    assert not claimgraph.search_index.search("killed 12 mayor", field="quote")
    assert claimgraph.search_index.marker == claimgraph.marker.tag


def test_update_reads_only_the_graphs_it_is_given(claimgraph, mini_store):
    index = SearchIndex(None)
    graph = claimgraph.mint.corpus_graph("mini")
    update(index, select_on(mini_store), [graph])
    entries = read_entries(select_on(mini_store), [str(graph)])
    assert entries and {e.graph for e in entries} == {str(graph)}
    assert len(index) == len(entries)
    assert not index.search("mayor", field="quote"), "no document graph was read"


def test_the_index_is_a_file_beside_the_store(claimgraph, store, tmp_path):
    claimgraph.load(store, MINI)
    path = claimgraph.store_folder / "claimgraph-search.sqlite"
    assert path.is_file()
    reopened = SearchIndex(path)
    assert reopened.marker == claimgraph.marker.tag and reopened.search("agency")


def test_search_syntax_never_reaches_fts5():
    index = SearchIndex(None)
    assert index.search('"; DROP TABLE entries; --') == []
    assert index.search("NEAR(a b) OR *") == []


def test_replacing_a_graph_leaves_the_others_rows(tmp_path):
    from claimgraph.search import Entry

    index = SearchIndex(tmp_path / "index.sqlite")
    a = [Entry("quote", "http://e/c1", "A", "twelve dead", "http://e/g1", "doc")]
    b = [Entry("quote", "http://e/c2", "B", "fourteen dead", "http://e/g2", "doc")]
    index.replace(["http://e/g1", "http://e/g2"], a + b)
    index.replace(["http://e/g1"], [Entry("quote", "http://e/c3", "A", "eleven dead", "http://e/g1", "doc")])
    assert {h.iri for h in index.search("dead", field="quote")} == {"http://e/c2", "http://e/c3"}
    assert len(index) == 2


def test_an_index_without_its_graph_table_is_rebuilt_at_first_use(tmp_path):
    """Indexes written before rows were tracked by graph: they are emptied and marked behind."""
    import sqlite3

    path = tmp_path / "index.sqlite"
    index = SearchIndex(path)
    index.set_marker("3-1000")
    index.close()
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE entry_graphs")
    assert SearchIndex(path).marker is None


def test_a_load_indexes_its_new_graphs_from_its_own_triples(claimgraph, store, monkeypatch):
    """A load's new document graphs are indexed from the write path's text, not read back by
    SPARQL after the commit, and the index holds exactly what a rebuild from the store gives."""
    asked: list[set[str]] = []
    reading = search.read_entries

    def spy(select, graphs, *, skip=()):
        asked.append(set(graphs) if graphs is not None else {"everything"})
        return reading(select, graphs, skip=skip)

    monkeypatch.setattr(search.reading, "read_entries", spy)  # where update finds it
    for corpus in (SEEDS, MINI):
        claimgraph.load(store, corpus)
    documents = {str(g) for g in store.graph_names() if "/graph/document/" in str(g)}
    assert len(documents) == 4
    assert asked and not documents & set().union(*asked)
    fresh = SearchIndex(None)
    rebuild(fresh, select_on(store), skip=claimgraph.unindexed_graphs)
    assert claimgraph.search_index.entries() == fresh.entries()
    assert sum(e.field == "quote" for e in fresh.entries()) > 200
    assert {e.kind for e in fresh.entries() if e.field == "name" and e.graph in documents} == {"document"}


def test_a_refused_load_leaves_nothing_staged(claimgraph, store, tmp_path):
    claimgraph.load(store, MINI)
    before = claimgraph.search_index.entries()
    broken = shutil.copytree(MINI, tmp_path / "broken")
    sheet = broken / "doc-b.yaml"
    sheet.write_text(
        sheet.read_text(encoding="utf-8").replace("value: ", 'value: "about ', 1), encoding="utf-8"
    )
    for path in broken.glob("doc-*"):
        path.rename(path.with_name(path.name.replace("doc-", "new-")))
    for path in broken.glob("new-*.yaml"):
        text = path.read_text(encoding="utf-8").replace("doc-", "new-")
        path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput):
        claimgraph.load(store, broken)
    assert claimgraph.search_index.entries() == before
    assert claimgraph.search_index._db.execute("SELECT COUNT(*) FROM staged").fetchone() == (0,)


def test_a_graph_that_does_not_describe_its_document_is_read_back():
    doc, claim = "<http://e/document/d>", "<http://e/claim/c>"
    label = '"D"'
    described = [
        (doc, f"<{RDF.type}>", f"<{CG.SourceDocument}>"),
        (doc, f"<{RDFS.label}>", label),
    ]
    quote = [
        (claim, f"<{RDF.type}>", f"<{CG.Claim}>"),
        (claim, f"<{PROV.wasDerivedFrom}>", doc),
        (claim, f"<{CG.evidence}>", "<http://e/claim/c#evidence>"),
        ("<http://e/claim/c#evidence>", f"<{OA.hasSelector}>", "<http://e/claim/c#quote>"),
        ("<http://e/claim/c#quote>", f"<{RDF.type}>", f"<{OA.TextQuoteSelector}>"),
        ("<http://e/claim/c#quote>", f"<{OA.exact}>", '"said \\"52\\" dead"'),
    ]
    found = graph_entries("http://e/g", described + quote)
    assert found is not None
    assert sorted(found) == [
        search.Entry("name", "http://e/document/d", "D", "D", "http://e/g", "document"),
        search.Entry("quote", "http://e/claim/c", "D", 'said "52" dead', "http://e/g", "http://e/document/d"),
    ]
    assert graph_entries("http://e/g", quote) is None  # its document's label is elsewhere

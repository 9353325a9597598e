"""The vocabulary graphs a load writes are derived once per version of the ontology files.

The derivation (canonical labelling of the blank nodes) is kept in the process and in the
cache folder, keyed by the SHA-256 of the files: the same files are never derived twice,
an edited file is derived again, and a load writes the same quads either way.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.compare import to_canonical_graph

from claimgraph import vocabulary
from claimgraph.api import Claimgraph
from claimgraph.config import load_settings
from claimgraph.iris import Minter
from claimgraph.vocabulary import derived, ontology_version, vocabulary_triples

from .conftest import BASE, MINI, ROOT, settings_for

ONTOLOGY = ROOT / "ontology"


@pytest.fixture(autouse=True)
def nothing_kept_in_the_process():
    vocabulary.forget()
    yield
    vocabulary.forget()


def no_derivation(folder: Path):
    raise AssertionError(f"{folder} derived again")


def test_the_version_is_the_hash_of_the_files_and_changes_with_any_of_them(tmp_path: Path):
    copy = shutil.copytree(ONTOLOGY, tmp_path / "ontology")
    assert ontology_version(copy) == ontology_version(ONTOLOGY)
    with (copy / "shapes.ttl").open("a", encoding="utf-8") as f:
        f.write("\n# a comment is a new version\n")
    edited = ontology_version(copy)
    assert edited != ontology_version(ONTOLOGY)
    (copy / "extra.ttl").write_text("", encoding="utf-8")
    assert ontology_version(copy) not in {edited, ontology_version(ONTOLOGY)}


def test_the_graphs_are_the_canonical_skolemization_of_the_files():
    """What the cache keeps is what rdflib's canonical labelling gives, under the base's genid."""
    mint = Minter(BASE)
    graphs = vocabulary_triples(ONTOLOGY, mint)
    shapes = Graph().parse(ONTOLOGY / "shapes.ttl", format="turtle")
    genid = f"{BASE}.well-known/genid/"

    def skolem(term):
        return URIRef(genid + str(term)) if isinstance(term, BNode) else term

    expected = {(skolem(s), p, skolem(o)) for s, p, o in to_canonical_graph(shapes)}
    assert set(graphs[mint.shapes_graph]) == expected
    assert any(str(s).startswith(genid) for s, _, _ in expected)  # the shapes have blank nodes
    assert not any(isinstance(t, BNode) for triple in graphs[mint.ontology_graph] for t in triple)


def test_a_derivation_is_kept_on_disk_and_reused_by_the_next_process(tmp_path: Path, monkeypatch):
    cache = tmp_path / "cache"
    first = derived(ONTOLOGY, cache=cache)
    entry = cache / "vocabulary" / ontology_version(ONTOLOGY)
    assert sorted(p.name for p in entry.iterdir()) == ["ontology.nt", "shapes.nt"]
    vocabulary.forget()  # as a new process would start
    monkeypatch.setattr(vocabulary, "_derive", no_derivation)
    assert set(derived(ONTOLOGY, cache=cache)[0]) == set(first[0])
    assert set(derived(ONTOLOGY, cache=cache)[1]) == set(first[1])
    # Another base IRI reads the same entry.
    other = vocabulary_triples(ONTOLOGY, Minter("https://data.example.org/"), cache=cache)
    assert len(other[URIRef("https://data.example.org/graph/shapes")]) == len(first[1])


def test_the_process_keeps_it_too(tmp_path: Path, monkeypatch):
    derived(ONTOLOGY)
    monkeypatch.setattr(vocabulary, "_derive", no_derivation)
    derived(ONTOLOGY)  # no cache folder: from memory


def test_an_edited_ontology_file_is_derived_again(tmp_path: Path):
    copy = shutil.copytree(ONTOLOGY, tmp_path / "ontology")
    cache = tmp_path / "cache"
    before = derived(copy, cache=cache)
    with (copy / "claimgraph.ttl").open("a", encoding="utf-8") as f:
        f.write('\n<urn:test:new> <http://www.w3.org/2000/01/rdf-schema#comment> [ <urn:test:p> "x" ] .\n')
    after = derived(copy, cache=cache)
    assert len(after[0]) == len(before[0]) + 2
    assert any(s == URIRef("urn:test:new") for s, _, _ in after[0])
    assert len(list((cache / "vocabulary").iterdir())) == 2


def test_an_unreadable_entry_is_derived_again_and_replaced(tmp_path: Path):
    cache = tmp_path / "cache"
    first = derived(ONTOLOGY, cache=cache)
    entry = cache / "vocabulary" / ontology_version(ONTOLOGY)
    (entry / "shapes.nt").write_text("<not n-triples", encoding="utf-8")
    vocabulary.forget()
    assert set(derived(ONTOLOGY, cache=cache)[1]) == set(first[1])
    assert len(Graph().parse(entry / "shapes.nt", format="nt")) == len(first[1])


def graphs_of(app: Claimgraph, store) -> dict:
    found: dict = {}
    for s, p, o, g in store.quads():
        found.setdefault(g, set()).add((s, p, o))
    return found


def test_a_load_writes_the_same_quads_from_a_kept_derivation(tmp_path: Path, monkeypatch):
    cache = tmp_path / "cache"
    results = []
    for run in ("derived", "kept"):
        app = Claimgraph(settings_for(tmp_path / f"store-{run}", cache_dir=str(cache)))
        store = app.open_store()
        try:
            report = app.load(store, MINI)
            results.append((report.added, graphs_of(app, store)))
        finally:
            store.close()
        vocabulary.forget()
        monkeypatch.setattr(vocabulary, "_derive", no_derivation)  # the second load reads the disk
    (added, derived_graphs), (added_again, kept_graphs) = results
    assert added == added_again
    mint = Minter(BASE)
    assert derived_graphs[mint.shapes_graph] and derived_graphs[mint.ontology_graph]
    for name in (mint.shapes_graph, mint.ontology_graph, mint.consensus_graph, mint.registry_graph):
        assert kept_graphs[name] == derived_graphs[name], name


def test_the_cache_folder_setting():
    assert load_settings(environ={"HOME": "/home/ada"}).cache_dir == "/home/ada/.cache/claimgraph"
    assert load_settings(environ={"XDG_CACHE_HOME": "/c", "HOME": "/h"}).cache_dir == "/c/claimgraph"
    assert load_settings(environ={}).cache_dir == "none"  # tests never write to the user's home
    assert load_settings(environ={"CLAIMGRAPH_CACHE_DIR": "/x", "HOME": "/h"}).cache_dir == "/x"

"""The store's dry run, its quad patterns, and the parsing of RDF uploads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from claimgraph.api import Claimgraph
from claimgraph.errors import BadRdf, QueryError, UnsupportedFormat
from claimgraph.store import (
    OxigraphStore,
    Store,
    absolute_iri,
    parse_upload,
    sparql_term,
    update_parses,
)

from .conftest import MINI

E = "http://e/"
S, P, G = URIRef(f"{E}s"), URIRef(f"{E}p"), URIRef(f"{E}g")


@pytest.fixture
def store(claimgraph: Claimgraph) -> Iterator[Store]:
    """Two quads, one in the default graph and one in <G>, on each backend."""
    opened = claimgraph.open_store()
    opened.apply(add=[(S, P, Literal(1), None), (S, P, Literal("in g"), G)])
    yield opened
    opened.close()


# ---------------------------------------------------------------- dry run


def test_a_dry_run_reports_the_diff_and_leaves_the_store_alone(store):
    before = sorted(store.quads())
    update = f"DELETE DATA {{ <{S}> <{P}> 1 }} ; INSERT DATA {{ GRAPH <{G}> {{ <{S}> <{P}> 2 }} }}"
    run = store.dry_run(update)
    assert run.removed == [(S, P, Literal(1), None)]
    assert run.added == [(S, P, Literal(2), G)]
    assert sorted(store.quads()) == before


def test_a_dry_run_compares_only_the_graphs_it_is_given(store):
    other = URIRef(f"{E}other")
    store.apply(add=[(S, P, Literal("x"), other)])
    # An update that reads <other> but is told it touches only <g> sees <other> empty.
    update = f"INSERT {{ GRAPH <{G}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{other}> {{ ?s ?p ?o }} }}"
    assert store.dry_run(update, graphs=[G]).added == []
    assert store.dry_run(update, graphs=[G, other]).added == [(S, P, Literal("x"), G)]


def test_a_dry_run_reports_graphs_created_and_dropped(store):
    made = URIRef(f"{E}made")
    run = store.dry_run(f"CREATE GRAPH <{made}> ; DROP GRAPH <{G}>", graphs=[made, G])
    assert (run.created, run.dropped) == ([made], [G])
    assert run.removed == [(S, P, Literal("in g"), G)]
    assert not store.has_graph(made) and store.has_graph(G)


@pytest.mark.filterwarnings("ignore:Parsing weird boolean")
def test_a_dry_run_keeps_lexical_forms_and_blank_nodes(store):
    run = store.dry_run(f'INSERT DATA {{ <{S}> <{P}> " true"^^<{XSD.boolean}>, _:b }}')
    objects = {q[2] for q in run.added}
    [weird] = [o for o in objects if isinstance(o, Literal)]
    assert str(weird) == " true"  # rdflib alone would make it "false"
    assert [o for o in objects if isinstance(o, BNode)]


def test_a_dry_run_that_changes_nothing(store):
    run = store.dry_run(f"DELETE DATA {{ <{E}nothing> <{P}> 1 }}")
    assert run.removed == [] and run.added == []


@pytest.mark.parametrize(
    ("update", "message"),
    [
        ("INSERT DATA { <a> ", "SPARQL syntax error"),
        (f"CREATE GRAPH <{G}>", "the update failed"),
    ],
)
def test_a_failing_dry_run_is_a_query_error(store, update, message):
    with pytest.raises(QueryError, match=message):
        store.dry_run(update, graphs=[G])
    assert len(store) == 2


def test_a_large_store_is_dry_run_on_a_checkpoint_that_is_removed(tmp_path: Path):
    store = OxigraphStore(tmp_path / "store")
    try:
        store.apply(add=[(S, P, Literal(1), None)])
        run = store.dry_run(f"INSERT DATA {{ <{S}> <{P}> 2 }}", memory_limit=0)
        assert run.added == [(S, P, Literal(2), None)]
        timed = store.dry_run(f"INSERT DATA {{ <{S}> <{P}> 3 }}", timeout=10)
        assert timed.added == [(S, P, Literal(3), None)]
        assert not list(tmp_path.glob(".dry-run-*"))
        assert len(store) == 1
    finally:
        store.close()


def test_apply_creates_and_drops_graphs_in_one_transaction(store):
    made = URIRef(f"{E}made")
    store.apply(remove=[(S, P, Literal("in g"), G)], create=[made], drop=[G])
    assert store.has_graph(made) and not store.has_graph(G)
    assert list(store.quads(made)) == []


def test_a_url_is_not_taken_for_a_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from claimgraph.errors import StoreError

    monkeypatch.chdir(tmp_path)
    with pytest.raises(StoreError, match="is a SPARQL server"):
        OxigraphStore("http://127.0.0.1:7878/query")
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_is_not_a_store_is_refused(tmp_path: Path):
    from claimgraph.errors import StoreError

    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "thesis.tex").write_text("x")
    with pytest.raises(StoreError, match="is not a claimgraph store"):
        OxigraphStore(folder)
    empty = tmp_path / "empty"
    empty.mkdir()
    OxigraphStore(empty, read_only=True).close()  # an empty folder is an empty store


# ---------------------------------------------------------------- reading and updating


def test_quads_match_a_pattern_in_every_graph_or_one(store):
    assert len(list(store.quads(subject=S, predicate=P))) == 2
    assert list(store.quads(object=Literal(1))) == [(S, P, Literal(1), None)]
    assert list(store.quads(G, subject=S)) == [(S, P, Literal("in g"), G)]
    assert list(store.quads(subject=URIRef(f"{E}other"))) == []


def test_has_graph(store):
    assert store.has_graph(G)
    assert not store.has_graph(URIRef(f"{E}none"))


def test_update_parses():
    assert update_parses("PREFIX e: <http://e/> INSERT DATA { e:s e:p 1 } ;\nCLEAR DEFAULT")
    assert not update_parses("PREFIX e: <http://e/> INSERT DATA { e:s e:p 1 } CLEAR DEFAULT")


@pytest.mark.parametrize(
    "term",
    [
        S,
        BNode("b1"),
        Literal('a\nb"c'),
        Literal("x", lang="en"),
        Literal("x y", datatype=URIRef(f"{E}type")),
    ],
)
def test_sparql_term_round_trips_through_an_update(term):
    store = OxigraphStore(":memory:")
    store.raw.update(f"INSERT DATA {{ <{S}> <{P}> {sparql_term(term)} }}")
    [(_, _, stored, _)] = store.quads()
    assert type(stored) is type(term)
    if isinstance(term, Literal):
        assert (str(stored), stored.language, stored.datatype) == (str(term), term.language, term.datatype)


def test_absolute_iri_refuses_what_is_not_one():
    with pytest.raises(ValueError):
        absolute_iri("not an iri")


# ---------------------------------------------------------------- parsing uploads


@pytest.mark.parametrize(
    ("data", "media"),
    [
        (b"<s> <p> 1, _:b .", "text/turtle"),
        (b'<http://e/s> <http://e/p> <http://e/o> .\n_:b <http://e/p> "1" .', "application/n-triples"),
        (b'{"@context": {"@vocab": "http://e/"}, "@id": "http://e/s", "p": [1, 2]}', "application/ld+json"),
        (
            b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
            b' xmlns:e="http://e/"><rdf:Description rdf:about="http://e/s"><e:p>1</e:p><e:p>2</e:p>'
            b"</rdf:Description></rdf:RDF>",
            "application/rdf+xml",
        ),
    ],
)
def test_uploads_parse_into_rdflib_triples(data, media):
    triples = parse_upload(data, media, base_iri=E)
    assert len(triples) == 2
    for triple in triples:
        assert all(isinstance(t, URIRef | BNode | Literal) for t in triple)


@pytest.mark.parametrize(
    ("data", "media", "message"),
    [
        (b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "b">]><r/>', "application/rdf+xml", "<!DOCTYPE>"),
        (b'<?xml version="1.0"?>\n\n<!ENTITY a "b"><r/>', "application/rdf+xml", "<!ENTITY>"),
        ("<r/>".encode("utf-16"), "application/rdf+xml", "must be sent as UTF-8"),
        (b'{"@context": "http://e/context.jsonld"}', "application/ld+json", "remote @context"),
        (
            b'{"@graph": [{"@context": [{"@import": "http://e/c"}]}]}',
            "application/ld+json",
            "remote @context",
        ),
        (b"{", "application/ld+json", "cannot parse the JSON-LD body"),
        (b"<s> <p> .", "text/turtle", "cannot parse the text/turtle body"),
        (b"<s> <p> <<( <a> <b> <c> )>> .", "text/turtle", "triple term"),
        (b'<s> <p> "x"@en--ltr .', "text/turtle", "base direction"),
    ],
)
def test_unsafe_or_unstorable_uploads_are_refused(data, media, message):
    with pytest.raises(BadRdf, match=message):
        parse_upload(data, media, base_iri=E)


def test_a_refused_upload_says_where():
    with pytest.raises(BadRdf) as refused:
        parse_upload(b'<?xml version="1.0"?>\n\n<!DOCTYPE r><r/>', "application/rdf+xml", base_iri=E)
    assert refused.value.line == 3
    with pytest.raises(BadRdf) as bad:
        parse_upload(b"<s> <p> <o> .\n<s> <p> .", "text/turtle", base_iri=E)
    assert bad.value.line == 2


def test_an_unknown_media_type_is_unsupported():
    with pytest.raises(UnsupportedFormat, match="send one of text/turtle"):
        parse_upload(b"a,b", "text/csv", base_iri=None)


# ---------------------------------------------------------------- counts kept at write time


def test_the_counts_stats_shows_are_kept_equal_to_a_recount(
    claimgraph: Claimgraph, store: Store, tmp_path: Path
):
    """Every figure ``stats`` shows (but the two consensus figures) is a count the store keeps
    (on a server, each commit keeps it): after loads, a replaced document, SPARQL updates and
    a withdrawal, each equals a count of the data and the query that once counted it."""
    from shutil import copytree

    from rdflib.namespace import RDF

    from claimgraph.namespaces import CG, PROV

    registry = claimgraph.mint.registry_graph

    def counted(pattern: str) -> int:
        rows = store.query(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {pattern} }}").rows
        return int(rows[0]["n"].toPython())

    def check() -> dict[str, int]:
        stats = claimgraph.stats(store)
        for name, cls in (
            ("claims", CG.Claim),
            ("documents", CG.SourceDocument),
            ("consensus_statements", CG.ConsensusStatement),
        ):
            typed = [q for q in store.quads(predicate=RDF.type, object=cls)]
            assert stats[name] == store.typed(str(cls)) == len(typed) == len({q[0] for q in typed}), name
        agents = list(store.quads(registry, predicate=RDF.type, object=PROV.Agent))
        assert stats["agents"] == len(agents) == counted(f"GRAPH <{registry}> {{ ?x a <{PROV.Agent}> }}")
        claimants = {q[2] for q in store.quads(predicate=PROV.wasAttributedTo)}
        assert stats["claimants"] == len(claimants) == counted(f"?c <{PROV.wasAttributedTo}> ?x")
        assert stats["graphs"] == len(store.graph_names())
        assert stats["quads"] == len(store) == len(list(store.quads()))
        return stats

    check()
    claimgraph.load(store, MINI)
    loaded = check()
    assert loaded["claims"] > 0 and loaded["documents"] == 2 and loaded["consensus_statements"] > 0
    assert loaded["agents"] > 0 and loaded["claimants"] > 1
    corrected = tmp_path / "mini"
    copytree(MINI, corrected)
    sheet = corrected / "doc-a.yaml"
    text = sheet.read_text(encoding="utf-8").replace("value: 14\n", "value: 12\n", 1)
    sheet.write_text(text.replace("claimant: mayor\n", "claimant: author-a\n", 1), encoding="utf-8")
    claimgraph.load(store, corrected)  # doc-a replaced: the mayor's claim is withdrawn, kept in the history
    corrected_stats = check()
    assert corrected_stats["consensus_statements"] != loaded["consensus_statements"]  # 12 against 14 no more
    # SPARQL updates: an agent added to the registry, and taken out again
    agent = URIRef(f"{claimgraph.mint.base}agent/recount-clerk")
    described = f'<{agent}> a <{PROV.Agent}> ; <http://www.w3.org/2000/01/rdf-schema#label> "Recount clerk"'
    claimgraph.update(store, f"INSERT DATA {{ GRAPH <{registry}> {{ {described} }} }}")
    assert check()["agents"] == loaded["agents"] + 1
    claimgraph.update(store, f"DELETE DATA {{ GRAPH <{registry}> {{ {described} }} }}")
    assert check()["agents"] == loaded["agents"]
    claimgraph.withdraw(store, "doc-a")
    withdrawn = check()
    assert withdrawn["documents"] == 1 and withdrawn["claims"] < loaded["claims"]
    # the store's own write: a claimant's every attribution taken away (current and withdrawn claims)
    mayor = claimgraph.mint.entity("mayor")
    store.apply(remove=list(store.quads(predicate=PROV.wasAttributedTo, object=mayor)))
    assert check()["claimants"] == withdrawn["claimants"] - 1

"""The store on a SPARQL server (claimgraph.store.remote), against real Oxigraph server and Virtuoso.

What only a server-kept store has to get right: which graphs are claimgraph's, empty graphs,
exact literals, commits that stay whole when the server refuses or stops answering, answers
cut by the server, time limits, credentials, the commit marker shared by processes, and the
pool of worker processes. The servers' own behaviour that makes each of these necessary is
shown first, on the server itself (``test_server_*``), so that the README's list of quirks
stays true.

The rest of the suite (store, loader, write path, endpoint, W3C suites) runs on these servers
too: see ``BACKEND_MODULES`` in ``conftest.py``.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from claimgraph.answers import QueryRequest, answer
from claimgraph.api import Claimgraph, SheetUpload
from claimgraph.config import Settings
from claimgraph.errors import QueryRefused, QueryTimeout, ResultTooLarge, StoreError
from claimgraph.store import Spool, Store, to_ox
from claimgraph.store.commit import Commit
from claimgraph.store.remote import RemoteStore
from claimgraph.web import create_app, get_executor

from .conftest import MINI, Servers, all_quads
from .live import free_port
from .servers import SparqlServer

MODULE_BACKENDS = ("oxigraph", "virtuoso")

E = "http://e/"
G = URIRef(f"{E}g")
P = URIRef(f"{E}p")
TOKEN = "secret"


@pytest.fixture
def server(backend: str, servers: Servers) -> SparqlServer:
    """The scratch server the test's store is on (emptied by the ``settings`` fixture)."""
    return servers.get(backend)


def n(i: int) -> URIRef:
    return URIRef(f"{E}s{i}")


def many(count: int, graph: URIRef = G) -> list[tuple]:
    return [(n(i), P, Literal(f"value {i}"), graph) for i in range(count)]


def to_ox_quad(quad: tuple) -> ox.Quad:
    return ox.Quad(*(to_ox(t) for t in quad))


# ---------------------------------------------------------------- the servers' own behaviour


def test_server_commits_each_operation_of_an_update_on_its_own_or_not(server: SparqlServer):
    """Virtuoso keeps the first operation of an update whose second fails; Oxigraph keeps
    nothing. So claimgraph commits in ONE operation, which both run as one transaction."""
    response = requests.post(
        server.update_url,
        data={"update": f"INSERT DATA {{ GRAPH <{G}> {{ <{E}s> <{E}p> 1 }} }} ; DROP GRAPH <{E}absent>"},
        timeout=30,
    )
    assert response.status_code >= 400
    kept = server.select(f"SELECT * WHERE {{ GRAPH <{G}> {{ ?s ?p ?o }} }}")
    assert len(kept) == (1 if server.kind == "virtuoso" else 0)
    server.update(f"DROP SILENT GRAPH <{G}>")


def test_server_virtuoso_cuts_answers_and_says_so_in_a_header_only(server: SparqlServer):
    if server.kind != "virtuoso":
        pytest.skip("Oxigraph server does not cut answers")
    server.update(
        f"INSERT DATA {{ GRAPH <{G}> {{ "
        + " ".join(f"<{E}s{i}> <{E}p> {i} ." for i in range(server.max_rows + 1))
        + " } }"
    )
    try:
        response = requests.post(
            server.url,
            data={"query": f"SELECT * WHERE {{ GRAPH <{G}> {{ ?s ?p ?o }} }}"},
            headers={"Accept": "application/sparql-results+json"},
            timeout=30,
        )
        assert response.status_code == 200
        assert len(response.json()["results"]["bindings"]) == server.max_rows
        assert response.headers["X-SPARQL-MaxRows"] == str(server.max_rows)
    finally:
        server.update(f"DROP SILENT GRAPH <{G}>")


def test_server_virtuoso_does_not_answer_a_direct_query_post(server: SparqlServer):
    """Why claimgraph sends every query as a form post, always with a deadline."""
    if server.kind != "virtuoso":
        pytest.skip("Virtuoso's behaviour")
    with pytest.raises(requests.Timeout):
        requests.post(
            server.url,
            data=b"SELECT * WHERE { ?s ?p ?o } LIMIT 1",
            headers={"Content-Type": "application/sparql-query"},
            timeout=3,
        )


def test_server_virtuoso_keeps_no_empty_graph_and_answers_ask_as_a_select(server: SparqlServer):
    if server.kind != "virtuoso":
        pytest.skip("Virtuoso's behaviour")
    server.update(f"CREATE SILENT GRAPH <{G}>")
    assert server.select(f"SELECT ?g WHERE {{ GRAPH ?g {{ }} FILTER (?g = <{G}>) }}") == []
    response = requests.post(
        server.url,
        data={"query": "ASK { }"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert response.json()["head"]["vars"] == ["__ASK_RETVAL"]


def test_server_types_a_boolean_expression_bound_to_a_variable(server: SparqlServer):
    """Why no named query returns an EXISTS or a comparison as a column (Virtuoso: 0 or 1)."""
    server.update(f"INSERT DATA {{ GRAPH <{G}> {{ <{E}s> <{E}p> 1 }} }}")
    [row] = server.select(f"SELECT ?b WHERE {{ BIND (EXISTS {{ GRAPH <{G}> {{ ?s ?p ?o }} }} AS ?b) }}")
    integer, boolean = str(XSD.integer), str(XSD.boolean)
    expected = (integer, "1") if server.kind == "virtuoso" else (boolean, "true")
    assert (row["b"].get("datatype"), row["b"]["value"]) == expected
    [row] = server.select(
        f'SELECT ?status WHERE {{ BIND (IF(EXISTS {{ GRAPH <{G}> {{ ?s ?p ?o }} }}, "yes", "no") AS ?status) }}'
    )
    assert row["status"]["value"] == "yes"  # as a condition it is right everywhere
    server.update(f"DROP SILENT GRAPH <{G}>")


def test_server_normalises_literals_as_the_embedded_store_does_but_virtuoso_more(server: SparqlServer):
    """Numbers are kept as values by both (``01`` is read back ``1``, as pyoxigraph does);
    Virtuoso also writes doubles its own way, lower-cases language tags, and keeps one of
    two values it finds equal under one subject and property (integer 1 and boolean true,
    a year-month and a date in it). The README lists it."""
    server.update(
        f'INSERT DATA {{ GRAPH <{G}> {{ <{E}a> <{E}p> "01"^^<{XSD.integer}> . '
        f'<{E}b> <{E}p> "1.50"^^<{XSD.decimal}> . <{E}c> <{E}p> "x"@en-GB . <{E}e> <{E}p> "1e3"^^<{XSD.double}> . '
        f'<{E}d> <{E}p> "1"^^<{XSD.integer}>, "true"^^<{XSD.boolean}> . '
        f'<{E}f> <{E}p> "2013-09"^^<{XSD.gYearMonth}>, "2013-09-01"^^<{XSD.date}> }} }}'
    )
    try:
        rows = server.select(f"SELECT ?s ?o WHERE {{ GRAPH <{G}> {{ ?s ?p ?o }} }}")
        forms = sorted((r["s"]["value"][-1], r["o"]["value"]) for r in rows)
        assert forms[:3] == [("a", "1"), ("b", "1.5"), ("c", "x")]
        rest = [f for f in forms[3:]]
        if server.kind == "virtuoso":
            assert [f for f in rest if f[0] == "e"] == [("e", "1000.0")]
            assert len([f for f in rest if f[0] == "d"]) == 1 and len([f for f in rest if f[0] == "f"]) == 1
        else:
            assert rest == [("d", "1"), ("d", "true"), ("e", "1000"), ("f", "2013-09"), ("f", "2013-09-01")]
    finally:
        server.update(f"DROP SILENT GRAPH <{G}>")


# ---------------------------------------------------------------- which graphs are claimgraph's


def test_the_stores_own_reads_see_only_its_graphs(server: SparqlServer, claimgraph: Claimgraph, store: Store):
    """What the store reads for itself (its graphs, quads, size, dumps) is its own; a query is
    sent as it is and answered over the server's whole dataset: what a shared server costs."""
    foreign = f"{E}foreign"
    server.update(f"INSERT DATA {{ GRAPH <{foreign}> {{ <{E}x> <{E}p> 'not ours' }} }}")
    try:
        claimgraph.load(store, MINI)
        names = [str(g) for g in store.graph_names()]
        assert foreign not in names and str(claimgraph.mint.consensus_graph) in names
        assert not store.has_graph(URIRef(foreign))
        assert all(str(q[3]) != foreign for q in store.quads())
        assert len(store) == len(all_quads(store))
        assert b"not ours" not in store.dump(format="nquads")
        with pytest.raises(QueryRefused, match="no such graph"):
            answer(store, QueryRequest(f"SELECT * FROM <{foreign}> WHERE {{ ?s ?p ?o }}"), max_rows=10)
        seen = store.query(f"SELECT ?o WHERE {{ <{E}x> <{E}p> ?o }}").rows
        assert [str(r["o"]) for r in seen] == ["not ours"]
    finally:
        server.update(f"DROP SILENT GRAPH <{foreign}>")


def test_no_request_carries_a_list_of_graphs(
    claimgraph: Claimgraph, store: Store, monkeypatch: pytest.MonkeyPatch
):
    """Whatever the store holds, a query goes to the server as it is: its cost does not grow
    with the number of graphs (a list of 210 graphs once made one query take 27 s)."""
    claimgraph.load(store, MINI)
    sent: list[tuple] = []
    query = store.client.query

    def watched(text, **kwargs):
        sent.append((kwargs.get("default_graphs"), kwargs.get("named_graphs")))
        return query(text, **kwargs)

    monkeypatch.setattr(store.client, "query", watched)
    claims = claimgraph.run_named(store, "casualties-by-source").rows
    answer(store, QueryRequest("SELECT ?s WHERE { ?s a ?t } LIMIT 5", format="csv"), max_rows=10)
    store.graph_names()
    assert claims and sent
    assert all(not default and not named for default, named in sent), sent


def test_a_server_without_the_union_default_graph_is_refused_with_the_fix(tmp_path: Path, settings: Settings):
    from .servers import start_oxigraph

    server = start_oxigraph(tmp_path / "plain", union=False)
    try:
        plain = Claimgraph(replace(settings, **server.settings()))
        with pytest.raises(StoreError, match="--union-default-graph"):
            plain.open_store()
    finally:
        server.stop()


def test_staged_quads_are_not_data_before_their_commit(server: SparqlServer, store: Store):
    """Staging graphs are in the server's union default graph: a staged quad must not answer
    a query until the commit switches it in."""
    store.apply(add=many(2))
    commit = Commit(
        store, [], [to_ox_quad(q) for q in many(5, URIRef(f"{E}later"))], records=[f"{E}later"], dropped=[]
    )
    try:
        commit._stage()
        rows = store.query(f"SELECT ?s WHERE {{ ?s <{P}> ?o }}").rows
        assert len(rows) == 2
    finally:
        commit._clean()
    assert len(store) == 2


def test_the_count_of_quads_is_kept_by_each_commit(claimgraph: Claimgraph, store: Store):
    """``len`` (and ``stats``) read the count each commit keeps, not a count over the store; it
    stays exact when a commit adds quads that are there already or removes some that are not."""
    claimgraph.load(store, MINI)
    assert len(store) == len(all_quads(store))
    store.apply(add=many(5))
    store.apply(add=many(7), remove=[(n(99), P, Literal("absent"), G)])
    assert len(store) == len(all_quads(store))
    claimgraph.withdraw(store, "doc-a")
    assert len(store) == len(all_quads(store))


def test_the_counts_of_types_are_kept_by_each_commit(
    server: SparqlServer, claimgraph: Claimgraph, store: Store
):
    """``stats`` reads the counts of claims, documents and consensus statements the commits keep
    in the register (a large load's spooled quads counted as they are staged), never a count
    over the store; tests/test_store.py checks them against a recount on every backend."""
    from claimgraph.store import register

    claimgraph.load(store, MINI)
    kept = {
        row["p"]["value"]: int(row["n"]["value"])
        for row in server.select(
            'SELECT ?p ?n WHERE { GRAPH <urn:claimgraph:register> { ?s ?p ?n FILTER STRSTARTS(STR(?p), "urn:claimgraph:typed:") } }'
        )
    }
    assert kept == {f"urn:claimgraph:typed:{cls}": store.typed(cls) for cls in register.KEPT_TYPES}
    assert kept[f"urn:claimgraph:typed:{register.KEPT_TYPES[0]}"] > 0
    # What stats shows is what the register holds: no count over the data.
    claims = f"<urn:claimgraph:typed:{register.KEPT_TYPES[0]}>"
    server.update(
        f"DELETE WHERE {{ GRAPH <urn:claimgraph:register> {{ ?s {claims} ?n }} }} ;"
        f" INSERT DATA {{ GRAPH <urn:claimgraph:register> {{ <urn:claimgraph:store> {claims} 999 }} }}"
    )
    assert claimgraph.stats(store)["claims"] == 999


def test_an_empty_graph_is_kept_by_the_store(server: SparqlServer, store: Store):
    store.apply(create=[G])
    assert store.has_graph(G) and G in store.graph_names() and list(store.quads(G)) == []
    store.apply(drop=[G])
    assert not store.has_graph(G)


@pytest.mark.parametrize("in_memory", [True, False], ids=["in memory", "in a file"])
def test_a_spool_of_new_graphs_is_committed_with_the_rest(store: Store, in_memory: bool):
    """The write path's spool (new graphs as N-Triples text) is staged and switched in with
    the commit's other quads, from memory or, past its size, read back from its file."""
    spool = Spool(None, memory_quads=10 if in_memory else 1)
    try:
        for graph in (URIRef(f"{E}new1"), URIRef(f"{E}new2")):
            spool.add(graph, f'<{E}a> <{E}p> "in {graph}" .\n<{E}b> <{E}p> <{E}c> .\n', 2)
        assert spool.bulk is not in_memory
        store.apply(add=many(3), spool=spool)
    finally:
        spool.close()
    assert len(list(store.quads(G))) == 3
    for graph in ("new1", "new2"):
        got = {(str(q[0]), str(q[2])) for q in store.quads(URIRef(f"{E}{graph}"))}
        assert got == {(f"{E}a", f"in {E}{graph}"), (f"{E}b", f"{E}c")}


def _spool_of(graphs: int, quads: int) -> Spool:
    spool = Spool(None)
    for g in range(graphs):
        graph = URIRef(f"{E}new{g}")
        spool.add(graph, "".join(f'<{E}s{i}> <{E}p> "{i} in {g}" .\n' for i in range(quads)), quads)
    return spool


@pytest.fixture
def small_moves(monkeypatch: pytest.MonkeyPatch) -> None:
    """A commit of more than 4 staged quads is large: its new graphs move before the switch."""
    import claimgraph.store.commit
    import claimgraph.store.moves

    monkeypatch.setattr(claimgraph.store.commit, "MOVE_QUADS", 4)
    monkeypatch.setattr(claimgraph.store.commit, "SPOOL_CHUNK", 4)
    monkeypatch.setattr(claimgraph.store.moves, "MOVE_QUADS", 4)


def _moved_graphs(server: SparqlServer) -> list[str]:
    """Graphs of the server named like the spools' below, whether the store records them or not."""
    rows = server.select(
        f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER STRSTARTS(STR(?g), "{E}new") }}'
    )
    return sorted(row["g"]["value"] for row in rows)


def _pending(server: SparqlServer) -> list[dict]:
    return server.select(
        "SELECT * WHERE { GRAPH <urn:claimgraph:register> { ?c <urn:claimgraph:pending> ?g } }"
    )


def test_a_large_commit_moves_its_new_graphs_in_bounded_operations(
    server: SparqlServer, store: Store, small_moves: None, monkeypatch: pytest.MonkeyPatch
):
    """One operation moving a whole load ran past Virtuoso's time limit: a large commit moves
    its new graphs in operations of at most MOVE_QUADS quads, then switches in one."""
    sent: list[str] = []
    update = store.client.update

    def counted(text: str, **kwargs):
        sent.append(text)
        return update(text, **kwargs)

    monkeypatch.setattr(store.client, "update", counted)
    store.apply(add=many(3))
    spool = _spool_of(3, 6)  # 18 quads staged in chunks of 4 + 2 a graph, and 2 quads to a new graph
    try:
        store.apply(add=many(2, URIRef(f"{E}other")), spool=spool)
    finally:
        spool.close()
    moves = [text for text in sent if text.startswith("INSERT { GRAPH ?g")]
    assert len(moves) == 7  # one for each chunk: none of two makes 4 or fewer
    assert len(store) == 3 + 2 + 18 == len(all_quads(store))
    assert sorted(str(g) for g in store.graph_names()) == sorted(
        [str(G), f"{E}other", *_moved_graphs(server)]
    )
    for g in range(3):
        got = {(str(q[0]), str(q[2])) for q in store.quads(URIRef(f"{E}new{g}"))}
        assert got == {(f"{E}s{i}", f"{i} in {g}") for i in range(6)}
    assert not _pending(server)
    assert not [g for g in server.graphs() if g.startswith("urn:claimgraph:stage:")]


def test_a_large_commit_whose_switch_fails_drops_what_it_moved(
    server: SparqlServer, store: Store, small_moves: None, monkeypatch: pytest.MonkeyPatch
):
    store.apply(add=many(3))
    before = all_quads(store)
    operation = Commit.operation
    monkeypatch.setattr(Commit, "operation", lambda self: operation(self) + " BROKEN")
    spool = _spool_of(2, 6)
    try:
        with pytest.raises(StoreError, match="nothing was written"):
            store.apply(add=many(2, URIRef(f"{E}other")), spool=spool)
    finally:
        spool.close()
    assert all_quads(store) == before and len(store) == 3
    assert _moved_graphs(server) == [] and not _pending(server)
    assert not [g for g in server.graphs() if g.startswith("urn:claimgraph:stage:")]


def test_graphs_moved_by_a_commit_that_died_are_dropped_by_the_next_writer(
    server: SparqlServer, store: Store, small_moves: None, monkeypatch: pytest.MonkeyPatch
):
    """A process that dies between its moves and its switch leaves graphs the store does not
    record (a query sees them); the next writer, holding the lease, drops them."""

    class Died(BaseException):
        pass

    def die(self):
        raise Died

    switch = Commit._switch
    monkeypatch.setattr(Commit, "_switch", die)
    spool = _spool_of(2, 6)
    try:
        with pytest.raises(Died):
            store.apply(add=many(3), spool=spool)
    finally:
        spool.close()
    assert _moved_graphs(server) == [f"{E}new0", f"{E}new1"] and len(_pending(server)) == 3  # and G
    assert len(store) == 0 and store.graph_names() == []
    monkeypatch.setattr(Commit, "_switch", switch)
    store.apply(add=many(1))
    assert _moved_graphs(server) == [] and not _pending(server)
    assert len(store) == 1 == len(all_quads(store))


def test_names_claimgraph_keeps_for_itself_are_refused(store: Store):
    with pytest.raises(StoreError, match="keeps for itself"):
        store.apply(add=[(n(1), P, Literal(1), URIRef("urn:claimgraph:register"))])


def test_the_protocols_dataset_replaces_the_querys_from(claimgraph: Claimgraph, store: Store):
    claimgraph.load(store, MINI)
    doc_a, doc_b = (str(claimgraph.mint.base) + f"graph/document/doc-{x}" for x in "ab")
    text = f"SELECT (COUNT(*) AS ?n) FROM <{doc_a}> WHERE {{ ?s ?p ?o }}"
    only_b = len(list(store.quads(URIRef(doc_b))))
    got = answer(store, QueryRequest(text, format="csv", default_graphs=(doc_b,)), max_rows=10)
    assert got.body.split()[-1] == str(only_b).encode()


# ---------------------------------------------------------------- exact literals


TRICKY = [
    Literal("  spaced  "),
    Literal("a\r\nb\rc"),
    Literal("é ✓ 𝄞"),
    Literal('quote " and \\ backslash\ttab'),
    Literal("x", lang="en-gb"),  # Virtuoso writes language tags in lower case
    Literal("2013-09", datatype=XSD.gYearMonth),
    Literal("--09-01", datatype=XSD.gMonthDay),
    Literal("2013-09-01", datatype=XSD.date),
    Literal("1988", datatype=XSD.gYear),
    Literal("true", datatype=XSD.boolean),
    Literal("52", datatype=XSD.integer),
    Literal("x y", datatype=URIRef(f"{E}type")),
    Literal("long " * 4000),
]


def test_literals_keep_their_lexical_forms(store: Store):
    # One subject each: Virtuoso compares values per subject and property (see above).
    written = {(n(i), P, literal, G) for i, literal in enumerate(TRICKY)}
    store.apply(add=sorted(written, key=str))
    read = set(store.quads(G, exact=True))
    assert {(q[0], str(q[2]), q[2].datatype, q[2].language) for q in read} == {
        (q[0], str(q[2]), q[2].datatype, q[2].language) for q in written
    }
    dumped = {str(q.object) for q in ox.parse(store.dump(format="nquads"), ox.RdfFormat.N_QUADS)}
    assert dumped == {str(to_ox(t)) for t in TRICKY}
    # A quad read can be removed by value: the diff of the write path works.
    store.apply(remove=sorted(read, key=str))
    assert list(store.quads(G)) == []


# ---------------------------------------------------------------- answers the server cuts


def test_reads_page_through_the_servers_row_limit(server: SparqlServer, store: Store):
    count = 2500  # more than the Virtuoso scratch server's ResultSetMaxRows (1,000)
    store.apply(add=many(count))
    assert len(store) == count
    assert {q[0] for q in store.quads(G)} == {n(i) for i in range(count)}
    assert len(store.dump(format="nt", graph=G).splitlines()) == count


def test_reads_page_past_the_servers_sort_limit(server: SparqlServer, store: Store):
    """A graph of more than 10,000 quads read whole: Virtuoso refuses an ordered page that ends
    past its MaxSortedTopRows (10,000 by default; "SR353: Sorted TOP clause specifies more
    then 20000 rows"), which a withdrawal on a 10,000-claim store on Virtuoso had run into."""
    count = 10_500
    store.apply(add=many(count))
    assert {q[0] for q in store.quads(G)} == {n(i) for i in range(count)}
    assert len(list(store.quads())) == count


def test_the_search_index_reads_past_the_servers_row_limit(
    server: SparqlServer, claimgraph: Claimgraph, store: Store
):
    """The work after a commit reads the search index's entries graph by graph, and a graph
    past the server's row limit (Virtuoso's scratch server: 1,000) in pages: a 10,000-claim
    load onto Virtuoso had warned that this read was cut."""
    from rdflib.namespace import RDFS

    other = URIRef(f"{E}other")
    names = [(n(i), RDFS.label, Literal(f"name{i}"), G) for i in range(1500)]
    store.apply(
        add=names + [(URIRef(f"{E}o{i}"), RDFS.label, Literal(f"other{i}"), other) for i in range(600)]
    )
    before = len(claimgraph.search_index)  # the entries of the stores of the module's earlier tests
    claimgraph.committed(store, [G, other])
    assert len(claimgraph.search_index) == before + 2100
    assert [hit.label for hit in claimgraph.search_index.search("name1499")] == ["name1499"]
    claimgraph.committed(store)  # the whole index again
    assert len(claimgraph.search_index) == 2100


def test_an_answer_the_server_cut_is_refused(server: SparqlServer, settings: Settings, store: Store):
    if server.kind != "virtuoso":
        pytest.skip("Oxigraph server does not cut answers")
    store.apply(add=many(1500))
    text = f"SELECT ?s WHERE {{ GRAPH <{G}> {{ ?s ?p ?o }} }}"
    with pytest.raises(ResultTooLarge, match="the SPARQL server cut it there"):
        answer(store, QueryRequest(text), max_rows=10000)
    with pytest.raises(ResultTooLarge):
        store.query(text)
    client = create_app(claimgraph=Claimgraph(settings)).test_client()
    response = client.get("/sparql", query_string={"query": text})
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "result-too-large"
    small = answer(store, QueryRequest(text + " LIMIT 999", format="csv"), max_rows=10000)
    assert len(small.body.splitlines()) == 1000  # header and 999 rows: under the cut, whole


# ---------------------------------------------------------------- writes stay whole


def test_a_commit_the_server_refuses_writes_nothing(
    server: SparqlServer, store: Store, monkeypatch: pytest.MonkeyPatch
):
    store.apply(add=many(3))
    before = all_quads(store)
    operation = Commit.operation
    monkeypatch.setattr(Commit, "operation", lambda self: operation(self) + " BROKEN")
    with pytest.raises(StoreError, match="nothing was written"):
        store.apply(add=many(50, URIRef(f"{E}other")), remove=sorted(before, key=str))
    assert all_quads(store) == before
    assert not [g for g in server.graphs() if g.startswith("urn:claimgraph:stage:")]


def test_a_commit_whose_staging_was_lost_writes_nothing(
    server: SparqlServer, store: Store, monkeypatch: pytest.MonkeyPatch
):
    """Another process dropped the staging (its ticket) before the switch: nothing is applied."""
    stage = Commit._stage

    def lose_the_ticket(self):
        stage(self)
        server.update(f"DROP SILENT GRAPH <{self.ticket}>")

    monkeypatch.setattr(Commit, "_stage", lose_the_ticket)
    with pytest.raises(StoreError, match="nothing was written"):
        store.apply(add=many(10))
    assert len(store) == 0 and not store.has_graph(G)


def test_a_commit_that_times_out_is_whole_and_says_what_is_known(
    server: SparqlServer, store: Store, monkeypatch: pytest.MonkeyPatch
):
    """The switch gets no answer in time. A server cannot be made to stop it (Oxigraph server
    commits it beside the withdrawal of its ticket), but it is one operation: claimgraph
    watches, and reports it applied, or not applied so far and whole either way."""
    count = 30000
    switch = Commit._switch

    def impatient(self):
        self.timeout = 0.05  # the staging had its time; the switch gets a twentieth of a second
        switch(self)

    monkeypatch.setattr(Commit, "_switch", impatient)
    try:
        store.apply(add=many(count))
    except StoreError as error:
        assert "whole" in str(error) and "claimgraph stats" in str(error)
        time.sleep(2)
    assert len(store) in (0, count)  # never part of the batch
    assert not [g for g in server.graphs() if g.startswith("urn:claimgraph:stage:")]


def test_a_load_that_committed_is_not_reported_failed(
    server: SparqlServer, runner, settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    """The work after a commit (here the search index, whose read times out as a 20,000-claim
    load's did) fails: the load says "committed" with a warning, and exits 0."""
    import claimgraph.app.commits
    from claimgraph.cli import main

    def late(*args, **kwargs):
        raise QueryTimeout("the SPARQL server did not send the whole query within 30 s")

    monkeypatch.setattr(claimgraph.app.commits, "update_index", late)
    environ = {
        "CLAIMGRAPH_STORE": server.url,
        "CLAIMGRAPH_UPDATE_URL": server.update_url,
        "CLAIMGRAPH_GSP_URL": server.gsp_url,
        "CLAIMGRAPH_BASE_IRI": settings.base_iri,
        "CLAIMGRAPH_ONTOLOGY_DIR": settings.ontology_dir,
    }
    result = runner.invoke(main, ["load", str(MINI)], obj={"environ": environ})
    assert result.exit_code == 0, result.output
    assert "committed" in result.stdout and "warning: the write is committed" in result.stderr
    store = Claimgraph(settings).open_store()
    try:
        assert len(store) == len(all_quads(store)) > 0
    finally:
        store.close()


# ---------------------------------------------------------------- time limits


def too_long(backend: str) -> str:
    """A query that runs past a limit of a second or two.

    Virtuoso stops a query at the limit it is sent, so a cross product of the store with itself
    does. Oxigraph server does not stop a query whose client gave up (not even with
    ``--timeout-s``, in 0.5): it would compute that cross product for the rest of the session,
    on one of the machine's cores. It gets twenty million rows of VALUES instead: seconds of work
    whatever the store holds (about 5 s on an idle machine), then it ends.
    """
    if backend == "oxigraph":
        thousand = " ".join(str(i) for i in range(1000))
        return (
            f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?x {{ {thousand} }} VALUES ?y {{ {thousand} }} "
            f"VALUES ?z {{ {' '.join(str(i) for i in range(20))} }} }}"
        )
    return "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def test_a_query_past_the_time_limit_is_stopped(claimgraph: Claimgraph, settings: Settings, backend: str):
    """Virtuoso stops it at the limit it is sent (and would answer with what it had: refused);
    Oxigraph server does not, and claimgraph's own deadline stops waiting."""
    quick = Claimgraph(replace(settings, query_timeout=1.0))
    store = quick.open_store()
    try:
        claimgraph.load(store, MINI)
        started = time.monotonic()
        with pytest.raises(QueryTimeout):
            answer(store, QueryRequest(too_long(backend)), max_rows=10)
        assert time.monotonic() - started < 10
    finally:
        store.close()


def test_worker_processes_open_the_servers_store_and_are_stopped_at_the_limit(
    claimgraph: Claimgraph, settings: Settings, backend: str
):
    claimgraph.load(claimgraph.open_store(), MINI)
    served = Claimgraph(replace(settings, query_timeout=1.5, query_workers=1))
    executor = served.executor(processes=True)
    try:
        count = QueryRequest(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{P}> ?o }}", format="csv")
        first = executor.query(count)
        with pytest.raises(QueryTimeout):
            executor.query(QueryRequest(too_long(backend)))
        executor.write(lambda store: store.apply(add=many(5, URIRef(f"{E}open"))))
        after = executor.query(count)
        assert int(after.body.split()[-1]) == int(first.body.split()[-1]) + 5
    finally:
        executor.close()


# ---------------------------------------------------------------- the commit marker


def test_the_commit_marker_is_kept_on_the_server(settings: Settings):
    writer, reader = Claimgraph(settings), Claimgraph(settings)
    before = reader.marker
    store = writer.open_store()
    try:
        writer.load(store, MINI)
    finally:
        store.close()
    assert writer.marker.count == before.count + 1
    reader._marker_read = 0.0  # past the second it trusts a marker it read
    assert reader.marker == writer.marker


def test_the_etag_changes_after_a_write(settings: Settings):
    cg = Claimgraph(replace(settings, token=TOKEN, open_graphs=E))
    store = cg.open_store()
    cg.load(store, MINI)
    store.close()
    application = create_app(claimgraph=cg)
    client = application.test_client()
    page = "/entity/flood-2020"
    first = client.get(page, headers={"Accept": "text/turtle"})
    assert first.status_code == 200
    assert (
        client.get(
            page, headers={"If-None-Match": first.headers["ETag"], "Accept": "text/turtle"}
        ).status_code
        == 304
    )
    written = client.put(
        f"/rdf-graph-store?graph={E}g",
        data=f"<{E}s> a <{E}T> .",
        content_type="text/turtle",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert written.status_code == 201
    second = client.get(page, headers={"Accept": "text/turtle"})
    assert second.headers["ETag"] != first.headers["ETag"]
    with application.app_context():
        get_executor().close()


# ---------------------------------------------------------------- several processes on one server


def _document(i: int) -> tuple[bytes, str]:
    """Report ``i``: the flood ended on 3 May (``i`` 0, 1, 4, 5) or on 4 May (2, 3). The
    writes contest one fact, and each pair sent at once through the two processes gives the
    same date: a write planned on a store the other has moved since keeps a count (of the
    claims and documents behind a contested value) that no sequence of the same writes makes."""
    day = 3 + (i // 2) % 2
    text = f"On {day} May 2020 the river flood ended, the agency said in report {i}.\n".encode()
    sheet = f"""\
document:
  id: doc-p{i}
  file: doc-p{i}.txt
  sha256: {hashlib.sha256(text).hexdigest()}
  creator: agency
  language: en
claims:
  - subject: flood-2020
    predicate: schema:endDate
    value: 2020-05-0{day}
    claimant: agency
    quote: On {day} May 2020 the river flood ended
"""
    return text, sheet


def _post(url: str, i: int) -> requests.Response:
    text, sheet = _document(i)
    files = {"sheet": (f"doc-p{i}.yaml", sheet.encode()), "document": (f"doc-p{i}.txt", text)}
    return requests.post(
        url + "/claims", files=files, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=300
    )


def test_two_serve_processes_on_one_server_serialise_their_writes(
    server: SparqlServer, claimgraph: Claimgraph, store: Store
):
    """Two ``claimgraph serve`` on one server, writing at once: every acknowledged write is
    there once, each is seen by the other process at once, and the consensus is the one the
    same writes make one after another (none lost, none interleaved with another)."""
    from concurrent.futures import ThreadPoolExecutor

    from claimgraph.namespaces import CG

    from .live import live_server, settings_for

    claimgraph.load(store, MINI)
    options = {"update_url": server.update_url, "gsp_url": server.gsp_url, "token": TOKEN}
    count = 6
    with live_server(server.url, **options) as one, live_server(server.url, **options) as two:
        urls = [one.url, two.url]
        with ThreadPoolExecutor(max_workers=count) as pool:
            answers = list(pool.map(lambda i: _post(urls[i % 2], i), range(count)))
        assert [a.status_code for a in answers] == [201] * count, [a.text[:300] for a in answers]
        for i, answered in enumerate(answers):
            [claim] = answered.json()["claims"]
            seen = requests.post(
                urls[(i + 1) % 2] + "/sparql",
                data={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ <{claim}> a <{CG}Claim> }}"},
                headers={"Accept": "application/sparql-results+json"},
                timeout=60,
            ).json()["results"]["bindings"]
            assert seen[0]["n"]["value"] == "1", (i, claim)
    consensus = URIRef(str(claimgraph.mint.consensus_graph))
    together = {q[:3] for q in store.quads(consensus)}
    alone = Claimgraph(settings_for(":memory:"))
    memory = alone.open_store()
    alone.load(memory, MINI)
    for i in range(count):
        text, sheet = _document(i)
        alone.add_sheet(memory, SheetUpload(sheet=sheet, name=f"doc-p{i}.yaml", document=text))
    assert {q[:3] for q in memory.quads(consensus)} == together
    assert len(store) == len(all_quads(store))


# ---------------------------------------------------------------- reaching the server


def test_an_unreachable_server_is_a_store_error(tmp_path: Path):
    from .live import settings_for

    cg = Claimgraph(settings_for(f"http://127.0.0.1:{free_port()}/query"))
    with pytest.raises(StoreError, match="cannot reach the SPARQL server"):
        cg.open_store()


def test_writes_staged_without_a_graph_store(
    server: SparqlServer, claimgraph: Claimgraph, settings: Settings, store: Store
):
    """Without CLAIMGRAPH_GSP_URL a commit is staged by INSERT DATA, in chunks: the same store."""
    history = URIRef(f"{claimgraph.mint.base}graph/history")  # its entries name the time of each write

    def written(store: Store) -> set[tuple]:
        return {q for q in all_quads(store) if q[3] != history}

    claimgraph.load(store, MINI)
    expected = written(store)
    server.clear()
    plain = Claimgraph(replace(settings, gsp_url=""))
    other = plain.open_store()
    try:
        plain.load(other, MINI)
        assert written(other) == expected
    finally:
        other.close()


def test_credentials_answered_by_digest(server: SparqlServer, settings: Settings):
    if server.kind != "virtuoso":
        pytest.skip("Oxigraph server has no authentication")
    secured = f"{server.origin}/sparql-auth"
    cg = Claimgraph(
        replace(
            settings, store=secured, update_url=secured, gsp_url="", store_user="dba", store_password="dba"
        )
    )
    store = cg.open_store()
    try:
        store.apply(add=many(3))
        assert len(store) == 3
    finally:
        store.close()
    wrong = Claimgraph(replace(cg.settings, store_password="wrong"))
    with pytest.raises(StoreError, match="CLAIMGRAPH_STORE_USER"):
        wrong.open_store().graph_names()


def test_the_store_is_a_remote_store(store: Store):
    assert isinstance(store, RemoteStore)

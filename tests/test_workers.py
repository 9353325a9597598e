"""Answers and executors: negotiated bytes, row caps, and a worker pool that survives hostile queries."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pyoxigraph as ox
import pytest

from claimgraph import formats
from claimgraph.answers import DumpRequest, QueryRequest, answer
from claimgraph.errors import (
    NotAcceptable,
    NotFound,
    QueryRefused,
    QueryTimeout,
    ResultTooLarge,
    StoreError,
    WorkerCrashed,
)
from claimgraph.store import OxigraphStore
from claimgraph.workers import InlineExecutor, ProcessExecutor

TRIPLES = 3000
#: A triple cross join over TRIPLES triples: 2.7e10 solutions, never finishes.
EXPENSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"
#: What the pool is given to run.
ANSWER = partial(answer, max_rows=5000)
SHORT = QueryRequest("SELECT ?o WHERE { <http://x/s1> <http://x/p> ?o }", format="csv")


def fill(path: Path, count: int = TRIPLES) -> None:
    store = OxigraphStore(path)
    body = " ".join(f"<http://x/s{i}> <http://x/p> {i} ." for i in range(count))
    store.raw.update(f"INSERT DATA {{ {body} GRAPH <http://x/g> {{ <http://x/a> <http://x/b> 'in g' }} }}")
    store.close()


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("executor") / "store"
    fill(path)
    return path


@pytest.fixture
def pool(store_path: Path) -> Iterator[ProcessExecutor]:
    executor = ProcessExecutor(store_path, ANSWER, workers=2, timeout=1.0)
    yield executor
    executor.close()


def alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def run_in_thread(fn, *args, **kwargs) -> tuple[threading.Thread, dict]:
    out: dict = {}

    def target() -> None:
        try:
            out["value"] = fn(*args, **kwargs)
        except Exception as exc:
            out["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    return thread, out


# answers: what a worker runs


@pytest.fixture
def memory_store() -> Iterator[OxigraphStore]:
    store = OxigraphStore(":memory:")
    store.raw.update(
        "INSERT DATA { <http://x/s> <http://x/p> 'a\\tb\\n\"c\"'@en , 52 , _:b . "
        "<http://x/s> <http://x/q> <<( <http://x/s> <http://x/p> 52 )>> }"
    )
    yield store
    store.close()


RESULTS = [f for f in formats.FORMATS if f.kind == "results"]
RDF = [f for f in formats.FORMATS if f.is_rdf]


@pytest.mark.parametrize("fmt", RESULTS, ids=lambda f: f.name)
def test_select_in_every_results_format_matches_pyoxigraph(memory_store, fmt):
    name = fmt.name
    query = "SELECT ?s ?o ?missing WHERE { ?s ?p ?o } ORDER BY STR(?o)"
    got = answer(memory_store, QueryRequest(query, format=name), max_rows=10)
    expected = memory_store.raw.query(query, use_default_graph_as_union=True).serialize(
        format=getattr(ox.QueryResultsFormat, fmt.engine)
    )
    assert (got.kind, got.media_type) == ("select", fmt.media_type)
    if name == "json":  # blank node labels differ between runs; compare the rest
        got_rows = json.loads(got.body)["results"]["bindings"]
        want_rows = json.loads(expected)["results"]["bindings"]
        assert [sorted(r) for r in got_rows] == [sorted(r) for r in want_rows]
        assert len(got_rows) == 4
    else:
        assert got.body.count(b"\n") == expected.count(b"\n")


@pytest.mark.parametrize("fmt", RDF, ids=lambda f: f.name)
def test_construct_in_every_rdf_format(memory_store, fmt):
    query = "CONSTRUCT WHERE { ?s <http://x/p> ?o }"
    got = answer(memory_store, QueryRequest(query, format=fmt.name), max_rows=10)
    assert (got.kind, got.media_type) == ("graph", fmt.media_type)
    parsed = list(ox.parse(got.body, getattr(ox.RdfFormat, fmt.engine)))
    assert len(parsed) == 3 and all(str(q.subject) == "<http://x/s>" for q in parsed)


@pytest.mark.parametrize("fmt", RDF, ids=lambda f: f.name)
def test_a_dump_is_the_engine_s_serialisation(memory_store, fmt):
    memory_store.raw.update("INSERT DATA { GRAPH <http://x/g> { <http://x/a> <http://x/b> 'in g' } }")
    got = answer(memory_store, DumpRequest(graph="http://x/g", format=fmt.name), max_rows=0)
    [quad] = ox.parse(got.body, getattr(ox.RdfFormat, fmt.engine))
    assert (str(quad.subject), quad.object.value) == ("<http://x/a>", "in g")
    with pytest.raises(NotFound):
        answer(memory_store, DumpRequest(graph="http://x/nowhere"), max_rows=0)


def test_a_format_that_cannot_write_the_answer_is_not_acceptable(memory_store):
    request = QueryRequest("CONSTRUCT WHERE { ?s <http://x/q> ?o }", format="jsonld")
    with pytest.raises(NotAcceptable, match="ld\\+json"):
        answer(memory_store, request, max_rows=10)


def test_ask_and_negotiation(memory_store):
    got = answer(
        memory_store, QueryRequest("ASK { ?s ?p 52 }", accept="application/sparql-results+xml"), max_rows=1
    )
    assert got.media_type == "application/sparql-results+xml" and b"<boolean>true</boolean>" in got.body
    with pytest.raises(NotAcceptable):
        answer(memory_store, QueryRequest("ASK { ?s ?p 52 }", accept="image/png"), max_rows=1)


@pytest.mark.parametrize(("query", "limit", "too_large"), [
    ("SELECT ?o WHERE { ?s <http://x/p> ?o }", 3, False),
    ("SELECT ?o WHERE { ?s <http://x/p> ?o }", 2, True),
    ("CONSTRUCT WHERE { ?s ?p ?o }", 4, False),
    ("CONSTRUCT WHERE { ?s ?p ?o }", 3, True),
])  # fmt: skip
def test_row_limit_is_exact(memory_store, query, limit, too_large):
    request = QueryRequest(query, format="tsv" if "SELECT" in query else "nt")
    if too_large:
        with pytest.raises(ResultTooLarge, match=f"more than {limit}"):
            answer(memory_store, request, max_rows=limit)
    else:
        body = answer(memory_store, request, max_rows=limit).body
        lines = body.decode().strip().split("\n")
        assert len(lines) == limit + (1 if "SELECT" in query else 0)


def test_the_one_inspection_refuses_before_the_engine(memory_store):
    """Deep nesting never reaches pyoxigraph, and the dataset may name only graphs the store holds."""
    with pytest.raises(QueryRefused):
        answer(memory_store, QueryRequest("ASK " + "{" * 5000 + "}" * 5000), max_rows=1)
    with pytest.raises(QueryRefused, match="no such graph"):
        answer(memory_store, QueryRequest("SELECT * FROM <http://evil/x.ttl> { ?s ?p ?o }"), max_rows=1)


# ProcessExecutor


def test_answers_like_the_inline_executor(pool, store_path):
    request = QueryRequest("SELECT ?o WHERE { ?s <http://x/p> ?o } ORDER BY ?o LIMIT 3", format="csv")
    assert pool.query(request).body == b"o\r\n0\r\n1\r\n2\r\n"
    pool.close()
    inline = InlineExecutor(OxigraphStore(store_path, read_only=True), ANSWER)
    try:
        assert inline.query(request) == pool_answer_after_reopen(store_path, request)
    finally:
        inline.close()


def pool_answer_after_reopen(store_path: Path, request: QueryRequest):
    with ProcessExecutor(store_path, ANSWER, workers=1, timeout=5) as executor:
        return executor.query(request)


def test_timeout_kills_the_worker_and_frees_the_cpu(pool):
    pids = pool.pids()
    ticks: list[int] = []

    def sample() -> None:
        time.sleep(0.6)
        ticks.extend(cpu_ticks(pid) for pid in pids if alive(pid))

    sampler, _ = run_in_thread(sample)
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="longer than 1 s"):
        pool.query(QueryRequest(EXPENSIVE))
    elapsed = time.monotonic() - started
    sampler.join()
    assert elapsed < 3.0  # a 1 s limit, with room for a busy machine; the query itself never ends
    assert max(ticks) > 20  # the query really was burning CPU (clock ticks of 10 ms)...
    killed = [pid for pid in pids if not alive(pid)]
    assert len(killed) == 1  # ...and its process is gone, not left running
    assert len(pool.pids()) == 2 and killed[0] not in pool.pids()
    assert pool.query(SHORT).body == b"o\r\n1\r\n"


def test_a_crashed_worker_is_reported_and_replaced(store_path):
    with ProcessExecutor(store_path, ANSWER, workers=1, timeout=10) as executor:
        [pid] = executor.pids()
        killer = threading.Timer(0.3, os.kill, (pid, signal.SIGSEGV))
        killer.start()
        with pytest.raises(WorkerCrashed, match="SIGSEGV"):
            executor.query(QueryRequest(EXPENSIVE))
        assert not alive(pid)
        assert executor.query(SHORT).body == b"o\r\n1\r\n"
        assert executor.pids() != [pid]


def test_hostile_queries_are_refused_without_harming_a_worker(pool):
    pids = pool.pids()
    for text in [
        "SELECT * WHERE " + "{" * 5000 + "}" * 5000,
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "LOAD <http://127.0.0.1:9/x.ttl>",
    ]:
        with pytest.raises(QueryRefused):
            pool.query(QueryRequest(text))
    assert pool.pids() == pids and all(alive(pid) for pid in pids)


def test_from_is_checked_against_the_store(pool):
    ok = pool.query(QueryRequest("SELECT ?o FROM <http://x/g> WHERE { ?s ?p ?o }", format="csv"))
    assert ok.body == b"o\r\nin g\r\n"  # FROM defines the dataset: the union default graph is off
    named = "SELECT ?o FROM NAMED <http://x/g> WHERE { ?s ?p ?o }"
    assert pool.query(QueryRequest(named, format="csv")).body == b"o\r\n"
    with pytest.raises(QueryRefused, match="no such graph"):
        pool.query(QueryRequest("SELECT * FROM NAMED <http://127.0.0.1:9/data.ttl> WHERE { ?s ?p ?o }"))


def test_row_limit_through_the_pool(store_path):
    with ProcessExecutor(store_path, partial(answer, max_rows=10), workers=1, timeout=5) as executor:
        body = executor.query(QueryRequest("SELECT ?s WHERE { ?s <http://x/p> ?o } LIMIT 10", format="tsv"))
        assert body.body.count(b"\n") == 11
        with pytest.raises(ResultTooLarge):
            executor.query(QueryRequest("SELECT ?s WHERE { ?s <http://x/p> ?o } LIMIT 11"))


def test_a_long_query_does_not_block_a_short_one(pool):
    thread, out = run_in_thread(pool.query, QueryRequest(EXPENSIVE), timeout=3)
    time.sleep(0.2)
    started = time.monotonic()
    assert pool.query(SHORT).body == b"o\r\n1\r\n"
    assert time.monotonic() - started < 1.5  # the long one runs for 3 s
    thread.join()
    assert isinstance(out["error"], QueryTimeout)


def test_waiting_for_a_free_worker_is_bounded(store_path):
    with ProcessExecutor(store_path, ANSWER, workers=1, timeout=3) as executor:
        thread, _ = run_in_thread(executor.query, QueryRequest(EXPENSIVE))
        time.sleep(0.2)
        started = time.monotonic()
        with pytest.raises(QueryTimeout, match="no query worker was free"):
            executor.query(SHORT, timeout=0.5)
        assert time.monotonic() - started < 1.0
        thread.join()


def test_concurrent_queries_are_all_answered(pool):
    def ask(i: int) -> list[bytes]:
        request = QueryRequest(f"SELECT ?o WHERE {{ <http://x/s{i}> ?p ?o }}", format="csv")
        return [pool.query(request, timeout=10).body for _ in range(10)]

    runs = [run_in_thread(ask, i) for i in range(8)]
    for thread, _ in runs:
        thread.join()
    for i, (_, out) in enumerate(runs):
        assert out.get("value") == [f"o\r\n{i}\r\n".encode()] * 10, out.get("error")


def test_write_runs_with_the_readers_stopped(tmp_path):
    path = tmp_path / "store"
    fill(path, 10)
    with ProcessExecutor(path, ANSWER, workers=2, timeout=5) as executor:
        old = executor.pids()

        def action(store: OxigraphStore) -> int:
            assert not any(alive(pid) for pid in old)  # readers gone: the write lock was free
            store.raw.update("INSERT DATA { <http://x/s1> <http://x/p> 'new' }")
            return len(store)

        assert executor.write(action) == 12
        body = executor.query(QueryRequest(SHORT.sparql + " ORDER BY ?o", format="csv")).body
        assert body == b"o\r\n1\r\nnew\r\n"
        assert set(executor.pids()).isdisjoint(old)

        def failing(store: OxigraphStore) -> None:
            raw = store.raw  # a reference in a frame of the traceback, as a refused write leaves
            raise ValueError(f"no {len(raw)}")

        for _ in range(2):  # the second write needs the RocksDB lock the first one held
            with pytest.raises(ValueError):
                executor.write(failing)
        assert executor.query(SHORT).body.count(b"\n") == 3  # readers are back after a failed write
        assert executor.write(len) == 12


def test_close_leaves_no_process(store_path):
    executor = ProcessExecutor(store_path, ANSWER, workers=2, timeout=5)
    pids = executor.pids()
    executor.close()
    assert not any(alive(pid) for pid in pids)
    with pytest.raises(StoreError, match="closed"):
        executor.query(SHORT)


def test_an_in_memory_store_needs_the_inline_executor():
    with pytest.raises(StoreError, match="in-memory"):
        ProcessExecutor(":memory:", ANSWER)


def open_snapshots(pid: int) -> set[str]:
    """The snapshot folders a process has files open in (Linux /proc)."""
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if "/claimgraph-snapshots/" in target:
            found.add(target.split("/claimgraph-snapshots/")[1].split("/")[0])
    return found


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads a process's open files in /proc")
def test_idle_readers_open_the_new_snapshot_before_a_read_asks(tmp_path):
    """Beside a stream of writes, a read must not pay for opening the snapshot of each commit
    (tens of milliseconds): an idle worker opens it as soon as the write has published it."""
    path = tmp_path / "store"
    fill(path, 10)
    with ProcessExecutor(path, ANSWER, workers=2, timeout=5, snapshots=True) as executor:
        pids = executor.pids()
        executor.query(SHORT)
        before = set((path / "claimgraph-snapshots").iterdir())
        executor.write(lambda store: store.raw.update("INSERT DATA { <http://x/s1> <http://x/p> 'new' }"))
        (newest,) = {p.name for p in set((path / "claimgraph-snapshots").iterdir()) - before}
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not all(newest in open_snapshots(pid) for pid in pids):
            time.sleep(0.05)
        assert all(newest in open_snapshots(pid) for pid in pids), [open_snapshots(p) for p in pids]
        body = executor.query(QueryRequest(SHORT.sparql + " ORDER BY ?o", format="csv")).body
        assert body == b"o\r\n1\r\nnew\r\n"  # and the read sees the write


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads a process's open files in /proc")
def test_a_write_returns_once_a_reader_holds_its_snapshot_and_reads_go_to_that_reader(tmp_path):
    """The snapshot a write publishes is opened by one worker before the write returns, while
    the other still reads the previous one; a read goes to the worker that holds the newest open
    (not to one still opening it), and sees the write."""
    path = tmp_path / "store"
    fill(path, 10)
    with ProcessExecutor(path, ANSWER, workers=2, timeout=5, snapshots=True) as executor:
        pids = executor.pids()
        for n in range(3):
            before = set((path / "claimgraph-snapshots").iterdir())
            executor.write(
                lambda store, n=n: store.raw.update(f"INSERT DATA {{ <http://x/s1> <http://x/p> 'w{n}' }}")
            )
            (newest,) = {p.name for p in set((path / "claimgraph-snapshots").iterdir()) - before}
            holding = [pid for pid in pids if newest in open_snapshots(pid)]
            assert holding, [open_snapshots(p) for p in pids]  # at once: no waiting here
            body = executor.query(QueryRequest(SHORT.sparql + " ORDER BY ?o", format="csv")).body
            assert body.endswith(f"w{n}\r\n".encode()), body

"""Benchmark harness: claimgraph's load, queries and HTTP serving set against their limits.

Run ``make bench`` (``make bench SIZES="1000 10000"``), or
``.venv/bin/python benchmarks/run.py --sizes 1000 10000``. For each size it
generates a corpus (``benchmarks/generate.py``) and measures, each figure with
a baseline measured in the same run on the same data (the machine is shared and
noisy: read the ratios):

1. load with validation (both validators) — claims/s, peak RSS, store size on
   disk — against pyoxigraph's bulk load of the same quads into an on-disk store;
   and a corpus of invalid claims, which must be refused whole;
2. writes into a large store — ``benchmarks/writes.py``: a 1,000-claim load, a
   10-claim ``POST /claims`` and a withdrawal on a copy of the loaded store, whose
   growth from the smallest size (10k or more) to the largest is the write-path
   issue's target;
3. every named query, bound to one subject and unbound, in process, against the
   same text run directly by pyoxigraph and the bare lookup of the same claims;
4. HTTP with ``wrk`` — the casualty query for one event and a cheap lookup, at
   1, 8 and 32 connections, each asked again and again and with every request a new
   query (which no answer cache helps with) — against claimgraph serve, Oxigraph's
   own server and rdflib-endpoint on the same data;
5. the RSS of each server, with its workers, after that query mix.

It writes ``benchmarks/RESULTS.md`` (and ``benchmarks/results.json``).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import queue
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from generate import make_corpus, make_rejects, sizes  # noqa: E402

BIN = Path(sys.executable).parent
RESULTS_MD = BENCH / "RESULTS.md"
RESULTS_JSON = BENCH / "results.json"
BASE = "http://127.0.0.1:5000/"
CG = "https://w3id.org/claimgraph/ns#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PROV = "http://www.w3.org/ns/prov#"
CONNECTIONS = (1, 8, 32)


# ---------------------------------------------------------------- child processes


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class TreePeak:
    """The largest RSS of this process and all its descendants together, sampled twice a
    second (a load validates in a background process, which its own peak would not count)."""

    def __init__(self) -> None:
        import threading

        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(0.5):
            self.peak = max(self.peak, tree_rss_mb(os.getpid()))

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return max(self.peak, _peak_mb())


def _claimgraph(store: str, validator: str = "fast"):
    from claimgraph.api import Claimgraph
    from claimgraph.config import load_settings

    return Claimgraph(
        load_settings(
            {
                "store": store,
                "base_iri": BASE,
                "ontology_dir": str(ROOT / "ontology"),
                "queries_dir": str(ROOT / "queries"),
                "validator": validator,
            },
            environ={},
        )
    )


def step_load(corpus: str, store: str, validator: str, out: mp.Queue) -> None:
    app = _claimgraph(store, validator)
    opened = app.open_store()
    watch = TreePeak()
    start = time.perf_counter()
    app.load(opened, Path(corpus))
    seconds = time.perf_counter() - start
    peak = watch.stop()
    stats = app.stats(opened)
    opened.close()
    out.put({"seconds": seconds, "peak_mb": peak, "quads": stats["quads"], "claims": stats["claims"]})


def step_reject(corpus: str, store: str, validator: str, out: mp.Queue) -> None:
    from claimgraph.errors import InvalidInput

    app = _claimgraph(store, validator)
    opened = app.open_store()

    def state():
        # Every quad while that fits in memory; past a few million, their count and the graphs.
        if len(opened) <= 5_000_000:
            return set(opened.quads())
        return len(opened), tuple(opened.graph_names())

    before = state()
    start = time.perf_counter()
    try:
        app.load(opened, Path(corpus))
        refused, problems = False, 0
    except InvalidInput as exc:  # the sheet reader's problems (a misspelt term) and the shapes'
        refused, problems = True, len(exc.problems)
    seconds = time.perf_counter() - start
    unchanged = state() == before
    claims = app.stats(opened)["claims"]
    opened.close()
    out.put(
        {
            "seconds": seconds,
            "refused": refused,
            "problems": problems,
            "unchanged": unchanged,
            "claims": claims,
        }
    )


def step_dump(store: str, dump: str, out: mp.Queue) -> None:
    import pyoxigraph as ox

    ox.Store.read_only(store).dump(dump, format=ox.RdfFormat.N_QUADS)
    out.put({})


def step_bulk(dump: str, target: str, out: mp.Queue) -> None:
    import pyoxigraph as ox

    start = time.perf_counter()
    store = ox.Store(target)
    store.bulk_load(path=dump, format=ox.RdfFormat.N_QUADS)
    store.flush()
    seconds = time.perf_counter() - start
    quads = len(store)
    del store
    out.put({"seconds": seconds, "peak_mb": _peak_mb(), "quads": quads})


def _timed(run: Callable[[], int], *, runs: int, budget: float) -> dict:
    """Median and range over up to ``runs`` runs (after one warm-up), within ``budget`` seconds."""
    rows = run()
    times: list[float] = []
    deadline = time.perf_counter() + budget
    while len(times) < runs and (not times or time.perf_counter() < deadline):
        start = time.perf_counter()
        rows = run()
        times.append((time.perf_counter() - start) * 1000)
    return {
        "ms": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "runs": len(times),
        "rows": rows,
    }


def step_query(store: str, name: str, params: dict, bare: str, runs: int, out: mp.Queue) -> None:
    """One named query: through claimgraph, the same text straight to pyoxigraph, and the bare lookup."""
    import pyoxigraph as ox

    from claimgraph.queries import bind_parameters

    app = _claimgraph(store)
    opened = app.open_store(read_only=True)
    text = bind_parameters(app.named_queries[name], params)
    engine = ox.Store.read_only(store)

    def direct(sparql: str) -> Callable[[], int]:
        return lambda: sum(1 for _ in engine.query(sparql, use_default_graph_as_union=True))

    for label, run in (
        ("claimgraph", lambda: len(app.run_named(opened, name, params).rows)),
        ("pyoxigraph", direct(text)),
        ("bare", direct(bare)),
    ):
        out.put({label: _timed(run, runs=runs, budget=5.0)})
    out.put({"done": True})


def isolated(target, *args, timeout: float = 3600, method: str = "spawn") -> dict:
    """Run ``target(*args, queue)`` in a fresh process; everything it put before ``timeout``.

    Spawned (a fresh interpreter) where its peak RSS is measured; forked where only time counts.
    """
    context = mp.get_context(method)
    channel = context.Queue()
    process = context.Process(target=target, args=(*args, channel))
    process.start()
    merged: dict = {}
    deadline = time.monotonic() + timeout
    while True:
        try:
            item = channel.get(timeout=max(0.1, min(5.0, deadline - time.monotonic())))
        except queue.Empty:
            if not process.is_alive() and channel.empty():
                merged.setdefault("error", f"exited with {process.exitcode}")
                break
            if time.monotonic() >= deadline:
                merged["timeout"] = timeout
                process.kill()
                break
            continue
        merged.update(item)
        if "done" in item or target is not step_query:
            break
    process.join(10)
    if process.is_alive():
        process.kill()
    return merged


# ---------------------------------------------------------------- measurements


def spread(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": len(values)}


def disk_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def _runs(options, claims: int) -> int:
    """Runs of each load at this size: one above ``--runs-above`` (a 1M load takes most of an hour)."""
    return 1 if options.runs_above is not None and claims > options.runs_above else options.runs


def measure_load(work: Path, corpus: Path, rejects: Path, claims: int, options) -> dict:
    """(1): validated loads with each validator, the refused batch, and the bulk-load baseline."""
    result: dict = {"claims": claims}
    validators = ["fast"] + (["pyshacl"] if claims <= options.pyshacl_limit else [])
    kept = None
    for validator in validators:
        runs = []
        for r in range(_runs(options, claims) if validator == "fast" else options.pyshacl_runs):
            store = work / f"store-{validator}-{r}"
            runs.append(isolated(step_load, str(corpus), str(store), validator))
            runs[-1]["disk_mb"] = disk_mb(store)
            if kept is None:
                kept = store
            elif store != kept:
                shutil.rmtree(store)
        rejected = isolated(step_reject, str(rejects), str(kept), validator)
        result[validator] = {
            "seconds": spread([r["seconds"] for r in runs]),
            "peak_mb": spread([r["peak_mb"] for r in runs]),
            "disk_mb": statistics.median(r["disk_mb"] for r in runs),
            "quads": runs[0]["quads"],
            "claims_loaded": runs[0]["claims"],
            "rejects": rejected,
        }
    dump = work / "dump.nq"
    isolated(step_dump, str(kept), str(dump))
    bulk = []
    for r in range(_runs(options, claims)):
        target = work / f"bulk-{r}"
        bulk.append(isolated(step_bulk, str(dump), str(target)))
        bulk[-1]["disk_mb"] = disk_mb(target)
        if r:
            shutil.rmtree(target)
    result["bulk"] = {
        "seconds": spread([b["seconds"] for b in bulk]),
        "peak_mb": spread([b["peak_mb"] for b in bulk]),
        "disk_mb": statistics.median(b["disk_mb"] for b in bulk),
        "quads": bulk[0]["quads"],
    }
    result["paths"] = {"store": str(kept), "bulk": str(work / "bulk-0"), "dump": str(dump)}
    return result


def measure_writes(store: Path, corpus: Path, claims: int) -> dict:
    """(2): writes into a large store, measured by the write path's own ``benchmarks/writes.py``
    (``measure(store=Path, corpus=Path, claims=int) -> dict`` of figures)."""
    try:
        import writes  # type: ignore[import-not-found]
    except ImportError:
        return {"missing": "benchmarks/writes.py (the write path's measurement) has not landed"}
    if not hasattr(writes, "measure"):
        return {"missing": "benchmarks/writes.py has no measure(store=, corpus=, claims=)"}
    return writes.measure(store=store, corpus=corpus, claims=claims)


def _iri(kind: str, n: int) -> str:
    return f"{BASE}entity/{kind}-{n}"


def subject_for(parameter: str, store: Path) -> str:
    """A deterministic IRI for a query's parameter: the busiest event, a claimant, a claim with a chain."""
    if parameter in ("event", "subject"):
        return _iri("event", 0)
    if parameter == "claimant":
        return _iri("agent", 1)
    import pyoxigraph as ox

    rows = ox.Store.read_only(str(store)).query(
        f"SELECT ?c WHERE {{ ?c <{CG}attributionStep> ?s . ?s <{CG}stepIndex> 2 }} ORDER BY ?c LIMIT 1",
        use_default_graph_as_union=True,
    )
    return next(iter(rows))["c"].value


def bare_lookup(parameter: str | None, iri: str | None) -> str:
    """The plain SPARQL that finds the claims a bound query is about, from the bound term."""
    if parameter is None:
        return f"SELECT ?c ?s ?p ?o WHERE {{ ?c a <{CG}Claim> ; <{RDF}subject> ?s ; <{RDF}predicate> ?p ; <{RDF}object> ?o }}"
    if parameter == "claimant":
        return f"SELECT ?c ?s ?p ?o WHERE {{ ?c <{PROV}wasAttributedTo> <{iri}> ; <{RDF}subject> ?s ; <{RDF}predicate> ?p ; <{RDF}object> ?o }}"
    if parameter == "claim":
        return f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}"
    return f"SELECT ?c ?p ?o WHERE {{ ?c <{RDF}subject> <{iri}> ; <{RDF}predicate> ?p ; <{RDF}object> ?o }}"


def measure_queries(store: Path, options) -> dict:
    """(3): each named query, bound and unbound, in process."""
    sys.path.insert(0, str(ROOT / "src"))
    from claimgraph.queries import load_named_queries

    found = {}
    for name, query in sorted(load_named_queries(ROOT / "queries").items()):
        parameter = query.parameters[0].name if query.parameters else None
        modes = [("bound", parameter), ("unbound", None)] if parameter else [("unbound", None)]
        for mode, param in modes:
            iri = subject_for(param, store) if param else None
            params = {param: iri} if param else {}
            figures = isolated(
                step_query,
                str(store),
                name,
                params,
                bare_lookup(param, iri),
                options.query_runs,
                timeout=options.query_timeout,
                method="fork",
            )
            figures["parameter"] = f"{param}={iri.rsplit('/', 1)[-1]}" if param else ""
            found[f"{name} ({mode})"] = figures
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(port: int, process: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"server not listening on {port} after {seconds} s")


@contextmanager
def server(command: list[str], port: int, *, startup: float) -> Iterator[subprocess.Popen]:
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed below
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMGRAPH_")}
    process = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=env, start_new_session=True
    )
    try:
        _wait(port, process, startup)
        yield process
    finally:
        try:
            os.killpg(process.pid, 15)
            process.wait(10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, 9)
        log.close()


def tree_rss_mb(pid: int) -> float:
    """RSS of a process and all its descendants."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            pass
    return total


def _probe(url: str, body: str) -> int:
    request = urllib.request.Request(
        url,
        data=body.encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/sparql-results+json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return len(json.load(response)["results"]["bindings"])
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"HTTP {exc.code}: {detail[-1][:160] if detail else ''}") from None


#: Each query is measured twice: asked again and again (what a cache, the server's or one in
#: front of it, helps with), and with every request a query of its own (a comment that
#: differs), which no cache can answer.
NEW_EACH_TIME = ", every request new"
#: A server whose one answer takes longer than this (seconds) is not put under load with the
#: query: wrk's connections would only queue behind it and time out.
SLOW_ANSWER = 2.0


def wrk(url: str, body_file: Path, connections: int, seconds: float, *, unique: bool = False) -> dict:
    command = [
        shutil.which("wrk") or "wrk",
        f"-t{min(connections, 2)}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(BENCH / "sparql.lua"),
        url,
        "--",
        str(body_file),
        "",
        "unique" if unique else "",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    line = [x for x in done.stdout.splitlines() if x.startswith("{")]
    if not line:
        return {"error": (done.stderr or done.stdout).strip()[-200:]}
    figures = json.loads(line[-1])
    errors = sum(figures[k] for k in ("connect", "read", "write", "status", "timeout"))
    return {
        "rps": figures["requests"] / (figures["duration_us"] / 1e6),
        "p50_ms": figures["p50_us"] / 1000,
        "p99_ms": figures["p99_us"] / 1000,
        "requests": figures["requests"],
        "errors": errors,
    }


def measure_http(work: Path, paths: dict, options) -> dict:
    """(4) and (5): the casualty query and a cheap lookup over HTTP, and each server's RSS after."""
    from claimgraph.queries import bind_parameters, load_named_queries

    if not shutil.which("wrk"):
        return {"missing": "wrk is not installed (Debian package wrk)"}
    event = _iri("event", 0)
    casualty = bind_parameters(load_named_queries(ROOT / "queries")["casualties-by-source"], {"event": event})
    cheap = f"SELECT ?p ?o WHERE {{ <{event}> ?p ?o }} LIMIT 10"
    servers: list[tuple[str, list[str], str, str, float]] = []
    port = free_port()
    servers.append(
        (
            "claimgraph serve",
            [
                str(BIN / "claimgraph"),
                "serve",
                "--store",
                paths["store"],
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--base-iri",
                BASE,
                "--ontology-dir",
                str(ROOT / "ontology"),
                "--queries-dir",
                str(ROOT / "queries"),
            ],
            f"http://127.0.0.1:{port}/sparql",
            "",
            60.0,
        )
    )
    oxigraph = shutil.which("oxigraph", path=str(BIN)) or shutil.which("oxigraph")
    port = free_port()
    if oxigraph and "oxigraph" in options.servers:
        servers.append(
            (
                "Oxigraph server",
                [oxigraph, "serve-read-only", "--location", paths["bulk"], "--bind", f"127.0.0.1:{port}"],
                f"http://127.0.0.1:{port}/query",
                "&union-default-graph",
                60.0,
            )
        )
    endpoint = shutil.which("rdflib-endpoint", path=str(BIN))
    port = free_port()
    if endpoint and "rdflib" in options.servers and options.claims <= options.rdflib_limit:
        servers.append(
            (
                "rdflib-endpoint",
                [endpoint, "serve", paths["dump"], "--host", "127.0.0.1", "--port", str(port)],
                f"http://127.0.0.1:{port}/",
                "",
                900.0,
            )
        )
    found: dict = {"servers": {}}
    if "oxigraph" not in options.servers:
        found["missing_oxigraph"] = "Oxigraph server not measured (--servers)"
    elif not oxigraph:
        found["missing_oxigraph"] = (
            "oxigraph (the server) is not installed: make bench installs the bench extra"
        )
    if "rdflib" not in options.servers:
        found["missing_rdflib"] = "rdflib-endpoint not measured (--servers)"
    elif not endpoint:
        found["missing_rdflib"] = "rdflib-endpoint is not installed: make bench installs the bench extra"
    elif options.claims > options.rdflib_limit:
        found["missing_rdflib"] = (
            f"rdflib-endpoint skipped above {options.rdflib_limit} claims (--rdflib-limit)"
        )
    for label, command, url, extra, startup in servers:
        figures: dict = {"queries": {}}
        try:
            with server(command, int(url.split(":")[2].split("/")[0]), startup=startup) as process:
                # The cheap lookup first: a slow server still working through a backlog of
                # heavy queries would otherwise time the cheap one out.
                for qname, text in (("cheap lookup", cheap), ("casualty query, one event", casualty)):
                    body = "query=" + urllib.parse.quote(text) + extra
                    body_file = work / f"body-{abs(hash(text))}.txt"
                    body_file.write_text(body)
                    entry: dict = {}
                    started = time.perf_counter()
                    try:
                        entry["rows"] = _probe(url, body)
                    except Exception as exc:  # a server that cannot answer is a finding, not a crash
                        entry["probe_error"] = f"{type(exc).__name__}: {exc}"[:200]
                    took = time.perf_counter() - started
                    if took > SLOW_ANSWER:
                        entry["slow_s"] = took
                    fresh = {k: v for k, v in entry.items() if not k.isdigit()}
                    for c in options.connections if "slow_s" not in entry else ():
                        entry[str(c)] = wrk(url, body_file, c, options.http_seconds)
                        fresh[str(c)] = wrk(url, body_file, c, options.http_seconds, unique=True)
                    figures["queries"][qname] = entry
                    figures["queries"][qname + NEW_EACH_TIME] = fresh
                figures["rss_mb"] = tree_rss_mb(process.pid)
        except RuntimeError as exc:
            figures["error"] = str(exc)
        found["servers"][label] = figures
    return found


def bench(size: int, options) -> dict:
    work = Path(tempfile.mkdtemp(prefix=f"claimgraph-bench-{size}-"))
    try:
        corpus, rejects = work / "corpus", work / "rejects"
        make_corpus(corpus, size)
        invalid = make_rejects(rejects, size)
        events, claimants = sizes(size)
        options.claims = size
        row: dict = {"claims": size, "invalid": invalid, "events": events, "claimants": claimants}
        print(f"[{size}] load", file=sys.stderr, flush=True)
        row["load"] = measure_load(work, corpus, rejects, size, options)
        paths = row["load"].pop("paths")
        row["writes"] = measure_writes(Path(paths["store"]), corpus, size)
        print(f"[{size}] queries", file=sys.stderr, flush=True)
        row["queries"] = measure_queries(Path(paths["store"]), options)
        if options.http:
            print(f"[{size}] http", file=sys.stderr, flush=True)
            row["http"] = measure_http(work, paths, options)
        return row
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ---------------------------------------------------------------- RESULTS.md


def _version(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
        return (done.stdout or done.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "not installed"


def environment() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    def v(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        (
            int(line.split()[1]) // 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    commit = _version(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    return {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{cpu}, {os.cpu_count()} cores, {memory} MiB RAM, {platform.system()} {platform.release()}",
        "load": "shared with other work (figures are noisy; ratios are to baselines measured in the same run)",
        "versions": {
            "claimgraph": f"{v('claimgraph')} ({commit})",
            "Python": platform.python_version(),
            "pyoxigraph": v("pyoxigraph"),
            "rdflib": v("rdflib"),
            "pyshacl": v("pyshacl"),
            "oxigraph (server)": v("oxigraph"),
            "rdflib-endpoint": v("rdflib-endpoint"),
            "wrk": _version(["wrk", "-v"]),
        },
    }


def _range(s: dict, scale: float = 1.0, fmt: str = "{:.2f}") -> str:
    return (
        f"{fmt.format(s['median'] * scale)} ({fmt.format(s['min'] * scale)}–{fmt.format(s['max'] * scale)})"
    )


def _ms(entry: dict | None) -> str:
    if not entry:
        return "—"
    return f"{entry['ms']:.1f} ({entry['min']:.1f}–{entry['max']:.1f})"


def render(env: dict, rows: list[dict]) -> str:
    out = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`benchmarks/run.py`); do not edit by hand. Each figure is the median",
        "of its runs, with the range in brackets; each ratio is to a baseline measured in the same run",
        "on the same data.",
        "",
        f"- when: {env['when']}",
        f"- machine: {env['machine']}",
        f"- load: {env['load']}",
        "- versions: " + ", ".join(f"{k} {v}" for k, v in env["versions"].items()),
        "",
    ]
    for row in rows:
        load = row["load"]
        bulk = load["bulk"]
        measured = row.get("measured")
        when = (
            [f"Measured {measured['when']}, claimgraph {measured['claimgraph']}.", ""]
            if measured and measured["when"] != env["when"]
            else []
        )
        out += [
            f"## {row['claims']:,} claims",
            "",
            *when,
            f"{row['events']:,} events, {row['claimants']} claimants, {bulk['quads']:,} quads; "
            f"{row['invalid']} invalid claims in a second corpus.",
            "",
            "### 1. Load with validation",
            "",
            "| what | seconds | claims/s | peak RSS MB | on disk MB | × bulk load |",
            "|---|---|---|---|---|---|",
        ]
        for validator in ("fast", "pyshacl"):
            if validator not in load:
                continue
            figures = load[validator]
            seconds = figures["seconds"]
            out.append(
                f"| claimgraph load, {validator} validator | {_range(seconds)} | {row['claims'] / seconds['median']:,.0f} "
                f"| {figures['peak_mb']['median']:,.0f} | {figures['disk_mb']:,.0f} "
                f"| {seconds['median'] / bulk['seconds']['median']:.1f}× |"
            )
        out.append(
            f"| pyoxigraph bulk load of the same quads | {_range(bulk['seconds'])} "
            f"| {row['claims'] / bulk['seconds']['median']:,.0f} | {bulk['peak_mb']['median']:,.0f} "
            f"| {bulk['disk_mb']:,.0f} | 1.0× |"
        )
        out.append("")
        for validator in ("fast", "pyshacl"):
            if validator in load:
                r = load[validator]["rejects"]
                out.append(
                    f"- invalid corpus, {validator} validator: {'refused' if r.get('refused') else 'NOT refused'} "
                    f"with {r.get('problems', 0)} problems for {row['invalid']} invalid claims in {r.get('seconds', 0):.2f} s; "
                    f"store {'unchanged' if r.get('unchanged') else 'CHANGED'}, {r.get('claims', 0):,} claims "
                    f"counted (loaded: {load[validator]['claims_loaded']:,})"
                )
        out += ["", "### 2. Writes into a large store", ""]
        writes = row["writes"]
        if "missing" in writes:
            out.append(f"Not measured: {writes['missing']}.")
        else:
            out += ["| what | seconds |", "|---|---|"] + [
                f"| {k} | {v['median']:.2f} ({v['min']:.2f}–{v['max']:.2f}) |"
                if isinstance(v, dict)
                else f"| {k} | {v} |"
                for k, v in writes.items()
            ]
        out += [
            "",
            "### 3. Named queries, in process (ms)",
            "",
            "| query | bound to | rows | claimgraph | pyoxigraph, same text | bare lookup | × bare |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, q in row["queries"].items():
            cg, direct, bare = q.get("claimgraph"), q.get("pyoxigraph"), q.get("bare")
            note = f" (stopped after {q['timeout']:.0f} s)" if "timeout" in q else ""
            ratio = f"{cg['ms'] / bare['ms']:.0f}×" if cg and bare and bare["ms"] > 0 else "—"
            rows_ = cg["rows"] if cg else "—"
            out.append(
                f"| {name}{note} | {q.get('parameter') or '—'} | {rows_} | {_ms(cg)} | {_ms(direct)} | {_ms(bare)} | {ratio} |"
            )
        out += ["", "### 4. HTTP (wrk, 127.0.0.1)", ""]
        http = row.get("http")
        if not http:
            out.append("Not measured (--no-http).")
        elif "missing" in http:
            out.append(f"Not measured: {http['missing']}.")
        else:
            for key in ("missing_oxigraph", "missing_rdflib"):
                if key in http:
                    out.append(f"- {http[key]}")
            out += [
                "",
                "| server | query | rows | connections | req/s | p50 ms | p99 ms | errors |",
                "|---|---|---|---|---|---|---|---|",
            ]
            for label, figures in http["servers"].items():
                if "error" in figures:
                    out.append(f"| {label} | — | — | — | {figures['error']} | | | |")
                    continue
                for qname, entry in figures["queries"].items():
                    rows_ = entry.get("rows", entry.get("probe_error", "—"))
                    if "slow_s" in entry:
                        out.append(
                            f"| {label} | {qname} | {rows_} | 1 | one answer took {entry['slow_s']:.1f} s: "
                            "not put under load | | | |"
                        )
                    for c, w in ((k, v) for k, v in entry.items() if k.isdigit()):
                        if "error" in w:
                            out.append(f"| {label} | {qname} | {rows_} | {c} | {w['error']} | | | |")
                        else:
                            out.append(
                                f"| {label} | {qname} | {rows_} | {c} | {w['rps']:,.1f} | {w['p50_ms']:.1f} "
                                f"| {w['p99_ms']:.1f} | {w['errors']} |"
                            )
            out += [
                "",
                "### 5. Server memory after the query mix",
                "",
                "| server | RSS MB (with workers) |",
                "|---|---|",
            ]
            for label, figures in http["servers"].items():
                if "rss_mb" in figures:
                    out.append(f"| {label} | {figures['rss_mb']:,.0f} |")
        out.append("")
    out += targets(rows)
    return "\n".join(out) + "\n"


def _verdict(ok: bool | None) -> str:
    return "not measured" if ok is None else ("**met**" if ok else "**not met**")


def _writes_flat(rows: list[dict]) -> tuple[str, bool | None]:
    """The writes' growth from the smallest store measured (10k or more) to the largest."""
    measured = [r for r in rows if "missing" not in r["writes"] and r["claims"] >= 10_000]
    if len(measured) < 2:
        return "needs two store sizes of 10,000 claims or more in one run", None
    small, large = measured[0], measured[-1]
    parts, flat = [], True
    for key, figure in large["writes"].items():
        if not isinstance(figure, dict) or key not in small["writes"]:
            continue
        ratio = figure["median"] / small["writes"][key]["median"]
        flat &= ratio <= 1.5
        parts.append(f"{key.split(' (')[0]}: {ratio:.2f}×")
    span = f"{small['claims']:,} → {large['claims']:,} claims"
    return f"{span}: " + "; ".join(parts), flat


def targets(rows: list[dict]) -> list[str]:
    """The issue's targets, each with the figure of the largest size measured, whether it is
    met, and where it is not, the gap's cause as the figures of the same run show it."""
    row = max(rows, key=lambda r: r["claims"])
    n = f"{row['claims']:,} claims"
    found: list[tuple[str, str, bool | None, str]] = []
    load = row["load"]
    fast, bulk = load["fast"], load["bulk"]
    ratio = fast["seconds"]["median"] / bulk["seconds"]["median"]
    found.append(
        (
            "validated load within 3× of the bulk load",
            f"{ratio:.1f}× at {n} (fast validator)",
            ratio <= 3,
            f"the engine's bulk load takes {bulk['seconds']['median']:,.0f} s of the "
            f"{fast['seconds']['median']:,.0f} s; the rest is claimgraph's: reading sheets, validating, spooling "
            "and, after the commit, indexing every new quote for search",
        )
    )
    peak, bulk_peak = fast["peak_mb"]["median"], bulk["peak_mb"]["median"]
    found.append(
        (
            "peak RSS of the load under 2 GiB",
            f"{peak:,.0f} MB at {n} (the bulk load: {bulk_peak:,.0f} MB)",
            peak < 2048,
            (
                f"the engine's own bulk loader peaks at {bulk_peak:,.0f} MB on the same quads, and "
                f"claimgraph's process holds {peak - bulk_peak:,.0f} MB more: what a load keeps for every "
                "new claim until its commit (the claims' rows for the consensus and the report) and the "
                "search index's read of every new quote after it; meeting it means committing a large "
                "load in parts of a bounded size, each whole"
            )
            if peak > 1.5 * bulk_peak
            else f"the engine's own bulk loader peaks at {bulk_peak:,.0f} MB on the same quads: the bound "
            "is the engine's, so meeting it means loading in several bulk loads of a bounded size",
        )
    )
    writes, flat = _writes_flat(rows)
    found.append(
        (
            "writes within 1.5× from the smallest store to the largest (issue 6)",
            writes,
            flat,
            "a write reads what it touches (its documents, their claims' consensus keys, the "
            "registry entries it names); what still grows is the engine's lookups in a larger index "
            "and the search index's commit",
        )
    )
    bound = {k: v for k, v in row["queries"].items() if k.endswith("(bound)") and "claimgraph" in v}
    slow = {k: v for k, v in bound.items() if v["claimgraph"]["ms"] > 10}
    far = {k: v for k, v in bound.items() if "bare" in v and v["claimgraph"]["ms"] > 5 * v["bare"]["ms"]}

    def per_query(chosen: dict) -> str:
        parts = []
        for k, v in chosen.items():
            ours, engine = v["claimgraph"], v.get("pyoxigraph")
            same = f", pyoxigraph on the same text {engine['ms']:.1f} ms" if engine else ""
            bare = f", bare lookup {v['bare']['ms']:.1f} ms" if "bare" in v else ""
            parts.append(f"{k.split(' (')[0]}: {ours['ms']:.1f} ms for {ours['rows']} rows{same}{bare}")
        return "; ".join(parts)

    cause = (
        "the engine itself takes as long on the same text, so the cost is the query's joins per row "
        "(labels, quotes, attribution steps), not claimgraph: "
    )
    found.append(
        (
            "each bound named query ≤ 10 ms in process",
            f"{len(bound) - len(slow)} of {len(bound)} at {n}",
            not slow,
            cause + per_query(slow) + " — what would meet it: a per-claim summary kept at write time, "
            "as the contested values are",
        )
    )
    found.append(
        (
            "each bound named query within 5× of the bare lookup",
            f"{len(bound) - len(far)} of {len(bound)}",
            not far,
            cause + per_query(far),
        )
    )
    whole = row["queries"].get("contested-facts (unbound)", {})
    if "claimgraph" in whole:
        ms, answered = whole["claimgraph"]["ms"], whole["claimgraph"]["rows"]
        found.append(
            (
                "`contested-facts` over the whole store under 100 ms",
                f"{ms:,.0f} ms at {n} ({answered:,} rows)",
                ms < 100,
                f"the answer grows with the store: {answered:,} rows at {ms / max(answered, 1):.2f} ms a row, "
                "read from the contested values kept at write time"
                + (
                    f" (the bare lookup of the claims: {whole['bare']['ms']:,.0f} ms)"
                    if "bare" in whole
                    else " (the bare lookup of the claims did not finish in the time allowed)"
                )
                + f"; 100 ms holds about {100 / max(ms / max(answered, 1), 1e-9):,.0f} rows, so a "
                "whole-store answer this large needs paging (LIMIT/OFFSET)",
            )
        )
    else:
        found.append(
            (
                "`contested-facts` over the whole store under 100 ms",
                f"did not finish in {whole.get('timeout', '?')} s",
                False,
                "",
            )
        )
    http = row.get("http", {}).get("servers", {})
    ours, theirs = http.get("claimgraph serve", {}), http.get("Oxigraph server", {})
    queries = ours.get("queries", {})
    cheap_new = queries.get("cheap lookup" + NEW_EACH_TIME, {}).get("8", {})
    cheap_again = queries.get("cheap lookup", {}).get("8", {})
    cheap_ox = theirs.get("queries", {}).get("cheap lookup" + NEW_EACH_TIME, {}).get("8", {})
    if "rps" in cheap_new:
        again = cheap_again.get("rps")
        found.append(
            (
                "cheap lookup at 8 connections ≥ 2,500 req/s",
                f"every request new: {cheap_new['rps']:,.0f} req/s"
                + (f"; asked again and again (answers kept): {again:,.0f} req/s" if again else ""),
                cheap_new["rps"] >= 2500,
                (
                    f"answers kept, with no engine work at all, reach {again:,.0f} req/s: the bound is the "
                    "one Python process that serves HTTP (waitress and Flask take about 0.5 ms a request "
                    "under the GIL, profiled in process), not the query"
                    + (f" (Oxigraph's server: {cheap_ox['rps']:,.0f} req/s)" if "rps" in cheap_ox else "")
                    + "; what would meet it: several server processes on one port, or an HTTP cache in "
                    "front (the answers carry ETag and Last-Modified)"
                )
                if again
                else "",
            )
        )
    heavy = queries.get("casualty query, one event" + NEW_EACH_TIME, {})
    heavy_ox = theirs.get("queries", {}).get("casualty query, one event" + NEW_EACH_TIME, {})
    if "8" in heavy and "rps" in heavy["8"] and "8" in heavy_ox and "rps" in heavy_ox["8"]:
        a, b = heavy["8"]["rps"], heavy_ox["8"]["rps"]
        found.append(
            (
                "heavy query at least Oxigraph server's throughput (8 connections, every request new)",
                f"{a:,.1f} vs {b:,.1f} req/s",
                a >= b,
                "",
            )
        )
    inproc = row["queries"].get("casualties-by-source (bound)", {}).get("claimgraph")
    cheap_one = queries.get("cheap lookup" + NEW_EACH_TIME, {}).get("1", {})
    if "1" in heavy and "p50_ms" in heavy["1"] and inproc:
        extra = heavy["1"]["p50_ms"] - inproc["ms"]
        found.append(
            (
                "HTTP p50 at most 1 ms over the in-process time (casualty query, every request new)",
                f"{heavy['1']['p50_ms']:.1f} ms over HTTP vs {inproc['ms']:.1f} ms in process: {extra:+.1f} ms",
                extra <= 1,
                (
                    f"a new cheap lookup's whole round trip is {cheap_one['p50_ms']:.1f} ms, so the fixed cost "
                    "of the HTTP path is about that; the rest is the machine: under wrk the server, its "
                    "workers and wrk share 2 cores, while the in-process time is measured alone (one "
                    "client asking one query at a time sees no difference beyond the noise)"
                )
                if "p50_ms" in cheap_one
                else "",
            )
        )
    if "rss_mb" in ours:
        found.append(
            (
                "server RSS under 1 GiB (with its workers)",
                f"{ours['rss_mb']:,.0f} MB at {n}",
                ours["rss_mb"] < 1024,
                "",
            )
        )
    out = [
        "## Targets (issue 10), at the largest size measured",
        "",
        "| target | measured | verdict | where not met: the cause, as this run shows it |",
        "|---|---|---|---|",
    ]
    for target, measured, ok, why in found:
        out.append(f"| {target} | {measured} | {_verdict(ok)} | {why if ok is False else ''} |")
    return [*out, ""]


def kept_rows(recorded: dict, sizes: list[int]) -> list[dict]:
    """The rows of an earlier run (its results.json) for the sizes not measured now, each
    stamped with the date and commit it was measured at (``--add``)."""
    earlier = {"when": recorded["when"], "claimgraph": recorded["versions"]["claimgraph"]}
    return [
        {"measured": r.get("measured", earlier), **r} for r in recorded["results"] if r["claims"] not in sizes
    ]


def write_results(path: Path, text: str) -> None:
    """Write RESULTS.md, keeping the sections that ``benchmarks/draft.py`` (``make bench-draft``),
    ``benchmarks/engine.py`` (``make bench-engine``), ``benchmarks/annotate.py``
    (``make bench-annotate``), ``benchmarks/mixed.py`` (``make bench-mixed``) and
    ``benchmarks/history.py`` (``make bench-history``) and ``benchmarks/serverload.py`` own."""
    import annotate
    import draft
    import engine
    import history
    import mixed
    import serverload

    for owner in (draft, engine, annotate, mixed, history, serverload):
        kept = owner.section_of(path)
        text = owner.with_section(text, kept) if kept else text
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=3, help="Runs of each load and bulk load.")
    parser.add_argument(
        "--runs-above", type=int, default=None, help="Sizes above this get one run of each load."
    )
    parser.add_argument("--pyshacl-runs", type=int, default=1, help="Runs of the load with pyshacl.")
    parser.add_argument("--pyshacl-limit", type=int, default=10000, help="No pyshacl load above this size.")
    parser.add_argument("--query-runs", type=int, default=5)
    parser.add_argument(
        "--query-timeout", type=float, default=120.0, help="Seconds for all runs of one query."
    )
    parser.add_argument("--http-seconds", type=float, default=5.0, help="Seconds of each wrk run.")
    parser.add_argument("--connections", type=int, nargs="+", default=list(CONNECTIONS))
    parser.add_argument(
        "--servers",
        nargs="+",
        default=["claimgraph", "oxigraph", "rdflib"],
        help="Servers to measure over HTTP.",
    )
    parser.add_argument("--rdflib-limit", type=int, default=10000, help="No rdflib-endpoint above this size.")
    parser.add_argument("--no-http", dest="http", action="store_false")
    parser.add_argument(
        "--add",
        action="store_true",
        help="Keep the sizes recorded in results.json that this run does not measure "
        "(each keeps its own date and commit), e.g. to add 1,000,000 claims to an earlier run.",
    )
    parser.add_argument("--out", type=Path, default=RESULTS_MD, help="Where RESULTS.md goes.")
    parser.add_argument("--render", type=Path, help="Only write RESULTS.md again from this results.json.")
    add_backend_options(parser)
    options = parser.parse_args(argv)
    if options.render:
        recorded = json.loads(options.render.read_text())
        write_results(options.out, render(recorded, recorded["results"]))
        write_backends(options, rendered_only=True, skipped=not recorded.get("backends_measured", False))
        return
    env = environment()
    env["backends_measured"] = bool(
        options.backends and any(size <= options.backends_limit for size in options.sizes)
    )
    stamp = {"when": env["when"], "claimgraph": env["versions"]["claimgraph"]}
    recorded_path = options.out.with_name("results.json")
    kept = (
        kept_rows(json.loads(recorded_path.read_text()), options.sizes)
        if options.add and recorded_path.exists()
        else []
    )
    fresh: list[dict] = []
    options.out.parent.mkdir(parents=True, exist_ok=True)
    for size in options.sizes:
        fresh.append({"measured": stamp, **bench(size, options)})
        rows = sorted([*kept, *fresh], key=lambda r: r["claims"])
        # Written after every size, so that a long run that stops keeps what it measured.
        options.out.with_name("results.json").write_text(
            json.dumps({**env, "results": rows}, indent=2) + "\n"
        )
        write_results(options.out, render(env, rows))
        print(f"wrote {options.out} ({size:,} claims)", file=sys.stderr)
    write_backends(options)


# ---------------------------------------------------------------- the store on each backend


def add_backend_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--backends",
        nargs="*",
        default=["embedded", "oxigraph", "virtuoso"],
        help="Backends to measure the load, writes and queries on (benchmarks/backends.py); none: skip.",
    )
    parser.add_argument(
        "--backends-limit", type=int, default=1000, help="No backend measurement above this size."
    )


def write_backends(options, *, rendered_only: bool = False, skipped: bool = False) -> None:
    """benchmarks/backends.py's figures, in their own section of RESULTS.md."""
    import backends

    recorded = options.out.with_name("backends.json")
    if rendered_only:
        if recorded.exists():
            section = backends.render(json.loads(recorded.read_text()))
            section = (
                section
                if not skipped
                else section.replace(
                    "\nWritten by",
                    "\nNot measured in the run above: these are the figures recorded by the last run with "
                    "`--backends` (`benchmarks/backends.json`; its git log says when).\n\nWritten by",
                    1,
                )
            )
            backends.write_section(options.out, section)
        return
    sizes = [size for size in options.sizes if size <= options.backends_limit]
    if not (options.backends and sizes):
        # Not measured this time: the section recorded last stays, as it was written.
        write_backends(options, rendered_only=True, skipped=True)
        return
    rows = backends.measure(sizes, runs=options.runs, backends=tuple(options.backends))
    recorded.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    backends.write_section(options.out, backends.render(rows))


if __name__ == "__main__":
    main()

"""The store on each backend: load, writes and named queries on the embedded store, Oxigraph server and Virtuoso.

``benchmarks/run.py --backends`` runs it (``make bench`` does, up to ``--backends-limit``
claims), or alone::

    .venv/bin/python benchmarks/backends.py --sizes 1000

For each size it generates a corpus (``generate.py``) and, for each backend, starts the
server (``tests/servers.py``: a temporary folder, a free port of 127.0.0.1; Virtuoso with
its default ResultSetMaxRows of 10,000) and measures through the Python API, as
``claimgraph load`` and the endpoint run it:

1. the load with validation (the fast validator) into an empty store;
2. writes into the loaded store: a 10-claim document loaded and withdrawn (what
   ``POST /claims`` and ``DELETE /claims/<id>`` run), the withdrawal of one of the corpus's
   documents (undone by loading the corpus again), and a SPARQL Update through the write
   path (dry run on a copy of the graph it names, then one commit);
3. every named query, bound (the busiest event, a claimant, a claim with a chain) and unbound.

Each write and query runs ``--runs`` times (the median is reported with the range). The
figures go to ``benchmarks/backends.json`` and to their own section of ``RESULTS.md``,
between the markers below, which the rest of the harness leaves alone.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from generate import make_corpus  # noqa: E402
from sections import stamp  # noqa: E402
from writes import fresh_documents  # noqa: E402

BACKENDS = ("embedded", "oxigraph", "virtuoso")
BASE = "http://127.0.0.1:5000/"
CG = "https://w3id.org/claimgraph/ns#"
START = "<!-- backends: written by benchmarks/backends.py -->"
END = "<!-- /backends -->"
#: Seconds one named query may take over all its runs before the rest are skipped.
QUERY_BUDGET = 60.0


def _spread(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": len(values)}


def _timed(runs: int, work: Callable[[], object], undo: Callable[[], object] | None = None) -> dict:
    seconds: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - start)
        if undo is not None:
            undo()
        if sum(seconds) > QUERY_BUDGET:
            break
    return _spread(seconds)


@contextmanager
def _store_settings(backend: str, folder: Path) -> Iterator[dict]:
    """The settings of a store on ``backend``, its server running until the block ends."""
    if backend == "embedded":
        yield {"store": str(folder / "store")}
        return
    from tests.servers import missing, start

    reason = missing(backend)
    if reason is not None:
        raise RuntimeError(reason)
    server = start(backend, folder / backend)
    try:
        yield server.settings()
    finally:
        server.stop()


def _claimgraph(values: dict):
    from claimgraph.api import Claimgraph
    from claimgraph.config import load_settings

    settings = {
        **values,
        "base_iri": BASE,
        "ontology_dir": str(ROOT / "ontology"),
        "queries_dir": str(ROOT / "queries"),
        "query_timeout": 300.0,
    }
    return Claimgraph(load_settings(settings, environ={}))


def measure_backend(backend: str, corpus: Path, claims: int, work: Path, runs: int) -> dict:
    """(1)–(3) on one backend; ``error`` when its server cannot run here."""
    from claimgraph.api import QueryRequest

    try:
        context = _store_settings(backend, work)
        values = context.__enter__()
    except RuntimeError as exc:
        return {"error": str(exc)}
    try:
        app = _claimgraph(values)
        store = app.open_store()
        try:
            start = time.perf_counter()
            app.load(store, corpus)
            found: dict = {"load (s)": time.perf_counter() - start, "quads": len(store)}
            ten = fresh_documents(work / f"ten-{backend}", 10, "bten")
            documents = [s.stem for s in sorted(ten.glob("doc-*.yaml"))]
            found["load a 10-claim document (s)"] = _timed(
                runs,
                lambda: app.load(store, ten),
                lambda: [app.withdraw(store, f"bten-{d}") for d in documents],
            )
            victim = sorted(corpus.glob("doc-*.yaml"))[0].stem
            found["withdraw a document (s)"] = _timed(
                runs, lambda: app.withdraw(store, victim), lambda: app.load(store, corpus)
            )
            claim = store.query(f"SELECT ?c WHERE {{ ?c a <{CG}Claim> }} ORDER BY ?c LIMIT 1").rows[0]["c"]
            graph = store.query(f"SELECT ?g WHERE {{ GRAPH ?g {{ <{claim}> a <{CG}Claim> }} }}").rows[0]["g"]
            comment = "<http://www.w3.org/2000/01/rdf-schema#comment>"
            found["SPARQL Update, one triple (s)"] = _timed(
                runs,
                lambda: app.update(
                    store, f"INSERT DATA {{ GRAPH <{graph}> {{ <{claim}> {comment} 'checked' }} }}"
                ),
                lambda: app.update(
                    store, f"DELETE DATA {{ GRAPH <{graph}> {{ <{claim}> {comment} 'checked' }} }}"
                ),
            )
            queries: dict = {}
            direct: dict = {}
            for name, query in sorted(app.named_queries.items()):
                parameter = query.parameters[0].name if query.parameters else None
                modes = [("bound", parameter), ("unbound", None)] if parameter else [("unbound", None)]
                for mode, param in modes:
                    params = {param: _subject_for(param, store)} if param else {}
                    text = app.named_query_text(name, params)
                    request = QueryRequest(text, format="json")
                    try:
                        queries[f"{name} ({mode})"] = _timed(runs, lambda r=request: app.answer(store, r))
                    except Exception as exc:  # a server's refusal is a figure too
                        queries[f"{name} ({mode})"] = {"error": f"{type(exc).__name__}: {exc}"[:200]}
                    if backend != "embedded":
                        # The same text sent straight to the same server, in the same run: the baseline.
                        try:
                            direct[f"{name} ({mode})"] = _timed(
                                runs, lambda t=text: _direct(values["store"], t)
                            )
                        except Exception as exc:
                            direct[f"{name} ({mode})"] = {"error": f"{type(exc).__name__}: {exc}"[:200]}
            found["queries (s)"] = queries
            if direct:
                found["direct (s)"] = direct
            return found
        finally:
            store.close()
    finally:
        context.__exit__(None, None, None)


def _direct(url: str, text: str) -> bytes:
    """The query as a client would send it to the server itself (form post, JSON results)."""
    import requests

    response = requests.post(
        url, data={"query": text}, headers={"Accept": "application/sparql-results+json"}, timeout=300
    )
    response.raise_for_status()
    return response.content


def _subject_for(parameter: str, store) -> str:
    """As benchmarks/run.py binds them: the busiest event, a claimant, a claim with a chain."""
    if parameter in ("event", "subject"):
        return f"{BASE}entity/event-0"
    if parameter == "claimant":
        return f"{BASE}entity/agent-1"
    rows = store.query(
        f"SELECT ?c WHERE {{ ?c <{CG}attributionStep> ?s . ?s <{CG}stepIndex> 2 }} ORDER BY ?c LIMIT 1"
    ).rows
    return str(rows[0]["c"])


def measure(sizes: list[int], *, runs: int = 3, backends: tuple[str, ...] = BACKENDS) -> list[dict]:
    rows = []
    for size in sizes:
        work = Path(tempfile.mkdtemp(prefix=f"claimgraph-backends-{size}-"))
        try:
            corpus = work / "corpus"
            make_corpus(corpus, size)
            row: dict = {"claims": size}
            for backend in backends:
                print(f"[{size}] backend {backend}", file=sys.stderr, flush=True)
                row[backend] = measure_backend(backend, corpus, size, work, runs)
            rows.append(row)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return rows


def _cell(entry: dict | float | None, scale: float = 1.0, fmt: str = "{:.2f}") -> str:
    if entry is None:
        return "—"
    if isinstance(entry, int | float):
        return fmt.format(entry * scale)
    if "error" in entry:
        return "refused"
    return f"{fmt.format(entry['median'] * scale)} ({fmt.format(entry['min'] * scale)}–{fmt.format(entry['max'] * scale)})"


def render(rows: list[dict]) -> str:
    """The RESULTS.md section: one table per size, a column per backend."""
    out = [
        START,
        "## Backends: the store on the embedded store, Oxigraph server and Virtuoso",
        "",
        "Written by `benchmarks/backends.py` (`run.py --backends`): the same generated corpus loaded",
        "through the Python API into the embedded store and into a store on each server (started",
        "for the run on 127.0.0.1, Graph Store staging on), then writes and every named query on it.",
        "Medians with range; seconds unless said. Each server ran on the same machine as claimgraph.",
        "",
    ]
    for row in rows:
        backends = [b for b in BACKENDS if b in row]
        out += [f"### {row['claims']:,} claims", ""]
        errors = [f"{b}: {row[b]['error']}" for b in backends if "error" in row[b]]
        backends = [b for b in backends if "error" not in row[b]]
        out += ["| what | " + " | ".join(backends) + " |", "|---" * (len(backends) + 1) + "|"]
        out.append("| quads | " + " | ".join(f"{row[b]['quads']:,}" for b in backends) + " |")
        for key in (
            "load (s)",
            "load a 10-claim document (s)",
            "withdraw a document (s)",
            "SPARQL Update, one triple (s)",
        ):
            out.append(f"| {key} | " + " | ".join(_cell(row[b].get(key)) for b in backends) + " |")
        names = sorted({q for b in backends for q in row[b]["queries (s)"]})
        for name in names:
            cells = [_cell(row[b]["queries (s)"].get(name), 1000, "{:.0f}") for b in backends]
            out.append(f"| `{name}` (ms) | " + " | ".join(cells) + " |")
        servers = [b for b in backends if "direct (s)" in row[b]]
        if servers:
            out += [
                "",
                "The same query text sent straight to the server (form post, JSON results), in the same",
                "run, beside it through claimgraph: milliseconds, and the ratio of the medians.",
                "",
                "| query | " + " | ".join(f"{b} direct | {b} claimgraph | ratio" for b in servers) + " |",
                "|---" * (3 * len(servers) + 1) + "|",
            ]
            for name in names:
                cells = []
                for b in servers:
                    via, straight = row[b]["queries (s)"].get(name), row[b]["direct (s)"].get(name)
                    ratio = "—"
                    if via and straight and "error" not in via and "error" not in straight:
                        ratio = f"{via['median'] / max(straight['median'], 1e-6):.2f}×"
                    cells += [_cell(straight, 1000, "{:.0f}"), _cell(via, 1000, "{:.0f}"), ratio]
                out.append(f"| `{name}` | " + " | ".join(cells) + " |")
        out += [""] + [f"Not measured: {e}" for e in errors] + ([""] if errors else [])
        stamped = [
            f"{b} {row[b]['measured']}"
            for b in BACKENDS
            if isinstance(row.get(b), dict) and "measured" in row[b]
        ]
        out += [f"Measured: {'; '.join(stamped)}.", ""] if stamped else []
    out.append(END)
    return "\n".join(out) + "\n"


def write_section(results_md: Path, section: str) -> None:
    """Put ``section`` into RESULTS.md between the markers (replacing an earlier one), or at its end."""
    text = results_md.read_text(encoding="utf-8") if results_md.exists() else ""
    if START in text and END in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1].lstrip("\n")
        text = before + section + ("\n" + after if after else "")
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + section
    results_md.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS)
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md", help="The RESULTS.md to write into.")
    args = parser.parse_args(argv)
    recorded = args.out.with_name("backends.json")
    rows: list[dict] = json.loads(recorded.read_text(encoding="utf-8")) if recorded.is_file() else []
    for size in args.sizes:  # written after each size: a long run keeps what it measured
        new = measure([size], runs=args.runs, backends=tuple(args.backends))
        when = stamp()
        for row in new:
            for backend in args.backends:
                if isinstance(row.get(backend), dict):
                    row[backend]["measured"] = f"{when['measured']} at {when['commit']}"
        rows = merged(rows, new)
        recorded.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
        write_section(args.out, render(rows))
    print(render(rows))


def merged(rows: list[dict], new: list[dict]) -> list[dict]:
    """The rows recorded before with the new ones in: a backend measured again at a size
    replaces its figures there, the other backends' and sizes' figures are kept.

    >>> merged([{"claims": 1, "embedded": 1, "oxigraph": 2}], [{"claims": 1, "oxigraph": 3}, {"claims": 2}])
    [{'claims': 1, 'embedded': 1, 'oxigraph': 3}, {'claims': 2}]
    """
    by_size = {row["claims"]: dict(row) for row in rows}
    for row in new:
        by_size.setdefault(row["claims"], {}).update(row)
    return [by_size[size] for size in sorted(by_size)]


if __name__ == "__main__":
    main()

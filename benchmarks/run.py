"""Benchmark harness: load, validation and query speed and memory at growing sizes.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/run.py [--sizes 1000 10000]``).
It writes ``benchmarks/results.json`` and prints a table. Every figure has a
baseline measured in the same run, on the same data, so that ratios stay
meaningful on a shared, noisy machine:

* load: the full claimgraph pipeline (read sheets, anchor quotes, build RDF,
  SHACL-validate, commit, derive the consensus) against a bare pyoxigraph bulk
  load of the same quads;
* query: ``casualties-by-source.rq`` on the embedded store against the same
  query in rdflib's in-memory store;
* memory: peak resident set size of each step, in its own process.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing as mp
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results.json"
CLAIMS_PER_DOCUMENT = 250


def make_corpus(folder: Path, claims: int) -> None:
    """A synthetic corpus: events whose death tolls sources disagree on."""
    folder.mkdir(parents=True, exist_ok=True)
    events = max(1, claims // 5)
    agents = 50
    lines = ["agents:"]
    for a in range(agents):
        lines += [f"  - id: source-{a}", "    type: schema:Organization", f"    label: Source {a}"]
    lines += ["  - id: author", "    type: cg:UnnamedSource", "    label: Unnamed author", "entities:"]
    for e in range(events):
        lines += [f"  - id: event-{e}", "    type: schema:Event", f"    label: Event {e}"]
    (folder / "corpus.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for d in range(0, claims, CLAIMS_PER_DOCUMENT):
        sentences, sheet = [], []
        for i in range(d, min(d + CLAIMS_PER_DOCUMENT, claims)):
            event, source, deaths = i % events, i % agents, 10 + (i * 7) % 5
            sentence = f"Source {source} says that event {event} killed {deaths} people (report {i})."
            sentences.append(sentence)
            sheet += [
                f"  - subject: event-{event}",
                "    predicate: cg:deathCount",
                f"    value: {deaths}",
                f"    claimant: source-{source}",
                f'    quote: "killed {deaths} people (report {i})"',
                "    count_kind: deaths",
            ]
        text = "\n".join(sentences) + "\n"
        name = f"doc-{d // CLAIMS_PER_DOCUMENT:05d}"
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
        digest = hashlib.sha256(text.encode()).hexdigest()
        header = [
            "document:",
            f"  id: {name}",
            f"  file: {name}.txt",
            f"  sha256: {digest}",
            "  creator: author",
            "  language: en",
            "claims:",
        ]
        (folder / f"{name}.yaml").write_text("\n".join(header + sheet) + "\n", encoding="utf-8")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _claimgraph(store: Path):
    from claimgraph.api import Claimgraph
    from claimgraph.config import load_settings

    return Claimgraph(
        load_settings(
            {
                "store": str(store),
                "ontology_dir": str(ROOT / "ontology"),
                "queries_dir": str(ROOT / "queries"),
            },
            environ={},
        )
    )


def step_load(corpus: str, store: str, out: mp.Queue) -> None:
    cg = _claimgraph(Path(store))
    opened = cg.open_store()
    start = time.perf_counter()
    cg.load(opened, Path(corpus))
    seconds = time.perf_counter() - start
    quads = len(opened)
    opened.close()
    out.put({"seconds": seconds, "peak_mb": _peak_mb(), "quads": quads})


def step_bulk_baseline(store: str, out: mp.Queue) -> None:
    import pyoxigraph as ox

    dump = Path(store) / "dump.nq"
    src = ox.Store(str(Path(store)))
    src.dump(str(dump), format=ox.RdfFormat.N_QUADS)
    del src
    start = time.perf_counter()
    target = ox.Store(str(Path(store).parent / "baseline-store"))
    target.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)
    seconds = time.perf_counter() - start
    out.put({"seconds": seconds, "peak_mb": _peak_mb()})


def step_query(store: str, out: mp.Queue) -> None:
    cg = _claimgraph(Path(store))
    opened = cg.open_store(read_only=True)
    text = cg.named_queries["casualties-by-source"].text
    opened.query(text)  # warm
    runs = 5
    start = time.perf_counter()
    for _ in range(runs):
        rows = len(opened.query(text).rows)
    seconds = (time.perf_counter() - start) / runs
    opened.close()
    out.put({"seconds": seconds, "rows": rows, "peak_mb": _peak_mb()})


def step_rdflib_query(store: str, out: mp.Queue) -> None:
    from rdflib import Dataset

    data = Dataset(default_union=True)
    data.parse(str(Path(store) / "dump.nq"), format="nquads")
    cg = _claimgraph(Path(store))
    text = cg.named_queries["casualties-by-source"].text
    start = time.perf_counter()
    rows = len(list(data.query(text)))
    out.put({"seconds": time.perf_counter() - start, "rows": rows, "peak_mb": _peak_mb()})


def isolated(target, *args) -> dict:
    queue: mp.Queue = mp.get_context("spawn").Queue()
    process = mp.get_context("spawn").Process(target=target, args=(*args, queue))
    process.start()
    result = queue.get(timeout=3600)
    process.join()
    return result


def bench(size: int, rdflib_limit: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        corpus, store = Path(tmp) / "corpus", Path(tmp) / "store"
        make_corpus(corpus, size)
        load = isolated(step_load, str(corpus), str(store))
        baseline = isolated(step_bulk_baseline, str(store))
        query = isolated(step_query, str(store))
        row = {
            "claims": size,
            "quads": load["quads"],
            "load_s": round(load["seconds"], 3),
            "load_peak_mb": round(load["peak_mb"]),
            "bulk_baseline_s": round(baseline["seconds"], 3),
            "load_vs_bulk": round(load["seconds"] / baseline["seconds"], 1),
            "claims_per_s": round(size / load["seconds"]),
            "query_s": round(query["seconds"], 4),
            "query_rows": query["rows"],
        }
        if size <= rdflib_limit:
            rdf = isolated(step_rdflib_query, str(store))
            assert rdf["rows"] == query["rows"], (rdf["rows"], query["rows"])
            row["rdflib_query_s"] = round(rdf["seconds"], 3)
            row["query_speedup_vs_rdflib"] = round(rdf["seconds"] / query["seconds"], 1)
        return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument(
        "--rdflib-limit", type=int, default=10000, help="Skip the rdflib baseline above this size."
    )
    parser.add_argument("--no-write", action="store_true", help="Print only; leave results.json alone.")
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        row = bench(size, args.rdflib_limit)
        rows.append(row)
        print(json.dumps(row), flush=True)
    if not args.no_write:
        RESULTS.write_text(
            json.dumps(
                {
                    "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                    "machine": f"{platform.machine()}, {mp.cpu_count()} cores, Python {platform.python_version()}",
                    "results": rows,
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
        print(f"wrote {RESULTS}", file=sys.stderr)


if __name__ == "__main__":
    main()

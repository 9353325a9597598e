"""Reads beside writes: does a cheap read keep answering while eight clients post claims?

Starts ``claimgraph serve`` (waitress, its query workers) on a store holding the test
corpus, then measures one reader sending a cheap query (an ``ASK`` about an IRI never asked
before, so that no cache answers it) for ``--seconds``:

* **idle**: the reader alone (the read-only workload);
* **mixed**: the reader beside ``--writers`` clients, each posting a new claim sheet with
  its document (``POST /claims``, validated and committed) again and again.

It reports the read's p50 and p95 in both, their ratio (the target: the p95 under writes
within 5× the idle p95 on the same machine), and the writes' count, statuses and latency::

    .venv/bin/python benchmarks/mixed.py --seconds 30 --writers 8

which prints a table, writes ``benchmarks/mixed.json`` and its own section of
``benchmarks/RESULTS.md`` (between the markers below; ``benchmarks/run.py`` keeps it).
``make bench-mixed`` runs it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import free_port, server  # noqa: E402
from sections import Section, stamp  # noqa: E402

RESULTS_MD = HERE / "RESULTS.md"
BEGIN, END = "<!-- reads-beside-writes: written by benchmarks/mixed.py -->", "<!-- /reads-beside-writes -->"
SECTION = Section(BEGIN, END)

ROOT = HERE.parent
SECOND = ROOT / "tests" / "data" / "second"
TOKEN = "bench-token"


def _load(store: Path) -> None:
    from claimgraph.api import Claimgraph
    from claimgraph.config import load_settings

    cg = Claimgraph(load_settings({"store": str(store)}, environ={}))
    opened = cg.open_store()
    cg.load(opened, ROOT / "tests" / "data" / "mini")
    opened.close()


def _post_form(writer: int, n: int) -> tuple[dict, dict]:
    """A new document and its one-claim sheet (a death count the mayor gave, in its own words)."""
    ident = f"bench-{writer}-{n}-{uuid.uuid4().hex[:6]}"
    text = f"Report {ident}: the mayor said the flood of 3 May 2020 left {n + 1} dead.\n".encode()
    sheet = (
        f"document:\n  id: {ident}\n  file: {ident}.txt\n  sha256: {hashlib.sha256(text).hexdigest()}\n"
        f"  creator: radio\n  language: en\nclaims:\n"
        f"  - subject: flood-2020\n    predicate: cg:deathCount\n    value: {n + 1}\n"
        f"    claimant: mayor\n    quote: left {n + 1} dead\n    count_kind: killed\n    wording: dead\n"
    )
    data = {
        "sheet": sheet,
        "corpus": (SECOND / "corpus.yaml").read_text(encoding="utf-8"),
        "corpus_name": "second",
    }
    return data, {"document": (f"{ident}.txt", text)}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _reads(base: str, seconds: float, stop: threading.Event | None = None) -> dict:
    latencies, statuses = [], Counter()
    session = requests.Session()
    end = time.monotonic() + seconds
    while time.monotonic() < end and not (stop is not None and stop.is_set()):
        query = f"ASK {{ <urn:bench:{uuid.uuid4().hex}> ?p ?o }}"
        started = time.perf_counter()
        response = session.get(f"{base}/sparql", params={"query": query}, timeout=120)
        latencies.append(time.perf_counter() - started)
        statuses[response.status_code] += 1
        time.sleep(0.05)  # a reader, not a load generator
    return {
        "reads": len(latencies),
        "statuses": dict(statuses),
        "p50_ms": round(1000 * statistics.median(latencies), 1),
        "p95_ms": round(1000 * _percentile(latencies, 0.95), 1),
        "max_ms": round(1000 * max(latencies), 1),
    }


def _writer(base: str, writer: int, stop: threading.Event, out: list) -> None:
    session = requests.Session()
    n = 0
    while not stop.is_set():
        data, files = _post_form(writer, n)
        started = time.perf_counter()
        response = session.post(
            f"{base}/claims",
            data=data,
            files=files,
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=300,
        )
        out.append((response.status_code, time.perf_counter() - started))
        n += 1


def measure(*, seconds: float, writers: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="cg-mixed-"))
    try:
        store = work / "store"
        _load(store)
        port = free_port()
        command = [
            str(ROOT / ".venv" / "bin" / "claimgraph"),
            "serve",
            "--store",
            str(store),
            "--port",
            str(port),
            "--token",
            TOKEN,
            "--threads",
            str(writers + 4),
        ]
        base = f"http://127.0.0.1:{port}"
        with server(command, port, startup=120):
            _reads(base, 3)  # warm the workers
            idle = _reads(base, seconds)
            stop, done = threading.Event(), []
            threads = [
                threading.Thread(target=_writer, args=(base, w, stop, done), daemon=True)
                for w in range(writers)
            ]
            for thread in threads:
                thread.start()
            time.sleep(1)
            mixed = _reads(base, seconds)
            stop.set()
            for thread in threads:
                thread.join(300)
            logs = sorted(p.name for p in store.glob("LOG.old.*"))
            size = sum(p.stat().st_size for p in store.rglob("*") if p.is_file())
        write_times = [t for status, t in done if status in (200, 201)]
        return {
            "seconds": seconds,
            "writers": writers,
            "idle": idle,
            "mixed": mixed,
            "p95_ratio": round(mixed["p95_ms"] / idle["p95_ms"], 1),
            "writes": {
                "count": len(done),
                "statuses": dict(Counter(status for status, _ in done)),
                "p50_s": round(statistics.median(write_times), 2) if write_times else None,
            },
            "store": {"engine_logs_old": len(logs), "folder_mb": round(size / 1e6, 1)},
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def render(result: dict) -> str:
    idle, mixed, writes = result["idle"], result["mixed"], result["writes"]
    met = "met" if result["p95_ratio"] <= 5 else "**not met**"
    return "\n".join(
        [
            BEGIN,
            "## Reads beside writes (issue 21)",
            "",
            f"Measured {result.get('measured', 'before dates were recorded')} at commit "
            f"{result.get('commit', '?')} by `make bench-mixed` (`benchmarks/mixed.py`): `claimgraph serve` "
            f"on the test corpus; one reader sends a cheap `ASK` never asked before (no cache answers it) "
            f"for {result['seconds']:g} s alone, then for {result['seconds']:g} s beside "
            f"{result['writers']} clients posting claim sheets with their documents (`POST /claims`).",
            "",
            "| workload | reads | p50 ms | p95 ms | max ms | statuses |",
            "|---|---|---|---|---|---|",
            f"| read only | {idle['reads']} | {idle['p50_ms']} | {idle['p95_ms']} | {idle['max_ms']} | {idle['statuses']} |",
            f"| beside {result['writers']} writers | {mixed['reads']} | {mixed['p50_ms']} | {mixed['p95_ms']} "
            f"| {mixed['max_ms']} | {mixed['statuses']} |",
            "",
            f"p95 under writes / idle p95: {result['p95_ratio']}× (target ≤ 5×); writes: {writes['count']} "
            f"{writes['statuses']}, p50 {writes['p50_s']} s; store after them: {result['store']}",
            "",
            f"Target: a cheap read's p95 beside {result['writers']} writers within 5× its idle p95 "
            f"on the same machine: {met} ({result['p95_ratio']}×).",
            END,
            "",
        ]
    )


def with_section(document: str, section: str) -> str:
    """``document`` with its reads-beside-writes section replaced by ``section``."""
    return SECTION.replace(document, section)


def section_of(path: Path) -> str | None:
    """The reads-beside-writes section of a RESULTS.md, if it has one (so that another writer keeps it)."""
    return SECTION.found_in(path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--output", type=Path, default=HERE / "mixed.json")
    parser.add_argument(
        "--out", type=Path, default=RESULTS_MD, help="The RESULTS.md to write the section into."
    )
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="Write the section from --output's recorded run, measure nothing.",
    )
    options = parser.parse_args(argv)
    if options.render_only:
        result = json.loads(options.output.read_text("utf-8"))
    else:
        result = measure(seconds=options.seconds, writers=options.writers)
        result = {**stamp(), **result}
        options.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    section = render(result)
    SECTION.write(options.out, section)
    print(section)


if __name__ == "__main__":
    main()

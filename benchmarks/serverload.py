"""A large ``claimgraph load`` onto a SPARQL server, as a user runs it: exit status, time, peak RSS.

Issue 17's target: a 100,000-claim load onto Oxigraph's server and onto Virtuoso succeeds
(exit 0) with claimgraph's peak RSS under 1 GiB. For each size and server this generates
a corpus (``generate.py``), starts the server (``tests/servers.py``: a temporary folder, a
free port of 127.0.0.1, Graph Store staging on), runs ``claimgraph load`` in a child
process and reads the child's peak RSS from the kernel (``wait4``), then ``claimgraph stats``
(its answer and the median time of three runs: its figures are kept by each commit, so
its time should not grow with the store)::

    .venv/bin/python benchmarks/serverload.py --sizes 10000 --backends virtuoso

Each result is printed and added to ``benchmarks/serverload.json`` (one object per run), and
``RESULTS.md``'s section "Large loads onto a SPARQL server" is written again from that file
(the newest run of each server and size). ``--stats-also CLAIMGRAPH`` times another
claimgraph's ``stats`` on the same loaded server too (an earlier checkout's, to compare).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from generate import make_corpus  # noqa: E402
from sections import Section, stamp  # noqa: E402

BASE = "http://127.0.0.1:5000/"
RESULTS = HERE / "serverload.json"
#: ``claimgraph stats`` runs timed after the load (their median is recorded)
STATS_RUNS = 3
SECTION = Section("<!-- serverload: written by benchmarks/serverload.py -->", "<!-- /serverload -->")


def _timed_stats(claimgraph: str, environ: dict[str, str]) -> tuple[float, list[str]]:
    """The median time of STATS_RUNS runs of ``claimgraph stats`` (the whole command,
    interpreter start included), and the last run's first lines (or error)."""
    times = []
    for _ in range(STATS_RUNS):
        started = time.perf_counter()
        stats = subprocess.run([claimgraph, "stats"], env=environ, capture_output=True, text=True)
        times.append(time.perf_counter() - started)
    shown = stats.stdout.strip().splitlines()[:10] or stats.stderr.strip().splitlines()[-2:]
    return round(sorted(times)[len(times) // 2], 2), shown


def load_onto(backend: str, claims: int, work: Path, also: str | None = None) -> dict:
    from tests.servers import start

    corpus = work / f"corpus-{claims}"
    if not corpus.exists():
        make_corpus(corpus, claims)
    server = start(backend, work / f"{backend}-{claims}")
    try:
        environ = {
            **os.environ,
            "CLAIMGRAPH_STORE": server.url,
            "CLAIMGRAPH_UPDATE_URL": server.update_url,
            "CLAIMGRAPH_GSP_URL": server.gsp_url,
            "CLAIMGRAPH_BASE_IRI": BASE,
            "CLAIMGRAPH_ONTOLOGY_DIR": str(ROOT / "ontology"),
        }
        command = [str(ROOT / ".venv" / "bin" / "claimgraph"), "load", str(corpus)]
        started = time.perf_counter()
        out_path, err_path = work / "load.out", work / "load.err"
        with out_path.open("w") as out_file, err_path.open("w") as err_file:
            child = subprocess.Popen(command, env=environ, stdout=out_file, stderr=err_file)
            _, status, usage = os.wait4(child.pid, 0)  # the child's own peak RSS, from the kernel
        seconds = time.perf_counter() - started
        out, err = out_path.read_text(), err_path.read_text()
        found = {
            "backend": backend,
            "claims": claims,
            "exit": os.waitstatus_to_exitcode(status),
            "seconds": round(seconds, 1),
            "peak RSS (MiB)": round(usage.ru_maxrss / 1024),
            "stdout tail": out.strip().splitlines()[-3:],
            "stderr tail": err.strip().splitlines()[-5:],
        }
        found["stats seconds"], found["stats"] = _timed_stats(
            str(ROOT / ".venv" / "bin" / "claimgraph"), environ
        )
        if also:
            found["stats also"] = also
            found["stats also seconds"], found["stats also answer"] = _timed_stats(also, environ)
        return found
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000])
    parser.add_argument(
        "--backends", nargs="+", default=["oxigraph", "virtuoso"], choices=["oxigraph", "virtuoso"]
    )
    parser.add_argument("--stats-also", help="another claimgraph executable whose stats to time too")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="claimgraph-serverload-") as folder:
        for claims in arguments.sizes:
            for backend in arguments.backends:
                found = load_onto(backend, claims, Path(folder), arguments.stats_also)
                when = stamp()
                found["when"], found["commit"] = when["measured"], when["commit"]
                print(json.dumps(found, indent=1), flush=True)
                with RESULTS.open("a", encoding="utf-8") as results:
                    results.write(json.dumps(found) + "\n")
                SECTION.write(arguments.out, section(RESULTS))


def section(recorded: Path) -> str:
    """The RESULTS.md section: the newest run of each (server, size) in ``recorded``."""
    newest: dict[tuple[str, int], dict] = {}
    for line in recorded.read_text(encoding="utf-8").splitlines():
        if line.strip():
            run = json.loads(line)
            newest[run["backend"], run["claims"]] = run
    rows = [
        "| server | claims | exit | load (s) | peak RSS (MiB) | `stats` (s) | measured |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    notes = []
    for (backend, claims), run in sorted(newest.items()):
        rows.append(
            f"| {backend} | {claims:,} | {run['exit']} | {run['seconds']} | {run['peak RSS (MiB)']} "
            f"| {run.get('stats seconds', '–')} | {run['when']} {run.get('commit', '')} |"
        )
        if "stats also seconds" in run:
            notes.append(
                f"- {backend}, {claims:,} claims: `stats` of `{run['stats also']}` on the same server: "
                f"{run['stats also seconds']} s"
            )
    return "\n".join(
        [
            SECTION.begin,
            "## Large loads onto a SPARQL server (issue 17)",
            "",
            "Measured by `benchmarks/serverload.py`: a generated corpus loaded by `claimgraph load` onto a "
            "fresh server (exit status, time, the CLI's peak RSS from the kernel), then `claimgraph stats` "
            f"on it (the median of {STATS_RUNS} runs of the whole command, interpreter start included; "
            "its figures are kept by each commit, so its time should not grow with the store). "
            "Target: a 100,000-claim load succeeds, exit 0, peak RSS < 1 GiB.",
            "",
            *rows,
            *(["", *notes] if notes else []),
            SECTION.end,
            "",
        ]
    )


def section_of(path: Path) -> str | None:
    """This section of a RESULTS.md, if it has one (so that ``run.py`` keeps it)."""
    return SECTION.found_in(path)


def with_section(document: str, text: str) -> str:
    return SECTION.replace(document, text)


if __name__ == "__main__":
    main()

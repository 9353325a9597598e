"""A large ``claimgraph load`` onto a SPARQL server, as a user runs it: exit status, time, peak RSS.

Issue 17's target: a 100,000-claim load onto Oxigraph's server and onto Virtuoso succeeds
(exit 0) with claimgraph's peak RSS under 1 GiB. For each size and server this generates
a corpus (``generate.py``), starts the server (``tests/servers.py``: a temporary folder, a
free port of 127.0.0.1, Graph Store staging on), runs ``claimgraph load`` in a child
process and reads the child's peak RSS from the kernel (``wait4``), then the store's count
of quads and of claims::

    .venv/bin/python benchmarks/serverload.py --sizes 10000 --backends virtuoso

Each result is printed and added to ``benchmarks/serverload.json`` (one object per run).
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

BASE = "http://127.0.0.1:5000/"
RESULTS = HERE / "serverload.json"


def load_onto(backend: str, claims: int, work: Path) -> dict:
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
        stats = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "claimgraph"), "stats"], env=environ, capture_output=True, text=True
        )
        found["stats"] = stats.stdout.strip().splitlines()[:6] or stats.stderr.strip().splitlines()[-2:]
        return found
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000])
    parser.add_argument(
        "--backends", nargs="+", default=["oxigraph", "virtuoso"], choices=["oxigraph", "virtuoso"]
    )
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="claimgraph-serverload-") as folder:
        for claims in arguments.sizes:
            for backend in arguments.backends:
                found = load_onto(backend, claims, Path(folder))
                found["when"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
                print(json.dumps(found, indent=1), flush=True)
                with RESULTS.open("a", encoding="utf-8") as results:
                    results.write(json.dumps(found) + "\n")


if __name__ == "__main__":
    main()

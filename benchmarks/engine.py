"""The write engine's cost (issue 20): does a write cost its change, whatever the keys it touches hold?

``make bench-engine`` (``.venv/bin/python benchmarks/engine.py --sizes 1000 10000``) measures,
for each store size, two workloads side by side, each in a store built by a validated load:

* **spread** (today's): the generator's corpus, whose events are about 1% as many as its
  claims, so that each consensus key holds about the same number of claims at every size;
* **crowded keys**: the same number of claims about four events, so that every key holds a
  share of the whole store (hundreds of claims at 1,000, tens of thousands at 100,000), and
  every new claim is about one of those events.

On a copy of each store it times, three times each (``benchmarks/writes.py``): a 250-claim
load (three documents), a 10-claim ``POST /claims`` and the withdrawal of a 100-claim
document; and the phases of the 250-claim load and of the store's own build load (read,
validate, spool, consensus, commit, index: ``benchmarks/phases.py``). Once per run, it times a
CLI load of 250 claims (a new process, as a user runs it) with the vocabulary derived anew
(an empty cache folder) and kept (the cache folder of an earlier load).

It writes its own section of ``benchmarks/RESULTS.md`` (the targets of issue 20, met or
not, with the cause this run shows) and ``benchmarks/engine.json``. The machine is shared:
read the ratios, measured within one run.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import writes  # noqa: E402
from generate import make_corpus, sizes  # noqa: E402
from phases import PHASES  # noqa: E402
from sections import Section  # noqa: E402

RESULTS_MD = HERE / "RESULTS.md"
BEGIN, END = "<!-- write-engine: written by benchmarks/engine.py -->", "<!-- /write-engine -->"
SECTION = Section(BEGIN, END)
#: The crowded-keys workload's events: every claim of the store is about one of them.
CROWDED_EVENTS = 4
BATCH = 250
WORKLOADS = {"spread": None, "crowded keys": CROWDED_EVENTS}
CONSENSUS_CAUSE = (
    ": a load keeps its keys' records from its new claims and the records' summaries "
    "(`upkeep`), but reads the source groups its claims share an agent with, whole (their "
    "agents grow with the store where a few agents join every claim); a key a claim leaves is "
    "still derived again from all its claims (`upkeep.derived_again`)"
)
LOAD = f"load {BATCH:,} claims (s)"
WRITES = (LOAD, "POST /claims, 10 claims (s)", "withdraw a 100-claim document (s)")


def measure_size(claims: int, workload: str) -> dict:
    """Build a store of ``claims`` claims for ``workload`` and time its writes and phases."""
    events = WORKLOADS[workload]
    work = Path(tempfile.mkdtemp(prefix=f"claimgraph-engine-{claims}-"))
    try:
        build: dict[str, float] = {}
        store, corpus, _seconds = writes.build_store(work, claims, events, phases=build)
        read_back = index_read_back(store)
        row = writes.measure(
            store=store, corpus=corpus, claims=claims, batch=BATCH, events=events, phases=True
        )
        row["index read back by SPARQL (s)"] = read_back
        key_claims = claims // sizes(claims, events)[0]
        # A store smaller than the batch (the smoke run) loads as many claims as it holds.
        row[LOAD] = row.pop(next(k for k in row if k.startswith("load ") and k != "load phases (s)"))
        return {"workload": workload, "claims per event": key_claims, "build phases (s)": build, **row}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def index_read_back(store: Path) -> float:
    """Seconds to index the store's document graphs by reading them back by SPARQL, as every
    load did before its new graphs were indexed from its own triples (the build's index phase)."""
    from claimgraph.search import SearchIndex, update

    app = writes._claimgraph(store)
    opened = app.open_store(read_only=True)
    try:
        graphs = [g for g in opened.graph_names() if "/graph/document/" in str(g)]
        start = time.perf_counter()
        update(SearchIndex(None), lambda sparql: opened.query(sparql).rows, graphs)
        return time.perf_counter() - start
    finally:
        opened.close()


def measure_vocabulary(runs: int) -> dict:
    """A CLI load of 250 claims into a new store: the vocabulary derived anew, and kept."""
    work = Path(tempfile.mkdtemp(prefix="claimgraph-engine-cli-"))
    try:
        corpus = work / "corpus"
        make_corpus(corpus, BATCH)
        kept = work / "kept"
        command = [
            str(Path(sys.executable).parent / "claimgraph"),
            "load",
            "--ontology-dir",
            str(ROOT / "ontology"),
        ]

        def load(cache: Path, n: int) -> tuple[float, float]:
            """Wall seconds, and CPU seconds of the process (what a shared machine does not inflate)."""
            used = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(
                [*command, "--store", str(work / f"store-{n}"), "--cache-dir", str(cache), str(corpus)],
                check=True,
                capture_output=True,
            )
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            return wall, after.ru_utime + after.ru_stime - used.ru_utime - used.ru_stime

        load(kept, 0)  # fills the kept cache
        cold, warm = [], []
        for n in range(runs):  # interleaved, so that the machine's load falls on both alike
            cold.append(load(work / f"empty-{n}", 2 * n + 1))
            warm.append(load(kept, 2 * n + 2))
        return {
            "derived anew (s)": writes._spread([w for w, _c in cold]),
            "kept (s)": writes._spread([w for w, _c in warm]),
            "derived anew, CPU (s)": writes._spread([c for _w, c in cold]),
            "kept, CPU (s)": writes._spread([c for _w, c in warm]),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ---------------------------------------------------------------- RESULTS.md section


def _cell(v: dict) -> str:
    return f"{v['median']:.2f} ({v['min']:.2f}–{v['max']:.2f})"


def _phases(seconds: dict) -> str:
    total = seconds["total"]
    return " · ".join(f"{p} {seconds.get(p, 0):.2f}" for p in PHASES) + f" (total {total:.2f})"


def render(result: dict) -> str:
    rows, vocabulary = result["rows"], result.get("vocabulary")
    out = [
        BEGIN,
        "## Write engine (issue 20)",
        "",
        f"Written by `make bench-engine` (`benchmarks/engine.py`) on {result['when']} at {result['commit']}. "
        "Each write runs three times on a copy of the store (undone between runs): median (range), "
        "seconds. *spread*: the generator's corpus (events about 1% as many as claims: each key "
        "holds about the same claims at every size). *crowded keys*: the same claims about "
        f"{CROWDED_EVENTS} events, and every new claim about one of them.",
        "",
        "### Writes",
        "",
        "| workload | store claims | claims per event | "
        + " | ".join(w.split(" (")[0] for w in WRITES)
        + " |",
        "|---|---|---|" + "---|" * len(WRITES),
    ]
    for r in rows:
        cells = " | ".join(_cell(r[w]) if w in r else "—" for w in WRITES)
        out.append(f"| {r['workload']} | {r['store claims']:,} | {r['claims per event']:,} | {cells} |")
    for workload in WORKLOADS:
        mine = [r for r in rows if r["workload"] == workload]
        if len(mine) > 1:
            ratios = " | ".join(f"{mine[-1][w]['median'] / mine[0][w]['median']:.2f}×" for w in WRITES)
            out.append(
                f"| {workload}: {mine[-1]['store claims']:,} ÷ {mine[0]['store claims']:,} | | | {ratios} |"
            )
    out += [
        "",
        "### Load phases (seconds of the loading thread; they add up to the load)",
        "",
        "read: sheets to RDF (and the vocabulary graphs) · validate: SHACL, with the store reads it "
        "needs (from the second chunk on the validation runs in a background process: this is the "
        "wait for it) · spool: new graphs written for the commit · consensus: the delta of the "
        "touched keys · commit: the transaction · index: the search index after the commit.",
        "",
        "| workload | store claims | load | phases |",
        "|---|---|---|---|",
    ]
    for r in rows:
        out.append(
            f"| {r['workload']} | {r['store claims']:,} | {BATCH} claims into it | {_phases(r['load phases (s)'])} |"
        )
        out.append(
            f"| {r['workload']} | {r['store claims']:,} | the store's build | {_phases(r['build phases (s)'])} |"
        )
    read_back = [r for r in rows if "index read back by SPARQL (s)" in r]
    if read_back:
        out += [
            "",
            "The build's index phase against indexing the same document graphs by reading them back "
            "by SPARQL after the commit (what every load did before its new graphs were indexed from "
            "its own triples), in the same run:",
            "",
            "| workload | store claims | index phase of the build (s) | read back by SPARQL (s) |",
            "|---|---|---|---|",
        ]
        for r in read_back:
            out.append(
                f"| {r['workload']} | {r['store claims']:,} | {r['build phases (s)']['index']:.2f} "
                f"| {r['index read back by SPARQL (s)']:.2f} |"
            )
    if vocabulary:
        out += [
            "",
            f"### The vocabulary: a CLI load of {BATCH} claims into a new store (a new process each)",
            "",
            "| vocabulary graphs | wall seconds | CPU seconds |",
            "|---|---|---|",
            f"| derived anew (empty cache folder) | {_cell(vocabulary['derived anew (s)'])} "
            f"| {_cell(vocabulary['derived anew, CPU (s)'])} |",
            f"| kept (derived by an earlier load) | {_cell(vocabulary['kept (s)'])} "
            f"| {_cell(vocabulary['kept, CPU (s)'])} |",
        ]
    out += ["", *targets(result), END]
    return "\n".join(out) + "\n"


def _changes_lines() -> dict[str, int]:
    src = ROOT / "src" / "claimgraph"
    found = [src / "changes.py"] if (src / "changes.py").exists() else sorted((src / "changes").glob("*.py"))
    return {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in found}


def targets(result: dict) -> list[str]:
    """Each target of issue 20, its figure in this run, met or not, and the cause where not."""
    rows, vocabulary = result["rows"], result.get("vocabulary")
    found: list[tuple[str, str, str, str]] = []
    lines = _changes_lines()
    big = {k: v for k, v in lines.items() if v > 400}
    found.append(
        (
            "one write engine: `changes` has no module over about 400 lines",
            ", ".join(f"{k} {v:,} lines" for k, v in lines.items()),
            "**not met**" if big else "**met**",
            "the two engines (rdflib terms for small writes, N-Triples text for streamed loads) are "
            "still in one module: item 1, which waits for the history (issue 18) and the views' "
            "consensus (issue 16) to land"
            if big
            else "",
        )
    )
    crowded = [r for r in rows if r["workload"] == "crowded keys"]
    if len(crowded) > 1:
        small, large = crowded[0], crowded[-1]
        ratio = large[LOAD]["median"] / small[LOAD]["median"]
        share = {k: large["load phases (s)"][k] - small["load phases (s)"][k] for k in PHASES}
        grew = max(share, key=lambda k: share[k])
        at_target = large["store claims"] >= 100_000 and small["store claims"] <= 1000
        verdict = (
            "**met**" if ratio <= 1.3 and at_target else ("**not met**" if ratio > 1.3 else "not measured")
        )
        found.append(
            (
                "a 250-claim load into 1,000 and into 100,000 claims, every key crowded, within 1.3×",
                f"{ratio:.2f}× from {small['store claims']:,} to {large['store claims']:,} claims "
                f"({small[LOAD]['median']:.2f} → {large[LOAD]['median']:.2f} s)",
                verdict,
                f"the phase that grew most is {grew}: {small['load phases (s)'][grew]:.2f} → "
                f"{large['load phases (s)'][grew]:.2f} s" + (CONSENSUS_CAUSE if grew == "consensus" else "")
                if ratio > 1.3
                else ("" if at_target else "100,000 claims were not measured in this run"),
            )
        )
    else:
        found.append(
            ("a 250-claim load into 1,000 and 100,000 crowded claims within 1.3×", "—", "not measured", "")
        )
    if vocabulary:
        cold, warm = vocabulary["derived anew, CPU (s)"]["median"], vocabulary["kept, CPU (s)"]["median"]
        walls = vocabulary["derived anew (s)"]["median"], vocabulary["kept (s)"]["median"]
        found.append(
            (
                "the vocabulary derived once per ontology version, not on every load",
                f"CLI load of {BATCH} claims, CPU: {cold:.2f} s derived anew, {warm:.2f} s kept "
                f"({cold - warm:.2f} s saved, {warm / cold:.2f}×); wall: {walls[0]:.2f} s and {walls[1]:.2f} s",
                "**met**" if warm < cold else "**not met**",
                "" if warm < cold else "the kept derivation saved nothing in this run",
            )
        )
    largest = max(rows, key=lambda r: r["store claims"]) if rows else None
    if largest and "index read back by SPARQL (s)" in largest:
        ours, back = largest["build phases (s)"]["index"], largest["index read back by SPARQL (s)"]
        found.append(
            (
                "the search index built from the write path's own data, not read back by SPARQL",
                f"the build of {largest['store claims']:,} claims: index phase {ours:.2f} s; the same "
                f"graphs read back by SPARQL {back:.2f} s",
                "**met**" if ours < back else "**not met**",
                "" if ours < back else "staging the entries cost more than reading them back in this run",
            )
        )
    found.append(
        (
            "1,000,000 claims: validated load within 3× of pyoxigraph's bulk load, peak RSS under 2 GiB",
            f"not run (largest build: {largest['store claims']:,} claims, {_phases(largest['build phases (s)'])})"
            if largest
            else "not run",
            "not measured",
            "",
        )
    )
    out = [
        "### Targets (issue 20)",
        "",
        "| target | measured | verdict | where not met: the cause, as this run shows it |",
        "|---|---|---|---|",
    ]
    out += [f"| {t} | {m} | {v} | {why} |" for t, m, v, why in found]
    return out


def with_section(document: str, section: str) -> str:
    """``document`` with this benchmark's section replaced by ``section`` (added at the end if none)."""
    return SECTION.replace(document, section)


def section_of(path: Path) -> str | None:
    """This benchmark's section of a RESULTS.md, if it has one (so that another writer keeps it)."""
    return SECTION.found_in(path)


def _commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--vocabulary-runs", type=int, default=5, help="CLI loads of each kind (0: none).")
    parser.add_argument(
        "--out", type=Path, default=RESULTS_MD, help="The RESULTS.md to write the section into."
    )
    parser.add_argument("--runs", type=int, default=writes.RUNS, help="Runs of each write.")
    args = parser.parse_args(argv)
    writes.RUNS = args.runs
    from claimgraph.vocabulary import derived

    derived(ROOT / "ontology")  # the one derivation of this process, before any load is timed
    result: dict = {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "commit": _commit(),
        "rows": [],
    }
    if args.vocabulary_runs:
        print("[vocabulary] CLI loads", file=sys.stderr, flush=True)
        result["vocabulary"] = measure_vocabulary(args.vocabulary_runs)
    for size in args.sizes:
        for workload in WORKLOADS:
            print(f"[{size}] {workload}", file=sys.stderr, flush=True)
            result["rows"].append(measure_size(size, workload))
        # Written after each size: a run stopped at a larger one keeps what it measured.
        result["rows"].sort(key=lambda r: (list(WORKLOADS).index(r["workload"]), r["store claims"]))
        write(args.out, result)


def write(out: Path, result: dict) -> None:
    """The run's figures into ``engine.json`` and its section into ``out`` (RESULTS.md)."""
    out.with_name("engine.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    section = render(result)
    text = out.read_text(encoding="utf-8") if out.is_file() else "# Benchmark results\n"
    out.write_text(with_section(text, section), encoding="utf-8")
    print(section)


if __name__ == "__main__":
    main()

"""What the history costs: a 10-claim ``POST /claims`` and a 100-claim withdrawal with the
history recorded and without it, the history graph's size after the writes, and whether a
write costs more once the history is long.

For each store size: a store of that many generated claims (a validated load), then, on it,

* the 10-claim sheet (``Claimgraph.add_sheet``, what ``POST /claims`` runs) and the withdrawal
  of a 100-claim document (``Claimgraph.withdraw``), ``--runs`` times each, undone between runs,
  with the history (as claimgraph writes) and without it (the write path's record hook turned
  off, for the comparison only);
* ``--grow`` more entries added to the history (curator writes, which change nothing else),
  and the same two writes timed again: a write's cost must not grow with the history's length;
* the quads of ``<base>graph/history`` and ``<base>graph/withdrawn``, and the entries.

Run::

    .venv/bin/python benchmarks/history.py --sizes 1000 10000

which prints a table, writes ``benchmarks/history.json`` and its own section of
``benchmarks/RESULTS.md`` (``benchmarks/run.py`` keeps it). ``make bench-history`` runs it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from sections import Section, stamp  # noqa: E402
from writes import _claimgraph, _timed, build_store, fresh_documents, one_document  # noqa: E402

RUNS = 5
RESULTS_MD = HERE / "RESULTS.md"
SECTION = Section("<!-- history-cost: written by benchmarks/history.py -->", "<!-- /history-cost -->")


def _writes(app, opened, work: Path, corpus: Path, runs: int, tag: str) -> dict:
    from claimgraph.api import SheetUpload

    ten = fresh_documents(work / f"ten-{tag}", 10, f"h{tag}")
    app.load(opened, ten)
    [sheet] = sorted(ten.glob("doc-*.yaml"))
    app.withdraw(opened, f"h{tag}-{sheet.stem}")
    upload = SheetUpload(
        sheet=sheet.read_text(encoding="utf-8"),
        name=sheet.name,
        document=sheet.with_suffix(".txt").read_bytes(),
        corpus_name=f"ten-{tag}",
    )
    victim = sorted(corpus.glob("doc-*.yaml"))[0].stem
    back = one_document(corpus, victim, work / f"back-{tag}")
    import writes

    writes.RUNS = runs
    post = _timed(lambda: app.add_sheet(opened, upload), lambda: app.withdraw(opened, f"h{tag}-{sheet.stem}"))
    withdraw = _timed(lambda: app.withdraw(opened, victim), lambda: app.load(opened, back))
    return {"post": post, "withdraw": withdraw}


def _count(opened, graph: str) -> int:
    rows = opened.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}").rows
    return int(rows[0]["n"].toPython())


def measure(*, store: Path, corpus: Path, claims: int, runs: int = RUNS, grow: int = 1000) -> dict:
    import claimgraph.api as api

    work = Path(tempfile.mkdtemp(prefix="claimgraph-history-"))
    try:
        copy = work / "store"
        shutil.copytree(store, copy)
        app = _claimgraph(copy)
        opened = app.open_store()
        try:
            recorded = _writes(app, opened, work, corpus, runs, "with")
            real = api.recorder
            api.recorder = lambda *_a, **_k: lambda _plan: ((), ())  # the comparison only
            try:
                bare = _writes(app, opened, work, corpus, runs, "without")
            finally:
                api.recorder = real
            short = app.history_length(opened)
            for n in range(grow):
                app.add_curator(opened, f"bench-{n}")
            grown = _writes(app, opened, work, corpus, runs, "long")
            long = app.history_length(opened)
            history = _count(opened, str(app.history_graph))
            withdrawn = _count(opened, str(app.withdrawn_graph))
        finally:
            opened.close()
        return {
            "store claims": claims,
            "POST /claims, 10 claims, with history (s)": recorded["post"],
            "POST /claims, 10 claims, without (s)": bare["post"],
            "withdraw 100 claims, with history (s)": recorded["withdraw"],
            "withdraw 100 claims, without (s)": bare["withdraw"],
            f"POST /claims after {grow:,} more entries (s)": grown["post"],
            f"withdraw after {grow:,} more entries (s)": grown["withdraw"],
            "history entries (short, long)": [short, long],
            "history graph quads": history,
            "withdrawn graph quads": withdrawn,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def render(rows: list[dict]) -> str:
    keys = [k for k in rows[0] if isinstance(rows[0][k], dict)]
    out = ["| store claims | " + " | ".join(keys) + " | entries | history quads | withdrawn quads |"]
    out.append("|---" * (len(keys) + 4) + "|")
    for row in rows:
        cells = [f"{row[k]['median']:.3f} ({row[k]['min']:.3f}–{row[k]['max']:.3f})" for k in keys]
        short, long = row["history entries (short, long)"]
        extra = [
            f"{short:,} → {long:,}",
            f"{row['history graph quads']:,}",
            f"{row['withdrawn graph quads']:,}",
        ]
        out.append(f"| {row['store claims']:,} | " + " | ".join(cells + extra) + " |")
    return "\n".join(out)


def section(rows: list[dict], when: dict[str, str]) -> str:
    """The history-cost section of RESULTS.md: the table, and the target (a write's cost does not
    grow with the history's length: within 1.5× after ``--grow`` more entries) met or not."""
    verdicts = []
    for row in rows:
        for write, after in (
            ("POST /claims, 10 claims, with history (s)", "POST /claims after 1,000 more entries (s)"),
            ("withdraw 100 claims, with history (s)", "withdraw after 1,000 more entries (s)"),
        ):
            if write in row and after in row:
                ratio = row[after]["median"] / row[write]["median"]
                verdict = "met" if ratio <= 1.5 else "**not met**"
                verdicts.append(
                    f"- {row['store claims']:,} claims, {write.split(',')[0]}: {ratio:.2f}× after the longer history ({verdict})"
                )
    return "\n".join(
        [
            SECTION.begin,
            "## What the history costs (issue 18)",
            "",
            f"Measured {when.get('measured', '?')} at commit {when.get('commit', '?')} by `make bench-history` "
            "(`benchmarks/history.py`): on a store of generated claims, a 10-claim sheet (what `POST /claims` runs) "
            "and the withdrawal of a 100-claim document, with the history recorded and without it (the record "
            "hook turned off, for the comparison only), then again after 1,000 more history entries. "
            "Median (range) in seconds.",
            "",
            render(rows),
            "",
            "Target: a write's cost does not grow with the history's length (within 1.5× after the longer history):",
            *verdicts,
            SECTION.end,
            "",
        ]
    )


def section_of(path: Path) -> str | None:
    """The history-cost section of a RESULTS.md, if it has one (so that another writer keeps it)."""
    return SECTION.found_in(path)


def with_section(document: str, text: str) -> str:
    return SECTION.replace(document, text)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument(
        "--grow", type=int, default=1000, help="entries added to the history before timing again"
    )
    parser.add_argument("--output", type=Path, default=HERE / "history.json")
    parser.add_argument(
        "--out", type=Path, default=RESULTS_MD, help="The RESULTS.md to write the section into."
    )
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="Write the section from --output's recorded run, measure nothing.",
    )
    args = parser.parse_args(argv)
    if args.render_only:
        recorded = json.loads(args.output.read_text("utf-8"))
        rows, when = recorded["rows"], recorded["when"]
        SECTION.write(args.out, section(rows, when))
        print(render(rows))
        return
    when = stamp()
    rows = []
    for size in args.sizes:
        work = Path(tempfile.mkdtemp(prefix=f"claimgraph-history-{size}-"))
        try:
            print(f"[{size}] building the store", file=sys.stderr, flush=True)
            store, corpus, seconds = build_store(work, size)
            print(f"[{size}] built in {seconds:.0f} s; measuring", file=sys.stderr, flush=True)
            rows.append(measure(store=store, corpus=corpus, claims=size, runs=args.runs, grow=args.grow))
        finally:
            shutil.rmtree(work, ignore_errors=True)
    args.output.write_text(json.dumps({"when": when, "rows": rows}, indent=2) + "\n", encoding="utf-8")
    SECTION.write(args.out, section(rows, when))
    print(render(rows))


if __name__ == "__main__":
    main()

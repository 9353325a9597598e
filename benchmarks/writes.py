"""Writes into a large store: does a write cost what it changes, not what the store holds?

``measure(store=, corpus=, claims=)`` (the slot of ``benchmarks/run.py``) takes a store
already loaded with ``claims`` generated claims and times, on a copy of it, three writes
through the one write path (:mod:`claimgraph.changes`):

* a 1,000-claim corpus of ten new documents (``claimgraph load``);
* a 10-claim claim sheet with its document (what ``POST /claims`` runs);
* the withdrawal of one 100-claim document (what ``claimgraph withdraw`` and
  ``DELETE /claims/<id>`` run).

The new documents talk about entities already in the store (the registry) and have
texts of their own, so that nothing is refused as a copy. Each write runs three times
(it is undone between runs: the added documents are withdrawn, the withdrawn one is
loaded again, alone); the median and the range are reported.

Run on its own for a set of store sizes (each store is built by a validated load)::

    .venv/bin/python benchmarks/writes.py --sizes 10000 100000

which prints a table and writes ``benchmarks/writes.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import make_corpus  # noqa: E402

ROOT = HERE.parent
BASE = "http://127.0.0.1:5000/"  # as benchmarks/run.py mints its stores
RUNS = 3


def _claimgraph(store: Path, base: str = BASE):
    from claimgraph.api import Claimgraph
    from claimgraph.config import load_settings

    return Claimgraph(
        load_settings(
            {
                "store": str(store),
                "base_iri": base,
                "ontology_dir": str(ROOT / "ontology"),
                "queries_dir": str(ROOT / "queries"),
            },
            environ={},
        )
    )


def fresh_documents(folder: Path, claims: int, prefix: str, events: int | None = None) -> Path:
    """A generated corpus of ``claims`` claims whose documents are new: ids and texts of their own."""
    make_corpus(folder, claims, events)
    for sheet in sorted(folder.glob("doc-*.yaml")):
        text_file = sheet.with_suffix(".txt")
        text = text_file.read_text(encoding="utf-8") + f"(written for the {prefix} write benchmark)\n"
        text_file.write_text(text, encoding="utf-8")
        lines = []
        for line in sheet.read_text(encoding="utf-8").splitlines():
            if line.startswith("  id: "):
                line = line.replace("  id: ", f"  id: {prefix}-", 1)
            elif line.startswith("  sha256: "):
                line = f"  sha256: {hashlib.sha256(text.encode('utf-8')).hexdigest()}"
            lines.append(line)
        sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def one_document(corpus: Path, document: str, where: Path) -> Path:
    """A copy of ``corpus`` with one document only, under the same folder name (the same
    corpus), so that a withdrawn document is loaded back without reloading the corpus."""
    folder = where / corpus.name
    folder.mkdir(parents=True)
    shutil.copy(corpus / "corpus.yaml", folder)
    for path in corpus.glob(f"{document}.*"):
        shutil.copy(path, folder)
    return folder


def _spread(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": len(values)}


def _timed(write: Callable[[], object], undo: Callable[[], object]) -> dict:
    seconds = []
    for _ in range(RUNS):
        start = time.perf_counter()
        write()
        seconds.append(time.perf_counter() - start)
        undo()
    return _spread(seconds)


def measure(
    *,
    store: Path,
    corpus: Path,
    claims: int,
    base: str = BASE,
    batch: int = 1000,
    events: int | None = None,
    phases: bool = False,
) -> dict:
    """Time a ``batch``-claim load, a 10-claim sheet and a withdrawal on a copy of ``store``.

    For a store smaller than ``batch`` claims (the harness's smoke run), the load is as large
    as the store.

    :param events: how many events the new claims are about (the crowded-keys workload: the
        store's own few events); by default, as the generator spreads them.
    :param phases: time the load's phases too (``benchmarks/phases.py``), under ``load phases (s)``.
    """
    batch = min(batch, claims)
    from phases import timed_load

    from claimgraph.api import SheetUpload

    per_phase: list[dict[str, float]] = []

    work = Path(tempfile.mkdtemp(prefix="claimgraph-writes-"))
    try:
        copy = work / "store"
        shutil.copytree(store, copy)
        app = _claimgraph(copy, base)
        opened = app.open_store()
        try:
            thousand = fresh_documents(work / "thousand", batch, "wthousand", events)
            documents = [s.stem for s in sorted(thousand.glob("doc-*.yaml"))]

            def load_batch() -> None:
                if phases:
                    per_phase.append(timed_load(app, opened, thousand)[1])
                else:
                    app.load(opened, thousand)

            load = _timed(load_batch, lambda: [app.withdraw(opened, f"wthousand-{d}") for d in documents])
            ten = fresh_documents(work / "ten", 10, "wten", events)
            app.load(opened, ten)  # its entities in the registry; then the sheet alone, as POST /claims
            [sheet] = sorted(ten.glob("doc-*.yaml"))
            app.withdraw(opened, f"wten-{sheet.stem}")
            upload = SheetUpload(
                sheet=sheet.read_text(encoding="utf-8"),
                name=sheet.name,
                document=sheet.with_suffix(".txt").read_bytes(),
                corpus_name="ten",
            )
            post = _timed(
                lambda: app.add_sheet(opened, upload), lambda: app.withdraw(opened, f"wten-{sheet.stem}")
            )
            victim = sorted(corpus.glob("doc-*.yaml"))[0].stem
            back = one_document(corpus, victim, work / "back")
            withdraw = _timed(lambda: app.withdraw(opened, victim), lambda: app.load(opened, back))
        finally:
            opened.close()
        measured = {
            "store claims": claims,
            f"load {batch:,} claims (s)": load,
            "POST /claims, 10 claims (s)": post,
            "withdraw a 100-claim document (s)": withdraw,
        }
        if per_phase:
            measured["load phases (s)"] = {
                k: statistics.median(r[k] for r in per_phase) for k in per_phase[0]
            }
        return measured
    finally:
        shutil.rmtree(work, ignore_errors=True)


def build_store(
    folder: Path, claims: int, events: int | None = None, phases: dict | None = None
) -> tuple[Path, Path, float]:
    """A store of ``claims`` generated claims (validated load); returns store, corpus and load seconds.

    :param phases: filled with the load's seconds per phase (``benchmarks/phases.py``).
    """
    from phases import timed_load

    corpus = make_corpus(folder / "corpus", claims, events) and folder / "corpus"
    store = folder / "store"
    app = _claimgraph(store)
    opened = app.open_store()
    start = time.perf_counter()
    try:
        if phases is None:
            app.load(opened, corpus)
        else:
            phases.update(timed_load(app, opened, corpus)[1])
    finally:
        opened.close()
    return store, corpus, time.perf_counter() - start


def render(rows: list[dict]) -> str:
    keys = [k for k in rows[0] if k != "store claims" and isinstance(rows[0][k], dict)]
    out = ["| store claims | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
    for row in rows:
        cells = [f"{v['median']:.2f} ({v['min']:.2f}–{v['max']:.2f})" for v in (row[k] for k in keys)]
        out.append(f"| {row['store claims']:,} | " + " | ".join(cells) + " |")
    if len(rows) > 1:
        ratios = [f"{rows[-1][k]['median'] / rows[0][k]['median']:.2f}×" for k in keys]
        out.append("| largest ÷ smallest | " + " | ".join(ratios) + " |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--output", type=Path, default=HERE / "writes.json")
    args = parser.parse_args(argv)
    rows = []
    for size in args.sizes:
        work = Path(tempfile.mkdtemp(prefix=f"claimgraph-writes-{size}-"))
        try:
            print(f"[{size}] building the store", file=sys.stderr, flush=True)
            store, corpus, seconds = build_store(work, size)
            print(f"[{size}] built in {seconds:.0f} s; measuring writes", file=sys.stderr, flush=True)
            row = measure(store=store, corpus=corpus, claims=size)
            row["build (s)"] = seconds
            rows.append(row)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    args.output.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    print(render(rows))


if __name__ == "__main__":
    main()

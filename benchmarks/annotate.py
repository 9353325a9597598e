"""Time to record: the ten gold claims of a test document recorded through the annotation page.

Run ``make bench-annotate`` (or ``.venv/bin/python benchmarks/annotate.py``). It starts
``claimgraph serve`` on 127.0.0.1 over a store that holds the drafting tests' corpus
(``tests/data/draft/``) with the document's claims taken out, opens the annotation page in
headless Chromium (Debian's ``/usr/bin/chromium``, driven by Playwright) and records the
first ten claims of the document's gold sheet as a person would (:mod:`tests.annotator`):
drag the mouse over the quote, type a few letters in each field and choose the suggestion
with the arrow keys, type the value and the qualifiers, record with Ctrl+Enter. It checks
that the store then holds every claim with its quote, and reports the time per claim (the
page's and the server's part: a person's reading and thinking come on top) and the actions
it took (mouse gestures and key presses). It writes its own section of
``benchmarks/RESULTS.md`` (between the markers below) and ``benchmarks/annotate-results.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from sections import Section  # noqa: E402

ROOT = BENCH.parent

RESULTS_MD = BENCH / "RESULTS.md"
RESULTS_JSON = BENCH / "annotate-results.json"
BEGIN, END = "<!-- time-to-record: written by benchmarks/annotate.py -->", "<!-- /time-to-record -->"
SECTION = Section(BEGIN, END)
CLAIMS = 10


def measure(claims: int = CLAIMS) -> dict:
    """Record ``claims`` gold claims through the page; the figures."""
    sys.path.insert(0, str(ROOT))
    import requests
    from playwright.sync_api import sync_playwright

    from tests import annotator
    from tests.live import BASE, live_server, loaded_store
    from tests.test_browser import CHROMIUM, FLAGS

    gold = annotator.gold_claims(claims)
    with tempfile.TemporaryDirectory(prefix="claimgraph-annotate-") as folder:
        store = loaded_store(Path(folder), annotator.empty_corpus(Path(folder)))
        with live_server(store, env={"CLAIMGRAPH_TOKEN": annotator.TOKEN}) as server:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.set_default_timeout(30_000)
                opened = time.perf_counter()
                page.goto(f"{server.url}/document/{annotator.GOLD_DOCUMENT}/annotate")
                page.wait_for_selector("#annotate[data-ready='1']")
                ready = time.perf_counter() - opened
                actions = annotator.Actions()
                annotator.give_token(page, actions)
                setup = actions.total
                actions = annotator.Actions()
                text = requests.get(
                    f"{server.url}/document/{annotator.GOLD_DOCUMENT}/annotate.json", timeout=30
                ).json()["text"]
                per_claim = []
                for claim in gold:
                    before = actions.total
                    seconds = annotator.record(page, text, claim, "author-harbour-fire", actions)
                    per_claim.append(
                        {"quote": claim["quote"], "seconds": seconds, "actions": actions.total - before}
                    )
                browser.close()

            def select(sparql: str) -> list[dict[str, str]]:
                answer = requests.get(
                    server.sparql,
                    params={"query": sparql},
                    headers={"Accept": "application/json"},
                    timeout=30,
                )
                return [{k: v["value"] for k, v in b.items()} for b in answer.json()["results"]["bindings"]]

            stored = annotator.stored_quotes(select, BASE, annotator.GOLD_DOCUMENT)
    expected = annotator.expected_quotes(text, gold)
    seconds = [c["seconds"] for c in per_claim]
    return {
        "measured": dt.date.today().isoformat(),
        "commit": _commit(),
        "document": annotator.GOLD_DOCUMENT,
        "claims": len(gold),
        "stored_with_right_quotes": len(expected & stored),
        "page_ready_seconds": round(ready, 3),
        "seconds_per_claim": {
            "median": round(statistics.median(seconds), 3),
            "mean": round(statistics.mean(seconds), 3),
            "max": round(max(seconds), 3),
        },
        "actions": actions.total,
        "gestures": actions.gestures,
        "keys": actions.keys,
        "actions_per_claim": round(actions.total / len(gold), 1),
        "token_actions": setup,
        "per_claim": per_claim,
    }


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def render(result: dict) -> str:
    s = result["seconds_per_claim"]
    lines = [
        BEGIN,
        "## Time to record (the annotation page)",
        "",
        f"Measured {result['measured']} at commit {result['commit']} by `make bench-annotate`: headless "
        f"Chromium records the first {result['claims']} claims of the gold sheet of "
        f"`tests/data/draft/{result['document']}.txt` through `/document/{result['document']}/annotate` "
        "against `claimgraph serve` on 127.0.0.1, as a person would: drag over the quote, type a few "
        "letters in each field and choose the suggestion with the arrow keys, type the value and "
        "qualifiers, record with Ctrl+Enter. The time is the page's and the server's part (suggestions, "
        "the write, the highlight), with keys typed at 15 ms each; a person's reading and deciding come on top.",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| claims in the store with the right quote and offsets | {result['stored_with_right_quotes']} of {result['claims']} |",
        f"| seconds per claim, median (mean, max) | {s['median']:.2f} ({s['mean']:.2f}, {s['max']:.2f}) |",
        f"| actions per claim (mouse gestures + key presses) | {result['actions_per_claim']} |",
        f"| mouse gestures, all claims | {result['gestures']} |",
        f"| key presses, all claims | {result['keys']} |",
        f"| the page ready (text, claims, drafts), seconds | {result['page_ready_seconds']:.2f} |",
        f"| giving the token once (actions) | {result['token_actions']} |",
        "",
        "| claim (quote) | seconds | actions |",
        "|---|---:|---:|",
    ]
    for claim in result["per_claim"]:
        lines.append(f"| {claim['quote']} | {claim['seconds']:.2f} | {claim['actions']} |")
    lines += [
        "",
        "Most key presses are the value and the qualifiers typed whole (a date, a note); each entity, "
        "property and count kind takes four letters and one to three keys to choose. "
        "Accepting a draft (`a`, then correcting) is not measured here.",
        END,
        "",
    ]
    return "\n".join(lines)


def with_section(document: str, section: str) -> str:
    """``document`` with this benchmark's section replaced by ``section`` (added at the end if none)."""
    return SECTION.replace(document, section)


def section_of(path: Path) -> str | None:
    """This benchmark's section of a RESULTS.md, if it has one (so that another writer keeps it)."""
    return SECTION.found_in(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=RESULTS_MD, help="The RESULTS.md to write the section into."
    )
    parser.add_argument("--claims", type=int, default=CLAIMS)
    options = parser.parse_args(argv)
    if shutil.which("chromium") is None:
        sys.stderr.write("chromium is not installed (make browser)\n")
        return 2
    result = measure(options.claims)
    old = options.out.read_text("utf-8") if options.out.is_file() else "# Benchmark results\n"
    section = render(result)
    options.out.write_text(with_section(old, section), encoding="utf-8")
    options.out.with_name(RESULTS_JSON.name).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    sys.stdout.write(section)
    return 0 if result["stored_with_right_quotes"] == result["claims"] else 1


if __name__ == "__main__":
    sys.exit(main())

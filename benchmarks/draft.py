"""Draft recall: how many of a gold sheet's numbers and dates ``claimgraph draft`` proposes.

Run ``make bench-draft`` (or ``.venv/bin/python benchmarks/draft.py``). For each document
of the gold corpora — the seed documents (``seeds/``) and the document the tests wrote
(``tests/data/draft/``) — it drafts the document's claims as ``claimgraph draft`` does
(the corpus's registry, the ontology's count kinds) and compares them with the claims of
the document's sheet:

- **recall on numbers** (and **on dates**): of the gold claims whose value is a number
  (a date), the share for which a draft has the same value and a quote inside the gold
  claim's quote (by offsets into the text);
- **precision**: of the drafts that carry a value (numbers, dates, vague quantities kept
  in words), the share that match some gold claim in the same way.

Targets: recall ≥ 0.8 on numbers and ≥ 0.6 on dates, on each document. It writes its own
section of ``benchmarks/RESULTS.md`` (between the markers below; ``benchmarks/run.py``
keeps it when it writes the file) and ``benchmarks/draft-results.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from sections import Section  # noqa: E402

ROOT = BENCH.parent
RESULTS_MD = BENCH / "RESULTS.md"
RESULTS_JSON = BENCH / "draft-results.json"
#: The gold corpora: the seeds, and the document the tests wrote themselves.
CORPORA = (ROOT / "seeds", ROOT / "tests" / "data" / "draft")
#: A count-kind scheme for when the ontology has none yet (the tests' sample).
SAMPLE_SCHEME = ROOT / "tests" / "data" / "draft" / "count-kinds.ttl"
TARGETS = {"numbers": 0.8, "dates": 0.6}
BEGIN, END = "<!-- draft-recall: written by benchmarks/draft.py -->", "<!-- /draft-recall -->"
SECTION = Section(BEGIN, END)


@dataclass(frozen=True)
class Score:
    """One document's figures."""

    document: str
    numbers: tuple[int, int]  # gold numbers found, gold numbers
    dates: tuple[int, int]
    precision: tuple[int, int]  # drafts matching a gold claim, drafts with a value
    drafts: int
    seconds: float
    missed: tuple[str, ...]

    def rate(self, name: str) -> float:
        found, total = getattr(self, name)
        return found / total if total else 1.0


def kind_of(value: object) -> str | None:
    """``numbers``, ``dates`` or None: what a gold value counts towards."""
    from claimgraph.model import MonthDay, Year, YearMonth

    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return "numbers"
    if isinstance(value, dt.date | Year | YearMonth | MonthDay):
        return "dates"
    return None


def same_value(draft: object, gold: object) -> bool:
    if isinstance(draft, str) and isinstance(gold, str):
        return draft.strip().lower() == gold.strip().lower()
    return type(draft) is type(gold) and draft == gold


def score_document(text: str, gold: list, drafts: list, name: str, seconds: float = 0.0) -> Score:
    """Recall on the gold claims' numbers and dates, and the precision of the drafts with a value."""

    def matches(draft, claim) -> bool:
        return (
            same_value(draft.value, claim.value)
            and claim.quote.start <= draft.start
            and draft.end <= claim.quote.end
        )

    counts = {"numbers": [0, 0], "dates": [0, 0]}
    missed = []
    for claim in gold:
        kind = kind_of(claim.value)
        if kind is None:
            continue
        counts[kind][1] += 1
        if any(matches(d, claim) for d in drafts):
            counts[kind][0] += 1
        else:
            missed.append(f"{claim.value} «{claim.quote.exact}»")
    valued = [d for d in drafts if d.kind != "speech"]
    matched = sum(1 for d in valued if any(matches(d, c) for c in gold))
    return Score(
        document=name,
        numbers=tuple(counts["numbers"]),
        dates=tuple(counts["dates"]),
        precision=(matched, len(valued)),
        drafts=len(drafts),
        seconds=seconds,
        missed=tuple(missed),
    )


def terms_for(ontology: Path):
    from claimgraph.draft import read_terms, vocabulary_files

    terms = read_terms(vocabulary_files(ontology))
    if not terms.count_kinds:
        terms = read_terms(vocabulary_files(ontology, SAMPLE_SCHEME))
    return terms


def score_corpus(folder: Path, ontology: Path = ROOT / "ontology") -> list[Score]:
    """Each document of a gold corpus, drafted and scored against its sheet."""
    from claimgraph.draft import draft_claims
    from claimgraph.sheets import read_corpus

    corpus = read_corpus(folder)
    terms = terms_for(ontology)
    scores = []
    for document in corpus.documents:
        started = time.perf_counter()
        drafts = draft_claims(
            document.text,
            creator=document.creator,
            registry=corpus.entities,
            terms=terms,
            language=(document.language or "en").split("-")[0],
            date=document.date,
        )
        seconds = time.perf_counter() - started
        gold = [c for c in corpus.claims if c.document == document.id]
        scores.append(score_document(document.text, gold, drafts, f"{folder.name}/{document.file}", seconds))
    return scores


def render(scores: list[Score]) -> str:
    def cell(score: Score, name: str) -> str:
        found, total = getattr(score, name)
        verdict = "" if name == "precision" else (" ✓" if score.rate(name) >= TARGETS[name] else " ✗")
        return f"{score.rate(name):.2f} ({found}/{total}){verdict}"

    lines = [
        BEGIN,
        "## Draft recall (`claimgraph draft`)",
        "",
        f"Written by `make bench-draft` (`benchmarks/draft.py`) on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. "
        "Recall: of a gold sheet's claims whose value is a number (a date), the share for which "
        "a draft has the same value and a quote inside the gold quote. Precision: of the drafts "
        "with a value, the share that match a gold claim so. Targets: recall ≥ 0.8 on numbers, "
        "≥ 0.6 on dates, on each document (✓ met, ✗ not met). Seconds: drafting one document "
        "(the first also loads the libraries).",
        "",
        "| document | recall, numbers | recall, dates | precision | drafts | seconds |",
        "|---|---|---|---|---|---|",
    ]
    for s in scores:
        lines.append(
            f"| {s.document} | {cell(s, 'numbers')} | {cell(s, 'dates')} | {cell(s, 'precision')} "
            f"| {s.drafts} | {s.seconds:.2f} |"
        )
    missed = [f"- {s.document}: {m}" for s in scores for m in s.missed]
    if missed:
        lines += ["", "Gold values no draft holds:", "", *missed]
    lines.append(END)
    return "\n".join(lines) + "\n"


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
    parser.add_argument("corpora", nargs="*", type=Path, default=list(CORPORA))
    options = parser.parse_args(argv)
    scores = [s for folder in options.corpora for s in score_corpus(folder)]
    section = render(scores)
    old = options.out.read_text("utf-8") if options.out.is_file() else "# Benchmark results\n"
    options.out.write_text(with_section(old, section), encoding="utf-8")
    options.out.with_name(RESULTS_JSON.name).write_text(
        json.dumps([s.__dict__ for s in scores], indent=2, default=list) + "\n", encoding="utf-8"
    )
    sys.stdout.write(section)
    met = all(s.rate(k) >= t for s in scores for k, t in TARGETS.items())
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())

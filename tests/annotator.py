"""A person at the annotation page, played by Playwright: select a passage with the mouse, pick
each field from its suggestions by typing a few letters, record with the keyboard.

Shared by the browser tests (tests/test_annotate_browser.py) and the time-to-record benchmark
(benchmarks/annotate.py), which counts the :class:`Actions` it takes and the time per claim.
Plain functions, no fixtures.
"""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from claimgraph.namespaces import expand_curie

from .live import ROOT

DRAFT = ROOT / "tests" / "data" / "draft"
#: The test document whose gold sheet the page records, claim by claim.
GOLD_DOCUMENT = "harbour-fire"
TOKEN = "annotate-test-token"


@dataclass
class Actions:
    """What a person did: mouse gestures (a drag, a click) and key presses (each character typed)."""

    gestures: int = 0
    keys: int = 0
    per_claim: list[dict[str, float]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.gestures + self.keys


def empty_corpus(folder: Path) -> Path:
    """The drafting tests' corpus with its document's sheet emptied of claims: the page records them."""
    corpus = folder / "corpus"
    corpus.mkdir(parents=True)
    shutil.copy(DRAFT / "corpus.yaml", corpus / "corpus.yaml")
    shutil.copy(DRAFT / f"{GOLD_DOCUMENT}.txt", corpus / f"{GOLD_DOCUMENT}.txt")
    sheet = (DRAFT / f"{GOLD_DOCUMENT}.yaml").read_text(encoding="utf-8")
    head = sheet.split("\nclaims:", 1)[0]
    (corpus / f"{GOLD_DOCUMENT}.yaml").write_text(head + "\nclaims: []\n", encoding="utf-8")
    return corpus


def gold_claims(count: int = 10) -> list[dict[str, Any]]:
    """The first ``count`` claims of the test document's gold sheet."""
    sheet = yaml.safe_load((DRAFT / f"{GOLD_DOCUMENT}.yaml").read_text(encoding="utf-8"))
    return sheet["claims"][:count]


def labels() -> dict[str, str]:
    """Each entity and agent id of the test corpus, with its label."""
    corpus = yaml.safe_load((DRAFT / "corpus.yaml").read_text(encoding="utf-8"))
    return {e["id"]: e["label"] for section in ("agents", "entities") for e in corpus[section]}


def give_token(page: Any, actions: Actions) -> None:
    page.locator("#token").click()
    page.keyboard.type(TOKEN)
    page.keyboard.press("Enter")
    actions.gestures += 1
    actions.keys += len(TOKEN) + 1
    page.wait_for_selector(".token-state.ok")


def select_text(page: Any, start: int, end: int, actions: Actions) -> None:
    """Drag the mouse from before the character at code point ``start`` to after ``end - 1``."""
    box = page.evaluate(
        """([start, end]) => {
          const spans = Array.from(document.querySelectorAll('#text [data-s]'));
          const at = (cp, after) => {
            let span = spans[0];
            for (const s of spans) { if (Number(s.dataset.s) <= cp) span = s; }
            const node = span.firstChild, chars = Array.from(node.data);
            const units = chars.slice(0, cp - Number(span.dataset.s)).join('').length;
            const range = document.createRange();
            const width = chars[cp - Number(span.dataset.s)].length;
            range.setStart(node, units); range.setEnd(node, units + width);
            const rect = range.getClientRects()[0];
            return after ? [rect.right - 1, rect.top + rect.height / 2] : [rect.left + 1, rect.top + rect.height / 2];
          };
          spans[0].scrollIntoView({block: 'start'});
          const first = at(start, false);
          window.scrollBy(0, first[1] - window.innerHeight / 3);
          return [at(start, false), at(end - 1, true)];
        }""",
        [start, end],
    )
    (x0, y0), (x1, y1) = box
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=4)
    page.mouse.move(x1, y1, steps=4)
    page.mouse.up()
    actions.gestures += 1
    page.wait_for_selector("#claim-form:not([hidden])")


def pick(
    page: Any, field_id: str, query: str, wanted: str, actions: Actions, *, timeout: float = 15000
) -> None:
    """Type ``query`` into a field and choose ``wanted`` among its suggestions with the arrow keys."""
    field_input = page.locator(f"#{field_id}")
    if page.evaluate("id => document.activeElement && document.activeElement.id === id", field_id):
        pass
    else:
        field_input.click()
        actions.gestures += 1
    if field_input.input_value():
        page.keyboard.press("Control+A")
        page.keyboard.press("Backspace")
        actions.keys += 2
    page.keyboard.type(query, delay=15)
    actions.keys += len(query)
    # The list as it answers the whole query (answers to shorter ones may still be on their way).
    shown = f"#{field_id}-list[data-query='{query}']:not([hidden])"
    option = page.locator(f"{shown} li[data-id='{wanted}']")
    option.wait_for(state="visible", timeout=timeout)
    ids = page.locator(f"{shown} li").evaluate_all("items => items.map(li => li.dataset.id)")
    for _ in range(ids.index(wanted)):
        page.keyboard.press("ArrowDown")
        actions.keys += 1
    page.keyboard.press("Enter")
    actions.keys += 1
    assert field_input.get_attribute("data-id") == wanted


def pick_or_type(page: Any, field_id: str, wanted: str, actions: Actions) -> None:
    """Choose ``wanted`` among the suggestions after four letters, or type it whole when it is
    not suggested (a count kind no claim has used yet)."""
    try:
        pick(page, field_id, wanted[:4], wanted, actions, timeout=2000)
    except PlaywrightTimeout:
        rest = wanted[4:]
        page.keyboard.type(rest, delay=15)
        actions.keys += len(rest)


def type_into(page: Any, field_id: str, text: str, actions: Actions) -> None:
    page.locator(f"#{field_id}").click()
    actions.gestures += 1
    page.keyboard.type(text, delay=15)
    actions.keys += len(text)


def query_for(label: str) -> str:
    """What a person types to find a label: the first four letters of its first long word."""
    words = [w for w in re.findall(r"\w+", label) if len(w) >= 4 and not w.isdigit()]
    return (words[0] if words else label)[:4].lower()


def value_text(value: Any) -> str:
    if isinstance(value, dict) and "year" in value:
        return str(value["year"])
    return str(value)


def record(page: Any, text: str, claim: dict[str, Any], creator: str, actions: Actions) -> float:
    """Record one gold claim through the page; returns the seconds it took."""
    names = labels()
    began = time.perf_counter()
    start = text.index(claim["quote"])
    select_text(page, start, start + len(claim["quote"]), actions)
    pick(page, "f-subject", query_for(names[claim["subject"]]), claim["subject"], actions)
    predicate = claim["predicate"]
    pick(page, "f-predicate", query_for(predicate.split(":")[1]), predicate, actions)
    type_into(page, "f-value", value_text(claim["value"]), actions)
    if claim.get("count_kind"):
        pick_or_type(page, "f-count_kind", claim["count_kind"], actions)
    if claim["claimant"] != creator:
        pick(page, "f-claimant", query_for(names[claim["claimant"]]), claim["claimant"], actions)
    for name in ("bound", "stated_on", "note"):
        if claim.get(name):
            type_into(page, f"f-{name}", str(claim[name]), actions)
    page.keyboard.press("Control+Enter")
    actions.keys += 1
    page.wait_for_selector("#claim-form[hidden], #claim-form .problem.shown", state="attached")
    shown = page.locator("#claim-form .problem.shown").all_inner_texts()
    assert not shown, f"refused: {shown} ({claim})"
    page.wait_for_selector("#status a")
    took = time.perf_counter() - began
    actions.per_claim.append({"seconds": took})
    return took


def highlighted(page: Any) -> str:
    """The text of the newest claim's highlight."""
    return "".join(page.locator("#text mark.new").all_inner_texts())


def stored_quotes(select: Any, base: str, document: str) -> set[tuple[str, int, str, str]]:
    """(quote, start, predicate, value) of every claim read in ``document``, asked of the endpoint."""
    rows = select(
        f"SELECT ?exact ?start ?p ?o WHERE {{ GRAPH <{base}graph/document/{document}> {{ ?c a <https://w3id.org/claimgraph/ns#Claim> ; "
        "<http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate> ?p ; <http://www.w3.org/1999/02/22-rdf-syntax-ns#object> ?o ; "
        "<https://w3id.org/claimgraph/ns#evidence>/<http://www.w3.org/ns/oa#hasSelector> ?q, ?pos . "
        "?q <http://www.w3.org/ns/oa#exact> ?exact . ?pos <http://www.w3.org/ns/oa#start> ?start } }"
    )
    return {(r["exact"], int(r["start"]), r["p"], r["o"]) for r in rows}


def expected_quotes(text: str, claims: list[dict[str, Any]]) -> set[tuple[str, int, str, str]]:
    out = set()
    for claim in claims:
        value = claim["value"]
        shown = f"{value['year']}" if isinstance(value, dict) else str(value)
        out.add((claim["quote"], text.index(claim["quote"]), expand_curie(claim["predicate"]), shown))
    return out

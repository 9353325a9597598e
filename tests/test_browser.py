"""The pages in a real browser: headless Chromium (Debian's), driven by Playwright, against a live server.

Playwright's own browser download cannot work here, so it is pointed at
``/usr/bin/chromium``; ``make test`` installs Debian's chromium where it can
(root with apt-get). Without chromium or Playwright these tests skip, except
under CI, where they must run. Screenshots at desktop and phone widths go to
``$CLAIMGRAPH_SCREENSHOTS`` when it is set (to look at the pages).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from claimgraph.queries import load_named_queries

from .conftest import ROOT, SEEDS
from .live import BASE, LiveServer, live_server, shared_store

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
VENDOR = ROOT / "src" / "claimgraph" / "web" / "static" / "vendor" / "yasgui.min.js"
# Flags that keep Chromium from reaching out to the network (this machine has none).
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}
EVENT = "/entity/camp-ashraf-attack-2013"

try:
    from playwright.sync_api import Browser, Page, sync_playwright
except ImportError:  # the test extra is not installed
    sync_playwright = None


def _missing() -> str | None:
    if CHROMIUM is None:
        return "chromium is not installed"
    if sync_playwright is None:
        return "playwright is not installed (pip install -e '.[test]')"
    if not VENDOR.is_file():
        return "YASGUI is not installed (npm ci && npm run vendor)"
    return None


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    missing = _missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    with live_server(shared_store(SEEDS)) as running:
        yield running


@pytest.fixture(scope="module")
def browser(server) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser) -> Iterator[Page]:
    opened = browser.new_page(viewport=DESKTOP)
    opened.set_default_timeout(30_000)
    yield opened
    opened.close()


def shoot(page: Page, name: str) -> None:
    folder = os.environ.get("CLAIMGRAPH_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def death_counts(server: LiveServer) -> set[tuple[str, str]]:
    """(claimant label, value) of every death-count claim about the event, asked of the endpoint."""
    sparql = (
        "SELECT DISTINCT ?label ?value WHERE { ?c <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> "
        f"<{BASE}entity/camp-ashraf-attack-2013> ; <http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate> "
        "<https://w3id.org/claimgraph/ns#deathCount> ; <http://www.w3.org/1999/02/22-rdf-syntax-ns#object> ?value ; "
        "<http://www.w3.org/ns/prov#wasAttributedTo>/<http://www.w3.org/2000/01/rdf-schema#label> ?label }"
    )
    answer = requests.get(
        server.sparql, params={"query": sparql}, headers={"Accept": "application/json"}, timeout=30
    )
    return {(b["label"]["value"], b["value"]["value"]) for b in answer.json()["results"]["bindings"]}


def test_query_page_runs_casualties_by_source(server, page):
    page.goto(server.url + "/")
    page.wait_for_selector(".tabPanel.active .CodeMirror")
    tabs = page.locator('[role="tab"]')
    assert tabs.count() >= len(load_named_queries(ROOT / "queries"))
    active = page.locator('[role="tab"][aria-selected="true"]').inner_text()
    assert "Casualties by source" in active, "YASGUI opens on casualties-by-source"
    page.locator(".tabPanel.active .yasqe_queryButton").click()
    page.wait_for_selector(".tabPanel.active .yasr table tbody tr")
    rows = [
        " ".join(r.split()) for r in page.locator(".tabPanel.active .yasr table tbody tr").all_inner_texts()
    ]
    assert any("50" in r.split() and "U.S. State Department" in r for r in rows), rows[:5]
    assert any("52" in r.split() and "United Nations officials" in r for r in rows), rows[:5]
    shoot(page, "query-desktop")


def test_event_chart_has_one_mark_per_source_value(server, page):
    page.goto(server.url + EVENT)
    chart = page.locator('figure.chart[data-property="https://w3id.org/claimgraph/ns#deathCount"]')
    marks = chart.locator("svg.wide circle.mark")
    drawn = {(m.get_attribute("data-source"), m.get_attribute("data-value")) for m in marks.all()}
    assert marks.count() == len(death_counts(server))
    assert drawn == death_counts(server)
    assert all(m.bounding_box()["width"] > 5 for m in marks.all()), "the marks are drawn"
    shoot(page, "event-desktop")


def test_the_reader_switches_the_charts_range_rule(server, page):
    """No JavaScript: the chosen rule's dashed lines are the ones drawn."""
    page.goto(server.url + EVENT)
    chart = page.locator('figure.chart[data-property="https://w3id.org/claimgraph/ns#deathCount"]')

    def drawn() -> set[float]:
        shown = [
            g
            for g in chart.locator("svg.wide g.range").all()
            if g.evaluate("node => getComputedStyle(node).display") != "none"
        ]
        return {
            round(float(line.get_attribute("x1")), 1) for g in shown for line in g.locator("line.rule").all()
        }

    every = drawn()
    assert len(every) == 2, "every value: 50 and 52"
    page.locator("label[for=rule-independent-sources]").click()
    independent = drawn()
    assert len(independent) == 1 and independent < every, "independent sources only: 52 alone"
    assert chart.locator("p.rule-independent-sources").is_visible()
    assert not chart.locator("p.rule-every-value").is_visible()
    shoot(page, "event-rule-desktop")


def test_event_page_reads_as_contested_then_uncontested(server, page):
    page.goto(server.url + EVENT)
    contested = page.locator("#contested .agreement").first.inner_text()
    assert contested.startswith("contested: 50 vs 52 killed")
    assert "agrees" not in page.locator("main").inner_text()
    assert not page.locator("#several .fact").first.is_visible(), "several values are folded"
    page.locator("#several summary").click()
    assert page.locator("#several .fact").first.is_visible()


def test_claim_link_leads_to_its_quote_highlighted_in_the_document(server, page):
    page.goto(server.url + EVENT)
    row = page.locator("table.claims tr", has_text="United Nations officials").first
    row.locator("td.value a").click()
    page.wait_for_selector("h1:has-text('Claim')")
    assert "United Nations officials" in page.locator(".in-words").inner_text()
    quote = page.locator("#quote mark").inner_text()
    shoot(page, "claim-desktop")
    page.locator("#position a").click()
    page.wait_for_selector(".document-text")
    digest = page.url.split("#q-")[1]
    assert "/document/" in page.url
    pieces = page.locator(f'.document-text a.highlight[data-claims~="{digest}"] mark')
    assert "".join(pieces.all_inner_texts()) == quote, "the claim's quote is highlighted"
    background = pieces.first.evaluate("node => getComputedStyle(node).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent"), "the highlight is visible"
    assert pieces.first.is_visible()
    shoot(page, "document-desktop")


def test_search_for_a_spelling_variant_reaches_the_party(server, page):
    page.goto(server.url + "/search")
    page.fill("header input[type=search]", "Hezballah")
    page.press("header input[type=search]", "Enter")
    page.wait_for_selector("ul.hits.names")
    page.locator("ul.hits.names a", has_text="Kata'ib Hezbollah").click()
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == "Kata'ib Hezbollah"
    assert "Hezballah" in page.locator(".alt").inner_text()


#: One page of every kind: (name, path or a function of the server that finds one).
KINDS = {
    "event": EVENT,
    "agent": "/entity/us-state-department",
    "claim": lambda server: first_link(server, EVENT, "/claim/"),
    "consensus": lambda server: local(server, a_resource(server, "ConsensusStatement")),
    "contested": lambda server: local(server, a_resource(server, "ContestedValue")),
    "document": "/document/article-000",
    "graph": "/graph/registry",
    "corpus": "/corpus/seeds",
    "browse": "/browse",
    "search": "/search?q=Hezballah",
    "query": "/",
    "named-query": "/queries/casualties-by-source",
    "vocabulary": "/ns",
    "history": "/history",
    "history-entry": lambda server: first_link(server, "/history", "/history/"),
    "void": "/.well-known/void",
    "not-found": "/no-such-page",
}

#: What overflows: the page wider than the screen, or a table, chart or scrolling box wider than its box.
OVERFLOW = """(width) => {
  const found = [];
  const page = document.scrollingElement.scrollWidth;
  if (page > width || innerWidth > width) found.push(`the page is ${page}px wide`);
  for (const node of document.querySelectorAll("main table, main .scroll, main figure, main pre")) {
    const box = node.parentElement.clientWidth;
    const wide = Math.max(node.getBoundingClientRect().width, node.scrollWidth);
    if (wide > box + 1 || node.scrollWidth > node.clientWidth + 1)
      found.push(`${node.tagName.toLowerCase()}.${node.className} is ${Math.round(wide)}px in a ${box}px box`);
  }
  for (const svg of document.querySelectorAll("main svg.plot")) {
    const box = svg.getBoundingClientRect();
    if (!box.width) continue;  // the chart drawn for the other width
    for (const text of svg.querySelectorAll("text")) {
      const r = text.getBoundingClientRect();
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
        found.push(`the chart's label "${text.textContent}" is cut off`);
    }
  }
  return found;
}"""


def first_link(server: LiveServer, path: str, prefix: str) -> str:
    text = requests.get(server.url + path, headers={"Accept": "text/html"}, timeout=30).text
    found = re.search(rf'href="{re.escape(server.url)}({re.escape(prefix)}[^"#]+)"', text)
    assert found, f"no link to {prefix}… on {path}"
    return found.group(1)


def a_resource(server: LiveServer, cls: str) -> str:
    sparql = f"SELECT ?s WHERE {{ ?s a <https://w3id.org/claimgraph/ns#{cls}> }} ORDER BY ?s LIMIT 1"
    answer = requests.get(
        server.sparql, params={"query": sparql}, headers={"Accept": "application/json"}, timeout=30
    )
    return answer.json()["results"]["bindings"][0]["s"]["value"]


def local(server: LiveServer, iri: str) -> str:
    return "/" + iri.removeprefix(BASE)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_every_page_fits_its_screen(server, browser, kind, viewport):
    """No page scrolls sideways, at 1,400 px or on a 390 px phone, and no table, chart or box is
    wider than the box it stands in, nor a chart's label cut off (long quotes and names wrap; tables become one block per row
    on a phone). A screenshot of each goes to ``$CLAIMGRAPH_SCREENSHOTS``."""
    path = KINDS[kind] if isinstance(KINDS[kind], str) else KINDS[kind](server)
    phone = viewport is PHONE
    opened = browser.new_page(viewport=viewport, device_scale_factor=2 if phone else 1, is_mobile=phone)
    try:
        response = opened.goto(server.url + path)
        assert response.status == (404 if kind == "not-found" else 200), path
        assert "text/html" in response.headers["content-type"], path
        if kind == "query":
            opened.wait_for_selector(".tabPanel.active .CodeMirror")
        shoot(opened, f"{kind}-{'phone' if phone else 'desktop'}")
        overflow = opened.evaluate(OVERFLOW, viewport["width"])
        assert not overflow, f"{path} at {viewport['width']} px: {overflow}"
        if not phone:
            # Every "this page as data" link gives the page's data in the form it names.
            links = opened.locator("footer a[type]").all()
            for link in links:
                url, media = link.get_attribute("href"), link.get_attribute("type")
                answer = requests.get(url, headers={"Accept": "text/html,*/*;q=0.8"}, timeout=60)
                assert answer.status_code == 200, url
                assert answer.headers["Content-Type"].split(";")[0] == media, url
                assert answer.content, url
    finally:
        opened.close()

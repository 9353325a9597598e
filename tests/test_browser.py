"""The pages in a real browser: headless Chromium (Debian's), driven by Playwright, against a live server.

Playwright's own browser download cannot work here, so it is pointed at
``/usr/bin/chromium``; ``make test`` installs Debian's chromium where it can
(root with apt-get). Without chromium or Playwright these tests skip, except
under CI, where they must run. Screenshots at desktop and phone widths go to
``$CLAIMGRAPH_SCREENSHOTS`` when it is set (to look at the pages).
"""

from __future__ import annotations

import os
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
DESKTOP = {"width": 1280, "height": 900}
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
    marks = chart.locator("circle.mark")
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
            for g in chart.locator("g.range").all()
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


@pytest.mark.parametrize(
    "path",
    [
        EVENT,
        "/document/article-000",
        "/entity/us-state-department",
        "/search",
        "/queries/casualties-by-source",
    ],
)
def test_pages_fit_a_phone(server, browser, path):
    """Nothing wider than the screen but the tables, which scroll inside their box."""
    phone = browser.new_page(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    try:
        phone.goto(server.url + path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1, f"{path} is {width}px wide on a {PHONE['width']}px phone"
        shoot(phone, "phone-" + path.strip("/").replace("/", "-"))
    finally:
        phone.close()

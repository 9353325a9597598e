"""The annotation page in a real browser (Debian's Chromium, driven by Playwright) against a live
``claimgraph serve``: select a passage, pick, record, see it highlighted; refused input shown at
its field with the store unchanged; the page at desktop and phone widths.

Screenshots go to ``$CLAIMGRAPH_SCREENSHOTS`` when it is set (to look at the pages).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from .live import BASE, LiveServer, live_server, loaded_store
from .test_browser import CHROMIUM, FLAGS, shoot

try:
    from playwright.sync_api import Browser, Page, sync_playwright

    from . import annotator
except ImportError:  # the test extra is not installed
    sync_playwright = None

WIDE = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    missing = "chromium is not installed" if CHROMIUM is None else None
    if sync_playwright is None:
        missing = "playwright is not installed (pip install -e '.[test]')"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    folder = tmp_path_factory.mktemp("annotate")
    store = loaded_store(folder, annotator.empty_corpus(folder))
    with live_server(store, env={"CLAIMGRAPH_TOKEN": annotator.TOKEN}) as running:
        yield running


@pytest.fixture(scope="module")
def browser(server) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


def open_page(browser: Browser, server: LiveServer, viewport: dict, actions: annotator.Actions) -> Page:
    page = browser.new_page(viewport=viewport)
    page.set_default_timeout(30_000)
    page.goto(f"{server.url}/document/{annotator.GOLD_DOCUMENT}/annotate")
    page.wait_for_selector("#annotate[data-ready='1']")
    annotator.give_token(page, actions)
    return page


def select(server: LiveServer):
    def run(sparql: str) -> list[dict[str, str]]:
        answer = requests.get(
            server.sparql, params={"query": sparql}, headers={"Accept": "application/json"}, timeout=30
        )
        answer.raise_for_status()
        return [{k: v["value"] for k, v in b.items()} for b in answer.json()["results"]["bindings"]]

    return run


def document_text(server: LiveServer) -> str:
    return requests.get(f"{server.url}/document/{annotator.GOLD_DOCUMENT}/annotate.json", timeout=30).json()[
        "text"
    ]


def test_refused_input_is_shown_at_its_field_and_the_store_is_unchanged(server, browser):
    actions = annotator.Actions()
    page = open_page(browser, server, WIDE, actions)
    text = document_text(server)
    before = annotator.stored_quotes(select(server), BASE, annotator.GOLD_DOCUMENT)
    quote = "two firefighters were killed"
    start = text.index(quote)
    annotator.select_text(page, start, start + len(quote), actions)
    assert page.locator("#quote").inner_text() == quote
    assert page.locator("#offsets").inner_text() == f"characters {start}–{start + len(quote)}"
    page.keyboard.type("nobody-known")
    annotator.pick(page, "f-predicate", "deat", "cg:deathCount", actions)
    annotator.type_into(page, "f-value", "2", actions)
    page.keyboard.press("Control+Enter")
    problem = page.locator('.problem[data-for="subject"]')
    problem.wait_for(state="visible")
    assert "nobody-known" in problem.inner_text() and "is not an entity" in problem.inner_text()
    assert page.locator("#f-subject").get_attribute("aria-invalid") == "true"
    assert not page.locator("#claim-form").is_hidden(), "the form stays open to correct"
    shoot(page, "annotate-refused-1400")
    assert annotator.stored_quotes(select(server), BASE, annotator.GOLD_DOCUMENT) == before
    page.close()


def test_ten_gold_claims_recorded_as_a_person_would(server, browser):
    actions = annotator.Actions()
    page = open_page(browser, server, WIDE, actions)
    text = document_text(server)
    claims = annotator.gold_claims(10)
    for claim in claims:
        annotator.record(page, text, claim, "author-harbour-fire", actions)
        assert annotator.highlighted(page) == claim["quote"], "the new claim is highlighted at once"
    shoot(page, "annotate-1400")
    stored = annotator.stored_quotes(select(server), BASE, annotator.GOLD_DOCUMENT)
    assert annotator.expected_quotes(text, claims) <= stored
    assert len(actions.per_claim) == 10


def test_phone_width_selects_and_shows_the_form_as_a_sheet(server, browser):
    actions = annotator.Actions()
    page = open_page(browser, server, PHONE, actions)
    text = document_text(server)
    quote = "dozens of families left the quay"
    start = text.index(quote)
    annotator.select_text(page, start, start + len(quote), actions)
    form = page.locator("#claim-form").bounding_box()
    assert form["x"] >= 0 and form["x"] + form["width"] <= PHONE["width"] + 1
    assert form["y"] + form["height"] <= PHONE["height"] + 1, "the form is on screen"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "no sideways scrolling"
    shoot(page, "annotate-390")
    page.keyboard.press("Escape")  # the first closes the list of suggestions, the second the form
    page.keyboard.press("Escape")
    page.wait_for_selector("#claim-form[hidden]", state="attached")
    page.close()


def test_drafts_are_accepted_with_keys(server, browser):
    """n moves to the next draft, a accepts it into the form; the form holds its quote."""
    actions = annotator.Actions()
    page = open_page(browser, server, WIDE, actions)
    page.locator("h1").click()
    page.wait_for_selector("#drafts li")
    assert "March 14, 2024" not in page.locator("#drafts").inner_text(), "the dateline is the document's date"
    page.keyboard.press("n")
    current = page.locator("#drafts li.current q").inner_text()
    page.keyboard.press("a")
    page.wait_for_selector("#claim-form:not([hidden])")
    assert page.locator("#quote").inner_text() == current
    assert page.evaluate("document.activeElement.id") == "submit"
    page.close()


def test_a_document_added_from_the_browser_opens_in_annotate_mode(server, browser, tmp_path: Path):
    actions = annotator.Actions()
    page = browser.new_page(viewport=WIDE)
    page.goto(f"{server.url}/documents/new")
    annotator.give_token(page, actions)
    page.locator("#d-text").fill("Port Aldren, May 2, 2024 — Four boats sank 𝔸, the coast guard said.\n")
    page.locator("#d-name").fill("boats.txt")
    annotator.pick(page, "d-creator", "fire", "port-aldren-fire-service", actions)
    page.locator("#d-date").fill("May 2")
    page.locator("#document-form button[type=submit]").click()
    problem = page.locator('.problem[data-for="date"]')
    problem.wait_for(state="visible")
    assert "2019-10-19" in problem.inner_text()
    page.locator("#d-date").fill("")
    page.locator("#document-form button[type=submit]").click()
    page.locator("#status a").click()
    page.wait_for_selector("#annotate[data-ready='1']")
    shoot(page, "add-document-then-annotate")
    text = requests.get(f"{server.url}/document/boats/annotate.json", timeout=30).json()["text"]
    quote = "the coast guard said"
    start = text.index(quote)
    annotator.select_text(page, start, start + len(quote), actions)
    assert page.locator("#offsets").inner_text() == f"characters {start}–{start + len(quote)}", (
        "offsets are code points past a character outside the BMP"
    )
    page.close()

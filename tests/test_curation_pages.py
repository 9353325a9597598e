"""The history and a withdrawn claim in a real browser (headless Chromium), at 1,400 and 390 px."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from .live import BASE, LiveServer, live_server
from .test_browser import CHROMIUM, FLAGS, PHONE, _missing, shoot, sync_playwright
from .test_writes import CORPUS_C, DOC_C, doc_c_sheet

MINI = Path(__file__).parent / "data" / "mini"
TOKEN = "pages-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
WIDE = {"width": 1400, "height": 900}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LiveServer]:
    missing = _missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    store = tmp_path_factory.mktemp("pages") / "store"
    with live_server(store, token=TOKEN, query_workers=1) as running:
        url = running.url

        def post(sheet: str, reason: str) -> None:
            files = {
                "sheet": ("doc-c.yaml", io.BytesIO(sheet.encode())),
                "document": ("doc-c.txt", io.BytesIO(DOC_C)),
                "corpus": ("corpus.yaml", io.BytesIO(CORPUS_C.encode())),
            }
            answer = requests.post(
                f"{url}/claims", params={"reason": reason}, files=files, headers=AUTH, timeout=60
            )
            assert answer.status_code in (200, 201), answer.text

        files = [("file", (p.name, p.read_bytes())) for p in sorted(MINI.iterdir())]
        loaded = requests.post(
            f"{url}/corpora",
            params={"corpus": "mini", "reason": "the first corpus"},
            files=files,
            headers=AUTH,
            timeout=120,
        )
        assert loaded.status_code == 201, loaded.text
        post(doc_c_sheet(), "a wire report")
        corrected = doc_c_sheet().replace(
            "    count_kind: killed\n", "    count_kind: killed\n    note: corrected\n"
        )
        assert corrected != doc_c_sheet(), "the corrected sheet must differ from the first"
        post(corrected, "a note")
        gone = requests.delete(
            f"{url}/claims/doc-a", params={"reason": "retracted by its publisher"}, headers=AUTH, timeout=60
        )
        assert gone.status_code == 200, gone.text
        running.withdrawn = gone.json()["withdrawn"]
        yield running


@pytest.fixture(scope="module")
def browser(server):
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


def visit(browser, url: str, viewport: dict, name: str):
    phone = viewport["width"] < 500
    page = browser.new_page(viewport=viewport, device_scale_factor=2 if phone else 1, is_mobile=phone)
    page.set_default_timeout(30_000)
    page.goto(url)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"] + 1, f"{url} is {width}px wide at {viewport['width']}px"
    shoot(page, f"{name}-{viewport['width']}")
    return page


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1400", "390"])
def test_the_history_page(server, browser, viewport):
    page = visit(browser, server.url + "/history", viewport, "history")
    try:
        entries = page.locator(".history-entry")
        assert entries.count() == 4
        assert "withdraw by operator" in entries.first.inner_text().replace("\n", " ").replace(
            "withdraw by", "withdraw by"
        )
        assert "retracted by its publisher" in entries.first.inner_text()
        page.locator(".history-entry .seq").last.click()
        page.wait_for_selector("h1")
        assert page.locator("h1").inner_text().startswith("Write #1: load by operator")
    finally:
        page.close()


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1400", "390"])
def test_a_withdrawn_claim_keeps_its_page_with_a_banner(server, browser, viewport):
    claim = sorted(server.withdrawn)[0]
    page = visit(browser, server.url + claim[len(BASE) - 1 :], viewport, "withdrawn-claim")
    try:
        banner = page.locator(".banner.withdrawn").inner_text()
        assert banner.startswith("Withdrawn on ") and "by operator: retracted by its publisher" in banner
        assert page.locator("#history li").count() == 2  # recorded, then withdrawn
    finally:
        page.close()


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1400", "390"])
def test_a_corrected_documents_page_lists_the_claim_it_replaced(server, browser, viewport):
    page = visit(browser, server.url + "/document/doc-c", viewport, "document-history")
    try:
        assert page.locator(".withdrawn-claims li").count() == 1
        page.locator(".withdrawn-claims a").first.click()
        page.wait_for_selector(".banner.withdrawn")
        assert page.locator(".banner.withdrawn").inner_text().startswith("Replaced on ")
    finally:
        page.close()

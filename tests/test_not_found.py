"""A browser that asks for a page that is not there gets a page that says so (HTML, 404, with a way
back); a program gets the one JSON error shape."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
MISSING = ["/no/such/page", "/entity/no-such-entity", "/queries/no-such-query"]


@pytest.mark.parametrize("path", MISSING)
def test_a_browser_gets_an_html_404(seed_client: FlaskClient, path: str):
    response = seed_client.get(path, headers={"Accept": BROWSER})
    assert response.status_code == 404 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "<title>Not found" in page and 'href="/browse"' in page and 'href="/query"' in page


@pytest.mark.parametrize("accept", ["*/*", "application/json", None])
@pytest.mark.parametrize("path", MISSING)
def test_a_program_gets_the_json_error(seed_client: FlaskClient, path: str, accept: str | None):
    response = seed_client.get(path, headers={"Accept": accept} if accept else {})
    assert response.status_code == 404 and response.mimetype == "application/json"
    assert response.get_json()["error"]["status"] == 404

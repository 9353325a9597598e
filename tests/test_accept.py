"""``Accept: */*`` (and no ``Accept``) gives every kind of IRI the same format, Turtle; a browser
gets HTML everywhere."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
PATHS = {
    "entity": "/entity/camp-ashraf-attack-2013",
    "document": "/document/article-000",
    "document graph": "/graph/document/article-000",
    "registry graph": "/graph/registry",
    "vocabulary": "/ns",
}


@pytest.mark.parametrize("accept", ["*/*", None], ids=["any", "none"])
@pytest.mark.parametrize("kind", sorted(PATHS))
def test_any_format_is_turtle_for_every_iri_kind(seed_client: FlaskClient, kind: str, accept: str | None):
    headers = {"Accept": accept} if accept else {}
    response = seed_client.get(PATHS[kind], headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/turtle", (kind, response.mimetype)


@pytest.mark.parametrize("kind", sorted(PATHS))
def test_a_browser_gets_html_for_every_iri_kind(seed_client: FlaskClient, kind: str):
    response = seed_client.get(PATHS[kind], headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.mimetype == "text/html", (kind, response.mimetype)

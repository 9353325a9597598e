"""A graph's RDF (Graph Store ``GET``, ``/graph/…``) carries the ETag and Last-Modified of the commit,
like every other answer: a client's current copy is a 304."""

from __future__ import annotations

from flask.testing import FlaskClient

TURTLE = {"Accept": "text/turtle"}


def test_a_graph_carries_etag_and_last_modified_and_answers_304(seed_client: FlaskClient):
    first = seed_client.get("/graph/registry", headers=TURTLE)
    assert first.status_code == 200 and first.mimetype == "text/turtle"
    tag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert tag and modified
    again = seed_client.get("/graph/registry", headers={**TURTLE, "If-None-Match": tag})
    assert again.status_code == 304 and again.get_data() == b""
    since = seed_client.get("/graph/registry", headers={**TURTLE, "If-Modified-Since": modified})
    assert since.status_code == 304
    indirect = seed_client.get("/rdf-graph-store", query_string={"default": ""}, headers=TURTLE)
    assert indirect.status_code == 200 and indirect.headers["ETag"] != tag  # another graph
    other_format = seed_client.get("/graph/registry", headers={"Accept": "application/n-triples"})
    assert other_format.headers["ETag"] != tag  # another representation


def test_a_missing_graph_is_still_a_404(seed_client: FlaskClient):
    response = seed_client.get("/graph/no-such-graph", headers=TURTLE)
    assert response.status_code == 404 and "ETag" not in response.headers

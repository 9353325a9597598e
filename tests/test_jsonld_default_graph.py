"""The JSON-LD description of an entity, document or claim is in the default graph: a plain
``Graph().parse(…, format="json-ld")`` reads what the Turtle description says (the provenance
graphs stay in TriG and N-Quads)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from rdflib import Dataset, Graph

PATHS = ["/entity/camp-ashraf-attack-2013", "/document/article-000", "/entity/us-state-department"]


@pytest.mark.parametrize("path", PATHS)
def test_a_json_ld_description_is_the_turtle_one_in_the_default_graph(seed_client: FlaskClient, path: str):
    turtle = Graph().parse(
        data=seed_client.get(path, headers={"Accept": "text/turtle"}).data, format="turtle"
    )
    response = seed_client.get(path, headers={"Accept": "application/ld+json"})
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    jsonld = Graph().parse(data=response.data, format="json-ld")
    assert len(turtle) > 5 and len(jsonld) == len(turtle)


def test_trig_keeps_the_graphs(seed_client: FlaskClient):
    response = seed_client.get(PATHS[0], headers={"Accept": "application/trig"})
    dataset = Dataset().parse(data=response.data, format="trig")
    assert len([g for g in dataset.graphs() if len(g)]) > 1

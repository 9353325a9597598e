"""The W3C SPARQL 1.1 Graph Store HTTP Protocol tests, run against a live server.

The manifests come from ``../shared/w3c/sparql/sparql11/graph-store-protocol/``
(beside the repository); without them the tests skip (under ``CI=true`` they fail). Each test is a
sequence of HTTP requests on one connection, run in order against a real
``claimgraph serve`` subprocess whose store is emptied (``DROP ALL``) before
each test. Paths are rewritten: ``/gsp?…`` → ``/rdf-graph-store?…`` (indirect
identification) and ``/gsp/…`` → ``/graph/…`` (direct identification, for
graphs named under the server's base IRI).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
import requests
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic

from .conftest import SHARED, Servers, needs_shared, serve_options
from .live import free_port, live_server

SUITE = SHARED / "w3c" / "sparql" / "sparql11" / "graph-store-protocol"
TOKEN = "w3c-gsp-token"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

STATUS = {"OK": 200, "Created": 201, "NoContent": 204, "NotFound": 404}


@dataclass
class Step:
    method: str
    path: str
    headers: dict[str, str]
    body: str | None
    statuses: set[int]
    location: str | None = None
    content_type: str | None = None
    expected: str | None = None


@dataclass
class Case:
    name: str
    title: str
    requires: set[str] = field(default_factory=set)
    steps: list[Step] = field(default_factory=list)


def _headers(g: Graph, node) -> dict[str, str]:
    out: dict[str, str] = {}
    headers = g.value(node, HT.headers)
    if headers is not None:
        for header in Collection(g, headers):
            out[str(g.value(header, HT.fieldName)).lower()] = str(g.value(header, HT.fieldValue))
    return out


def read_cases() -> list[Case]:
    g = Graph()
    for name in ("manifest-indirect.ttl", "manifest-direct.ttl"):
        g.parse(SUITE / name, format="turtle")
    cases = []
    for test in sorted(g.subjects(RDF_TYPE, MF.GraphStoreProtocolTest)):
        case = Case(
            name=str(test).rsplit("#", 1)[-1],
            title=str(g.value(test, MF.name)),
            requires={str(r).rsplit("#", 1)[-1] for r in g.objects(test, MF.requires)},
        )
        action = g.value(test, MF.action)
        for req in Collection(g, g.value(action, HT.requests)):
            resp = g.value(req, HT.resp)
            body = g.value(req, HT.body)
            resp_body = g.value(resp, HT.body)
            statuses = {STATUS[str(s).rsplit("#", 1)[-1]] for s in g.objects(resp, MF.expectedStatus)}
            location = g.value(resp, MF.expectedLocation)
            case.steps.append(
                Step(
                    method=str(g.value(req, HT.methodName)),
                    path=str(g.value(req, HT.absolutePath)),
                    headers=_headers(g, req),
                    body=str(g.value(body, CNT.chars)) if body is not None else None,
                    statuses=statuses,
                    location=str(location) if location is not None else None,
                    content_type=_headers(g, resp).get("content-type"),
                    expected=str(g.value(resp_body, CNT.chars)) if resp_body is not None else None,
                )
            )
        cases.append(case)
    return cases


CASES = read_cases() if SUITE.is_dir() else []


def rewrite(path: str) -> str:
    if path.startswith("/gsp/"):
        return "/graph/" + path[len("/gsp/") :]
    if path == "/gsp" or path.startswith("/gsp?"):
        return "/rdf-graph-store" + path[len("/gsp") :]
    raise ValueError(f"unexpected path {path}")


@pytest.fixture(scope="module")
def server(tmp_path_factory, backend: str, servers: Servers):
    needs_shared(SUITE)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    store, options = serve_options(backend, servers, tmp_path_factory.mktemp("gsp") / "store", "w3c-gsp")
    # Direct identification needs graph IRIs under the server's own address.
    with live_server(
        store,
        **options,
        port=port,
        base_iri=base + "/",
        token=TOKEN,
        query_workers=1,
        # The suite writes FOAF data and blank nodes: its operator opens every graph to it.
        open_graphs=f"DEFAULT {base}/ http://",
    ) as running:
        yield running.url


def test_the_suite_is_here():
    needs_shared(SUITE)
    assert len(CASES) > 10


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_graph_store_protocol(server: str, case: Case):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    emptied = requests.post(f"{server}/update", data={"update": "DROP ALL"}, headers=auth, timeout=30)
    assert emptied.status_code == 200, emptied.text
    variables: dict[str, str] = {}
    for number, step in enumerate(case.steps, 1):
        path, body = step.path, step.body
        for name, value in variables.items():
            path = path.replace(name, value)
            body = body.replace(name, value) if body is not None else None
        response = requests.request(
            step.method,
            server + rewrite(path),
            headers={**step.headers, **auth},
            data=body.encode("utf-8") if body is not None else None,
            timeout=30,
        )
        where = f"request {number}: {step.method} {path}"
        assert response.status_code in step.statuses, f"{where}: {response.status_code} {response.text}"
        if step.location:
            assert response.headers.get("Location"), f"{where}: no Location header"
            variables[step.location] = response.headers["Location"]
        if step.content_type:
            got = response.headers.get("Content-Type", "")
            assert got.split(";")[0].strip() == step.content_type.split(";")[0].strip(), where
        if step.expected is not None:
            fmt = "turtle" if "turtle" in (step.content_type or "text/turtle") else step.content_type
            expected = Graph().parse(data=step.expected, format=fmt)
            actual = Graph().parse(data=response.text, format="turtle")
            assert isomorphic(expected, actual), f"{where}: got\n{response.text}"

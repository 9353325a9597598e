"""The W3C SPARQL 1.1 Protocol test suite, run against a live server.

Each approved test of ``../shared/w3c/sparql/sparql11/protocol/manifest.ttl`` is
one parametrized test: its HTTP requests are sent in order (``/sparql/`` as the
manifest writes it) and each response is checked for its status class, its
format (boolean, tabular, RDF) and, for ASK, its boolean.

Two servers: one for queries, whose store holds ``data1.nt``–``data3.nt`` under
the graph names the manifest gives (``ut:graphData``), and one for updates
(with a write token that every request carries), so that ``CLEAR ALL`` in an
update test does not wipe the query tests' data.

The manifest's tests use ``…/data0.rdf`` as a placeholder dataset and assume the
endpoint fetches it from the web. This endpoint never fetches a graph: a graph
it does not hold is refused with 400 (see
:func:`test_remote_default_graph_is_refused_and_not_fetched`). So the query
store holds ``data0.rdf`` as an empty graph, standing in for the fetch; ``ASK {}``
and ``SELECT (1 AS ?value) {}`` do not depend on its content.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest
import requests
from rdflib import Graph
from rdflib.collection import Collection
from rdflib.namespace import RDFS, Namespace

from .conftest import SHARED, Servers, needs_shared, serve_options
from .live import LiveServer, listener, live_server

W3C = SHARED / "w3c" / "sparql" / "sparql11" / "protocol"
MANIFEST = W3C / "manifest.ttl"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
DAWGT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"

DATA0 = "http://kasei.us/2009/09/sparql/data/data0.rdf"
TOKEN = "w3c-protocol-test-token"

RESULT_TYPES = {
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "application/json",
    "application/xml",
    "text/xml",
}
TABULAR_TYPES = RESULT_TYPES | {"text/csv", "text/tab-separated-values"}
RDF_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "text/plain": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
    "application/n-quads": "nquads",
    "application/trig": "trig",
}


@dataclass(frozen=True)
class ProtocolRequest:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    statuses: frozenset[int]  # expected status classes: 2 for 2xx…
    format: str | None
    boolean: bool | None


@dataclass(frozen=True)
class ProtocolTest:
    name: str
    title: str
    graph_data: tuple[tuple[str, str], ...]  # (file, graph name)
    requests: tuple[ProtocolRequest, ...]

    @property
    def is_update(self) -> bool:
        return self.name.startswith(("update_", "bad_update"))


def read_manifest(path: Path) -> list[ProtocolTest]:
    g = Graph().parse(path, format="turtle")
    manifest = next(g.subjects(MF.entries, None))
    tests = []
    for entry in Collection(g, g.value(manifest, MF.entries)):
        if g.value(entry, DAWGT.approval) != DAWGT.Approved:
            continue
        graph_data = tuple(
            sorted(
                (str(g.value(node, UT.graph)).rsplit("/", 1)[-1], str(g.value(node, RDFS.label)))
                for node in g.objects(entry, UT.graphData)
            )
        )
        action = g.value(entry, MF.action)
        reqs = []
        for req in Collection(g, g.value(action, HT.requests)):
            headers = ()
            if g.value(req, HT.headers) is not None:
                headers = tuple(
                    (str(g.value(h, HT.fieldName)), str(g.value(h, HT.fieldValue)))
                    for h in Collection(g, g.value(req, HT.headers))
                )
            body = None
            body_node = g.value(req, HT.body)
            if body_node is not None:
                encoding = str(g.value(body_node, CNT.characterEncoding) or "UTF-8")
                body = str(g.value(body_node, CNT.chars)).encode(encoding)
            resp = g.value(req, HT.resp)
            expected_boolean = g.value(resp, MF.expectedBoolean)
            reqs.append(
                ProtocolRequest(
                    method=str(g.value(req, HT.methodName)),
                    path=str(g.value(req, HT.absolutePath)),
                    headers=headers,
                    body=body,
                    statuses=frozenset(int(str(s)[len(HTS)]) for s in g.objects(resp, MF.expectedStatus)),
                    format=str(g.value(resp, MF.expectedFormat))
                    if g.value(resp, MF.expectedFormat)
                    else None,
                    boolean=expected_boolean.toPython() if expected_boolean is not None else None,
                )
            )
        name = str(entry).rsplit("#", 1)[-1]
        tests.append(ProtocolTest(name, str(g.value(entry, MF.name)), graph_data, tuple(reqs)))
    return tests


TESTS = read_manifest(MANIFEST) if MANIFEST.is_file() else []

#: Tests expected to fail, with the reason (the README lists them).
EXPECTED_FAILURES: dict[str, str] = {}


def _params() -> list[object]:
    if not TESTS:
        return [pytest.param(None, id="no-manifest")]
    params = []
    for test in TESTS:
        marks = []
        if test.name in EXPECTED_FAILURES:
            marks.append(pytest.mark.xfail(reason=EXPECTED_FAILURES[test.name], strict=True))
        params.append(pytest.param(test, id=test.name, marks=marks))
    return params


def test_manifest_has_34_approved_tests() -> None:
    needs_shared(MANIFEST)
    assert len(TESTS) == 34


# --- servers --------------------------------------------------------------------------------------


#: The graphs the manifests write plain RDF to, opened by the operator of the test servers
#: (``CLAIMGRAPH_OPEN_GRAPHS``): the default graph, and every graph (the update tests name
#: their own).
OPEN_GRAPHS = "DEFAULT http:// https:// urn:"


def _prepare_query_server(server: LiveServer) -> None:
    """data1.nt–data3.nt under the graph names the manifest gives them, and data0 as an
    empty graph, all through the server's own endpoint with the token."""
    auth = {"Authorization": f"Bearer {TOKEN}"}
    names = {pair for test in TESTS for pair in test.graph_data}
    for file, graph in sorted(names):
        response = requests.put(
            f"{server.url}/rdf-graph-store",
            params={"graph": graph},
            data=(W3C / file).read_bytes(),
            headers={**auth, "Content-Type": "application/n-triples"},
            timeout=30,
        )
        assert response.status_code in (201, 204), response.text
    response = requests.post(
        f"{server.url}/update", data={"update": f"CREATE SILENT GRAPH <{DATA0}>"}, headers=auth, timeout=30
    )
    assert response.status_code == 200, response.text


@pytest.fixture(scope="module")
def query_server(
    tmp_path_factory: pytest.TempPathFactory, backend: str, servers: Servers
) -> Iterator[LiveServer]:
    needs_shared(MANIFEST)
    store, options = serve_options(
        backend, servers, tmp_path_factory.mktemp("w3c-query") / "store", "w3c-query"
    )
    with live_server(store, **options, token=TOKEN, open_graphs=OPEN_GRAPHS) as server:
        _prepare_query_server(server)
        yield server


@pytest.fixture(scope="module")
def update_server(
    tmp_path_factory: pytest.TempPathFactory, backend: str, servers: Servers
) -> Iterator[LiveServer]:
    store, options = serve_options(
        backend, servers, tmp_path_factory.mktemp("w3c-update") / "store", "w3c-update"
    )
    with live_server(store, **options, token=TOKEN, open_graphs=OPEN_GRAPHS) as server:
        yield server


# --- running a test -------------------------------------------------------------------------------


def send(
    server: LiveServer, req: ProtocolRequest, *, extra_headers: dict[str, str] | None = None
) -> requests.Response:
    assert req.path.startswith("/sparql/")
    url = server.url + "/sparql" + req.path[len("/sparql/") :]
    headers = dict(req.headers)
    headers.update(extra_headers or {})
    return requests.request(
        req.method, url, headers=headers, data=req.body, allow_redirects=False, timeout=30
    )


def check(response: requests.Response, req: ProtocolRequest, where: str) -> None:
    status_class = response.status_code // 100
    assert status_class in req.statuses, (
        f"{where}: status {response.status_code}, expected {sorted(f'{s}xx' for s in req.statuses)}: "
        f"{response.text[:500]}"
    )
    media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
    if req.format == "boolean":
        assert media_type in RESULT_TYPES, f"{where}: {media_type} is not a boolean results format"
        value = read_boolean(response.content, media_type)
        if req.boolean is not None:
            assert value is req.boolean, f"{where}: ASK answered {value}, expected {req.boolean}"
    elif req.format == "tabular":
        assert media_type in TABULAR_TYPES, f"{where}: {media_type} is not a tabular results format"
    elif req.format == "RDF":
        assert media_type in RDF_TYPES, f"{where}: {media_type} is not an RDF format"
        Graph().parse(data=response.content, format=RDF_TYPES[media_type])


def read_boolean(body: bytes, media_type: str) -> bool:
    if "json" in media_type:
        return json.loads(body)["boolean"]
    root = ElementTree.fromstring(body)
    element = root.find("{http://www.w3.org/2005/sparql-results#}boolean")
    assert element is not None and element.text in ("true", "false")
    return element.text == "true"


@pytest.mark.parametrize("test", _params())
def test_protocol(test: ProtocolTest, request: pytest.FixtureRequest, backend: str) -> None:
    """One test of the manifest, against claimgraph serving a store on ``backend``."""
    if test is None:
        needs_shared(MANIFEST)
    if test.is_update:
        server = request.getfixturevalue("update_server")
        extra = {"Authorization": f"Bearer {TOKEN}"}
    else:
        server = request.getfixturevalue("query_server")
        extra = {}
    for index, req in enumerate(test.requests):
        check(send(server, req, extra_headers=extra), req, f"{test.name} request {index + 1}")


# --- a safe endpoint fetches nothing --------------------------------------------------------------


def test_remote_default_graph_is_refused_and_not_fetched(update_server: LiveServer) -> None:
    """The manifest's first test, on a store without ``data0.rdf``: refused with 4xx, nothing fetched.

    Run twice: with the manifest's own graph IRI, and with one pointing at a
    listener on 127.0.0.1 that records any connection.
    """
    first = next(t for t in TESTS if t.name == "query_post_form") if TESTS else None
    if first is None:
        needs_shared(MANIFEST)
    req = first.requests[0]
    with listener() as spy:
        for graph in (DATA0, spy.url("/data0.rdf")):
            path = "/sparql/?" + urlencode({"default-graph-uri": graph})
            response = send(update_server, ProtocolRequest(**{**req.__dict__, "path": path}))
            assert 400 <= response.status_code < 500, response.text
            error = response.json()["error"]
            assert error["status"] == response.status_code
            assert graph in error["message"]
    assert spy.connections == []

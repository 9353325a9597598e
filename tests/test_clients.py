"""Real SPARQL clients against a live server: SPARQLWrapper and rdflib's SPARQLStore.

Every answer is checked against what the loaded corpus holds, computed from the
corpus files and the Python API, never typed in.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.dom.minidom import Document

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import (
    CSV,
    GET,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)

from claimgraph.namespaces import CG
from claimgraph.sheets import read_corpus
from claimgraph.store import OxigraphStore

from .live import LiveServer, corpus_for_tests, live_server, shared_store

pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

PREFIX = f"PREFIX cg: <{CG}>\n"
COUNT_CLAIMS = PREFIX + "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a cg:Claim }"
ASK_CLAIMS = PREFIX + "ASK { ?c a cg:Claim }"
CONSTRUCT_CLAIMS = PREFIX + "CONSTRUCT { ?c a cg:Claim } WHERE { ?c a cg:Claim }"


@dataclass(frozen=True)
class Expected:
    claims: int
    graphs: frozenset[str]


@pytest.fixture(scope="module")
def corpus() -> Path:
    return corpus_for_tests()


@pytest.fixture(scope="module")
def store_path(corpus: Path) -> Path:
    return shared_store(corpus)


@pytest.fixture(scope="module")
def expected(corpus: Path, store_path: Path) -> Expected:
    """What the clients must find: claims from the sheets, graph names from the store."""
    store = OxigraphStore(store_path, read_only=True)
    try:
        graphs = frozenset(str(g) for g in store.graph_names())
    finally:
        store.close()
    return Expected(claims=len(read_corpus(corpus).claims), graphs=graphs)


@pytest.fixture(scope="module")
def server(store_path: Path) -> Iterator[LiveServer]:
    with live_server(store_path) as running:
        yield running


def wrapper(server: LiveServer, query: str, fmt: str, method: str) -> SPARQLWrapper:
    sw = SPARQLWrapper(server.sparql)
    sw.setQuery(query)
    sw.setReturnFormat(fmt)
    if method == "GET":
        sw.setMethod(GET)
    else:
        sw.setMethod(POST)
        sw.setRequestMethod(URLENCODED if method == "POST" else POSTDIRECTLY)
    return sw


def count_from(fmt: str, converted: object) -> int:
    """The single ?n of a SELECT answer, as SPARQLWrapper converts each format."""
    if fmt == JSON:
        assert isinstance(converted, dict)
        return int(converted["results"]["bindings"][0]["n"]["value"])
    if fmt == XML:
        assert isinstance(converted, Document)
        return int(converted.getElementsByTagName("literal")[0].firstChild.data)
    assert isinstance(converted, bytes)
    text = converted.decode("utf-8")
    if fmt == CSV:
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == ["n"]
        return int(rows[1][0])
    lines = text.splitlines()
    assert lines[0] == "?n"
    match = re.fullmatch(r'"?(\d+)"?(\^\^<[^>]+>)?', lines[1])
    assert match, lines[1]
    return int(match.group(1))


@pytest.mark.parametrize("method", ["GET", "POST", "POSTDIRECTLY"])
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_select(server: LiveServer, expected: Expected, fmt: str, method: str) -> None:
    result = wrapper(server, COUNT_CLAIMS, fmt, method).query()
    assert count_from(fmt, result.convert()) == expected.claims


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("fmt", [JSON, XML])
def test_sparqlwrapper_ask(server: LiveServer, fmt: str, method: str) -> None:
    converted = wrapper(server, ASK_CLAIMS, fmt, method).query().convert()
    if fmt == JSON:
        assert converted["boolean"] is True
    else:
        assert converted.getElementsByTagName("boolean")[0].firstChild.data == "true"


def _graph_from(fmt: str, converted: object) -> Graph:
    if isinstance(converted, Graph):
        return converted
    assert isinstance(converted, bytes)
    return Graph().parse(data=converted, format="turtle" if fmt == TURTLE else "nt")


@pytest.mark.parametrize("method", ["GET", "POSTDIRECTLY"])
@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [
        (TURTLE, "text/turtle"),
        ("ntriples", "application/n-triples"),
        (JSONLD, "application/ld+json"),
        (RDFXML, "application/rdf+xml"),
    ],
)
def test_sparqlwrapper_construct(
    server: LiveServer, expected: Expected, fmt: str, media_type: str, method: str
) -> None:
    if fmt == "ntriples":
        # SPARQLWrapper has no N-Triples format: ask for it by Accept alone.
        sw = wrapper(server, CONSTRUCT_CLAIMS, N3, method)
        sw.setOnlyConneg(True)
        sw.addCustomHttpHeader("Accept", media_type)
    else:
        sw = wrapper(server, CONSTRUCT_CLAIMS, fmt, method)
    result = sw.query()
    assert result.info()["content-type"].split(";")[0] == media_type
    graph = _graph_from(fmt, result.convert())
    assert len(set(graph.subjects(RDF.type, CG.Claim))) == expected.claims


@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
def test_rdflib_sparqlstore_reads(server: LiveServer, expected: Expected, method: str) -> None:
    graph = Graph(store=SPARQLStore(server.sparql, method=method, returnFormat="xml"))
    rows = list(graph.query(COUNT_CLAIMS))
    assert int(rows[0][0]) == expected.claims
    assert len(set(graph.subjects(RDF.type, CG.Claim))) == expected.claims


@pytest.mark.parametrize("return_format", ["json", "xml", "csv"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_rdflib_sparqlstore_construct_with_a_results_format(
    server: LiveServer, expected: Expected, return_format: str, method: str
) -> None:
    """rdflib asks a CONSTRUCT with only its results type in Accept; it gets a graph it can parse.

    A 406 left rdflib with an AttributeError; Fuseki answers in its default graph format, and so
    does this server (Turtle).
    """
    store = SPARQLStore(server.sparql, method=method, returnFormat=return_format)
    answer = Graph(store=store).query(CONSTRUCT_CLAIMS)
    assert answer.type == "CONSTRUCT"
    assert len(set(answer.graph.subjects(RDF.type, CG.Claim))) == expected.claims


def test_rdflib_sparqlstore_lists_the_named_graphs(server: LiveServer, expected: Expected) -> None:
    store = SPARQLStore(server.sparql, returnFormat="json")
    names = {
        str(context.identifier if isinstance(context, Graph) else context) for context in store.contexts()
    }
    assert names == set(expected.graphs)
    assert all(isinstance(URIRef(n), URIRef) for n in names)


def test_rdflib_sparqlupdatestore_writes_with_the_token_and_is_guarded(tmp_path: Path, corpus: Path) -> None:
    """rdflib's SPARQLUpdateStore: a write with the token lands; one that breaks a claim is refused."""
    from urllib.error import HTTPError

    from rdflib import Literal
    from rdflib.plugins.stores.sparqlstore import SPARQLUpdateStore

    from .live import loaded_store

    token = "client-test-token"
    with live_server(
        loaded_store(tmp_path, corpus), token=token, open_graphs="http://example.org/"
    ) as running:
        endpoint = running.sparql
        writer = SPARQLUpdateStore(
            query_endpoint=endpoint, update_endpoint=endpoint, headers={"Authorization": f"Bearer {token}"}
        )
        notes = Graph(writer, identifier=URIRef("http://example.org/notes"))
        subject = URIRef("http://example.org/note/1")
        notes.add((subject, RDF.value, Literal("checked against the second source")))
        reader = Graph(SPARQLStore(endpoint), identifier=URIRef("http://example.org/notes"))
        assert list(reader.objects(subject, RDF.value)) == [Literal("checked against the second source")]

        claims_before = int(next(iter(Graph(SPARQLStore(endpoint)).query(COUNT_CLAIMS)))[0])
        with pytest.raises(HTTPError) as refused:
            writer.update(
                PREFIX + "DELETE WHERE { GRAPH ?g { ?c <http://www.w3.org/ns/prov#wasDerivedFrom> ?d } }"
            )
        assert refused.value.code == 422
        assert int(next(iter(Graph(SPARQLStore(endpoint)).query(COUNT_CLAIMS)))[0]) == claims_before

        anonymous = SPARQLUpdateStore(query_endpoint=endpoint, update_endpoint=endpoint)
        with pytest.raises(HTTPError) as unauthorised:
            Graph(anonymous, identifier=URIRef("http://example.org/notes")).add(
                (subject, RDF.value, Literal("x"))
            )
        assert unauthorised.value.code == 401

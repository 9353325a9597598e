"""The Graph Store HTTP Protocol edge: parsing uploads safely, formats, multipart, the default graph."""

from __future__ import annotations

import io
import json

import pyoxigraph as ox
import pytest

from claimgraph.api import Claimgraph
from claimgraph.errors import BadRdf, UnsupportedFormat
from claimgraph.store import parse_upload
from claimgraph.web import create_app

from .conftest import Servers, backend_settings

AUTH = {"Authorization": "Bearer secret"}
TURTLE = b"@prefix e: <http://e/> . e:s e:p [ e:q 1 ] ."


@pytest.fixture
def settings(tmp_path, backend: str, servers: Servers):
    # Plain RDF under http://e/ and in the default graph: the operator opened them.
    return backend_settings(
        backend,
        servers,
        tmp_path / "store",
        token="secret",
        base_iri="http://cg.test/",
        open_graphs="http://e/ http://cg.test/graph/ DEFAULT",
    )


UPLOADS = [
    ("text/turtle", TURTLE),
    ("application/n-triples", b'<http://e/s> <http://e/p> _:b .\n_:b <http://e/q> "1" .\n'),
    (
        "application/rdf+xml",
        b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        b' xmlns:e="http://e/"><rdf:Description rdf:about="http://e/s"><e:p rdf:parseType="Resource">'
        b"<e:q>1</e:q></e:p></rdf:Description></rdf:RDF>",
    ),
    (
        "application/ld+json",
        json.dumps({"@context": {"e": "http://e/"}, "@id": "e:s", "e:p": {"e:q": "1"}}).encode(),
    ),
]


@pytest.mark.parametrize(("media", "data"), UPLOADS, ids=[m for m, _ in UPLOADS])
def test_each_upload_format_is_read(media, data):
    assert len(parse_upload(data, media, base_iri="http://e/")) == 2


@pytest.mark.parametrize(
    ("media", "data"),
    [
        ("application/rdf+xml", b'<!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>'),
        ("application/rdf+xml", b"<?xml version='1.0'?>\n<!entity x 'y'>"),
        ("application/rdf+xml", "<x/>".encode("utf-16")),
        ("application/ld+json", b'{"@context": "file:///etc/passwd", "@id": "http://e/s"}'),
        ("application/ld+json", b'{"@context": [{"@vocab": "http://e/"}, "http://e/c"]}'),
        ("application/ld+json", b'{"@id": "http://e/s",'),
        ("text/turtle", b"<http://e/s> <http://e/p> ."),
        ("text/turtle", b"<http://e/s> <http://e/p> 1 . <http://e/g> { }"),
    ],
)
def test_unsafe_or_malformed_uploads_are_refused(media, data):
    with pytest.raises(BadRdf):
        parse_upload(data, media, base_iri="http://e/")


def test_named_graphs_are_refused_in_a_graph_upload():
    with pytest.raises(BadRdf):
        parse_upload(
            b'{"@id": "http://e/g", "@graph": [{"@id": "http://e/s", "http://e/p": 1}]}',
            "application/ld+json",
            base_iri=None,
        )


def test_an_unknown_media_type_is_unsupported():
    with pytest.raises(UnsupportedFormat):
        parse_upload(b"a,b", "text/csv", base_iri=None)


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, "text/turtle"),
        ("application/n-triples", "application/n-triples"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/ld+json;q=0.9, text/html;q=0.1", "application/ld+json"),
        ("text/turtle; charset=utf-8", "text/turtle"),
        ("application/trig", "application/trig"),
        ("text/n3", "text/n3"),
    ],
)
def test_a_graph_is_served_in_the_format_asked_for(client, accept, media):
    assert (
        client.put(
            "/rdf-graph-store?graph=http://e/g", data=TURTLE, content_type="text/turtle", headers=AUTH
        ).status_code
        == 201
    )
    response = client.get("/rdf-graph-store?graph=http://e/g", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.mimetype == media
    fmt = ox.RdfFormat.from_media_type(media if media != "text/n3" else "text/turtle")
    assert len(list(ox.parse(response.data, fmt))) == 2


@pytest.mark.parametrize(
    ("named", "media"),
    [
        ("ttl", "text/turtle"),
        ("nt", "application/n-triples"),
        ("jsonld", "application/ld+json"),
        ("nq", "application/n-quads"),
    ],
)
def test_a_graph_is_served_in_the_format_a_link_names(client, named, media):
    """``?format=`` (what a graph page's "as data" links use): it wins over a browser's Accept."""
    graph = "/graph/linked"
    assert client.put(graph, data=TURTLE, content_type="text/turtle", headers=AUTH).status_code == 201
    response = client.get(graph, query_string={"format": named}, headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 200 and response.mimetype == media
    assert len(list(ox.parse(response.data, ox.RdfFormat.from_media_type(media)))) == 2
    assert client.get(graph, query_string={"format": "xlsx"}).status_code == 406


def test_a_graph_not_in_the_store_is_404(client):
    response = client.get("/rdf-graph-store?graph=http://e/nowhere")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not-found"
    assert client.delete("/rdf-graph-store?graph=http://e/nowhere", headers=AUTH).status_code == 404


def test_a_large_graph_is_served_whole(tmp_path, backend: str, servers: Servers):
    """A graph GET is a dump, not a query: neither the result-row limit nor a server's own
    (Virtuoso's ResultSetMaxRows, 1,000 on the tests' scratch server) cuts it."""
    settings = backend_settings(
        backend, servers, tmp_path / "store", token="secret", max_rows=10, open_graphs="http://e/"
    )
    client = create_app(claimgraph=Claimgraph(settings)).test_client()
    body = "".join(f'<http://e/s{i}> <http://e/p> "{i}" .\n' for i in range(2500)).encode()
    put = client.put(
        "/rdf-graph-store?graph=http://e/big", data=body, content_type="application/n-triples", headers=AUTH
    )
    assert put.status_code == 201, put.get_json()
    assert client.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }"}).status_code == 422
    got = client.get("/rdf-graph-store?graph=http://e/big", headers={"Accept": "application/n-triples"})
    assert got.status_code == 200 and sorted(got.data.splitlines()) == sorted(body.splitlines())


def test_the_default_graph_and_the_whole_store(client):
    assert client.get("/rdf-graph-store?default").status_code == 200  # the default graph always exists
    assert (
        client.put(
            "/rdf-graph-store?default", data=TURTLE, content_type="text/turtle", headers=AUTH
        ).status_code
        == 204
    )
    client.put("/rdf-graph-store?graph=http://e/g", data=TURTLE, content_type="text/turtle", headers=AUTH)
    dump = client.get("/rdf-graph-store", headers={"Accept": "application/n-quads"})
    # The store's own metadata graph (its base IRI), its history and the agent of its
    # writes (the operator) are part of the dump.
    own = ("urn:claimgraph:", "/graph/history>", "/graph/curators>")
    quads = [
        q for q in ox.parse(dump.data, ox.RdfFormat.N_QUADS) if not any(x in str(q.graph_name) for x in own)
    ]
    assert len(quads) == 4 and {str(q.graph_name) for q in quads} == {"DEFAULT", "<http://e/g>"}
    assert (
        client.get("/rdf-graph-store", headers={"Accept": "application/trig"}).mimetype == "application/trig"
    )
    assert client.delete("/rdf-graph-store?default", headers=AUTH).status_code == 204
    assert client.get("/rdf-graph-store?default", headers={"Accept": "application/n-triples"}).data == b""


def test_a_multipart_post_merges_every_part(client):
    files = {
        "a.ttl": (io.BytesIO(b"<http://e/s> <http://e/a> 1 ."), "a.ttl", "text/turtle"),
        "b.nt": (io.BytesIO(b'<http://e/s> <http://e/b> "2" .\n'), "b.nt", "application/octet-stream"),
    }
    response = client.post("/graph/people/1", data=files, content_type="multipart/form-data", headers=AUTH)
    assert response.status_code == 201
    got = client.get(
        "/rdf-graph-store?graph=http://cg.test/graph/people/1", headers={"Accept": "application/n-triples"}
    )
    assert len(got.data.splitlines()) == 2


def test_both_graph_and_default_is_a_bad_request(client):
    assert client.get("/rdf-graph-store?graph=http://e/g&default").status_code == 400
    assert client.get("/rdf-graph-store?graph=not%20an%20iri").status_code == 400
    assert (
        client.put("/rdf-graph-store", data=TURTLE, content_type="text/turtle", headers=AUTH).status_code
        == 400
    )

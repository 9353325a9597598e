"""Known-bad inputs, kept in ``tests/data/hostile/``: none reaches a 500 or a traceback.

Each file is one input, sent where its folder says:

* ``queries/*.rq`` — ``GET /sparql?query=`` and a direct ``POST``, without a token;
* ``updates/*.ru`` — ``POST /update`` (``application/sparql-update``) with the token;
* ``rdf/*.<ext>`` — ``PUT /rdf-graph-store?graph=`` and ``POST /claims``, the media type
  from the extension (the format table's);
* ``sheets/*.yaml`` — ``POST /claims`` as YAML, and ``claimgraph load`` of a corpus
  folder holding it beside the mini corpus's ``corpus.yaml`` and documents;
* ``corpora/*.yaml`` — a ``corpus.yaml`` sent with a sheet whose document is stored
  (``POST /claims``, multipart).

A file named ``<status>-<what>.<ext>`` must get that status; a ``found-<digest>.<ext>``
(a finding of ``make fuzz``) must get no 5xx. Either way: a refusal comes in the one
JSON error shape (from the CLI: exit 2 and ``error:`` lines, no traceback), and a
refused write leaves the store exactly as it was.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from claimgraph import formats
from claimgraph.api import Claimgraph
from claimgraph.cli import main
from claimgraph.web import create_app

from .conftest import DATA, MINI, make_settings
from .live import LiveServer, live_server, shared_store
from .test_error_shape import assert_error_shape

HOSTILE = DATA / "hostile"
TOKEN = "secret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
#: The graphs plain RDF may be written to (the closed world is test_changes's).
OPEN = "http://e/ DEFAULT"


def cases(folder: str) -> list[Any]:
    return [pytest.param(path, id=path.name) for path in sorted((HOSTILE / folder).iterdir())]


def expected_status(path: Path) -> int | None:
    head = path.name.split("-", 1)[0]
    return int(head) if head.isdigit() else None


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The mini corpus, served with a write token; refused writes must leave it as it is."""
    folder = tmp_path_factory.mktemp("hostile")
    cg = Claimgraph(make_settings(folder / "store", token=TOKEN, open_graphs=OPEN))
    store = cg.open_store()
    cg.load(store, MINI)
    application = create_app(claimgraph=cg)
    application.extensions["claimgraph"]["executor"] = cg.executor(store=store)
    yield application
    store.close()


@pytest.fixture
def hostile_client(hostile_app: Flask) -> FlaskClient:
    return hostile_app.test_client()


def quads(app: Flask) -> set[str]:
    store = app.extensions["claimgraph"]["executor"]
    return store.write(lambda s: {" ".join(t.n3() for t in q if t is not None) for q in s.quads(exact=True)})


def check(app: Flask, response: Any, path: Path, before: set[str] | None = None) -> None:
    """The response to a hostile input: the status its name says, never a 5xx, the one error shape."""
    status = expected_status(path)
    if status is not None:
        assert response.status_code == status, response.get_data(as_text=True)
    assert response.status_code < 500, response.get_data(as_text=True)
    if response.status_code >= 400:
        assert_error_shape(response, response.status_code)
        if before is not None:
            assert quads(app) == before, "a refused write changed the store"


@pytest.mark.parametrize("path", cases("queries"))
def test_hostile_query(hostile_app: Flask, hostile_client: FlaskClient, path: Path) -> None:
    text = path.read_bytes().decode("utf-8", "replace")
    check(hostile_app, hostile_client.get("/sparql", query_string={"query": text}), path)
    response = hostile_client.post("/sparql", data=text.encode(), content_type="application/sparql-query")
    check(hostile_app, response, path)


@pytest.mark.parametrize("path", cases("updates"))
def test_hostile_update(hostile_app: Flask, hostile_client: FlaskClient, path: Path) -> None:
    before = quads(hostile_app)
    response = hostile_client.post(
        "/update", data=path.read_bytes(), content_type="application/sparql-update", headers=AUTH
    )
    check(hostile_app, response, path, before)


def media_type(path: Path) -> str:
    return formats.by_extension(path.suffix[1:], "graph").media_type


@pytest.mark.parametrize("path", cases("rdf"))
def test_hostile_rdf_to_the_graph_store(hostile_app: Flask, hostile_client: FlaskClient, path: Path) -> None:
    before = quads(hostile_app)
    response = hostile_client.put(
        "/rdf-graph-store",
        query_string={"graph": "http://e/hostile"},
        data=path.read_bytes(),
        content_type=media_type(path),
        headers=AUTH,
    )
    check(hostile_app, response, path, before)


@pytest.mark.parametrize("path", cases("rdf"))
def test_hostile_rdf_as_claims(hostile_app: Flask, hostile_client: FlaskClient, path: Path) -> None:
    before = quads(hostile_app)
    response = hostile_client.post(
        "/claims", data=path.read_bytes(), content_type=media_type(path), headers=AUTH
    )
    check(hostile_app, response, path, before)


@pytest.mark.parametrize("path", cases("sheets"))
def test_hostile_sheet_posted(hostile_app: Flask, hostile_client: FlaskClient, path: Path) -> None:
    before = quads(hostile_app)
    response = hostile_client.post(
        "/claims", data=path.read_bytes(), content_type="application/yaml", headers=AUTH
    )
    check(hostile_app, response, path, before)


@pytest.mark.parametrize("path", cases("corpora"))
def test_hostile_corpus_posted(hostile_app: Flask, hostile_client: FlaskClient, path: Path) -> None:
    before = quads(hostile_app)
    form = {
        "sheet": (MINI / "doc-b.yaml").read_text(encoding="utf-8"),
        "corpus": path.read_bytes().decode("utf-8", "replace"),
    }
    response = hostile_client.post("/claims", data=form, content_type="multipart/form-data", headers=AUTH)
    check(hostile_app, response, path, before)


def assert_one_error(result: Any) -> None:
    """Exit 2 and ``error:`` lines on standard error, never a traceback."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.stderr
    assert "\nerror: " in "\n" + result.stderr, result.stderr  # after the progress lines


def test_hostile_sheets_loaded_by_the_cli(runner: Any, tmp_path: Path) -> None:
    """Every hostile sheet in one corpus folder (with the mini corpus's ``corpus.yaml`` and
    documents, and a folder named like a sheet): ``claimgraph load`` names each, exit 2."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(MINI / "corpus.yaml", corpus)
    for document in MINI.glob("*.txt"):
        shutil.copy(document, corpus)
    sheets = [p for p in (HOSTILE / "sheets").iterdir() if expected_status(p) == 422]
    for n, sheet in enumerate(sheets):  # each its own document id, so that all are read
        text = sheet.read_text(encoding="utf-8").replace("id: doc-b\n", f"id: doc-{n}\n")
        (corpus / sheet.name).write_text(text, encoding="utf-8")
    (corpus / "a-folder.yaml").mkdir()
    result = runner.invoke(main, ["load", str(corpus), "--store", str(tmp_path / "store")])
    assert_one_error(result)
    for sheet in sheets:
        assert f"{sheet.name}:" in result.stderr, sheet.name
    assert "a-folder.yaml: the sheet is a folder, not a file" in result.stderr
    stats = runner.invoke(main, ["stats", "--json", "--store", str(tmp_path / "store")])
    assert json.loads(stats.output)["claims"] == 0, stats.output


def test_json_ld_nested_past_the_limit_is_refused_before_the_engine_parses_it(
    hostile_client: FlaskClient,
) -> None:
    """Why the limit exists (measured with pyoxigraph 0.5): parsing this body takes the engine
    34 s of CPU and then kills the process with a segmentation fault."""
    body = '{"@id": "http://e/s", "http://e/p": ' * 10_000 + "1" + "}" * 10_000
    response = hostile_client.post("/claims", data=body, content_type="application/ld+json", headers=AUTH)
    error = assert_error_shape(response, 400)
    assert "nested more than 100 deep (line 1, column" in error["message"]
    assert error["details"]["line"] == 1


# ---------------------------------------------------------------- what the WSGI server answers itself

MAX_BODY = 4096


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with live_server(shared_store(MINI), max_body=MAX_BODY) as running:
        yield running


def raw(server: LiveServer, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``request`` as it is; the status, headers and body of the answer.

    The request is sent from a thread while the answer is read: a server that answers
    before reading the whole request closes on the rest, which resets the connection.
    """
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:

        def send() -> None:
            with contextlib.suppress(OSError):
                conn.sendall(request)

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        data = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := conn.recv(65536):
                data += chunk
        sender.join()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


def assert_json_error(status: int, headers: dict[str, str], body: bytes, expected: int) -> dict[str, Any]:
    assert status == expected, body
    assert headers["content-type"] == "application/json"
    assert headers["access-control-allow-origin"] == "*"
    error = json.loads(body)["error"]
    assert error["status"] == expected and error["message"]
    assert set(json.loads(body)) == {"error"}
    return error


def test_a_body_over_the_servers_limit_is_413_in_the_json_shape(server: LiveServer) -> None:
    """A Content-Length far over the limit: waitress answers before the app sees the request."""
    request = (
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
        b"Content-Length: 10000000\r\n\r\nASK {}"
    )
    error = assert_json_error(*raw(server, request), 413)
    assert error["code"] == "request-entity-too-large"
    assert f"{MAX_BODY} bytes, CLAIMGRAPH_MAX_BODY" in error["message"]


def test_a_chunked_body_over_the_servers_limit_is_413_in_the_json_shape(server: LiveServer) -> None:
    chunk = b"x" * 100_000
    request = (
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n" + b"%x\r\n" % len(chunk) + chunk + b"\r\n0\r\n\r\n"
    )
    assert_json_error(*raw(server, request), 413)


def test_headers_over_the_servers_limit_are_431_in_the_json_shape(server: LiveServer) -> None:
    request = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 300_000 + b"\r\n\r\n"
    error = assert_json_error(*raw(server, request), 431)
    assert error["code"] == "request-header-fields-too-large"


def test_a_request_waitress_cannot_parse_is_400_in_the_json_shape(server: LiveServer) -> None:
    request = (
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
        b"Transfer-Encoding: chunked\r\n\r\nzz\r\nASK {}\r\n0\r\n\r\n"
    )
    error = assert_json_error(*raw(server, request), 400)
    assert error["code"] == "bad-request"


def test_a_body_just_over_the_apps_limit_is_413_from_the_app(server: LiveServer) -> None:
    body = b"ASK {}" + b" " * (MAX_BODY + 10)
    request = (
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
        b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body
    )
    error = assert_json_error(*raw(server, request), 413)
    assert f"{MAX_BODY} bytes, CLAIMGRAPH_MAX_BODY" in error["message"]
    assert requests.get(server.sparql, params={"query": "ASK {}"}, timeout=10).status_code == 200


def hostile_paths() -> list[Any]:
    """``paths.txt`` (``METHOD PATH STATUS``), and what ``make fuzz`` found (``paths/found-*.txt``:
    ``METHOD PATH``, which must get no 5xx)."""
    lines = (HOSTILE / "paths.txt").read_text(encoding="utf-8").splitlines()
    lines += [p.read_text(encoding="utf-8") + " any" for p in sorted(HOSTILE.glob("paths/found-*.txt"))]
    return [pytest.param(*line.split(), id=line) for line in lines if line and not line.startswith("#")]


@pytest.mark.parametrize(("method", "path", "status"), hostile_paths())
def test_hostile_path(
    hostile_app: Flask, hostile_client: FlaskClient, method: str, path: str, status: str
) -> None:
    """An id in a path that makes no IRI is a 404 (was a 500, without a token for a GET)."""
    before = quads(hostile_app)
    response = hostile_client.open(path, method=method, headers=AUTH if method in ("DELETE", "PUT") else {})
    if status != "any":
        assert response.status_code == int(status), response.get_data(as_text=True)
    assert response.status_code < 500, response.get_data(as_text=True)
    if method != "HEAD" and response.status_code >= 400:
        assert_error_shape(response, response.status_code)
    assert quads(hostile_app) == before


def test_hostile_queries_and_paths_over_real_http(server: LiveServer) -> None:
    """The same known-bad queries and paths through waitress: no 5xx, the one shape, and the
    server still answers after all of them."""
    sent = 0
    for path in sorted((HOSTILE / "queries").iterdir()):
        text = path.read_bytes().decode("utf-8", "replace")
        response = requests.get(server.sparql, params={"query": text}, timeout=30)
        assert response.status_code < 500, (path.name, response.text)
        assert response.status_code < 400 or set(response.json()) == {"error"}, path.name
        sent += 1
    for _method, target, _status in (p.values for p in hostile_paths()):
        response = requests.get(server.url + target, timeout=30)
        assert response.status_code < 500, (target, response.text)
        sent += 1
    assert sent > 10
    assert requests.get(server.sparql, params={"query": "ASK {}"}, timeout=10).status_code == 200

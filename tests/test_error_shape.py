"""Every HTTP error has one JSON shape, built by :func:`claimgraph.web.errors.error_body`.

``{"error": {"status": <int>, "code": <kebab-case>, "message": <text>, "details"?: {...}}}``
served as ``application/json`` with the status in the body equal to the HTTP status.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from claimgraph import errors
from claimgraph.errors import (
    BadRdf,
    ClaimgraphError,
    ConfigError,
    CorpusNotFound,
    NoSpace,
    NotAcceptable,
    NotFound,
    Problem,
    QueryError,
    QueryRefused,
    QueryTimeout,
    ResultTooLarge,
    StoreError,
    UnsupportedFormat,
    ValidationFailed,
    WorkerCrashed,
)
from claimgraph.web.errors import error_body

from .live import ROOT

CODE = re.compile(r"[a-z]+(-[a-z]+)*")


def test_error_body_shape() -> None:
    assert error_body(400, "bad-query", "no") == {
        "error": {"status": 400, "code": "bad-query", "message": "no"}
    }
    assert error_body(422, "invalid-input", "bad", problems=[{"message": "x"}]) == {
        "error": {
            "status": 422,
            "code": "invalid-input",
            "message": "bad",
            "details": {"problems": [{"message": "x"}]},
        }
    }


def assert_error_shape(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) <= {"status", "code", "message", "details"}
    assert error["status"] == status
    assert CODE.fullmatch(error["code"]), error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return error


class Raising:
    """An executor whose queries raise ``exc``."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def query(self, request: Any, *, timeout: float | None = None) -> Any:
        raise self.exc

    def write(self, action: Any) -> Any:
        raise self.exc

    def close(self) -> None:
        pass


def test_400_bad_query(client: FlaskClient) -> None:
    error = assert_error_shape(client.get("/sparql", query_string={"query": "SELEKT nothing"}), 400)
    assert error["code"] == "bad-query"


def test_404_unknown_path(client: FlaskClient) -> None:
    assert_error_shape(client.get("/no/such/page"), 404)


def test_404_unknown_named_query(client: FlaskClient) -> None:
    assert_error_shape(client.get("/queries/no-such-query"), 404)


def test_405_wrong_method(client: FlaskClient) -> None:
    response = client.put("/sparql", query_string={"query": "ASK {}"})
    assert_error_shape(response, 405)
    assert "GET" in response.headers["Allow"]


def test_406_no_format_fits(client: FlaskClient) -> None:
    error = assert_error_shape(
        client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Accept": "image/png"}), 406
    )
    assert error["code"] == "not-acceptable"


def test_413_body_too_large(app: Flask, client: FlaskClient) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/sparql", data="ASK {}" + " " * 2048, content_type="application/sparql-query")
    assert_error_shape(response, 413)


def test_415_unsupported_media_type(client: FlaskClient) -> None:
    assert_error_shape(client.post("/sparql", data="ASK {}", content_type="text/plain"), 415)


def test_500_unexpected_error_is_logged_not_shown(app: Flask, client: FlaskClient, caplog: Any) -> None:
    app.extensions["claimgraph"]["executor"] = Raising(RuntimeError("secret internals"))
    error = assert_error_shape(client.get("/sparql", query_string={"query": "ASK {}"}), 500)
    assert "secret" not in error["message"]
    assert "secret internals" in caplog.text


DOMAIN = [
    (QueryError("syntax"), 400, "bad-query"),
    (QueryRefused("SERVICE is not allowed"), 400, "refused"),
    (NotAcceptable("no"), 406, "not-acceptable"),
    (ResultTooLarge("too many rows"), 422, "result-too-large"),
    (ValidationFailed([Problem("no source", claim="c1")]), 422, "invalid-input"),
    (QueryTimeout("stopped after 30 s"), 503, "timeout"),
    (StoreError("store in use"), 503, "store-unavailable"),
    (NoSpace("no space left on the device of the store at /s"), 507, "insufficient-storage"),
    (WorkerCrashed("worker died"), 500, "query-crashed"),
    (NotFound("no graph <http://x/g> in the store"), 404, "not-found"),
    (BadRdf("cannot parse the text/turtle body", line=2, column=5), 400, "bad-rdf"),
    (UnsupportedFormat("cannot read text/csv"), 415, "unsupported-media-type"),
    (ConfigError("--port: not a number"), 500, "bad-setting"),
    (CorpusNotFound("x: no corpus.yaml here"), 400, "not-a-corpus"),
    (errors.Unauthorized("this token is neither the operator's nor a curator's"), 401, "unauthorized"),
    (errors.Forbidden("writes are off"), 403, "writes-disabled"),
    (errors.Revoked("curator 'alice''s token was revoked"), 403, "revoked"),
    (errors.Conflict("there is a curator 'alice' already"), 409, "conflict"),
]


@pytest.mark.parametrize(("exc", "status", "code"), DOMAIN, ids=[type(d[0]).__name__ for d in DOMAIN])
def test_domain_errors(app: Flask, client: FlaskClient, exc: Exception, status: int, code: str) -> None:
    app.extensions["claimgraph"]["executor"] = Raising(exc)
    error = assert_error_shape(client.get("/sparql", query_string={"query": "ASK {}"}), status)
    assert error["code"] == code
    assert error["message"] == str(exc)


def test_every_row_of_the_error_table_is_tested() -> None:
    tested = {type(exc) for exc, _, _ in DOMAIN}
    for cls in errors.table():
        assert any(issubclass(t, cls) for t in tested), cls
    for exc, status, code in DOMAIN:
        assert (exc.status, exc.code, exc.exit_code) == (status, code, 2)


def test_bad_rdf_carries_its_position(app: Flask, client: FlaskClient) -> None:
    app.extensions["claimgraph"]["executor"] = Raising(BadRdf("cannot parse", line=2, column=5))
    error = assert_error_shape(client.get("/sparql", query_string={"query": "ASK {}"}), 400)
    assert error["details"] == {"line": 2, "column": 5}


class Unlisted(ClaimgraphError):
    """A domain error that nobody gave a row."""


def test_a_domain_error_without_a_row_is_a_logged_500_with_a_generic_message(
    app: Flask, client: FlaskClient, caplog: Any
) -> None:
    app.extensions["claimgraph"]["executor"] = Raising(Unlisted("secret internals"))
    error = assert_error_shape(client.get("/sparql", query_string={"query": "ASK {}"}), 500)
    assert error["code"] == "internal" and "secret" not in error["message"]
    assert "secret internals" in caplog.text


def test_the_cli_exits_with_the_row_of_the_error(runner: Any, tmp_path: Any) -> None:
    from claimgraph.cli import main

    result = runner.invoke(main, ["query", "--name", "no-such-query", "--store", str(tmp_path / "s")])
    assert result.exit_code == NotFound.exit_code
    assert result.stderr.startswith("error: no named query 'no-such-query'")


def test_invalid_input_carries_its_problems(app: Flask, client: FlaskClient) -> None:
    app.extensions["claimgraph"]["executor"] = Raising(
        ValidationFailed([Problem("no source", claim="c1")], report="r")
    )
    error = assert_error_shape(client.get("/sparql", query_string={"query": "ASK {}"}), 422)
    assert error["details"] == {"problems": [{"message": "no source", "claim": "c1"}], "report": "r"}


def test_every_row_is_in_the_endpoint_reference() -> None:
    endpoint = (ROOT / "docs" / "reference" / "endpoint.md").read_text(encoding="utf-8")
    for cls in errors.table():
        assert f"| {cls.status} | `{cls.code}` |" in endpoint, cls

"""One error shape for every HTTP error, built by :func:`error_body`.

Domain errors are translated here, at the edge: a SPARQL syntax error is a 400
with the parser's message, a SHACL failure a 422 with the report, anything
unexpected a 500 that is logged.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, json
from werkzeug.exceptions import HTTPException

from .. import errors
from ..errors import ClaimgraphError, InvalidInput, QueryError, StoreError

#: Domain error class → (HTTP status, error code); the first match wins.
STATUS: list[tuple[type[Exception], int, str]] = [
    (InvalidInput, 422, "invalid-input"),
    (errors.QueryRefused, 400, "refused"),  # a QueryError: it must come first
    (QueryError, 400, "bad-query"),
    (errors.NotAcceptable, 406, "not-acceptable"),
    (errors.ResultTooLarge, 422, "result-too-large"),
    (errors.QueryTimeout, 503, "timeout"),
    # The safety check refuses what is known to crash the engine; a crash past it is ours.
    (errors.WorkerCrashed, 500, "query-crashed"),
    (StoreError, 503, "store-unavailable"),
]


def error_body(status: int, code: str, message: str, **details: Any) -> dict[str, Any]:
    """The JSON body of every error response."""
    body: dict[str, Any] = {"error": {"status": status, "code": code, "message": message}}
    if details:
        body["error"]["details"] = details
    return body


def error_response(status: int, code: str, message: str, **details: Any) -> Response:
    return Response(
        json.dumps(error_body(status, code, message, **details)),
        status=status,
        mimetype="application/json",
    )


def for_exception(exc: ClaimgraphError) -> Response:
    for cls, status, code in STATUS:
        if isinstance(exc, cls):
            if status >= 500:
                current_app.logger.error("%s: %s", code, exc)
            details: dict[str, Any] = {}
            if isinstance(exc, InvalidInput):
                details["problems"] = [p.as_dict() for p in exc.problems]
                if exc.report:
                    details["report"] = exc.report
            return error_response(status, code, str(exc), **details)
    return error_response(500, "internal", str(exc))


def register(app: Flask) -> None:
    @app.errorhandler(ClaimgraphError)
    def _domain(exc: ClaimgraphError) -> Response:
        return for_exception(exc)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        code = (exc.name or "error").lower().replace(" ", "-")
        response = error_response(exc.code or 500, code, exc.description or exc.name)
        for key in ("Allow", "WWW-Authenticate", "Retry-After"):
            if exc.get_response().headers.get(key):
                response.headers[key] = exc.get_response().headers[key]
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        app.logger.exception("unexpected error")
        return error_response(500, "internal", "internal server error; it has been logged")

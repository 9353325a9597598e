"""One error shape for every HTTP error, built by :func:`error_body`.

Domain errors are translated here, at the edge, through the one error table
(each error's ``status`` and ``code`` in :mod:`claimgraph.errors`): a SPARQL
syntax error is a 400 with the parser's message, a SHACL failure a 422 with
the report. A domain error without a row, and anything unexpected, is a 500
that is logged and shows a generic message.
"""

from __future__ import annotations

from html import escape
from typing import Any

from flask import Flask, Response, current_app, json, request, url_for
from werkzeug.exceptions import HTTPException

from ..api import best_match
from ..errors import ClaimgraphError

GENERIC = "internal server error; it has been logged"
#: A body over the limit, whether Flask or the WSGI server refuses it.
TOO_LARGE = "the request body is larger than this server accepts ({max_body} bytes, CLAIMGRAPH_MAX_BODY)"


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


def wants_page() -> bool:
    """A browser's request: it names HTML before JSON (``*/*`` alone, or no Accept, is a program's)."""
    accept = request.headers.get("Accept")
    return bool(accept) and best_match(accept, ["application/json", "text/html"]) == "text/html"


def not_found_page(message: str) -> Response:
    """A 404 for a browser: what is missing, and the ways back (the query page, the index)."""
    home, index = url_for("pages.query_page"), url_for("pages.search_page")
    body = (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>Not found · claimgraph</title><link rel="stylesheet" href="{url_for("static", filename="claimgraph.css")}">'
        f"</head><body><main><h1>Not found</h1><p>{escape(message)}</p>"
        f'<p><a href="{home}">The query page</a> · <a href="{index}">every event, party and document</a></p>'
        "</main></body></html>\n"
    )
    return Response(body, status=404, mimetype="text/html")


def for_exception(exc: ClaimgraphError) -> Response:
    """The response for a domain error, from its row of the error table."""
    if exc.status == 404 and wants_page():
        return not_found_page(str(exc))
    if exc.status is None:
        current_app.logger.error(
            "a domain error without a row: %s: %s", type(exc).__name__, exc, exc_info=exc
        )
        return error_response(500, "internal", GENERIC)
    if exc.status >= 500:
        current_app.logger.error("%s: %s", exc.code, exc)
    response = error_response(exc.status, exc.code, str(exc), **exc.details())
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="claimgraph"'
    return response


def register(app: Flask) -> None:
    @app.errorhandler(ClaimgraphError)
    def _domain(exc: ClaimgraphError) -> Response:
        return for_exception(exc)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        if exc.code == 404 and wants_page():
            return not_found_page(f"There is no page at {request.path}.")
        code = (exc.name or "error").lower().replace(" ", "-")
        message = exc.description or exc.name
        if exc.code == 413:
            message = TOO_LARGE.format(max_body=app.config["MAX_CONTENT_LENGTH"])
        response = error_response(exc.code or 500, code, message)
        for key in ("Allow", "WWW-Authenticate", "Retry-After"):
            if exc.get_response().headers.get(key):
                response.headers[key] = exc.get_response().headers[key]
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        app.logger.exception("unexpected error")
        return error_response(500, "internal", GENERIC)

"""The SPARQL 1.1 Protocol endpoint at ``/sparql`` (minimal: GET and POST)."""

from __future__ import annotations

from flask import Blueprint, Response, request

from ..errors import QueryError
from ..executor import QueryRequest
from . import get_executor

blueprint = Blueprint("sparql", __name__)


@blueprint.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    if request.method == "POST" and request.mimetype == "application/sparql-query":
        text = request.get_data(as_text=True)
    else:
        text = request.values.get("query")
    if not text:
        raise QueryError("no query given: pass ?query=")
    answer = get_executor().query(QueryRequest(sparql=text, accept=request.headers.get("Accept", "*/*")))
    return Response(answer.body, mimetype=answer.media_type)

"""Queries as a SPARQL server gets them, and its answers as claimgraph reads them.

A query is parsed here first (pyoxigraph's parser: the same syntax errors as the embedded
store), sent with its base as ``BASE``, and its answer read as SPARQL JSON results (exact
lexical forms) or N-Triples; an answer the server cut (``X-SPARQL-MaxRows``) is refused.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from .. import formats
from ..errors import QueryError, ResultTooLarge, StoreError
from ..rdf.results import (
    JsonResults,
    QueryResult,
    boolean_body,
    read_json_results,
    read_triples,
    results_format,
    write_answer,
)
from ..rdf.terms import from_ox
from ..sparqltext import tokens
from .http import Response

__all__ = [
    "JSON_RESULTS",
    "N_TRIPLES",
    "accept",
    "based",
    "check_syntax",
    "cut",
    "query_form",
    "read_query_answer",
    "read_results",
    "source",
    "write_server_answer",
]

JSON_RESULTS = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"

_FORMS = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "graph", "DESCRIBE": "graph"}


def query_form(sparql: str) -> str | None:
    """The kind of answer a query gives: ``select``, ``ask`` or ``graph`` (None: no query form found).

    >>> query_form("PREFIX e: <http://e/> # SELECT\\nCONSTRUCT WHERE { ?s e:p ?o }")
    'graph'
    """
    for tok in tokens(sparql):
        if tok.kind == "word" and tok.text.upper() in _FORMS:
            return _FORMS[tok.text.upper()]
    return None


def check_syntax(sparql: str, base_iri: str | None) -> str:
    """Parse the query here (the embedded store's parser and messages); its answer kind.

    Parsing is evaluation started but not run (answers are lazy), on an empty store; only
    ASK is evaluated at once, which costs nothing there but would call a SERVICE, so a
    query with one is left to the server to parse.
    """
    form = query_form(sparql)
    if form == "ask" and any(t.kind == "word" and t.text.upper() == "SERVICE" for t in tokens(sparql)):
        return form
    try:
        parsed = ox.Store().query(sparql, base_iri=base_iri)
    except SyntaxError as exc:
        raise QueryError(f"SPARQL syntax error: {exc}") from None
    except OSError as exc:
        raise StoreError(str(exc)) from None
    if isinstance(parsed, ox.QueryBoolean):
        return "ask"
    return "select" if isinstance(parsed, ox.QuerySolutions) else "graph"


def based(sparql: str, base_iri: str | None) -> str:
    """The query as the server gets it: with the base as ``BASE``."""
    return f"BASE <{base_iri}> {sparql}" if base_iri else sparql


def accept(kind: str) -> str:
    return N_TRIPLES if kind == "graph" else JSON_RESULTS


def cut(at: int, max_rows: int | None = None) -> ResultTooLarge:
    limit = f"; this server returns at most {max_rows}" if max_rows is not None else ""
    return ResultTooLarge(
        f"the answer has more than {at} rows: the SPARQL server cut it there (its own result limit, "
        f"e.g. Virtuoso's ResultSetMaxRows), and a cut answer is never passed on{limit}"
    )


def read_results(response: Response) -> JsonResults:
    """A server's SPARQL JSON results, read exactly (:func:`claimgraph.rdf.results.read_json_results`).

    :raises StoreError: for an answer in another format, or one that does not parse.
    """
    if response.media_type not in (JSON_RESULTS, "application/json"):
        response.close()
        raise StoreError(f"the SPARQL server answered in {response.media_type!r}, not SPARQL JSON results")
    virtuoso = "virtuoso" in response.headers.get("Server", "").lower()
    source = response.stream.read() if response.stream is not None else response.body
    return read_json_results(source, virtuoso=virtuoso)


def source(response: Response) -> Any:
    return response.stream if response.stream is not None else response.body


def read_query_answer(response: Response, kind: str) -> QueryResult:
    """A server's whole answer to a query of ``kind``, as rdflib terms.

    :raises ResultTooLarge: when the server cut the answer (its own row limit).
    """
    if response.cut_at is not None:
        raise cut(response.cut_at)
    if kind == "graph":
        triples = [
            (from_ox(t.subject), from_ox(t.predicate), from_ox(t.object))
            for t in read_triples(source(response), response.media_type or N_TRIPLES)
        ]
        return QueryResult(kind="graph", triples=triples)  # type: ignore[arg-type]
    return read_results(response).as_result(kind)


def write_server_answer(response: Response, kind: str, fmt: formats.Format, max_rows: int) -> bytes:
    """A server's answer (streamed) written in ``fmt``: at most ``max_rows`` rows or triples,
    never a cut answer (:func:`claimgraph.rdf.results.write_answer`); the response is closed."""
    try:
        if response.cut_at is not None:
            raise cut(response.cut_at, max_rows)
        if kind == "ask":
            return boolean_body(read_results(response).as_boolean(), results_format(fmt))
        if kind == "graph":
            triples = read_triples(source(response), response.media_type or N_TRIPLES)
            return write_answer(kind, fmt, max_rows=max_rows, items=triples)
        results = read_results(response)
        rows = ([row.get(name) for name in results.variables] for row in results.rows)
        return write_answer(kind, fmt, max_rows=max_rows, variables=results.variables, items=rows)
    finally:
        response.close()

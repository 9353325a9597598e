"""The pre-parse check: what it refuses, what it lets through, and why it is not fooled."""

from __future__ import annotations

import subprocess
import sys

import pytest

from claimgraph.errors import QueryError, QueryRefused
from claimgraph.sparqltext import MAX_BRACKET_DEPTH, MAX_DEPTH, inspect_query, inspect_update, tokens

STORE_GRAPHS = {"http://x/g1", "http://x/g2"}

#: (query, refused?, what the refusal message must contain)
QUERIES = [
    ("SELECT * WHERE { ?s ?p ?o }", False, ""),
    ("SELECT * WHERE { SERVICE <http://remote/sparql> { ?s ?p ?o } }", True, "SERVICE (line 1, column 18)"),
    ("select * where { service silent <http://r/> { ?s ?p ?o } }", True, "SERVICE"),
    ("SELECT * WHERE {\n  # SERVICE <http://r/> { }\n ?s ?p ?o }", False, ""),
    ('SELECT * WHERE { ?s ?p "SERVICE <http://r/> { }" }', False, ""),
    ("SELECT * WHERE { ?s ?p 'SERVICE' }", False, ""),
    ('SELECT * WHERE { ?s ?p """ } SERVICE <http://r/> { """ }', False, ""),
    ("SELECT * WHERE { ?s ?p ''' \n SERVICE ''' }", False, ""),
    ('SELECT * WHERE { ?s ?p "esc \\" SERVICE" }', False, ""),
    ("PREFIX ex: <http://x/> SELECT * WHERE { ?s ex:SERVICE ?o }", False, ""),
    ("PREFIX : <http://x/> SELECT * WHERE { ?s :SERVICE ?o }", False, ""),
    ("SELECT ?service WHERE { ?service ?load ?from }", False, ""),
    ("SELECT $service WHERE { $service ?p ?o }", False, ""),
    ("SELECT * WHERE { <http://x/SERVICE> ?p ?o }", False, ""),
    ("SELECT * WHERE { ?s ?p 'x'@service }", False, ""),
    ("SELECT * WHERE { ?s ?p ?o FILTER(?o<3 && ?o>1) SERVICE <http://r/> {} }", True, "SERVICE"),
    ("SELECT * WHERE { ?s ?p ?o } # trailing SERVICE", False, ""),
    ("LOAD <http://evil/x.ttl>", True, "LOAD"),
    ("SELECT * FROM <http://x/g1> WHERE { ?s ?p ?o }", False, ""),
    ("SELECT * FROM <http://x/other> WHERE { ?s ?p ?o }", True, "FROM <http://x/other>"),
    ("SELECT * FROM NAMED <http://x/g2> WHERE { GRAPH ?g { ?s ?p ?o } }", False, ""),
    (
        "SELECT * FROM NAMED <http://evil/data.ttl> WHERE { ?s ?p ?o }",
        True,
        "FROM NAMED <http://evil/data.ttl>",
    ),
    ("PREFIX g: <http://x/> SELECT * FROM g:g1 FROM NAMED g:g2 { ?s ?p ?o }", False, ""),
    ("PREFIX g: <http://x/> SELECT * FROM g:nope { ?s ?p ?o }", True, "FROM <http://x/nope>"),
    ("BASE <http://x/> SELECT * FROM <g1> { ?s ?p ?o }", False, ""),
    ("BASE <http://y/> SELECT * FROM <g1> { ?s ?p ?o }", True, "FROM <http://y/g1>"),
    ("SELECT * WHERE { ?s ?p 'FROM <http://x/nope>' }", False, ""),
    ("SELECT * WHERE " + "{" * MAX_DEPTH + "}" * MAX_DEPTH, False, ""),
    ("SELECT * WHERE " + "{" * (MAX_DEPTH + 1) + "}" * (MAX_DEPTH + 1), True, f"more than {MAX_DEPTH} deep"),
    ("ASK { FILTER(" + "(" * 200 + "1" + ")" * 200 + ") }", True, "line 1, column"),
    ("ASK { ?s ?p " + "[ ?p " * MAX_BRACKET_DEPTH + "1" + "]" * MAX_BRACKET_DEPTH + " }", False, ""),
    (
        "ASK { ?s ?p " + "[ ?p " * (MAX_BRACKET_DEPTH + 1) + "1" + "]" * (MAX_BRACKET_DEPTH + 1) + " }",
        True,
        "[",
    ),
    (
        "ASK { "
        + "<< " * 101
        + "<http://a> <http://b> <http://c>"
        + " >> <http://b> <http://c>" * 101
        + " }",
        True,
        "deep",
    ),
    ("ASK { 'a(((((((' ?p <http://x/((((((> }" + "# " + "(" * 500, False, ""),
]


@pytest.mark.parametrize(("query", "refused", "message"), QUERIES)
def test_inspect_query(query: str, refused: bool, message: str):
    def exists(iri: str) -> bool:
        return iri in STORE_GRAPHS

    if refused:
        with pytest.raises(QueryRefused) as caught:
            inspect_query(query, graph_exists=exists)
        assert message in str(caught.value)
    else:
        inspect_query(query, graph_exists=exists)


def test_service_allowed_when_the_operator_says_so():
    query = "SELECT * WHERE { SERVICE <http://remote/sparql> { ?s ?p ?o } }"
    assert inspect_query(query, allow_service=True).keywords == ("SERVICE",)


def test_load_refused_even_with_service_allowed():
    with pytest.raises(QueryRefused, match="LOAD"):
        inspect_update("LOAD SILENT <http://evil/x.ttl> INTO GRAPH <http://x/g>", allow_service=True)


def test_from_not_checked_without_a_graph_list():
    inspection = inspect_query("SELECT * FROM <http://x/any> { ?s ?p ?o }")
    assert inspection.from_graphs == ("http://x/any",)


def test_refusal_is_a_query_error_with_a_position():
    with pytest.raises(QueryError, match=r"line 3, column 3"):
        inspect_query("SELECT *\nWHERE {\n  SERVICE <http://r/> { } }")


def test_updates_are_checked_for_depth():
    with pytest.raises(QueryRefused, match="deep"):
        inspect_update("INSERT DATA " + "{" * 500 + "}" * 500)


def test_tokens_skip_strings_comments_and_variables():
    text = 'SELECT ?x WHERE { <http://a#b> ex:p "x\\"y" . } # comment {'
    assert [t.text for t in tokens(text)] == ["SELECT", "WHERE", "{", "<http://a#b>", "ex:p", ".", "}"]


def test_a_refused_nesting_would_have_crashed_pyoxigraph():
    """Why the limit exists: the same text, run by pyoxigraph in a child process, kills it."""
    query = "SELECT * WHERE " + "{" * 5000 + "}" * 5000
    with pytest.raises(QueryRefused):
        inspect_query(query)
    code = f"import pyoxigraph; pyoxigraph.Store().query({query!r})"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert result.returncode < 0  # killed by a signal, not a Python exception


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { ?s ?p ?o } LIMIT ٣",
        "ASK { FILTER(² > 1) }",
        "ASK { FILTER(.٣ > 1) }",
        "ASK { ?s ?p ٣.5e٣ }",
    ],
)
def test_unicode_digits_are_not_numbers_to_the_lexer(text: str) -> None:
    """``str.isdigit`` is true for ``٣`` and ``²``; SPARQL's numbers are ``[0-9]`` only.

    They are left to the parser (a syntax error, 400), never a crash of the lexer (was a 500)."""
    inspect_query(text)
    inspect_update(f"INSERT DATA {{ <http://x/s> <http://x/p> {text[-1]} }}")

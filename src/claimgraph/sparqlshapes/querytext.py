"""Shape parts as SPARQL text: terms, property paths, and the SELECT of a SPARQL constraint."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from ..namespaces import RDF, SH
from ..rdf.terms import sparql_term as store_sparql_term
from .results import Uncompiled

_AGGREGATE = re.compile(r"\b(COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT)\s*\(", re.I)


def sparql_term(node: Node) -> str:
    """An rdflib IRI or literal written for a SPARQL query."""
    if isinstance(node, BNode):
        raise Uncompiled(f"a blank node {node} as a constraint parameter")
    return store_sparql_term(node)


def path_sparql(shapes: Graph, path: Node) -> str:
    """A SHACL property path as a SPARQL property path.

    :raises Uncompiled: for a path form SHACL does not define.
    """
    if isinstance(path, URIRef):
        return f"<{path}>"
    if (path, RDF.first, None) in shapes:
        return "(" + "/".join(path_sparql(shapes, p) for p in Collection(shapes, path)) + ")"
    for predicate, template in (
        (SH.inversePath, "^({})"),
        (SH.zeroOrMorePath, "({})*"),
        (SH.oneOrMorePath, "({})+"),
        (SH.zeroOrOnePath, "({})?"),
    ):
        inner = shapes.value(path, predicate)
        if inner is not None:
            return template.format(path_sparql(shapes, inner))
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(path_sparql(shapes, p) for p in Collection(shapes, alternatives)) + ")"
    raise Uncompiled(f"path {path}")


_TOKEN = re.compile(
    r"""(?P<ws>\s+)|(?P<comment>\#[^\n]*)|(?P<string>'''.*?'''|\"\"\".*?\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
    r"""|(?P<iri><[^<>"{}|^`\\\s]*>)|(?P<var>[?$][A-Za-z0-9_]+)|(?P<word>[A-Za-z_][A-Za-z0-9_-]*)|(?P<punct>.)""",
    re.S,
)


def _tokens(text: str) -> list[tuple[str, str, int]]:
    """(kind, text, offset) of each token of a SPARQL query, without blanks and comments."""
    return [
        (m.lastgroup or "", m.group(), m.start())
        for m in _TOKEN.finditer(text)
        if m.lastgroup not in ("ws", "comment")
    ]


@dataclass(frozen=True)
class Select:
    """A SELECT query of a SPARQL constraint, read far enough to run it over many focus nodes."""

    text: str
    where: int  # offset just after the opening brace of the WHERE clause
    projects_this: bool
    batchable: bool


def read_select(text: str) -> Select:
    """Find the WHERE clause and decide whether ``$this`` may be bound by a join.

    Binding ``$this`` by joining the focus nodes at the start of the WHERE clause
    gives the same solutions as pre-binding it when every use of ``$this`` is
    in that group, in an OPTIONAL directly inside it, or inside FILTER (NOT)
    EXISTS; when there is no subquery; and when any aggregate groups by
    ``$this``. Otherwise the query runs once per focus node, with ``$this``
    substituted.

    >>> read_select("SELECT $this WHERE { $this a ?c }").batchable
    True
    >>> read_select("SELECT $this WHERE { { ?x a ?c FILTER (?x = $this) } }").batchable
    False
    """
    tokens = _tokens(text)
    upper = [t[1].upper() for t in tokens]
    try:
        first_select = upper.index("SELECT")
    except ValueError:
        raise Uncompiled("a SPARQL constraint that is not a SELECT query") from None
    start = next((i for i in range(first_select, len(tokens)) if tokens[i][1] == "{"), None)
    if start is None:
        raise Uncompiled("a SELECT query without a WHERE clause")
    projection = tokens[first_select + 1 : start]
    projects_this = any(k == "var" and v[1:] == "this" for k, v, _ in projection) or any(
        v == "*" for _, v, _ in projection
    )
    batchable = projects_this
    stack: list[str] = []
    previous = ""
    end = len(tokens)
    for i in range(start, len(tokens)):
        kind, value, _ = tokens[i]
        word = value.upper()
        if value == "{":
            stack.append({"OPTIONAL": "optional", "EXISTS": "exists"}.get(previous, "group"))
        elif value == "}":
            stack.pop()
            if not stack:
                end = i
                break
        elif word in ("SELECT", "SERVICE", "MINUS", "VALUES"):
            batchable = False
        elif kind == "var" and value[1:] == "this":
            path = stack[1:]
            if "exists" in path:
                path = path[: path.index("exists")]
            if path not in ([], ["optional"]):
                batchable = False
        previous = word
    modifiers = " ".join(upper[end + 1 :])
    uses_aggregate = bool(_AGGREGATE.search(text))
    if uses_aggregate or "GROUP" in modifiers:
        group = re.search(r"GROUP BY (.*?)(?: HAVING| ORDER| LIMIT| OFFSET|$)", modifiers)
        if not group or not re.search(r"[?$]THIS\b", group.group(1)):
            batchable = False
    return Select(text=text, where=tokens[start][2] + 1, projects_this=projects_this, batchable=batchable)

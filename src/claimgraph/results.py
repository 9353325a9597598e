"""Writing query answers: SPARQL JSON, CSV, TSV and a plain-text table.

Pure functions over :class:`claimgraph.store.QueryResult`.

>>> from rdflib import Literal
>>> r = QueryResult(kind="select", variables=["n"], rows=[{"n": Literal(52)}])
>>> print(to_table(r))
n
--
52
"""

from __future__ import annotations

import csv
import io
import json

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from .store import QueryResult

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def term_json(term: Node) -> dict[str, str]:
    """One RDF term in the SPARQL 1.1 JSON results format."""
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    assert isinstance(term, Literal)
    out = {"type": "literal", "value": str(term)}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype and str(term.datatype) != XSD_STRING:
        out["datatype"] = str(term.datatype)
    return out


def to_json(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results JSON."""
    if result.kind == "ask":
        return json.dumps({"head": {}, "boolean": bool(result.boolean)})
    if result.kind != "select":
        raise ValueError("JSON results are for SELECT and ASK")
    bindings = [{k: term_json(v) for k, v in row.items()} for row in result.rows]
    return json.dumps(
        {"head": {"vars": result.variables}, "results": {"bindings": bindings}}, ensure_ascii=False
    )


def to_csv(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results CSV (plain values)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if result.kind == "ask":
        writer.writerow(["boolean"])
        writer.writerow(["true" if result.boolean else "false"])
        return out.getvalue()
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow([str(row[v]) if v in row else "" for v in result.variables])
    return out.getvalue()


def to_tsv(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results TSV (terms in Turtle syntax)."""
    lines = ["\t".join("?" + v for v in result.variables)]
    for row in result.rows:
        lines.append("\t".join(row[v].n3() if v in row else "" for v in result.variables))
    return "\n".join(lines) + "\n"


def to_table(result: QueryResult, *, width: int = 60) -> str:
    """A fixed-width table for a terminal; long values are cut with an ellipsis."""
    if result.kind == "ask":
        return "true" if result.boolean else "false"
    if result.kind == "graph":
        return "\n".join(" ".join(t.n3() for t in triple) + " ." for triple in result.triples)

    def cell(term: Node | None) -> str:
        text = "" if term is None else str(term).replace("\n", " ")
        return text if len(text) <= width else text[: width - 1] + "…"

    rows = [[cell(row.get(v)) for v in result.variables] for row in result.rows]
    widths = [max([len(v), *(len(r[i]) for r in rows)]) for i, v in enumerate(result.variables)]
    lines = ["  ".join(v.ljust(w) for v, w in zip(result.variables, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)

"""Query results: read from the engine or from a server's JSON, written as result bodies in the
negotiated format, never past the row limit.

Both stores answer through :func:`write_answer`, so the limit, the refusal of a larger
answer and the messages are written once.

>>> body = b'{"head":{"vars":["n"]},"results":{"bindings":[{"n":{"type":"literal","value":"01",'
>>> body += b'"datatype":"http://www.w3.org/2001/XMLSchema#integer"}}]}}'
>>> parse_results(body).rows[0]["n"].n3(), parse_results(body, exact=True).rows[0]["n"].n3()
('"1"^^<http://www.w3.org/2001/XMLSchema#integer>', '"01"^^<http://www.w3.org/2001/XMLSchema#integer>')
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, cast

import pyoxigraph as ox
from rdflib.term import Node

from .. import formats
from ..errors import NotAcceptable, QueryError, ResultTooLarge, StoreError
from .terms import from_ox

__all__ = [
    "JsonResults",
    "QueryResult",
    "boolean_body",
    "graph_body",
    "kind_of",
    "parse_results",
    "rdf_format",
    "read_answer",
    "read_json_results",
    "read_triples",
    "results_format",
    "select_body",
    "too_large",
    "write_answer",
]

#: The variable of Virtuoso 7's answer to ASK: a SELECT with one row (1) for true, none for false.
ASK_VARIABLE = "__ASK_RETVAL"
XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"


@dataclass
class QueryResult:
    """A query's answer: ``kind`` is ``"select"``, ``"ask"`` or ``"graph"``."""

    kind: str
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, Node]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[tuple[Node, Node, Node]] = field(default_factory=list)


def rdf_format(fmt: formats.Format) -> ox.RdfFormat:
    """The engine's format for a row of the format table that carries RDF."""
    if not fmt.is_rdf:
        raise ValueError(f"{fmt.name} cannot carry RDF")
    return getattr(ox.RdfFormat, fmt.engine)


def results_format(fmt: formats.Format) -> ox.QueryResultsFormat:
    """The engine's format for a row of the format table that carries SPARQL results."""
    if fmt.kind != "results":
        raise ValueError(f"{fmt.name} cannot carry SPARQL results")
    return getattr(ox.QueryResultsFormat, fmt.engine)


def kind_of(raw: Any) -> str:
    """The kind of a pyoxigraph answer: ``select``, ``ask`` or ``graph``."""
    if isinstance(raw, ox.QueryBoolean):
        return "ask"
    if isinstance(raw, ox.QuerySolutions):
        return "select"
    return "graph"


# ---------------------------------------------------------------- reading


def read_answer(answer: Any) -> QueryResult:
    """Read a pyoxigraph answer whole, as rdflib terms."""
    if isinstance(answer, ox.QueryBoolean):
        return QueryResult(kind="ask", boolean=bool(answer))
    if isinstance(answer, ox.QuerySolutions):
        names = [v.value for v in answer.variables]
        return QueryResult(kind="select", variables=names, rows=_rows(names, answer))
    triples = [(from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)) for t in answer]
    return QueryResult(kind="graph", triples=triples)  # type: ignore[arg-type]


def _rows(names: list[str], solutions: Iterable[Any]) -> list[dict[str, Node]]:
    rows = []
    # An answer repeats its terms (labels, properties, graphs) row after row: each is
    # converted once (rdflib's literals are slow to build).
    seen: dict[Any, Node | None] = {}
    for solution in solutions:
        row = {}
        for value, name in zip(solution, names, strict=True):
            if value is not None:
                term = seen.get(value)
                if term is None:
                    term = from_ox(value)
                    if len(seen) < 50_000:
                        seen[value] = term
                row[name] = term
        rows.append(row)
    return rows  # type: ignore[return-value]


def parse_results(body: bytes, *, format: str = "json", exact: bool = False) -> QueryResult:
    """A SPARQL results document (a worker's answer) read whole, as rdflib terms.

    :param exact: keep literals' lexical forms (see :func:`claimgraph.rdf.terms.from_ox`).
    """
    fmt = results_format(formats.by_name(format))
    try:
        answer = ox.parse_query_results(body, fmt)
    except SyntaxError as exc:
        raise QueryError(f"cannot read the answer: {exc}") from None
    if isinstance(answer, ox.QueryBoolean):
        return QueryResult(kind="ask", boolean=bool(answer))
    names = [v.value for v in answer.variables]
    rows = [
        {name: cast(Node, from_ox(row[name], exact=exact)) for name in names if row[name] is not None}
        for row in answer
    ]
    return QueryResult(kind="select", variables=names, rows=rows)


@dataclass
class JsonResults:
    """SPARQL results as a server sent them: a SELECT's variables and rows (name → pyoxigraph
    term, unbound names absent), or an ASK's boolean."""

    variables: list[str]
    rows: list[dict[str, Any]]
    boolean: bool | None = None

    def as_boolean(self) -> bool:
        """An ASK's answer, as SPARQL results say it, or as Virtuoso 7 does (a SELECT of ``__ASK_RETVAL``)."""
        if self.boolean is not None:
            return self.boolean
        if self.variables == [ASK_VARIABLE]:
            return any(
                row.get(ASK_VARIABLE) is not None and row[ASK_VARIABLE].value not in ("0", "false")
                for row in self.rows
            )
        raise StoreError("the SPARQL server answered an ASK with rows, not a boolean")

    def as_result(self, kind: str) -> QueryResult:
        """As rdflib terms."""
        if kind == "ask":
            return QueryResult(kind="ask", boolean=self.as_boolean())
        rows = [{name: cast(Node, from_ox(term)) for name, term in row.items()} for row in self.rows]
        return QueryResult(kind="select", variables=self.variables, rows=rows)


def read_json_results(source: bytes, *, virtuoso: bool = False) -> JsonResults:
    """SPARQL 1.1 JSON results, read exactly (every literal's lexical form as sent).

    JSON, not XML: pyoxigraph's XML results reader trims the whitespace around literals, and
    an XML reader turns Virtuoso's raw carriage returns into line feeds.

    :param virtuoso: the answer is Virtuoso's, which writes an ``xsd:boolean`` as ``1`` or
        ``0`` in JSON (it keeps booleans as numbers).
    :raises StoreError: when it does not parse.
    """
    try:
        data = json.loads(source)
    except (ValueError, UnicodeDecodeError) as exc:
        raise StoreError(f"the SPARQL server's JSON results do not parse: {exc}") from None
    if "boolean" in data:
        return JsonResults([], [], bool(data["boolean"]))
    try:
        variables = list(data.get("head", {}).get("vars", []))
        rows = [
            {name: _json_term(value, virtuoso) for name, value in binding.items()}
            for binding in data["results"]["bindings"]
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise StoreError(f"the SPARQL server's JSON results are not SPARQL results: {exc!r}") from None
    return JsonResults(variables, rows)


def _json_term(value: dict[str, Any], virtuoso: bool) -> Any:
    kind = value["type"]
    text = value.get("value")
    if kind == "uri":
        return ox.NamedNode(text)
    if kind == "bnode":
        return ox.BlankNode(_blank_id(text))
    if kind in ("literal", "typed-literal"):
        language, datatype = value.get("xml:lang"), value.get("datatype")
        if language:
            return ox.Literal(text, language=language)
        if datatype:
            if virtuoso and datatype == XSD_BOOLEAN and text in ("0", "1"):
                text = "true" if text == "1" else "false"
            return ox.Literal(text, datatype=ox.NamedNode(datatype))
        return ox.Literal(text)
    if kind == "triple":
        return ox.Triple(*(_json_term(text[part], virtuoso) for part in ("subject", "predicate", "object")))
    raise ValueError(f"unknown term type {kind!r}")


def _blank_id(label: str) -> str:
    """A blank node label pyoxigraph accepts (Virtuoso's look like ``nodeID://b10004``)."""
    try:
        return ox.BlankNode(label).value
    except ValueError:
        return "b" + hashlib.sha256(label.encode()).hexdigest()[:32]


def read_triples(source: Any, media_type: str) -> Iterator[ox.Triple]:
    """The triples of a CONSTRUCT or DESCRIBE answer (bytes or a stream), in ``media_type``.

    :raises StoreError: for a format claimgraph cannot read, or an answer that does not parse.
    """
    try:
        fmt = formats.by_media_type(media_type, "graph")
    except LookupError:
        raise StoreError(
            f"the SPARQL server answered in {media_type!r}, which claimgraph cannot read"
        ) from None
    try:
        for q in ox.parse(source, rdf_format(fmt)):
            yield ox.Triple(q.subject, q.predicate, q.object)
    except SyntaxError as exc:
        raise StoreError(f"the SPARQL server's answer does not parse as {fmt.media_type}: {exc}") from None


# ---------------------------------------------------------------- writing


def too_large(kind: str, max_rows: int) -> ResultTooLarge:
    word = "rows" if kind == "select" else "triples"
    return ResultTooLarge(
        f"the answer has more than {max_rows} {word}; this server returns at most {max_rows}"
    )


def write_answer(
    kind: str, fmt: formats.Format, *, max_rows: int, variables: list[str] = (), items: Iterable[Any] = ()
) -> bytes:
    """A SELECT's rows (lists of pyoxigraph terms, or engine solutions) or a graph answer's
    triples written in ``fmt``, reading at most one past ``max_rows`` of them.

    :raises ResultTooLarge: past ``max_rows``: refused, never silently cut.
    :raises NotAcceptable: when ``fmt`` cannot write this answer (JSON-LD and RDF/XML
        cannot write RDF 1.2 triple terms).
    """
    # Reading one more than the limit tells a large answer from one at the limit,
    # and keeps memory bounded however large the answer would have been.
    try:
        read = list(islice(items, max_rows + 1))
    except OSError as exc:
        raise StoreError(str(exc)) from None
    if len(read) > max_rows:
        raise too_large(kind, max_rows)
    try:
        if kind == "select":
            return select_body(list(variables), read, results_format(fmt))
        return graph_body(read, rdf_format(fmt))
    except (OSError, ValueError) as exc:
        raise NotAcceptable(f"the answer cannot be written as {fmt.media_type}: {exc}") from None


def select_body(names: list[str], rows: list[Any], fmt: ox.QueryResultsFormat) -> bytes:
    """SELECT rows (already read) written in ``fmt``."""
    # pyoxigraph writes only what is left of a lazy answer once it has been read from:
    # the rows read are written back as SPARQL TSV and parsed into a fresh answer.
    lines = ["\t".join("?" + name for name in names)]
    for row in rows:
        lines.append("\t".join("" if row[i] is None else _term_text(row[i]) for i in range(len(names))))
    tsv = ("\n".join(lines) + "\n").encode("utf-8")
    return ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV).serialize(format=fmt)


def graph_body(triples: list[ox.Triple], fmt: ox.RdfFormat) -> bytes:
    """CONSTRUCT or DESCRIBE triples written in ``fmt`` (as the default graph, for a dataset format)."""
    if fmt.supports_datasets:
        # Dataset formats take quads: the answer is the default graph.
        return ox.serialize([ox.Quad(t.subject, t.predicate, t.object) for t in triples], format=fmt)
    return ox.serialize(triples, format=fmt)


def boolean_body(value: bool, fmt: ox.QueryResultsFormat) -> bytes:
    """An ASK answer written in ``fmt`` (pyoxigraph makes booleans only by parsing them)."""
    data = b'{"head":{},"boolean":%s}' % (b"true" if value else b"false")
    return ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON).serialize(format=fmt)


def _term_text(term: Any) -> str:
    """A pyoxigraph term in the syntax SPARQL TSV results use.

    >>> _term_text(ox.Triple(ox.NamedNode("http://x/s"), ox.NamedNode("http://x/p"), ox.Literal("a\\tb")))
    '<<( <http://x/s> <http://x/p> "a\\\\tb" )>>'
    """
    if isinstance(term, ox.Triple):
        return f"<<( {_term_text(term.subject)} {_term_text(term.predicate)} {_term_text(term.object)} )>>"
    return str(term)

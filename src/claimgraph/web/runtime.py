"""Which executor the server uses, and how a query becomes bytes.

When :mod:`claimgraph.answers` is present its ``answer`` serialises (with
pyoxigraph, streaming); until then :func:`answer_inline` does, with rdflib and
:mod:`claimgraph.results`. Both choose the format with
:func:`claimgraph.negotiation.choose_format`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, Graph, Literal, URIRef

from ..executor import Executor, InlineExecutor, QueryAnswer, QueryRequest, ResultTooLarge
from ..negotiation import choose_format
from ..results import to_csv, to_json, to_tsv
from ..service import Claimgraph
from ..store import MEMORY, QueryResult, Store

Answer = Callable[[Store, QueryRequest], QueryAnswer]

#: Format name → rdflib serializer name, for graph answers.
RDFLIB_GRAPH_FORMATS = {
    "turtle": "turtle",
    "ntriples": "nt",
    "nquads": "nquads",
    "trig": "trig",
    "jsonld": "json-ld",
    "rdfxml": "xml",
}

SPARQL_RESULTS_NS = "http://www.w3.org/2005/sparql-results#"


def to_xml(result: QueryResult) -> str:
    """SPARQL Query Results XML."""
    out = ['<?xml version="1.0" encoding="utf-8"?>\n<sparql xmlns="' + SPARQL_RESULTS_NS + '">']
    if result.kind == "ask":
        out.append("<head/><boolean>" + ("true" if result.boolean else "false") + "</boolean></sparql>")
        return "".join(out)
    out.append("<head>" + "".join(f"<variable name={quoteattr(v)}/>" for v in result.variables) + "</head>")
    out.append("<results>")
    for row in result.rows:
        out.append("<result>")
        for name, term in row.items():
            out.append(f"<binding name={quoteattr(name)}>{_xml_term(term)}</binding>")
        out.append("</result>")
    out.append("</results></sparql>")
    return "".join(out)


def _xml_term(term: object) -> str:
    if isinstance(term, URIRef):
        return f"<uri>{escape(str(term))}</uri>"
    if isinstance(term, BNode):
        return f"<bnode>{escape(str(term))}</bnode>"
    assert isinstance(term, Literal)
    attrs = ""
    if term.language:
        attrs = f" xml:lang={quoteattr(term.language)}"
    elif term.datatype is not None:
        attrs = f" datatype={quoteattr(str(term.datatype))}"
    return f"<literal{attrs}>{escape(str(term))}</literal>"


RESULT_WRITERS: dict[str, Callable[[QueryResult], str]] = {
    "json": to_json,
    "xml": to_xml,
    "csv": to_csv,
    "tsv": to_tsv,
}


def answer_inline(store: Store, request: QueryRequest, *, max_rows: int | None = None) -> QueryAnswer:
    """Run ``request`` on ``store`` and write its answer in the negotiated format.

    :raises NotAcceptable: when no format fits the request.
    :raises ResultTooLarge: when the answer has more than ``max_rows`` rows or triples.
    """
    result = store.query(
        request.sparql,
        union_default_graph=request.union_default_graph,
        default_graphs=list(request.default_graphs) if request.default_graphs is not None else None,
        named_graphs=list(request.named_graphs) if request.named_graphs is not None else None,
        base_iri=request.base_iri,
    )
    size = len(result.triples) if result.kind == "graph" else len(result.rows)
    if max_rows is not None and size > max_rows:
        raise ResultTooLarge(f"the answer has {size} rows or triples; this server returns at most {max_rows}")
    fmt = choose_format(result.kind, request.accept, request.format)
    if result.kind == "graph":
        graph = Graph()
        for triple in result.triples:
            graph.add(triple)
        body = graph.serialize(format=RDFLIB_GRAPH_FORMATS[fmt.name], encoding="utf-8")
        return QueryAnswer("graph", fmt.media_type, body)
    return QueryAnswer(result.kind, fmt.media_type, RESULT_WRITERS[fmt.name](result).encode("utf-8"))


def answer_function(cg: Claimgraph) -> Answer:
    """``claimgraph.answers.answer`` when it exists, else :func:`answer_inline`; both capped at max_rows."""
    try:
        from ..answers import answer
    except ImportError:
        return partial(answer_inline, max_rows=cg.settings.max_rows)
    return partial(answer, max_rows=cg.settings.max_rows, allow_service=cg.settings.allow_service)


def make_executor(cg: Claimgraph, *, processes: bool = False) -> Executor:
    """The executor of an app.

    :param processes: run queries in worker processes with a time limit
        (:class:`claimgraph.executor.ProcessExecutor`), as ``serve`` does; else in
        this process (:class:`InlineExecutor`), as tests and ``:memory:`` stores do.
    """
    s = cg.settings
    if processes and s.store != MEMORY:
        from ..executor import ProcessExecutor

        # Workers open the store read-only, which needs it to exist: create it
        # first, so that serve works on a fresh machine.
        if not Path(s.store).exists():
            cg.open_store().close()
        return ProcessExecutor(
            s.store,
            workers=s.query_workers,
            timeout=s.query_timeout,
            max_rows=s.max_rows,
            allow_service=s.allow_service,
        )
    return InlineExecutor(cg.open_store(), answer_function(cg))

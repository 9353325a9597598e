"""Which executor the server uses, and how a query becomes bytes."""

from __future__ import annotations

from ..executor import InlineExecutor, QueryAnswer, QueryRequest
from ..results import to_csv, to_json, to_tsv
from ..service import Claimgraph
from ..store import Store


def answer_inline(store: Store, request: QueryRequest) -> QueryAnswer:
    """A minimal answer: SPARQL JSON for SELECT/ASK, N-Triples for graphs."""
    result = store.query(
        request.sparql,
        union_default_graph=request.union_default_graph,
        default_graphs=list(request.default_graphs) if request.default_graphs is not None else None,
        named_graphs=list(request.named_graphs) if request.named_graphs is not None else None,
    )
    if result.kind == "graph":
        body = "".join(" ".join(t.n3() for t in triple) + " .\n" for triple in result.triples)
        return QueryAnswer("graph", "application/n-triples", body.encode())
    accept = request.format or request.accept
    if "csv" in accept:
        return QueryAnswer(result.kind, "text/csv", to_csv(result).encode())
    if "tab-separated" in accept or accept == "tsv":
        return QueryAnswer(result.kind, "text/tab-separated-values", to_tsv(result).encode())
    return QueryAnswer(result.kind, "application/sparql-results+json", to_json(result).encode())


def make_executor(cg: Claimgraph) -> InlineExecutor:
    return InlineExecutor(cg.open_store(), answer_inline)

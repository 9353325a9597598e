"""The embedded engine's quads written out in an RDF format, blank nodes uploaded as such
given back (:meth:`claimgraph.store.embedded.OxigraphStore.dump`)."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from rdflib import URIRef

from .. import formats
from ..rdf.results import rdf_format
from ..rdf.terms import to_ox

__all__ = ["dump_engine"]


def dump_engine(
    store: ox.Store,
    *,
    format: str,
    graph: URIRef | None = None,
    default_graph: bool = False,
    prefixes: dict[str, str] | None = None,
    skolem: str | None = None,
) -> bytes:
    """``store``, or one of its graphs, serialised by the engine (the arguments of
    :meth:`claimgraph.store.embedded.OxigraphStore.dump`)."""
    fmt = formats.by_name(format)
    kwargs: dict[str, Any] = {"format": rdf_format(fmt), "prefixes": prefixes}
    if graph is not None:
        kwargs["from_graph"] = to_ox(graph)
    elif default_graph:
        kwargs["from_graph"] = ox.DefaultGraph()
    elif fmt.kind != "dataset":
        raise ValueError(f"{fmt.name} cannot carry named graphs; ask for one graph")
    if skolem is None:
        return store.dump(**kwargs)
    source = kwargs.pop("from_graph", None)
    quads = store.quads_for_pattern(None, None, None, source)
    items: list[Any] = [_unskolemized(q, skolem) for q in quads]
    if source is not None:
        items = [ox.Triple(q.subject, q.predicate, q.object) for q in items]
    return ox.serialize(items, **kwargs)


def _unskolemized(quad: ox.Quad, prefix: str) -> ox.Quad:
    def term(t: Any) -> Any:
        if isinstance(t, ox.NamedNode) and t.value.startswith(prefix):
            return ox.BlankNode("b" + t.value[len(prefix) :].replace("-", ""))
        return t

    return ox.Quad(term(quad.subject), quad.predicate, term(quad.object), quad.graph_name)

"""Reading the index's entries from a store by SPARQL (whole, graph by graph, or in pages); rebuild and update."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rdflib import URIRef
from rdflib.term import Node

from ..errors import ResultTooLarge
from ..namespaces import CG, OA, PROV, RDF, RDFS, SCHEMA, SKOS
from .index import Entry, SearchIndex
from .staging import StagedEntries

Select = Callable[[str], list[dict[str, Node]]]


def entries_query(graphs: Iterable[str] | None, *, skip: Iterable[str] = ()) -> str:
    """The SPARQL that reads the index's entries from a store: of ``graphs`` (None: every graph but ``skip``)."""
    wanted = sorted(str(g) for g in graphs) if graphs is not None else None
    values = f"VALUES ?g {{ {' '.join(f'<{g}>' for g in wanted)} }}" if wanted is not None else ""
    skipped = [f"<{g}>" for g in skip]
    not_skipped = f"FILTER (?g NOT IN ({', '.join(skipped)}))" if skipped else ""
    # The filters sit inside each branch's graph pattern: Virtuoso 7 cannot compile them
    # around it beside the branches' BINDs ("Internal error: sparp_gp_deprecate()").
    return f"""
SELECT ?field ?iri ?label ?text ?g ?kind WHERE {{
  {{
    {values}
    GRAPH ?g {{ ?iri <{RDFS.label}>|<{SKOS.prefLabel}>|<{SKOS.altLabel}> ?text FILTER (isIRI(?iri)) }}
    {not_skipped}
    OPTIONAL {{ ?iri <{RDFS.label}> ?own }}
    BIND (COALESCE(?own, ?text) AS ?label)
    BIND ("name" AS ?field)
    BIND (IF(EXISTS {{ ?iri a <{CG.SourceDocument}> }}, "document",
          IF(EXISTS {{ ?iri a <{SCHEMA.Event}> }}, "event",
          IF(EXISTS {{ ?iri a <{PROV.Agent}> }}, "agent", "entity"))) AS ?kind)
  }} UNION {{
    {values}
    GRAPH ?g {{
      ?iri a <{CG.Claim}> ; <{CG.evidence}>/<{OA.hasSelector}> ?selector ; <{PROV.wasDerivedFrom}> ?doc .
      ?selector <{RDF.type}> <{OA.TextQuoteSelector}> ; <{OA.exact}> ?text .
    }}
    OPTIONAL {{ ?doc <{RDFS.label}> ?docLabel }}
    BIND (COALESCE(?docLabel, STR(?doc)) AS ?label)
    BIND (STR(?doc) AS ?kind)
    BIND ("quote" AS ?field)
    {not_skipped}
  }}
}}"""


#: Rows of one page, when a graph's entries are more than the server sends at once.
PAGE = 5_000


def read_entries(select: Select, graphs: Iterable[str] | None, *, skip: Iterable[str] = ()) -> list[Entry]:
    """The entries of ``graphs`` (None: of every graph but ``skip``), read whole when the store
    sends the answer whole, else (a server's row limit: :class:`ResultTooLarge`) graph by
    graph, in halves, and a graph past the limit in pages."""
    try:
        return _entries(select(entries_query(graphs, skip=skip)))
    except ResultTooLarge:
        if graphs is None:
            skipped = set(skip)
            wanted = [g for g in _graph_names(select) if g not in skipped]
        else:
            wanted = sorted(str(g) for g in graphs)
    return _read_split(select, wanted)


def _read_split(select: Select, graphs: list[str]) -> list[Entry]:
    if not graphs:
        return []
    try:
        return _entries(select(entries_query(graphs)))
    except ResultTooLarge:
        if len(graphs) > 1:
            half = len(graphs) // 2
            return _read_split(select, graphs[:half]) + _read_split(select, graphs[half:])
    return _entries(_paged(select, entries_query(graphs), "?field ?iri ?text ?label ?kind"))


def _paged(select: Select, query: str, order: str) -> list[dict[str, Node]]:
    """Every row of a SELECT, a page at a time, in ``order`` (a server's OFFSET without ORDER BY
    may skip rows): pages of :data:`PAGE` rows, halved while the server cuts them."""
    rows: list[dict[str, Node]] = []
    size = PAGE
    while True:
        try:
            page = select(f"SELECT * WHERE {{ {query} }} ORDER BY {order} LIMIT {size} OFFSET {len(rows)}")
        except ResultTooLarge:
            if size == 1:
                raise
            size //= 2
            continue
        rows += page
        if len(page) < size:
            return rows


def _graph_names(select: Select) -> list[str]:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    try:
        rows = select(query)
    except ResultTooLarge:
        rows = _paged(select, query, "?g")
    return sorted(str(row["g"]) for row in rows if "g" in row)


def _entries(rows: list[dict[str, Node]]) -> list[Entry]:
    fields = ("field", "iri", "label", "text", "g", "kind")
    return [
        Entry(*(str(r[f]) for f in fields))
        for r in rows
        # Every branch binds all six; Virtuoso 7 answers over an empty graph with one row of none.
        if all(f in r for f in fields)
    ]


def rebuild(index: SearchIndex, select: Select, *, skip: Iterable[URIRef] = ()) -> None:
    """Index the whole store again (every graph but ``skip``: the vocabulary and the shapes)."""
    index.replace(None, read_entries(select, None, skip=[str(g) for g in skip]))


def update(
    index: SearchIndex,
    select: Select,
    graphs: Iterable[URIRef],
    *,
    skip: Iterable[URIRef] = (),
    staged: StagedEntries | None = None,
) -> None:
    """Index ``graphs`` again, as a write left them (a dropped graph leaves no rows).

    :param staged: the entries of the write's new graphs, gathered from its own triples:
        those graphs are published from them, not read back.
    """
    skipped = {str(g) for g in skip}
    known = staged.graphs if staged is not None else set()
    wanted = [str(g) for g in graphs if str(g) not in skipped and str(g) not in known]
    if wanted:
        index.replace(wanted, read_entries(select, wanted))
    if staged is not None:
        staged.publish()

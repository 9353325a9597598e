"""The store on a SPARQL server, read for itself: the start-up check of the server's dataset,
the commit marker, the graphs the store records, its count of quads, and its quads.

What the store reads for itself sees only its own graphs, those it records in its register
(:mod:`.register`), and reads past a server's row limit in parts (Virtuoso's
``ResultSetMaxRows``); queries (:mod:`.remote`) are sent as they are, over the server's union
default graph.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.term import Node

from ..errors import StoreError
from ..rdf.terms import ANY, DEFAULT, Quad, rdflib_quad, to_ox
from ..sparqltext import Dataset
from .asking import JSON_RESULTS, read_results
from .http import Endpoints, Response, SparqlClient
from .kept import COUNT, GRAPHS, KEPT, KEPT_GRAPH_TYPES, KEPT_OBJECTS, distinct_count, fresh_figures, typed_in
from .protocol import CommitMarker
from .register import (
    COMMITS,
    COMMITTED_AT,
    DEFAULT_GRAPH,
    HAS_GRAPH,
    KEPT_TYPES,
    LAST_COMMIT,
    MARK,
    QUADS,
    RDF_TYPE,
    RECORDED,
    REGISTER,
    STORE_NODE,
    typed_count,
)

__all__ = ["RemoteOptions", "ServerReads"]

#: Hex digits of a row's hash past which a part the server still cuts is not split again.
PART_DIGITS = 6


@dataclass(frozen=True)
class RemoteOptions:
    """Where the server is and how to talk to it (from the settings; picklable for worker processes)."""

    url: str
    update_url: str = ""
    gsp_url: str = ""
    user: str = ""
    password: str = ""
    token: str = ""
    timeout_param: str = ""
    query_timeout: float = 30.0
    write_timeout: float = 300.0

    @property
    def endpoints(self) -> Endpoints:
        return Endpoints.for_url(self.url, update=self.update_url, gsp=self.gsp_url)


class ServerReads:
    """What :class:`claimgraph.store.remote.RemoteStore` reads of its own on the server."""

    options: RemoteOptions
    client: SparqlClient
    read_only: bool
    _lock: threading.Lock
    _scope_key: tuple | None
    _scope: list[str]
    #: The row count at which the server last cut an answer (None: it has not).
    _cut_at: int | None

    # ------------------------------------------------------------ the server's dataset

    def check_dataset(self) -> None:
        """Refuse a server that would answer claimgraph's queries with the wrong dataset.

        Queries are sent as they are, so the server's default graph must be the union of
        its graphs. The register holds a mark (written here first, by a store opened for
        writing); a query that names no graph must see it.

        :raises StoreError: when it does not, saying how to set the server up.
        """
        if not self._ask(f"GRAPH <{REGISTER}> {{ {MARK} }}"):
            if self.read_only:
                return  # nothing written yet: no answer can be wrong
            # A store never written holds no quads: from here on each commit keeps the count.
            fresh = (
                ""
                if self._counted_once()
                else f" {STORE_NODE} {QUADS} 0 ."
                + "".join(f" {STORE_NODE} {typed_count(cls)} 0 ." for cls in KEPT_TYPES)
                + fresh_figures()
            )
            self.client.update(
                f"INSERT DATA {{ GRAPH <{REGISTER}> {{ {MARK} .{fresh} }} }}",
                timeout=self.options.write_timeout,
            )
        if not self._ask(MARK):
            raise StoreError(
                f"the SPARQL server at {self.options.url} does not answer a query that names no graph "
                "over the union of its graphs, and claimgraph sends its queries as they are: make the "
                "default graph the union of every graph (Oxigraph server: start it with "
                "`oxigraph serve --union-default-graph`; Fuseki: `tdb2:unionDefaultGraph true` on the "
                "dataset; Virtuoso: no default graph set for the endpoint). "
                "See docs/how-to/sparql-server.md"
            )

    # ------------------------------------------------------------ reading

    def _run(
        self,
        text: str,
        *,
        accept: str = JSON_RESULTS,
        dataset: Dataset | None = None,
        timeout: float | None = None,
        stream: bool = False,
    ) -> Response:
        """Send a query as it is: the server's default graph is the union of its graphs.

        ``dataset``: a client's own dataset (``FROM`` or the protocol's parameters), sent as
        protocol parameters; claimgraph never sends a list of graphs of its own.
        """
        default = list(dataset.default_graphs or ()) if dataset is not None else []
        named = list(dataset.named_graphs or ()) if dataset is not None else []
        return self.client.query(
            text,
            default_graphs=default,
            named_graphs=named,
            accept=accept,
            timeout=self.options.query_timeout if timeout is None else timeout,
            stream=stream,
        )

    def _solutions(self, text: str, **run: Any) -> tuple[list[str], list[dict[str, Any]], int | None]:
        """A SELECT's variables and rows (name → pyoxigraph term), and the server's cut (None: whole)."""
        response = self._run(text, **run)
        results = read_results(response)
        if results.boolean is not None:
            raise StoreError("the SPARQL server answered a SELECT with a boolean")
        if response.cut_at is not None:
            self._cut_at = response.cut_at
        return results.variables, results.rows, response.cut_at

    def _all_rows(self, select: str, where: str, order: str, **run: Any) -> Iterator[Any]:
        """Every row of ``SELECT select WHERE where``, read in parts when the server caps answers
        (``order``: the variables that tell rows apart)."""
        _, rows, cut = self._solutions(f"SELECT {select} WHERE {{ {where} }}", **run)
        if cut is None:
            yield from rows
            return
        # The server caps answers (Virtuoso's ResultSetMaxRows). Its OFFSET without ORDER BY skips
        # rows, and it refuses an ordered page that ends past its limit on sorting
        # (MaxSortedTopRows, 10,000 by default): the answer is read in parts instead, rows
        # told apart by the first hex digits of a hash of their terms, a part the server cuts
        # split again.
        variables = [v for v in order.split() if v != "?one"]
        if not variables:
            yield from self._ordered_pages(select, where, order, max(cut, 1), **run)
            return
        key = "CONCAT(" + ', " ", '.join(f'COALESCE(STR({v}), "")' for v in variables) + ")"
        parts = [""]
        while parts:
            prefix = parts.pop()
            for digit in "fedcba9876543210":
                part = prefix + digit
                _, rows, cut = self._solutions(
                    f'SELECT {select} WHERE {{ {where} FILTER (STRSTARTS(MD5({key}), "{part}")) }}', **run
                )
                if cut is None:
                    yield from rows
                elif len(part) < PART_DIGITS:
                    parts.append(part)
                else:
                    raise StoreError(
                        f"the SPARQL server cuts answers at {cut} rows, and more than that many rows "
                        f"share the hash prefix {part}: raise its row limit (Virtuoso: ResultSetMaxRows)"
                    )

    def _ordered_pages(self, select: str, where: str, order: str, page: int, **run: Any) -> Iterator[Any]:
        """Every row, in ordered pages of ``page`` rows (Virtuoso's OFFSET without ORDER BY skips rows)."""
        offset = 0
        while True:
            _, rows, _cut = self._solutions(
                f"SELECT {select} WHERE {{ {where} }} ORDER BY {order} LIMIT {page} OFFSET {offset}", **run
            )
            yield from rows
            if len(rows) < page:
                return
            offset += page

    def _ask(self, where: str) -> bool:
        return read_results(self._run(f"ASK {{ {where} }}")).as_boolean()

    def commit_marker(self) -> CommitMarker:
        """The last commit, as recorded on the server by :meth:`apply` (count 0 for a store never written)."""
        count, at, _last = self.marker_row()
        return CommitMarker(count, at / 1000)

    def marker_row(self) -> tuple[int, int, str]:
        _, rows, _ = self._solutions(
            f"SELECT ?count ?at ?last WHERE {{ OPTIONAL {{ GRAPH <{REGISTER}> {{ {STORE_NODE} {COMMITS} ?count }} }}"
            f" OPTIONAL {{ GRAPH <{REGISTER}> {{ {STORE_NODE} {COMMITTED_AT} ?at }} }}"
            f" OPTIONAL {{ GRAPH <{REGISTER}> {{ {STORE_NODE} {LAST_COMMIT} ?last }} }} }}"
        )
        if not rows:
            return 0, 0, ""
        row = rows[0]

        def number(term: Any) -> int:
            try:
                return int(term.value) if term is not None else 0
            except ValueError:
                return 0

        last = row.get("last")
        return number(row.get("count")), number(row.get("at")), last.value if last is not None else ""

    def graphs(self) -> list[str]:
        """The named graphs the store records, as IRIs (read again only after a commit)."""
        key = self.marker_row()
        with self._lock:
            if key == self._scope_key:
                return list(self._scope)
        found = sorted({row["g"].value for row in self._all_rows("?g", RECORDED, "?g")})
        with self._lock:
            self._scope_key, self._scope = key, found
        return list(found)

    def graph_names(self) -> list[URIRef]:
        return [URIRef(g) for g in self.graphs()]

    def has_graph(self, graph: URIRef) -> bool:
        """Whether the store records the named graph ``graph`` (empty or not)."""
        return self._ask(f"GRAPH <{REGISTER}> {{ {STORE_NODE} {HAS_GRAPH} {_iri(graph)} }}")

    def _counted_once(self) -> bool:
        """Whether the server holds quads of a store (one written before the count was kept)."""
        return self._ask(f"{{ {RECORDED} }} UNION {{ GRAPH <{DEFAULT_GRAPH}> {{ ?s ?p ?o }} }}")

    def __len__(self) -> int:
        """The quads of the store: the count its commits keep (counted here for a store written
        by a claimgraph that kept none)."""
        _, rows, _ = self._solutions(
            f"SELECT ?n WHERE {{ GRAPH <{REGISTER}> {{ {STORE_NODE} {QUADS} ?n }} }}"
        )
        if rows and rows[0].get("n") is not None:
            return int(rows[0]["n"].value)
        _, rows, _ = self._solutions(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ {RECORDED} GRAPH ?g {{ ?s ?p ?o }} }}"
            f" UNION {{ GRAPH <{DEFAULT_GRAPH}> {{ ?s ?p ?o }} }} }}"
        )
        return int(rows[0]["n"].value)

    def _kept(self, node: str, predicate: str) -> int | None:
        """A figure of :mod:`.kept` (0 for a key no commit counted); None: the store keeps none."""
        _, rows, _ = self._solutions(
            f"SELECT ?kept ?n WHERE {{ GRAPH <{REGISTER}> {{ {STORE_NODE} {KEPT} ?kept }}"
            f" OPTIONAL {{ GRAPH <{REGISTER}> {{ {node} {predicate} ?n }} }} }}"
        )
        if not rows:
            return None
        n = rows[0].get("n")
        return int(n.value) if n is not None else 0

    def graph_count(self) -> int:
        """How many named graphs the store records: the count its commits keep."""
        kept = self._kept(STORE_NODE, GRAPHS)
        return kept if kept is not None else len(self.graphs())

    def distinct_objects(self, predicate: str) -> int:
        """How many distinct objects ``predicate`` has in the store's graphs: the count its
        commits keep for :data:`KEPT_OBJECTS` (counted here otherwise)."""
        kept = self._kept(STORE_NODE, distinct_count(predicate)) if predicate in KEPT_OBJECTS else None
        if kept is not None:
            return kept
        pattern = f"?s <{predicate}> ?o"
        _, rows, _ = self._solutions(
            f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ {{ {RECORDED} GRAPH ?g {{ {pattern} }} }}"
            f" UNION {{ GRAPH <{DEFAULT_GRAPH}> {{ {pattern} }} }} }}"
        )
        return int(rows[0]["n"].value)

    def typed(self, cls: str, graph: str | None = None) -> int:
        """The quads ``?x rdf:type <cls>`` of the store (of its named graph ``graph``): the
        count its commits keep for :data:`KEPT_TYPES` (:data:`KEPT_GRAPH_TYPES` in a graph),
        counted here for another class, or a store written by a claimgraph that kept none."""
        pattern = f"?s <{RDF_TYPE}> <{cls}>"
        if graph is not None:
            kept = self._kept(typed_in(str(graph), cls), COUNT) if cls in KEPT_GRAPH_TYPES else None
            if kept is not None:
                return kept
            _, rows, _ = self._solutions(
                f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{REGISTER}> {{ {STORE_NODE} {HAS_GRAPH} <{graph}> }}"
                f" GRAPH <{graph}> {{ {pattern} }} }}"
            )
            return int(rows[0]["n"].value)
        if cls in KEPT_TYPES:
            _, rows, _ = self._solutions(
                f"SELECT ?n WHERE {{ GRAPH <{REGISTER}> {{ {STORE_NODE} {typed_count(cls)} ?n }} }}"
            )
            if rows and rows[0].get("n") is not None:
                return int(rows[0]["n"].value)
        _, rows, _ = self._solutions(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ {RECORDED} GRAPH ?g {{ {pattern} }} }}"
            f" UNION {{ GRAPH <{DEFAULT_GRAPH}> {{ {pattern} }} }} }}"
        )
        return int(rows[0]["n"].value)

    def quads(
        self,
        graph: Node | None = ANY,
        *,
        subject: Node | None = None,
        predicate: Node | None = None,
        object: Node | None = None,
        exact: bool = False,
    ) -> Iterator[Quad]:
        """The quads of ``graph`` (:data:`ANY` or None: of every graph of the store; :data:`DEFAULT`:
        of its default graph) with the subject, predicate and object given; as
        :meth:`claimgraph.store.embedded.OxigraphStore.quads`."""
        yield from (rdflib_quad(q, exact=exact) for q in self._ox_quads(graph, subject, predicate, object))

    def _ox_quads(
        self, graph: Any, subject: Node | None = None, predicate: Node | None = None, obj: Node | None = None
    ) -> Iterator[ox.Quad]:
        if isinstance(subject, Literal) or isinstance(predicate, Literal):
            return  # no quad has one there
        terms = [
            str(to_ox(t)) if t is not None else f"?{v}"
            for t, v in ((subject, "s"), (predicate, "p"), (obj, "o"))
        ]
        pattern = " ".join(terms)
        unbound = [v for t, v in ((subject, "s"), (predicate, "p"), (obj, "o")) if t is None]
        if graph is DEFAULT:
            where, graph_term = f"GRAPH <{DEFAULT_GRAPH}> {{ {pattern} }}", ox.DefaultGraph()
        elif graph is not None and graph is not ANY:
            where = f"GRAPH <{REGISTER}> {{ {STORE_NODE} {HAS_GRAPH} {_iri(graph)} }} GRAPH {_iri(graph)} {{ {pattern} }}"
            graph_term = ox.NamedNode(str(graph))
        else:
            where = f"{{ {RECORDED} GRAPH ?g {{ {pattern} }} }} UNION {{ GRAPH <{DEFAULT_GRAPH}> {{ {pattern} }} }}"
            unbound = ["g", *unbound]
            graph_term = None
        fixed = {"s": subject, "p": predicate, "o": obj}
        select = " ".join(f"?{v}" for v in unbound) if unbound else "(1 AS ?one)"
        order = " ".join(f"?{v}" for v in unbound) or "?one"
        rows: Iterable[Any]
        if graph_term is None:
            # Every graph at once; where the server cuts that answer, graph by graph (one
            # request each, split further only for a graph the server cuts too), which costs
            # far less than reading the whole store again for each part of a hash.
            # (The whole store, once the server has cut an answer shorter than the store: graph by
            # graph at once, not read in vain first.)
            whole = self._cut_at is None or unbound != ["g", "s", "p", "o"] or len(self) <= self._cut_at
            _, rows, cut = self._solutions(f"SELECT {select} WHERE {{ {where} }}") if whole else ([], [], 0)
            if cut is not None:
                yield from self._ox_quads(DEFAULT, subject, predicate, obj)
                for name in self.graphs():
                    yield from self._ox_quads(URIRef(name), subject, predicate, obj)
                return
        else:
            rows = self._all_rows(select, where, order)
        for row in rows:
            terms_of = {v: (to_ox(fixed[v]) if fixed[v] is not None else row[v]) for v in "spo"}
            if graph_term is None:
                g = row.get("g")
                name = ox.DefaultGraph() if g is None else g
            else:
                name = graph_term
            yield ox.Quad(terms_of["s"], terms_of["p"], terms_of["o"], name)


def _iri(term: Node | str) -> str:
    return f"<{term}>"

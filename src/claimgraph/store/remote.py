"""The store on a SPARQL 1.1 server: the :class:`claimgraph.store.Store` protocol over HTTP.

``CLAIMGRAPH_STORE=http://host:port/…`` names a server's query endpoint; everything
above the store (the write path, the endpoint, pages, dumps, stats) works unchanged,
through the SPARQL 1.1 Query, Update and Graph Store protocols
(:mod:`claimgraph.store.http`). Tested live against Oxigraph server and Virtuoso.

**The server's dataset.** Queries are sent as they are, never with a list of graphs (the
cost of a request would grow with the number of documents): the server's default graph
must be the union of its graphs (Oxigraph server's ``--union-default-graph``; Virtuoso's
own default), which :meth:`~RemoteStore.check_dataset` checks when the store is opened. A
query therefore sees whatever else the server holds: that is what a shared server costs.
What the store reads for itself sees only its own graphs, those it records in
its register (:mod:`.register`): :meth:`~RemoteStore.graph_names`, ``quads``, ``len`` (the
count each commit keeps), dumps and dry runs. An empty graph is a record with no quads
(Virtuoso keeps no empty graphs). claimgraph's own default graph is the server graph
:data:`DEFAULT_GRAPH`. Names under ``urn:claimgraph:`` are reserved (but the metadata
graph, ``urn:claimgraph:store``). One claimgraph store per server (or per dataset).

**Writes stay whole**: see :mod:`.commit`.

**Reads are bounded.** Every request has a deadline (``CLAIMGRAPH_QUERY_TIMEOUT``), and
queries carry the server's own limit (``CLAIMGRAPH_STORE_TIMEOUT_PARAM``). A query is
parsed here first (pyoxigraph's parser: the same syntax errors as the embedded store).
An answer the server cut (``X-SPARQL-MaxRows``: Virtuoso's ``ResultSetMaxRows``) is
refused as :class:`ResultTooLarge`; the store's own reads of quads page through
such a limit in order. Literals are read from SPARQL JSON results, which keep lexical
forms (:func:`claimgraph.rdf.results.read_json_results`).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.term import Node

from .. import formats
from ..errors import StoreError
from ..rdf.results import (
    QueryResult,
    boolean_body,
    read_triples,
    results_format,
    write_answer,
)
from ..rdf.terms import ANY, DEFAULT, Quad, from_ox, ox_quad, rdflib_quad, to_ox
from ..sparqltext import Dataset, without_dataset
from .asking import JSON_RESULTS, N_TRIPLES, accept, based, check_syntax, cut, read_results, source
from .commit import Commit
from .dryrun import dry_run_copy
from .embedded import OxigraphStore
from .http import Credentials, Endpoints, Response, SparqlClient
from .lease import Lease
from .moves import recover
from .protocol import UNION, CommitMarker, DryRun
from .register import (
    COMMITS,
    COMMITTED_AT,
    DEFAULT_GRAPH,
    HAS_GRAPH,
    LAST_COMMIT,
    MARK,
    METADATA,
    QUADS,
    RECORDED,
    REGISTER,
    RESERVED,
    STORE_NODE,
)
from .spool import Spool

__all__ = ["RemoteOptions", "RemoteStore"]


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


class RemoteStore:
    """A claimgraph store on a SPARQL 1.1 server (see the module's documentation)."""

    def __init__(self, options: RemoteOptions, *, read_only: bool = False) -> None:
        self.options = options
        self.read_only = read_only
        self.client = SparqlClient(
            options.endpoints,
            credentials=Credentials(options.user, options.password, options.token),
            timeout_param=options.timeout_param,
        )
        self._lock = threading.Lock()
        self._scope_key: tuple | None = None
        self._scope: list[str] = []
        self._writer = threading.RLock()
        self._lease: Lease | None = None

    def __repr__(self) -> str:
        return f"RemoteStore({self.options.url!r})"

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
            fresh = "" if self._counted_once() else f" {STORE_NODE} {QUADS} 0 ."
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
        return results.variables, results.rows, response.cut_at

    def _all_rows(self, select: str, where: str, order: str, **run: Any) -> Iterator[Any]:
        """Every row of ``SELECT select WHERE where``, paged in ``order`` when the server caps answers."""
        _, rows, cut = self._solutions(f"SELECT {select} WHERE {{ {where} }}", **run)
        if cut is None:
            yield from rows
            return
        # The server caps answers (Virtuoso's ResultSetMaxRows): read in pages of its size, in
        # an order (Virtuoso's OFFSET without ORDER BY skips rows).
        page, offset = max(cut, 1), 0
        while True:
            _, rows, cut = self._solutions(
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
        for row in self._all_rows(select, where, order):
            terms_of = {v: (to_ox(fixed[v]) if fixed[v] is not None else row[v]) for v in "spo"}
            if graph_term is None:
                g = row.get("g")
                name = ox.DefaultGraph() if g is None else g
            else:
                name = graph_term
            yield ox.Quad(terms_of["s"], terms_of["p"], terms_of["o"], name)

    # ------------------------------------------------------------ queries

    def query(self, sparql: str, *, base_iri: str | None = None) -> QueryResult:
        """Run a SPARQL query over the server's union default graph; its whole answer as rdflib terms.

        :raises QueryError: on a syntax error, with the parser's message.
        :raises ResultTooLarge: when the server cut the answer (its own row limit).
        """
        kind = check_syntax(sparql, base_iri)
        response = self._run(based(sparql, base_iri), accept=accept(kind))
        if response.cut_at is not None:
            raise cut(response.cut_at)
        if kind == "graph":
            triples = [
                (from_ox(t.subject), from_ox(t.predicate), from_ox(t.object))
                for t in read_triples(source(response), response.media_type or N_TRIPLES)
            ]
            return QueryResult(kind="graph", triples=triples)  # type: ignore[arg-type]
        return read_results(response).as_result(kind)

    def answer(
        self,
        sparql: str,
        *,
        choose: Callable[[str], str],
        max_rows: int,
        dataset: Dataset = UNION,
        base_iri: str | None = None,
    ) -> tuple[str, bytes]:
        """Run a query on the server and write its answer in the chosen format, as
        :meth:`claimgraph.store.embedded.OxigraphStore.answer` does: at most ``max_rows`` rows
        or triples, never a cut answer. The query goes as it is; a client's own dataset
        (``FROM``, or the protocol's parameters, which replace it) goes as protocol parameters."""
        kind = check_syntax(sparql, base_iri)
        fmt = formats.by_name(choose(kind), kind)
        if dataset.default_graphs is None and dataset.named_graphs is None:
            text, given = based(sparql, base_iri), None
        else:
            text, given = based(without_dataset(sparql), base_iri), dataset
        response = self._run(text, accept=accept(kind), dataset=given, stream=True)
        try:
            if response.cut_at is not None:
                raise cut(response.cut_at, max_rows)
            if kind == "ask":
                return kind, boolean_body(read_results(response).as_boolean(), results_format(fmt))
            if kind == "graph":
                triples = read_triples(source(response), response.media_type or N_TRIPLES)
                return kind, write_answer(kind, fmt, max_rows=max_rows, items=triples)
            results = read_results(response)
            rows = ([row.get(name) for name in results.variables] for row in results.rows)
            return kind, write_answer(kind, fmt, max_rows=max_rows, variables=results.variables, items=rows)
        finally:
            response.close()

    def dump(
        self,
        *,
        format: str,
        graph: URIRef | None = None,
        default_graph: bool = False,
        prefixes: dict[str, str] | None = None,
        skolem: str | None = None,
    ) -> bytes:
        """The store, or one of its graphs, serialised as the embedded store would
        (:meth:`claimgraph.store.embedded.OxigraphStore.dump`)."""
        source = graph if graph is not None else (DEFAULT if default_graph else None)
        copy = ox.Store()
        copy.extend(self._ox_quads(source))
        return OxigraphStore._wrapping(copy).dump(
            format=format, graph=graph, default_graph=default_graph, prefixes=prefixes, skolem=skolem
        )

    # ------------------------------------------------------------ dry runs

    def dry_run(
        self,
        sparql: str,
        *,
        graphs: Iterable[URIRef] | None = None,
        base_iri: str | None = None,
        timeout: float | None = None,
    ) -> DryRun:
        """Run a SPARQL Update on a local copy of the graphs it can touch; the server is not changed.

        The default graph and ``graphs`` (None: every graph of the store) are read into
        an embedded store (a folder when there is a time limit, so that the update runs in
        a child process killed at the limit) and the update is dry-run there.

        :raises QueryError: on a syntax error or a failing operation.
        :raises QueryTimeout: when reading the copy and running the update pass ``timeout``.
        """
        names = None if graphs is None else sorted({str(g) for g in graphs})
        recorded = set(self.graphs())
        wanted = sorted(recorded) if names is None else [g for g in names if g in recorded]

        def fill(copy: ox.Store) -> None:
            copy.extend(self._ox_quads(DEFAULT))
            for name in wanted:
                copy.add_graph(ox.NamedNode(name))
                copy.extend(self._ox_quads(URIRef(name)))

        return dry_run_copy(fill, sparql, graphs=names, base_iri=base_iri, timeout=timeout)

    # ------------------------------------------------------------ writing

    def apply(
        self,
        *,
        remove: Iterable[Quad] = (),
        add: Iterable[Quad] = (),
        create: Iterable[URIRef] = (),
        drop: Iterable[URIRef] = (),
        spool: Spool | None = None,
    ) -> None:
        """Remove quads, add quads, create and drop named graphs, and add the new graphs of
        ``spool``: one commit, whole or not at all.

        As :meth:`claimgraph.store.embedded.OxigraphStore.apply`: a dropped graph must be emptied by
        ``remove`` in the same call, and blank nodes are refused. The spool's graphs are
        staged on the server like any other quads, read from the spool in chunks.

        :raises StoreError: when the store cannot be written, saying that nothing was
            written (or, when the server stopped answering, that the commit is whole either way).
        """
        if self.read_only:
            raise StoreError("the store was opened read-only")
        removing = [ox_quad(q) for q in remove]
        adding = [ox_quad(q) for q in add]
        creating = sorted({str(g) for g in create})
        dropping = sorted({str(g) for g in drop})
        if any(isinstance(t, ox.BlankNode) for q in removing + adding for t in (q.subject, q.object)):
            raise StoreError("cannot write quads with blank nodes: skolemize them first")
        named = {q.graph_name.value for q in removing + adding if isinstance(q.graph_name, ox.NamedNode)}
        fresh = {str(g) for g in spool.graphs} if spool is not None else set()
        for name in sorted({*creating, *dropping, *named, *fresh}):
            if name.startswith(RESERVED) and name != METADATA:
                raise StoreError(f"<{name}> is a name claimgraph keeps for itself on the server; use another")
        written = {q.graph_name.value for q in adding if isinstance(q.graph_name, ox.NamedNode)} | fresh
        records = sorted((set(creating) | written) - set(dropping))
        if not (removing or adding or fresh or creating or dropping):
            return
        with self.writing():
            assert self._lease is not None and self._lease.node is not None
            known = set(self.graphs()) | {DEFAULT_GRAPH}
            new = frozenset({_graph_name(q) for q in adding} - known)
            Commit(self, removing, adding, spool=spool, records=records, dropped=dropping, new=new).run(
                lease=self._lease.node
            )
        with self._lock:
            self._scope_key = None

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the server's write lease (:mod:`.lease`) while the block reads and commits: no
        other claimgraph process commits in between. Re-entrant; :meth:`apply` takes it too.

        :raises StoreError: when another process holds it past the write time limit.
        """
        with self._writer:
            if self._lease is not None:
                yield
                return
            if self.read_only:
                raise StoreError("the store was opened read-only")
            lease = Lease(
                self.client,
                wait=self.options.write_timeout,
                timeout=self.options.write_timeout,
                read=lambda text: self._solutions(text)[1],
            )
            lease.take()
            self._lease = lease
            try:
                # a commit that moved graphs into place and never switched (a process that died)
                recover(
                    self.client, lambda text: self._solutions(text)[1], timeout=self.options.write_timeout
                )
                yield
            finally:
                self._lease = None
                lease.drop()

    def spool(self) -> Spool:
        """A spool for the new graphs of one commit (a large one in the system's temporary folder)."""
        return Spool(None)

    def close(self) -> None:
        self.client.close()


# ---------------------------------------------------------------- helpers


def _graph_name(q: ox.Quad) -> str:
    return DEFAULT_GRAPH if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name.value


def _iri(term: Node | str) -> str:
    return f"<{term}>"

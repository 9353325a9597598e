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
refused as :class:`ResultTooLarge`; the store's own reads of quads read past
such a limit in parts (by a hash of each row). Literals are read from SPARQL JSON results, which keep lexical
forms (:func:`claimgraph.rdf.results.read_json_results`).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.term import Node

from .. import formats
from ..errors import StoreError
from ..rdf.results import QueryResult
from ..rdf.terms import DEFAULT, Quad, ox_quad
from ..sparqltext import Dataset, without_dataset
from .asking import accept, based, check_syntax, read_query_answer, write_server_answer
from .commit import Commit
from .dryrun import dry_run_copy
from .embedded import OxigraphStore
from .http import Credentials, SparqlClient
from .lease import Lease
from .moves import recover
from .protocol import UNION, DryRun
from .register import DEFAULT_GRAPH, METADATA, RESERVED
from .serverreads import RemoteOptions, ServerReads
from .spool import Spool

__all__ = ["RemoteOptions", "RemoteStore"]


class RemoteStore(ServerReads):
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
        self._cut_at: int | None = None
        self._scope: list[str] = []
        self._writer = threading.RLock()
        self._lease: Lease | None = None

    def __repr__(self) -> str:
        return f"RemoteStore({self.options.url!r})"

    # ------------------------------------------------------------ queries

    def query(self, sparql: str, *, base_iri: str | None = None) -> QueryResult:
        """Run a SPARQL query over the server's union default graph; its whole answer as rdflib terms.

        :raises QueryError: on a syntax error, with the parser's message.
        :raises ResultTooLarge: when the server cut the answer (its own row limit).
        """
        kind = check_syntax(sparql, base_iri)
        return read_query_answer(self._run(based(sparql, base_iri), accept=accept(kind)), kind)

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
        return kind, write_server_answer(response, kind, fmt, max_rows)

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
            recorded = frozenset(self.graphs())
            new = frozenset({_graph_name(q) for q in adding} - recorded - {DEFAULT_GRAPH})
            Commit(
                self,
                removing,
                adding,
                spool=spool,
                records=records,
                dropped=dropping,
                new=new,
                known=recorded,
                read=lambda text: self._solutions(text)[1],
            ).run(lease=self._lease.node)
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

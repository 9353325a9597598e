"""The store on a SPARQL 1.1 server: the :class:`claimgraph.store.Store` protocol over HTTP.

``CLAIMGRAPH_STORE=http://host:port/…`` names a server's query endpoint; everything
above the store (the write path, the endpoint, pages, dumps, stats) works unchanged,
through the SPARQL 1.1 Query, Update and Graph Store protocols
(:mod:`claimgraph.sparqlclient`). Tested live against Oxigraph server and Virtuoso.

**Which graphs are claimgraph's.** A server holds other graphs (Virtuoso its system
graphs). The store records every named graph it creates or writes in a private
graph, :data:`REGISTER`, and sees only those: the union default graph of a query,
``GRAPH ?g``, :meth:`~RemoteStore.graph_names`, ``len``, dumps and stats. An empty graph
is a record with no quads (Virtuoso keeps no empty graphs). claimgraph's own default
graph is the server graph :data:`DEFAULT_GRAPH`. Names under ``urn:claimgraph:`` are
reserved (but the metadata graph, ``urn:claimgraph:store``). One claimgraph store per
server (or per dataset, for servers that have several).

**Writes stay whole.** A commit (:meth:`~RemoteStore.apply`) is staged first: the quads
to remove and to add go into staging graphs of its own (:data:`STAGE` ``<id>:…``,
outside claimgraph's graphs, so invisible), by Graph Store ``POST`` when a Graph Store
URL is configured, else by ``INSERT DATA`` in chunks. Then ONE update operation — a
``DELETE {…} INSERT {…} WHERE {…}`` — moves them into place, records graphs created and
dropped, and advances the commit marker (:meth:`~RemoteStore.commit_marker`). One
operation, not one request of several: Virtuoso commits each operation of a request on
its own (an update whose last operation fails keeps the earlier ones), so claimgraph
relies on nothing more than one operation being one transaction. The operation joins a
*ticket* the commit staged: after a commit that timed out or broke off, dropping the
ticket makes sure that it cannot apply later, and the marker says whether it applied
before; either way it is whole, and the error says which.

**Reads are bounded.** Every request has a deadline (``CLAIMGRAPH_QUERY_TIMEOUT``), and
queries carry the server's own limit (``CLAIMGRAPH_STORE_TIMEOUT_PARAM``). A query is
parsed here first (pyoxigraph's parser: the same syntax errors as the embedded store).
An answer the server cut (``X-SPARQL-MaxRows``: Virtuoso's ``ResultSetMaxRows``) is
refused as :class:`ResultTooLarge`; the store's own reads of quads page through
such a limit in order. Literals are read from SPARQL XML results, which keep lexical
forms (Virtuoso's JSON writes ``true`` as ``"1"``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.term import Node

from . import formats
from .errors import NotAcceptable, QueryError, QueryTimeout, ResultTooLarge, StoreError
from .sparqlclient import ConnectionLost, Credentials, Endpoints, Response, SparqlClient
from .sparqltext import Dataset, tokens, update_targets, without_dataset
from .store import (
    DEFAULT,
    UNION,
    CommitMarker,
    DryRun,
    OxigraphStore,
    Quad,
    QueryResult,
    Spool,
    from_ox,
    graph_body,
    rdf_format,
    rdflib_quad,
    results_format,
    select_body,
    to_ox,
)

__all__ = ["DEFAULT_GRAPH", "REGISTER", "STAGE", "RemoteOptions", "RemoteStore", "is_remote", "query_form"]

#: The private graph where the store records its graphs and its last commit.
REGISTER = "urn:claimgraph:register"
#: The server graph that holds claimgraph's default graph.
DEFAULT_GRAPH = "urn:claimgraph:default"
#: Prefix of the staging graphs of a commit in progress.
STAGE = "urn:claimgraph:stage:"
#: A staged quad's predicate is this prefix before its own: the server's union default graph
#: shows staging graphs to every query, and a staged quad must not read as data before its commit.
STAGED = "urn:claimgraph:staged:"
#: Names claimgraph keeps for itself; the metadata graph (changes.METADATA_GRAPH) is a graph like any other.
RESERVED = "urn:claimgraph:"
METADATA = "urn:claimgraph:store"

_STORE = "<urn:claimgraph:store>"
_GRAPH = "<urn:claimgraph:graph>"
_COMMITS = "<urn:claimgraph:commits>"
_AT = "<urn:claimgraph:committedAt>"
_LAST = "<urn:claimgraph:lastCommit>"
#: The number of quads the store holds, kept by each commit (a count per request grows with the store).
_QUADS = "<urn:claimgraph:quads>"
_TICKET = "<urn:claimgraph:ticket>"
_MARK = f"{_STORE} <urn:claimgraph:holds> <urn:claimgraph:Store>"
_RECORDED = f"GRAPH <{REGISTER}> {{ {_STORE} {_GRAPH} ?g }}"

#: SPARQL results are read as JSON, parsed here: pyoxigraph's XML results reader trims the
#: whitespace around literals, and an XML reader turns Virtuoso's raw carriage returns into
#: line feeds; JSON keeps both.
JSON_RESULTS = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
#: Staging by INSERT DATA: Virtuoso refuses one of 2,000 triples ("generated SQL text has
#: exceeded 10000 lines") or of about 500 kB ("memory exhausted").
STAGE_QUADS = 500
STAGE_BYTES = 200_000
#: Seconds claimgraph watches for a commit it stopped waiting for (timed out, connection lost).
SETTLE = 10.0


def is_remote(location: str) -> bool:
    """Whether a store location names a SPARQL server rather than a folder.

    >>> is_remote("http://127.0.0.1:7878/query"), is_remote("store")
    (True, False)
    """
    return location.startswith(("http://", "https://"))


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
        if not self._ask(f"GRAPH <{REGISTER}> {{ {_MARK} }}"):
            if self.read_only:
                return  # nothing written yet: no answer can be wrong
            # A store never written holds no quads: from here on each commit keeps the count.
            fresh = "" if self._counted_once() else f" {_STORE} {_QUADS} 0 ."
            self.client.update(
                f"INSERT DATA {{ GRAPH <{REGISTER}> {{ {_MARK} .{fresh} }} }}",
                timeout=self.options.write_timeout,
            )
        if not self._ask(_MARK):
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
        count, at, _last = self._marker_row()
        return CommitMarker(count, at / 1000)

    def _marker_row(self) -> tuple[int, int, str]:
        _, rows, _ = self._solutions(
            f"SELECT ?count ?at ?last WHERE {{ OPTIONAL {{ GRAPH <{REGISTER}> {{ {_STORE} {_COMMITS} ?count }} }}"
            f" OPTIONAL {{ GRAPH <{REGISTER}> {{ {_STORE} {_AT} ?at }} }}"
            f" OPTIONAL {{ GRAPH <{REGISTER}> {{ {_STORE} {_LAST} ?last }} }} }}"
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
        key = self._marker_row()
        with self._lock:
            if key == self._scope_key:
                return list(self._scope)
        found = sorted({row["g"].value for row in self._all_rows("?g", _RECORDED, "?g")})
        with self._lock:
            self._scope_key, self._scope = key, found
        return list(found)

    def graph_names(self) -> list[URIRef]:
        return [URIRef(g) for g in self.graphs()]

    def has_graph(self, graph: URIRef) -> bool:
        """Whether the store records the named graph ``graph`` (empty or not)."""
        return self._ask(f"GRAPH <{REGISTER}> {{ {_STORE} {_GRAPH} {_iri(graph)} }}")

    def _counted_once(self) -> bool:
        """Whether the server holds quads of a store (one written before the count was kept)."""
        return self._ask(f"{{ {_RECORDED} }} UNION {{ GRAPH <{DEFAULT_GRAPH}> {{ ?s ?p ?o }} }}")

    def __len__(self) -> int:
        """The quads of the store: the count its commits keep (counted here for a store written
        by a claimgraph that kept none)."""
        _, rows, _ = self._solutions(f"SELECT ?n WHERE {{ GRAPH <{REGISTER}> {{ {_STORE} {_QUADS} ?n }} }}")
        if rows and rows[0].get("n") is not None:
            return int(rows[0]["n"].value)
        _, rows, _ = self._solutions(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ {_RECORDED} GRAPH ?g {{ ?s ?p ?o }} }}"
            f" UNION {{ GRAPH <{DEFAULT_GRAPH}> {{ ?s ?p ?o }} }} }}"
        )
        return int(rows[0]["n"].value)

    def quads(
        self,
        graph: URIRef | None = None,
        *,
        subject: Node | None = None,
        predicate: Node | None = None,
        object: Node | None = None,
        exact: bool = False,
    ) -> Iterator[Quad]:
        """The quads of ``graph`` (None: of every graph of the store; :data:`DEFAULT`: of its
        default graph) with the subject, predicate and object given; as
        :meth:`claimgraph.store.OxigraphStore.quads`."""
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
        elif graph is not None:
            where = f"GRAPH <{REGISTER}> {{ {_STORE} {_GRAPH} {_iri(graph)} }} GRAPH {_iri(graph)} {{ {pattern} }}"
            graph_term = ox.NamedNode(str(graph))
        else:
            where = f"{{ {_RECORDED} GRAPH ?g {{ {pattern} }} }} UNION {{ GRAPH <{DEFAULT_GRAPH}> {{ {pattern} }} }}"
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

    def query(
        self, sparql: str, *, union_default_graph: bool = True, base_iri: str | None = None
    ) -> QueryResult:
        """Run a SPARQL query and read its whole answer as rdflib terms.

        :raises QueryError: on a syntax error, with the parser's message.
        :raises ResultTooLarge: when the server cut the answer (its own row limit).
        """
        kind = _check_syntax(sparql, base_iri)
        response = self._run(_based(sparql, base_iri), accept=_accept(kind))
        if response.cut_at is not None:
            raise _cut(response.cut_at)
        if kind == "graph":
            triples = [
                (from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)) for t in read_triples(response)
            ]
            return QueryResult(kind="graph", triples=triples)
        results = read_results(response)
        if kind == "ask":
            return QueryResult(kind="ask", boolean=results.as_boolean())
        rows = [{name: from_ox(term) for name, term in row.items()} for row in results.rows]
        return QueryResult(kind="select", variables=results.variables, rows=rows)

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
        :meth:`claimgraph.store.OxigraphStore.answer` does: at most ``max_rows`` rows or
        triples, never a cut answer."""
        kind = _check_syntax(sparql, base_iri)
        fmt = formats.by_name(choose(kind), kind)
        if dataset.default_graphs is None and dataset.named_graphs is None:
            text, given = _based(sparql, base_iri), None
        else:
            text, given = _based(without_dataset(sparql), base_iri), dataset
        response = self._run(text, accept=_accept(kind), dataset=given, stream=True)
        try:
            if response.cut_at is not None:
                raise _cut(response.cut_at, max_rows)
            if kind == "ask":
                return kind, _boolean_body(read_results(response).as_boolean(), results_format(fmt))
            items: list[Any] = []
            if kind == "graph":
                for triple in read_triples(response):
                    items.append(triple)
                    if len(items) > max_rows:
                        break
            else:
                results = read_results(response)
                items = [
                    [row.get(name) for name in results.variables] for row in results.rows[: max_rows + 1]
                ]
            if len(items) > max_rows:
                word = "rows" if kind == "select" else "triples"
                raise ResultTooLarge(
                    f"the answer has more than {max_rows} {word}; this server returns at most {max_rows}"
                )
        finally:
            response.close()
        try:
            if kind == "select":
                return kind, select_body(results.variables, items, results_format(fmt))
            return kind, graph_body(items, rdf_format(fmt))
        except (OSError, ValueError) as exc:
            raise NotAcceptable(f"the answer cannot be written as {fmt.media_type}: {exc}") from None

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
        (:meth:`claimgraph.store.OxigraphStore.dump`)."""
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
        started = time.monotonic()
        names = None if graphs is None else sorted({str(g) for g in graphs})
        recorded = set(self.graphs())
        wanted = sorted(recorded) if names is None else [g for g in names if g in recorded]
        folder = Path(tempfile.mkdtemp(prefix="claimgraph-dry-run-")) if timeout is not None else None
        try:
            copy = (
                OxigraphStore(folder / "copy") if folder is not None else OxigraphStore._wrapping(ox.Store())
            )
            try:
                raw = copy.raw
                raw.extend(self._ox_quads(DEFAULT))
                for name in wanted:
                    raw.add_graph(ox.NamedNode(name))
                    raw.extend(self._ox_quads(URIRef(name)))
                left = None
                if timeout is not None:
                    left = timeout - (time.monotonic() - started)
                    if left <= 0:
                        raise QueryTimeout(
                            f"reading the graphs the update can touch took past the {timeout:g} s limit; "
                            "nothing was written"
                        )
                    copy.flush()
                return copy.dry_run(
                    sparql,
                    graphs=None if names is None else [URIRef(n) for n in names],
                    base_iri=base_iri,
                    timeout=left,
                )
            finally:
                copy.close()
        finally:
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)

    # ------------------------------------------------------------ writing

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Run a SPARQL update as one commit: dry-run on a copy of the graphs it can touch, then applied.

        :raises QueryError: on a syntax error or a failing operation.
        :raises StoreError: when the store cannot be written; nothing is written then.
        """
        targets = update_targets(sparql, base_iri=base_iri)
        run = self.dry_run(
            sparql, graphs=None if targets is None else [URIRef(t) for t in targets], base_iri=base_iri
        )
        self.apply(remove=run.removed, add=run.added, create=run.created, drop=run.dropped)

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

        As :meth:`claimgraph.store.OxigraphStore.apply`: a dropped graph must be emptied by
        ``remove`` in the same call, and blank nodes are refused. The spool's graphs are
        staged on the server like any other quads (read back from its file when it is large).

        :raises StoreError: when the store cannot be written, saying that nothing was
            written (or, when the server stopped answering, that the commit is whole either way).
        """
        if self.read_only:
            raise StoreError("the store was opened read-only")
        removing = [_ox_quad(q) for q in remove]
        adding = [_ox_quad(q) for q in add]
        fresh = list(_spooled(spool)) if spool is not None else []
        creating = sorted({str(g) for g in create})
        dropping = sorted({str(g) for g in drop})
        every = removing + adding + fresh
        if any(isinstance(t, ox.BlankNode) for q in every for t in (q.subject, q.object)):
            raise StoreError("cannot write quads with blank nodes: skolemize them first")
        named = {q.graph_name.value for q in every if isinstance(q.graph_name, ox.NamedNode)}
        for name in sorted({*creating, *dropping, *named}):
            if name.startswith(RESERVED) and name != METADATA:
                raise StoreError(f"<{name}> is a name claimgraph keeps for itself on the server; use another")
        written = {_graph_iri(q) for q in adding + fresh} - {DEFAULT_GRAPH}
        records = sorted((set(creating) | written) - set(dropping))
        if not (every or creating or dropping):
            return
        Commit(self, removing, adding, fresh=fresh, records=records, dropped=dropping).run()
        with self._lock:
            self._scope_key = None

    def spool(self) -> Spool:
        """A spool for the new graphs of one commit (a large one in the system's temporary folder)."""
        return Spool(None)

    def close(self) -> None:
        self.client.close()


class Commit:
    """One commit of :meth:`RemoteStore.apply`: stage, switch in one operation, clean up."""

    def __init__(
        self,
        store: RemoteStore,
        removing: list[ox.Quad],
        adding: list[ox.Quad],
        *,
        fresh: list[ox.Quad] = (),
        records: list[str],
        dropped: list[str],
    ) -> None:
        self.store = store
        self.client = store.client
        self.id = uuid.uuid4().hex
        self.prefix = f"{STAGE}{self.id}:"
        self.ticket = self.prefix + "ticket"
        #: (kind, target graph, staging graph, triples), kind "remove", "add" or "fresh" (the
        #: spool's graphs, new to the store: added without asking whether each quad is there)
        self.parts = [
            (kind, graph, f"{self.prefix}{kind}:{index}", triples)
            for kind, quads in (("remove", removing), ("add", adding), ("fresh", fresh))
            for index, (graph, triples) in enumerate(sorted(_by_graph(quads).items()))
        ]
        self.fresh_quads = len(fresh)
        self.records = records
        self.dropped = dropped
        self.stages: list[str] = []
        self.timeout = store.options.write_timeout

    def run(self) -> None:
        try:
            try:
                self._stage()
            except (StoreError, QueryError, QueryTimeout) as exc:
                raise StoreError(f"write failed while staging it, nothing was written: {exc}") from None
            self._switch()
        finally:
            self._clean()

    def _stage(self) -> None:
        self.client.update(f"INSERT DATA {{ {self._ticket_triple()} }}", timeout=self.timeout)
        self.stages.append(self.ticket)
        for _kind, _graph, stage, triples in self.parts:
            self.stages.append(stage)
            self._upload(stage, triples)

    def _upload(self, stage: str, triples: list[ox.Triple]) -> None:
        triples = [ox.Triple(t.subject, ox.NamedNode(STAGED + t.predicate.value), t.object) for t in triples]
        if self.client.endpoints.gsp is not None:
            body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
            self.client.post_graph(stage, body, timeout=self.timeout)
            return
        chunk: list[str] = []
        size = 0
        for t in triples:
            line = f"{t.subject} {t.predicate} {t.object} ."
            if chunk and (len(chunk) >= STAGE_QUADS or size + len(line) > STAGE_BYTES):
                self._insert(stage, chunk)
                chunk, size = [], 0
            chunk.append(line)
            size += len(line)
        if chunk:
            self._insert(stage, chunk)

    def _insert(self, stage: str, lines: list[str]) -> None:
        body = "\n".join(lines)
        self.client.update(f"INSERT DATA {{ GRAPH <{stage}> {{\n{body}\n}} }}", timeout=self.timeout)

    def operation(self) -> str:
        """The one update operation that switches the staged quads in, and keeps the store's
        count of quads (those of ``add`` not there before, of ``remove`` there, and the spool's)."""
        pairs = {
            kind: " ".join(f"(<{stage}> <{g}>)" for k, g, stage, _ in self.parts if k == kind)
            for kind in ("remove", "add", "fresh")
        }
        pairs["added"] = " ".join(x for x in (pairs["add"], pairs["fresh"]) if x)

        def staged(kind: str, v: str) -> str:
            return (
                f"VALUES (?{v}stage ?{v}g) {{ {pairs[kind]} }} GRAPH ?{v}stage {{ ?{v}s ?{v}sp ?{v}o }}"
                f" BIND (IRI(SUBSTR(STR(?{v}sp), {len(STAGED) + 1})) AS ?{v}p)"
            )

        def counted(kind: str, v: str, test: str) -> str:
            if not pairs[kind]:
                return f"BIND (0 AS ?{v}n)"
            return (
                f"{{ SELECT (COUNT(*) AS ?{v}n) WHERE {{ {staged(kind, v)}"
                f" FILTER {test} {{ GRAPH ?{v}g {{ ?{v}s ?{v}p ?{v}o }} }} }} }}"
            )

        branches = [
            f"{{ OPTIONAL {{ GRAPH <{REGISTER}> {{ {_STORE} {_COMMITS} ?count }} }}"
            f" OPTIONAL {{ GRAPH <{REGISTER}> {{ {_STORE} {_AT} ?at }} }}"
            f" OPTIONAL {{ GRAPH <{REGISTER}> {{ {_STORE} {_LAST} ?last }} }}"
            f" OPTIONAL {{ GRAPH <{REGISTER}> {{ {_STORE} {_QUADS} ?quads }} }}"
            f" {counted('add', 'x', 'NOT EXISTS')} {counted('remove', 'y', 'EXISTS')}"
            " BIND (COALESCE(?count, 0) + 1 AS ?next)"
            f" BIND (?quads + ?xn + {self.fresh_quads} - ?yn AS ?size) }}"
        ]
        if pairs["remove"]:
            branches.append(f"{{ {staged('remove', 'r')} }}")
        if pairs["added"]:
            branches.append(f"{{ {staged('added', 'a')} }}")
        if self.dropped:
            branches.append(f"{{ VALUES ?gone {{ {' '.join(f'<{g}>' for g in self.dropped)} }} }}")
        if self.records:
            branches.append(f"{{ VALUES ?new {{ {' '.join(f'<{g}>' for g in self.records)} }} }}")
        now = round(time.time() * 1000)
        return (
            f"DELETE {{ {self._ticket_triple()} GRAPH ?rg {{ ?rs ?rp ?ro }} "
            f"GRAPH <{REGISTER}> {{ {_STORE} {_COMMITS} ?count . "
            f"{_STORE} {_AT} ?at . {_STORE} {_LAST} ?last . {_STORE} {_QUADS} ?quads . "
            f"{_STORE} {_GRAPH} ?gone }} }}\n"
            f"INSERT {{ GRAPH ?ag {{ ?as ?ap ?ao }} GRAPH <{REGISTER}> {{ {_STORE} {_COMMITS} ?next . "
            f"{_STORE} {_QUADS} ?size . "
            f'{_STORE} {_AT} {now} . {_STORE} {_LAST} "{self.id}" . {_STORE} {_GRAPH} ?new }} }}\n'
            f"WHERE {{ {self._ticket_triple()}\n" + "\n UNION ".join(branches) + "\n}"
        )

    def _ticket_triple(self) -> str:
        return f"GRAPH <{self.ticket}> {{ <urn:claimgraph:commit:{self.id}> {_TICKET} true }}"

    def _switch(self) -> None:
        try:
            self.client.update(self.operation(), timeout=self.timeout)
        except (QueryTimeout, ConnectionLost) as exc:
            # No answer: the server may be running the operation, or may never have got it.
            self._settle(exc)
            return
        except (QueryError, StoreError) as exc:
            # The server answered that the operation failed: its transaction wrote nothing.
            raise StoreError(f"write failed, nothing was written: {exc}") from None
        if self.store._marker_row()[2] != self.id:
            raise StoreError(
                "write failed, nothing was written: the commit's staged data was removed before it "
                "was switched in (another process cleaning the server?)"
            )

    def _settle(self, failure: Exception) -> None:
        """After a switch that got no answer: withdraw its ticket, then watch whether it applied.

        Withdrawing the ticket keeps a switch the server has not started from ever applying.
        One it is running cannot be stopped (Oxigraph server lets it commit beside the
        withdrawal), but it is one operation: it applies whole. So the answer is the truth
        as far as it can be known: applied (no error), or not applied within
        :data:`SETTLE` seconds, and whole either way.
        """
        allowance = self.store.options.write_timeout  # a fresh one: the commit's may be what ran out
        try:
            self.client.update(f"DELETE DATA {{ {self._ticket_triple()} }}", timeout=allowance)
            watch_until = time.monotonic() + SETTLE
            while self.store._marker_row()[2] != self.id:
                if time.monotonic() > watch_until:
                    break
                time.sleep(0.2)
            else:
                return  # it applied, whole
        except (StoreError, QueryError, QueryTimeout) as exc:
            raise StoreError(
                f"the commit got no answer ({failure}) and the server does not answer now ({exc}); it is "
                "one operation, applied whole or not at all: check the store (claimgraph stats) before "
                "writing again"
            ) from None
        raise StoreError(
            f"the commit got no answer ({failure}); it was withdrawn and had not been applied {SETTLE:g} s "
            "later, so nothing was written unless the server was already running it, in which case it "
            "applies whole (one operation): check the store (claimgraph stats) before writing again"
        )

    def _clean(self) -> None:
        if not self.stages:
            return
        drops = " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in self.stages)
        # Staging graphs are outside claimgraph's graphs: left over, they are never read.
        with contextlib.suppress(StoreError, QueryError, QueryTimeout):
            self.client.update(drops, timeout=self.store.options.write_timeout)


# ---------------------------------------------------------------- helpers


def _iri(term: Node | str) -> str:
    return f"<{term}>"


def _ox_quad(q: Quad) -> ox.Quad:
    return ox.Quad(to_ox(q[0]), to_ox(q[1]), to_ox(q[2]), to_ox(q[3] if len(q) > 3 else None))


def _spooled(spool: Spool) -> Iterator[ox.Quad]:
    path = spool.finish()
    if path is not None:
        yield from ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS)
        return
    for graph, text in spool.blocks():
        name = ox.NamedNode(str(graph))
        for t in ox.parse(text.encode(), format=ox.RdfFormat.N_TRIPLES):
            yield ox.Quad(t.subject, t.predicate, t.object, name)


def _graph_iri(q: ox.Quad) -> str:
    return DEFAULT_GRAPH if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name.value


def _by_graph(quads: list[ox.Quad]) -> dict[str, list[ox.Triple]]:
    groups: dict[str, list[ox.Triple]] = defaultdict(list)
    for q in quads:
        groups[_graph_iri(q)].append(ox.Triple(q.subject, q.predicate, q.object))
    return dict(groups)


_FORMS = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "graph", "DESCRIBE": "graph"}


def query_form(sparql: str) -> str | None:
    """The kind of answer a query gives: ``select``, ``ask`` or ``graph`` (None: no query form found).

    >>> query_form("PREFIX e: <http://e/> # SELECT\\nCONSTRUCT WHERE { ?s e:p ?o }")
    'graph'
    """
    for tok in tokens(sparql):
        if tok.kind == "word" and tok.text.upper() in _FORMS:
            return _FORMS[tok.text.upper()]
    return None


def _check_syntax(sparql: str, base_iri: str | None) -> str:
    """Parse the query here (the embedded store's parser and messages); its answer kind.

    Parsing is evaluation started but not run (answers are lazy), on an empty store; only
    ASK is evaluated at once, which costs nothing there but would call a SERVICE, so a
    query with one is left to the server to parse.
    """
    form = query_form(sparql)
    if form == "ask" and any(t.kind == "word" and t.text.upper() == "SERVICE" for t in tokens(sparql)):
        return form
    try:
        parsed = ox.Store().query(sparql, base_iri=base_iri)
    except SyntaxError as exc:
        raise QueryError(f"SPARQL syntax error: {exc}") from None
    except OSError as exc:
        raise StoreError(str(exc)) from None
    if isinstance(parsed, ox.QueryBoolean):
        return "ask"
    return "select" if isinstance(parsed, ox.QuerySolutions) else "graph"


def _based(sparql: str, base_iri: str | None) -> str:
    """The query as the server gets it: with the base as ``BASE``."""
    return f"BASE <{base_iri}> {sparql}" if base_iri else sparql


def _accept(kind: str) -> str:
    return N_TRIPLES if kind == "graph" else JSON_RESULTS


def _cut(at: int, max_rows: int | None = None) -> ResultTooLarge:
    limit = f"; this server returns at most {max_rows}" if max_rows is not None else ""
    return ResultTooLarge(
        f"the answer has more than {at} rows: the SPARQL server cut it there (its own result limit, "
        f"e.g. Virtuoso's ResultSetMaxRows), and a cut answer is never passed on{limit}"
    )


#: The variable of Virtuoso 7's answer to ASK: a SELECT with one row (1) for true, none for false.
ASK_VARIABLE = "__ASK_RETVAL"
XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"


@dataclass
class Results:
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


def read_results(response: Response) -> Results:
    """SPARQL 1.1 JSON results, read exactly (every literal's lexical form as sent).

    Virtuoso writes an ``xsd:boolean`` in JSON as ``1`` or ``0`` (it keeps booleans as
    numbers; its XML and N-Triples say ``true`` and ``false``): read so from a server that
    names itself Virtuoso.

    :raises StoreError: for an answer in another format, or one that does not parse.
    """
    if response.media_type not in (JSON_RESULTS, "application/json"):
        response.close()
        raise StoreError(f"the SPARQL server answered in {response.media_type!r}, not SPARQL JSON results")
    source = response.stream.read() if response.stream is not None else response.body
    try:
        data = json.loads(source)
    except (ValueError, UnicodeDecodeError) as exc:
        raise StoreError(f"the SPARQL server's JSON results do not parse: {exc}") from None
    if "boolean" in data:
        return Results([], [], bool(data["boolean"]))
    virtuoso = "virtuoso" in response.headers.get("Server", "").lower()
    try:
        variables = list(data.get("head", {}).get("vars", []))
        rows = [
            {name: _json_term(value, virtuoso) for name, value in binding.items()}
            for binding in data["results"]["bindings"]
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise StoreError(f"the SPARQL server's JSON results are not SPARQL results: {exc!r}") from None
    return Results(variables, rows)


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


def read_triples(response: Response) -> Iterator[ox.Triple]:
    """The triples of a CONSTRUCT or DESCRIBE answer, in the RDF format the server declares."""
    source = response.stream if response.stream is not None else response.body
    try:
        fmt = formats.by_media_type(response.media_type or N_TRIPLES, "graph")
    except LookupError:
        response.close()
        raise StoreError(
            f"the SPARQL server answered in {response.media_type!r}, which claimgraph cannot read"
        ) from None
    try:
        for q in ox.parse(source, rdf_format(fmt)):
            yield ox.Triple(q.subject, q.predicate, q.object)
    except SyntaxError as exc:
        raise StoreError(f"the SPARQL server's answer does not parse as {fmt.media_type}: {exc}") from None


def _boolean_body(value: bool, fmt: ox.QueryResultsFormat) -> bytes:
    """An ASK answer written in ``fmt`` (pyoxigraph makes booleans only by parsing them)."""
    data = b'{"head":{},"boolean":%s}' % (b"true" if value else b"false")
    return ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON).serialize(format=fmt)

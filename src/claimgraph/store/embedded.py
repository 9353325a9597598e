"""The embedded store: pyoxigraph in a folder (or in memory, for tests and dry runs).

One writer at a time, readers beside no writer (a lock on the folder); a commit is one
transaction, or, past :data:`claimgraph.store.spool.BULK_QUADS` new quads, the engine's
bulk loader under a journal that the next opening rolls back if the process died
(:meth:`OxigraphStore.apply`). Each commit advances the commit marker kept in the folder.

>>> from rdflib import Literal, Namespace
>>> E = Namespace("http://example.org/")
>>> store = OxigraphStore(MEMORY)
>>> store.apply(add=[(E.s, E.p, Literal(1), E.g)])
>>> store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0]["n"].toPython(), store.commit_marker().count
(1, 1)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from .. import formats
from ..errors import QueryError, StoreError, write_failed
from ..rdf.results import QueryResult, kind_of, read_answer, results_format, write_answer
from ..rdf.terms import ANY, DEFAULT, Quad, ox_quad, rdflib_quad, to_ox
from ..sparqltext import Dataset
from .dryrun import dry_run
from .dumps import dump_engine
from .folder import LOCK_FILE, read_commit_marker, remove_old_logs, write_commit_marker
from .opening import open_engine
from .protocol import MEMORY, UNION, CommitMarker, DryRun
from .spool import Spool
from .transactions import JOURNAL_GRAPH, bulk_commit, delete_insert

__all__ = ["JOURNAL_GRAPH", "LOCK_FILE", "OxigraphStore"]


class OxigraphStore:
    """The embedded store: pyoxigraph on disk (or in memory for tests)."""

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False) -> None:
        if isinstance(path, str) and path.startswith(("http://", "https://")):
            # Path() would make a folder named after the URL.
            raise StoreError(
                f"{path} is a SPARQL server, not a folder: open it with claimgraph.store.open_store"
            )
        self.path = None if path in (None, MEMORY) else Path(path)
        self.read_only = read_only
        self._lock: Any = None
        self._marker: CommitMarker | None = None
        self._unrecorded: OSError | None = None  # the marker of a commit that its file does not hold yet
        if self.path is None:
            self._store = ox.Store()
            return
        self._store, self._lock, self._marker = open_engine(self.path, read_only=read_only)

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    @classmethod
    def _wrapping(cls, raw: ox.Store) -> OxigraphStore:
        """A store object around a pyoxigraph store of this module's own (no folder, no lock)."""
        store = cls.__new__(cls)
        store.path, store.read_only, store._lock, store._store = None, False, None, raw
        store._marker, store._unrecorded = None, None
        return store

    @property
    def raw(self) -> ox.Store:
        """The pyoxigraph store, for code in this layer that needs its serialisers."""
        return self._store

    def query(self, sparql: str, *, base_iri: str | None = None) -> QueryResult:
        """Run a SPARQL query over the union of the store's graphs; its whole answer as rdflib terms.

        :raises QueryError: on a syntax error, with the parser's message.
        """
        return read_answer(self._run_query(sparql, dataset=UNION, base_iri=base_iri))

    def _run_query(self, sparql: str, *, dataset: Dataset | None, base_iri: str | None) -> Any:
        """pyoxigraph's lazy answer; ``dataset`` None: the store's own default graph."""
        kwargs: dict[str, Any] = {"base_iri": base_iri}
        if dataset is None:
            kwargs["use_default_graph_as_union"] = False
        elif dataset.default_graphs is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in dataset.default_graphs]
        else:
            kwargs["use_default_graph_as_union"] = True
        if dataset is not None and dataset.named_graphs is not None:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in dataset.named_graphs]
        try:
            return self._store.query(sparql, **kwargs)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from None
        except OSError as exc:
            raise StoreError(str(exc)) from None

    def dry_run(
        self,
        sparql: str,
        *,
        graphs: Iterable[URIRef] | None = None,
        base_iri: str | None = None,
        memory_limit: int | None = None,
        timeout: float | None = None,
    ) -> DryRun:
        """Run a SPARQL Update on a throw-away copy of the store; this store is not changed.

        :param graphs: the named graphs the update can read or write (with the default
            graph); only they are copied and compared, so the run costs what they hold.
            None: every graph.
        :param timeout: with a store on disk, the update runs in a child process on a
            checkpoint of the store (hard links), killed when the time is up: an update,
            like a query, cannot be stopped inside pyoxigraph.
        :raises QueryError: on a syntax error or a failing operation.
        :raises QueryTimeout: when the update runs past ``timeout`` seconds.

        >>> from rdflib import Literal, Namespace
        >>> E, store = Namespace("http://example.org/"), OxigraphStore(MEMORY)
        >>> store.apply(add=[(E.s, E.p, Literal(1), None)])
        >>> run = store.dry_run("DELETE WHERE { ?s ?p 1 } ; INSERT DATA { <http://e/s> <http://e/p> 2 }")
        >>> [q[2].toPython() for q in run.removed], [q[2].toPython() for q in run.added]
        ([1], [2])
        >>> store.dry_run("CREATE GRAPH <http://e/g>", graphs=[URIRef("http://e/g")]).created
        [rdflib.term.URIRef('http://e/g')]
        >>> [q[2].toPython() for q in store.quads()]
        [1]
        """
        return dry_run(
            self._store,
            self.path,
            sparql,
            graphs=graphs,
            base_iri=base_iri,
            memory_limit=memory_limit,
            timeout=timeout,
        )

    def apply(
        self,
        *,
        remove: Iterable[Quad] = (),
        add: Iterable[Quad] = (),
        create: Iterable[URIRef] = (),
        drop: Iterable[URIRef] = (),
        spool: Spool | None = None,
    ) -> None:
        """Remove quads, add quads, create and drop named graphs, and add the graphs of
        ``spool``, committed whole or not at all.

        A dropped graph must be emptied by ``remove`` in the same call (quads are
        named by value, so the caller knows what it removes); blank nodes cannot be
        named by value and are refused. The graphs of ``spool`` must be new to the store.

        Everything is one transaction, unless the spool holds more than :data:`BULK_QUADS`
        quads: then its graphs are written by the engine's bulk loader (a transaction that
        large would not fit in memory), journaled, and the rest follows in one transaction
        that also closes the journal. If anything fails, the new graphs are dropped again;
        if the process dies in between, the next opening of the store for writing drops
        them (:mod:`.transactions`). The store is locked for its one writer meanwhile,
        so no reader ever sees half a commit.

        :raises StoreError: when the store cannot be written; nothing is written then.
        """
        removing = [ox_quad(q) for q in remove]
        adding = [ox_quad(q) for q in add]
        creating = [ox.NamedNode(str(g)) for g in create]
        dropping = [ox.NamedNode(str(g)) for g in drop]
        if any(isinstance(t, ox.BlankNode) for q in removing + adding for t in (q.subject, q.object)):
            raise StoreError("cannot write quads with blank nodes: skolemize them first")
        if self.read_only:
            raise StoreError("the store was opened read-only")
        if spool is not None and spool.bulk:
            bulk_commit(self._store, spool, delete_insert(removing, adding, creating, dropping), self.path)
        else:
            fresh = spool.blocks() if spool is not None else []
            try:
                if not (removing or creating or dropping or fresh):
                    self._store.extend(adding)
                else:
                    self._store.update(delete_insert(removing, adding, creating, dropping, fresh))
            except (OSError, RuntimeError) as exc:
                raise write_failed(exc, self.path) from None
        self._advance_marker()

    def writing(self) -> AbstractContextManager[None]:
        """Nothing to take: the lock on the folder keeps every other writer out already."""
        return nullcontext()

    def spool(self) -> Spool:
        """A spool for the new graphs of one commit; a large one is kept beside the store."""
        return Spool(self.path.parent if self.path is not None else None)

    def quads(
        self,
        graph: Node | None = ANY,
        *,
        subject: Node | None = None,
        predicate: Node | None = None,
        object: Node | None = None,
        exact: bool = False,
    ) -> Iterator[Quad]:
        """The quads of ``graph`` (:data:`ANY` or None: of every graph; :data:`DEFAULT`: of the default graph)
        with the subject, predicate and object given.

        :param exact: keep literals' lexical forms (see :func:`from_ox`), so that the
            quads name the stored ones and can be removed by value.

        >>> from rdflib import Literal, Namespace
        >>> E, store = Namespace("http://example.org/"), OxigraphStore(MEMORY)
        >>> store.apply(add=[(E.s, E.p, Literal(1), None), (E.t, E.p, Literal(1), E.g)])
        >>> [str(q[0]) for q in store.quads(subject=E.t, predicate=E.p)]
        ['http://example.org/t']
        """
        pattern = [to_ox(t) if t is not None else None for t in (subject, predicate, object)]
        if graph is DEFAULT:
            graph_name: Any = ox.DefaultGraph()
        else:
            graph_name = to_ox(graph) if graph is not None and graph is not ANY else None
        for q in self._store.quads_for_pattern(*pattern, graph_name):
            yield rdflib_quad(q, exact=exact)

    def graph_names(self) -> list[URIRef]:
        return sorted(URIRef(g.value) for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def has_graph(self, graph: URIRef) -> bool:
        """Whether the store holds the named graph ``graph`` (empty or not)."""
        return self._store.contains_named_graph(ox.NamedNode(str(graph)))

    def dump(
        self,
        *,
        format: str,
        graph: URIRef | None = None,
        default_graph: bool = False,
        prefixes: dict[str, str] | None = None,
        skolem: str | None = None,
    ) -> bytes:
        """The store, or one of its graphs, serialised by the engine.

        :param format: a format name of :mod:`claimgraph.formats`.
        :param graph: this named graph only; ``default_graph``: the default graph only;
            neither: the whole dataset (a format with named graphs).
        :param prefixes: prefix → namespace, for the formats that abbreviate.
        :param skolem: the prefix of the skolem IRIs that stand for blank nodes uploaded
            (written as blank nodes again, as the client sent them).
        :raises ValueError: when the format cannot carry what is asked (a graph format for a dataset).

        >>> from rdflib import Literal, Namespace
        >>> E, store = Namespace("http://example.org/"), OxigraphStore(MEMORY)
        >>> store.apply(add=[(E.s, E.p, Literal(1), E.g)])
        >>> store.dump(format="nt", graph=E.g)
        b'<http://example.org/s> <http://example.org/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .\\n'
        """
        return dump_engine(
            self._store,
            format=format,
            graph=graph,
            default_graph=default_graph,
            prefixes=prefixes,
            skolem=skolem,
        )

    def answer(
        self,
        sparql: str,
        *,
        choose: Callable[[str], str],
        max_rows: int,
        dataset: Dataset = UNION,
        base_iri: str | None = None,
    ) -> tuple[str, bytes]:
        """Run a query and serialise its answer, reading at most ``max_rows`` of it.

        :param choose: answer kind (``select``, ``ask``, ``graph``) → the name of the
            format (:mod:`claimgraph.formats`) to write it in; it may raise.
        :returns: the answer's kind and its bytes.
        :raises QueryError: on a syntax error.
        :raises ResultTooLarge: when the answer has more than ``max_rows`` rows (or
            triples); it is refused, never silently cut.
        :raises NotAcceptable: when the chosen format cannot write this answer (JSON-LD
            and RDF/XML cannot write RDF 1.2 triple terms).

        >>> from rdflib import Literal, Namespace
        >>> E, store = Namespace("http://example.org/"), OxigraphStore(MEMORY)
        >>> store.apply(add=[(E.s, E.p, Literal(52), None)])
        >>> store.answer("SELECT ?o WHERE { ?s ?p ?o }", choose=lambda kind: "csv", max_rows=10)
        ('select', b'o\\r\\n52\\r\\n')
        """
        raw = self._run_query(sparql, dataset=dataset, base_iri=base_iri)
        kind = kind_of(raw)
        fmt = formats.by_name(choose(kind), kind)
        if kind == "ask":
            return kind, raw.serialize(format=results_format(fmt))
        variables = [v.value for v in raw.variables] if kind == "select" else []
        return kind, write_answer(kind, fmt, max_rows=max_rows, variables=variables, items=raw)

    def commit_marker(self) -> CommitMarker:
        """The last commit: recorded in the store's folder by each commit (:meth:`apply`).

        :raises StoreError: when the last commit's marker could not be recorded in the folder
            (a full disk after the commit), and still cannot: the commit stands.
        """
        if self._marker is None:
            self._marker = read_commit_marker(str(self.path) if self.path is not None else MEMORY)
        elif self._unrecorded is not None:
            self._record_marker()
            if self._unrecorded is not None:
                raise write_failed(
                    self._unrecorded,
                    self.path,
                    outcome="the write is committed, but its commit marker was not recorded",
                )
        return self._marker

    def _advance_marker(self) -> None:
        """After a commit: the next marker, kept here even when its file cannot be written
        (the commit stands; :meth:`commit_marker` says so and tries again)."""
        self._marker = self.commit_marker().next(at=time.time())
        self._record_marker()

    def _record_marker(self) -> None:
        assert self._marker is not None
        try:
            if self.path is not None:
                write_commit_marker(str(self.path), self._marker)
            self._unrecorded = None
        except OSError as exc:
            self._unrecorded = exc

    def __len__(self) -> int:
        return len(self._store)

    def typed(self, cls: str, graph: str | None = None) -> int:
        """How many quads ``?x rdf:type <cls>`` the store holds (in its named graph ``graph``),
        read off the engine's index."""
        name = None if graph is None else ox.NamedNode(str(graph))
        pattern = self._store.quads_for_pattern(None, ox.NamedNode(str(RDF.type)), ox.NamedNode(cls), name)
        return sum(1 for _ in pattern)

    def graph_count(self) -> int:
        """How many named graphs the store holds."""
        return sum(1 for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def distinct_objects(self, predicate: str) -> int:
        """How many distinct objects ``predicate`` has in the store (read off the engine's index)."""
        return len(
            {q.object for q in self._store.quads_for_pattern(None, ox.NamedNode(predicate), None, None)}
        )

    def flush(self) -> None:
        """Write what the engine holds in memory to its files (what is committed is in its log already).

        :raises StoreError: (:class:`NoSpace` when the device is full) saying the commits stand.
        """
        if self.path is not None and not self.read_only:
            try:
                self._store.flush()
            except OSError as exc:
                raise write_failed(
                    exc,
                    self.path,
                    outcome="what was committed stands (in the engine's log), but it was not flushed",
                ) from None

    def close(self) -> None:
        """Flush and close; the lock on the folder is released (also when the flush fails)."""
        try:
            if hasattr(self, "_store"):
                self.flush()
        finally:
            if self.__dict__.pop("_store", None) is not None and self.path is not None and not self.read_only:
                remove_old_logs(self.path)
            self._release()

"""The only code that touches the RDF store.

The interface is narrow on purpose (query, update, atomic apply, read quads,
dump) so that a remote SPARQL 1.1 server can stand in for the embedded one.
Terms cross it as rdflib terms; pyoxigraph stays inside. The embedded store
can also dry-run an update on a throw-away copy (:meth:`OxigraphStore.dry_run`),
which guarded writes need, and this module parses RDF uploads
(:func:`parse_upload`), refusing anything that would make the parser fetch or
expand something.

>>> store = open_store(":memory:")
>>> from rdflib import URIRef, Literal
>>> g = URIRef("http://example.org/g")
>>> store.apply(add=[(URIRef("http://example.org/s"), URIRef("http://example.org/p"), Literal(1), g)])
>>> store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0]["n"].toPython()
1
"""

from __future__ import annotations

import fcntl
import json
import multiprocessing
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Protocol, cast

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from . import formats
from .errors import (
    BadRdf,
    NoSpace,
    NotAcceptable,
    QueryError,
    QueryTimeout,
    ResultTooLarge,
    StoreError,
    UnsupportedFormat,
    write_failed,
)
from .nesting import check_depth
from .sparqltext import Dataset

Quad = tuple[Node, Node, Node, Node | None]
Triple = tuple[Node, Node, Node]


class _DefaultGraph:
    """Names the default graph alone where None means every graph (:meth:`OxigraphStore.quads`)."""

    def __repr__(self) -> str:
        return "DEFAULT"


DEFAULT = _DefaultGraph()

MEMORY = ":memory:"
#: The dataset of a query that names none: the union of every graph as the default graph.
UNION = Dataset()
LOCK_FILE = "claimgraph.lock"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

#: Stores with fewer quads than this are copied in memory for a dry run; larger
#: ones are checkpointed on disk (hard links, so the copy costs little).
MEMORY_COPY_LIMIT = 100_000


@dataclass
class QueryResult:
    """A query's answer: ``kind`` is ``"select"``, ``"ask"`` or ``"graph"``."""

    kind: str
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, Node]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[tuple[Node, Node, Node]] = field(default_factory=list)


class Store(Protocol):
    """What claimgraph needs of a store; :class:`OxigraphStore` is the embedded one."""

    def query(
        self, sparql: str, *, union_default_graph: bool = True, base_iri: str | None = None
    ) -> QueryResult: ...

    def answer(
        self,
        sparql: str,
        *,
        choose: Callable[[str], str],
        max_rows: int,
        dataset: Dataset = ...,
        base_iri: str | None = None,
    ) -> tuple[str, bytes]: ...

    def dump(
        self,
        *,
        format: str,
        graph: URIRef | None = None,
        default_graph: bool = False,
        prefixes: dict[str, str] | None = None,
        skolem: str | None = None,
    ) -> bytes: ...

    def update(self, sparql: str) -> None: ...

    def apply(
        self,
        *,
        remove: Iterable[Quad] = (),
        add: Iterable[Quad] = (),
        create: Iterable[URIRef] = (),
        drop: Iterable[URIRef] = (),
        spool: Spool | None = None,
    ) -> None: ...

    def spool(self) -> Spool: ...

    def dry_run(
        self,
        sparql: str,
        *,
        graphs: Iterable[URIRef] | None = None,
        base_iri: str | None = None,
        timeout: float | None = None,
    ) -> DryRun: ...

    def quads(
        self,
        graph: URIRef | None = None,
        *,
        subject: Node | None = None,
        predicate: Node | None = None,
        object: Node | None = None,
        exact: bool = False,
    ) -> Iterator[Quad]: ...

    def graph_names(self) -> list[URIRef]: ...

    def has_graph(self, graph: URIRef) -> bool: ...

    def __len__(self) -> int: ...

    def close(self) -> None: ...


def to_ox(term: Node | None) -> Any:
    """An rdflib term as a pyoxigraph term (None is the default graph)."""
    if term is None:
        return ox.DefaultGraph()
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise StoreError(f"cannot store term {term!r}")


def from_ox(term: Any, *, exact: bool = False) -> Node | None:
    """A pyoxigraph term as an rdflib term (the default graph becomes None).

    :param exact: keep a typed literal's lexical form as it is; rdflib would
        otherwise normalise it (``"01"^^xsd:integer`` becomes ``"1"``), and the
        term would no longer name the one in the store.
    """
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == XSD_STRING:
            return Literal(term.value)  # RDF 1.1: a simple literal is an xsd:string
        return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False if exact else None)
    if isinstance(term, ox.DefaultGraph):
        return None
    raise StoreError(f"cannot read term {term!r}")


def _ox_quad(q: Quad) -> ox.Quad:
    return ox.Quad(to_ox(q[0]), to_ox(q[1]), to_ox(q[2]), to_ox(q[3] if len(q) > 3 else None))


def rdflib_quad(q: ox.Quad, *, exact: bool = False) -> Quad:
    """A pyoxigraph quad as rdflib terms (see :func:`from_ox`)."""
    return (
        from_ox(q.subject, exact=exact),
        from_ox(q.predicate, exact=exact),
        from_ox(q.object, exact=exact),
        from_ox(q.graph_name, exact=exact),
    )


def sparql_term(term: Node) -> str:
    """An rdflib term written as in SPARQL ``INSERT DATA`` (and N-Triples).

    >>> sparql_term(URIRef("http://e/s")), sparql_term(BNode("b1")), sparql_term(Literal("a\\nb", lang="en"))
    ('<http://e/s>', '_:b1', '"a\\\\nb"@en')
    """
    return str(to_ox(term))


def absolute_iri(text: str) -> str:
    """``text``, when it is an absolute IRI.

    :raises ValueError: when it is not, with the parser's message.

    >>> absolute_iri("http://e/g")
    'http://e/g'
    """
    return ox.NamedNode(text).value


def update_parses(sparql: str, *, base_iri: str | None = None) -> bool:
    """Whether ``sparql`` parses as a SPARQL Update.

    It is run on an empty store in memory, where running it costs nothing; an
    operation that fails there (``CREATE GRAPH`` twice) still parses.

    >>> update_parses("CREATE GRAPH <http://e/g> ; CREATE GRAPH <http://e/g>")
    True
    >>> update_parses("INSERT DATA { <http://e/s> ")
    False
    """
    try:
        ox.Store().update(sparql, base_iri=base_iri)
    except SyntaxError:
        return False
    except RuntimeError:
        pass
    return True


@dataclass
class DryRun:
    """What an update run on a throw-away copy of a store did: the quads it removed and
    added (rdflib terms, literals exactly as stored), the named graphs it created and
    dropped, within the graphs it was allowed to touch."""

    removed: list[Quad]
    added: list[Quad]
    created: list[URIRef] = field(default_factory=list)
    dropped: list[URIRef] = field(default_factory=list)


#: A commit whose new graphs hold more quads than this is written by the engine's bulk
#: loader (journaled, see :meth:`OxigraphStore.apply`); a smaller one in one transaction.
BULK_QUADS = 100_000
#: The graph that lists the new graphs of a bulk commit under way (empty otherwise).
JOURNAL_GRAPH = "urn:claimgraph:journal"
_CREATES = "urn:claimgraph:creates"


class Spool:
    """Graphs new to the store, each written whole, gathered for one commit.

    The write path adds each graph as N-Triples text while it validates it, and
    commits them with ``store.apply(..., spool=spool)``: nothing reaches the store
    before. Past :data:`BULK_QUADS` quads the text goes to a temporary N-Quads file
    (in ``folder``), so that memory stays bounded however large the load.

    >>> spool = Spool(None)
    >>> spool.add(URIRef("http://e/g"), "<http://e/s> <http://e/p> <http://e/o> .\\n", 1)
    >>> spool.graphs, spool.quads
    ([rdflib.term.URIRef('http://e/g')], 1)
    >>> spool.close()
    """

    def __init__(self, folder: Path | None, *, memory_quads: int | None = None) -> None:
        self.folder = folder
        self.memory_quads = BULK_QUADS if memory_quads is None else memory_quads
        self.graphs: list[URIRef] = []
        self.quads = 0
        self._blocks: list[tuple[URIRef, str]] = []
        self._file: Any = None
        self.path: Path | None = None

    def add(self, graph: URIRef, ntriples: str, quads: int) -> None:
        """Add a graph new to the store: its triples as N-Triples text (one per line), and how many."""
        self.graphs.append(graph)
        self.quads += quads
        if self._file is None and self.quads <= self.memory_quads:
            self._blocks.append((graph, ntriples))
            return
        if self._file is None:
            handle, name = tempfile.mkstemp(prefix=".claimgraph-spool-", suffix=".nq", dir=self.folder)
            self.path = Path(name)
            self._file = open(handle, "w", encoding="utf-8")  # noqa: SIM115 - closed by close()
            for name_, text in self._blocks:
                self._file.write(_as_nquads(name_, text))
            self._blocks = []
        self._file.write(_as_nquads(graph, ntriples))

    @property
    def bulk(self) -> bool:
        """Whether the spool went to a file (too large for one transaction)."""
        return self._file is not None

    def blocks(self) -> list[tuple[URIRef, str]]:
        """The graphs and their text, while the spool is in memory."""
        return list(self._blocks)

    def finish(self) -> Path | None:
        """Close the file (if any) for reading; its path."""
        if self._file is not None and not self._file.closed:
            self._file.close()
        return self.path

    def close(self) -> None:
        """Forget what was spooled (the file is deleted)."""
        self.finish()
        if self.path is not None:
            self.path.unlink(missing_ok=True)
        self._blocks = []


def _as_nquads(graph: URIRef, ntriples: str) -> str:
    # Every line of N-Triples ends in " ." and a newline, and a newline never occurs
    # inside a term (it is escaped), so the graph goes before each line's end.
    return ntriples.replace(" .\n", f" <{graph}> .\n")


class OxigraphStore:
    """The embedded store: pyoxigraph on disk (or in memory for tests)."""

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False) -> None:
        if isinstance(path, str) and path.startswith(("http://", "https://")):
            # Path() would make a folder named after the URL.
            raise StoreError(f"{path} is a SPARQL server, not a folder: open it with claimgraph.backends")
        self.path = None if path in (None, MEMORY) else Path(path)
        self.read_only = read_only
        self._lock: Any = None
        try:
            if self.path is None:
                self._store = ox.Store()
                return
            self.path.mkdir(parents=True, exist_ok=True)
            _check_folder(self.path)
            self._lock = _take_lock(self.path, shared=read_only)
            if read_only and not (self.path / "CURRENT").is_file():
                # An empty folder: make it an empty store, so that a reader finds one.
                ox.Store(str(self.path)).flush()
            if read_only:
                self._store = ox.Store.read_only(str(self.path))
            else:
                self._store = ox.Store(str(self.path))
                self._roll_back_journal()
        except OSError as exc:
            self._release()
            if isinstance(write_failed(exc, self.path), NoSpace):
                raise write_failed(exc, self.path, outcome="it cannot be opened") from None
            raise StoreError(f"cannot open the store at {self.path}: {exc}") from None

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    @classmethod
    def _wrapping(cls, raw: ox.Store) -> OxigraphStore:
        """A store object around a pyoxigraph store of this module's own (no folder, no lock)."""
        store = cls.__new__(cls)
        store.path, store.read_only, store._lock, store._store = None, False, None, raw
        return store

    @property
    def raw(self) -> ox.Store:
        """The pyoxigraph store, for code in this layer that needs its serialisers."""
        return self._store

    def query(
        self,
        sparql: str,
        *,
        union_default_graph: bool = True,
        base_iri: str | None = None,
    ) -> QueryResult:
        """Run a SPARQL query and read its whole answer as rdflib terms.

        :param union_default_graph: the default graph is the union of all graphs
            (else the store's own default graph).
        :raises QueryError: on a syntax error, with the parser's message.
        """
        dataset = Dataset() if union_default_graph else None
        return read_answer(self._run_query(sparql, dataset=dataset, base_iri=base_iri))

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

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Run a SPARQL update in one transaction: all or nothing.

        :raises QueryError: on a syntax error, or an operation that fails (``CREATE GRAPH`` of a graph that exists).
        :raises StoreError: when the store cannot be written.
        """
        try:
            self._store.update(sparql, base_iri=base_iri)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from None
        except RuntimeError as exc:
            raise QueryError(f"the update failed: {exc}") from None
        except OSError as exc:
            raise StoreError(f"write failed, nothing was written: {exc}") from None

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
        :raises QueryError: on a syntax error or a failing operation, as :meth:`update`.
        :raises QueryTimeout: when the update runs past ``timeout`` seconds.

        >>> store = open_store(":memory:")
        >>> store.update("INSERT DATA { <http://e/s> <http://e/p> 1 }")
        >>> run = store.dry_run("DELETE WHERE { ?s ?p 1 } ; INSERT DATA { <http://e/s> <http://e/p> 2 }")
        >>> [q[2].toPython() for q in run.removed], [q[2].toPython() for q in run.added]
        ([1], [2])
        >>> store.dry_run("CREATE GRAPH <http://e/g>", graphs=[URIRef("http://e/g")]).created
        [rdflib.term.URIRef('http://e/g')]
        >>> [q[2].toPython() for q in store.quads()]
        [1]
        """
        names = None if graphs is None else sorted({ox.NamedNode(str(g)) for g in graphs}, key=str)
        memory_limit = MEMORY_COPY_LIMIT if memory_limit is None else memory_limit
        if timeout is not None and self.path is not None:
            folder = Path(tempfile.mkdtemp(prefix=".dry-run-", dir=self.path.parent))
            try:
                self._store.backup(str(folder / "copy"))
                _update_in_child(folder / "copy", sparql, base_iri=base_iri, timeout=timeout)
                copy = ox.Store(str(folder / "copy"))
                try:
                    return _compare(self._store, copy, names)
                finally:
                    del copy
            finally:
                shutil.rmtree(folder, ignore_errors=True)
        if names is None and self.path is not None and len(self._store) >= memory_limit:
            # Beside the store, so that the checkpoint can hard-link its files.
            folder = Path(tempfile.mkdtemp(prefix=".dry-run-", dir=self.path.parent))
            try:
                self._store.backup(str(folder / "copy"))
                copy = ox.Store(str(folder / "copy"))
                try:
                    OxigraphStore._wrapping(copy).update(sparql, base_iri=base_iri)
                    return _compare(self._store, copy, names)
                finally:
                    del copy
            finally:
                shutil.rmtree(folder, ignore_errors=True)
        copy = ox.Store()
        if names is None:
            copy.extend(self._store)
            for graph in self._store.named_graphs():
                copy.add_graph(graph)
        else:
            copy.extend(self._store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
            for graph in names:
                if self._store.contains_named_graph(graph):
                    copy.add_graph(graph)
                    copy.extend(self._store.quads_for_pattern(None, None, None, graph))
        OxigraphStore._wrapping(copy).update(sparql, base_iri=base_iri)
        return _compare(self._store, copy, names)

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
        them (:meth:`_roll_back_journal`). The store is locked for its one writer meanwhile,
        so no reader ever sees half a commit.

        :raises StoreError: when the store cannot be written; nothing is written then.
        """
        removing = [_ox_quad(q) for q in remove]
        adding = [_ox_quad(q) for q in add]
        creating = [ox.NamedNode(str(g)) for g in create]
        dropping = [ox.NamedNode(str(g)) for g in drop]
        if any(isinstance(t, ox.BlankNode) for q in removing + adding for t in (q.subject, q.object)):
            raise StoreError("cannot write quads with blank nodes: skolemize them first")
        if spool is not None and spool.bulk:
            self._apply_bulk(spool, _delete_insert(removing, adding, creating, dropping))
            return
        fresh = spool.blocks() if spool is not None else []
        try:
            if not (removing or creating or dropping or fresh):
                self._store.extend(adding)
                return
            self._store.update(_delete_insert(removing, adding, creating, dropping, fresh))
        except (OSError, RuntimeError) as exc:
            raise write_failed(exc, self.path) from None

    def spool(self) -> Spool:
        """A spool for the new graphs of one commit; a large one is kept beside the store."""
        return Spool(self.path.parent if self.path is not None else None)

    def _apply_bulk(self, spool: Spool, rest: str) -> None:
        """Bulk-load the spool's new graphs under a journal, then ``rest`` and the journal's end at once."""
        path = spool.finish()
        journal = ox.NamedNode(JOURNAL_GRAPH)
        creates = ox.NamedNode(_CREATES)
        try:
            self._store.extend(ox.Quad(journal, creates, ox.NamedNode(str(g)), journal) for g in spool.graphs)
            self._store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
            end = f"DROP SILENT GRAPH <{JOURNAL_GRAPH}>"
            self._store.update(f"{rest};\n{end}" if rest else end)
        except (OSError, RuntimeError, SyntaxError, ValueError) as exc:
            try:
                self._roll_back_journal()
            except (OSError, RuntimeError) as again:
                raise StoreError(
                    f"write failed ({exc}), and undoing it failed too ({again}): the next opening of "
                    "the store for writing drops what was written"
                ) from None
            raise write_failed(exc, self.path) from None

    def _roll_back_journal(self) -> None:
        """Drop the new graphs of a bulk commit that did not finish, one transaction each, then the journal."""
        journal = ox.NamedNode(JOURNAL_GRAPH)
        if not self._store.contains_named_graph(journal):
            return
        for quad in list(self._store.quads_for_pattern(journal, ox.NamedNode(_CREATES), None, journal)):
            self._store.update(f"DROP SILENT GRAPH {quad.object}")
        self._store.update(f"DROP SILENT GRAPH <{JOURNAL_GRAPH}>")

    def quads(
        self,
        graph: URIRef | None = None,
        *,
        subject: Node | None = None,
        predicate: Node | None = None,
        object: Node | None = None,
        exact: bool = False,
    ) -> Iterator[Quad]:
        """The quads of ``graph`` (None: of every graph; :data:`DEFAULT`: of the default graph)
        with the subject, predicate and object given.

        :param exact: keep literals' lexical forms (see :func:`from_ox`), so that the
            quads name the stored ones and can be removed by value.

        >>> store = open_store(":memory:")
        >>> store.update("INSERT DATA { <http://e/s> <http://e/p> 1 . GRAPH <http://e/g> { <http://e/t> <http://e/p> 1 } }")
        >>> [str(q[0]) for q in store.quads(subject=URIRef("http://e/t"), predicate=URIRef("http://e/p"))]
        ['http://e/t']
        """
        pattern = [to_ox(t) if t is not None else None for t in (subject, predicate, object)]
        if graph is DEFAULT:
            graph_name: Any = ox.DefaultGraph()
        else:
            graph_name = to_ox(graph) if graph is not None else None
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

        >>> store = open_store(":memory:")
        >>> store.update("INSERT DATA { GRAPH <http://e/g> { <http://e/s> <http://e/p> 1 } }")
        >>> store.dump(format="nt", graph=URIRef("http://e/g"))
        b'<http://e/s> <http://e/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .\\n'
        """
        fmt = formats.by_name(format)
        kwargs: dict[str, Any] = {"format": rdf_format(fmt), "prefixes": prefixes}
        if graph is not None:
            kwargs["from_graph"] = to_ox(graph)
        elif default_graph:
            kwargs["from_graph"] = ox.DefaultGraph()
        elif fmt.kind != "dataset":
            raise ValueError(f"{fmt.name} cannot carry named graphs; ask for one graph")
        if skolem is None:
            return self._store.dump(**kwargs)
        source = kwargs.pop("from_graph", None)
        quads = self._store.quads_for_pattern(None, None, None, source)
        items: list[Any] = [_unskolemized(q, skolem) for q in quads]
        if source is not None:
            items = [ox.Triple(q.subject, q.predicate, q.object) for q in items]
        return ox.serialize(items, **kwargs)

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

        >>> store = open_store(":memory:")
        >>> store.update("INSERT DATA { <http://x/s> <http://x/p> 52 }")
        >>> store.answer("SELECT ?o WHERE { ?s ?p ?o }", choose=lambda kind: "csv", max_rows=10)
        ('select', b'o\\r\\n52\\r\\n')
        """
        raw = self._run_query(sparql, dataset=dataset, base_iri=base_iri)
        kind = _kind_of(raw)
        fmt = formats.by_name(choose(kind), kind)
        if kind == "ask":
            return kind, raw.serialize(format=results_format(fmt))
        # Reading one more than the limit tells a large answer from one at the limit,
        # and keeps memory bounded however large the answer would have been.
        try:
            items = list(islice(raw, max_rows + 1))
        except OSError as exc:
            raise StoreError(str(exc)) from None
        if len(items) > max_rows:
            word = "rows" if kind == "select" else "triples"
            raise ResultTooLarge(
                f"the answer has more than {max_rows} {word}; this server returns at most {max_rows}"
            )
        try:
            if kind == "select":
                return kind, select_body([v.value for v in raw.variables], items, results_format(fmt))
            return kind, graph_body(items, rdf_format(fmt))
        except (OSError, ValueError) as exc:
            raise NotAcceptable(f"the answer cannot be written as {fmt.media_type}: {exc}") from None

    def __len__(self) -> int:
        return len(self._store)

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
            self.__dict__.pop("_store", None)
            self._release()


def _check_folder(folder: Path) -> None:
    """Refuse a folder that holds files but no store: it is someone else's.

    >>> import tempfile; folder = Path(tempfile.mkdtemp()); _ = (folder / "notes.txt").write_text("x")
    >>> _check_folder(folder)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    claimgraph.errors.StoreError: ... is not a claimgraph store (it holds notes.txt); name an empty or new folder
    """
    if (folder / "CURRENT").is_file():
        return
    others = sorted(p.name for p in folder.iterdir() if p.name != LOCK_FILE)
    if others:
        shown = ", ".join(others[:3]) + (", …" if len(others) > 3 else "")
        raise StoreError(
            f"{folder} is not a claimgraph store (it holds {shown}); name an empty or new folder"
        )


def _unskolemized(quad: ox.Quad, prefix: str) -> ox.Quad:
    def term(t: Any) -> Any:
        if isinstance(t, ox.NamedNode) and t.value.startswith(prefix):
            return ox.BlankNode("b" + t.value[len(prefix) :].replace("-", ""))
        return t

    return ox.Quad(term(quad.subject), quad.predicate, term(quad.object), quad.graph_name)


def _take_lock(folder: Path, *, shared: bool) -> Any:
    """Lock the store folder: shared for readers, exclusive for the writer.

    pyoxigraph's read-only opening is undefined behaviour while another process
    writes, so a writer must never run beside readers, nor readers beside it.
    """
    handle = open(folder / LOCK_FILE, "a+")  # noqa: SIM115 - held for the store's lifetime
    try:
        fcntl.flock(handle, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        who = "a writer" if shared else "another process (a running server or load)"
        raise StoreError(f"the store at {folder} is in use by {who}; try again when it is free") from None
    return handle


def _delete_insert(
    removing: list[ox.Quad],
    adding: list[ox.Quad],
    creating: list[Any] = (),
    dropping: list[Any] = (),
    fresh: list[tuple[URIRef, str]] = (),
) -> str:
    def block(quads: list[ox.Quad]) -> str:
        lines = []
        for q in quads:
            triple = f"{q.subject} {q.predicate} {q.object} ."
            if isinstance(q.graph_name, ox.DefaultGraph):
                lines.append(triple)
            else:
                lines.append(f"GRAPH {q.graph_name} {{ {triple} }}")
        return "\n".join(lines)

    parts = [f"DROP SILENT GRAPH {g}" for g in dropping]
    if removing:
        parts.append(f"DELETE DATA {{\n{block(removing)}\n}}")
    parts += [f"CREATE SILENT GRAPH {g}" for g in creating]
    if adding or fresh:
        # N-Triples is SPARQL's syntax of triples too: a new graph's text goes in as it is.
        graphs = "".join(f"GRAPH <{g}> {{\n{text}}}\n" for g, text in fresh)
        parts.append(f"INSERT DATA {{\n{block(adding)}\n{graphs}}}")
    return ";\n".join(parts)


def read_answer(answer: Any) -> QueryResult:
    """Read a pyoxigraph answer whole, as rdflib terms."""
    if isinstance(answer, ox.QueryBoolean):
        return QueryResult(kind="ask", boolean=bool(answer))
    if isinstance(answer, ox.QuerySolutions):
        names = [v.value for v in answer.variables]
        rows = []
        # An answer repeats its terms (labels, properties, graphs) row after row: each is
        # converted once (rdflib's literals are slow to build).
        seen: dict[Any, Node | None] = {}
        for solution in answer:
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
        return QueryResult(kind="select", variables=names, rows=rows)
    triples = [(from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)) for t in answer]
    return QueryResult(kind="graph", triples=triples)


def parse_results(body: bytes, *, format: str = "json", exact: bool = False) -> QueryResult:
    """A SPARQL results document (a worker's answer) read whole, as rdflib terms.

    :param exact: keep literals' lexical forms (see :func:`from_ox`).

    >>> body = b'{"head":{"vars":["n"]},"results":{"bindings":[{"n":{"type":"literal","value":"01",'
    >>> body += b'"datatype":"http://www.w3.org/2001/XMLSchema#integer"}}]}}'
    >>> parse_results(body).rows[0]["n"].n3(), parse_results(body, exact=True).rows[0]["n"].n3()
    ('"1"^^<http://www.w3.org/2001/XMLSchema#integer>', '"01"^^<http://www.w3.org/2001/XMLSchema#integer>')
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


def _kind_of(raw: Any) -> str:
    if isinstance(raw, ox.QueryBoolean):
        return "ask"
    if isinstance(raw, ox.QuerySolutions):
        return "select"
    return "graph"


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


def select_body(names: list[str], rows: list[ox.QuerySolution], fmt: ox.QueryResultsFormat) -> bytes:
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


def _term_text(term: Any) -> str:
    """A pyoxigraph term in the syntax SPARQL TSV results use.

    >>> _term_text(ox.Triple(ox.NamedNode("http://x/s"), ox.NamedNode("http://x/p"), ox.Literal("a\\tb")))
    '<<( <http://x/s> <http://x/p> "a\\\\tb" )>>'
    """
    if isinstance(term, ox.Triple):
        return f"<<( {_term_text(term.subject)} {_term_text(term.predicate)} {_term_text(term.object)} )>>"
    return str(term)


def open_store(location: str, *, read_only: bool = False) -> Store:
    """Open the embedded store in a folder, or ``:memory:``
    (:func:`claimgraph.backends.open_store` opens a SPARQL server's too).

    :raises StoreError: when it cannot be opened.
    """
    if location.startswith(("http://", "https://")):
        raise StoreError(f"{location} is a SPARQL server: open it with claimgraph.backends.open_store")
    return OxigraphStore(location, read_only=read_only)


# ---------------------------------------------------------------- parsing uploads

#: Media type → the format (:mod:`claimgraph.formats`) a graph upload is parsed as.
UPLOAD_FORMATS: dict[str, formats.Format] = {
    media: fmt for fmt in formats.carrying("graph") for media in fmt.media_types
}

_XML_DECLARATIONS = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def parse_upload(data: bytes, media_type: str, *, base_iri: str | None) -> list[Triple]:
    """Parse an uploaded graph into rdflib-term triples, refusing anything that would fetch or expand.

    Literals keep their lexical form exactly (see :func:`from_ox`). RDF 1.2
    triple terms and literals with a base direction are refused: rdflib terms
    cannot carry them.

    :param media_type: the Content-Type without parameters.
    :raises UnsupportedFormat: for a media type not in :data:`UPLOAD_FORMATS`.
    :raises BadRdf: for unsafe or malformed input, with the parser's line and column.

    >>> [t[2].n3() for t in parse_upload(b'<s> <p> 01 .', "text/turtle", base_iri="http://example.org/")]
    ['"01"^^<http://www.w3.org/2001/XMLSchema#integer>']
    """
    row = UPLOAD_FORMATS.get(media_type.strip().lower())
    if row is None:
        offered = ", ".join(f.media_type for f in formats.carrying("graph"))
        raise UnsupportedFormat(
            f"cannot read {media_type or 'a body without Content-Type'}; send one of {offered}"
        )
    fmt = rdf_format(row)
    check_depth(data, row.name)  # the engine's JSON-LD and RDF/XML parsers recurse
    if fmt == ox.RdfFormat.RDF_XML:
        _check_xml(data)
    elif fmt == ox.RdfFormat.JSON_LD:
        _check_json_ld(data)
    try:
        quads = list(ox.parse(data, fmt, base_iri=base_iri, without_named_graphs=True))
    except SyntaxError as exc:
        line, column = _position(exc)
        raise BadRdf(f"cannot parse the {media_type} body: {exc}", line=line, column=column) from None
    except ValueError as exc:
        raise BadRdf(f"cannot parse the {media_type} body: {exc}") from None
    return [
        (
            _upload_term(q.subject, media_type),
            _upload_term(q.predicate, media_type),
            _upload_term(q.object, media_type),
        )
        for q in quads
    ]


def _upload_term(term: Any, media_type: str) -> Node:
    if isinstance(term, ox.Triple):
        raise BadRdf(f"cannot store the {media_type} body: it holds an RDF 1.2 triple term, {term}")
    if isinstance(term, ox.Literal) and term.direction is not None:
        raise BadRdf(f"cannot store the {media_type} body: it holds a literal with a base direction, {term}")
    return cast(Node, from_ox(term, exact=True))  # never the default graph: no graph is parsed


def _position(exc: SyntaxError) -> tuple[int | None, int | None]:
    return getattr(exc, "lineno", None), getattr(exc, "offset", None)


def _check_xml(data: bytes) -> None:
    # Entities are how XML fetches files (external entities) and how a few hundred
    # bytes become gigabytes (nested entities); RDF/XML never needs a DTD.
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:1024]:
        raise BadRdf("RDF/XML must be sent as UTF-8")
    found = _XML_DECLARATIONS.search(data)
    if found:
        line = data.count(b"\n", 0, found.start()) + 1
        raise BadRdf(
            f"RDF/XML with a <!{found.group(1).decode().upper()}> declaration is refused: "
            "document type declarations and entities are not allowed",
            line=line,
        )


def _check_json_ld(data: bytes) -> None:
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        column = getattr(exc, "colno", None)
        raise BadRdf(f"cannot parse the JSON-LD body: {exc}", line=line, column=column) from None
    for context in _contexts(document):
        if _remote_context(context):
            raise BadRdf(
                "JSON-LD with a remote @context (a URL or @import) is refused: "
                "the server never fetches a URL; send the context inline"
            )


def _contexts(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                yield value
            yield from _contexts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _contexts(item)


def _remote_context(context: Any) -> bool:
    if isinstance(context, str):
        return True
    if isinstance(context, list):
        return any(_remote_context(c) for c in context)
    return isinstance(context, dict) and "@import" in context


def _update_folder(folder: str, sparql: str, base_iri: str | None, conn: Any) -> None:
    """Child process: run an update on the store copy in ``folder``; report how it ended."""
    try:
        target = ox.Store(folder)
        target.update(sparql, base_iri=base_iri)
        target.flush()
        del target
        conn.send(("ok", ""))
    except SyntaxError as exc:
        conn.send(("syntax", str(exc)))
    except (OSError, RuntimeError, ValueError) as exc:
        conn.send(("failed", str(exc)))


def _update_in_child(folder: Path, sparql: str, *, base_iri: str | None, timeout: float) -> None:
    """Run an update on a store copy in a child process, killed after ``timeout`` seconds.

    :raises QueryError: when the update does not parse or fails.
    :raises QueryTimeout: when it runs past the time limit.
    """
    context = multiprocessing.get_context("forkserver")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_update_folder, args=(str(folder), sparql, base_iri, send), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(timeout):
            raise QueryTimeout(
                f"the update ran past the {timeout:g} s limit and was stopped; nothing was written"
            )
        try:
            kind, message = receive.recv()
        except EOFError:
            raise StoreError("the update's process died; nothing was written") from None
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receive.close()
    if kind == "syntax":
        raise QueryError(f"SPARQL syntax error: {message}")
    if kind == "failed":
        raise QueryError(f"the update failed: {message}")


def _compare(before: ox.Store, after: ox.Store, names: list[Any] | None) -> DryRun:
    """What changed from ``before`` to ``after``, in the default graph and ``names`` (None: all)."""
    if names is None:
        old, new = set(before), set(after)
        old_graphs, new_graphs = set(before.named_graphs()), set(after.named_graphs())
    else:
        old, new = set(), set()
        for graph in [ox.DefaultGraph(), *names]:
            old.update(before.quads_for_pattern(None, None, None, graph))
            new.update(after.quads_for_pattern(None, None, None, graph))
        old_graphs = {g for g in names if before.contains_named_graph(g)}
        new_graphs = {g for g in names if after.contains_named_graph(g)}
    return DryRun(
        removed=[rdflib_quad(q, exact=True) for q in old - new],
        added=[rdflib_quad(q, exact=True) for q in new - old],
        created=sorted(URIRef(g.value) for g in new_graphs - old_graphs),
        dropped=sorted(URIRef(g.value) for g in old_graphs - new_graphs),
    )


# ---------------------------------------------------------------- the last commit

COMMIT_FILE = "claimgraph-commit.json"


@dataclass(frozen=True)
class CommitMarker:
    """Which commit the store is at: a counter and when it was made (seconds since the epoch).

    Caches (HTTP ``ETag`` and ``Last-Modified``, the search index, the dumps) compare
    markers instead of reading the store.

    >>> m = CommitMarker(3, 1700000000.5)
    >>> m.tag, m.next(at=1700000001.0)
    ('3-1700000000500', CommitMarker(count=4, time=1700000001.0))
    """

    count: int
    time: float

    @property
    def tag(self) -> str:
        return f"{self.count}-{round(self.time * 1000)}"

    def next(self, *, at: float) -> CommitMarker:
        return CommitMarker(self.count + 1, max(at, self.time))


def read_commit_marker(location: str) -> CommitMarker:
    """The marker a store folder records; for a store without one, its folder's age.

    >>> read_commit_marker(":memory:").count
    0
    """
    if location == MEMORY:
        return CommitMarker(0, time.time())
    path = Path(location) / COMMIT_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return CommitMarker(int(data["count"]), float(data["time"]))
    except FileNotFoundError:
        folder = Path(location)
        return CommitMarker(0, folder.stat().st_mtime if folder.exists() else time.time())
    except (ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"{path} is not a commit marker ({exc}); delete it to start again") from None


def write_commit_marker(location: str, marker: CommitMarker) -> None:
    """Record ``marker`` in a store folder (a no-op for ``:memory:``), replacing the file atomically."""
    if location == MEMORY:
        return
    folder = Path(location)
    temporary = folder / (COMMIT_FILE + ".new")
    temporary.write_text(json.dumps({"count": marker.count, "time": marker.time}), encoding="utf-8")
    temporary.replace(folder / COMMIT_FILE)

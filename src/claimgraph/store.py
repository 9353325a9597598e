"""The only code that touches the RDF store.

The interface is narrow on purpose (query, update, atomic apply, read quads,
dump) so that a remote SPARQL 1.1 server can stand in for the embedded one.
Terms cross it as rdflib terms; pyoxigraph stays inside.

>>> store = open_store(":memory:")
>>> from rdflib import URIRef, Literal
>>> g = URIRef("http://example.org/g")
>>> store.apply(add=[(URIRef("http://example.org/s"), URIRef("http://example.org/p"), Literal(1), g)])
>>> store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0]["n"].toPython()
1
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from .errors import QueryError, StoreError

Quad = tuple[Node, Node, Node, Node | None]

MEMORY = ":memory:"
LOCK_FILE = "claimgraph.lock"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


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

    def query(self, sparql: str, *, union_default_graph: bool = True, **kwargs: Any) -> QueryResult: ...

    def update(self, sparql: str) -> None: ...

    def apply(self, *, remove: Iterable[Quad] = (), add: Iterable[Quad] = ()) -> None: ...

    def quads(self, graph: URIRef | None = None) -> Iterator[Quad]: ...

    def graph_names(self) -> list[URIRef]: ...

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


def from_ox(term: Any) -> Node | None:
    """A pyoxigraph term as an rdflib term (the default graph becomes None)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == XSD_STRING:
            return Literal(term.value)  # RDF 1.1: a simple literal is an xsd:string
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    if isinstance(term, ox.DefaultGraph):
        return None
    raise StoreError(f"cannot read term {term!r}")


def _ox_quad(q: Quad) -> ox.Quad:
    return ox.Quad(to_ox(q[0]), to_ox(q[1]), to_ox(q[2]), to_ox(q[3] if len(q) > 3 else None))


class OxigraphStore:
    """The embedded store: pyoxigraph on disk (or in memory for tests)."""

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False) -> None:
        self.path = None if path in (None, MEMORY) else Path(path)
        self.read_only = read_only
        self._lock: Any = None
        try:
            if self.path is None:
                self._store = ox.Store()
                return
            self.path.mkdir(parents=True, exist_ok=True)
            self._lock = _take_lock(self.path, shared=read_only)
            if read_only:
                self._store = ox.Store.read_only(str(self.path))
            else:
                self._store = ox.Store(str(self.path))
        except OSError as exc:
            self._release()
            raise StoreError(f"cannot open the store at {self.path}: {exc}") from None

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    @property
    def raw(self) -> ox.Store:
        """The pyoxigraph store, for code in this layer that needs its serialisers."""
        return self._store

    def query(
        self,
        sparql: str,
        *,
        union_default_graph: bool = True,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        """Run a SPARQL query and read its whole answer.

        :raises QueryError: on a syntax error, with the parser's message.
        """
        answer = self.query_raw(
            sparql,
            union_default_graph=union_default_graph,
            default_graphs=default_graphs,
            named_graphs=named_graphs,
            base_iri=base_iri,
        )
        return read_answer(answer)

    def query_raw(
        self,
        sparql: str,
        *,
        union_default_graph: bool = True,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        base_iri: str | None = None,
    ) -> Any:
        """Run a SPARQL query and return pyoxigraph's lazy answer."""
        kwargs: dict[str, Any] = {"base_iri": base_iri}
        if default_graphs is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
        else:
            kwargs["use_default_graph_as_union"] = union_default_graph
        if named_graphs is not None:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        try:
            return self._store.query(sparql, **kwargs)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from None
        except OSError as exc:
            raise StoreError(str(exc)) from None

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Run a SPARQL update in one transaction.

        :raises QueryError: on a syntax error.
        """
        try:
            self._store.update(sparql, base_iri=base_iri)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from None
        except OSError as exc:
            raise StoreError(str(exc)) from None

    def apply(self, *, remove: Iterable[Quad] = (), add: Iterable[Quad] = ()) -> None:
        """Remove then add quads, all in one transaction: all or nothing."""
        removing = [_ox_quad(q) for q in remove]
        adding = [_ox_quad(q) for q in add]
        if any(isinstance(t, ox.BlankNode) for q in removing for t in (q.subject, q.object)):
            raise StoreError("cannot remove quads with blank nodes by value; skolemize them first")
        try:
            if not removing:
                self._store.extend(adding)
                return
            self._store.update(_delete_insert(removing, adding))
        except OSError as exc:
            raise StoreError(f"write failed, nothing was written: {exc}") from None

    def quads(self, graph: URIRef | None = None) -> Iterator[Quad]:
        graph_name = to_ox(graph) if graph is not None else None
        for q in self._store.quads_for_pattern(None, None, None, graph_name):
            yield from_ox(q.subject), from_ox(q.predicate), from_ox(q.object), from_ox(q.graph_name)

    def graph_names(self) -> list[URIRef]:
        return sorted(URIRef(g.value) for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def dump(self, *, format: ox.RdfFormat, graph: URIRef | None = None) -> bytes:
        kwargs: dict[str, Any] = {"format": format}
        if graph is not None:
            kwargs["from_graph"] = to_ox(graph)
        return self._store.dump(**kwargs)

    def __len__(self) -> int:
        return len(self._store)

    def flush(self) -> None:
        if self.path is not None and not self.read_only:
            self._store.flush()

    def close(self) -> None:
        """Flush and close; the lock on the folder is released."""
        if hasattr(self, "_store"):
            self.flush()
            del self._store
        self._release()


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


def _delete_insert(removing: list[ox.Quad], adding: list[ox.Quad]) -> str:
    def block(quads: list[ox.Quad]) -> str:
        lines = []
        for q in quads:
            triple = f"{q.subject} {q.predicate} {q.object} ."
            if isinstance(q.graph_name, ox.DefaultGraph):
                lines.append(triple)
            else:
                lines.append(f"GRAPH {q.graph_name} {{ {triple} }}")
        return "\n".join(lines)

    parts = [f"DELETE DATA {{\n{block(removing)}\n}}"]
    if adding:
        parts.append(f"INSERT DATA {{\n{block(adding)}\n}}")
    return ";\n".join(parts)


def read_answer(answer: Any) -> QueryResult:
    """Read a pyoxigraph answer whole, as rdflib terms."""
    if isinstance(answer, ox.QueryBoolean):
        return QueryResult(kind="ask", boolean=bool(answer))
    if isinstance(answer, ox.QuerySolutions):
        names = [v.value for v in answer.variables]
        rows = []
        for solution in answer:
            row = {}
            for name in names:
                value = solution[name]
                if value is not None:
                    row[name] = from_ox(value)
            rows.append(row)
        return QueryResult(kind="select", variables=names, rows=rows)
    triples = [(from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)) for t in answer]
    return QueryResult(kind="graph", triples=triples)


def open_store(location: str, *, read_only: bool = False) -> Store:
    """Open the store a setting names: a folder, or ``:memory:``.

    :raises StoreError: when it cannot be opened.
    """
    if location.startswith(("http://", "https://")):
        raise StoreError(f"remote stores are not supported yet: {location}")
    return OxigraphStore(location, read_only=read_only)

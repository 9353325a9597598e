"""What claimgraph needs of a store, and what both stores share.

The interface is narrow on purpose (query, answer, atomic apply, read quads, dump, the
commit marker) so that a SPARQL 1.1 server can stand in for the embedded store, and nothing
above the store layer asks which store it has. There is no ``update()``: every write is a
change of the one write path (:mod:`claimgraph.changes`), checked and then applied whole
with :meth:`Store.apply`; a client's SPARQL Update is dry-run (:meth:`Store.dry_run`) into
such a change first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.term import Node

from ..rdf.results import QueryResult
from ..rdf.terms import ANY, Quad
from ..sparqltext import Dataset

if TYPE_CHECKING:
    from .spool import Spool

__all__ = ["MEMORY", "UNION", "CommitMarker", "DryRun", "Store", "is_remote", "update_parses"]

MEMORY = ":memory:"
#: The dataset of a query that names none: the union of every graph as the default graph.
UNION = Dataset()


def is_remote(location: str) -> bool:
    """Whether a store location names a SPARQL server rather than a folder.

    >>> is_remote("http://127.0.0.1:7878/query"), is_remote("store")
    (True, False)
    """
    return location.startswith(("http://", "https://"))


@dataclass(frozen=True)
class CommitMarker:
    """Which commit the store is at: a counter and when it was made (seconds since the epoch).

    Caches (HTTP ``ETag`` and ``Last-Modified``, the answer cache, the search index, the
    dumps) compare markers instead of reading the store. Each store advances its marker in
    the commit itself: on a server, in the commit's own request, so that every claimgraph
    process sharing it sees the same one.

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


@dataclass
class DryRun:
    """What an update run on a throw-away copy of a store did: the quads it removed and
    added (rdflib terms, literals exactly as stored), the named graphs it created and
    dropped, within the graphs it was allowed to touch."""

    removed: list[Quad]
    added: list[Quad]
    created: list[URIRef] = field(default_factory=list)
    dropped: list[URIRef] = field(default_factory=list)


class Store(Protocol):
    """What claimgraph needs of a store: :class:`claimgraph.store.embedded.OxigraphStore` and
    :class:`claimgraph.store.remote.RemoteStore`."""

    read_only: bool

    def query(self, sparql: str, *, base_iri: str | None = None) -> QueryResult:
        """Run a query over the union of the store's graphs; its whole answer as rdflib terms."""
        ...

    def answer(
        self,
        sparql: str,
        *,
        choose: Callable[[str], str],
        max_rows: int,
        dataset: Dataset = ...,
        base_iri: str | None = None,
    ) -> tuple[str, bytes]:
        """Run a query and write its answer (``choose``: kind → format name), at most ``max_rows``."""
        ...

    def dump(
        self,
        *,
        format: str,
        graph: URIRef | None = None,
        default_graph: bool = False,
        prefixes: dict[str, str] | None = None,
        skolem: str | None = None,
    ) -> bytes: ...

    def apply(
        self,
        *,
        remove: Iterable[Quad] = (),
        add: Iterable[Quad] = (),
        create: Iterable[URIRef] = (),
        drop: Iterable[URIRef] = (),
        spool: Spool | None = None,
    ) -> None:
        """One commit, whole or not at all: ``remove`` names quads the store holds, ``add``
        quads it does not (the write path's plan is exact), and the spool new graphs."""
        ...

    def spool(self) -> Spool: ...

    def writing(self) -> AbstractContextManager[None]:
        """Keep other writers out while the block reads the store and commits (the write path
        holds it from its first read to its commit); re-entrant."""
        ...

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
        graph: Node | None = ANY,
        *,
        subject: Node | None = None,
        predicate: Node | None = None,
        object: Node | None = None,
        exact: bool = False,
    ) -> Iterator[Quad]: ...

    def graph_names(self) -> list[URIRef]: ...

    def has_graph(self, graph: URIRef) -> bool: ...

    def commit_marker(self) -> CommitMarker:
        """The store's last commit (count 0 for a store never written)."""
        ...

    def __len__(self) -> int: ...

    def typed(self, cls: str, graph: str | None = None) -> int:
        """How many quads ``?x rdf:type <cls>`` the store holds, in every graph or in its named
        graph ``graph`` (a store on a server keeps the counts ``claimgraph stats`` shows)."""
        ...

    def graph_count(self) -> int:
        """How many named graphs the store holds (a store on a server keeps the count)."""
        ...

    def distinct_objects(self, predicate: str) -> int:
        """How many distinct objects ``predicate`` has in the store's graphs (a store on a
        server keeps the count for the predicates ``claimgraph stats`` shows)."""
        ...

    def close(self) -> None: ...


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

"""What follows every write: the commit marker, the search index, the corpora's named queries.

A part of :class:`claimgraph.api.Claimgraph` (whose fields and other parts it uses).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from functools import cached_property
from pathlib import Path

from rdflib import URIRef

from ..history import kept_graphs
from ..search import INDEX_FILE, SearchIndex, Select, StagedEntries
from ..search import rebuild as rebuild_index
from ..search import update as update_index
from ..store import CommitMarker, Store

#: Seconds a commit marker read from a SPARQL server is trusted: another claimgraph
#: process may write to the same server, and its write is to be seen at once.
MARKER_TTL = 0.0


class AfterCommit:
    """What follows every write: the commit marker, the search index, the corpora's named queries."""

    @property
    def store_folder(self) -> Path | None:
        """The embedded store's folder (None for ``:memory:`` or a remote store)."""
        return self.opener.folder

    @property
    def marker(self) -> CommitMarker:
        """The store's last commit, as the store records it (HTTP caching and the answer cache
        key on it).

        The embedded store's is read once from its folder, then kept by :meth:`committed`;
        a SPARQL server's is read from the server again after :data:`MARKER_TTL` seconds, so
        that claimgraph processes sharing a server agree.
        """
        if self._marker is None or (self.opener.shared and time.monotonic() - self._marker_read > MARKER_TTL):
            marker = self._read_marker()
            self._marker = marker if marker is not None else CommitMarker(0, time.time())
            self._marker_read = time.monotonic()
        return self._marker

    @cached_property
    def _read_marker(self) -> Callable[[], CommitMarker | None]:
        return self.opener.marker_reader()

    @cached_property
    def search_index(self) -> SearchIndex:
        folder = self.store_folder
        # A store served read-only may be on read-only media: its index is kept in memory.
        return SearchIndex(folder / INDEX_FILE if folder and not self.settings.read_only else None)

    @property
    def unindexed_graphs(self) -> tuple[URIRef, ...]:
        """Graphs the search index leaves out: the vocabulary, the shapes, and the write path's
        own records (the history, the curators, the withdrawn claims)."""
        return (
            self.mint.ontology_graph,
            self.mint.shapes_graph,
            *sorted(kept_graphs(self.mint)),
        )

    def committed(
        self, store: Store, graphs: Iterable[URIRef] | None = None, *, staged: StagedEntries | None = None
    ) -> CommitMarker:
        """Call after every write that changed the store: the one hook of the write path.

        Reads the new commit (:class:`claimgraph.store.CommitMarker`, which the store
        advanced in the commit itself, and the HTTP ``ETag``/``Last-Modified`` and the
        dump caches key on) and brings the search index up to date: for the ``graphs``
        the write replaced, or all of it when None (``staged``: the entries of the write's
        new graphs, taken from its own triples rather than read back).
        """
        marker = store.commit_marker()
        self._marker, self._marker_read = marker, time.monotonic()

        def select(sparql: str) -> list:
            return store.query(sparql).rows

        with self._index_lock:
            if graphs is None:
                rebuild_index(self.search_index, select, skip=self.unindexed_graphs)
            else:
                update_index(self.search_index, select, graphs, skip=self.unindexed_graphs, staged=staged)
            self.search_index.set_marker(marker.tag)
        self.read_named_queries(select)
        return marker

    def ensure_search_index(self, select: Select) -> SearchIndex:
        """The search index, rebuilt through ``select`` first when it is behind the store."""
        with self._index_lock:
            if self.search_index.marker != self.marker.tag:
                rebuild_index(self.search_index, select, skip=self.unindexed_graphs)
                self.search_index.set_marker(self.marker.tag)
        return self.search_index

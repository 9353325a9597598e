"""A large commit's new graphs, moved into place in bounded operations before its switch.

One update operation that switches a whole load in (:mod:`.commit`) grows with the load:
Virtuoso ran past its ``MaxQueryExecutionTime`` (60 s on the test server) moving the 310,000
quads of a 10,000-claim load, their predicates decoded with ``IRI(SUBSTR(…))``. So a commit
whose staged quads pass :data:`MOVE_QUADS` moves the spool's graphs — graphs new to the store
— into place first, at most :data:`MOVE_QUADS` quads per operation, under the writer's lease,
and the switch then records them, with the rest of the commit, in its one operation.

All or nothing is kept by the register. A moved graph is not the store's until the switch
records it: the store's own reads (graphs, quads, count, dumps) never see it, but a query
over the server's union default graph does, for the time the moves take (documented: a
large load shows its new documents a little before its commit). Before the moves the
commit records each graph as *pending* (``<commit> PENDING <graph>``); the switch removes
those records in its operation. A commit that fails after moving drops its moved graphs;
a process that died mid-way leaves pending records, and the next writer, once it holds the
lease, drops their graphs (:func:`recover`) — a graph new to the store holds nothing else.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from ..errors import QueryError, QueryTimeout, StoreError
from .http import SparqlClient
from .register import HAS_GRAPH, PENDING, REGISTER, STAGED, STORE_NODE

__all__ = ["MOVE_QUADS", "Mover", "drop_graphs", "recover"]

#: Quads moved into place by one operation (a few seconds on a loaded Virtuoso).
MOVE_QUADS = 20_000
#: Graph names per request when recording or dropping graphs.
NAMES = 200


class Mover:
    """Moves one commit's staged new graphs into place: ``fresh`` is (staging graph, target, quads)."""

    def __init__(
        self,
        client: SparqlClient,
        *,
        node: str,
        fresh: list[tuple[str, str, int]],
        guard: str,
        timeout: float,
    ) -> None:
        """:param node: the commit's node (``<…>``); :param guard: triple patterns every move
        joins (the commit's ticket and the writer's lease: once either is gone, a move moves nothing)."""
        self.client = client
        self.node = node
        self.fresh = fresh
        self.guard = guard
        self.timeout = timeout
        self.graphs = sorted({g for _, g, _ in fresh})

    def move(self) -> None:
        """Record the graphs as pending, then move them in bounded operations.

        :raises StoreError: when a move fails; its moved graphs are dropped again, and the
            error says that nothing was written.
        """
        try:
            for names in _slices(self.graphs, NAMES):
                values = " ".join(f"<{g}>" for g in names)
                self._update(
                    f"INSERT {{ GRAPH <{REGISTER}> {{ {self.node} {PENDING} ?g }} }} "
                    f"WHERE {{ {self.guard} VALUES ?g {{ {values} }} }}"
                )
            for batch in _batches(self.fresh, MOVE_QUADS):
                pairs = " ".join(f"(<{stage}> <{g}>)" for stage, g, _ in batch)
                self._update(
                    "INSERT { GRAPH ?g { ?s ?p ?o } } "
                    f"WHERE {{ {self.guard} VALUES (?stage ?g) {{ {pairs} }} GRAPH ?stage {{ ?s ?sp ?o }}"
                    f" BIND (IRI(SUBSTR(STR(?sp), {len(STAGED) + 1})) AS ?p) }}"
                )
                # the staging graphs moved are not needed any more (nor the server's room they take)
                self._update(" ;\n".join(f"DROP SILENT GRAPH <{stage}>" for stage, _, _ in batch))
        except QueryTimeout as exc:
            self.undo(keep_records=True)  # a move still running may write after the drop
            raise StoreError(
                f"write failed while moving its new graphs into place, nothing was written: {exc}"
            ) from None
        except (StoreError, QueryError) as exc:
            self.undo()
            raise StoreError(
                f"write failed while moving its new graphs into place, nothing was written: {exc}"
            ) from None

    def undo(self, *, keep_records: bool = False) -> None:
        """Drop the moved graphs (new to the store: they hold nothing else); ``keep_records``:
        leave the pending records, so that the next writer drops them again (:func:`recover`)."""
        with contextlib.suppress(StoreError, QueryError, QueryTimeout):
            drop_graphs(self.client, self.graphs, self.timeout)
            if not keep_records:
                self._update(
                    f"DELETE {{ GRAPH <{REGISTER}> {{ {self.node} {PENDING} ?g }} }} "
                    f"WHERE {{ GRAPH <{REGISTER}> {{ {self.node} {PENDING} ?g }} }}"
                )

    def _update(self, text: str) -> None:
        self.client.update(text, timeout=self.timeout)


def recover(
    client: SparqlClient, read: Callable[[str], list[dict[str, Any]]], *, timeout: float
) -> list[str]:
    """Drop the graphs of commits that moved them and never switched (a process that died, a
    move that timed out), and their records; the graphs dropped. Run by a writer holding the lease."""
    rows = read(
        f"SELECT DISTINCT ?g WHERE {{ GRAPH <{REGISTER}> {{ ?c {PENDING} ?g }}"
        f" FILTER NOT EXISTS {{ GRAPH <{REGISTER}> {{ {STORE_NODE} {HAS_GRAPH} ?g }} }} }}"
    )
    graphs = sorted(row["g"].value for row in rows)
    if not rows and not read(f"SELECT ?c WHERE {{ GRAPH <{REGISTER}> {{ ?c {PENDING} ?g }} }} LIMIT 1"):
        return []
    drop_graphs(client, graphs, timeout)
    client.update(
        f"DELETE {{ GRAPH <{REGISTER}> {{ ?c {PENDING} ?g }} }} WHERE {{ GRAPH <{REGISTER}> {{ ?c {PENDING} ?g }} }}",
        timeout=timeout,
    )
    return graphs


def drop_graphs(client: SparqlClient, graphs: list[str], timeout: float, *, per_request: int = NAMES) -> None:
    """Drop ``graphs`` (silently: some may not be there), ``per_request`` in each request."""
    for names in _slices(graphs, per_request):
        client.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in names), timeout=timeout)


def _slices(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _batches(fresh: list[tuple[str, str, int]], limit: int) -> Iterator[list[tuple[str, str, int]]]:
    """Consecutive staged chunks, at most ``limit`` quads a batch (a larger chunk alone).

    >>> [len(b) for b in _batches([("a", "g", 5), ("b", "g", 5), ("c", "h", 5)], 10)]
    [2, 1]
    """
    batch: list[tuple[str, str, int]] = []
    size = 0
    for item in fresh:
        if batch and size + item[2] > limit:
            yield batch
            batch, size = [], 0
        batch.append(item)
        size += item[2]
    if batch:
        yield batch

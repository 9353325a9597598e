"""One commit of a store on a SPARQL server: staged, switched in by one update operation, cleaned up.

The quads to remove and to add go into staging graphs of the commit's own (:data:`STAGE`
``<id>:…``), by Graph Store ``POST`` when a Graph Store URL is configured, else by
``INSERT DATA`` in chunks; the spool's new graphs are read in chunks of
:data:`SPOOL_CHUNK` quads, so that memory stays bounded however large the load. The
server's default graph is the union of its graphs, so a staged quad would answer queries
before its commit: its predicate is hidden behind :data:`STAGED` until the switch.

Then ONE update operation — a ``DELETE {…} INSERT {…} WHERE {…}`` — moves them into place,
records graphs created and dropped, keeps the count of quads, and advances the commit
marker. One operation, not one request of several: Virtuoso commits each operation of a
request on its own (an update whose last operation fails keeps the earlier ones), so
claimgraph relies on nothing more than one operation being one transaction. The operation
joins a *ticket* the commit staged: after a commit that timed out or broke off, dropping
the ticket makes sure that it cannot apply later, and the marker says whether it applied
before; either way it is whole, and the error says which.
"""

from __future__ import annotations

import contextlib
import itertools
import time
import uuid
from collections import defaultdict
from typing import Any, Protocol

import pyoxigraph as ox

from ..errors import QueryError, QueryTimeout, StoreError
from .http import ConnectionLost, SparqlClient
from .kept import Read, Tally
from .moves import MOVE_QUADS, Mover, drop_graphs
from .register import (
    COMMIT,
    COMMITS,
    COMMITTED_AT,
    DEFAULT_GRAPH,
    HAS_GRAPH,
    KEPT_TYPES,
    LAST_COMMIT,
    LEASE_UNTIL,
    PENDING,
    QUADS,
    RDF_TYPE,
    REGISTER,
    STAGE,
    STAGED,
    STORE_NODE,
    TICKET,
    typed_count,
)
from .spool import Spool

__all__ = ["SPOOL_CHUNK", "Commit"]

#: Staging by INSERT DATA: Virtuoso refuses one of 2,000 triples ("generated SQL text has
#: exceeded 10000 lines") or of about 500 kB ("memory exhausted").
STAGE_QUADS = 500
STAGE_BYTES = 200_000
#: Quads of the spool read (and, with a Graph Store, sent) at a time: each chunk is a
#: staging graph of its own, so that a large commit moves it in bounded operations.
SPOOL_CHUNK = MOVE_QUADS
#: Seconds claimgraph watches for a commit it stopped waiting for (timed out, connection lost).
SETTLE = 10.0


class Server(Protocol):
    """What a commit needs of the store on a server (:class:`claimgraph.store.remote.RemoteStore`)."""

    client: SparqlClient
    options: Any

    def marker_row(self) -> tuple[int, int, str]:
        """The commit count, its time (ms) and the id of the last commit."""
        ...


class Commit:
    """One commit of :meth:`claimgraph.store.remote.RemoteStore.apply`: stage, switch in one operation, clean up."""

    def __init__(
        self,
        store: Server,
        removing: list[ox.Quad],
        adding: list[ox.Quad],
        *,
        spool: Spool | None = None,
        records: list[str],
        dropped: list[str],
        new: frozenset[str] = frozenset(),
        known: frozenset[str] = frozenset(),
        read: Read | None = None,
    ) -> None:
        """:param new: graphs new to the store (not recorded): what ``adding`` puts there is
        staged and counted as the spool's graphs are, and a large commit moves it first.
        :param known: the graphs the store records; ``read``: a SELECT's rows, for the figures
        the commit settles under the lease (:mod:`.kept`; None: it settles none)."""
        self.store = store
        self.client = store.client
        self.id = uuid.uuid4().hex
        self.prefix = f"{STAGE}{self.id}:"
        self.ticket = self.prefix + "ticket"
        #: (kind, target graph, staging graph, triples), kind "remove" or "add" (to a graph the
        #: store records); what goes to new graphs, and the spool's graphs (new to the store),
        #: is "fresh": added without asking whether each quad is there, the spool read in
        #: chunks while it is staged, never whole
        added = _by_graph(adding)
        self.parts: list[tuple[str, str, str, list[ox.Triple]]] = [
            (kind, graph, f"{self.prefix}{kind}:{index}", triples)
            for kind, groups in (("remove", _by_graph(removing)), ("add", added))
            for index, (graph, triples) in enumerate(sorted(groups.items()))
            if kind == "remove" or graph not in new
        ]
        #: new graphs' quads from ``adding``, as N-Triples lines (once each)
        self.unspooled = {
            graph: list(dict.fromkeys(f"{t.subject} {t.predicate} {t.object} ." for t in triples))
            for graph, triples in sorted(added.items())
            if graph in new
        }
        self.spool = spool
        #: the spool's chunks as staged: (staging graph, target graph, quads), filled by :meth:`_stage`
        self.fresh: list[tuple[str, str, int]] = []
        self.fresh_quads = (spool.quads if spool is not None else 0) + sum(map(len, self.unspooled.values()))
        #: the kept figures the commit changes (:mod:`.kept`), the fresh quads counted while staged
        self.tally = Tally()
        self.read = read
        self.graph_change = len(set(records) - known) - len(set(dropped) & known)
        #: the switch's part that settles the figures of :mod:`.kept` (None: the store keeps none)
        self.settled: tuple[str, str] | None = None
        #: whether the spool's graphs are moved into place before the switch (:mod:`.moves`)
        self.moved = False
        #: whether the switch got no answer (it may still apply: see :meth:`_settle`)
        self.unanswered = False
        self.records = records
        self.dropped = dropped
        self.stages: list[str] = []
        self.lease: str | None = None
        self.timeout = store.options.write_timeout

    def run(self, *, lease: str | None = None) -> None:
        """Stage, switch, clean up; ``lease``: the writer's lease node, which the switch joins."""
        self.lease = lease
        try:
            try:
                self._stage()
                if self.read is not None:
                    self._settle_figures(self.read)
            except (StoreError, QueryError, QueryTimeout) as exc:
                raise StoreError(f"write failed while staging it, nothing was written: {exc}") from None
            mover = self._mover()
            if mover is not None:
                mover.move()
                self.moved = True
            try:
                self._switch()
            except StoreError:
                if mover is not None:
                    mover.undo(keep_records=self.unanswered)
                raise
            self._drop_emptied()
        finally:
            self._clean()

    def _mover(self) -> Mover | None:
        """A large commit's mover of its new graphs (:mod:`.moves`); None: the switch moves all."""
        staged = self.fresh_quads + sum(len(triples) for *_, triples in self.parts)
        if not self.fresh or staged <= MOVE_QUADS:
            return None
        guard = f"{self._ticket_triple()} {self._lease_triple()}"
        return Mover(self.client, node=self.node, fresh=self.fresh, guard=guard, timeout=self.timeout)

    def _stage(self) -> None:
        self.client.update(f"INSERT DATA {{ {self._ticket_triple()} }}", timeout=self.timeout)
        self.stages.append(self.ticket)
        for _kind, _graph, stage, triples in self.parts:
            self.stages.append(stage)
            self._upload(stage, [f"{t.subject} {t.predicate} {t.object} ." for t in triples])
        chunks = (
            (graph, lines[start : start + SPOOL_CHUNK])
            for graph, lines in self.unspooled.items()
            for start in range(0, len(lines), SPOOL_CHUNK)
        )
        for graph, lines in itertools.chain(chunks, self.spool.chunks(SPOOL_CHUNK) if self.spool else ()):
            stage = f"{self.prefix}fresh:{len(self.fresh)}"
            self.stages.append(stage)
            self._upload(stage, lines)
            self.fresh.append((stage, str(graph), len(lines)))
            self.tally.fresh(str(graph), lines)

    def _settle_figures(self, read: Read) -> None:
        for kind, graph, _stage, triples in self.parts:
            self.tally.checked(read, kind, graph, triples)
        self.settled = self.tally.settle(read, self.graph_change)

    def _upload(self, stage: str, lines: list[str]) -> None:
        """Stage N-Triples lines, each predicate hidden behind :data:`STAGED`."""
        lines = [_staged_line(line) for line in lines]
        if self.client.endpoints.gsp is not None:
            self.client.post_graph(stage, "\n".join(lines).encode("utf-8") + b"\n", timeout=self.timeout)
            return
        chunk: list[str] = []
        size = 0
        for line in lines:
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
            for kind in ("remove", "add")
        }
        pairs["fresh"] = "" if self.moved else " ".join(f"(<{stage}> <{g}>)" for stage, g, _ in self.fresh)
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

        def typed(kind: str, v: str, test: str, cls: str) -> str:
            if not pairs[kind]:
                return f"BIND (0 AS ?{v}n)"
            return (
                f"{{ SELECT (COUNT(*) AS ?{v}n) WHERE {{ VALUES (?{v}stage ?{v}g) {{ {pairs[kind]} }}"
                f" GRAPH ?{v}stage {{ ?{v}s <{STAGED}{RDF_TYPE}> <{cls}> }}"
                f" FILTER {test} {{ GRAPH ?{v}g {{ ?{v}s <{RDF_TYPE}> <{cls}> }} }} }} }}"
            )

        # The count of each kept type, as the count of quads: those added not there before,
        # those removed there, and the fresh ones.
        kept = "".join(
            f" OPTIONAL {{ GRAPH <{REGISTER}> {{ {STORE_NODE} {typed_count(cls)} ?t{i} }} }}"
            f" {typed('add', f'tx{i}', 'NOT EXISTS', cls)} {typed('remove', f'ty{i}', 'EXISTS', cls)}"
            f" BIND (?t{i} + ?tx{i}n + {self.tally.fresh_typed[cls]} - ?ty{i}n AS ?u{i})"
            for i, cls in enumerate(KEPT_TYPES)
        )
        old = "".join(f" {STORE_NODE} {typed_count(cls)} ?t{i} ." for i, cls in enumerate(KEPT_TYPES))
        new = "".join(f" {STORE_NODE} {typed_count(cls)} ?u{i} ." for i, cls in enumerate(KEPT_TYPES))
        branches = [
            f"{{ OPTIONAL {{ GRAPH <{REGISTER}> {{ {STORE_NODE} {COMMITS} ?count }} }}"
            f" OPTIONAL {{ GRAPH <{REGISTER}> {{ {STORE_NODE} {COMMITTED_AT} ?at }} }}"
            f" OPTIONAL {{ GRAPH <{REGISTER}> {{ {STORE_NODE} {LAST_COMMIT} ?last }} }}"
            f" OPTIONAL {{ GRAPH <{REGISTER}> {{ {STORE_NODE} {QUADS} ?quads }} }}"
            f" {counted('add', 'x', 'NOT EXISTS')} {counted('remove', 'y', 'EXISTS')}"
            " BIND (COALESCE(?count, 0) + 1 AS ?next)"
            f" BIND (?quads + ?xn + {self.fresh_quads} - ?yn AS ?size){kept} }}"
        ]
        if pairs["remove"]:
            branches.append(f"{{ {staged('remove', 'r')} }}")
        if pairs["added"]:
            branches.append(f"{{ {staged('added', 'a')} }}")
        if self.dropped:
            branches.append(f"{{ VALUES ?gone {{ {' '.join(f'<{g}>' for g in self.dropped)} }} }}")
        if self.records:
            branches.append(f"{{ VALUES ?new {{ {' '.join(f'<{g}>' for g in self.records)} }} }}")
        if self.moved:
            branches.append(f"{{ GRAPH <{REGISTER}> {{ {self.node} {PENDING} ?moved }} }}")
        replaced, figures = "", ""  # the figures of .kept: those read before, and the settled ones
        if self.settled is not None:
            branches.append(self.settled[0])
            replaced, figures = " ?kk ?kp ?kv .", self.settled[1]
        now = round(time.time() * 1000)
        return (
            f"DELETE {{ {self._ticket_triple()} GRAPH ?rg {{ ?rs ?rp ?ro }} "
            f"GRAPH <{REGISTER}> {{ {STORE_NODE} {COMMITS} ?count . "
            f"{STORE_NODE} {COMMITTED_AT} ?at . {STORE_NODE} {LAST_COMMIT} ?last . {STORE_NODE} {QUADS} ?quads .{old} "
            f"{STORE_NODE} {HAS_GRAPH} ?gone . {self.node} {PENDING} ?moved .{replaced} }} }}\n"
            f"INSERT {{ GRAPH ?ag {{ ?as ?ap ?ao }} GRAPH <{REGISTER}> {{ {STORE_NODE} {COMMITS} ?next . "
            f"{STORE_NODE} {QUADS} ?size .{new}{figures} "
            f'{STORE_NODE} {COMMITTED_AT} {now} . {STORE_NODE} {LAST_COMMIT} "{self.id}" . {STORE_NODE} {HAS_GRAPH} ?new }} }}\n'
            f"WHERE {{ {self._ticket_triple()} {self._lease_triple()}\n" + "\n UNION ".join(branches) + "\n}"
        )

    def _lease_triple(self) -> str:
        """The writer's lease, joined by the switch: a lease that ran out (and was taken by
        another writer) makes the switch match nothing."""
        if self.lease is None:
            return ""
        return f"GRAPH <{REGISTER}> {{ <{self.lease}> <{LEASE_UNTIL}> ?leaseUntil }}"

    def _ticket_triple(self) -> str:
        return f"GRAPH <{self.ticket}> {{ {self.node} {TICKET} true }}"

    @property
    def node(self) -> str:
        """The commit's own node: its ticket's subject, and the subject of its pending graphs."""
        return f"<{COMMIT}{self.id}>"

    def _switch(self) -> None:
        try:
            self.client.update(self.operation(), timeout=self.timeout)
        except (QueryTimeout, ConnectionLost) as exc:
            # No answer: the server may be running the operation, or may never have got it.
            self.unanswered = True
            self._settle(exc)
            return
        except (QueryError, StoreError) as exc:
            # The server answered that the operation failed: its transaction wrote nothing.
            raise StoreError(f"write failed, nothing was written: {exc}") from None
        if self.store.marker_row()[2] != self.id:
            raise StoreError(
                "write failed, nothing was written: the commit's staged data or its write lease was "
                "removed before it was switched in (a lease that ran out, or another process cleaning "
                "the server)"
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
            while self.store.marker_row()[2] != self.id:
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

    def _drop_emptied(self) -> None:
        """Drop the server's (now empty) graphs the commit dropped: a server that keeps empty
        graphs (Oxigraph server) would otherwise show them to ``GRAPH ?g``. The switch applied
        and the writer holds the lease, so nothing can have written them since."""
        if self.dropped:
            drops = " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in self.dropped)
            with contextlib.suppress(StoreError, QueryError, QueryTimeout):
                self.client.update(drops, timeout=self.timeout)

    def _clean(self) -> None:
        if not self.stages:
            return
        # Staging graphs are outside claimgraph's graphs: left over, they are never read. A
        # request drops a few (each of up to MOVE_QUADS quads), within the server's time limit.
        with contextlib.suppress(StoreError, QueryError, QueryTimeout):
            per_request = 5 if self.fresh_quads > MOVE_QUADS else 200
            drop_graphs(self.client, self.stages, self.store.options.write_timeout, per_request=per_request)


def _staged_line(line: str) -> str:
    """An N-Triples line with its predicate hidden behind :data:`STAGED` (a subject is an IRI
    or a blank node: it holds no space).

    >>> _staged_line('<http://e/s> <http://e/p> "a b" .')
    '<http://e/s> <urn:claimgraph:staged:http://e/p> "a b" .'
    """
    subject, rest = line.split(" ", 1)
    return f"{subject} <{STAGED}{rest[1:]}"


def _graph_iri(q: ox.Quad) -> str:
    return DEFAULT_GRAPH if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name.value


def _by_graph(quads: list[ox.Quad]) -> dict[str, list[ox.Triple]]:
    groups: dict[str, list[ox.Triple]] = defaultdict(list)
    for q in quads:
        groups[_graph_iri(q)].append(ox.Triple(q.subject, q.predicate, q.object))
    return dict(groups)

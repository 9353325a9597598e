"""Every write of the application object, through the one write path (:mod:`claimgraph.changes`),
recorded in the history as the acting curator's.

A part of :class:`claimgraph.api.Claimgraph` (whose fields and other parts it uses).
"""

from __future__ import annotations

import contextvars
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from rdflib import URIRef

from ..changes import (
    Change,
    Progress,
    WriteReport,
    _silent,
    advance_marker,
    commit,
    plan,
    rebase,
    recorded_base,
    update_change,
)
from ..curators import Curator, operator
from ..errors import ClaimgraphError, NotFound, QueryError, StoreError
from ..history import Activity, entry, recorder
from ..iris import Minter
from ..loader import SheetUpload, folder_change, rdf_claims_change, sheet_change, withdraw_change
from ..namespaces import CG, RDF
from ..rdf.terms import Triple
from ..search import StagedEntries
from ..sparqltext import with_dataset
from ..store import CommitMarker, Store, backup_store, open_store, read_commit_marker, restore_store
from ..vocabulary import vocabulary_triples

CLAIM_TYPE = (RDF.type, CG.Claim)

#: Who is writing, and why (set by :meth:`Claimgraph.acting`; the local CLI writes as the operator).
_ACTING: contextvars.ContextVar[tuple[Curator | None, str | None]] = contextvars.ContextVar(
    "claimgraph_acting", default=(None, None)
)


class Writes:
    """Every write of the application object, through the one write path (:mod:`claimgraph.changes`),"""

    @contextmanager
    def acting(self, curator: Curator | None, reason: str | None = None) -> Iterator[None]:
        """Record the writes made inside as ``curator``'s (None: the operator's), with ``reason``."""
        token = _ACTING.set((curator, reason or None))
        try:
            yield
        finally:
            _ACTING.reset(token)

    def _activity(self, kind: str) -> Activity:
        curator, reason = _ACTING.get()
        return Activity(kind, curator or operator(self.mint), reason)

    def _commit(
        self,
        store: Store,
        change: Change,
        *,
        kind: str,
        progress: Progress = _silent,
        activity: Activity | None = None,
    ) -> WriteReport:
        """Commit ``change`` through the one write path, recorded in the history as a write of
        ``kind`` by whoever is :meth:`acting`, then run the after-write hook."""
        activity = activity or self._activity(kind)
        if change.fresh is not None:
            change.fresh.graphs = _versions(change.fresh.graphs, activity.documents)
        # The search entries of the change's new graphs come from its own triples as they pass.
        staged = StagedEntries(self.search_index) if change.fresh is not None else None
        if staged is not None:
            change.fresh.graphs = staged.tee(change.fresh.graphs)  # type: ignore[union-attr]
        try:
            with (
                store.writing()
            ):  # no other claimgraph process commits between the plan's reads and its commit
                change.record = recorder(store, self.mint, activity)
                report = commit(store, change, self.policy, progress=progress)
            if report.added or report.removed:
                graphs = report.graph_names | {self.mint.consensus_graph}
                report.warnings += self.after_commit(
                    store, [g for g in graphs if g is not None], staged=staged
                )
        finally:
            if staged is not None:
                staged.discard()
        return report

    def after_commit(
        self, store: Store, graphs: Iterable[URIRef] | None = None, *, staged: StagedEntries | None = None
    ) -> list[str]:
        """:meth:`committed`, for a write that is committed whatever happens next: what fails
        or runs out of time here is said as a warning beside "committed", never as the write's
        failure (a user told "error" retries, or gives up on, a write that applied)."""
        try:
            self.committed(store, graphs, staged=staged)
        except (OSError, sqlite3.Error, ClaimgraphError) as exc:  # the search index's file on a full disk
            # A server's marker is read again at the next request; a folder's may not hold this
            # commit's: a marker no cache holds, so that none answers from before the write.
            self._marker = None if self.opener.shared else CommitMarker(0, time.time())
            return [
                f"the write is committed, but the work after it did not finish ({exc}); the search "
                "index and cached answers catch up at the next request, or run `claimgraph reindex` "
                "once the cause is fixed"
            ]
        return []

    def backup(self, dest: Path) -> CommitMarker:
        """Copy the embedded store to the new folder ``dest``, consistently, also while a server
        serves it (the engine's online backup); the commit it holds.

        :raises StoreError: for a store on a SPARQL server (its own backup covers it), or
            when the copy cannot be made.
        """
        folder = self._own_folder("backed up")
        return read_commit_marker(str(backup_store(str(folder), dest)))

    def restore(self, source: Path) -> CommitMarker:
        """Make the backup at ``source`` the store (its folder new or empty); the commit it holds.

        :raises StoreError: when ``source`` is no store minted under this base IRI, or the
            store's folder holds files.
        """
        folder = self._own_folder("restored")

        def minted_here(backup: Path) -> None:
            type(self)(replace(self.settings, store=str(backup))).open_store(read_only=True).close()  # type: ignore[call-arg]

        return read_commit_marker(str(restore_store(source, folder, check=minted_here)))

    def _own_folder(self, done: str) -> Path:
        folder = self.store_folder
        if folder is None:
            raise StoreError(
                f"only a store in a folder is {done} by claimgraph: a store on a SPARQL server is "
                "covered by that server's own backup (docs/how-to/back-up-and-restore.md)"
            )
        return folder

    def reindex(self, store: Store) -> CommitMarker:
        """Advance the commit marker (an empty commit: where the store keeps the marker apart
        from its data, the file is written again) and rebuild the search index, after a write
        whose after-write work failed, e.g. on a full disk."""
        advance_marker(store)
        return self.committed(store, None)

    def _vocabulary_change(self) -> dict:
        cache = None if self.settings.cache_dir == "none" else Path(self.settings.cache_dir)
        return vocabulary_triples(Path(self.settings.ontology_dir), self.mint, cache=cache)

    def _corpus_change(self, store: Store, folder: Path, *, replace: bool) -> Change:
        change = folder_change(
            store, folder, self.mint, replace=replace, terms=self.terms, builtin_queries=self.builtin_queries
        )
        change.vocabulary = self._vocabulary_change()
        return change

    def load(
        self, store: Store, folder: Path, *, replace: bool = False, progress: Progress = _silent
    ) -> WriteReport:
        """Load a corpus folder, with the vocabulary graphs, in one transaction.

        :param replace: let the corpus take over documents another corpus owns.
        :raises InvalidInput: listing every problem of every sheet and shape; nothing is written.
        """
        change = self._corpus_change(store, folder, replace=replace)
        return self._commit(store, change, kind="load", progress=progress)

    def validate(
        self, folder: Path, *, store: Store | None = None, replace: bool = False, progress: Progress = _silent
    ) -> int:
        """Check a corpus folder as ``load`` would, without writing; returns its number of claims.

        With a ``store``, the corpus is checked against it (its registry, documents and
        consensus); otherwise against an empty store.

        :raises InvalidInput: listing every problem.
        """
        scratch = store is None
        target = store if store is not None else open_store(":memory:")
        try:
            change = self._corpus_change(target, folder, replace=replace)
            plan(target, change, self.policy, progress=progress)
            return change.fresh.claims_read if change.fresh is not None else 0
        finally:
            if scratch:
                target.close()

    def withdraw(self, store: Store, document_id: str) -> WriteReport:
        """Withdraw a document (its graph and claims) and the entities nothing else refers to.

        :raises NotFound: when the store holds no such document.
        """
        return self._commit(store, withdraw_change(store, document_id, self.mint), kind="withdraw")

    def add_sheet(self, store: Store, upload: SheetUpload) -> WriteReport:
        """Commit a claim sheet's document graph whole (``POST /claims``)."""
        change, claims = sheet_change(store, upload, self.mint, terms=self.terms)
        report = self._commit(store, change, kind="claims")
        # Every claim of the sheet's document: the new ones, and those a replaced graph kept.
        report.claims = sorted(set(report.claims) | {str(c) for c in claims})
        return report

    def add_claims_rdf(self, store: Store, triples: list[Triple]) -> WriteReport:
        """Merge claims given as RDF into their documents' graphs (``POST /claims``)."""
        change = rdf_claims_change(store, triples, self.mint)
        report = self._commit(store, change, kind="claims")
        report.claims = sorted({str(s) for s, p, o, _g in change.add if (p, o) == CLAIM_TYPE})
        return report

    def update(
        self,
        store: Store,
        sparql: str,
        *,
        base_iri: str | None = None,
        using: list[str] | tuple[str, ...] = (),
        using_named: list[str] | tuple[str, ...] = (),
    ) -> WriteReport:
        """Run a client's SPARQL Update through the write path (dry run, then one change)."""
        text = with_dataset(sparql, using, using_named)
        change = update_change(
            store,
            text,
            base_iri=base_iri,
            timeout=self.settings.query_timeout,
            allow_service=self.settings.allow_service,
        )
        return self._commit(store, change, kind="update")

    def put_graph(self, store: Store, graph: URIRef | None, triples: list[Triple]) -> WriteReport:
        """Replace a graph (None: the default graph); ``created`` says it was new."""
        created = graph is not None and not store.has_graph(graph)
        change = Change(replace={graph: triples}, create={graph} if graph is not None else set())
        report = self._commit(store, change, kind="graph-store")
        report.created = created
        return report

    def post_graph(self, store: Store, graph: URIRef | None, triples: list[Triple]) -> WriteReport:
        """Merge triples into a graph, creating it if needed."""
        created = graph is not None and not store.has_graph(graph)
        change = Change(
            add=[(s, p, o, graph) for s, p, o in triples], create={graph} if graph is not None else set()
        )
        report = self._commit(store, change, kind="graph-store")
        report.created = created
        return report

    def delete_graph(self, store: Store, graph: URIRef | None) -> WriteReport:
        """Drop a named graph, or empty the default graph.

        :raises NotFound: when the named graph does not exist.
        """
        if graph is None:
            return self._commit(store, Change(replace={None: []}), kind="graph-store")
        if graph in self.policy.protected:
            raise QueryError(
                f"<{graph}> is written only by the loader and the write path: it cannot be dropped"
            )
        if not store.has_graph(graph):
            raise NotFound(f"no graph <{graph}> in the store")
        return self._commit(store, Change(drop={graph}), kind="graph-store")

    def new_graph_iri(self) -> URIRef:
        """A fresh graph IRI for a POST to the graph store itself."""
        return self.mint.upload_graph()

    def graph_exists(self, store: Store, graph: URIRef | None) -> bool:
        return graph is None or store.has_graph(graph)

    def rebase(self, store: Store, new_base: str) -> WriteReport:
        """Re-mint every IRI under the store's base as ``new_base``, in one transaction.

        :raises StoreError: when the store has no recorded base (never written).
        """
        old = recorded_base(store) or self.mint.base
        if not new_base.endswith(("/", "#")):
            new_base += "/"
        if new_base == old:
            return WriteReport()
        mint = Minter(new_base)
        activity = self._activity("rebase")
        if activity.curator.is_operator:
            activity.curator = operator(mint)
        # Recorded under the new base, and counted on from the old history's length.
        _gone, record = entry(store, mint, activity, _Rebased())
        report = rebase(store, old, new_base, mint, extra=record)
        report.warnings += self.after_commit(store)
        return report


@dataclass
class _Rebased:
    """What a rebase's history entry is told of it (it rewrites every graph)."""

    drop: set = field(default_factory=set)
    create: set = field(default_factory=set)
    add: set = field(default_factory=set)
    remove: set = field(default_factory=set)
    claims: set = field(default_factory=set)
    removed_claims: set = field(default_factory=set)
    fresh_graphs: list = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return False


_SHA256 = f"<{CG.sha256}>"


def _versions(graphs: Iterable, shas: dict[URIRef, str]) -> Iterator:
    """The new graphs of a stream, passed on as they are read, noting each document's SHA-256."""
    for graph in graphs:
        for s, p, o in graph.triples:
            if p == _SHA256:
                shas[URIRef(s[1:-1])] = o.split('"')[1]
                break  # a document graph describes one document, first
        yield graph

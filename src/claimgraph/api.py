"""The claimgraph application: settings, store, vocabulary and named queries together.

The CLI and the web layer call this and nothing below it (beside ``config``,
``errors`` and ``formats`` at the bottom), so both behave the same way. What
they need from the layers below is reached through :class:`Claimgraph` or
re-exported here: the requests and answers of :mod:`claimgraph.answers`, and
content negotiation.
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import re
import sqlite3
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property, partial
from pathlib import Path

from rdflib import URIRef

from . import suggestions
from .annotation import StoredDocument, claim_change, document_claims, stored_document
from .answers import EVERY_GRAPH, DumpRequest, QueryAnswer, QueryRequest, answer
from .audit import Entry, Filters, Story, atom, claim_parts, read_entries, read_entry, read_story
from .changes import (
    Change,
    Policy,
    Progress,
    WriteReport,
    _silent,
    advance_marker,
    check_base,
    commit,
    plan,
    rebase,
    recorded_base,
    update_change,
)
from .config import Settings, ontology_folder
from .corpora import Corpus, read_corpus
from .curators import (
    Curator,
    add_quads,
    authenticate,
    curator_iri,
    curators_from_quads,
    curators_graph,
    new_token,
    operator,
    read_curators,
    revoke_quads,
)
from .curators import now as _now
from .describe import DESCRIPTION_CAP
from .documents import AddedDocument, DocumentUpload, add_document, init_corpus, uploaded_sheet
from .draft import DraftSheet, draft_sheet, read_terms, registry_entities, vocabulary_files
from .draft import Terms as DraftTerms
from .errors import ClaimgraphError, Conflict, Forbidden, NotFound, QueryError, StoreError
from .export import FORMATS as EXPORT_FORMATS
from .export import GZIP, dump_file, export, gzipped
from .history import Activity, entry, history_graph, history_length, kept_graphs, recorder, withdrawn_graph
from .integrity import Finding, check_store
from .iris import METADATA_GRAPH, Minter
from .loader import (
    SheetUpload,
    folder_change,
    rdf_claims_change,
    sheet_change,
    withdraw_change,
)
from .model import QUALIFIERS as QUALIFIER_FIELDS
from .namespaces import CG, OWL, PREFIXES, PROV, RDF
from .negotiation import best_match, choose_format
from .queries import NamedQuery, bind_parameters, corpus_queries, load_named_queries
from .rdf.parse import UPLOAD_FORMATS, parse_upload
from .rdf.results import QueryResult
from .rdf.terms import Triple, absolute_iri
from .reader import Description, DumpCache, Reader
from .search import INDEX_FILE, SearchIndex, Select, StagedEntries
from .search import rebuild as rebuild_index
from .search import update as update_index
from .serverclient import ServerClient
from .sparqltext import with_dataset
from .store import (
    MEMORY,
    CommitMarker,
    Store,
    StoreOpener,
    backup_store,
    open_store,
    read_commit_marker,
    restore_store,
)
from .termcheck import Terms, known_terms
from .uploads import Uploads
from .validation import Vocabulary, load_vocabulary
from .vocabulary import vocabulary_triples
from .workers import Executor, InlineExecutor, ProcessExecutor

#: An IRI given relative to the base: a short id, or a path of segments.
_RELATIVE = re.compile(r"[\w.~-]+(?:/[\w.~%-]+)*")

CLAIM_TYPE = (RDF.type, CG.Claim)

#: The word in CLAIMGRAPH_OPEN_GRAPHS that opens the default graph.
OPEN_DEFAULT = "DEFAULT"

#: Seconds a commit marker read from a SPARQL server is trusted: another claimgraph
#: process may write to the same server, and its write is to be seen at once.
MARKER_TTL = 0.0

#: How many documents' drafts are kept (the newest).
DRAFTS_KEPT = 16

#: Who is writing, and why (set by :meth:`Claimgraph.acting`; the local CLI writes as the operator).
_ACTING: contextvars.ContextVar[tuple[Curator | None, str | None]] = contextvars.ContextVar(
    "claimgraph_acting", default=(None, None)
)

__all__ = [
    "EVERY_GRAPH",
    "EXPORT_FORMATS",
    "GZIP",
    "METADATA_GRAPH",
    "QUALIFIER_FIELDS",
    "UPLOAD_FORMATS",
    "AddedDocument",
    "Claimgraph",
    "Curator",
    "Description",
    "DocumentUpload",
    "DraftSheet",
    "DumpRequest",
    "Entry",
    "Filters",
    "QueryAnswer",
    "QueryRequest",
    "Reader",
    "ServerClient",
    "SheetUpload",
    "StoredDocument",
    "Story",
    "Triple",
    "WriteReport",
    "absolute_iri",
    "add_document",
    "best_match",
    "choose_format",
    "dump_file",
    "gzipped",
    "init_corpus",
    "parse_upload",
]


class AnswerCache:
    """Answers already given, each for the commit it was read at: a request repeated before
    the next write is answered again without running it (a write changes the commit's tag,
    which is part of the key, so nothing stale is ever served). Least recently used answers
    go first once ``max_bytes`` of bodies are kept.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._answers: OrderedDict[tuple[str, Hashable], QueryAnswer] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, Hashable]) -> QueryAnswer | None:
        with self._lock:
            found = self._answers.get(key)
            if found is not None:
                self._answers.move_to_end(key)
            return found

    def put(self, key: tuple[str, Hashable], answer: QueryAnswer) -> None:
        if len(answer.body) > self.max_bytes // 4:
            return  # one large answer would push out many small ones
        with self._lock:
            if key in self._answers:
                return
            self._answers[key] = answer
            self.size += len(answer.body)
            while self.size > self.max_bytes and self._answers:
                _key, old = self._answers.popitem(last=False)
                self.size -= len(old.body)


@dataclass
class Claimgraph:
    """One configured claimgraph: everything the edges need, opened lazily."""

    settings: Settings
    _index_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    _marker: CommitMarker | None = field(default=None, init=False, repr=False, compare=False)
    _marker_read: float = field(default=0.0, init=False, repr=False, compare=False)
    _curators_read: tuple[str, list[Curator]] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    #: Drafts of a document at a commit (drafting a long text takes seconds; anyone may ask).
    _drafts: dict[tuple[str, str], dict] = field(default_factory=dict, init=False, repr=False, compare=False)
    #: The corpora's named queries as last read from the store, and the commit they were read at.
    _corpus_queries: tuple[str, dict[str, NamedQuery]] = field(
        default=("", {}), init=False, repr=False, compare=False
    )

    @cached_property
    def opener(self) -> StoreOpener:
        """Opens the configured store (picklable: worker processes open their own with it)."""
        return StoreOpener.for_settings(self.settings)

    @cached_property
    def mint(self) -> Minter:
        return Minter(self.settings.base_iri)

    @cached_property
    def vocabulary(self) -> Vocabulary:
        return load_vocabulary(str(Path(self.settings.ontology_dir).resolve()), self.settings.validator)

    @cached_property
    def terms(self) -> Terms:
        """The terms sheets may use: the known vocabularies' and the ``cg:`` ones of the vocabulary in use."""
        ontology_folder(self.settings.ontology_dir)  # a missing folder named as it was given
        return known_terms().with_vocabulary(self.vocabulary.ontology)

    @cached_property
    def builtin_queries(self) -> dict[str, NamedQuery]:
        """The named queries of ``queries_dir`` (the ones installed with claimgraph by default)."""
        return load_named_queries(Path(self.settings.queries_dir))

    @property
    def named_queries(self) -> dict[str, NamedQuery]:
        """Every named query: the built-in ones, then those the corpora brought (as last read by
        :meth:`read_named_queries`); a built-in one keeps its name."""
        corpora = self._corpus_queries[1]
        return {**self.builtin_queries, **{k: q for k, q in corpora.items() if k not in self.builtin_queries}}

    def read_named_queries(self, select: Select) -> dict[str, NamedQuery]:
        """:attr:`named_queries`, the corpora's read again through ``select`` when the store has
        changed since they were last read."""
        tag = self.marker.tag
        if self._corpus_queries[0] != tag:
            self._corpus_queries = (tag, corpus_queries(select))
        return self.named_queries

    @cached_property
    def policy(self) -> Policy:
        words = self.settings.open_graphs.replace(",", " ").split()
        return Policy(
            mint=self.mint,
            vocabulary=self.vocabulary,
            open_graphs=tuple(w for w in words if w != OPEN_DEFAULT),
            open_default=OPEN_DEFAULT in words,
            kept=kept_graphs(self.mint),
        )

    def open_store(self, *, read_only: bool = False, any_base: bool = False) -> Store:
        """Open the configured store, refusing one minted under another base IRI.

        :param any_base: open it whatever base IRI it records (``rebase`` re-mints it).
        :raises StoreError: when it cannot be opened, or its base IRI is another.
        """
        store = self.opener(read_only=read_only)
        if any_base:
            return store
        try:
            check_base(store, self.mint.base, where=self.settings.store)
        except StoreError:
            store.close()
            raise
        return store

    # ------------------------------------------------------------ writes (all through changes)

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
            Claimgraph(replace(self.settings, store=str(backup))).open_store(read_only=True).close()

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

    # ------------------------------------------------------------ curators

    def curators(self, store: Store) -> list[Curator]:
        """Every curator the store records (revoked ones too)."""
        return read_curators(store, self.mint)

    def add_curator(self, store: Store, name: str) -> tuple[Curator, str]:
        """Add curator ``name`` with a new token; returns it and the token (shown once, never stored).

        :raises Conflict: when the name is taken. :raises QueryError: for a name that is no slug.
        """
        token = new_token()
        quads = add_quads(self.mint, name, token, self.curators(store), at=_now())
        self._curator_write(store, quads, f"curator {name} added")
        return next(c for c in self.curators(store) if c.name == name), token

    def revoke_curator(self, store: Store, name: str) -> Curator:
        """Revoke curator ``name``'s token (the curator and its history stay).

        :raises NotFound: when there is no such curator.
        """
        quads = revoke_quads(self.mint, name, self.curators(store), at=_now())
        if quads:
            self._curator_write(store, quads, f"curator {name} revoked")
        return next(c for c in self.curators(store) if c.name == name)

    def _curator_write(self, store: Store, quads: list, summary: str) -> None:
        activity = self._activity("curator")
        activity.extra = quads
        if not activity.reason:
            activity.reason = summary
        self._commit(store, Change(), kind="curator", activity=activity)
        self.committed(store, [curators_graph(self.mint)])

    def authenticate(self, store: Store, token: str | None) -> Curator:
        """Whose ``token`` it is, read from the store now (inside the write it guards).

        :raises Unauthorized: (401) no token, or an unknown one. :raises Revoked: (403).
        :raises Forbidden: (403) writes are off: no operator token and no curator.
        """
        self._check_writable()
        if self._is_operator(token):
            return operator(self.mint)
        return self._check(token, self.curators(store))

    def _is_operator(self, token: str | None) -> bool:
        operator_token = self.settings.token
        return bool(token and operator_token) and hmac.compare_digest(
            str(token).encode(), operator_token.encode()
        )

    def check_token(self, token: str | None, select: Callable[[str], list]) -> Curator:
        """:meth:`authenticate` from the curators read through ``select`` (a query worker), kept
        for the commit they were read at: a write that adds or revokes a curator changes the
        commit, so a revoked token is refused at once."""
        self._check_writable()
        if self._is_operator(token):
            return operator(self.mint)
        remote = self.opener.remote is not None
        if remote:
            self._marker = None  # a curator revoked by another process: read the marker again
        tag = self.marker.tag
        cached = self._curators_read
        if cached is None or cached[0] != tag:
            rows = select(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{curators_graph(self.mint)}> {{ ?s ?p ?o }} }}")
            curators = curators_from_quads(((r["s"], r["p"], r["o"]) for r in rows), self.mint)
            cached = self._curators_read = (tag, curators)
        return self._check(token, cached[1])

    def _check_writable(self) -> None:
        if self.settings.read_only:
            raise Forbidden("writes are off: this server serves its store read-only (read_only is set)")

    def _check(self, token: str | None, curators: list[Curator]) -> Curator:
        operator_token = self.settings.token
        if not operator_token and not curators:
            raise Forbidden("writes are off: this server has no CLAIMGRAPH_TOKEN configured and no curator")
        return authenticate(token, curators, operator_token=operator_token, mint=self.mint)

    # ------------------------------------------------------------ corpora sent to the server

    @cached_property
    def uploads(self) -> Uploads:
        """Where corpora sent file by file wait for their last request (beside the store's folder)."""
        folder = self.store_folder
        if folder is not None:
            return Uploads(folder.parent / f".{folder.name}-uploads")
        digest = hashlib.sha256(self.settings.store.encode()).hexdigest()[:12]
        return Uploads(Path(tempfile.gettempdir()) / f"claimgraph-uploads-{digest}")

    # ------------------------------------------------------------ the history

    @property
    def history_graph(self) -> URIRef:
        return history_graph(self.mint)

    @property
    def withdrawn_graph(self) -> URIRef:
        return withdrawn_graph(self.mint)

    def history_length(self, store: Store) -> int:
        return history_length(store)

    def history(self, select: Select, filters: Filters) -> tuple[list[Entry], bool]:
        """A page of the history (newest first; oldest first after ``since``) and whether more follow."""
        return read_entries(select, self.mint, filters)

    def corpus(self, select: Select, iri: str) -> Corpus | None:
        """A corpus's documents, declared entities and the writes that touched it."""
        return read_corpus(select, self.mint, iri)

    def history_entry(self, select: Select, iri: str) -> Entry | None:
        """One write whole, with the claims it generated and invalidated."""
        return read_entry(select, self.mint, iri)

    def story(self, select: Select, iri: str) -> Story:
        """What the history says of a claim or a document (and whether it is kept withdrawn)."""
        return read_story(select, self.mint, iri)

    def withdrawn_claim(self, select: Select, iri: str) -> dict[str, str]:
        """A withdrawn claim's triple, claimant, document and quote."""
        return claim_parts(select, self.mint, iri)

    def curator_known(self, select: Select, name: str) -> bool:
        """Whether the store records curator ``name`` (revoked or not; the operator once it wrote)."""
        rows = select(
            f"SELECT ?t WHERE {{ GRAPH <{curators_graph(self.mint)}> {{ <{curator_iri(self.mint, name)}> a ?t }} }} LIMIT 1"
        )
        return bool(rows)

    def history_atom(self, entries: list[Entry], *, feed_url: str, page_url: str) -> bytes:
        return atom(entries, feed_url=feed_url, mint=self.mint, page_url=page_url)

    # ------------------------------------------------------------ after every write

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

    def run_named(self, store: Store, name: str, params: Mapping[str, str] | None = None) -> QueryResult:
        """Run one of ``queries/*.rq`` with its parameters bound.

        :raises NotFound: for an unknown query; :raises QueryError: for an unknown parameter.
        """
        return store.query(self.named_query_text(name, params))

    def named_query_text(self, name: str, params: Mapping[str, str] | None = None) -> str:
        """The text of one of ``queries/*.rq`` with its parameters bound.

        An IRI parameter may be given relative to the base IRI: a short id names
        an entity (``camp-ashraf-attack-2013`` → ``<base>entity/camp-ashraf-attack-2013``),
        a path anything under the base (``claim/…``, ``document/…``).

        :raises NotFound: for an unknown query.
        :raises QueryError: for an unknown parameter or a value of the wrong type.
        """
        query = self.named_query(name)
        iris = {p.name for p in query.parameters if p.type == "iri"}
        values = {k: self.expand_iri(v) if k in iris else v for k, v in (params or {}).items()}
        return bind_parameters(query, values)

    def named_query(self, name: str) -> NamedQuery:
        """One of ``queries/*.rq``.

        :raises NotFound: for an unknown name; the message lists the known ones.
        """
        if name not in self.named_queries:
            known = ", ".join(sorted(self.named_queries)) or "none"
            raise NotFound(f"no named query {name!r}; known: {known}")
        return self.named_queries[name]

    def expand_iri(self, text: str) -> str:
        """An IRI as given, or relative to the base IRI (see :meth:`named_query_text`)."""
        if not _RELATIVE.fullmatch(text):
            return text  # an IRI, or something render_parameter will refuse as one
        return self.mint.expand(text)

    # ------------------------------------------------------------ the query path

    def answer_function(self) -> partial[QueryAnswer]:
        """:func:`claimgraph.answers.answer` with this claimgraph's limits, for a pool of workers."""
        s = self.settings
        return partial(answer, max_rows=s.max_rows, allow_service=s.allow_service)

    @cached_property
    def answers(self) -> AnswerCache:
        """The answers the server gives again to the same request at the same commit."""
        return AnswerCache(self.settings.answer_cache * 1_048_576)

    def remembered(self, request: QueryRequest, run: Callable[[], QueryAnswer]) -> QueryAnswer:
        """``run()``'s answer to ``request``, or the one it gave at this commit already.

        Only answers are kept: a refusal, a timeout or an error runs again next time.
        """
        if self.answers.max_bytes <= 0:
            return run()
        key = (self.marker.tag, request)
        found = self.answers.get(key)
        if found is None:
            found = run()
            self.answers.put(key, found)
        return found

    def answer(self, store: Store, request: QueryRequest | DumpRequest) -> QueryAnswer:
        """Answer a query (or dump a graph) in this process, as bytes in the negotiated format."""
        return self.answer_function()(store, request)

    def executor(self, *, processes: bool = False, store: Store | None = None) -> Executor:
        """What runs the server's queries and writes.

        :param processes: run queries in worker processes stopped at the time limit
            (:class:`claimgraph.workers.ProcessExecutor`), as ``serve`` does; else in
            this process (:class:`claimgraph.workers.InlineExecutor`), as tests and
            ``:memory:`` stores do.
        :param store: the open store an in-process executor uses (default: it opens one).
        """
        s = self.settings
        if processes and self.opener.shared:
            # The server takes writes beside reads: no worker stops while one runs.
            return ProcessExecutor(
                s.store,
                self.answer_function(),
                workers=s.query_workers,
                timeout=s.query_timeout,
                opener=self.opener,
                exclusive_writes=False,
            )
        if processes and s.store != MEMORY:
            # The server keeps the store open for writing and the workers read snapshots of
            # it, so that reads go on during writes; served read-only, they read the store.
            return ProcessExecutor(
                s.store,
                self.answer_function(),
                workers=s.query_workers,
                timeout=s.query_timeout,
                snapshots=not s.read_only,
            )
        return InlineExecutor(store if store is not None else self.open_store(), self.answer_function())

    @cached_property
    def _dumps(self) -> DumpCache:
        return DumpCache()

    def reader(self, executor: Executor) -> Reader:
        """What the linked-data edge and the pages read, through ``executor`` (a worker per read,
        stopped at the time limit), with the dumps of the current commit shared by every reader."""
        s = self.settings

        def run(request: QueryRequest | DumpRequest) -> QueryAnswer:
            return executor.query(request, timeout=s.query_timeout)

        return Reader(
            run,
            mint=self.mint,
            cap=max(1, min(DESCRIPTION_CAP, s.max_rows - 1)),
            context_path=self.context_path,
            license=s.data_license,
            commit=self.marker.tag,
            dumps=self._dumps,
        )

    @property
    def context_path(self) -> Path:
        """The project's JSON-LD context (``ontology/context.jsonld``)."""
        return Path(self.settings.ontology_dir) / "context.jsonld"

    def export(self, store: Store, fmt: str, *, compress: bool = False) -> bytes:
        """The whole store as one of :data:`claimgraph.export.FORMATS`, gzip-compressed when asked."""
        data = export(
            store, fmt, context_path=self.context_path, mint=self.mint, license=self.settings.data_license
        )
        return gzipped(data) if compress else data

    def check(self, store: Store) -> list[Finding]:
        """Whether ``store`` is whole (:mod:`claimgraph.integrity`); reads only."""
        folder = self.store_folder
        return check_store(
            store,
            self.policy,
            vocabulary=self._vocabulary_change(),
            index=folder / INDEX_FILE if folder is not None and not self.settings.read_only else None,
        )

    def stats(self, store: Store) -> dict[str, int]:
        """Counts a curator checks after a load.

        ``contested_facts`` counts the keys (subject, property, count kind or none)
        of a functional property on which claims give different values: 50 deaths
        against 52 deaths is one, 52 bodies seen beside them is another key, not a
        disagreement. ``several_values`` counts the keys of the other properties
        with more than one value (a victim, a characterisation), which may all hold.
        Claims, documents, agents (of the registry), claimants, graphs and quads are counts a
        store on a server keeps at each commit (each claim, document and agent is typed in one graph).
        """

        def keys_with_several_values(functional: bool) -> int:
            # The consensus's cg:ContestedValue records, so that dates agreeing at different
            # precision (which get none) are not counted.
            test = "EXISTS" if functional else "NOT EXISTS"
            rows = store.query(
                "SELECT (COUNT(*) AS ?n) WHERE { { SELECT DISTINCT ?s ?p ?key WHERE { "
                f"?r a <{CG.ContestedValue}> ; <{RDF.subject}> ?s ; <{RDF.predicate}> ?p . "
                f"OPTIONAL {{ ?r <{CG.countKind}> ?kind }} BIND (COALESCE(STR(?kind), '') AS ?key) "
                f"FILTER {test} {{ ?p a <{OWL.FunctionalProperty}> }} }} }} }}"
            ).rows
            return int(rows[0]["n"].toPython())

        return {
            "quads": len(store),
            "graphs": store.graph_count(),
            "claims": store.typed(str(CG.Claim)),
            "documents": store.typed(str(CG.SourceDocument)),
            "agents": store.typed(str(PROV.Agent), graph=str(self.mint.registry_graph)),
            "claimants": store.distinct_objects(str(PROV.wasAttributedTo)),
            "consensus_statements": store.typed(str(CG.ConsensusStatement)),
            "contested_facts": keys_with_several_values(functional=True),
            "several_values": keys_with_several_values(functional=False),
        }

    # ------------------------------------------------------------ the annotation page

    @cached_property
    def draft_terms(self) -> DraftTerms:
        """What drafting and the annotation page read of the vocabulary (count kinds, properties)."""
        return read_terms(vocabulary_files(Path(self.settings.ontology_dir)))

    def add_claim(self, store: Store, data: Mapping) -> WriteReport:
        """Commit one claim sent as JSON (see :mod:`claimgraph.annotation`), with the new entities
        and agents it brings, through the one write path (``POST /claims``).

        :raises InvalidInput: every problem, each with the field it concerns (``path``).
        """
        dates = frozenset(
            PREFIXES[c.split(":")[0]] + c.split(":", 1)[1] for c in self.draft_terms.date_properties
        )
        change, claim, _entities = claim_change(
            store, data, self.mint, date_properties=dates, terms=self.terms
        )
        report = self._commit(store, change, kind="claims")
        report.claims = [str(self.mint.claim(claim))]
        return report

    def add_document_upload(self, store: Store, upload: DocumentUpload) -> tuple[WriteReport, str]:
        """Add a document sent from the browser, as ``add-document`` and a load of its sheet would;
        returns the report and the document's id.

        :raises Conflict: when the store holds a document of that id already.
        :raises InvalidInput: every problem, each with the form field it concerns (``path``).
        """
        data, _file_name, added, sheet = uploaded_sheet(upload)
        if store.has_graph(self.mint.document_graph(added.id)):
            raise Conflict(f"the store holds a document {added.id!r} already; give this one another id")
        sheet_upload = SheetUpload(
            sheet=sheet, name=added.sheet.name, document=data, corpus_name=upload.corpus or None
        )
        return self._commit(
            store, sheet_change(store, sheet_upload, self.mint, terms=self.terms)[0], kind="document"
        ), added.id

    def annotation_document(self, select: Select, ident: str) -> StoredDocument:
        """A stored document's text and record, for the annotation page. :raises NotFound:"""
        return stored_document(select, self.mint, ident)

    def annotation_claims(self, select: Select, ident: str) -> list[dict]:
        """The claims read in a document, with their offsets."""
        return document_claims(select, self.mint, ident)

    def annotation_drafts(self, select: Select, ident: str) -> dict:
        """The drafting assistant's proposals for a stored document, and the labels of the
        entities and agents they (and the document's creator) name."""
        key = (self.marker.tag, ident)
        if key in self._drafts:
            return self._drafts[key]
        document = stored_document(select, self.mint, ident)
        registry = suggestions.registry(select, self.mint)
        drafts = suggestions.drafts(document, registry, self.draft_terms)
        named = (
            {document.creator}
            | {d[k] for d in drafts for k in ("subject", "claimant", "medium") if d.get(k)}
            | {v for d in drafts for v in d["via"]}
        )
        labels = {e.id: e.label for e in registry if e.id in named}
        if len(self._drafts) >= DRAFTS_KEPT:
            self._drafts.pop(next(iter(self._drafts), None), None)
        found = self._drafts[key] = {"drafts": drafts, "labels": labels}
        return found

    def suggest(self, select: Select, kind: str, query: str) -> list[dict[str, str]]:
        """At most :data:`claimgraph.suggestions.MAX_SUGGESTIONS` entities, agents, properties or
        count kinds whose labels (or alternative labels) hold every word of ``query``.

        :raises QueryError: for an unknown ``kind``.
        """
        if kind not in suggestions.KINDS:
            raise QueryError(f"kind must be one of {', '.join(suggestions.KINDS)}, got {kind!r}")
        query = query[:200]
        if kind == "property":
            found = suggestions.properties(self.vocabulary, self.draft_terms, select)
            return suggestions.pick((p.as_dict() for p in found), query)
        if kind == "count_kind":
            return suggestions.pick(suggestions.count_kinds(self.draft_terms, select), query)
        index = self.ensure_search_index(select)
        prefix = self.mint.under("entity")
        wanted = ("agent",) if kind == "agent" else ("event", "agent", "entity")
        hits = index.search(query, field="name", limit=200) if query.strip() else index.names()
        out = []
        for hit in hits:
            if hit.kind in wanted and hit.iri.startswith(prefix):
                out.append(
                    {
                        "id": hit.iri[len(prefix) :],
                        "label": hit.label,
                        "kind": hit.kind,
                        "matched": hit.matched,
                    }
                )
            if len(out) == suggestions.MAX_SUGGESTIONS:
                break
        return out

    def draft(
        self,
        document: Path,
        *,
        corpus: Path | None = None,
        store: Store | None = None,
        scheme: Path | None = None,
    ) -> DraftSheet:
        """The draft sheet of ``document`` (see :mod:`claimgraph.draft`): proposals from its
        corpus's ``corpus.yaml`` and, with ``store``, the store's registry; count kinds from the
        ontology folder's SKOS scheme, or from ``scheme`` (a Turtle file of one's own)."""
        registry = registry_entities(store, self.mint) if store is not None else ()
        terms = read_terms(vocabulary_files(Path(self.settings.ontology_dir), scheme))
        return draft_sheet(document, corpus=corpus, registry=registry, terms=terms)


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

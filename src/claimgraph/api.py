"""The claimgraph application: settings, store, vocabulary and named queries together.

The CLI and the web layer call this and nothing below it (beside ``config``,
``errors`` and ``formats`` at the bottom), so both behave the same way. What
they need from the layers below is reached through :class:`Claimgraph` or
re-exported here: the requests and answers of :mod:`claimgraph.answers`, and
content negotiation.

:class:`Claimgraph` holds the settings, opens the store and answers queries here; its
other parts, one job each, are in :mod:`claimgraph.app`: the writes (``app.writes``),
curators and tokens (``app.curation``), the history (``app.history``), what follows a
commit (``app.commits``), the named queries (``app.named``), the annotation page
(``app.annotation``) and the answer cache (``app.cache``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path

from .annotation import StoredDocument
from .answers import EVERY_GRAPH, DumpRequest, QueryAnswer, QueryRequest, answer
from .app.annotation import Annotation
from .app.cache import AnswerCache
from .app.commits import AfterCommit
from .app.curation import Curation
from .app.history import HistoryReads
from .app.named import NamedQueries
from .app.writes import Writes
from .audit import Entry, Filters, Story
from .changes import Policy, WriteReport, check_base
from .config import Settings, ontology_folder
from .curators import Curator
from .describe import DESCRIPTION_CAP
from .documents import AddedDocument, DocumentUpload, add_document, init_corpus
from .draft import DraftSheet
from .errors import StoreError
from .export import FORMATS as EXPORT_FORMATS
from .export import GZIP, dump_file, export, gzipped
from .history import kept_graphs
from .integrity import Finding, check_store
from .iris import METADATA_GRAPH, Minter
from .loader import SheetUpload
from .model import QUALIFIERS as QUALIFIER_FIELDS
from .namespaces import CG, OWL, PROV, RDF
from .negotiation import best_match, choose_format
from .queries import NamedQuery
from .rdf.parse import UPLOAD_FORMATS, parse_upload
from .rdf.terms import Triple, absolute_iri
from .reader import Description, DumpCache, Reader
from .search import INDEX_FILE
from .serverclient import ServerClient
from .store import MEMORY, CommitMarker, Store, StoreOpener
from .termcheck import Terms, known_terms
from .validation import Vocabulary, load_vocabulary
from .workers import Executor, InlineExecutor, ProcessExecutor

#: The word in CLAIMGRAPH_OPEN_GRAPHS that opens the default graph.
OPEN_DEFAULT = "DEFAULT"


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


@dataclass
class Claimgraph(Writes, Curation, HistoryReads, AfterCommit, NamedQueries, Annotation):
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

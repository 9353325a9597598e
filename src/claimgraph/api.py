"""The claimgraph application: settings, store, vocabulary and named queries together.

The CLI and the web layer call this and nothing below it, so both behave the
same way.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from rdflib import URIRef
from rdflib.namespace import RDF

from .changes import (
    Change,
    Policy,
    Progress,
    WriteReport,
    _silent,
    check_base,
    commit,
    plan,
    rebase,
    recorded_base,
    update_change,
)
from .config import Settings
from .errors import Problem, QueryError, StoreError
from .export import export, vocabulary_graphs
from .loader import (
    SheetUpload,
    corpus_change,
    rdf_claims_change,
    read_corpus_for,
    sheet_change,
    withdraw_change,
)
from .mapping import Minter
from .namespaces import CG, PROV
from .queries import NamedQuery, bind_parameters, load_named_queries
from .sparqltext import with_dataset
from .store import QueryResult as QueryResult
from .store import Store, Triple, open_store
from .validation import Vocabulary, load_vocabulary

CLAIM_TYPE = (RDF.type, CG.Claim)

#: The word in CLAIMGRAPH_OPEN_GRAPHS that opens the default graph.
OPEN_DEFAULT = "DEFAULT"


@dataclass
class Claimgraph:
    """One configured claimgraph: everything the edges need, opened lazily."""

    settings: Settings

    @cached_property
    def mint(self) -> Minter:
        return Minter(self.settings.base_iri)

    @cached_property
    def vocabulary(self) -> Vocabulary:
        return load_vocabulary(str(Path(self.settings.ontology_dir).resolve()))

    @cached_property
    def named_queries(self) -> dict[str, NamedQuery]:
        return load_named_queries(Path(self.settings.queries_dir))

    @cached_property
    def policy(self) -> Policy:
        words = self.settings.open_graphs.replace(",", " ").split()
        return Policy(
            mint=self.mint,
            vocabulary=self.vocabulary,
            open_graphs=tuple(w for w in words if w != OPEN_DEFAULT),
            open_default=OPEN_DEFAULT in words,
        )

    def open_store(self, *, read_only: bool = False) -> Store:
        """Open the configured store, refusing one minted under another base IRI.

        :raises StoreError: when it cannot be opened, or its base IRI is another.
        """
        store = open_store(self.settings.store, read_only=read_only)
        try:
            check_base(store, self.mint.base, where=self.settings.store)
        except StoreError:
            store.close()
            raise
        return store

    # ------------------------------------------------------------ writes (all through changes)

    def _vocabulary_change(self) -> dict:
        graphs = vocabulary_graphs(Path(self.settings.ontology_dir), self.mint)
        return {name: list(graph) for name, graph in graphs.items()}

    def _corpus_change(self, store: Store, folder: Path, *, replace: bool) -> tuple[Change, int]:
        problems: list[Problem] = []
        corpus = read_corpus_for(store, folder, self.mint, problems)
        change = corpus_change(store, corpus, self.mint, replace=replace, problems=problems)
        change.vocabulary = self._vocabulary_change()
        return change, len(corpus.claims)

    def load(
        self, store: Store, folder: Path, *, replace: bool = False, progress: Progress = _silent
    ) -> WriteReport:
        """Load a corpus folder, with the vocabulary graphs, in one transaction.

        :param replace: let the corpus take over documents another corpus owns.
        :raises InvalidInput: listing every problem of every sheet and shape; nothing is written.
        """
        progress("reading sheets", 0, 1)
        change, _claims = self._corpus_change(store, folder, replace=replace)
        progress("reading sheets", 1, 1)
        return commit(store, change, self.policy, progress=progress)

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
            change, claims = self._corpus_change(target, folder, replace=replace)
            plan(target, change, self.policy, progress=progress)
            return claims
        finally:
            if scratch:
                target.close()

    def withdraw(self, store: Store, document_id: str) -> WriteReport:
        """Withdraw a document (its graph and claims) and the entities nothing else refers to.

        :raises LookupError: when the store holds no such document.
        """
        return commit(store, withdraw_change(store, document_id, self.mint), self.policy)

    def add_sheet(self, store: Store, upload: SheetUpload) -> WriteReport:
        """Commit a claim sheet's document graph whole (``POST /claims``)."""
        change = sheet_change(store, upload, self.mint)
        report = commit(store, change, self.policy)
        report.claims = sorted(
            {str(s) for triples in change.replace.values() for s, p, o in triples if (p, o) == CLAIM_TYPE}
        )
        return report

    def add_claims_rdf(self, store: Store, triples: list[Triple]) -> WriteReport:
        """Merge claims given as RDF into their documents' graphs (``POST /claims``)."""
        change = rdf_claims_change(store, triples, self.mint)
        report = commit(store, change, self.policy)
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
        return commit(store, change, self.policy)

    def put_graph(self, store: Store, graph: URIRef | None, triples: list[Triple]) -> WriteReport:
        """Replace a graph (None: the default graph); ``created`` says it was new."""
        created = graph is not None and not store.has_graph(graph)
        change = Change(replace={graph: triples}, create={graph} if graph is not None else set())
        report = commit(store, change, self.policy)
        report.created = created
        return report

    def post_graph(self, store: Store, graph: URIRef | None, triples: list[Triple]) -> WriteReport:
        """Merge triples into a graph, creating it if needed."""
        created = graph is not None and not store.has_graph(graph)
        change = Change(
            add=[(s, p, o, graph) for s, p, o in triples], create={graph} if graph is not None else set()
        )
        report = commit(store, change, self.policy)
        report.created = created
        return report

    def delete_graph(self, store: Store, graph: URIRef | None) -> WriteReport:
        """Drop a named graph, or empty the default graph.

        :raises LookupError: when the named graph does not exist.
        """
        if graph is None:
            return commit(store, Change(replace={None: []}), self.policy)
        if not store.has_graph(graph):
            raise LookupError(str(graph))
        return commit(store, Change(drop={graph}), self.policy)

    def new_graph_iri(self) -> URIRef:
        """A fresh graph IRI for a POST to the graph store itself."""
        return URIRef(f"{self.mint.base}graph/upload/{uuid.uuid4().hex}")

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
        return rebase(store, old, new_base, Minter(new_base))

    def run_named(self, store: Store, name: str, params: Mapping[str, str] | None = None) -> QueryResult:
        """Run one of ``queries/*.rq`` with its parameters bound.

        :raises QueryError: for an unknown query or parameter.
        """
        if name not in self.named_queries:
            raise QueryError(f"no named query {name!r}; known: {', '.join(sorted(self.named_queries))}")
        return store.query(bind_parameters(self.named_queries[name], params or {}))

    def export(self, store: Store, fmt: str) -> bytes:
        return export(store, fmt, context_path=Path(self.settings.ontology_dir) / "context.jsonld")

    def stats(self, store: Store) -> dict[str, int]:
        """Counts a curator checks after a load."""

        def count(pattern: str) -> int:
            rows = store.query(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {pattern} }}").rows
            return int(rows[0]["n"].toPython())

        return {
            "quads": len(store),
            "graphs": len(store.graph_names()),
            "claims": count(f"?x a <{CG.Claim}>"),
            "documents": count(f"?x a <{CG.SourceDocument}>"),
            "agents": count(f"?x a <{PROV.Agent}>"),
            "claimants": count(f"?c <{PROV.wasAttributedTo}> ?x"),
            "consensus_statements": count(f"?x a <{CG.ConsensusStatement}>"),
            "contested_facts": count(
                f"?c1 a <{CG.Claim}> ; "
                "<http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> ?s ; "
                "<http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate> ?p ; "
                "<http://www.w3.org/1999/02/22-rdf-syntax-ns#object> ?o1 . "
                f"?c2 a <{CG.Claim}> ; <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> ?s ; "
                "<http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate> ?p ; "
                "<http://www.w3.org/1999/02/22-rdf-syntax-ns#object> ?o2 . "
                "FILTER (!sameTerm(?o1, ?o2)) BIND (CONCAT(STR(?s), ' ', STR(?p)) AS ?x)"
            ),
        }

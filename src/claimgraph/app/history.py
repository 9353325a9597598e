"""The history of writes and the corpora, as the application object reads them.

A part of :class:`claimgraph.api.Claimgraph` (whose fields and other parts it uses).
"""

from __future__ import annotations

import hashlib
import tempfile
from functools import cached_property
from pathlib import Path

from rdflib import URIRef

from ..audit import Entry, Filters, Story, atom, claim_parts, read_entries, read_entry, read_story
from ..corpora import Corpus, read_corpus
from ..curators import curator_iri, curators_graph
from ..history import history_graph, history_length, withdrawn_graph
from ..search import Select
from ..store import Store
from ..uploads import Uploads


class HistoryReads:
    """The history of writes and the corpora, as the application object reads them."""

    @cached_property
    def uploads(self) -> Uploads:
        """Where corpora sent file by file wait for their last request (beside the store's folder)."""
        folder = self.store_folder
        if folder is not None:
            return Uploads(folder.parent / f".{folder.name}-uploads")
        digest = hashlib.sha256(self.settings.store.encode()).hexdigest()[:12]
        return Uploads(Path(tempfile.gettempdir()) / f"claimgraph-uploads-{digest}")

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

"""The annotation page and the drafting assistant, as the application object serves them.

A part of :class:`claimgraph.api.Claimgraph` (whose fields and other parts it uses).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from pathlib import Path

from .. import suggestions
from ..annotation import StoredDocument, claim_change, document_claims, stored_document
from ..changes import WriteReport
from ..documents import DocumentUpload, uploaded_sheet
from ..draft import DraftSheet, draft_sheet, read_terms, registry_entities, vocabulary_files
from ..draft import Terms as DraftTerms
from ..errors import Conflict, QueryError
from ..loader import SheetUpload, sheet_change
from ..namespaces import PREFIXES
from ..search import Select
from ..store import Store

#: How many documents' drafts are kept (the newest).
DRAFTS_KEPT = 16


class Annotation:
    """The annotation page and the drafting assistant, as the application object serves them."""

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

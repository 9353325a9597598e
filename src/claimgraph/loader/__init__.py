"""Corpora, claim sheets and claim uploads, turned into changes for the one write path.

A corpus folder becomes one :class:`~claimgraph.changes.Change`: it replaces the
graph of each of its documents, merges its entities and agents into the one
registry graph (each described once, whichever corpus declared it), and records
in its own corpus graph what it declared and which documents it owns. Nothing
is written here: :func:`claimgraph.changes.commit` checks and writes the change.

Nothing is silently replaced: a document belongs to the corpus that loaded it,
and declaring an entity again with another label or type is refused, naming
both places.
"""

from __future__ import annotations

from .documents import corpus_locator, documents_change
from .folders import RegistryIds, corpus_change, folder_change, known_entities, read_corpus_for
from .uploads import SheetUpload, rdf_claims_change, sheet_change
from .withdrawals import withdraw_change

__all__ = [
    "RegistryIds",
    "SheetUpload",
    "corpus_change",
    "corpus_locator",
    "documents_change",
    "folder_change",
    "known_entities",
    "rdf_claims_change",
    "read_corpus_for",
    "sheet_change",
    "withdraw_change",
]

"""The drafting assistant: a document's sentences that state a value or someone's words, as draft claims.

Every sentence that states a number (digits or words, "dozens", "more than 50"), a date
(at the precision the text gives) or attributes speech ("said", "according to",
"reads", "claim", "confirms") becomes a commented-out claim of the sheet format, with
its quote anchored as the loader anchors quotes (the shortest span that holds the
value, with the count's words when they are next to it), the value parsed, the count
kind guessed from the SKOS scheme of count kinds, and subject, claimant and chain
proposed from the registry: labels and alternative labels found in the sentence, the
document's creator as step 0, the speaker of a quotation as the claimant. A researcher
uncomments, corrects and loads. Rule-based, offline (:mod:`claimgraph.mentions`).

Its modules: ``terms`` (count kinds, count and date properties), ``registry`` (names found
in a text), ``speech`` (who says what), ``claims`` (the drafts), ``sheet`` (the draft sheet).
"""

from .claims import Draft, draft_claims
from .registry import Found, find_entities, registry_entities
from .sheet import MARKER, DraftSheet, draft_sheet, render
from .terms import CountKind, Terms, read_terms, vocabulary_files

__all__ = [
    "MARKER",
    "CountKind",
    "Draft",
    "DraftSheet",
    "Found",
    "Terms",
    "draft_claims",
    "draft_sheet",
    "find_entities",
    "read_terms",
    "registry_entities",
    "render",
    "vocabulary_files",
]

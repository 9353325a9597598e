"""Reading claim sheets and anchoring their quotes in the documents.

A corpus folder holds ``corpus.yaml`` (entities and agents), the documents and
one sheet per document. Reading collects every problem, each with its sheet
and line, before it raises.

The package, one job a module: :mod:`.yamltext` (a sheet's text and YAML, with lines and no
key twice), :mod:`.values` (literals and dates), :mod:`.quotes` (anchoring a quote),
:mod:`.checks` (the collector of problems, ids), :mod:`.entities` (``corpus.yaml``),
:mod:`.claims` (one claim sheet), :mod:`.folders` (a corpus folder, sheet by sheet).

>>> anchor_quote("one two one", "one", occurrence=2)
Quote(exact='one', start=8, end=11, prefix='one two ', suffix='')
"""

from .checks import SLUG, bad_id
from .claims import CLAIM_KEYS, DOCUMENT_KEYS, read_sheet
from .entities import ENTITY_KEYS, read_entities
from .folders import CORPUS_FILE, CorpusFolder, open_corpus, read_corpus, read_documents, sheet_for
from .quotes import CONTEXT_CHARS, QuoteNotFound, anchor_quote
from .values import MONTH_DAY, YEAR_MONTH, read_date, read_value
from .yamltext import parse_yaml, read_text

__all__ = [
    "CLAIM_KEYS",
    "CONTEXT_CHARS",
    "CORPUS_FILE",
    "DOCUMENT_KEYS",
    "ENTITY_KEYS",
    "MONTH_DAY",
    "SLUG",
    "YEAR_MONTH",
    "CorpusFolder",
    "QuoteNotFound",
    "anchor_quote",
    "bad_id",
    "open_corpus",
    "parse_yaml",
    "read_corpus",
    "read_date",
    "read_documents",
    "read_entities",
    "read_sheet",
    "read_text",
    "read_value",
    "sheet_for",
]

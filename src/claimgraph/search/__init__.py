"""The full-text search index: names (labels, alternative labels) and quotes, in SQLite FTS5.

A name search finds every entity, agent and document by its label or any of its
alternative spellings (``skos:altLabel``), so that "Hezballah" finds the party
labelled "Kata'ib Hezbollah"; a quote search finds the claims whose quote holds
the words. Every word of the search must occur (as a word or the start of one).

The index is a file beside the store's data (``claimgraph-search.sqlite`` in the
store folder; in memory for ``:memory:``). It is kept in step with the store by
:meth:`claimgraph.api.Claimgraph.committed`, which every write calls after it
commits: :func:`update` re-reads only the graphs the write replaced, and
:func:`rebuild` everything. The index records the commit it reflects
(:attr:`SearchIndex.marker`), so that a stale index (a store written by an older
version) is rebuilt on first use. Rows come from SPARQL through a ``select``
function, so the same code reads a store object or the server's query workers.

The package, one job a module: :mod:`.index` (the FTS5 table, its entries and search),
:mod:`.reading` (entries read from a store by SPARQL; rebuild and update), :mod:`.staging`
(entries from a write's own triples, published once it commits).

>>> index = SearchIndex(None)
>>> index.replace(None, [Entry("name", "http://e/kh", "Kata'ib Hezbollah", "Hezballah", "http://e/g", "agent")])
>>> [hit.label for hit in index.search("hezball")]
["Kata'ib Hezbollah"]
"""

from .index import (
    INDEX_FILE,
    KINDS,
    MARK_END,
    MARK_START,
    MAX_HITS,
    MAX_WORDS,
    Entry,
    Hit,
    SearchIndex,
    marked_parts,
    match_expression,
    stored_marker,
)
from .reading import PAGE, Select, entries_query, read_entries, rebuild, update
from .staging import StagedEntries, graph_entries

__all__ = [
    "INDEX_FILE",
    "KINDS",
    "MARK_END",
    "MARK_START",
    "MAX_HITS",
    "MAX_WORDS",
    "PAGE",
    "Entry",
    "Hit",
    "SearchIndex",
    "Select",
    "StagedEntries",
    "entries_query",
    "graph_entries",
    "marked_parts",
    "match_expression",
    "read_entries",
    "rebuild",
    "stored_marker",
    "update",
]

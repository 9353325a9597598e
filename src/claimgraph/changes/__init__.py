"""The one write path: every write is a :class:`Change`, checked and committed here.

A change is graphs replaced (name → triples), quads added, quads removed, graphs
created and graphs dropped. :func:`plan` turns it into the exact quads to remove
and add, reading only the graphs it replaces or drops and the nodes it touches
(so a write costs what it changes), then

1. refuses what may not be in the store (``ontology/shapes.ttl``): a domain
   assertion outside a claim, a write to the consensus, vocabulary or metadata
   graphs, an untyped node outside the open graphs;
2. validates the touched claims and nodes, as the change leaves them, with the
   context they need (the documents and agents they point at), a few thousand
   triples at a time, every problem of every chunk reported together;
3. asks :mod:`claimgraph.consensus` for the consensus delta of the keys it touches.

:func:`commit` then writes the change and its consensus delta with ONE
``store.apply`` (one transaction); :func:`plan` alone is ``validate``. No other
module calls the store's write methods (``tests/test_layers.py`` checks it).

Blank nodes never enter the store: they are replaced by skolem IRIs
(``<base>.well-known/genid/…``) on the way in, so a diff can always be applied by
value.

The package, by job: :mod:`.change` (what a write is), :mod:`.rules` (the closed-world
rules), :mod:`.plan` (a change as exact quads, checked), :mod:`.validate` (SHACL on the
touched nodes), :mod:`.stream` (new graphs, a chunk at a time), :mod:`.meta` (the store's
own record: base IRI, format, counters), :mod:`.commit` (the one transaction).
"""

from __future__ import annotations

from ..iris import METADATA_GRAPH, STORE_NODE
from .change import (
    CHUNK_TRIPLES,
    Change,
    FreshGraph,
    Locate,
    Plan,
    Policy,
    Progress,
    Record,
    Stream,
    TextTriple,
    WriteReport,
    claim_row,
    node_base,
    silent,
)
from .commit import advance_marker, changed_graphs, check_update_text, commit, rebase, update_change
from .meta import (
    STORE_FORMAT,
    check_base,
    check_format,
    history_length,
    history_length_quads,
    metadata_quads,
    recorded_base,
    recorded_format,
)
from .plan import plan
from .rules import CURATION, DOCUMENT_RECORD, SHAPES, STRUCTURAL, claim_properties

#: The names the importers of the single module used (api, loader, history).
_silent = silent
_base = node_base

__all__ = [
    "CHUNK_TRIPLES",
    "CURATION",
    "DOCUMENT_RECORD",
    "METADATA_GRAPH",
    "SHAPES",
    "STORE_FORMAT",
    "STORE_NODE",
    "STRUCTURAL",
    "Change",
    "FreshGraph",
    "Locate",
    "Plan",
    "Policy",
    "Progress",
    "Record",
    "Stream",
    "TextTriple",
    "WriteReport",
    "advance_marker",
    "changed_graphs",
    "check_base",
    "check_format",
    "check_update_text",
    "claim_properties",
    "claim_row",
    "commit",
    "history_length",
    "history_length_quads",
    "metadata_quads",
    "node_base",
    "plan",
    "rebase",
    "recorded_base",
    "recorded_format",
    "silent",
    "update_change",
]

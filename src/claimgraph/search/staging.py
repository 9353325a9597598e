"""Index entries from a write's own triples, staged while it is checked and published once it commits."""

from __future__ import annotations

import contextlib
import re
import secrets
import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any

from ..namespaces import CG, OA, PROV, RDF, RDFS, SKOS
from .index import Entry, SearchIndex

_NAME_PROPERTIES = {f"<{RDFS.label}>", f"<{SKOS.prefLabel}>", f"<{SKOS.altLabel}>"}
_LABEL, _TYPE = f"<{RDFS.label}>", f"<{RDF.type}>"
_DOCUMENT, _CLAIM, _QUOTE = f"<{CG.SourceDocument}>", f"<{CG.Claim}>", f"<{OA.TextQuoteSelector}>"
_EVIDENCE, _SELECTOR, _EXACT = f"<{CG.evidence}>", f"<{OA.hasSelector}>", f"<{OA.exact}>"
_DERIVED = f"<{PROV.wasDerivedFrom}>"
_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")
_ESCAPED = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f"}


def _lexical(term: str) -> str | None:
    """The lexical form of an N-Triples literal (None for an IRI or a blank node).

    >>> _lexical('"say \\\\"52\\\\"\\\\n"@en'), _lexical('"7"^^<http://www.w3.org/2001/XMLSchema#integer>')
    ('say "52"\\n', '7')
    """
    if not term.startswith('"'):
        return None
    body = term[1 : term.rindex('"')]
    if "\\" not in body:
        return body

    def unescape(m: re.Match[str]) -> str:
        code = m.group(1)
        return chr(int(code[1:], 16)) if code[0] in "uU" and len(code) > 1 else _ESCAPED.get(code, code)

    return _ESCAPE.sub(unescape, body)


def graph_entries(graph: str, triples: Iterable[tuple[str, str, str]]) -> list[Entry] | None:
    """The entries of a graph new to the store, from its triples as N-Triples terms.

    They are those :func:`update` reads back by SPARQL once the graph is committed (a load's
    document graph: its document's names and its claims' quotes), taken from the write
    path's own text instead. None when an entry would need what the graph does not say
    (a named node that is not a document described here, a quote whose document is not):
    that graph is read back by SPARQL.
    """
    edges: dict[str, dict[str, list[str]]] = {}
    for s, p, o in set(triples):
        edges.setdefault(s, {}).setdefault(p, []).append(o)

    def values(node: str, p: str) -> list[str]:
        return edges.get(node, {}).get(p, [])

    def documented(node: str) -> bool:
        return _DOCUMENT in values(node, _TYPE) and bool(values(node, _LABEL))

    entries: list[Entry] = []
    for node, properties in edges.items():
        if not node.startswith("<"):
            return None  # a blank node: as the store keeps it, read back
        iri = node[1:-1]
        names = [(p, _lexical(o)) for p in _NAME_PROPERTIES for o in properties.get(p, ())]
        if any(text is not None for _p, text in names):
            if not documented(node):
                return None
            for label in values(node, _LABEL):
                for _p, text in names:
                    if text is not None:
                        entries.append(Entry("name", iri, _lexical(label) or "", text, graph, "document"))
        if _CLAIM in properties.get(_TYPE, ()):
            for evidence in properties.get(_EVIDENCE, ()):
                for selector in values(evidence, _SELECTOR):
                    if _QUOTE not in values(selector, _TYPE):
                        continue
                    for exact in values(selector, _EXACT):
                        for document in properties.get(_DERIVED, ()):
                            if not documented(document):
                                return None
                            for label in values(document, _LABEL):
                                text = _lexical(exact)
                                if text is not None:
                                    entry = Entry(
                                        "quote", iri, _lexical(label) or "", text, graph, document[1:-1]
                                    )
                                    entries.append(entry)
    return entries


class StagedEntries:
    """The index entries of a write's new graphs, gathered from the write path's own triples.

    :meth:`tee` passes the write's new graphs through while it stages each one's entries
    in the index (on disk beside it: nothing per claim stays in memory); once the write is
    committed, :meth:`publish` makes them searchable, and the write's other graphs are
    read back by SPARQL as before (:func:`update`). A write that is not committed leaves
    nothing (:meth:`discard`).
    """

    def __init__(self, index: SearchIndex) -> None:
        self.index = index
        # Random, not counted: rows a killed process left staged never match a later write's stage.
        self.stage = secrets.randbits(62)
        #: The graphs whose entries are staged (the others are read back by SPARQL).
        self.graphs: set[str] = set()

    def tee(self, graphs: Iterable[Any]) -> Iterator[Any]:
        """``graphs`` (each with a ``name`` and its N-Triples ``triples``), unchanged, their entries staged."""
        staging = True
        for graph in graphs:
            entries = graph_entries(str(graph.name), graph.triples) if staging else None
            if entries is not None:
                try:
                    self.index.stage(self.stage, entries)
                    self.graphs.add(str(graph.name))
                except sqlite3.Error:
                    # The index's file cannot grow (a full disk): the write itself must not fail
                    # on it. Nothing stays staged; after the commit every graph is read back, and
                    # a failure there is the commit's warning.
                    staging = False
                    self.discard()
            yield graph

    def publish(self) -> None:
        self.index.publish(self.stage, self.graphs)
        self.graphs = set()

    def discard(self) -> None:
        self.graphs = set()
        with contextlib.suppress(sqlite3.Error):  # left on a full disk, under a stage never published
            self.index.discard(self.stage)

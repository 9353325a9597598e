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

>>> index = SearchIndex(None)
>>> index.replace(None, [Entry("name", "http://e/kh", "Kata'ib Hezbollah", "Hezballah", "http://e/g", "agent")])
>>> [hit.label for hit in index.search("hezball")]
["Kata'ib Hezbollah"]
"""

from __future__ import annotations

import contextlib
import re
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import URIRef
from rdflib.term import Node

from .errors import ResultTooLarge
from .namespaces import CG, OA, PROV, RDF, RDFS, SCHEMA, SKOS

Select = Callable[[str], list[dict[str, Node]]]

INDEX_FILE = "claimgraph-search.sqlite"
#: The most words a search may have, and the most hits it returns.
MAX_WORDS = 12
MAX_HITS = 200
#: Marks around the matched words in a quote hit (never in stored text).
MARK_START, MARK_END = "\x02", "\x03"

KINDS = ("document", "event", "agent", "entity")


@dataclass(frozen=True, order=True)
class Entry:
    """One indexed text: a name of a resource, or the quote of a claim.

    :param field: ``"name"`` (a label or alternative label) or ``"quote"``.
    :param iri: the resource named, or the claim quoted.
    :param label: the resource's label (for a quote: its document's label).
    :param text: the text that is searched.
    :param graph: the named graph the text is in (what :func:`update` replaces).
    :param kind: ``document``, ``event``, ``agent`` or ``entity`` for a name; for a
        quote, the IRI of its document.
    """

    field: str
    iri: str
    label: str
    text: str
    graph: str
    kind: str


@dataclass(frozen=True)
class Hit:
    """One found resource or claim, with the text that matched (split into marked and plain parts)."""

    iri: str
    label: str
    kind: str
    matched: str
    parts: list[tuple[str, bool]] = field(default_factory=list)


def match_expression(text: str) -> str | None:
    """The FTS5 query for what a person typed: every word, as a word or a prefix.

    Nothing of the input reaches FTS5's syntax but words.

    >>> match_expression('Hezb "OR" 52*')
    '"hezb"* "or"* "52"*'
    >>> match_expression("  ;; ") is None
    True
    """
    words = re.findall(r"\w+", text.lower())[:MAX_WORDS]
    return " ".join(f'"{w}"*' for w in words) or None


class SearchIndex:
    """An FTS5 table of :class:`Entry` rows in one SQLite database (a file, or memory for None).

    Safe to share between the server's threads: one connection, used under a lock.
    """

    def __init__(self, path: str | Path | None) -> None:
        self.path = None if path is None else Path(path)
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            ":memory:" if self.path is None else str(self.path), check_same_thread=False
        )
        with self._lock, self._db:
            self._db.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS entries USING fts5("
                "text, field UNINDEXED, iri UNINDEXED, label UNINDEXED, graph UNINDEXED, kind UNINDEXED, "
                "tokenize = 'unicode61 remove_diacritics 2')"
            )
            self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            # Which rows each graph holds: an FTS5 table cannot index its graph column, and a
            # write that replaces a graph's rows would scan the whole index for them.
            known = self._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'entry_graphs'").fetchone()
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS entry_graphs (entry INTEGER PRIMARY KEY, graph TEXT)"
            )
            self._db.execute("CREATE INDEX IF NOT EXISTS entry_graphs_by_graph ON entry_graphs (graph)")
            # The entries of a write's new graphs, gathered while the write is checked and
            # published once it is committed (never searched before).
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS staged (stage INTEGER, text, field, iri, label, graph, kind)"
            )
            self._db.execute("CREATE INDEX IF NOT EXISTS staged_by_stage ON staged (stage)")
            if not known:  # an index written before the table: rebuilt at its first use
                self._db.execute("DELETE FROM entries")
                self._db.execute("DELETE FROM meta WHERE key = 'marker'")

    @property
    def marker(self) -> str | None:
        """The tag of the commit the index reflects (:class:`claimgraph.store.CommitMarker`), if any."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'marker'").fetchone()
        return row[0] if row else None

    def set_marker(self, tag: str) -> None:
        with self._lock, self._db:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('marker', ?)", (tag,))

    def replace(self, graphs: Iterable[str] | None, entries: Iterable[Entry]) -> None:
        """Replace the rows of ``graphs`` (None: every row) by ``entries``, in one transaction."""
        with self._lock, self._db:
            if graphs is None:
                self._db.execute("DELETE FROM entries")
                self._db.execute("DELETE FROM entry_graphs")
            else:
                names = [(str(g),) for g in graphs]
                self._db.executemany(
                    "DELETE FROM entries WHERE rowid IN (SELECT entry FROM entry_graphs WHERE graph = ?)",
                    names,
                )
                self._db.executemany("DELETE FROM entry_graphs WHERE graph = ?", names)
            start = self._db.execute("SELECT COALESCE(MAX(entry), 0) FROM entry_graphs").fetchone()[0] + 1
            rows = [
                (n, e.text, e.field, e.iri, e.label, e.graph, e.kind) for n, e in enumerate(entries, start)
            ]
            self._db.executemany(
                "INSERT INTO entries (rowid, text, field, iri, label, graph, kind) VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            self._db.executemany("INSERT INTO entry_graphs VALUES (?, ?)", [(r[0], r[5]) for r in rows])

    def stage(self, stage: int, entries: Iterable[Entry]) -> None:
        """Keep ``entries`` aside under ``stage`` (not searched until :meth:`publish`)."""
        rows = [(stage, e.text, e.field, e.iri, e.label, e.graph, e.kind) for e in entries]
        with self._lock, self._db:
            self._db.executemany("INSERT INTO staged VALUES (?, ?, ?, ?, ?, ?, ?)", rows)

    def publish(self, stage: int, graphs: Iterable[str]) -> None:
        """Replace the rows of ``graphs`` by the entries staged under ``stage``, in one transaction."""
        names = [(str(g),) for g in graphs]
        with self._lock, self._db:
            self._db.executemany(
                "DELETE FROM entries WHERE rowid IN (SELECT entry FROM entry_graphs WHERE graph = ?)", names
            )
            self._db.executemany("DELETE FROM entry_graphs WHERE graph = ?", names)
            start = self._db.execute("SELECT COALESCE(MAX(entry), 0) FROM entry_graphs").fetchone()[0]
            self._db.execute(
                "INSERT INTO entries (rowid, text, field, iri, label, graph, kind) "
                "SELECT ? + rowid, text, field, iri, label, graph, kind FROM staged WHERE stage = ?",
                (start, stage),
            )
            self._db.execute(
                "INSERT INTO entry_graphs SELECT ? + rowid, graph FROM staged WHERE stage = ?", (start, stage)
            )
            self._db.execute("DELETE FROM staged WHERE stage = ?", (stage,))

    def discard(self, stage: int) -> None:
        """Forget the entries staged under ``stage`` (a write that was not committed)."""
        with self._lock, self._db:
            self._db.execute("DELETE FROM staged WHERE stage = ?", (stage,))

    def entries(self) -> list[Entry]:
        """Every indexed entry, sorted (what two indexes are compared by)."""
        with self._lock:
            rows = self._db.execute("SELECT field, iri, label, text, graph, kind FROM entries").fetchall()
        return sorted(Entry(*row) for row in rows)

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM entries").fetchone()[0]

    def search(self, text: str, *, field: str = "name", limit: int = 50) -> list[Hit]:
        """The resources (``field="name"``) or claims (``"quote"``) whose text holds every word of ``text``.

        Names come one hit per resource, best match first; quotes with the matched words marked.
        """
        expression = match_expression(text)
        if expression is None:
            return []
        limit = max(1, min(limit, MAX_HITS))
        sql = (
            "SELECT iri, label, kind, text, highlight(entries, 0, ?, ?) FROM entries "
            "WHERE entries MATCH ? AND field = ? ORDER BY rank LIMIT ?"
        )
        with self._lock:
            try:
                rows = self._db.execute(sql, (MARK_START, MARK_END, expression, field, limit * 4)).fetchall()
            except sqlite3.OperationalError:
                return []
        hits: dict[str, Hit] = {}
        for iri, label, kind, matched, marked in rows:
            if iri not in hits and len(hits) < limit:
                hits[iri] = Hit(iri, label, kind, matched, marked_parts(marked))
        return list(hits.values())

    def names(self, kind: str | None = None) -> list[Hit]:
        """Every named resource (of one ``kind``), by label: the index page's listing."""
        sql = "SELECT DISTINCT iri, label, kind FROM entries WHERE field = 'name'"
        args: tuple[str, ...] = ()
        if kind is not None:
            sql += " AND kind = ?"
            args = (kind,)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY label COLLATE NOCASE, iri", args).fetchall()
        seen: dict[str, Hit] = {}
        for iri, label, found_kind in rows:
            seen.setdefault(iri, Hit(iri, label, found_kind, label))
        return list(seen.values())

    def close(self) -> None:
        with self._lock:
            self._db.close()


def stored_marker(path: str | Path) -> str | None:
    """The commit marker an index file records, read without writing it (None: no file, or
    none recorded): what ``claimgraph check`` compares with the store's."""
    if not Path(path).is_file():
        return None
    with contextlib.closing(sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)) as db:
        try:
            row = db.execute("SELECT value FROM meta WHERE key = 'marker'").fetchone()
        except sqlite3.DatabaseError:
            return None
    return row[0] if row else None


def marked_parts(text: str) -> list[tuple[str, bool]]:
    """``text`` as (part, matched) pairs, from FTS5's marks.

    >>> marked_parts("a \\x02b\\x03 c")
    [('a ', False), ('b', True), (' c', False)]
    """
    parts: list[tuple[str, bool]] = []
    for piece in re.split(f"({MARK_START}[^{MARK_END}]*{MARK_END})", text):
        if not piece:
            continue
        if piece.startswith(MARK_START):
            parts.append((piece[1:-1], True))
        else:
            parts.append((piece, False))
    return parts


def entries_query(graphs: Iterable[str] | None, *, skip: Iterable[str] = ()) -> str:
    """The SPARQL that reads the index's entries from a store: of ``graphs`` (None: every graph but ``skip``)."""
    wanted = sorted(str(g) for g in graphs) if graphs is not None else None
    values = f"VALUES ?g {{ {' '.join(f'<{g}>' for g in wanted)} }}" if wanted is not None else ""
    skipped = [f"<{g}>" for g in skip]
    not_skipped = f"FILTER (?g NOT IN ({', '.join(skipped)}))" if skipped else ""
    # The filters sit inside each branch's graph pattern: Virtuoso 7 cannot compile them
    # around it beside the branches' BINDs ("Internal error: sparp_gp_deprecate()").
    return f"""
SELECT ?field ?iri ?label ?text ?g ?kind WHERE {{
  {{
    {values}
    GRAPH ?g {{ ?iri <{RDFS.label}>|<{SKOS.prefLabel}>|<{SKOS.altLabel}> ?text FILTER (isIRI(?iri)) }}
    {not_skipped}
    OPTIONAL {{ ?iri <{RDFS.label}> ?own }}
    BIND (COALESCE(?own, ?text) AS ?label)
    BIND ("name" AS ?field)
    BIND (IF(EXISTS {{ ?iri a <{CG.SourceDocument}> }}, "document",
          IF(EXISTS {{ ?iri a <{SCHEMA.Event}> }}, "event",
          IF(EXISTS {{ ?iri a <{PROV.Agent}> }}, "agent", "entity"))) AS ?kind)
  }} UNION {{
    {values}
    GRAPH ?g {{
      ?iri a <{CG.Claim}> ; <{CG.evidence}>/<{OA.hasSelector}> ?selector ; <{PROV.wasDerivedFrom}> ?doc .
      ?selector <{RDF.type}> <{OA.TextQuoteSelector}> ; <{OA.exact}> ?text .
    }}
    OPTIONAL {{ ?doc <{RDFS.label}> ?docLabel }}
    BIND (COALESCE(?docLabel, STR(?doc)) AS ?label)
    BIND (STR(?doc) AS ?kind)
    BIND ("quote" AS ?field)
    {not_skipped}
  }}
}}"""


#: Rows of one page, when a graph's entries are more than the server sends at once.
PAGE = 5_000


def read_entries(select: Select, graphs: Iterable[str] | None, *, skip: Iterable[str] = ()) -> list[Entry]:
    """The entries of ``graphs`` (None: of every graph but ``skip``), read whole when the store
    sends the answer whole, else (a server's row limit: :class:`ResultTooLarge`) graph by
    graph, in halves, and a graph past the limit in pages."""
    try:
        return _entries(select(entries_query(graphs, skip=skip)))
    except ResultTooLarge:
        if graphs is None:
            skipped = set(skip)
            wanted = [g for g in _graph_names(select) if g not in skipped]
        else:
            wanted = sorted(str(g) for g in graphs)
    return _read_split(select, wanted)


def _read_split(select: Select, graphs: list[str]) -> list[Entry]:
    if not graphs:
        return []
    try:
        return _entries(select(entries_query(graphs)))
    except ResultTooLarge:
        if len(graphs) > 1:
            half = len(graphs) // 2
            return _read_split(select, graphs[:half]) + _read_split(select, graphs[half:])
    return _entries(_paged(select, entries_query(graphs), "?field ?iri ?text ?label ?kind"))


def _paged(select: Select, query: str, order: str) -> list[dict[str, Node]]:
    """Every row of a SELECT, a page at a time, in ``order`` (a server's OFFSET without ORDER BY
    may skip rows): pages of :data:`PAGE` rows, halved while the server cuts them."""
    rows: list[dict[str, Node]] = []
    size = PAGE
    while True:
        try:
            page = select(f"SELECT * WHERE {{ {query} }} ORDER BY {order} LIMIT {size} OFFSET {len(rows)}")
        except ResultTooLarge:
            if size == 1:
                raise
            size //= 2
            continue
        rows += page
        if len(page) < size:
            return rows


def _graph_names(select: Select) -> list[str]:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    try:
        rows = select(query)
    except ResultTooLarge:
        rows = _paged(select, query, "?g")
    return sorted(str(row["g"]) for row in rows if "g" in row)


def _entries(rows: list[dict[str, Node]]) -> list[Entry]:
    fields = ("field", "iri", "label", "text", "g", "kind")
    return [
        Entry(*(str(r[f]) for f in fields))
        for r in rows
        # Every branch binds all six; Virtuoso 7 answers over an empty graph with one row of none.
        if all(f in r for f in fields)
    ]


def rebuild(index: SearchIndex, select: Select, *, skip: Iterable[URIRef] = ()) -> None:
    """Index the whole store again (every graph but ``skip``: the vocabulary and the shapes)."""
    index.replace(None, read_entries(select, None, skip=[str(g) for g in skip]))


def update(
    index: SearchIndex,
    select: Select,
    graphs: Iterable[URIRef],
    *,
    skip: Iterable[URIRef] = (),
    staged: StagedEntries | None = None,
) -> None:
    """Index ``graphs`` again, as a write left them (a dropped graph leaves no rows).

    :param staged: the entries of the write's new graphs, gathered from its own triples:
        those graphs are published from them, not read back.
    """
    skipped = {str(g) for g in skip}
    known = staged.graphs if staged is not None else set()
    wanted = [str(g) for g in graphs if str(g) not in skipped and str(g) not in known]
    if wanted:
        index.replace(wanted, read_entries(select, wanted))
    if staged is not None:
        staged.publish()


# ---------------------------------------------------------------- entries from a write's own triples

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

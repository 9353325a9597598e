"""The index itself: an FTS5 table of entries (names and quotes) in one SQLite database, and its search."""

from __future__ import annotations

import contextlib
import re
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

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

"""The new graphs of one commit, gathered while the write path validates them.

Memory stays bounded however large the load: past :data:`BULK_QUADS` quads the text
goes to a temporary N-Quads file, and a store reads it back in chunks of bounded size
(:meth:`Spool.chunks`), never whole.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rdflib import URIRef

__all__ = ["BULK_QUADS", "Spool"]

#: A commit whose new graphs hold more quads than this is written by the engine's bulk
#: loader (journaled, see :meth:`claimgraph.store.embedded.OxigraphStore.apply`); a smaller
#: one in one transaction. Also the spool's size in memory before it goes to a file.
BULK_QUADS = 100_000


class Spool:
    """Graphs new to the store, each written whole, gathered for one commit.

    The write path adds each graph as N-Triples text while it validates it, and
    commits them with ``store.apply(..., spool=spool)``: nothing reaches the store
    before. Past ``memory_quads`` quads the text goes to a temporary N-Quads file (in
    ``folder``).

    >>> spool = Spool(None)
    >>> spool.add(URIRef("http://e/g"), "<http://e/s> <http://e/p> <http://e/o> .\\n", 1)
    >>> spool.graphs, spool.quads
    ([rdflib.term.URIRef('http://e/g')], 1)
    >>> [(str(g), len(lines)) for g, lines in spool.chunks(10)]
    [('http://e/g', 1)]
    >>> spool.close()
    """

    def __init__(self, folder: Path | None, *, memory_quads: int | None = None) -> None:
        self.folder = folder
        self.memory_quads = BULK_QUADS if memory_quads is None else memory_quads
        self.graphs: list[URIRef] = []
        self.quads = 0
        self._blocks: list[tuple[URIRef, str]] = []
        self._file: Any = None
        self.path: Path | None = None

    def add(self, graph: URIRef, ntriples: str, quads: int) -> None:
        """Add a graph new to the store: its triples as N-Triples text (one per line), and how many."""
        self.graphs.append(graph)
        self.quads += quads
        if self._file is None and self.quads <= self.memory_quads:
            self._blocks.append((graph, ntriples))
            return
        if self._file is None:
            handle, name = tempfile.mkstemp(prefix=".claimgraph-spool-", suffix=".nq", dir=self.folder)
            self.path = Path(name)
            self._file = open(handle, "w", encoding="utf-8")  # noqa: SIM115 - closed by close()
            for name_, text in self._blocks:
                self._file.write(_as_nquads(name_, text))
            self._blocks = []
        self._file.write(_as_nquads(graph, ntriples))

    @property
    def bulk(self) -> bool:
        """Whether the spool went to a file (too large for one transaction)."""
        return self._file is not None

    def blocks(self) -> list[tuple[URIRef, str]]:
        """The graphs and their text, while the spool is in memory."""
        return list(self._blocks)

    def chunks(self, max_quads: int) -> Iterator[tuple[URIRef, list[str]]]:
        """The spooled triples as N-Triples lines, a graph at a time, at most ``max_quads``
        lines per chunk: read from memory, or line by line from the file."""
        path = self.finish()
        if path is None:
            for graph, text in self._blocks:
                lines = text.splitlines()
                for start in range(0, len(lines), max_quads):
                    yield graph, lines[start : start + max_quads]
            return
        graph: URIRef | None = None
        lines = []
        with path.open(encoding="utf-8") as source:
            for line in source:
                triple, name = _split_nquad(line)
                if name != graph or len(lines) >= max_quads:
                    if lines and graph is not None:
                        yield graph, lines
                    graph, lines = name, []
                lines.append(triple)
        if lines and graph is not None:
            yield graph, lines

    def finish(self) -> Path | None:
        """Close the file (if any) for reading; its path."""
        if self._file is not None and not self._file.closed:
            self._file.close()
        return self.path

    def close(self) -> None:
        """Forget what was spooled (the file is deleted)."""
        self.finish()
        if self.path is not None:
            self.path.unlink(missing_ok=True)
        self._blocks = []


def _as_nquads(graph: URIRef, ntriples: str) -> str:
    # Every line of N-Triples ends in " ." and a newline, and a newline never occurs
    # inside a term (it is escaped), so the graph goes before each line's end.
    return ntriples.replace(" .\n", f" <{graph}> .\n")


def _split_nquad(line: str) -> tuple[str, URIRef]:
    """A spool file's line as its triple's N-Triples line and its graph (the last term).

    >>> _split_nquad('<http://e/s> <http://e/p> "a <b> c" <http://e/g> .\\n')
    ('<http://e/s> <http://e/p> "a <b> c" .', rdflib.term.URIRef('http://e/g'))
    """
    body = line.rstrip("\n").removesuffix(" .")
    start = body.rindex(" <")
    return body[:start] + " .", URIRef(body[start + 2 : -1])

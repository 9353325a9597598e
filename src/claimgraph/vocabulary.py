"""The ontology folder's vocabulary and shapes, derived once per version of its files.

The ontology folder holds ``shapes.ttl`` (the SHACL shapes) and the vocabulary (every
other ``*.ttl``). A *version* is the SHA-256 of those files' names and bytes
(:func:`ontology_version`): a changed, added or removed file is a new version.

A load writes the vocabulary and the shapes into the store as two named graphs, with
their blank nodes replaced by IRIs that depend on content only, so that reloading an
unchanged vocabulary changes nothing. Finding those IRIs takes rdflib's canonical
labelling of both graphs, which costs seconds; so the result is kept per version:

* in the process (a server or a test run derives it once), and
* on disk, in a cache folder (the ``cache_dir`` setting; by default the user's cache
  folder), as ``vocabulary/<version>/{ontology,shapes}.nt``. It is kept there rather than
  in the store's folder because it depends on the ontology files alone: one derivation
  serves every store (embedded, in memory, or on a SPARQL server, which has no folder) and
  every process. An entry is written whole (a folder renamed into place) or not at all.

The kept triples name the skolem IRIs under a placeholder; :func:`vocabulary_triples`
puts them under the store's base IRI, so one entry serves every base IRI.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
from pathlib import Path

from rdflib import BNode, Graph, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.exceptions import ParserError
from rdflib.term import Node

from .config import ontology_folder
from .iris import Minter

SHAPES_FILE = "shapes.ttl"
#: Changes whenever what is kept (or how it is derived) changes: old entries are then ignored.
CACHE_FORMAT = "claimgraph-vocabulary-1"
#: The skolem IRIs of a kept entry, before they are put under a base IRI.
PLACEHOLDER = "urn:claimgraph:genid:"

#: Versions kept in a process (a test run may switch between a few ontology folders).
KEPT_VERSIONS = 4

Triples = tuple[tuple[Node, Node, Node], ...]

_derived: dict[str, tuple[Triples, Triples]] = {}
_lock = threading.Lock()


def ontology_files(folder: Path) -> tuple[list[Path], Path]:
    """The vocabulary's files (every ``*.ttl`` but the shapes), sorted, and the shapes file.

    :raises ConfigError: when the folder holds no ``shapes.ttl`` (saying which folder).
    """
    folder = ontology_folder(folder)
    vocabulary = [p for p in sorted(folder.glob("*.ttl")) if p.name != SHAPES_FILE]
    return vocabulary, folder / SHAPES_FILE


def ontology_version(folder: Path) -> str:
    """The SHA-256 (hex) of the ontology folder's ``*.ttl`` files: their names and bytes.

    :raises ConfigError: when the folder has no ``shapes.ttl``.
    """
    vocabulary, shapes = ontology_files(folder)
    digest = hashlib.sha256(CACHE_FORMAT.encode())
    for path in [*vocabulary, shapes]:
        data = path.read_bytes()
        digest.update(f"\0{path.name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def parse_ontology(folder: Path) -> tuple[Graph, Graph]:
    """The vocabulary graph (every ``*.ttl`` but the shapes, merged) and the shapes graph."""
    vocabulary_paths, shapes_path = ontology_files(folder)
    vocabulary = Graph()
    for path in vocabulary_paths:
        vocabulary.parse(path, format="turtle")
    shapes = Graph().parse(shapes_path, format="turtle")
    return vocabulary, shapes


def vocabulary_triples(
    folder: Path, mint: Minter, *, cache: Path | None = None
) -> dict[URIRef, list[tuple[Node, Node, Node]]]:
    """The vocabulary and the shapes: the triples of the two named graphs a load writes beside the data.

    :param cache: the cache folder that keeps the derivation on disk; None: only in this process.
    """
    ontology, shapes = derived(folder, cache=cache)
    genid = mint.genid

    def under_base(triples: Triples) -> list[tuple[Node, Node, Node]]:
        return [(_under(s, genid), p, _under(o, genid)) for s, p, o in triples]

    return {mint.ontology_graph: under_base(ontology), mint.shapes_graph: under_base(shapes)}


def derived(folder: Path, *, cache: Path | None = None) -> tuple[Triples, Triples]:
    """The vocabulary's and the shapes' triples, blank nodes named under :data:`PLACEHOLDER`.

    Taken from this process's memory, else from ``cache``, else derived (and kept in both).
    """
    version = ontology_version(folder)
    with _lock:
        found = _derived.get(version)
        if found is None:
            found = _read_entry(cache, version) if cache is not None else None
            if found is None:
                found = _derive(folder)
                if cache is not None:
                    _write_entry(cache, version, found)
            if len(_derived) >= KEPT_VERSIONS:
                _derived.pop(next(iter(_derived)))  # the oldest
            _derived[version] = found
        return found


def forget() -> None:
    """Drop what this process keeps (the cache folder is left as it is)."""
    with _lock:
        _derived.clear()


def _derive(folder: Path) -> tuple[Triples, Triples]:
    vocabulary, shapes = parse_ontology(folder)
    return _canonical(vocabulary), _canonical(shapes)


def _canonical(graph: Graph) -> Triples:
    """The graph's triples with content-derived names for its blank nodes (canonical labelling)."""

    def name(term: Node) -> Node:
        return URIRef(PLACEHOLDER + str(term)) if isinstance(term, BNode) else term

    return tuple((name(s), p, name(o)) for s, p, o in to_canonical_graph(graph))


def _under(term: Node, genid: str) -> Node:
    if isinstance(term, URIRef) and term.startswith(PLACEHOLDER):
        return URIRef(genid + term[len(PLACEHOLDER) :])
    return term


def _entry(cache: Path, version: str) -> Path:
    return Path(cache) / "vocabulary" / version


def _read_entry(cache: Path, version: str) -> tuple[Triples, Triples] | None:
    folder = _entry(cache, version)
    try:
        return tuple(  # type: ignore[return-value]
            tuple(Graph().parse(folder / f"{part}.nt", format="nt")) for part in ("ontology", "shapes")
        )
    except (OSError, ValueError, ParserError):
        return None  # absent or unreadable: derived again (and written again)


def _write_entry(cache: Path, version: str, found: tuple[Triples, Triples]) -> None:
    """Write the entry whole or not at all; a cache folder that cannot be written is skipped."""
    final = _entry(cache, version)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{version[:16]}-", dir=final.parent))
    except OSError:
        return
    try:
        for part, triples in zip(("ontology", "shapes"), found, strict=True):
            graph = Graph()
            for triple in triples:
                graph.add(triple)
            graph.serialize(staging / f"{part}.nt", format="nt", encoding="utf-8")
        if final.exists():
            shutil.rmtree(final, ignore_errors=True)  # unreadable (it was read first): replaced
        os.replace(staging, final)
    except OSError:
        pass  # another process put the same entry in place first, or the disk refused
    finally:
        shutil.rmtree(staging, ignore_errors=True)

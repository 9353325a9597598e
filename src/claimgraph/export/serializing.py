"""Quads written in an RDF format (pyoxigraph's writers; JSON-LD compacted by rdflib), and gzip."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Dataset

from .. import formats
from ..errors import ClaimgraphError, NotAcceptable
from ..namespaces import DCAT, NP, PREFIXES, SD, VOID

#: Format name (:mod:`claimgraph.formats`) → the engine's format, for the RDF formats the engine
#: writes itself (JSON-LD is compacted with the project's context by rdflib, :func:`jsonld`).
RDF_FORMATS: dict[str, ox.RdfFormat] = {
    f.name: getattr(ox.RdfFormat, f.engine) for f in formats.FORMATS if f.is_rdf and f.name != "jsonld"
}


def load_context(path: Path | None) -> dict[str, Any]:
    """The JSON-LD ``@context`` object of the project (``ontology/context.jsonld``), or the prefixes."""
    if path is not None and Path(path).is_file():
        return json.loads(Path(path).read_text(encoding="utf-8"))["@context"]
    return dict(PREFIXES)


#: The prefixes Turtle and TriG output may use: the project's, and those of publishing.
OUTPUT_PREFIXES: dict[str, str] = {
    **PREFIXES,
    "void": str(VOID),
    "dcat": str(DCAT),
    "sd": str(SD),
    "np": str(NP),
}


def used_prefixes(quads: Iterable[ox.Quad]) -> dict[str, str]:
    """The prefixes of :data:`OUTPUT_PREFIXES` that the quads use (Turtle, TriG)."""
    text = " ".join(str(q) for q in quads)
    return {name: ns for name, ns in OUTPUT_PREFIXES.items() if f"<{ns}" in text}


def _grouped(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """Quads ordered by graph and subject, so that Turtle and TriG writers group them."""
    return sorted(quads, key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)))


def in_default_graph(quads: list[ox.Quad]) -> list[ox.Quad]:
    """The quads' triples, each once, in the default graph (a description a plain JSON-LD reader reads whole).

    >>> g = ox.NamedNode("http://e/g")
    >>> q = ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("x"), g)
    >>> [str(x.graph_name) for x in in_default_graph([q, ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode("http://e/h"))])]
    ['DEFAULT']
    """
    return list(dict.fromkeys(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads))


def serialize(quads: list[ox.Quad], fmt: str, *, context: dict[str, Any] | None = None) -> bytes:
    """Quads in one RDF format: ``trig``/``nquads`` keep the graphs; ``turtle``, ``ntriples`` and
    ``rdfxml`` merge them; ``jsonld`` keeps them and compacts with ``context``.

    :raises NotAcceptable: when the format cannot write these quads (RDF/XML and some IRIs).

    >>> q = ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://schema.org/name"), ox.Literal("x"), ox.NamedNode("http://e/g"))
    >>> serialize([q], "turtle")
    b'@prefix schema: <http://schema.org/> .\\n<http://e/s> schema:name "x" .\\n'
    """
    if fmt == "jsonld":
        return jsonld(quads, context or dict(PREFIXES))
    if fmt not in RDF_FORMATS:
        raise ClaimgraphError(
            f"unknown RDF format {fmt!r}; choose one of {', '.join([*RDF_FORMATS, 'jsonld'])}"
        )
    rdf_format = RDF_FORMATS[fmt]
    items: list[Any]
    pretty = fmt in ("turtle", "trig")
    ordered = _grouped(quads) if pretty else quads
    if rdf_format.supports_datasets:
        items = ordered
    else:
        items = list(dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in ordered))
    prefixes = used_prefixes(quads) if pretty else None
    try:
        return ox.serialize(items, format=rdf_format, prefixes=prefixes)
    except (OSError, ValueError) as exc:
        raise NotAcceptable(f"these triples cannot be written as {fmt}: {exc}") from None


def jsonld(quads: list[ox.Quad], context: dict[str, Any]) -> bytes:
    """JSON-LD compacted with ``context`` (rdflib's writer; pyoxigraph's does not compact)."""
    dataset = Dataset()
    dataset.parse(data=ox.serialize(quads, format=ox.RdfFormat.N_QUADS), format="nquads")
    return dataset.serialize(format="json-ld", context=context, auto_compact=True).encode("utf-8")


def gzipped(data: bytes) -> bytes:
    """``data`` gzip-compressed, with no timestamp (the same dump gives the same bytes)."""
    return gzip.compress(data, mtime=0)

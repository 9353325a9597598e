"""Parsing RDF a client sends (Graph Store uploads, claims as RDF), refusing anything that
would make the parser fetch or expand something: XML entities, remote JSON-LD contexts.

>>> [t[2].n3() for t in parse_upload(b'<s> <p> 01 .', "text/turtle", base_iri="http://example.org/")]
['"01"^^<http://www.w3.org/2001/XMLSchema#integer>']
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, cast

import pyoxigraph as ox
from rdflib.term import Node

from .. import formats
from ..errors import BadRdf, UnsupportedFormat
from ..nesting import check_depth
from .results import rdf_format
from .terms import Triple, from_ox

__all__ = ["UPLOAD_FORMATS", "parse_upload"]

#: Media type → the format (:mod:`claimgraph.formats`) a graph upload is parsed as.
UPLOAD_FORMATS: dict[str, formats.Format] = {
    media: fmt for fmt in formats.carrying("graph") for media in fmt.media_types
}

_XML_DECLARATIONS = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def parse_upload(data: bytes, media_type: str, *, base_iri: str | None) -> list[Triple]:
    """Parse an uploaded graph into rdflib-term triples, refusing anything that would fetch or expand.

    Literals keep their lexical form exactly (see :func:`from_ox`). RDF 1.2
    triple terms and literals with a base direction are refused: rdflib terms
    cannot carry them.

    :param media_type: the Content-Type without parameters.
    :raises UnsupportedFormat: for a media type not in :data:`UPLOAD_FORMATS`.
    :raises BadRdf: for unsafe or malformed input, with the parser's line and column.

    >>> [t[2].n3() for t in parse_upload(b'<s> <p> 01 .', "text/turtle", base_iri="http://example.org/")]
    ['"01"^^<http://www.w3.org/2001/XMLSchema#integer>']
    """
    row = UPLOAD_FORMATS.get(media_type.strip().lower())
    if row is None:
        offered = ", ".join(f.media_type for f in formats.carrying("graph"))
        raise UnsupportedFormat(
            f"cannot read {media_type or 'a body without Content-Type'}; send one of {offered}"
        )
    fmt = rdf_format(row)
    check_depth(data, row.name)  # the engine's JSON-LD and RDF/XML parsers recurse
    if fmt == ox.RdfFormat.RDF_XML:
        _check_xml(data)
    elif fmt == ox.RdfFormat.JSON_LD:
        _check_json_ld(data)
    try:
        quads = list(ox.parse(data, fmt, base_iri=base_iri, without_named_graphs=True))
    except SyntaxError as exc:
        line, column = _position(exc)
        raise BadRdf(f"cannot parse the {media_type} body: {exc}", line=line, column=column) from None
    except ValueError as exc:
        raise BadRdf(f"cannot parse the {media_type} body: {exc}") from None
    return [
        (
            _upload_term(q.subject, media_type),
            _upload_term(q.predicate, media_type),
            _upload_term(q.object, media_type),
        )
        for q in quads
    ]


def _upload_term(term: Any, media_type: str) -> Node:
    if isinstance(term, ox.Triple):
        raise BadRdf(f"cannot store the {media_type} body: it holds an RDF 1.2 triple term, {term}")
    if isinstance(term, ox.Literal) and term.direction is not None:
        raise BadRdf(f"cannot store the {media_type} body: it holds a literal with a base direction, {term}")
    return cast(Node, from_ox(term, exact=True))  # never the default graph: no graph is parsed


def _position(exc: SyntaxError) -> tuple[int | None, int | None]:
    return getattr(exc, "lineno", None), getattr(exc, "offset", None)


def _check_xml(data: bytes) -> None:
    # Entities are how XML fetches files (external entities) and how a few hundred
    # bytes become gigabytes (nested entities); RDF/XML never needs a DTD.
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:1024]:
        raise BadRdf("RDF/XML must be sent as UTF-8")
    found = _XML_DECLARATIONS.search(data)
    if found:
        line = data.count(b"\n", 0, found.start()) + 1
        raise BadRdf(
            f"RDF/XML with a <!{found.group(1).decode().upper()}> declaration is refused: "
            "document type declarations and entities are not allowed",
            line=line,
        )


def _check_json_ld(data: bytes) -> None:
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        column = getattr(exc, "colno", None)
        raise BadRdf(f"cannot parse the JSON-LD body: {exc}", line=line, column=column) from None
    for context in _contexts(document):
        if _remote_context(context):
            raise BadRdf(
                "JSON-LD with a remote @context (a URL or @import) is refused: "
                "the server never fetches a URL; send the context inline"
            )


def _contexts(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                yield value
            yield from _contexts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _contexts(item)


def _remote_context(context: Any) -> bool:
    if isinstance(context, str):
        return True
    if isinstance(context, list):
        return any(_remote_context(c) for c in context)
    return isinstance(context, dict) and "@import" in context

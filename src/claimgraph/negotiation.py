"""Content negotiation for query answers: a table of formats and one pure function.

A SPARQL answer is one of three kinds: ``"select"`` and ``"ask"`` answers are
written as SPARQL results (JSON, XML, CSV, TSV), ``"graph"`` answers
(CONSTRUCT, DESCRIBE) as RDF. :func:`choose_format` picks the format from an
explicit format name (``?format=``, ``?output=``, ``?results=``, as
SPARQLWrapper and others send), else from the ``Accept`` header, else the
default of the kind (SPARQL JSON, Turtle).

>>> choose_format("select", "text/csv;q=0.9, application/sparql-results+xml", None)
Format(name='xml', media_type='application/sparql-results+xml')
>>> choose_format("graph", "", None)
Format(name='turtle', media_type='text/turtle')
>>> choose_format("ask", "text/csv", "json").name
'json'
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import NotAcceptable

KINDS = ("select", "ask", "graph")


@dataclass(frozen=True)
class Format:
    """One serialisation of an answer: its short ``name`` and the ``media_type`` sent."""

    name: str
    media_type: str


@dataclass(frozen=True)
class FormatSpec:
    """A row of the table: a format, the media types that name it, the short names that name it."""

    name: str
    media_type: str
    aliases: tuple[str, ...] = ()
    names: tuple[str, ...] = ()


#: SELECT and ASK answers, in order of preference (the first is the default).
RESULT_FORMATS: tuple[FormatSpec, ...] = (
    FormatSpec(
        "json",
        "application/sparql-results+json",
        aliases=("application/json", "text/json"),
        names=("json", "srj"),
    ),
    FormatSpec(
        "xml",
        "application/sparql-results+xml",
        aliases=("application/xml", "text/xml"),
        names=("xml", "srx"),
    ),
    FormatSpec("csv", "text/csv", names=("csv",)),
    FormatSpec("tsv", "text/tab-separated-values", names=("tsv",)),
)

#: CONSTRUCT and DESCRIBE answers, in order of preference (the first is the default).
GRAPH_FORMATS: tuple[FormatSpec, ...] = (
    FormatSpec(
        "turtle",
        "text/turtle",
        aliases=("application/x-turtle", "application/turtle", "text/n3", "text/rdf+n3", "application/n3"),
        names=("turtle", "ttl", "n3"),
    ),
    FormatSpec(
        "ntriples",
        "application/n-triples",
        aliases=("text/plain",),
        names=("ntriples", "n-triples", "nt"),
    ),
    FormatSpec(
        "nquads", "application/n-quads", aliases=("text/x-nquads",), names=("nquads", "n-quads", "nq")
    ),
    FormatSpec("trig", "application/trig", aliases=("application/x-trig",), names=("trig",)),
    FormatSpec(
        "jsonld",
        "application/ld+json",
        aliases=("application/x-json+ld", "application/json"),
        names=("jsonld", "json-ld", "json"),
    ),
    FormatSpec(
        "rdfxml",
        "application/rdf+xml",
        aliases=("application/xml", "text/xml"),
        names=("rdfxml", "rdf+xml", "rdf/xml", "rdf", "xml"),
    ),
)

FORMATS: dict[str, tuple[FormatSpec, ...]] = {
    "select": RESULT_FORMATS,
    "ask": RESULT_FORMATS,
    "graph": GRAPH_FORMATS,
}


@dataclass(frozen=True)
class MediaRange:
    """One entry of an ``Accept`` header."""

    type: str
    subtype: str
    q: float
    position: int

    def specificity(self, media_type: str) -> int:
        """3 for an exact match, 2 for ``type/*``, 1 for ``*/*``, 0 for no match."""
        mtype, _, msub = media_type.partition("/")
        if self.type == "*" and self.subtype == "*":
            return 1
        if self.type == mtype and self.subtype == "*":
            return 2
        if self.type == mtype and self.subtype == msub:
            return 3
        return 0


def parse_accept(accept: str | None) -> list[MediaRange]:
    """The media ranges of an ``Accept`` header; parameters other than ``q`` are ignored.

    >>> [(r.type, r.subtype, r.q) for r in parse_accept("text/*;q=0.5, application/json; charset=utf-8")]
    [('text', '*', 0.5), ('application', 'json', 1.0)]
    """
    ranges = []
    for position, part in enumerate((accept or "").split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        mtype, slash, subtype = media.lower().partition("/")
        if not slash or not mtype or not subtype:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = 1.0
        ranges.append(MediaRange(mtype.strip(), subtype.strip(), q, position))
    return ranges


def quality(ranges: list[MediaRange], media_type: str) -> tuple[float, int, int]:
    """How much ``ranges`` want ``media_type``: (q, specificity, position of the range).

    The most specific matching range decides (RFC 9110 §12.5.1), so that
    ``text/csv;q=0, */*`` refuses CSV and accepts the rest.
    """
    best: MediaRange | None = None
    best_specificity = 0
    for r in ranges:
        s = r.specificity(media_type)
        if s > best_specificity:
            best, best_specificity = r, s
    if best is None:
        return 0.0, 0, 0
    return best.q, best_specificity, best.position


def best_match(accept: str | None, offers: list[str]) -> str | None:
    """The offered media type the ``Accept`` header wants most, or None when it wants none.

    A missing or empty header wants the first offer.

    >>> best_match("text/html,application/xhtml+xml,*/*;q=0.8", ["application/json", "text/html"])
    'text/html'
    >>> best_match("application/json", ["text/html"]) is None
    True
    """
    ranges = parse_accept(accept)
    if not ranges:
        return offers[0] if offers else None
    scored = []
    for index, offer in enumerate(offers):
        q, specificity, position = quality(ranges, offer)
        if q > 0:
            scored.append((-q, -specificity, position, index, offer))
    return min(scored)[-1] if scored else None


def _spec_for_name(kind: str, token: str) -> tuple[FormatSpec, str] | None:
    token = token.strip().lower()
    media = token.split(";")[0].strip()
    for spec in FORMATS[kind]:
        if token in spec.names:
            return spec, spec.media_type
        if media == spec.media_type or media in spec.aliases:
            return spec, media
    return None


def _known_anywhere(token: str) -> bool:
    return any(_spec_for_name(kind, token) for kind in ("select", "graph"))


def _offered(kind: str) -> str:
    return ", ".join(spec.media_type for spec in FORMATS[kind])


def choose_format(kind: str, accept: str, explicit: str | None) -> Format:
    """The format to write an answer of ``kind`` in.

    :param kind: ``"select"``, ``"ask"`` or ``"graph"``.
    :param accept: the request's ``Accept`` header (empty or ``*/*`` for the default).
    :param explicit: a format name or media type given as a request parameter,
        which beats ``Accept``; several may be given separated by commas (the
        first that fits wins), as SPARQLWrapper sends ``format=tsv&format=text/tab-separated-values``.
    :raises NotAcceptable: when no format this server writes fits.

    >>> choose_format("graph", "application/rdf+xml", None)
    Format(name='rdfxml', media_type='application/rdf+xml')
    >>> choose_format("select", "application/json", None)
    Format(name='json', media_type='application/json')
    >>> choose_format("graph", "", "n3").name
    'turtle'
    """
    if kind not in FORMATS:
        raise ValueError(f"unknown answer kind {kind!r}; expected one of {', '.join(KINDS)}")
    tokens = [t for t in (explicit or "").split(",") if t.strip()]
    if tokens:
        for token in tokens:
            found = _spec_for_name(kind, token)
            if found:
                return Format(found[0].name, found[1])
        known = [t.strip() for t in tokens if _known_anywhere(t)]
        if known:
            raise NotAcceptable(
                f"format {known[0]!r} cannot carry a {kind.upper()} answer; use one of {_offered(kind)}"
            )
        names = sorted({n for specs in FORMATS.values() for spec in specs for n in spec.names})
        raise NotAcceptable(f"unknown format {tokens[0].strip()!r}; known names: {', '.join(names)}")

    ranges = parse_accept(accept)
    if not ranges:
        spec = FORMATS[kind][0]
        return Format(spec.name, spec.media_type)
    scored = []
    for table_index, spec in enumerate(FORMATS[kind]):
        for alias_rank, media_type in enumerate((spec.media_type, *spec.aliases)):
            q, specificity, position = quality(ranges, media_type)
            if q <= 0:
                continue
            # */* answers with the canonical media type; a client that named an alias
            # (application/json, text/plain, text/*) gets a type it named.
            sent = spec.media_type if specificity == 1 else media_type
            key = (-q, -specificity, min(alias_rank, 1), position, table_index)
            scored.append((key, Format(spec.name, sent)))
    if not scored:
        raise NotAcceptable(
            f"no format for a {kind.upper()} answer fits Accept: {accept}; this server writes {_offered(kind)}"
        )
    return min(scored, key=lambda pair: pair[0])[1]

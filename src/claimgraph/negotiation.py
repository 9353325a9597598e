"""Content negotiation for answers: one pure function over the table in :mod:`claimgraph.formats`.

A SPARQL answer is one of three kinds: ``"select"`` and ``"ask"`` answers are
written as SPARQL results (JSON, XML, CSV, TSV), ``"graph"`` answers
(CONSTRUCT, DESCRIBE) as RDF; a ``"dataset"`` (the whole store) needs a format
with named graphs. :func:`choose_format` picks the format from an
explicit format name (``?format=``, ``?output=``, ``?results=``, as
SPARQLWrapper and others send), else from the ``Accept`` header, else the
default of the kind (SPARQL JSON, Turtle).

>>> choose_format("select", "text/csv;q=0.9, application/sparql-results+xml", None)
Negotiated(name='xml', media_type='application/sparql-results+xml')
>>> choose_format("graph", "", None)
Negotiated(name='turtle', media_type='text/turtle')
>>> choose_format("ask", "text/csv", "json").name
'json'
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import NotAcceptable
from .formats import ANSWER_KINDS, Format, by_name, carrying, names

KINDS = ("select", "ask", "graph")


@dataclass(frozen=True)
class Negotiated:
    """The outcome: the format's short ``name`` (a row of :mod:`claimgraph.formats`) and the ``media_type`` sent."""

    name: str
    media_type: str

    @property
    def format(self) -> Format:
        return by_name(self.name)


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


def _named(kind: str, token: str) -> Negotiated | None:
    token = token.strip().lower()
    media = token.split(";")[0].strip()
    for fmt in carrying(kind):
        if token in fmt.all_names:
            return Negotiated(fmt.name, fmt.media_type)
        if media in fmt.media_types:
            return Negotiated(fmt.name, media)
    return None


def _known_anywhere(token: str) -> bool:
    return any(_named(kind, token) for kind in ("select", "graph"))


def _offered(kind: str) -> str:
    return ", ".join(fmt.media_type for fmt in carrying(kind))


def _by_accept(kind: str, ranges: list[MediaRange]) -> Negotiated | None:
    scored = []
    for table_index, fmt in enumerate(carrying(kind)):
        for alias_rank, media_type in enumerate(fmt.media_types):
            q, specificity, position = quality(ranges, media_type)
            if q <= 0:
                continue
            # */* answers with the canonical media type; a client that named an alias
            # (application/json, text/plain, text/*) gets a type it named.
            sent = fmt.media_type if specificity == 1 else media_type
            key = (-q, -specificity, min(alias_rank, 1), position, table_index)
            scored.append((key, Negotiated(fmt.name, sent)))
    return min(scored, key=lambda pair: pair[0])[1] if scored else None


def choose_format(kind: str, accept: str, explicit: str | None) -> Negotiated:
    """The format to write an answer of ``kind`` in.

    :param kind: ``"select"``, ``"ask"``, ``"graph"`` (CONSTRUCT, DESCRIBE, a graph)
        or ``"dataset"`` (the whole store).
    :param accept: the request's ``Accept`` header (empty or ``*/*`` for the default).
    :param explicit: a format name or media type given as a request parameter,
        which beats ``Accept``; several may be given separated by commas (the
        first that fits wins), as SPARQLWrapper sends ``format=tsv&format=text/tab-separated-values``.
    :raises NotAcceptable: when no format this server writes fits.

    A graph answer to a client whose ``Accept`` names only SPARQL results formats
    (rdflib's ``SPARQLStore(returnFormat="json")`` asking a CONSTRUCT) gets the
    default graph format, as Fuseki does: the client can parse it, and a 406 would
    leave it with nothing.

    >>> choose_format("graph", "application/rdf+xml", None)
    Negotiated(name='rdfxml', media_type='application/rdf+xml')
    >>> choose_format("select", "application/json", None)
    Negotiated(name='json', media_type='application/json')
    >>> choose_format("graph", "", "n3").name
    'turtle'
    >>> choose_format("graph", "application/sparql-results+json", None).name
    'turtle'
    """
    if kind not in ANSWER_KINDS:
        raise ValueError(f"unknown answer kind {kind!r}; expected one of {', '.join(ANSWER_KINDS)}")
    tokens = [t for t in (explicit or "").split(",") if t.strip()]
    if tokens:
        for token in tokens:
            found = _named(kind, token)
            if found:
                return found
        known = [t.strip() for t in tokens if _known_anywhere(t)]
        if known:
            raise NotAcceptable(
                f"format {known[0]!r} cannot carry a {kind.upper()} answer; use one of {_offered(kind)}"
            )
        raise NotAcceptable(
            f"unknown format {tokens[0].strip()!r}; known names: {', '.join(sorted(names()))}"
        )

    ranges = parse_accept(accept)
    default = carrying(kind)[0]
    if not ranges:
        return Negotiated(default.name, default.media_type)
    chosen = _by_accept(kind, ranges)
    if chosen is None and kind == "graph" and _by_accept("select", ranges) is not None:
        return Negotiated(default.name, default.media_type)
    if chosen is None:
        raise NotAcceptable(
            f"no format for a {kind.upper()} answer fits Accept: {accept}; this server writes {_offered(kind)}"
        )
    return chosen

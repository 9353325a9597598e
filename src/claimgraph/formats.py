"""Every RDF and SPARQL results format claimgraph reads or writes, in one table.

Each row says what a format is called (its short ``name`` and the other
``names`` a client or the CLI may use), the media types that name it, its file
extensions, the engine's format (an attribute of pyoxigraph's ``RdfFormat`` or
``QueryResultsFormat``), rdflib's serialiser name, its W3C format IRI (for the
service description) and its ``kind``:

* ``"results"``: SPARQL results, for SELECT and ASK answers;
* ``"graph"``: RDF triples, for CONSTRUCT and DESCRIBE answers and graphs;
* ``"dataset"``: RDF quads (named graphs), which carry a graph too.

Content negotiation (:mod:`claimgraph.negotiation`), the answers, uploads, the
service description, the CLI and the Graph Store all read this table; a format
is added here or nowhere. Within a kind the order is the order of preference:
the first is the default.

>>> by_name("ttl").media_type
'text/turtle'
>>> by_media_type("application/x-turtle").name
'turtle'
>>> [f.name for f in carrying("dataset")]
['trig', 'nquads', 'jsonld']
>>> by_extension("nq").name
'nquads'
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FORMATS", "Format", "by_extension", "by_media_type", "by_name", "carrying", "names"]

#: What an answer or a body is, and the kinds of format that can carry it.
ANSWER_KINDS: dict[str, tuple[str, ...]] = {
    "select": ("results",),
    "ask": ("results",),
    "graph": ("graph", "dataset"),
    "dataset": ("dataset",),
}

W3C = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class Format:
    """One row of the table."""

    name: str
    media_type: str
    kind: str  # "results", "graph" or "dataset"
    engine: str  # pyoxigraph's RdfFormat / QueryResultsFormat attribute
    iri: str  # the W3C format IRI
    aliases: tuple[str, ...] = ()  # other media types that name it
    names: tuple[str, ...] = ()  # other short names (?format=, --format)
    extensions: tuple[str, ...] = ()
    rdflib: str | None = None  # rdflib's serialiser, for graphs built with rdflib

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)

    @property
    def all_names(self) -> tuple[str, ...]:
        return (self.name, *self.names)

    @property
    def is_rdf(self) -> bool:
        return self.kind in ("graph", "dataset")


FORMATS: tuple[Format, ...] = (
    Format(
        "json",
        "application/sparql-results+json",
        "results",
        "JSON",
        W3C + "SPARQL_Results_JSON",
        aliases=("application/json", "text/json"),
        names=("srj",),
        extensions=("srj", "json"),
    ),
    Format(
        "xml",
        "application/sparql-results+xml",
        "results",
        "XML",
        W3C + "SPARQL_Results_XML",
        aliases=("application/xml", "text/xml"),
        names=("srx",),
        extensions=("srx", "xml"),
    ),
    Format("csv", "text/csv", "results", "CSV", W3C + "SPARQL_Results_CSV", extensions=("csv",)),
    Format(
        "tsv", "text/tab-separated-values", "results", "TSV", W3C + "SPARQL_Results_TSV", extensions=("tsv",)
    ),
    # Turtle is valid N3, so N3 is read and written as Turtle.
    Format(
        "turtle",
        "text/turtle",
        "graph",
        "TURTLE",
        W3C + "Turtle",
        aliases=("application/x-turtle", "application/turtle", "text/n3", "text/rdf+n3", "application/n3"),
        names=("ttl", "n3"),
        extensions=("ttl", "n3"),
        rdflib="turtle",
    ),
    Format(
        "ntriples",
        "application/n-triples",
        "graph",
        "N_TRIPLES",
        W3C + "N-Triples",
        aliases=("text/plain",),
        names=("n-triples", "nt"),
        extensions=("nt",),
        rdflib="nt",
    ),
    Format(
        "trig",
        "application/trig",
        "dataset",
        "TRIG",
        W3C + "TriG",
        aliases=("application/x-trig",),
        extensions=("trig",),
        rdflib="trig",
    ),
    Format(
        "nquads",
        "application/n-quads",
        "dataset",
        "N_QUADS",
        W3C + "N-Quads",
        aliases=("text/x-nquads",),
        names=("n-quads", "nq"),
        extensions=("nq",),
        rdflib="nquads",
    ),
    Format(
        "jsonld",
        "application/ld+json",
        "dataset",
        "JSON_LD",
        W3C + "JSON-LD",
        aliases=("application/x-json+ld", "application/json"),
        names=("json-ld", "json"),
        extensions=("jsonld", "json"),
        rdflib="json-ld",
    ),
    Format(
        "rdfxml",
        "application/rdf+xml",
        "graph",
        "RDF_XML",
        W3C + "RDF_XML",
        aliases=("application/xml", "text/xml"),
        names=("rdf+xml", "rdf/xml", "rdf", "xml"),
        extensions=("rdf", "owl", "xml"),
        rdflib="xml",
    ),
)


def carrying(answer: str) -> tuple[Format, ...]:
    """The formats that can carry an answer of kind ``select``, ``ask``, ``graph`` or ``dataset``.

    :raises ValueError: for another kind (a programming error).
    """
    if answer not in ANSWER_KINDS:
        raise ValueError(f"unknown answer kind {answer!r}; expected one of {', '.join(ANSWER_KINDS)}")
    return tuple(f for f in FORMATS if f.kind in ANSWER_KINDS[answer])


def _first(found: list[Format], what: str, answer: str | None) -> Format:
    if not found:
        among = carrying(answer) if answer else FORMATS
        known = sorted({n for f in among for n in (f.all_names if what == "name" else f.media_types)})
        raise LookupError(f"{what}; known: {', '.join(known)}")
    return found[0]


def by_name(name: str, answer: str | None = None) -> Format:
    """The format a short name (``ttl``, ``json-ld``) names, among those that carry ``answer``.

    :raises LookupError: when none does; the message lists the known names.

    >>> by_name("json").kind, by_name("json", "graph").name
    ('results', 'jsonld')
    """
    wanted = name.strip().lower()
    among = carrying(answer) if answer else FORMATS
    return _first([f for f in among if wanted in f.all_names], f"unknown format {name!r}", answer)


def by_media_type(media_type: str, answer: str | None = None) -> Format:
    """The format a media type (parameters ignored) names, among those that carry ``answer``.

    :raises LookupError: when none does.

    >>> by_media_type("application/json; charset=utf-8", "graph").name
    'jsonld'
    """
    wanted = media_type.split(";")[0].strip().lower()
    among = carrying(answer) if answer else FORMATS
    return _first([f for f in among if wanted in f.media_types], f"unknown media type {wanted!r}", answer)


def by_extension(extension: str, answer: str | None = None) -> Format:
    """The format a file extension (without the dot) names; RDF before results for ``json``, ``xml``.

    :raises LookupError: when none does.
    """
    wanted = extension.strip().lower().lstrip(".")
    among = carrying(answer) if answer else [f for f in FORMATS if f.is_rdf] + list(carrying("select"))
    return _first([f for f in among if wanted in f.extensions], f"unknown file extension {wanted!r}", answer)


def names(answer: str | None = None) -> list[str]:
    """Every short name of the formats that carry ``answer`` (all formats by default)."""
    among = carrying(answer) if answer else FORMATS
    return [n for f in among for n in f.all_names]

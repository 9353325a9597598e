"""Content negotiation as a table: (kind, Accept, explicit format) → format, without HTTP."""

from __future__ import annotations

import pytest

from claimgraph import formats
from claimgraph.errors import NotAcceptable
from claimgraph.negotiation import Negotiated as Format
from claimgraph.negotiation import best_match, choose_format

JSON = Format("json", "application/sparql-results+json")
XML = Format("xml", "application/sparql-results+xml")
CSV = Format("csv", "text/csv")
TSV = Format("tsv", "text/tab-separated-values")
TURTLE = Format("turtle", "text/turtle")
NTRIPLES = Format("ntriples", "application/n-triples")
NQUADS = Format("nquads", "application/n-quads")
TRIG = Format("trig", "application/trig")
JSONLD = Format("jsonld", "application/ld+json")
RDFXML = Format("rdfxml", "application/rdf+xml")

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"

CASES = [
    # kind, Accept, explicit, expected
    # -- defaults: no Accept, empty Accept, anything
    ("select", "", None, JSON),
    ("ask", "", None, JSON),
    ("graph", "", None, TURTLE),
    ("select", "*/*", None, JSON),
    ("graph", "*/*", None, TURTLE),
    # -- exact media types
    ("select", "application/sparql-results+json", None, JSON),
    ("select", "application/sparql-results+xml", None, XML),
    ("select", "text/csv", None, CSV),
    ("select", "text/tab-separated-values", None, TSV),
    ("ask", "application/sparql-results+xml", None, XML),
    ("ask", "text/csv", None, CSV),
    ("graph", "text/turtle", None, TURTLE),
    ("graph", "application/n-triples", None, NTRIPLES),
    ("graph", "application/n-quads", None, NQUADS),
    ("graph", "application/trig", None, TRIG),
    ("graph", "application/ld+json", None, JSONLD),
    ("graph", "application/rdf+xml", None, RDFXML),
    # -- aliases answer with the type the client named
    ("select", "application/json", None, Format("json", "application/json")),
    ("select", "text/xml", None, Format("xml", "text/xml")),
    ("select", "application/xml", None, Format("xml", "application/xml")),
    ("graph", "application/x-turtle", None, Format("turtle", "application/x-turtle")),
    ("graph", "text/n3", None, Format("turtle", "text/n3")),
    ("graph", "text/plain", None, Format("ntriples", "text/plain")),
    ("graph", "application/json", None, Format("jsonld", "application/json")),
    ("graph", "application/xml", None, Format("rdfxml", "application/xml")),
    # -- q-values
    ("select", "text/csv;q=0.9, application/sparql-results+xml", None, XML),
    ("select", "application/sparql-results+json;q=0.1, text/tab-separated-values;q=0.5", None, TSV),
    ("graph", "text/turtle;q=0.2, application/rdf+xml;q=0.8", None, RDFXML),
    ("select", "text/csv;q=0, */*", None, JSON),  # q=0 refuses
    ("select", "application/sparql-results+json;q=0, */*;q=0.5", None, XML),
    ("select", "text/csv;q=nonsense", None, CSV),  # an unreadable q counts as 1
    # -- wildcards
    ("select", "text/*", None, CSV),
    ("graph", "text/*", None, TURTLE),
    ("select", "application/*", None, JSON),
    ("graph", "application/*", None, NTRIPLES),
    ("select", "*/*;q=0.1, text/csv", None, CSV),
    ("select", "*/*, text/csv", None, CSV),  # a named type beats the wildcard at the same q
    # -- parameters other than q are ignored; case does not matter
    ("select", "application/sparql-results+json; charset=utf-8", None, JSON),
    ("graph", "TEXT/Turtle; charset=UTF-8", None, TURTLE),
    # -- ties at the same q: canonical before alias, then the client's order
    ("graph", "application/turtle,text/turtle,text/rdf+n3,application/n-triples", None, TURTLE),
    ("select", "text/csv, application/sparql-results+json", None, CSV),
    # -- what real clients send
    ("select", BROWSER, None, Format("xml", "application/xml")),
    ("graph", BROWSER, None, Format("rdfxml", "application/xml")),
    ("select", "application/sparql-results+xml, application/rdf+xml", None, XML),  # rdflib SPARQLStore
    ("graph", "application/sparql-results+xml, application/rdf+xml", None, RDFXML),
    (
        "select",
        "application/sparql-results+json,application/json,text/javascript,application/javascript",
        None,
        JSON,
    ),
    # -- explicit names beat Accept
    ("select", "text/csv", "json", JSON),
    ("select", "", "xml", XML),
    ("select", "", "csv", CSV),
    ("select", "", "tsv", TSV),
    ("ask", "", "json", JSON),
    ("graph", "application/rdf+xml", "turtle", TURTLE),
    ("graph", "", "ttl", TURTLE),
    ("graph", "", "n3", TURTLE),
    ("graph", "", "ntriples", NTRIPLES),
    ("graph", "", "nt", NTRIPLES),
    ("graph", "", "nquads", NQUADS),
    ("graph", "", "trig", TRIG),
    ("graph", "", "jsonld", JSONLD),
    ("graph", "", "json-ld", JSONLD),
    ("graph", "", "json", JSONLD),
    ("graph", "", "rdfxml", RDFXML),
    ("graph", "", "rdf+xml", RDFXML),
    ("graph", "", "rdf", RDFXML),
    ("graph", "", "xml", RDFXML),
    ("select", "", "JSON", JSON),
    # -- explicit media types, and SPARQLWrapper's pairs (name, media type)
    ("select", "", "application/sparql-results+json", JSON),
    ("select", "", "text/tab-separated-values", TSV),
    ("graph", "", "application/ld+json", JSONLD),
    ("select", "", "tsv,text/tab-separated-values", TSV),
    ("graph", "", "json-ld,application/ld+json,application/x-json+ld", JSONLD),
    # -- a graph answer to a client that accepts only results formats gets the default (as Fuseki)
    ("graph", "application/sparql-results+json", None, TURTLE),  # rdflib SPARQLStore(returnFormat="json")
    ("graph", "text/csv", None, TURTLE),
    ("graph", "application/sparql-results+xml;q=0.5, image/png", None, TURTLE),
    # -- a dataset needs named graphs
    ("dataset", "", None, TRIG),
    ("dataset", "application/n-quads", None, NQUADS),
    ("dataset", "application/json", None, Format("jsonld", "application/json")),
    ("graph", "", "rdf+xml,application/rdf+xml", RDFXML),
    ("select", "", ",json", JSON),  # SPARQLWrapper's empty second value
]


@pytest.mark.parametrize(("kind", "accept", "explicit", "expected"), CASES)
def test_choose_format(kind: str, accept: str, explicit: str | None, expected: Format) -> None:
    assert choose_format(kind, accept, explicit) == expected


REFUSED = [
    ("select", "text/turtle", None),
    ("select", "image/png", None),
    ("select", "application/sparql-results+json;q=0", None),
    ("graph", "image/png, application/sparql-results+json;q=0", None),
    ("ask", "application/ld+json", None),
    ("select", "", "turtle"),  # known, but not for this kind
    ("graph", "", "csv"),
    ("select", "", "nonsense"),  # unknown
    ("dataset", "text/turtle", None),
    ("dataset", "", "ntriples"),
]


@pytest.mark.parametrize(("kind", "accept", "explicit"), REFUSED)
def test_not_acceptable(kind: str, accept: str, explicit: str | None) -> None:
    with pytest.raises(NotAcceptable):
        choose_format(kind, accept, explicit)


def test_not_acceptable_names_what_is_offered() -> None:
    with pytest.raises(NotAcceptable, match="text/csv"):
        choose_format("select", "image/png", None)


def test_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown answer kind"):
        choose_format("describe", "", None)


def test_table_is_consistent() -> None:
    names = [fmt.name for fmt in formats.FORMATS]
    assert names == ["json", "xml", "csv", "tsv", "turtle", "ntriples", "trig", "nquads", "jsonld", "rdfxml"]
    for kind in ("select", "ask", "graph", "dataset"):
        offered = formats.carrying(kind)
        media_types = [m for fmt in offered for m in fmt.media_types]
        assert len(media_types) == len(set(media_types)), kind
        short = [n for fmt in offered for n in fmt.all_names]
        assert len(short) == len(set(short)), kind
        for fmt in offered:
            assert choose_format(kind, fmt.media_type, None) == Format(fmt.name, fmt.media_type)
            for name in fmt.all_names:
                assert choose_format(kind, "", name).name == fmt.name
    for fmt in formats.FORMATS:
        assert fmt.kind in ("results", "graph", "dataset")
        assert fmt.iri.startswith("http://www.w3.org/ns/formats/")
        assert fmt.is_rdf == (fmt.rdflib is not None)


def test_every_row_names_an_engine_format() -> None:
    import pyoxigraph as ox

    for fmt in formats.FORMATS:
        engine = getattr(ox.RdfFormat if fmt.is_rdf else ox.QueryResultsFormat, fmt.engine)
        if fmt.is_rdf:
            assert engine.supports_datasets == (fmt.kind == "dataset"), fmt.name
            assert fmt.media_type == engine.media_type, fmt.name
        assert engine.file_extension in fmt.extensions, fmt.name


def test_lookups_say_what_is_known() -> None:
    with pytest.raises(LookupError, match=r"known: .*turtle"):
        formats.by_name("nonsense")
    assert formats.by_extension("ttl").name == "turtle"
    assert formats.by_media_type("text/plain").name == "ntriples"


@pytest.mark.parametrize(
    ("accept", "offers", "expected"),
    [
        (None, ["application/json", "text/html"], "application/json"),
        ("", ["application/json", "text/html"], "application/json"),
        ("*/*", ["application/json", "text/html"], "application/json"),
        (BROWSER, ["application/json", "text/html"], "text/html"),
        ("application/json", ["application/json", "text/html"], "application/json"),
        ("text/html;q=0.5, application/json", ["text/html", "application/json"], "application/json"),
        ("image/png", ["application/json", "text/html"], None),
    ],
)
def test_best_match(accept: str | None, offers: list[str], expected: str | None) -> None:
    assert best_match(accept, offers) == expected

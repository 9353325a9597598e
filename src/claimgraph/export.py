"""Dumps of the whole store, nanopublications and the VoID/DCAT description.

Every dump is written from the store's quads as :func:`store_quads` reads them
(the one place that reads a whole store), or from quads a caller already has
(the server reads them through its query workers). Formats:

* ``trig``, ``nquads`` — every quad, with its graph;
* ``turtle`` — every triple, the graphs merged;
* ``jsonld`` — every quad, compacted with the project's context (``ontology/context.jsonld``);
* ``rdf12`` — RDF 1.2 N-Quads: everything the store holds, and for each claim
  ``<claim> rdf:reifies <<( s p o )>>`` in the claim's graph;
* ``nanopubs`` — one nanopublication per claim, as TriG (:func:`nanopublications`);
* ``void`` — the VoID and DCAT description of the dataset, as Turtle (:func:`void_description`).

>>> sorted(FORMATS)
['jsonld', 'nanopubs', 'nquads', 'rdf12', 'trig', 'turtle', 'void']
"""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Dataset, Graph, Literal, URIRef

from . import formats
from .errors import ClaimgraphError, NotAcceptable
from .iris import Minter
from .namespaces import CG, DCAT, DCT, NP, PREFIXES, PROV, RDF, RDFS, SD, VOID, XSD
from .rdf.terms import to_ox
from .store import Store


@dataclass(frozen=True)
class DumpFormat:
    """A dump: the RDF format it is written in (:mod:`claimgraph.formats`) and the file name it is
    published under (``/dumps/<file>``)."""

    format: str
    file: str

    @property
    def media_type(self) -> str:
        return formats.by_name(self.format).media_type


#: Export format name → its RDF format and file name.
FORMATS: dict[str, DumpFormat] = {
    "trig": DumpFormat("trig", "claimgraph.trig"),
    "nquads": DumpFormat("nquads", "claimgraph.nq"),
    "turtle": DumpFormat("turtle", "claimgraph.ttl"),
    "jsonld": DumpFormat("jsonld", "claimgraph.jsonld"),
    "rdf12": DumpFormat("nquads", "claimgraph-rdf12.nq"),
    "nanopubs": DumpFormat("trig", "nanopubs.trig"),
    "void": DumpFormat("turtle", "void.ttl"),
}
GZIP = "application/gzip"

#: Format name (:mod:`claimgraph.formats`) → the engine's format, for the RDF formats the engine
#: writes itself (JSON-LD is compacted with the project's context by rdflib, :func:`jsonld`).
RDF_FORMATS: dict[str, ox.RdfFormat] = {
    f.name: getattr(ox.RdfFormat, f.engine) for f in formats.FORMATS if f.is_rdf and f.name != "jsonld"
}

REIFIES = ox.NamedNode(str(RDF) + "reifies")


def dump_file(file: str) -> tuple[str, bool] | None:
    """The format name and whether gzip is wanted, for a published file name (None: no such dump).

    >>> dump_file("claimgraph.trig.gz"), dump_file("nope.txt")
    (('trig', True), None)
    """
    compressed = file.endswith(".gz")
    plain = file[: -len(".gz")] if compressed else file
    for name, fmt in FORMATS.items():
        if fmt.file == plain:
            return name, compressed
    return None


# ------------------------------------------------------------------ reading the store


def store_quads(store: Store) -> list[ox.Quad]:
    """Every quad of the store, literals exactly as stored: the one place a dump reads a whole store."""
    dump = getattr(store, "dump", None)
    if dump is not None:
        return list(ox.parse(dump(format="nquads"), ox.RdfFormat.N_QUADS))
    return [ox.Quad(to_ox(s), to_ox(p), to_ox(o), to_ox(g)) for s, p, o, g in store.quads()]


def read_quads(body: bytes, fmt: str = "nquads") -> list[ox.Quad]:
    """Quads from bytes in one of :data:`RDF_FORMATS` (a worker's dump of the store, a dump of
    this module's), literals exactly as written."""
    return list(ox.parse(body, RDF_FORMATS[fmt]))


def quads_from_results(body: bytes) -> list[ox.Quad]:
    """Quads from the SPARQL JSON results of a ``SELECT ?s ?p ?o ?g`` (an unbound ``?g``: the default graph).

    >>> body = b'{"head":{"vars":["s","p","o","g"]},"results":{"bindings":[{"s":{"type":"uri","value":"http://e/s"},'
    >>> body += b'"p":{"type":"uri","value":"http://e/p"},"o":{"type":"literal","value":"x"}}]}}'
    >>> quads_from_results(body)
    [<Quad subject=<NamedNode value=http://e/s> predicate=<NamedNode value=http://e/p> object=<Literal value=x datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#string>> graph_name=<DefaultGraph>>]
    """
    return [
        ox.Quad(r["s"], r["p"], r["o"], r["g"] if r["g"] is not None else ox.DefaultGraph())
        for r in ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
    ]


def noted(quads: list[ox.Quad], subject: str, note: str) -> list[ox.Quad]:
    """``quads`` and ``<subject> rdfs:comment note`` (a description says so where it was cut)."""
    return [*quads, ox.Quad(ox.NamedNode(subject), ox.NamedNode(str(RDFS.comment)), ox.Literal(note))]


def subject_document(quad: ox.Quad) -> str:
    """The IRI a quad's subject belongs to: the subject without its fragment (``claim/x#quote`` → ``claim/x``)."""
    return quad.subject.value.split("#", 1)[0] if isinstance(quad.subject, ox.NamedNode) else ""


# ------------------------------------------------------------------ serialising


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


# ------------------------------------------------------------------ the dumps


def export(
    store: Store,
    fmt: str,
    *,
    context_path: Path | None = None,
    mint: Minter | None = None,
    root: str | None = None,
    license: str = "",
) -> bytes:
    """The whole store in one of :data:`FORMATS`.

    :param mint: the store's minter (its base IRI names the nanopublications and the dataset).
    :param root: where the server publishes the dumps and the endpoint (default: the base IRI).
    :raises ClaimgraphError: for an unknown format.
    """
    return dump(
        store_quads(store), fmt, context=load_context(context_path), mint=mint, root=root, license=license
    )


def dump(
    quads: list[ox.Quad],
    fmt: str,
    *,
    context: dict[str, Any] | None = None,
    mint: Minter | None = None,
    root: str | None = None,
    license: str = "",
) -> bytes:
    """:func:`export` for quads already read."""
    if fmt not in FORMATS:
        raise ClaimgraphError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    mint = mint or Minter("http://127.0.0.1:5000/")
    if fmt in ("trig", "nquads", "turtle"):
        return serialize(quads, fmt, context=context)
    if fmt == "jsonld":
        return jsonld(quads, context or dict(PREFIXES))
    if fmt == "rdf12":
        return ox.serialize(rdf12(quads), format=ox.RdfFormat.N_QUADS)
    if fmt == "nanopubs":
        nanopubs = nanopublications(quads, mint, license=license)
        return serialize(nanopubs, "trig")
    return serialize(void_description(quads, mint, root=root or mint.base, license=license), "turtle")


def claims_of(quads: Iterable[ox.Quad]) -> dict[ox.NamedNode, dict[str, Any]]:
    """Each claim's triple, graph, source and claimant, from the quads."""
    claims: dict[Any, dict[str, Any]] = defaultdict(dict)
    claim_type = ox.NamedNode(str(CG.Claim))
    keys = {
        str(RDF.subject): "s",
        str(RDF.predicate): "p",
        str(RDF.object): "o",
        str(PROV.wasDerivedFrom): "document",
        str(PROV.wasAttributedTo): "claimant",
    }
    for q in quads:
        if q.predicate.value == str(RDF.type) and q.object == claim_type:
            claims[q.subject]["graph"] = q.graph_name
        elif q.predicate.value in keys:
            claims[q.subject][keys[q.predicate.value]] = q.object
    return {c: v for c, v in claims.items() if {"graph", "s", "p", "o"} <= set(v)}


def rdf12(quads: list[ox.Quad]) -> list[ox.Quad]:
    """Everything in ``quads``, and each claim as an RDF 1.2 reifier of its triple, in the claim's graph."""
    reifiers = [
        ox.Quad(claim, REIFIES, ox.Triple(c["s"], c["p"], c["o"]), c["graph"])
        for claim, c in sorted(claims_of(quads).items(), key=lambda item: item[0].value)
    ]
    return [*quads, *reifiers]


# ------------------------------------------------------------------ nanopublications


def nanopub_iri(mint: Minter, claim: str) -> str:
    """The nanopublication of a claim: ``<base>nanopub/<digest>`` (its graphs are fragments of it).

    >>> nanopub_iri(Minter("http://e/"), "http://e/claim/abc")
    'http://e/nanopub/abc'
    """
    return mint.nanopub(claim)


def nanopublications(quads: list[ox.Quad], mint: Minter, *, license: str = "") -> list[ox.Quad]:
    """One nanopublication per claim: four named graphs ``<np>#head``, ``#assertion``, ``#provenance``, ``#pubinfo``.

    The assertion is the claim's triple; the provenance says the assertion was derived
    from the claim's document and is attributed to its claimant, and holds the claim as
    the store has it (its quote selectors and attribution chain); the publication info
    gives the licence and the claim and graph it was published from.
    """

    def iri(text: str) -> ox.NamedNode:
        return ox.NamedNode(text)

    by_subject: dict[str, list[ox.Quad]] = defaultdict(list)
    for q in quads:
        if isinstance(q.subject, ox.NamedNode):
            by_subject[q.subject.value.split("#", 1)[0]].append(q)
    out: list[ox.Quad] = []
    for claim, c in sorted(claims_of(quads).items(), key=lambda item: item[0].value):
        np = nanopub_iri(mint, claim.value)
        head, assertion, provenance, pubinfo = (
            iri(f"{np}#{part}") for part in ("head", "assertion", "provenance", "pubinfo")
        )
        node = iri(np)
        out += [
            ox.Quad(node, iri(str(RDF.type)), iri(str(NP.Nanopublication)), head),
            ox.Quad(node, iri(str(NP.hasAssertion)), assertion, head),
            ox.Quad(node, iri(str(NP.hasProvenance)), provenance, head),
            ox.Quad(node, iri(str(NP.hasPublicationInfo)), pubinfo, head),
            ox.Quad(c["s"], c["p"], c["o"], assertion),
        ]
        if "document" in c:
            out.append(ox.Quad(assertion, iri(str(PROV.wasDerivedFrom)), c["document"], provenance))
        if "claimant" in c:
            out.append(ox.Quad(assertion, iri(str(PROV.wasAttributedTo)), c["claimant"], provenance))
        out.append(ox.Quad(assertion, iri(str(DCT.source)), claim, provenance))
        out += [ox.Quad(q.subject, q.predicate, q.object, provenance) for q in by_subject[claim.value]]
        if license:
            out.append(ox.Quad(node, iri(str(DCT.license)), iri(license), pubinfo))
        out.append(ox.Quad(node, iri(str(RDFS.seeAlso)), claim, pubinfo))
        out.append(ox.Quad(node, iri(str(DCT.isPartOf)), c["graph"], pubinfo))
    return out


# ------------------------------------------------------------------ VoID and DCAT


@dataclass(frozen=True)
class DatasetCounts:
    triples: int
    claims: int
    documents: int
    claimants: int
    graphs: dict[str, int]


def count(quads: Iterable[ox.Quad]) -> DatasetCounts:
    """The figures the VoID description gives.

    ``triples`` counts quads (a triple in two graphs counts twice), as ``claimgraph stats`` does.
    """
    claims, documents, claimants = set(), set(), set()
    graphs: dict[str, int] = defaultdict(int)
    total = 0
    for q in quads:
        total += 1
        if isinstance(q.graph_name, ox.NamedNode):
            graphs[q.graph_name.value] += 1
        if q.predicate.value == str(RDF.type) and q.object.value == str(CG.Claim):
            claims.add(q.subject)
        elif q.predicate.value == str(RDF.type) and q.object.value == str(CG.SourceDocument):
            documents.add(q.subject)
        elif q.predicate.value == str(PROV.wasAttributedTo):
            claimants.add(q.object)
    return DatasetCounts(total, len(claims), len(documents), len(claimants), dict(graphs))


def dataset_iri(root: str) -> str:
    return f"{root}.well-known/void#dataset"


def void_description(quads: list[ox.Quad], mint: Minter, *, root: str, license: str = "") -> list[ox.Quad]:
    """VoID and DCAT: counts, licence, the dumps (plain and gzip), the SPARQL endpoint, vocabulary and shapes.

    :param root: the address the server publishes under (``/dumps/…``, ``/sparql``).
    """
    figures = count(quads)
    g = Graph()
    ds = URIRef(dataset_iri(root))
    service = URIRef(f"{root}sparql")

    def lit(n: int) -> Literal:
        return Literal(n, datatype=XSD.integer)

    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, RDF.type, DCAT.Dataset))
    g.add((ds, DCT.title, Literal("claimgraph: contested claims with their sources", lang="en")))
    g.add(
        (
            ds,
            DCT.description,
            Literal(
                "Every asserted triple is a claim with its source document, claimant, exact quote and "
                "attribution chain; a consensus graph holds the triples every claim agrees on.",
                lang="en",
            ),
        )
    )
    if license:
        g.add((ds, DCT.license, URIRef(license)))
    g.add((ds, VOID.triples, lit(figures.triples)))
    g.add((ds, VOID.uriSpace, Literal(mint.base)))
    g.add((ds, VOID.sparqlEndpoint, service))
    g.add((ds, VOID.vocabulary, URIRef(str(CG))))
    g.add((ds, DCT.conformsTo, URIRef("https://w3id.org/claimgraph/shapes")))
    g.add((ds, DCT.conformsTo, URIRef(f"{root}ontology/shapes.ttl")))
    for cls, n in ((CG.Claim, figures.claims), (CG.SourceDocument, figures.documents)):
        part = URIRef(f"{root}.well-known/void#class-{cls.split('#')[-1]}")
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], cls))
        g.add((part, VOID.entities, lit(n)))
    claimants = URIRef(f"{root}.well-known/void#claimants")
    g.add((ds, VOID.propertyPartition, claimants))
    g.add((claimants, VOID.property, PROV.wasAttributedTo))
    g.add((claimants, VOID.distinctObjects, lit(figures.claimants)))
    for name, n in sorted(figures.graphs.items()):
        subset = URIRef(f"{root}.well-known/void#graph-{mint.graph_path(name) or name}")
        g.add((ds, VOID.subset, subset))
        g.add((subset, RDF.type, VOID.Dataset))
        g.add((subset, SD.name, URIRef(name)))
        g.add((subset, VOID.triples, lit(n)))
    for name, fmt in FORMATS.items():
        if name == "void":
            continue
        for compressed in (False, True):
            url = URIRef(f"{root}dumps/{fmt.file}{'.gz' if compressed else ''}")
            if name != "nanopubs":
                g.add((ds, VOID.dataDump, url))
            g.add((ds, DCAT.distribution, url))
            g.add((url, RDF.type, DCAT.Distribution))
            g.add((url, DCAT.downloadURL, url))
            g.add(
                (
                    url,
                    DCAT.mediaType,
                    URIRef(f"https://www.iana.org/assignments/media-types/{fmt.media_type}"),
                )
            )
            if compressed:
                g.add(
                    (url, DCAT.compressFormat, URIRef(f"https://www.iana.org/assignments/media-types/{GZIP}"))
                )
            if license:
                g.add((url, DCT.license, URIRef(license)))
            g.add((url, DCT.title, Literal(f"{name}{' (gzip)' if compressed else ''}")))
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCAT.endpointURL, service))
    g.add((service, DCAT.servesDataset, ds))
    g.add((service, DCT.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))
    return [ox.Quad(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in g]

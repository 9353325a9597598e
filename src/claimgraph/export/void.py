"""The VoID and DCAT description of the dataset: its figures, licence, dumps and endpoint."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef

from ..iris import Minter
from ..namespaces import CG, DCAT, DCT, PROV, RDF, SD, VOID, XSD
from ..rdf.terms import to_ox
from .catalogue import FORMATS, GZIP


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

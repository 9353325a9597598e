"""Each claim published on its own: as an RDF 1.2 reifier of its triple, and as a nanopublication."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox

from ..iris import Minter
from ..namespaces import CG, DCT, NP, PROV, RDF, RDFS

REIFIES = ox.NamedNode(str(RDF) + "reifies")


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

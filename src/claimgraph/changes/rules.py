"""The closed-world rules: what may be in which graph of the store."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rdflib import URIRef
from rdflib.term import Node

from ..errors import Problem
from ..iris import METADATA_GRAPH
from ..namespaces import CG, DCT, OA, OWL, RDF, RDFS, SCHEMA, SKOS
from ..rdf.terms import Quad, sparql_term
from ..store import Store
from ..validation import (
    Vocabulary,
)
from .change import (
    Policy,
    quad_key,
)

SHAPES = "https://w3id.org/claimgraph/shapes#"

#: Classes whose nodes the closed node shapes describe (anything else typed is an entity or agent).
STRUCTURAL = {
    CG.Claim,
    CG.SourceDocument,
    CG.AttributionStep,
    CG.ConsensusStatement,
    CG.ContestedValue,
    CG.Corpus,
    OA.SpecificResource,
    OA.TextQuoteSelector,
    OA.TextPositionSelector,
}

#: What describes an entity or agent (and is never a domain assertion, whatever claims use it for).
CURATION = {
    RDF.type,
    RDFS.label,
    SKOS.prefLabel,
    SKOS.altLabel,
    OWL.sameAs,
    SCHEMA.sameAs,
    RDFS.comment,
    DCT.description,
    CG.partyTo,  # a curator's declaration that an agent is party to an event
}
#: What a source document's record says of it (from its text), beside its file name, digest and text.
DOCUMENT_RECORD = {DCT.title, DCT.publisher, DCT.date, DCT.language, DCT.creator, SCHEMA.locationCreated}


def rule(name: str, message: str, *, focus: Node | None = None, **where: Any) -> Problem:
    return Problem(message, shape=SHAPES + name, focus=str(focus) if focus is not None else None, **where)


# ---------------------------------------------------------------- what may be in the store


def claim_properties(vocabulary: Vocabulary) -> set[Node]:
    """The properties the claimgraph vocabulary declares for facts (those without a model domain)."""
    declared = set()
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for p in vocabulary.ontology.subjects(RDF.type, kind):
            if str(p).startswith(str(CG)) and (p, RDFS.domain, None) not in vocabulary.ontology:
                declared.add(p)
    return declared


def placement(
    store: Store, policy: Policy, add: set[Quad], after: Mapping[Node, set[Quad]], trusted: set[URIRef]
) -> list[Problem]:
    """The graph-dependent rules, and unsourced assertions anywhere (O(change))."""
    problems: list[Problem] = []
    domain = claim_properties(policy.vocabulary)
    batch_predicates = {q[2] for q in add if q[1] == RDF.predicate}
    asked: dict[Node, bool] = {}

    def is_domain(p: Node) -> bool:
        if p in domain or p in batch_predicates:
            return True
        if p not in asked:
            asked[p] = any(True for _ in store.quads(predicate=RDF.predicate, object=p))
        return asked[p]

    untyped: set[Node] = set()
    known_types: dict[Node, set[Node]] = {}
    for q in sorted(add, key=quad_key):
        s, p, o, g = q
        if g in trusted or g == policy.mint.consensus_graph or g == METADATA_GRAPH:
            continue
        types = known_types.get(s)
        if types is None:  # once per subject: a corpus node has a quad per document and entity
            types = known_types[s] = {x[2] for x in after.get(s, ()) if x[1] == RDF.type}
        exempt = p in CURATION or (p in DOCUMENT_RECORD and CG.SourceDocument in types)
        if not exempt and is_domain(p):
            problems.append(
                rule(
                    "UnsourcedAssertionShape",
                    f"{sparql_term(p)} {sparql_term(o)} is asserted bare, outside a claim"
                    f"{'' if g is None else f' (in <{g}>)'}: record it as a claim with its source, "
                    "claimant and quote",
                    focus=s,
                    path=str(p),
                    value=str(o),
                )
            )
        elif not policy.is_open(g) and not types and s not in untyped:
            untyped.add(s)
            where = "the default graph" if g is None else f"<{g}>"
            problems.append(
                rule(
                    "TypedNodeRule",
                    f"{sparql_term(s)} has no rdf:type: {where} holds claims, documents and "
                    "entities only (an operator may open graphs for other RDF: CLAIMGRAPH_OPEN_GRAPHS)",
                    focus=s,
                )
            )
    return problems

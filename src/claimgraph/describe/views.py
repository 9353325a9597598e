"""What each page shows: the data of an entity's, a document's, a claim's or a derived
statement's page, chosen by what the store says the IRI is.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..facts import COMPATIBLE, CONTESTED, SEVERAL, UNCONTESTED, facts_by_key
from ..iris import Minter
from ..namespaces import CG, DCT, PROV, RDF
from ..ranges import apply
from .agents import documents_created_by, reliance
from .claims import (
    ClaimView,
    claims_by,
    claims_in_document,
    claims_naming,
    claims_passed_on,
    read_claim,
    read_claims,
)
from .highlight import Segment, context_around, segments
from .resources import Resource, document_text, read_resource
from .subjectfacts import (
    by_property,
    facts_about,
    functional_properties,
    parties_to,
    range_rules,
    read_consensus,
)
from .terms import Select, _iri


@dataclass
class View:
    """The data of one page: ``kind`` names its template (``entity``, ``document``, ``claim``,
    ``consensus``, ``resource``), ``data`` holds what the template shows."""

    kind: str
    data: dict[str, object]


#: A document's metadata as its page lists it: (label, property).
DOCUMENT_METADATA = (
    ("title", DCT.title),
    ("creator (its own voice)", DCT.creator),
    ("publisher", DCT.publisher),
    ("date", DCT.date),
    ("language", DCT.language),
    ("file", CG.fileName),
    ("SHA-256 of its bytes", CG.sha256),
)


def resource_view(select: Select, iri: str, mint: Minter, *, as_entity: bool = False) -> View | None:
    """The page of any IRI: by what the store says it is (a claim, a document, a consensus
    statement, an event, agent or other entity); None when the store says nothing of it.

    :param as_entity: show it as an entity (the ``/entity/…`` route) unless it is one of the others.
    """
    resource = read_resource(select, iri)
    if resource is None:
        return None
    kind = resource.kind
    if kind == "claim":
        return claim_view(select, resource, mint)
    if kind == "document":
        return document_view(select, resource)
    if kind == "consensus":
        return consensus_view(select, resource)
    if as_entity or kind in ("event", "agent", "entity"):
        return entity_view(select, resource)
    return View("resource", {"resource": resource, "naming": claims_naming(select, iri)})


def entity_view(select: Select, resource: Resource) -> View:
    """An entity's facts by key — contested, uncontested, compatible dates, several values —
    the numeric facts worth a chart and, for an agent, what it claims, passes on and relies on."""
    iri = resource.iri
    facts = facts_about(select, iri)
    agent = resource.kind == "agent" or resource.has_type(PROV.Agent)
    relies_on, relied_by = reliance(select, iri) if agent else ([], [])
    statements = {
        (c.predicate.iri, c.kind_iri, c.object.node.n3()): c.iri for c in read_consensus(select, iri)
    }
    contested = [f for f in facts if f.status == CONTESTED]
    rules = range_rules(select) if any(f.numeric for f in contested) else []
    # Each contested count under each stated rule: low / high / best, and the claims in and out.
    ranged = [(f, [apply(rule, f) for rule in rules]) for f in contested if f.numeric]
    return View(
        "entity",
        {
            "resource": resource,
            "facts": facts,
            "contested": contested,
            "ranged": ranged,
            "rules": rules,
            "uncontested": [f for f in facts if f.status == UNCONTESTED],
            "compatible": [f for f in facts if f.status == COMPATIBLE],
            "several": [f for f in facts if f.status == SEVERAL],
            "statements": statements,
            # A chart where sources can be set side by side: several values, or several sources.
            "charted": [
                f
                for f in by_property(facts)
                if f.numeric and (len(f.values) > 1 or len({c.claimant.iri for c in f.claims}) > 1)
            ],
            "agent": agent,
            "by": claims_by(select, iri) if agent else [],
            "passed": claims_passed_on(select, iri) if agent else [],
            "relies_on": relies_on,
            "relied_by": relied_by,
            "naming": claims_naming(select, iri),
            "documents": documents_created_by(select, iri) if agent else [],
        },
    )


@dataclass
class Piece:
    """A stretch of a document's text as its page shows it: the claim it links to (the narrowest
    quote it lies in), and the digests of every claim it lies in."""

    segment: Segment
    target: ClaimView | None
    digests: list[str]


def document_view(select: Select, resource: Resource) -> View:
    """A document's text cut into pieces at its quotes' edges, its claims and its metadata."""
    iri = resource.iri
    text = document_text(select, iri)
    claims = claims_in_document(select, iri)
    spans = [(c.iri, c.start, c.end) for c in claims if c.start is not None and c.end is not None]
    by_iri = {c.iri: c for c in claims}
    pieces = []
    for segment in segments(text, spans):  # type: ignore[arg-type]
        if segment.claims:
            target = min(segment.claims, key=lambda c: (by_iri[c].end or 0) - (by_iri[c].start or 0))
            pieces.append(Piece(segment, by_iri[target], [by_iri[c].digest for c in segment.claims]))
        else:
            pieces.append(Piece(segment, None, []))
    metadata = [(label, resource.first(prop)) for label, prop in DOCUMENT_METADATA]
    return View(
        "document",
        {"resource": resource, "pieces": pieces, "claims": claims, "metadata": metadata, "length": len(text)},
    )


def claim_view(select: Select, resource: Resource, mint: Minter) -> View:
    """A claim, its quote in the document's own text around it, what the claims of its own key
    (subject, property, count kind) say together, and the claims of other count kinds."""
    claim = read_claim(select, resource.iri)
    if claim is None:
        return View("resource", {"resource": resource, "naming": []})
    context = None
    if claim.start is not None and claim.end is not None:
        text = document_text(select, claim.document.iri)
        if text[claim.start : claim.end] == claim.exact:
            context = context_around(text, claim.start, claim.end)
    every = read_claims(
        select,
        f"?claim <{RDF.subject}> {claim.subject.node.n3()} ; <{RDF.predicate}> {claim.predicate.node.n3()} .",
    )
    functional = functional_properties(select, [claim.predicate.iri])
    facts = facts_by_key(every, functional, parties_to(select, claim.subject.iri))
    own = next(f for f in facts if f.claims[0].key == claim.key)
    return View(
        "claim",
        {
            "resource": resource,
            "claim": claim,
            "context": context,
            "fact": own,
            "others": [c for c in own.claims if c.iri != claim.iri],
            "other_kinds": [f for f in facts if f is not own],
            "consensus": [
                c
                for c in read_consensus(select, claim.subject.iri, claim.predicate.iri)
                if c.kind_iri == (claim.kind.iri if claim.kind else "")
            ],
            "nanopub": mint.nanopub(claim.iri),
        },
    )


def consensus_view(select: Select, resource: Resource) -> View:
    """A derived statement: a consensus statement (every claim of its key gives its value) or a
    contested value (one of the values the claims of its key give), with the claims behind it,
    each with claimant, document and quote, and what the claims of its key say together."""
    subject, predicate, obj = (
        resource.first(RDF.subject),
        resource.first(RDF.predicate),
        resource.first(RDF.object),
    )
    kind_term = resource.first(CG.countKind)
    behind = [str(o.node) for p, o, _ in resource.properties if p.node == CG.supportedBy]
    values = " ".join(_iri(c) for c in behind)
    # The claims are read by their IRIs: cg:supportedBy is in the consensus graph, not theirs.
    supporting = read_claims(select, f"VALUES ?claim {{ {values} }}") if behind else []
    fact = None
    if subject is not None and predicate is not None:
        every = read_claims(
            select, f"?claim <{RDF.subject}> {subject.node.n3()} ; <{RDF.predicate}> {predicate.node.n3()} ."
        )
        key = (subject.iri, predicate.iri, kind_term.iri if kind_term else "")
        facts = facts_by_key(
            [c for c in every if c.key == key],
            functional_properties(select, [predicate.iri]),
            parties_to(select, subject.iri),
        )
        fact = facts[0] if facts else None
    kind = next((c.kind for c in supporting if c.kind is not None), kind_term)
    return View(
        "contested" if resource.has_type(CG.ContestedValue) else "consensus",
        {
            "resource": resource,
            "subject": subject,
            "predicate": predicate,
            "obj": obj,
            "kind": kind,
            "claims": supporting,
            "fact": fact,
            "others": [v for v in fact.by_value if obj is None or v.term.node != obj.node] if fact else [],
        },
    )

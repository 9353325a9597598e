"""A resource's own triples as a page heads with them, a document's text, a vocabulary's terms."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Literal, URIRef

from ..namespaces import CG, OWL, PROV, RDF, RDFS, SCHEMA, SKOS
from .terms import DESCRIPTION_CAP, Select, Term, _iri, local_name, term


@dataclass
class Resource:
    """What a page heads with: label, types, other names, description, identifiers, every property."""

    iri: str
    label: str
    types: list[Term] = field(default_factory=list)
    alt_labels: list[str] = field(default_factory=list)
    comment: str = ""
    same_as: list[str] = field(default_factory=list)
    properties: list[tuple[Term, Term, str]] = field(default_factory=list)  # (property, value, graph)

    def first(self, predicate: URIRef) -> Term | None:
        for p, value, _ in self.properties:
            if p.node == predicate:
                return value
        return None

    def has_type(self, rdf_type: URIRef) -> bool:
        return any(t.node == rdf_type for t in self.types)

    @property
    def kind(self) -> str:
        """``claim``, ``document``, ``consensus``, ``event``, ``agent``, or ``entity``."""
        for rdf_type, kind in (
            (CG.Claim, "claim"),
            (CG.SourceDocument, "document"),
            (CG.ConsensusStatement, "consensus"),
            (CG.ContestedValue, "consensus"),
            (CG.CompatibleValue, "consensus"),
            (SCHEMA.Event, "event"),
            (PROV.Agent, "agent"),
        ):
            if self.has_type(rdf_type):
                return kind
        return "entity"


def read_resource(select: Select, iri: str) -> Resource | None:
    """The triples whose subject is ``iri``, with labels; None when there are none."""
    rows = select(
        f"""SELECT DISTINCT ?p ?o ?g ?pLabel ?oLabel WHERE {{
  GRAPH ?g {{ {_iri(iri)} ?p ?o }}
  OPTIONAL {{ ?p <{RDFS.label}> ?pLabel }}
  OPTIONAL {{ ?o <{RDFS.label}> ?oLabel }}
}} LIMIT {DESCRIPTION_CAP}"""
    )
    if not rows:
        return None
    resource = Resource(iri, local_name(iri))
    seen: set[tuple[str, str, str]] = set()
    for row in rows:
        key = (row["p"].n3(), row["o"].n3(), str(row["g"]))
        if key in seen:
            continue
        seen.add(key)
        p, o = term(row, "p", "pLabel"), term(row, "o", "oLabel")
        assert p is not None and o is not None
        resource.properties.append((p, o, str(row["g"])))
        if p.node == RDF.type and all(t.node != o.node for t in resource.types):
            resource.types.append(o)
        elif p.node == RDFS.label:
            resource.label = str(o.node)
        elif p.node == SKOS.altLabel and str(o.node) not in resource.alt_labels:
            resource.alt_labels.append(str(o.node))
        elif p.node == RDFS.comment and not resource.comment:
            resource.comment = str(o.node)
        elif p.node in (OWL.sameAs, SCHEMA.sameAs):
            resource.same_as.append(str(o.node))
    resource.alt_labels.sort()
    resource.properties.sort(key=lambda t: (t[0].text, t[1].text))
    return resource


def document_text(select: Select, document: str) -> str:
    rows = select(f"SELECT ?text WHERE {{ {_iri(document)} <{SCHEMA.text}> ?text }} LIMIT 1")
    return str(rows[0]["text"]) if rows else ""


def vocabulary_terms(select: Select, graph: str, namespace: str) -> list[Resource]:
    """The terms of ``namespace`` defined in ``graph`` (the vocabulary or the shapes), with every property."""
    rows = select(
        f"""SELECT ?s ?p ?o ?pLabel WHERE {{ GRAPH {_iri(graph)} {{ ?s ?p ?o }}
  FILTER (STRSTARTS(STR(?s), {Literal(namespace).n3()}))
  OPTIONAL {{ ?p <{RDFS.label}> ?pLabel }} }} LIMIT {DESCRIPTION_CAP}"""
    )
    terms: dict[str, Resource] = {}
    for row in rows:
        iri = str(row["s"])
        resource = terms.setdefault(iri, Resource(iri, local_name(iri)))
        p, o = term(row, "p", "pLabel"), term(row, "o")
        assert p is not None and o is not None
        resource.properties.append((p, o, graph))
        if p.node == RDF.type:
            resource.types.append(o)
        elif p.node == RDFS.label:
            resource.label = str(o.node)
        elif p.node == RDFS.comment:
            resource.comment = str(o.node)
    for resource in terms.values():
        resource.properties.sort(key=lambda t: (t[0].text, t[1].text))
    return sorted(terms.values(), key=lambda r: (r.iri != namespace.rstrip("#/"), local_name(r.iri).lower()))

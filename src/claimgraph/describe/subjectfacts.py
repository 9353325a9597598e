"""What the claims and the derived statements say about one subject: facts by key, consensus,
functional properties, parties, range rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..facts import Fact, facts_by_key
from ..namespaces import CG, OWL, RDF, RDFS, SKOS
from ..ranges import Rule, known
from .claims import read_claims
from .terms import CLAIM_CAP, Select, Term, _iri, term


@dataclass
class Consensus:
    iri: str
    predicate: Term
    object: Term
    supported_by: list[str]
    #: The count kind whose claims agree ("bodies seen"), when the statement has one.
    count_kind: str | None = None
    kind_iri: str = ""


def consensus_query(subject: str, predicate: str | None = None) -> str:
    where_p = f"VALUES ?p {{ {_iri(predicate)} }}" if predicate else ""
    return f"""SELECT ?cs ?p ?o ?pLabel ?oLabel ?claim ?kind ?kindLabel WHERE {{
  {where_p}
  ?cs a <{CG.ConsensusStatement}> ; <{RDF.subject}> {_iri(subject)} ; <{RDF.predicate}> ?p ;
      <{RDF.object}> ?o ; <{CG.supportedBy}> ?claim .
  OPTIONAL {{ ?cs <{CG.countKind}> ?kind OPTIONAL {{ ?kind <{SKOS.prefLabel}> ?kindLabel }} }}
  OPTIONAL {{ ?p <{RDFS.label}> ?pLabel }}
  OPTIONAL {{ ?o <{RDFS.label}> ?oLabel }}
}} ORDER BY ?p ?o ?claim LIMIT {CLAIM_CAP}"""


def read_consensus(select: Select, subject: str, predicate: str | None = None) -> list[Consensus]:
    found: dict[str, Consensus] = {}
    for row in select(consensus_query(subject, predicate)):
        iri = str(row["cs"])
        if iri not in found:
            kind = term(row, "kind", "kindLabel")
            found[iri] = Consensus(
                iri,
                term(row, "p", "pLabel"),  # type: ignore[arg-type]
                term(row, "o", "oLabel"),  # type: ignore[arg-type]
                [],
                kind.text if kind else None,
                kind.iri if kind else "",
            )
        if str(row["claim"]) not in found[iri].supported_by:
            found[iri].supported_by.append(str(row["claim"]))
    return sorted(found.values(), key=lambda c: (c.predicate.text, c.object.text))


def functional_properties(select: Select, predicates: Iterable[str]) -> set[str]:
    wanted = " ".join(_iri(p) for p in set(predicates))
    if not wanted:
        return set()
    rows = select(f"SELECT ?p WHERE {{ VALUES ?p {{ {wanted} }} ?p a <{OWL.FunctionalProperty}> }}")
    return {str(r["p"]) for r in rows}


def facts_about(select: Select, subject: str) -> list[Fact]:
    """The claims whose subject is ``subject``, one :class:`~claimgraph.facts.Fact` per key
    (property and count kind)."""
    claims = read_claims(select, f"?claim <{RDF.subject}> {_iri(subject)} .")
    functional = functional_properties(select, {c.predicate.iri for c in claims})
    return facts_by_key(claims, functional, parties_to(select, subject))


def parties_to(select: Select, subject: str) -> frozenset[str]:
    """The agents a curator declared party to ``subject`` (``cg:partyTo`` in the registry)."""
    rows = select(f"SELECT DISTINCT ?agent WHERE {{ ?agent <{CG.partyTo}> {_iri(subject)} }}")
    return frozenset(str(r["agent"]) for r in rows)


def range_rules(select: Select) -> list[Rule]:
    """The range rules the store's vocabulary states (``ontology/range-rules.ttl``) whose test is known."""
    rows = select(
        f"""SELECT ?rule ?notation ?label ?version ?definition ?test WHERE {{
  ?rule a <{CG.RangeRule}> ; <{SKOS.notation}> ?notation ; <{SKOS.prefLabel}> ?label ; <{OWL.versionInfo}> ?version .
  OPTIONAL {{ ?rule <{SKOS.definition}> ?definition }} OPTIONAL {{ ?rule <{CG.claimTest}> ?test }}
}} ORDER BY ?notation"""
    )
    found: dict[str, Rule] = {}
    for r in rows:
        found.setdefault(
            str(r["rule"]),
            Rule(
                str(r["rule"]),
                str(r["notation"]),
                str(r["label"]),
                str(r["version"]),
                str(r.get("definition", "")),
                str(r.get("test", "")),
            ),
        )
    return known(list(found.values()))


def by_property(facts: list[Fact]) -> list[Fact]:
    """The facts of each property together, whatever their count kinds (what a chart sets side by side)."""
    found: dict[str, Fact] = {}
    for fact in facts:
        merged = found.setdefault(fact.predicate.iri, Fact(fact.predicate, [], fact.functional))
        merged.claims.extend(fact.claims)
    return list(found.values())

"""Agents: the documents they created, and whom they rely on (and who relies on them)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..namespaces import CG, DCT, RDFS
from .terms import CLAIM_CAP, Select, Term, _iri, term


def documents_created_by(select: Select, agent: str) -> list[Term]:
    rows = select(
        f"""SELECT DISTINCT ?doc ?label WHERE {{ ?doc <{DCT.creator}>|<{DCT.publisher}> {_iri(agent)} ;
        a <{CG.SourceDocument}> OPTIONAL {{ ?doc <{RDFS.label}> ?label }} }} ORDER BY ?doc"""
    )
    return [term(r, "doc", "label") for r in rows]  # type: ignore[misc]


@dataclass
class Reliance:
    """One agent that another relies on (or that relies on it), with the claims that show it."""

    agent: Term
    claims: list[str] = field(default_factory=list)
    media: list[Term] = field(default_factory=list)


def reliance(select: Select, agent: str) -> tuple[list[Reliance], list[Reliance]]:
    """Whom ``agent`` relies on (the next step of a chain it is in) and who relies on it (the step before).

    Step *i* of a chain reports what the agent of step *i + 1* said.
    """
    rows = select(
        f"""SELECT DISTINCT ?claim ?i ?other ?otherLabel ?j ?medium ?mediumLabel WHERE {{
  ?claim <{CG.attributionStep}> ?mine . ?mine <{CG.agent}> {_iri(agent)} ; <{CG.stepIndex}> ?i .
  ?claim <{CG.attributionStep}> ?step . ?step <{CG.agent}> ?other ; <{CG.stepIndex}> ?j .
  FILTER (?j = ?i + 1 || ?j = ?i - 1)
  OPTIONAL {{ ?other <{RDFS.label}> ?otherLabel }}
  OPTIONAL {{ ?step <{CG.medium}> ?medium OPTIONAL {{ ?medium <{RDFS.label}> ?mediumLabel }} }}
}} LIMIT {CLAIM_CAP * 4}"""
    )
    relies_on: dict[str, Reliance] = {}
    relied_by: dict[str, Reliance] = {}
    for row in rows:
        other = term(row, "other", "otherLabel")
        assert other is not None
        if other.iri == agent:
            continue
        later = int(row["j"].toPython()) > int(row["i"].toPython())
        bucket = relies_on if later else relied_by
        entry = bucket.setdefault(other.iri, Reliance(other))
        if str(row["claim"]) not in entry.claims:
            entry.claims.append(str(row["claim"]))
        medium = term(row, "medium", "mediumLabel")
        if later and medium is not None and all(m.iri != medium.iri for m in entry.media):
            entry.media.append(medium)

    def ordered(found: dict[str, Reliance]) -> list[Reliance]:
        return sorted(found.values(), key=lambda r: (-len(r.claims), r.agent.text))

    return ordered(relies_on), ordered(relied_by)

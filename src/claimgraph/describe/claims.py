"""Claims as a page shows them: read with their parts, labels, qualifiers and chains."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rdflib.term import Node

from ..namespaces import CG, OA, PROV, RDF, RDFS, SKOS
from .terms import CLAIM_CAP, Select, Term, _iri, local_name, term


@dataclass
class Step:
    index: int
    agent: Term
    medium: Term | None


@dataclass
class ClaimView:
    """One claim as a page shows it."""

    iri: str
    subject: Term
    predicate: Term
    object: Term
    claimant: Term
    document: Term
    exact: str
    prefix: str = ""
    suffix: str = ""
    start: int | None = None
    end: int | None = None
    qualifiers: list[tuple[str, str]] = field(default_factory=list)
    chain: list[Step] = field(default_factory=list)
    graph: str = ""
    #: The concept of the count-kind scheme the claim's count counts (with its label), if any.
    kind: Term | None = None
    #: The agent the claimant cites as its basis ("X confirms"), if any.
    basis: str = ""

    @property
    def digest(self) -> str:
        return local_name(self.iri)

    @property
    def count_kind(self) -> str:
        return dict(self.qualifiers).get("count kind", "")

    @property
    def key(self) -> tuple[str, str, str]:
        """(subject, property, count kind): claims of one key are about one fact."""
        return (self.subject.iri, self.predicate.iri, self.kind.iri if self.kind else "")

    @property
    def agents(self) -> set[str]:
        """Every agent of its chain, the document's own voice included: what it depends on."""
        return (
            {step.agent.iri for step in self.chain}
            | {self.claimant.iri}
            | ({self.basis} if self.basis else set())
        )

    @property
    def bound(self) -> str:
        return dict(self.qualifiers).get("bound", "")

    @property
    def reporters(self) -> list[Step]:
        """Every step but the claimant's: who passed the claim on, from the document's voice inward."""
        return self.chain[:-1]


QUALIFIERS = (
    ("countKind", CG.countKind, "count kind"),
    ("wording", CG.wording, "wording"),
    ("bound", CG.bound, "bound"),
    ("modality", CG.modality, "modality"),
    ("basis", CG.basis, "basis"),
    ("statedOn", CG.statedOn, "stated on"),
    ("note", RDFS.comment, "note"),
)


def claims_query(pattern: str, *, cap: int = CLAIM_CAP) -> str:
    """Every claim matching ``pattern`` (a SPARQL group pattern over ``?claim``, matched in the claim's
    own graph), with its parts and labels."""
    optional = "\n  ".join(
        f"OPTIONAL {{ ?claim <{prop}> ?{name} }}"
        for name, prop, _ in QUALIFIERS
        if name not in ("countKind", "basis")
    )
    # The label inside the count kind's OPTIONAL: on its own, an unbound ?countKind would match any.
    optional += (
        f"\n  OPTIONAL {{ ?claim <{CG.countKind}> ?countKind"
        f" OPTIONAL {{ ?countKind <{SKOS.prefLabel}> ?countKindLabel }} }}"
        f"\n  OPTIONAL {{ ?claim <{CG.basis}> ?basis OPTIONAL {{ ?basis <{RDFS.label}> ?basisLabel }} }}"
    )
    labels = "\n  ".join(
        f"OPTIONAL {{ ?{v} <{RDFS.label}> ?{v}Label }}" for v in ("s", "p", "o", "claimant", "doc")
    )
    return f"""SELECT DISTINCT ?claim ?s ?p ?o ?claimant ?doc ?g ?exact ?prefix ?suffix ?start ?end
  {" ".join("?" + name for name, _, _ in QUALIFIERS)} ?sLabel ?pLabel ?oLabel ?claimantLabel ?docLabel
  ?countKindLabel ?basisLabel
WHERE {{
  GRAPH ?g {{
    {pattern}
    ?claim a <{CG.Claim}> ; <{RDF.subject}> ?s ; <{RDF.predicate}> ?p ; <{RDF.object}> ?o ;
           <{PROV.wasAttributedTo}> ?claimant ; <{PROV.wasDerivedFrom}> ?doc ; <{CG.evidence}> ?ev .
    ?ev <{OA.hasSelector}> ?q . ?q a <{OA.TextQuoteSelector}> ; <{OA.exact}> ?exact .
    OPTIONAL {{ ?q <{OA.prefix}> ?prefix }}
    OPTIONAL {{ ?q <{OA.suffix}> ?suffix }}
    OPTIONAL {{ ?ev <{OA.hasSelector}> ?pos . ?pos a <{OA.TextPositionSelector}> ;
                <{OA.start}> ?start ; <{OA.end}> ?end }}
  }}
  {optional}
  {labels}
}} LIMIT {cap}"""


def chains_query(pattern: str, *, cap: int = CLAIM_CAP * 4) -> str:
    """The attribution steps of every claim matching ``pattern``."""
    return f"""SELECT DISTINCT ?claim ?index ?agent ?agentLabel ?medium ?mediumLabel WHERE {{
  {pattern}
  ?claim a <{CG.Claim}> ; <{CG.attributionStep}> ?step .
  ?step <{CG.stepIndex}> ?index ; <{CG.agent}> ?agent .
  OPTIONAL {{ ?agent <{RDFS.label}> ?agentLabel }}
  OPTIONAL {{ ?step <{CG.medium}> ?medium OPTIONAL {{ ?medium <{RDFS.label}> ?mediumLabel }} }}
}} LIMIT {cap}"""


def read_claims(select: Select, pattern: str) -> list[ClaimView]:
    """The claims matching ``pattern``, with their chains, in a stable order (subject, property, value)."""
    claims: dict[str, ClaimView] = {}
    for row in select(claims_query(pattern)):
        iri = str(row["claim"])
        if iri in claims:
            continue
        start, end = row.get("start"), row.get("end")
        claims[iri] = ClaimView(
            iri=iri,
            subject=term(row, "s", "sLabel"),  # type: ignore[arg-type]
            predicate=term(row, "p", "pLabel"),  # type: ignore[arg-type]
            object=term(row, "o", "oLabel"),  # type: ignore[arg-type]
            claimant=term(row, "claimant", "claimantLabel"),  # type: ignore[arg-type]
            document=term(row, "doc", "docLabel"),  # type: ignore[arg-type]
            exact=str(row["exact"]),
            prefix=str(row.get("prefix", "")),
            suffix=str(row.get("suffix", "")),
            start=int(start.toPython()) if start is not None else None,
            end=int(end.toPython()) if end is not None else None,
            qualifiers=[(title, _qualifier(row, name)) for name, _, title in QUALIFIERS if name in row],
            graph=str(row["g"]),
            kind=term(row, "countKind", "countKindLabel"),
            basis=str(row["basis"]) if row.get("basis") is not None else "",
        )
    steps: dict[str, dict[int, Step]] = defaultdict(dict)
    for row in select(chains_query(pattern)):
        iri = str(row["claim"])
        index = int(row["index"].toPython())
        steps[iri].setdefault(
            index, Step(index, term(row, "agent", "agentLabel"), term(row, "medium", "mediumLabel"))
        )  # type: ignore[arg-type]
    for iri, claim in claims.items():
        claim.chain = [steps[iri][i] for i in sorted(steps[iri])]
    return sorted(
        claims.values(),
        key=lambda c: (
            c.subject.text,
            c.predicate.text,
            _sort_key(c.object),
            c.claimant.text,
            c.document.text,
        ),
    )


def _qualifier(row: dict[str, Node], name: str) -> str:
    if name in ("countKind", "basis"):
        return str(row.get(name + "Label") or local_name(str(row[name])))
    return str(row[name])


def _sort_key(value: Term) -> tuple[int, float, str]:
    number = value.number
    return (0, -number, "") if number is not None else (1, 0.0, value.text)


def claims_in_document(select: Select, document: str) -> list[ClaimView]:
    return read_claims(select, f"?claim <{PROV.wasDerivedFrom}> {_iri(document)} .")


def claims_by(select: Select, claimant: str) -> list[ClaimView]:
    return read_claims(select, f"?claim <{PROV.wasAttributedTo}> {_iri(claimant)} .")


def claims_naming(select: Select, obj: str) -> list[ClaimView]:
    """The claims whose object is ``obj`` (it is held responsible, is the victim…)."""
    return read_claims(select, f"?claim <{RDF.object}> {_iri(obj)} .")


def claims_passed_on(select: Select, agent: str) -> list[ClaimView]:
    """The claims in whose chain ``agent`` passes on what another said (every step but the claimant)."""
    return read_claims(select, f"?claim <{CG.reportedBy}> {_iri(agent)} .")


def read_claim(select: Select, claim: str) -> ClaimView | None:
    found = read_claims(select, f"VALUES ?claim {{ {_iri(claim)} }}")
    return found[0] if found else None

"""What the store says about one IRI: its bounded RDF description, and the data of its pages.

Everything is read through a ``select`` function (SPARQL text → rows of rdflib
terms), so the web edge can answer it with its query workers and a test with a
store. Nothing here renders HTML.

**The description of an IRI** (what ``/entity/x.ttl`` returns) holds, in every
named graph, the triples whose subject is the IRI; those of the nodes it names
under its own IRI with a fragment (a claim's ``#evidence``, ``#quote``,
``#position``, ``#step-N``), two links deep; and those of the claims and
consensus statements whose ``rdf:subject`` or ``rdf:object`` is the IRI (not
their fragments). At most :data:`DESCRIPTION_CAP` quads; past that the
description says so (:func:`description_query` asks for one more to know).

>>> "LIMIT 5001" in description_query("http://e/x")
True
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import pairwise

from rdflib import Literal, URIRef
from rdflib.term import Node

from .facts import COMPATIBLE, CONTESTED, SEVERAL, UNCONTESTED, Fact, facts_by_key
from .iris import Minter
from .labels import vocabulary_label
from .namespaces import CG, DCT, OA, OWL, PROV, RDF, RDFS, SCHEMA, SKOS, XSD
from .ranges import Rule, apply, known

Select = Callable[[str], list[dict[str, Node]]]

#: The most quads an IRI's description holds; the most claims a page lists.
DESCRIPTION_CAP = 5000
CLAIM_CAP = 2000
#: Characters of the document shown on each side of a quote on a claim page.
CONTEXT_CHARS = 300

NUMERIC = {XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.int, XSD.long, XSD.nonNegativeInteger}


def _iri(iri: str) -> str:
    return URIRef(iri).n3()


def description_query(iri: str, *, cap: int = DESCRIPTION_CAP) -> str:
    """The SPARQL SELECT (``?s ?p ?o ?g``) of an IRI's description, one quad past ``cap``."""
    x = _iri(iri)
    frag = Literal(iri + "#").n3()
    return f"""SELECT DISTINCT ?s ?p ?o ?g WHERE {{
  {{ VALUES ?s {{ {x} }} GRAPH ?g {{ ?s ?p ?o }} }}
  UNION {{ {x} ?a ?s . FILTER (isIRI(?s) && STRSTARTS(STR(?s), {frag})) GRAPH ?g {{ ?s ?p ?o }} }}
  UNION {{ {x} ?a ?m . ?m ?b ?s .
          FILTER (isIRI(?m) && isIRI(?s) && STRSTARTS(STR(?m), {frag}) && STRSTARTS(STR(?s), {frag}))
          GRAPH ?g {{ ?s ?p ?o }} }}
  UNION {{ ?s <{RDF.subject}>|<{RDF.object}> {x} . GRAPH ?g {{ ?s ?p ?o }} }}
}} LIMIT {cap + 1}"""


def graph_query(graph: str, *, cap: int = DESCRIPTION_CAP) -> str:
    """The SPARQL SELECT (``?s ?p ?o ?g``) of a whole named graph, one quad past ``cap``."""
    return f"SELECT ?s ?p ?o ?g WHERE {{ VALUES ?g {{ {_iri(graph)} }} GRAPH ?g {{ ?s ?p ?o }} }} LIMIT {cap + 1}"


def exists_query(iri: str) -> str:
    """ASK-like SELECT: one row when the store mentions ``iri`` as a subject, or holds a graph of that name."""
    x = _iri(iri)
    return f"SELECT ?x WHERE {{ {{ {x} ?p ?o BIND (1 AS ?x) }} UNION {{ GRAPH {x} {{ }} BIND (2 AS ?x) }} }} LIMIT 1"


# ------------------------------------------------------------------ terms for people


def local_name(iri: str) -> str:
    """The last segment of an IRI, for a resource without a label.

    >>> local_name("https://w3id.org/claimgraph/ns#deathCount"), local_name("http://e/entity/x")
    ('deathCount', 'x')
    """
    for sep in ("#", "/"):
        if sep in iri.rstrip(sep):
            return iri.rstrip(sep).rsplit(sep, 1)[1]
    return iri


def labels_of(select: Select, iris: Iterable[str]) -> dict[str, str]:
    """What a page calls each IRI: its label in the store (``rdfs:label``, ``skos:prefLabel``),
    else its vocabulary's (:func:`claimgraph.labels.vocabulary_label`), else its last segment."""
    wanted = sorted({i for i in iris if ">" not in i and " " not in i})
    found: dict[str, str] = {}
    if wanted:
        values = " ".join(f"<{i}>" for i in wanted)
        for row in select(
            f"SELECT ?i ?label WHERE {{ VALUES ?i {{ {values} }} ?i <{RDFS.label}>|<{SKOS.prefLabel}> ?label }}"
        ):
            found.setdefault(str(row["i"]), str(row["label"]))
    return {i: found.get(i) or vocabulary_label(i) or local_name(i) for i in wanted}


@dataclass
class Term:
    """An RDF term with what a page shows of it: its label (IRIs) or its value (literals)."""

    node: Node
    label: str = ""

    @property
    def is_iri(self) -> bool:
        return isinstance(self.node, URIRef)

    @property
    def iri(self) -> str:
        return str(self.node)

    @property
    def text(self) -> str:
        if self.label:
            return self.label
        if not self.is_iri:
            return str(self.node)
        return vocabulary_label(str(self.node)) or local_name(str(self.node))

    @property
    def number(self) -> float | None:
        if isinstance(self.node, Literal) and self.node.datatype in NUMERIC:
            try:
                return float(self.node.toPython())
            except (TypeError, ValueError):
                return None
        return None


def term(row: dict[str, Node], name: str, label: str | None = None) -> Term | None:
    if name not in row:
        return None
    shown = row.get(label) if label else None
    return Term(row[name], str(shown) if shown is not None else "")


# ------------------------------------------------------------------ claims


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


# ------------------------------------------------------------------ facts about a subject


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


# ------------------------------------------------------------------ resources


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


# ------------------------------------------------------------------ highlighting a document


@dataclass
class Segment:
    """A run of a document's text, and the claims whose quotes cover it."""

    text: str
    claims: list[str]
    starts: list[str] = field(default_factory=list)  # claims whose quote begins here


def segments(text: str, spans: Iterable[tuple[str, int, int]]) -> list[Segment]:
    """Cut ``text`` at every quote boundary; each piece lists the claims (by IRI) whose span covers it.

    :param spans: (claim, start, end) in code points, as ``oa:TextPositionSelector`` gives them.

    >>> [(s.text, s.claims) for s in segments("one two three", [("a", 4, 7), ("b", 4, 13)])]
    [('one ', []), ('two', ['a', 'b']), (' three', ['b'])]
    """
    valid = [(c, s, e) for c, s, e in spans if 0 <= s < e <= len(text)]
    cuts = sorted({0, len(text), *(s for _, s, _ in valid), *(e for _, _, e in valid)})
    out: list[Segment] = []
    for left, right in pairwise(cuts):
        covering = [c for c, s, e in valid if s <= left and right <= e]
        out.append(Segment(text[left:right], covering, [c for c, s, _ in valid if s == left]))
    return out


def context_around(text: str, start: int, end: int, chars: int = CONTEXT_CHARS) -> tuple[str, str, str]:
    """The text before a quote, the quote, and the text after, ``chars`` each side.

    >>> context_around("abcdefgh", 3, 5, chars=2)
    ('bc', 'de', 'fg')
    """
    return text[max(0, start - chars) : start], text[start:end], text[end : end + chars]


# ------------------------------------------------------------------ vocabulary


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


# ------------------------------------------------------------------ what each page shows


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


def graph_summary(select: Select, graph: str, mint: Minter) -> dict[str, object] | None:
    """How many quads and subjects a named graph holds, and the document it is the graph of
    (None when the store has no such graph)."""
    if not select(f"SELECT ?g WHERE {{ VALUES ?g {{ {_iri(graph)} }} GRAPH ?g {{ }} }}"):
        return None
    rows = select(
        f"SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?s) AS ?subjects) WHERE {{ GRAPH {_iri(graph)} {{ ?s ?p ?o }} }}"
    )
    counts = rows[0] if rows else {}
    return {
        "quads": int(counts["n"].toPython()) if "n" in counts else 0,  # type: ignore[attr-defined]
        "subjects": int(counts["subjects"].toPython()) if "subjects" in counts else 0,  # type: ignore[attr-defined]
        "document": str(document) if (document := mint.document_of(graph)) is not None else None,
    }

"""The closed-world rules: what may be in which graph of the store, each written once.

Every rule is a row of :data:`RULES` (its shape and its one message), and the graphs are
sorted into kinds (:func:`graph_kind`) whose treatment is data too. :class:`Placement`
applies the rules on what is written in a graph, as N-Triples text: a small write's
rdflib quads are written as text for it (they are few), a streamed load's graphs are text
already; so both paths run the same code and say the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence, Set

from rdflib import URIRef
from rdflib.term import Node
from rdflib.util import from_n3

from ..errors import Problem
from ..iris import METADATA_GRAPH
from ..namespaces import CG, DCT, OA, OWL, RDF, RDFS, SCHEMA, SKOS
from ..rdf.terms import sparql_term
from ..store import Store
from ..validation import (
    Vocabulary,
)
from .change import Policy, TextTriple

SHAPES = "https://w3id.org/claimgraph/shapes#"

#: Classes whose nodes the closed node shapes describe (anything else typed is an entity or agent).
STRUCTURAL = {
    CG.Claim,
    CG.SourceDocument,
    CG.AttributionStep,
    CG.ConsensusStatement,
    CG.ContestedValue,
    CG.CompatibleValue,
    CG.SourceGroup,
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


#: The closed-world rules, each once: rule → (its shape, its message). A message's fields are
#: N-Triples terms (``<iri>``, ``"12"^^<…>``) or a graph's description.
RULES: dict[str, tuple[str, str]] = {
    "vocabulary graph": (
        "VocabularyGraphRule",
        "{graph} is written only by the loader (from ontology/) and the write path",
    ),
    "vocabulary graph named": ("VocabularyGraphRule", "{graph} cannot be created or dropped"),
    "derived consensus": (
        "DerivedConsensusRule",
        "the consensus graph {graph} is derived from the claims and cannot be written directly "
        "({triple}); change the claims instead",
    ),
    "unsourced": (
        "UnsourcedAssertionShape",
        "{p} {o} is asserted bare, outside a claim{where}: record it as a claim with its source, "
        "claimant and quote",
    ),
    "untyped": (
        "TypedNodeRule",
        "{s} has no rdf:type: {where} holds claims, documents and entities only (an operator may "
        "open graphs for other RDF: CLAIMGRAPH_OPEN_GRAPHS)",
    ),
}


def broken(
    rule: str,
    *,
    focus: Node | str | None = None,
    path: str | None = None,
    value: str | None = None,
    **fields: str,
) -> Problem:
    """The problem of a broken rule of :data:`RULES`, its message filled with ``fields``."""
    shape, message = RULES[rule]
    return Problem(
        message.format(**fields),
        shape=SHAPES + shape,
        focus=str(focus) if focus is not None else None,
        path=path,
        value=value,
    )


# ---------------------------------------------------------------- the kinds of graph

#: The vocabulary graphs (the ontology and the shapes), written by the loader only.
VOCABULARY = "vocabulary"
#: The write path's own graphs: the store's metadata and the kept graphs (history, curators, withdrawn).
OWN = "own"
#: The derived consensus.
CONSENSUS = "consensus"
#: Graphs an operator opened for any RDF but a domain assertion.
OPEN = "open"
#: Every other graph (and the default graph unless opened): claims, documents and entities.
CLOSED = "closed"
#: The vocabulary graphs the change itself writes (from ontology/, by the loader).
TRUSTED = "trusted"

#: What a client's change may not do in a graph of each kind: the rule it breaks by writing there.
REFUSED = {VOCABULARY: "vocabulary graph", OWN: "vocabulary graph", CONSENSUS: "derived consensus"}
#: Kinds of graph a client may not create or drop (the consensus graph is derived: dropping it
#: removes its quads, which breaks "derived consensus" instead).
UNNAMED = {VOCABULARY, OWN}
#: Kinds whose quads a client's removal (``DROP ALL``) leaves in place: the store's own records.
KEPT = {OWN}
#: Kinds the placement rules and the validation of touched nodes leave out (their contents are
#: the loader's or the write path's own, or derived and checked against the consensus shapes).
UNCHECKED = {TRUSTED, OWN, CONSENSUS}


def graph_kind(policy: Policy, graph: URIRef | None, trusted: Set[URIRef] = frozenset()) -> str:
    """The kind of ``graph`` under ``policy``, for a change that writes the ``trusted`` vocabulary graphs."""
    if graph is not None and graph in trusted:
        return TRUSTED
    if graph == policy.mint.consensus_graph:
        return CONSENSUS
    if graph == METADATA_GRAPH or graph in policy.kept:
        return OWN
    if graph in (policy.mint.ontology_graph, policy.mint.shapes_graph):
        return VOCABULARY
    return OPEN if policy.is_open(graph) else CLOSED


def unchecked_graphs(policy: Policy, trusted: Set[URIRef]) -> set[URIRef]:
    """The named graphs of the kinds in :data:`UNCHECKED`."""
    return {*trusted, policy.mint.consensus_graph, METADATA_GRAPH, *policy.kept}


def claim_properties(vocabulary: Vocabulary) -> set[Node]:
    """The properties the claimgraph vocabulary declares for facts (those without a model domain)."""
    declared = set()
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for p in vocabulary.ontology.subjects(RDF.type, kind):
            if str(p).startswith(str(CG)) and (p, RDFS.domain, None) not in vocabulary.ontology:
                declared.add(p)
    return declared


# ---------------------------------------------------------------- placement, on N-Triples text


def nt(term: Node) -> str:
    """An rdflib term as N-Triples text."""
    return f"<{term}>" if type(term) is URIRef else sparql_term(term)


def iri_of(text: str) -> URIRef:
    return URIRef(text[1:-1])


def _lexical(text: str) -> str:
    """The value an N-Triples term stands for (an IRI, or a literal's lexical form)."""
    return text[1:-1] if text.startswith("<") else str(from_n3(text))


def _graph_named(graph: URIRef | None) -> str:
    return "the default graph" if graph is None else f"<{graph}>"


_TYPE = nt(RDF.type)
_PREDICATE = nt(RDF.predicate)
_SOURCE_DOCUMENT = nt(CG.SourceDocument)
_CURATION = {nt(p) for p in CURATION}
_DOCUMENT_RECORD = {nt(p) for p in DOCUMENT_RECORD}

#: types(subject) → the rdf:type objects the store holds for it once the change is written.
Types = Callable[[str], Iterable[str]]


class Placement:
    """The placement rules, graph by graph: no domain assertion outside a claim, no untyped
    node in a closed graph; for a small write and a streamed load alike.

    A predicate is a domain predicate when the vocabulary declares it for facts, or a claim
    (in the store, the change, or a graph checked so far) is made with it. A predicate that
    only a later graph's claim makes a domain predicate is caught by :meth:`finish`, at its
    first use outside a claim (one problem for it).
    """

    def __init__(self, store: Store, policy: Policy, predicates: Iterable[str] = ()) -> None:
        self.store = store
        self.policy = policy
        self.domain = {nt(p) for p in claim_properties(policy.vocabulary)} | set(predicates)
        self.asked: dict[str, bool] = {}
        self.first_use: dict[str, tuple[str, str, URIRef | None]] = {}
        self.reported: set[tuple[str, str, str]] = set()
        self.untyped: set[str] = set()

    def is_domain(self, p: str) -> bool:
        if p in self.domain:
            return True
        if p not in self.asked:
            self.asked[p] = any(True for _ in self.store.quads(predicate=RDF.predicate, object=iri_of(p)))
        return self.asked[p]

    def check(self, graph: URIRef | None, triples: Sequence[TextTriple], types: Types) -> list[Problem]:
        """The problems of ``triples`` written in ``graph`` (a closed or open one)."""
        problems: list[Problem] = []
        self.domain |= {o for _s, p, o in triples if p == _PREDICATE}
        documents = {s for s, p, o in triples if p == _TYPE and o == _SOURCE_DOCUMENT}
        typed = {s for s, p, _o in triples if p == _TYPE}
        closed = not self.policy.is_open(graph)
        for s, p, o in triples:
            exempt = p in _CURATION or (
                p in _DOCUMENT_RECORD and (s in documents or _SOURCE_DOCUMENT in set(types(s)))
            )
            if not exempt and self.is_domain(p):
                problems.append(self._unsourced(s, p, o, graph))
                continue
            if not exempt and p not in self.first_use:
                self.first_use[p] = (s, o, graph)
            if closed and s not in typed and s not in self.untyped and not any(True for _ in types(s)):
                self.untyped.add(s)
                problems.append(broken("untyped", focus=iri_of(s), s=s, where=_graph_named(graph)))
        return problems

    def finish(self) -> list[Problem]:
        """Uses of predicates that a claim checked after them made domain predicates."""
        return [
            self._unsourced(s, p, o, g)
            for p, (s, o, g) in sorted(self.first_use.items())
            if p in self.domain and (s, p, o) not in self.reported
        ]

    def _unsourced(self, s: str, p: str, o: str, graph: URIRef | None) -> Problem:
        self.reported.add((s, p, o))
        where = "" if graph is None else f" (in <{graph}>)"
        return broken("unsourced", focus=iri_of(s), path=p[1:-1], value=_lexical(o), p=p, o=o, where=where)

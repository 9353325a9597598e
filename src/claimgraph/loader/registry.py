"""The one registry graph: entities and agents merged, each described once, and who owns which document."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from rdflib import URIRef
from rdflib.term import Node

from ..changes import SHAPES
from ..errors import Problem
from ..mapping import Minter, Triple, entity_triples
from ..model import Corpus, Entity
from ..namespaces import CG, RDF, RDFS
from ..rdf.terms import Quad, sparql_term
from ..sheets import CORPUS_FILE
from ..store import Store


def corpus_id(corpus: Node) -> str:
    """A corpus's name, the last segment of its IRI."""
    return str(corpus).rstrip("/").rsplit("/", 1)[-1]


def document_owners(store: Store, documents: list[URIRef]) -> dict[Node, set[tuple[Node, Node]]]:
    """For each document, the corpora that hold it (corpus node, corpus graph)."""
    owners: dict[Node, set[tuple[Node, Node]]] = defaultdict(set)
    for document in documents:
        for corpus, _p, _o, graph in store.quads(predicate=CG.holdsDocument, object=document):
            owners[document].add((corpus, graph))
    return owners


def registry_merge(
    store: Store, corpus: Corpus, mint: Minter, triples: list[Triple], problems: list[Problem]
) -> list[Quad]:
    """The registry quads a corpus adds; a declaration that contradicts the registry is a problem.

    An entity already in the registry must be declared with the same label and types;
    a declaration that only adds alternative labels (or identifiers, a description) is merged.
    """
    registry = mint.registry_graph
    by_entity: dict[Node, list[Triple]] = defaultdict(list)
    for t in triples:
        by_entity[t[0]].append(t)
    lines = {mint.entity(e.id): e for e in corpus.entities}
    add: list[Quad] = []
    for node, new in by_entity.items():
        stored = [(s, p, o) for s, p, o, _g in store.quads(registry, subject=node, exact=True)]
        if stored:
            old_label = {o for _s, p, o in stored if p == RDFS.label}
            new_label = {o for _s, p, o in new if p == RDFS.label}
            old_types = {o for _s, p, o in stored if p == RDF.type}
            new_types = {o for _s, p, o in new if p == RDF.type}
            if old_label != new_label or old_types != new_types:
                entity: Entity = lines[node]
                declared = sorted(corpus_id(c) for c, *_ in store.quads(predicate=CG.declares, object=node))
                where = f"corpus {', '.join(map(repr, declared))}" if declared else f"<{registry}>"
                problems.append(
                    Problem(
                        f"{entity.id!r} is declared here as {_describe(new_label, new_types)}, but the "
                        f"store has it from {where} as {_describe(old_label, old_types)}; use the same "
                        "label and type (alt_labels may add spellings) or another id",
                        sheet=CORPUS_FILE if corpus.name else None,
                        line=entity.line,
                        shape=SHAPES + "RegistryRule",
                    )
                )
                continue
        add += [(s, p, o, registry) for s, p, o in new if (s, p, o) not in set(stored)]
    return add


def _describe(labels: set[Node], types: set[Node]) -> str:
    label = " / ".join(repr(str(x)) for x in sorted(labels)) or "no label"
    kinds = ", ".join(sparql_term(t) for t in sorted(types))
    return f"{label} ({kinds})"


def entity_quads(entities: Iterable[Entity], mint: Minter) -> list[Quad]:
    """The registry quads of some entities (for tests and tools that build a registry by hand)."""
    return [(s, p, o, mint.registry_graph) for e in entities for s, p, o in entity_triples(e, mint)]

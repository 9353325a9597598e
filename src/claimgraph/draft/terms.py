"""What drafting reads of the vocabulary: the count kinds of a SKOS scheme, and the count and date properties."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import Graph
from rdflib.namespace import RDF, RDFS, SKOS

from ..namespaces import CG, PREFIXES


@dataclass(frozen=True)
class CountKind:
    """A concept of the count-kind scheme: its notation and the words texts use for it."""

    notation: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class Terms:
    """What drafting reads of the vocabulary: count kinds, count properties and date properties."""

    count_kinds: tuple[CountKind, ...] = ()
    #: (CURIE, its label, the words of its label and comment) of each cg:CountProperty.
    count_properties: tuple[tuple[str, str, str], ...] = ()
    date_properties: tuple[str, ...] = ()


def read_terms(paths: Iterable[Path]) -> Terms:
    """Count kinds (any ``skos:Concept`` with a ``skos:notation``), count and date properties,
    from the Turtle files given (an ontology folder's, and a count-kind scheme's)."""

    graph = Graph()
    for path in paths:
        graph.parse(path, format="turtle")

    def curie(iri: Any) -> str:
        for prefix, base in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
            if str(iri).startswith(base):
                return f"{prefix}:{str(iri)[len(base) :]}"
        return f"<{iri}>"

    kinds = []
    for concept in sorted(set(graph.subjects(RDF.type, SKOS.Concept))):
        notation = graph.value(concept, SKOS.notation)
        if notation is None:
            continue
        labels = {str(notation).replace("-", " ")}
        labels |= {str(x) for p in (SKOS.prefLabel, SKOS.altLabel) for x in graph.objects(concept, p)}
        kinds.append(CountKind(str(notation), tuple(sorted(labels, key=lambda w: (-len(w), w)))))
    counts = []
    for prop in sorted(set(graph.subjects(RDF.type, CG.CountProperty))):
        label = " ".join(str(x) for x in graph.objects(prop, RDFS.label))
        words = " ".join([label, *(str(x) for x in graph.objects(prop, RDFS.comment))])
        counts.append((curie(prop), label.lower(), words.lower()))
    dates = tuple(sorted(curie(p) for p in set(graph.subjects(RDF.type, CG.DateProperty))))
    return Terms(tuple(kinds), tuple(counts), dates)


def vocabulary_files(ontology_dir: Path, scheme: Path | None = None) -> list[Path]:
    """The Turtle files drafting reads: the ontology folder's, and a scheme file of one's own."""
    files = sorted(Path(ontology_dir).glob("*.ttl")) if Path(ontology_dir).is_dir() else []
    return files + ([Path(scheme)] if scheme else [])


#: No vocabulary: no count kinds (the text's own words are kept), no properties.
NO_TERMS = Terms()

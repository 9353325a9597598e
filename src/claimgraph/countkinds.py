"""The count-kind scheme: what a number in a claim counts, as SKOS concepts.

``ontology/count-kinds.ttl`` holds a ``skos:ConceptScheme`` whose concepts each have a
``skos:notation`` (the short id a sheet writes: ``count_kind: killed``), a
``skos:prefLabel``, ``skos:altLabel`` s (the words texts use: "dead", "deaths"…), a
``skos:definition`` and, where one applies, a ``skos:broader`` concept. A claim's
``cg:countKind`` is the concept's IRI; the text's own words stay in ``cg:wording``.

>>> scheme = bundled()
>>> str(scheme.iri("killed"))
'https://w3id.org/claimgraph/count-kinds#killed'
>>> scheme.suggest("taken hostage")
'abducted'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import SKOS

#: Where the concepts live: ``<…/count-kinds#killed>``.
COUNT_KINDS = Namespace("https://w3id.org/claimgraph/count-kinds#")
SCHEME = URIRef("https://w3id.org/claimgraph/count-kinds")
FILE = "count-kinds.ttl"


@dataclass(frozen=True)
class CountKind:
    """One concept of the scheme."""

    notation: str
    iri: URIRef
    label: str
    alt_labels: tuple[str, ...] = ()
    definition: str = ""
    broader: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scheme:
    """The concepts of a count-kind scheme, by notation."""

    kinds: dict[str, CountKind] = field(default_factory=dict)

    @property
    def notations(self) -> list[str]:
        return sorted(self.kinds)

    def iri(self, notation: str) -> URIRef:
        """The concept a sheet's ``count_kind`` names.

        :raises KeyError: when no concept has that notation.
        """
        return self.kinds[notation].iri

    def by_iri(self, iri: str) -> CountKind | None:
        return next((k for k in self.kinds.values() if str(k.iri) == str(iri)), None)

    def suggest(self, words: str) -> str | None:
        """The notation of the concept whose labels hold ``words`` (case aside), if one does."""
        wanted = words.strip().lower()
        for kind in self.kinds.values():
            if wanted in (kind.notation, kind.label.lower(), *(a.lower() for a in kind.alt_labels)):
                return kind.notation
        return None

    def unknown(self, notation: str) -> str:
        """What a sheet is told when its ``count_kind`` names no concept."""
        hint = self.suggest(notation)
        said = f"count_kind {notation!r} is not a count kind id"
        if hint and hint != notation:
            said += f"; the text's words {notation!r} are those of {hint!r} (write count_kind: {hint}"
            said += f", wording: {notation})"
        return f"{said}; known count kinds: {', '.join(self.notations)}"


def read_scheme(path: Path) -> Scheme:
    """The concepts of the scheme in the Turtle file ``path``."""
    graph = Graph().parse(path, format="turtle")
    kinds: dict[str, CountKind] = {}
    for concept in graph.subjects(SKOS.inScheme, SCHEME):
        notation = graph.value(concept, SKOS.notation)
        if notation is None or not isinstance(concept, URIRef):
            continue
        kinds[str(notation)] = CountKind(
            notation=str(notation),
            iri=concept,
            label=str(graph.value(concept, SKOS.prefLabel) or notation),
            alt_labels=tuple(sorted(str(a) for a in graph.objects(concept, SKOS.altLabel))),
            definition=str(graph.value(concept, SKOS.definition) or ""),
            broader=tuple(
                sorted(str(graph.value(b, SKOS.notation) or b) for b in graph.objects(concept, SKOS.broader))
            ),
        )
    return Scheme(kinds)


def _bundled_path() -> Path:
    here = Path(__file__).resolve().parent
    for folder in (here / "ontology", here.parent.parent / "ontology"):
        if (folder / FILE).is_file():
            return folder / FILE
    raise FileNotFoundError(f"no {FILE} beside the package or in the project's ontology/ folder")


@lru_cache(maxsize=1)
def bundled() -> Scheme:
    """The scheme shipped with claimgraph (``ontology/count-kinds.ttl``), read once."""
    return read_scheme(_bundled_path())

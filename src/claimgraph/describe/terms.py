"""Terms for people: the ``select`` every reader is given, the caps, an IRI's label and last
segment, and :class:`Term` (an RDF term with what a page shows of it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.term import Node

from ..labels import vocabulary_label
from ..namespaces import RDFS, SKOS, XSD

Select = Callable[[str], list[dict[str, Node]]]

#: The most quads an IRI's description holds; the most claims a page lists.
DESCRIPTION_CAP = 5000
CLAIM_CAP = 2000


NUMERIC = {XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.int, XSD.long, XSD.nonNegativeInteger}


def _iri(iri: str) -> str:
    return URIRef(iri).n3()


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

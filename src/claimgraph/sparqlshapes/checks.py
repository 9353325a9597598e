"""The compiled checks: a shape's focus and wording, a SHACL Core check, a SPARQL constraint check."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Literal, URIRef
from rdflib.term import Node

from ..namespaces import SH
from .querytext import Select

#: Focus nodes picked by a SPARQL target are kept in the staging store under this graph.
FOCUS = "urn:claimgraph:focus:"

_COMPONENTS = {
    SH.minCount: SH.MinCountConstraintComponent,
    SH.maxCount: SH.MaxCountConstraintComponent,
    SH["class"]: SH.ClassConstraintComponent,
    SH.datatype: SH.DatatypeConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent,
    SH["in"]: SH.InConstraintComponent,
    SH.hasValue: SH.HasValueConstraintComponent,
    SH.pattern: SH.PatternConstraintComponent,
    SH.minLength: SH.MinLengthConstraintComponent,
    SH.maxLength: SH.MaxLengthConstraintComponent,
    SH.minInclusive: SH.MinInclusiveConstraintComponent,
    SH.maxInclusive: SH.MaxInclusiveConstraintComponent,
    SH.minExclusive: SH.MinExclusiveConstraintComponent,
    SH.maxExclusive: SH.MaxExclusiveConstraintComponent,
    SH.closed: SH.ClosedConstraintComponent,
    SH["or"]: SH.OrConstraintComponent,
}


@dataclass
class _Shape:
    node: Node
    is_property: bool
    path: Node | None
    path_text: str | None
    severity: Node
    messages: tuple[Literal, ...]
    focus: str  # a group pattern binding ?this: the shape's focus nodes, found once per batch
    source: str = ""  # the pattern that finds them (run once per batch into the marker graph)
    sparql_targets: list[tuple[str, str]] = field(default_factory=list)  # (marker graph, query)
    only_sparql_targets: bool = False


@dataclass
class _Check:
    shape: _Shape
    component: URIRef
    query: str
    judge: object = None  # callable(value) -> bool: True when the value does break the rule
    generic: object = None  # callable(data ns graph, focus, value) -> Literal
    has_value: bool = True
    closed: bool = False


@dataclass
class _SparqlCheck:
    shape: _Shape
    constraint: Node
    select: Select
    prefixes: str
    messages: tuple[Literal, ...]

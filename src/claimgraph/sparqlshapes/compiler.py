"""A shapes graph compiled to SPARQL checks, and the shapes left to pyshacl."""

from __future__ import annotations

import re

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from ..namespaces import OWL, RDF, RDFS, SH
from .checks import _COMPONENTS, FOCUS, _Check, _Shape, _SparqlCheck
from .core import core_check
from .querytext import path_sparql, read_select, sparql_term
from .results import Result, Uncompiled
from .running import run_checks
from .staging import Staged

#: Shape parameters that carry no constraint (or that this compiler reads itself).
_STRUCTURE = {
    RDF.type,
    SH.targetClass,
    SH.targetNode,
    SH.targetSubjectsOf,
    SH.targetObjectsOf,
    SH.target,
    SH.property,
    SH.path,
    SH.message,
    SH.severity,
    SH.deactivated,
    SH.name,
    SH.description,
    SH.order,
    SH.group,
    SH.defaultValue,
    SH.sparql,
    SH.ignoredProperties,
    SH.flags,
}
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
_DEFAULT_PREFIXES = {"rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL)}


class CompiledShapes:
    """A shapes graph compiled to SPARQL checks, and the shapes left to pyshacl.

    :param shapes: the shapes graph (its namespace prefixes are used in messages, as pyshacl does).
    """

    def __init__(self, shapes: Graph) -> None:
        self.shapes = shapes
        self.checks: list[_Check] = []
        self.sparql_checks: list[_SparqlCheck] = []
        self.compiled: list[Node] = []
        self.uncompiled: dict[Node, str] = {}
        self._markers = 0
        #: The focus pattern of each shape → the graph its focus nodes are marked in, once per batch.
        self.focus_graphs: dict[str, str] = {}
        for node in sorted(self._targeted(), key=str):
            if self._deactivated(node):
                continue
            try:
                checks, sparql = self._compile(node)
            except Uncompiled as why:
                self.uncompiled[node] = str(why)
                continue
            self.checks += checks
            self.sparql_checks += sparql
            self.compiled.append(node)
        self.fallback = self._fallback_graph() if self.uncompiled else None

    # -- reading shapes

    def _targeted(self) -> set[Node]:
        found = {s for p in _TARGETS for s in self.shapes.subjects(p, None)}
        for kind in (SH.NodeShape, SH.PropertyShape):
            for s in self.shapes.subjects(RDF.type, kind):
                if (s, RDF.type, RDFS.Class) in self.shapes or (s, RDF.type, OWL.Class) in self.shapes:
                    found.add(s)
        return found

    def _deactivated(self, node: Node) -> bool:
        flag = self.shapes.value(node, SH.deactivated)
        return isinstance(flag, Literal) and bool(flag.value)

    def _one(self, node: Node, predicate: URIRef) -> Node:
        values = list(self.shapes.objects(node, predicate))
        if len(values) != 1:
            raise Uncompiled(f"{len(values)} values of {predicate} on {node}")
        return values[0]

    def _focus(self, node: Node) -> tuple[str, list[tuple[str, str]], bool]:
        parts, sparql = [], []
        classes = list(self.shapes.objects(node, SH.targetClass))
        if (node, RDF.type, RDFS.Class) in self.shapes or (node, RDF.type, OWL.Class) in self.shapes:
            classes.append(node)
        for c in classes:
            parts.append(
                f"{{ ?this a {sparql_term(c)} }} UNION "
                f"{{ ?sub_ <{RDFS.subClassOf}>+ {sparql_term(c)} . ?this a ?sub_ }}"
            )
        nodes = list(self.shapes.objects(node, SH.targetNode))
        if nodes:
            parts.append("VALUES ?this { " + " ".join(sparql_term(n) for n in nodes) + " }")
        for p in self.shapes.objects(node, SH.targetSubjectsOf):
            parts.append(f"?this {sparql_term(p)} ?o_")
        for p in self.shapes.objects(node, SH.targetObjectsOf):
            parts.append(f"?s_ {sparql_term(p)} ?this")
        for target in self.shapes.objects(node, SH.target):
            select = self.shapes.value(target, SH.select)
            if select is None:
                raise Uncompiled(f"target {target} is not a SPARQL target")
            self._markers += 1
            graph = f"{FOCUS}{self._markers}"
            sparql.append((graph, self._prefixes(target) + "\n" + str(select)))
            parts.append(f"GRAPH <{graph}> {{ ?this <{FOCUS}> ?f_ }}")
        if not parts:
            raise Uncompiled(f"no targets on {node}")
        union = " UNION ".join(f"{{ {p} }}" for p in parts)
        return f"{{ SELECT DISTINCT ?this WHERE {{ {union} }} }}", sparql, len(parts) == len(sparql)

    def _prefixes(self, node: Node) -> str:
        """PREFIX lines for a SPARQL node's sh:prefixes, read as pyshacl reads them."""
        prefixes = dict(_DEFAULT_PREFIXES)
        ontologies = set(self.shapes.subjects(RDF.type, OWL.Ontology))
        named = set(self.shapes.objects(self.shapes.identifier, SH.declare))
        overall = named.union(*(set(self.shapes.objects(o, SH.declare)) for o in ontologies))
        for value in self.shapes.objects(node, SH.prefixes):
            own = set(self.shapes.objects(value, SH.declare))
            for declaration in own | named if own and value in ontologies else overall | own:
                prefix = self._one(declaration, SH.prefix)
                namespace = self._one(declaration, SH.namespace)
                prefixes[str(prefix)] = str(namespace)
        return "\n".join(f"PREFIX {p}: <{ns}>" for p, ns in prefixes.items())

    def _shape(self, node: Node, focus: str, sparql_targets: list, only_sparql: bool = False) -> _Shape:
        path = self.shapes.value(node, SH.path)
        severity = self.shapes.value(node, SH.severity) or SH.Violation
        # Every check of a shape starts from its focus nodes: they are found once per batch
        # and marked in a graph of their own, rather than by each check again (a literal
        # may be a focus node, so it is kept as an object).
        if focus not in self.focus_graphs:
            self.focus_graphs[focus] = f"{FOCUS}shape:{len(self.focus_graphs)}"
        marked = f"GRAPH <{self.focus_graphs[focus]}> {{ <{FOCUS}> <{FOCUS}> ?this }}"
        return _Shape(
            node=node,
            is_property=path is not None,
            path=path,
            path_text=path_sparql(self.shapes, path) if path is not None else None,
            severity=severity,
            messages=tuple(self.shapes.objects(node, SH.message)),
            focus=marked,
            source=focus,
            sparql_targets=sparql_targets,
            only_sparql_targets=only_sparql,
        )

    def _compile(self, node: Node) -> tuple[list[_Check], list[_SparqlCheck]]:
        focus, sparql_targets, only_sparql = self._focus(node)
        shape = self._shape(node, focus, sparql_targets, only_sparql)
        checks, sparql = self._constraints(shape)
        for property_node in self.shapes.objects(node, SH.property):
            if self._deactivated(property_node):
                continue
            if (property_node, SH.path, None) not in self.shapes:
                raise Uncompiled(f"sh:property {property_node} without a path")
            if any((property_node, p, None) in self.shapes for p in _TARGETS):
                raise Uncompiled(f"property shape {property_node} with targets of its own")
            more, more_sparql = self._constraints(
                self._shape(property_node, focus, sparql_targets, only_sparql)
            )
            checks += more
            sparql += more_sparql
        return checks, sparql

    def _constraints(self, shape: _Shape) -> tuple[list[_Check], list[_SparqlCheck]]:
        node = shape.node
        for p in set(self.shapes.predicates(node)):
            if p in _STRUCTURE or p in _COMPONENTS:
                continue
            if str(p).startswith(str(SH)):
                raise Uncompiled(f"{p} on {node}")
        if not shape.is_property and (node, SH.property, None) in self.shapes:
            pass  # compiled by the caller
        elif (node, SH.property, None) in self.shapes:
            raise Uncompiled(f"sh:property on the property shape {node}")
        checks = []
        for parameter in _COMPONENTS:
            if (node, parameter, None) in self.shapes:
                checks.append(core_check(self.shapes, shape, parameter, self._one(node, parameter)))
        sparql = []
        for constraint in self.shapes.objects(node, SH.sparql):
            if self._deactivated(constraint):
                continue
            select = self.shapes.value(constraint, SH.select)
            if select is None:
                raise Uncompiled(f"SPARQL constraint {constraint} without sh:select")
            text = str(select)
            if re.search(r"[?$](shapesGraph|currentShape)\b", text):
                raise Uncompiled(f"SPARQL constraint {constraint} uses $shapesGraph or $currentShape")
            if re.search(r"[?$]PATH\b", text):
                if not shape.is_property:
                    raise Uncompiled(f"SPARQL constraint {constraint} uses $PATH on a node shape")
                text = re.sub(r"([\s{}()])[\$\?]PATH", lambda m: m.group(1) + shape.path_text, text)
            sparql.append(
                _SparqlCheck(
                    shape=shape,
                    constraint=constraint,
                    select=read_select(text),
                    prefixes=self._prefixes(constraint),
                    messages=tuple(self.shapes.objects(constraint, SH.message)),
                )
            )
        return checks, sparql

    def _fallback_graph(self) -> Graph:
        """The shapes graph with the compiled shapes' targets taken out: pyshacl checks the rest."""
        graph = Graph(namespace_manager=self.shapes.namespace_manager)
        compiled = set(self.compiled)
        for s, p, o in self.shapes:
            if s in compiled and (p in _TARGETS or (p == RDF.type and o in (RDFS.Class, OWL.Class))):
                continue
            graph.add((s, p, o))
        return graph

    # -- running

    def validate(self, staged: Staged, data_names: Graph | None = None) -> list[Result]:
        """Run every compiled check over a staged batch; the results, as pyshacl would give them.

        :param data_names: the graph whose namespace prefixes pyshacl's own messages use
            (a fresh rdflib graph's, by default, as in ``validation``).
        """
        return run_checks(staged, self.checks, self.sparql_checks, self.focus_graphs, data_names)

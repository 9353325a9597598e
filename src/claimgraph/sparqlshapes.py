"""SHACL shapes compiled to SPARQL checks that pyoxigraph runs over a staged batch.

The fast validator beside pyshacl (which stays the reference, in ``validation``).
Each shape of a shapes graph is compiled, generically, into SPARQL queries: its
targets (class, node, subjects-of, objects-of and SHACL-AF SPARQL targets)
become a pattern binding ``?this``; each SHACL Core constraint becomes one query
that selects the focus nodes (and values) that may break it; each ``sh:sparql``
constraint runs with ``$this`` bound to the shape's focus nodes. Where the
engine and pyshacl could disagree on a value (a literal's datatype, a regular
expression, an order comparison), SPARQL only selects the suspects and Python
judges them by pyshacl's rules, so that the verdicts, messages included, are the
same as pyshacl's.

A shape that uses a construct not compiled here (``sh:node``, ``sh:or``,
qualified value shapes, …) is left to pyshacl: :attr:`CompiledShapes.fallback`
holds those shapes only, and ``validation`` runs pyshacl with it.

>>> from rdflib import Graph
>>> shapes = Graph().parse(data='''
...   @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
...   ex:S a sh:NodeShape ; sh:targetClass ex:Person ;
...     sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:message "needs a name" ] .
... ''', format="turtle")
>>> compiled = CompiledShapes(shapes)
>>> compiled.fallback is None
True
>>> data = Graph().parse(data='<http://example.org/a> a <http://example.org/Person> .', format="turtle")
>>> [(str(r.focus), str(r.messages[0])) for r in compiled.validate(stage(data))]
[('http://example.org/a', 'needs a name')]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import NamespaceManager
from rdflib.term import Node

from .namespaces import OWL, RDF, RDFS, SH, XSD
from .rdf.terms import from_ox, to_ox
from .rdf.terms import sparql_term as store_sparql_term

Triple = tuple[Node, Node, Node]

#: Focus nodes picked by a SPARQL target are kept in the staging store under this graph.
FOCUS = "urn:claimgraph:focus:"

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
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
_KINDS = {
    SH.IRI: "isIRI(?v)",
    SH.BlankNode: "isBlank(?v)",
    SH.Literal: "isLiteral(?v)",
    SH.BlankNodeOrIRI: "(isBlank(?v) || isIRI(?v))",
    SH.BlankNodeOrLiteral: "(isBlank(?v) || isLiteral(?v))",
    SH.IRIOrLiteral: "(isIRI(?v) || isLiteral(?v))",
}
_DEFAULT_PREFIXES = {"rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL)}
#: Regular expressions made only of what Python's ``re`` and the engine's regex read alike.
_PORTABLE_REGEX = re.compile(r"^(?:[A-Za-z0-9 ^$.*+?{}()\[\]|,:_/@#-]|\\[dwsDWS.\\/-])*$")
_AGGREGATE = re.compile(r"\b(COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT)\s*\(", re.I)


@dataclass(frozen=True)
class Result:
    """One validation result, in the terms of the SHACL report (rdflib nodes)."""

    focus: Node
    shape: Node
    component: URIRef
    severity: Node
    path: Node | None
    value: Node | None
    messages: tuple[Literal, ...]
    constraint: Node | None = None


class Uncompiled(Exception):
    """A shape uses a construct this compiler does not handle; pyshacl validates it."""


# ---------------------------------------------------------------- staging


#: Literals the engine stores in canonical form only (``"14.0"^^xsd:decimal`` comes back as
#: ``"14"``) are kept here too, so that a result names the value as the batch spelled it.
LEXICAL = "urn:claimgraph:lexical"
_KEPT_AS_WRITTEN = {XSD.string, RDF.langString, XSD.integer}
_KEPT_AS_WRITTEN_IRIS = {str(x) for x in _KEPT_AS_WRITTEN}
_XSD_DATE = str(XSD.date)
_PLAIN_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


@dataclass
class Staged:
    """A batch staged in an in-memory pyoxigraph store, and how to read its terms back."""

    store: ox.Store
    spelled: dict = field(default_factory=dict)  # engine literal → the batch's rdflib literal
    text: str = ""  # the part of the batch staged as N-Triples text (respelled when first needed)

    def term(self, term) -> Node | None:
        """A term of an answer as the batch's rdflib term."""
        if isinstance(term, ox.Literal):
            original = self.spelled.get(term)
            if original is None and self.text and _respelled(term):
                self._respell_text()
                original = self.spelled.get(term)
            if original is not None:
                return original
        return to_rdflib(term)

    def _respell_text(self) -> None:
        """Learn how the engine stores the text's literals, once, so that answers name them as written."""
        text, self.text = self.text, ""
        found = {
            q.object: None
            for q in ox.parse(text, format=ox.RdfFormat.N_TRIPLES)
            if isinstance(q.object, ox.Literal) and _respelled(q.object)
        }
        _learn_spellings(self, [_written(literal) for literal in found])


def _respelled(term: ox.Literal) -> bool:
    """Whether the engine may store ``term`` in another spelling than the one it was given."""
    datatype = term.datatype.value
    if datatype in _KEPT_AS_WRITTEN_IRIS or term.language:
        return False
    return not (datatype == _XSD_DATE and _PLAIN_DATE.match(term.value))


def _written(term: ox.Literal) -> Literal:
    """A literal of a text batch as rdflib reads it from the text (as pyshacl would see it)."""
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def _learn_spellings(staged: Staged, literals: list[Literal]) -> None:
    """Stage ``literals`` aside and read back what the engine made of each."""
    if not literals:
        return
    store = staged.store
    graph, predicate = ox.NamedNode(LEXICAL), ox.NamedNode(LEXICAL)
    start = len(staged.spelled)
    store.extend(
        ox.Quad(ox.NamedNode(f"{LEXICAL}:{start + i}"), predicate, to_ox(node), graph)
        for i, node in enumerate(literals)
    )
    for quad in store.quads_for_pattern(None, predicate, None, graph):
        index = int(quad.subject.value.rsplit(":", 1)[1]) - start
        if 0 <= index < len(literals):
            staged.spelled[quad.object] = literals[index]


def stage(*graphs: Iterable[Triple], text: str = "") -> Staged:
    """An in-memory pyoxigraph store holding ``graphs`` (and ``text``, N-Triples) in its default graph.

    :raises ValueError: when ``text`` is not N-Triples.
    """
    store = ox.Store()
    if text:
        try:
            store.load(text, format=ox.RdfFormat.N_TRIPLES)
        except SyntaxError as exc:
            raise ValueError(f"cannot stage the batch: {exc}") from None
    cache: dict[Node, ox.NamedNode | ox.BlankNode | ox.Literal] = {}
    default = ox.DefaultGraph()
    respelled: list[Literal] = []

    def term(node: Node):
        found = cache.get(node)
        if found is None:
            found = cache[node] = to_ox(node)
            if (
                isinstance(node, Literal)
                and node.datatype is not None
                and node.datatype not in _KEPT_AS_WRITTEN
                and not (node.datatype == XSD.date and _PLAIN_DATE.match(node))
            ):
                respelled.append(node)
        return found

    quads = []
    for graph in graphs:
        for s, p, o in graph:
            quads.append(ox.Quad(term(s), term(p), term(o), default))
    store.extend(quads)
    staged = Staged(store, text=text)
    _learn_spellings(staged, respelled)
    return staged


def to_rdflib(term) -> Node | None:
    """A pyoxigraph term of an answer as an rdflib term (unbound: None)."""
    return None if term is None else from_ox(term)


def sparql_term(node: Node) -> str:
    """An rdflib IRI or literal written for a SPARQL query."""
    if isinstance(node, BNode):
        raise Uncompiled(f"a blank node {node} as a constraint parameter")
    return store_sparql_term(node)


# ---------------------------------------------------------------- pyshacl's wording


def stringify(graph: Graph, node: Node, recursion: int = 0) -> str:
    """A node written the way pyshacl writes it in its messages (prefixed names, literals spelled out)."""
    manager: NamespaceManager = graph.namespace_manager
    manager.bind("sh", SH, override=False, replace=False)
    if isinstance(node, Literal):
        value = None if node.value is None else str(node.value)
        lexical = str(node)
        if value is not None and " object at 0x" in value[1:]:
            value = value[: value.find(" object at 0x")]
        text = f'"{lexical}" = {value}' if value is not None and value != lexical else f'"{lexical}"'
        if node.language:
            text += f", lang={node.language}"
        if node.datatype:
            text += f", datatype={stringify(graph, node.datatype)}"
        return f"Literal({text})"
    if isinstance(node, BNode):
        return _stringify_blank(graph, node, recursion + 1)
    if isinstance(node, URIRef):
        try:
            return node.n3(namespace_manager=manager)
        except Exception:
            return str(node)
    return str(node)


def _stringify_blank(graph: Graph, node: BNode, recursion: int) -> str:
    if recursion >= 12:
        return "<http://recursion.too.deep>"
    manager = graph.namespace_manager
    predicates = list(graph.predicates(node))
    if not predicates:
        return "[ ]"
    if RDF.first in predicates:
        return "( {} )".format(" ".join(stringify(graph, i, recursion + 1) for i in graph.items(node)))
    parts = {}
    for p in predicates:
        texts = sorted(
            "<self>" if p is OWL.sameAs and o is node else stringify(graph, o, recursion + 1)
            for o in graph.objects(node, p)
        )
        if texts:
            parts[p.n3(namespace_manager=manager)] = ", ".join(texts)
    inner = " ; ".join(f"{p} {o}" for p, o in sorted(parts.items()))
    return f"[ {inner} ]"


# ---------------------------------------------------------------- paths


def path_sparql(shapes: Graph, path: Node) -> str:
    """A SHACL property path as a SPARQL property path.

    :raises Uncompiled: for a path form SHACL does not define.
    """
    if isinstance(path, URIRef):
        return f"<{path}>"
    if (path, RDF.first, None) in shapes:
        return "(" + "/".join(path_sparql(shapes, p) for p in Collection(shapes, path)) + ")"
    for predicate, template in (
        (SH.inversePath, "^({})"),
        (SH.zeroOrMorePath, "({})*"),
        (SH.oneOrMorePath, "({})+"),
        (SH.zeroOrOnePath, "({})?"),
    ):
        inner = shapes.value(path, predicate)
        if inner is not None:
            return template.format(path_sparql(shapes, inner))
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(path_sparql(shapes, p) for p in Collection(shapes, alternatives)) + ")"
    raise Uncompiled(f"path {path}")


# ---------------------------------------------------------------- SPARQL text


_TOKEN = re.compile(
    r"""(?P<ws>\s+)|(?P<comment>\#[^\n]*)|(?P<string>'''.*?'''|\"\"\".*?\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
    r"""|(?P<iri><[^<>"{}|^`\\\s]*>)|(?P<var>[?$][A-Za-z0-9_]+)|(?P<word>[A-Za-z_][A-Za-z0-9_-]*)|(?P<punct>.)""",
    re.S,
)


def _tokens(text: str) -> list[tuple[str, str, int]]:
    """(kind, text, offset) of each token of a SPARQL query, without blanks and comments."""
    return [
        (m.lastgroup or "", m.group(), m.start())
        for m in _TOKEN.finditer(text)
        if m.lastgroup not in ("ws", "comment")
    ]


@dataclass(frozen=True)
class Select:
    """A SELECT query of a SPARQL constraint, read far enough to run it over many focus nodes."""

    text: str
    where: int  # offset just after the opening brace of the WHERE clause
    projects_this: bool
    batchable: bool


def read_select(text: str) -> Select:
    """Find the WHERE clause and decide whether ``$this`` may be bound by a join.

    Binding ``$this`` by joining the focus nodes at the start of the WHERE clause
    gives the same solutions as pre-binding it when every use of ``$this`` is
    in that group, in an OPTIONAL directly inside it, or inside FILTER (NOT)
    EXISTS; when there is no subquery; and when any aggregate groups by
    ``$this``. Otherwise the query runs once per focus node, with ``$this``
    substituted.

    >>> read_select("SELECT $this WHERE { $this a ?c }").batchable
    True
    >>> read_select("SELECT $this WHERE { { ?x a ?c FILTER (?x = $this) } }").batchable
    False
    """
    tokens = _tokens(text)
    upper = [t[1].upper() for t in tokens]
    try:
        first_select = upper.index("SELECT")
    except ValueError:
        raise Uncompiled("a SPARQL constraint that is not a SELECT query") from None
    start = next((i for i in range(first_select, len(tokens)) if tokens[i][1] == "{"), None)
    if start is None:
        raise Uncompiled("a SELECT query without a WHERE clause")
    projection = tokens[first_select + 1 : start]
    projects_this = any(k == "var" and v[1:] == "this" for k, v, _ in projection) or any(
        v == "*" for _, v, _ in projection
    )
    batchable = projects_this
    stack: list[str] = []
    previous = ""
    end = len(tokens)
    for i in range(start, len(tokens)):
        kind, value, _ = tokens[i]
        word = value.upper()
        if value == "{":
            stack.append({"OPTIONAL": "optional", "EXISTS": "exists"}.get(previous, "group"))
        elif value == "}":
            stack.pop()
            if not stack:
                end = i
                break
        elif word in ("SELECT", "SERVICE", "MINUS", "VALUES"):
            batchable = False
        elif kind == "var" and value[1:] == "this":
            path = stack[1:]
            if "exists" in path:
                path = path[: path.index("exists")]
            if path not in ([], ["optional"]):
                batchable = False
        previous = word
    modifiers = " ".join(upper[end + 1 :])
    uses_aggregate = bool(_AGGREGATE.search(text))
    if uses_aggregate or "GROUP" in modifiers:
        group = re.search(r"GROUP BY (.*?)(?: HAVING| ORDER| LIMIT| OFFSET|$)", modifiers)
        if not group or not re.search(r"[?$]THIS\b", group.group(1)):
            batchable = False
    return Select(text=text, where=tokens[start][2] + 1, projects_this=projects_this, batchable=batchable)


# ---------------------------------------------------------------- compiled shapes


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
                checks.append(self._core(shape, parameter, self._one(node, parameter)))
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

    def _core(self, shape: _Shape, parameter: URIRef, value: Node) -> _Check:
        """One SHACL Core constraint as a query selecting ?this (and ?v) that may break it."""
        component = _COMPONENTS[parameter]
        sg = self.shapes
        values = f"?this {shape.path_text} ?v ." if shape.is_property else "BIND (?this AS ?v)"
        head = f"SELECT DISTINCT ?this ?v WHERE {{ {shape.focus} {values}"
        path_text = stringify(sg, shape.path) if shape.is_property else None

        def check(query, judge=None, generic=None, has_value=True, closed=False):
            return _Check(shape, component, query, judge, generic, has_value, closed)

        if parameter in (SH.minCount, SH.maxCount):
            count = int(value)
            if not shape.is_property:
                raise Uncompiled(f"{parameter} on a node shape")
            word = "Less" if parameter == SH.minCount else "More"

            def generic_count(data, focus, _v, word=word, count=count):
                return Literal(f"{word} than {count} values on {stringify(data, focus)}->{path_text}")

            if parameter == SH.minCount:
                if count <= 0:
                    query = "SELECT ?this WHERE { FILTER (false) }"
                elif count == 1:
                    query = (
                        f"SELECT DISTINCT ?this WHERE {{ {shape.focus} FILTER NOT EXISTS {{ {values} }} }}"
                    )
                else:
                    query = (
                        f"SELECT ?this WHERE {{ {shape.focus} OPTIONAL {{ {values} }} }}"
                        f" GROUP BY ?this HAVING (COUNT(DISTINCT ?v) < {count})"
                    )
            else:
                query = (
                    f"SELECT ?this WHERE {{ {shape.focus} {values} }}"
                    f" GROUP BY ?this HAVING (COUNT(DISTINCT ?v) > {count})"
                )
            return check(query, generic=generic_count, has_value=False)
        if parameter == SH["class"]:
            query = f"{head} FILTER NOT EXISTS {{ ?v a ?type_ . ?type_ <{RDFS.subClassOf}>* {sparql_term(value)} }} }}"
            text = f"Value does not have class {stringify(sg, value)}"
            return check(query, generic=lambda *_: Literal(text))
        if parameter == SH.datatype:
            query = f"{head} FILTER (!COALESCE({_datatype_passes(value)}, false)) }}"
            text = f"Value is not Literal with datatype {stringify(sg, value)}"
            return check(
                query, judge=lambda v: not _datatype_matches(v, value), generic=lambda *_: Literal(text)
            )
        if parameter == SH["or"]:
            # Compiled where every alternative is one sh:datatype (a date of one of several
            # precisions); any other sh:or is left to pyshacl.
            datatypes = []
            for member in Collection(sg, value):
                if (
                    set(sg.predicates(member)) - {RDF.type} != {SH.datatype}
                    or len(list(sg.objects(member, SH.datatype))) != 1
                ):
                    raise Uncompiled(f"sh:or with an alternative other than one sh:datatype on {shape.node}")
                datatypes.append(sg.value(member, SH.datatype))
            passes = " || ".join(f"COALESCE({_datatype_passes(d)}, false)" for d in datatypes) or "false"
            query = f"{head} FILTER (!({passes})) }}"
            listed = ", ".join(stringify(sg, m) for m in Collection(sg, value))
            return check(
                query,
                judge=lambda v: not any(_datatype_matches(v, d) for d in datatypes),
                generic=lambda data, _f, v: Literal(
                    f"Node {stringify(data, v)} must conform to one or more shapes in {listed}"
                ),
            )
        if parameter == SH.nodeKind:
            if value not in _KINDS:
                raise Uncompiled(f"node kind {value}")
            query = f"{head} FILTER (!{_KINDS[value]}) }}"
            text = f"Value is not of Node Kind {stringify(sg, value)}"
            return check(query, generic=lambda *_: Literal(text))
        if parameter == SH["in"]:
            members = list(Collection(sg, value))
            same = " || ".join(f"sameTerm(?v, {sparql_term(m)})" for m in members) or "false"
            query = f"{head} FILTER (!({same})) }}"
            listed = [stringify(sg, m) for m in members]
            return check(
                query,
                judge=lambda v: v not in members,
                generic=lambda data, _f, v: Literal(f"Value {stringify(data, v)} not in list {listed}"),
            )
        if parameter == SH.hasValue:
            if shape.is_property:
                query = (
                    f"SELECT DISTINCT ?this WHERE {{ {shape.focus} FILTER NOT EXISTS {{ {values}"
                    f" FILTER (sameTerm(?v, {sparql_term(value)})) }} }}"
                )
            else:
                query = f"SELECT DISTINCT ?this WHERE {{ {shape.focus} FILTER (!sameTerm(?this, {sparql_term(value)})) }}"
            listed = [stringify(sg, value)]

            def generic_has(data, focus, _v):
                if shape.is_property:
                    return Literal(
                        f"Node {stringify(data, focus)}->{path_text} does not contain a value in the set: {listed}"
                    )
                return Literal(f"Node {stringify(data, focus)} value is not a in the set of values: {listed}")

            return check(query, generic=generic_has, has_value=False)
        if parameter == SH.pattern:
            flags_node = sg.value(shape.node, SH.flags)
            flags = str(flags_node) if flags_node is not None else ""
            re_flags = 0
            for letter, bit in (("i", re.I), ("x", re.X), ("s", re.S), ("m", re.M)):
                if letter in flags:
                    re_flags |= bit
            source = str(value.value) if value.value is not None and len(value.value) > 1 else str(value)
            matcher = re.compile(source, re_flags)
            portable = _PORTABLE_REGEX.match(source) and set(flags) <= set("i")
            passes = (
                f"(!isBlank(?v) && REGEX(STR(?v), {_string(source)}, {_string(flags)}))"
                if portable
                else "false"
            )
            query = f"{head} FILTER (!COALESCE({passes}, false)) }}"
            text = f"Value does not match pattern '{value.value}'"
            return check(
                query,
                judge=lambda v: (
                    isinstance(v, BNode)
                    or not (matcher.match(_string_of(v)) or matcher.search(_string_of(v)))
                ),
                generic=lambda *_: Literal(text),
            )
        if parameter in (SH.minLength, SH.maxLength):
            bound = int(value)
            below = parameter == SH.minLength
            if below and bound == 0:
                query = "SELECT ?this ?v WHERE { FILTER (false) }"
            else:
                op = "<" if below else ">"
                query = f"{head} FILTER (isBlank(?v) || STRLEN(STR(?v)) {op} {bound}) }}"

            def judge_length(v, below=below, bound=bound):
                if isinstance(v, BNode):
                    return True
                size = len(_string_of(v))
                return size < bound if below else size > bound

            sign = ">=" if below else "<="

            return check(
                query,
                judge=judge_length,
                generic=lambda data, *_: Literal(f"String length not {sign} {stringify(data, value)}"),
            )
        if parameter in (SH.minInclusive, SH.maxInclusive, SH.minExclusive, SH.maxExclusive):
            if not isinstance(value, Literal) or not _numeric(value):
                raise Uncompiled(f"{parameter} {value} that is not a number")
            op = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">", SH.maxExclusive: "<"}[
                parameter
            ]
            passes = (
                f'(isLiteral(?v) && DATATYPE(?v) = <{XSD.integer}> && REGEX(STR(?v), "^[+-]?[0-9]+$")'
                f" && ?v {op} {sparql_term(value)})"
            )
            query = f"{head} FILTER (!COALESCE({passes}, false)) }}"
            limit = value.value
            compare = {
                ">=": lambda a: a >= limit,
                "<=": lambda a: a <= limit,
                ">": lambda a: a > limit,
                "<": lambda a: a < limit,
            }[op]
            text = f"Value is not {op} {stringify(sg, value)}"
            return check(
                query,
                judge=lambda v: not (isinstance(v, Literal) and _numeric(v) and compare(v.value)),
                generic=lambda *_: Literal(text),
            )
        if parameter == SH.closed:
            if not (isinstance(value, Literal) and bool(value.value)):
                return check("SELECT ?this ?v WHERE { FILTER (false) }")
            allowed = set()
            for property_node in sg.objects(shape.node, SH.property):
                path = sg.value(property_node, SH.path)
                if isinstance(path, URIRef):
                    allowed.add(path)
            for listed in sg.objects(shape.node, SH.ignoredProperties):
                allowed.update(i for i in Collection(sg, listed) if isinstance(i, URIRef))
            keep = ", ".join(f"<{p}>" for p in sorted(allowed))
            where = f"?v ?p ?o . FILTER (?p NOT IN ({keep}))" if keep else "?v ?p ?o ."
            query = f"SELECT DISTINCT ?this ?v ?p ?o WHERE {{ {shape.focus} {values} {where} }}"
            return check(
                query,
                generic=lambda data, focus, v: Literal(
                    f"Node {stringify(data, focus)} is closed. It cannot have value: {stringify(data, v)}"
                ),
                closed=True,
            )
        raise Uncompiled(f"{parameter}")  # pragma: no cover

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
        names = data_names if data_names is not None else Graph()
        marked = self._mark_sparql_targets(staged.store)
        self._mark_focus_nodes(staged.store)
        results: list[Result] = []
        for check in [*self.checks, *self.sparql_checks]:
            shape = check.shape
            if shape.only_sparql_targets and not any(marked[graph] for graph, _ in shape.sparql_targets):
                continue  # no focus node: the engine need not plan the check's body
            if isinstance(check, _Check):
                results += self._run_core(staged, check, names)
            else:
                results += self._run_sparql(staged, check)
        return results

    def _mark_sparql_targets(self, store: ox.Store) -> dict[str, int]:
        """Put the focus nodes of each SPARQL target into its marker graph; how many each has."""
        marker = ox.NamedNode(FOCUS)
        marked: dict[str, int] = {}
        for check in [*self.checks, *self.sparql_checks]:
            for graph, query in check.shape.sparql_targets:
                if graph in marked:
                    continue
                name = ox.NamedNode(graph)
                found = {row["this"] for row in store.query(query) if row["this"] is not None}
                store.extend(ox.Quad(node, marker, marker, name) for node in found)
                marked[graph] = len(found)
        return marked

    def _mark_focus_nodes(self, store: ox.Store) -> None:
        """Put the focus nodes of each shape into its marker graph (after the SPARQL targets' own)."""
        marker = ox.NamedNode(FOCUS)
        for source, graph in self.focus_graphs.items():
            name = ox.NamedNode(graph)
            found = {row["this"] for row in store.query(f"SELECT ?this WHERE {{ {source} }}")}
            store.extend(ox.Quad(marker, marker, node, name) for node in found if node is not None)

    def _run_core(self, staged: Staged, check: _Check, names: Graph) -> Iterator[Result]:
        shape = check.shape
        to_rdflib = staged.term
        for row in staged.store.query(check.query):
            focus = to_rdflib(row["this"])
            value = to_rdflib(row["v"]) if check.has_value else None
            path = shape.path
            if check.closed:
                path, value = to_rdflib(row["p"]), to_rdflib(row["o"])
                if (path, value) == (RDF.type, RDFS.Resource):
                    continue
            if check.judge is not None and not check.judge(value):
                continue
            messages = shape.messages or (check.generic(names, focus, value),)
            yield Result(focus, shape.node, check.component, shape.severity, path, value, tuple(messages))

    def _run_sparql(self, staged: Staged, check: _SparqlCheck) -> list[Result]:
        store, to_rdflib = staged.store, staged.term
        shape = check.shape
        select = check.select
        results: list[Result] = []
        if select.batchable:
            text = f"{select.text[: select.where]} {shape.focus} {select.text[select.where :]}"
            answers = [(None, store.query(check.prefixes + "\n" + text))]
        else:
            focus_query = f"SELECT ?this WHERE {{ {shape.focus} }}"
            text = check.prefixes + "\n" + select.text
            answers = [
                (row["this"], store.query(text, substitutions={ox.Variable("this"): row["this"]}))
                for row in store.query(focus_query)
            ]
        for given, answer in answers:
            names = [v.value for v in answer.variables]
            seen: set = set()
            failed: set = set()
            for row in answer:
                bound = {n: to_rdflib(row[n]) for n in names if row[n] is not None}
                focus = to_rdflib(given) if given is not None else bound.get("this")
                failure = bound.pop("failure", None)
                path = bound.pop("path", None)
                value = bound.pop("value", None)
                this = bound.pop("this", None)
                if given is None and focus is None:
                    continue
                if failure is not None:
                    if focus in failed:
                        continue
                    failed.add(focus)
                    this = path = None
                    value = None if shape.is_property else focus
                elif path is None and value is None and this is None:
                    continue
                else:
                    key = (focus, this, path, value, tuple(sorted(bound.items())))
                    if key in seen:
                        continue
                    seen.add(key)
                    if value is None:
                        value = None if shape.is_property else focus
                variables = dict(bound)
                if failure is None:
                    for name, term in (("this", this), ("path", path), ("value", value)):
                        if term is not None:
                            variables[name] = term
                if path is None and shape.is_property:
                    path = shape.path
                results.append(
                    Result(
                        focus=this or focus,
                        shape=shape.node,
                        component=SH.SPARQLConstraintComponent,
                        severity=shape.severity,
                        path=path,
                        value=value,
                        messages=_sparql_messages(check.messages, shape.messages, variables),
                        constraint=check.constraint,
                    )
                )
        return results


def _sparql_messages(own: tuple, shape: tuple, variables: dict) -> tuple[Literal, ...]:
    """Messages of a SPARQL result, with {?var} and {$var} filled in, as pyshacl does."""
    out = []
    for m in [m for m in own if m not in shape] + list(shape):
        text = str(m.value) if isinstance(m, Literal) else str(m)
        for name, term in variables.items():
            text = re.sub(f"{{[?$]{name}}}", str(term), text)
        out.append(Literal(text))
    return tuple(out)


def _string(text: str) -> str:
    return ox.Literal(text).__str__()


def _string_of(v: Node) -> str:
    """The string pyshacl matches patterns and lengths against."""
    if isinstance(v, Literal) and v.value is not None and v.datatype in (None, RDF.langString, XSD.string):
        return str(v.value)
    return str(v)


def _numeric(v: Literal) -> bool:
    return not v.ill_typed and isinstance(v.value, int | float | Decimal) and not isinstance(v.value, bool)


_CANONICAL = {
    XSD.string: f"DATATYPE(?v) = <{XSD.string}>",
    XSD.integer: f'DATATYPE(?v) = <{XSD.integer}> && REGEX(STR(?v), "^[+-]?[0-9]+$")',
    XSD.date: (
        f'DATATYPE(?v) = <{XSD.date}> && REGEX(STR(?v), "^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$")'
        f' && SUBSTR(STR(?v), 1, 4) != "0000" && STR(<{XSD.date}>(STR(?v))) = STR(?v)'
    ),
}


def _datatype_passes(datatype: Node) -> str:
    """A SPARQL condition true only for values that surely have ``datatype`` (the rest are judged in Python)."""
    condition = _CANONICAL.get(datatype)
    return f"(isLiteral(?v) && {condition})" if condition else "false"


def _datatype_matches(v: Node, rule: Node) -> bool:
    """pyshacl's sh:datatype rule for one value node."""
    if not isinstance(v, Literal):
        return False
    if v.datatype == rule:
        return not v.ill_typed and _value_is(v.value, rule)
    if rule == RDFS.Literal:
        return True
    if rule == RDFS.Datatype and v.datatype:
        return True
    if v.datatype is None and v.language is None and rule == XSD.string:
        return _value_is(v.value, rule)
    if rule == RDF.langString and v.language:
        return _value_is(v.value, rule)
    return False


def _value_is(value: object, rule: Node) -> bool:
    kinds = {
        XSD.string: (str, bytes),
        RDF.langString: (str, bytes),
        XSD.integer: int,
        XSD.float: float,
        XSD.decimal: Decimal,
        XSD.boolean: bool,
        XSD.date: date,
        XSD.time: time,
        XSD.dateTime: datetime,
    }
    kind = kinds.get(rule)
    return True if kind is None else isinstance(value, kind)

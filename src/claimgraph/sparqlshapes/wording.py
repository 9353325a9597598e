"""Nodes and messages written the way pyshacl writes them."""

from __future__ import annotations

import re

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import NamespaceManager
from rdflib.term import Node

from ..namespaces import OWL, RDF, SH


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


def _sparql_messages(own: tuple, shape: tuple, variables: dict) -> tuple[Literal, ...]:
    """Messages of a SPARQL result, with {?var} and {$var} filled in, as pyshacl does."""
    out = []
    for m in [m for m in own if m not in shape] + list(shape):
        text = str(m.value) if isinstance(m, Literal) else str(m)
        for name, term in variables.items():
            text = re.sub(f"{{[?$]{name}}}", str(term), text)
        out.append(Literal(text))
    return tuple(out)

"""SHACL Core constraints compiled, one each, to a SPARQL query selecting what may break it."""

from __future__ import annotations

import re

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from ..namespaces import RDF, RDFS, SH, XSD
from .checks import _COMPONENTS, _Check, _Shape
from .querytext import sparql_term
from .results import Uncompiled
from .values import (
    _KINDS,
    _PORTABLE_REGEX,
    _datatype_matches,
    _datatype_passes,
    _numeric,
    _string,
    _string_of,
)
from .wording import stringify


def core_check(sg: Graph, shape: _Shape, parameter: URIRef, value: Node) -> _Check:
    """One SHACL Core constraint as a query selecting ?this (and ?v) that may break it."""
    component = _COMPONENTS[parameter]
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
                query = f"SELECT DISTINCT ?this WHERE {{ {shape.focus} FILTER NOT EXISTS {{ {values} }} }}"
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
        return check(query, judge=lambda v: not _datatype_matches(v, value), generic=lambda *_: Literal(text))
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
            f"(!isBlank(?v) && REGEX(STR(?v), {_string(source)}, {_string(flags)}))" if portable else "false"
        )
        query = f"{head} FILTER (!COALESCE({passes}, false)) }}"
        text = f"Value does not match pattern '{value.value}'"
        return check(
            query,
            judge=lambda v: (
                isinstance(v, BNode) or not (matcher.match(_string_of(v)) or matcher.search(_string_of(v)))
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

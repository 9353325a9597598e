"""pyshacl's rules for a value (datatype, number, string, pattern), and their SPARQL pre-filters."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal

import pyoxigraph as ox
from rdflib import Literal
from rdflib.term import Node

from ..namespaces import RDF, RDFS, SH, XSD

_KINDS = {
    SH.IRI: "isIRI(?v)",
    SH.BlankNode: "isBlank(?v)",
    SH.Literal: "isLiteral(?v)",
    SH.BlankNodeOrIRI: "(isBlank(?v) || isIRI(?v))",
    SH.BlankNodeOrLiteral: "(isBlank(?v) || isLiteral(?v))",
    SH.IRIOrLiteral: "(isIRI(?v) || isLiteral(?v))",
}
#: Regular expressions made only of what Python's ``re`` and the engine's regex read alike.
_PORTABLE_REGEX = re.compile(r"^(?:[A-Za-z0-9 ^$.*+?{}()\[\]|,:_/@#-]|\\[dwsDWS.\\/-])*$")


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

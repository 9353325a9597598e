"""What validating gives: one result, in the terms of the SHACL report; and the shape left to pyshacl."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.term import Node


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

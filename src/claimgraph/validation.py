"""SHACL validation of a batch, with its context: the only code that imports pyshacl.

A batch is validated as an in-memory rdflib graph together with the context
it needs (the type, label, creator and text of the documents and agents it
refers to, read from the store), never by revalidating the whole store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from .errors import Problem, ValidationFailed
from .namespaces import CG, DCT, OA, PROV, RDF, RDFS, SCHEMA, SH

#: Properties whose objects a batch's nodes need described (their type, label, creator, text).
REFERENCE_PROPERTIES = (
    PROV.wasDerivedFrom,
    PROV.wasAttributedTo,
    CG.agent,
    OA.hasSource,
    DCT.creator,
    CG.supportedBy,
)
CONTEXT_PROPERTIES = (RDF.type, RDFS.label, DCT.creator, SCHEMA.text)


@dataclass(frozen=True)
class Vocabulary:
    """The shapes and the ontology, parsed once."""

    shapes: Graph
    ontology: Graph


@lru_cache(maxsize=4)
def load_vocabulary(ontology_dir: str) -> Vocabulary:
    """Parse ``shapes.ttl`` and the vocabulary (every other ``*.ttl``) in ``ontology_dir``."""
    folder = Path(ontology_dir)
    shapes = Graph().parse(folder / "shapes.ttl", format="turtle")
    ontology = Graph()
    for path in sorted(folder.glob("*.ttl")):
        if path.name != "shapes.ttl":
            ontology.parse(path, format="turtle")
    return Vocabulary(shapes=shapes, ontology=ontology)


def referenced_nodes(batch: Graph) -> set[URIRef]:
    """The IRIs a batch points at through the properties that shapes look across."""
    return {o for p in REFERENCE_PROPERTIES for o in batch.objects(None, p) if isinstance(o, URIRef)}


def validate_batch(
    batch: Graph,
    vocabulary: Vocabulary,
    *,
    context: Iterable[tuple[Node, Node, Node]] = (),
    locate: Callable[[str], tuple[str | None, int | None, str | None]] | None = None,
) -> None:
    """Validate ``batch`` plus ``context`` against the shapes.

    :param context: triples from the store that the batch's shapes need.
    :param locate: maps a focus node IRI to (sheet, line, claim) for the error.
    :raises ValidationFailed: with one :class:`Problem` per result, and the report.
    """
    data = Graph()
    for triple in batch:
        data.add(triple)
    for triple in context:
        data.add(triple)
    # The vocabulary goes into our own fresh graph: given as ont_graph, pyshacl would
    # copy the whole data graph to mix it in (a third of its time on large batches).
    for triple in vocabulary.ontology:
        data.add(triple)
    conforms, report, _text = shacl_validate(
        data,
        shacl_graph=vocabulary.shapes,
        inference="none",
        inplace=True,
        advanced=True,  # SPARQL-based targets (SHACL-AF) keep the SPARQL shapes fast
        abort_on_first=False,
        allow_infos=True,
        allow_warnings=True,
    )
    if conforms:
        return
    problems = sorted(
        _problems(report, locate, vocabulary.shapes),
        key=lambda p: (p.sheet or "", p.line or 0, p.message),
    )
    raise ValidationFailed(problems, report=report.serialize(format="turtle"))


def _problems(report: Graph, locate: Callable | None, shapes: Graph) -> Iterable[Problem]:
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        shape = report.value(result, SH.sourceShape)
        message = report.value(result, SH.resultMessage)
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        sheet = line = claim = None
        if locate is not None and focus is not None:
            sheet, line, claim = locate(str(focus))
            if sheet is None and isinstance(value, URIRef):
                # A derived node (a consensus statement) is located by the claim its result names.
                sheet, line, claim = locate(str(value))
        yield Problem(
            message=str(message) if message else "violates the shape",
            sheet=sheet,
            line=line,
            claim=claim or (str(focus) if focus is not None else None),
            shape=_shape_name(shape, shapes),
            focus=str(focus) if focus is not None else None,
            path=str(path) if isinstance(path, URIRef) else None,
            value=str(value) if isinstance(value, URIRef | Literal) else None,
        )


def _shape_name(shape: Node | None, shapes: Graph) -> str | None:
    """The IRI of the named shape behind a result (an anonymous property shape names its parent)."""
    if shape is None:
        return None
    if isinstance(shape, URIRef):
        return str(shape)
    for parent in shapes.subjects(SH.property, shape):
        if isinstance(parent, URIRef):
            return str(parent)
    return None

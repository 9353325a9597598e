"""SHACL validation of a batch, with its context: the only code that imports pyshacl.

A batch is validated together with the context it needs (the type, label,
creator and text of the documents and agents it refers to, read from the
store), never by revalidating the whole store. Two validators give the same
verdicts (``tests/test_validator_equivalence.py`` proves it): ``fast``, the
shapes compiled to SPARQL checks that pyoxigraph runs over the batch staged in
an in-memory store (:mod:`claimgraph.sparqlshapes`), with pyshacl only for the
shapes it does not compile; and ``pyshacl``, the reference, over an rdflib graph.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from . import processes
from .config import VALIDATORS
from .errors import Problem, ValidationFailed
from .namespaces import CG, DCT, OA, PROV, RDF, RDFS, SCHEMA, SH, XSD
from .sparqlshapes import CompiledShapes, Result, stage
from .vocabulary import ontology_version, parse_ontology

#: Properties whose objects a batch's nodes need described (their type, label, creator, text).
REFERENCE_PROPERTIES = (
    PROV.wasDerivedFrom,
    PROV.wasAttributedTo,
    CG.agent,
    CG.basis,
    OA.hasSource,
    DCT.creator,
    CG.supportedBy,
)
CONTEXT_PROPERTIES = (RDF.type, RDFS.label, DCT.creator, SCHEMA.text)


@dataclass(frozen=True)
class Vocabulary:
    """The shapes and the ontology, parsed once, and the validator that applies them."""

    shapes: Graph
    ontology: Graph
    validator: str = "fast"

    @cached_property
    def compiled(self) -> CompiledShapes:
        """The shapes compiled to SPARQL checks (the fast validator), once."""
        return CompiledShapes(self.shapes)

    @cached_property
    def ontology_text(self) -> str:
        """The ontology as N-Triples, staged with every text batch (converted once)."""
        return self.ontology.serialize(format="nt")

    def only(self, shapes: Graph) -> Vocabulary:
        """The same ontology and validator with other shapes."""
        return Vocabulary(shapes=shapes, ontology=self.ontology, validator=self.validator)


def check_validator(name: str) -> str:
    """The validator's name, or ValueError naming the choices (a setting's type).

    >>> check_validator("pyshacl")
    'pyshacl'
    """
    if name not in VALIDATORS:
        raise ValueError(f"unknown validator {name!r}; choose one of {', '.join(VALIDATORS)}")
    return name


def load_vocabulary(ontology_dir: str, validator: str = "fast") -> Vocabulary:
    """Parse ``shapes.ttl`` and the vocabulary (every other ``*.ttl``) in ``ontology_dir``.

    Parsed once per version of the files (:func:`claimgraph.vocabulary.ontology_version`):
    an edited file is parsed again.
    """
    return _load_vocabulary(ontology_dir, ontology_version(Path(ontology_dir)), check_validator(validator))


@lru_cache(maxsize=8)
def _load_vocabulary(ontology_dir: str, version: str, validator: str) -> Vocabulary:
    ontology, shapes = parse_ontology(Path(ontology_dir))
    return Vocabulary(shapes=shapes, ontology=ontology, validator=validator)


def referenced_nodes(batch: Graph) -> set[URIRef]:
    """The IRIs a batch points at through the properties that shapes look across."""
    return {o for p in REFERENCE_PROPERTIES for o in batch.objects(None, p) if isinstance(o, URIRef)}


def validate_batch(
    batch: Graph | str,
    vocabulary: Vocabulary,
    *,
    context: Iterable[tuple[Node, Node, Node]] = (),
    locate: Callable[[str], tuple[str | None, int | None, str | None]] | None = None,
) -> None:
    """Validate ``batch`` plus ``context`` against the shapes.

    :param batch: an rdflib graph, or N-Triples text (the bulk write path's, staged by the
        engine as it is; pyshacl reads it into a graph).
    :param context: triples from the store that the batch's shapes need.
    :param locate: maps a focus node IRI to (sheet, line, claim) for the error.
    :raises ValidationFailed: with one :class:`Problem` per result, and the report.
    """
    conforms, report = shacl_report(batch, vocabulary, context=context)
    if conforms:
        return
    problems = sorted(
        _problems(report, locate, vocabulary.shapes),
        key=lambda p: (p.sheet or "", p.line or 0, p.message),
    )
    raise ValidationFailed(problems, report=report.serialize(format="turtle"))


#: A batch of the bulk write path: N-Triples text, the context triples its shapes need,
#: and where each of its nodes came from (IRI without fragment → sheet, line, claim).
TextBatch = tuple[str, list[tuple[Node, Node, Node]], dict[str, tuple[str | None, int | None, str | None]]]
#: What validating a batch found: its problems and the SHACL report, if any.
BatchResult = tuple[list[Problem], str | None]

#: Batches waiting in (or for) the background process at once: enough to keep it busy,
#: few enough that memory stays bounded.
IN_FLIGHT = 2


def validate_batches(batches: Iterable[TextBatch], vocabulary: Vocabulary) -> Iterator[BatchResult]:
    """Validate text batches in order; from the second on, in a background process.

    Reading the next batch (``batches`` is a generator: the caller reads sheets while it
    is pulled) then goes on while the engine validates the last one, so that a large load
    uses two cores. One batch is validated here, as every small write is.
    """
    pool: ProcessPoolExecutor | None = None
    started = False
    first: BatchResult | None = None
    pending: deque[tuple[Future, TextBatch]] = deque()

    def result(future: Future, batch: TextBatch) -> BatchResult:
        nonlocal pool
        try:
            return future.result()
        except (BrokenProcessPool, OSError, RuntimeError):
            # The process could not start (a script without a __main__ guard) or died:
            # what it did not validate is validated here.
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
            pool = None
            return _validate_text_batch(vocabulary, batch)

    try:
        for number, batch in enumerate(batches):
            if number == 0:
                first = _validate_text_batch(vocabulary, batch)
                continue
            if not started:
                started = True
                pool = _background(vocabulary)
                assert first is not None
                yield first
                first = None
            if pool is None:
                yield _validate_text_batch(vocabulary, batch)
                continue
            try:
                pending.append((pool.submit(_validate_in_background, batch), batch))
            except (BrokenProcessPool, OSError, RuntimeError):
                pool.shutdown(wait=False, cancel_futures=True)
                pool = None
                yield _validate_text_batch(vocabulary, batch)
            while len(pending) > IN_FLIGHT:
                yield result(*pending.popleft())
        if first is not None:
            yield first
        while pending:
            yield result(*pending.popleft())
    finally:
        for future, _batch in pending:
            future.cancel()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _validate_text_batch(vocabulary: Vocabulary, batch: TextBatch) -> BatchResult:
    text, context, places = batch

    def locate(iri: str) -> tuple[str | None, int | None, str | None]:
        return places.get(iri.split("#", 1)[0], (None, None, None))

    try:
        validate_batch(text, vocabulary, context=context, locate=locate)
    except ValidationFailed as exc:
        return exc.problems, exc.report
    return [], None


_BACKGROUND_VOCABULARY: Vocabulary | None = None


def _background(vocabulary: Vocabulary) -> ProcessPoolExecutor | None:
    """A process that validates with ``vocabulary`` (None where none can be started)."""
    try:
        # A fresh interpreter from the forkserver (claimgraph.processes: never a fork).
        return ProcessPoolExecutor(
            max_workers=1,
            mp_context=processes.context(),
            initializer=_start_background,
            initargs=(vocabulary.shapes, vocabulary.ontology, vocabulary.validator),
        )
    except (OSError, ValueError):
        return None


def _start_background(shapes: Graph, ontology: Graph, validator: str) -> None:
    global _BACKGROUND_VOCABULARY
    _BACKGROUND_VOCABULARY = Vocabulary(shapes=shapes, ontology=ontology, validator=validator)


def _validate_in_background(batch: TextBatch) -> BatchResult:
    assert _BACKGROUND_VOCABULARY is not None
    return _validate_text_batch(_BACKGROUND_VOCABULARY, batch)


def shacl_report(
    batch: Graph | str, vocabulary: Vocabulary, *, context: Iterable[tuple[Node, Node, Node]] = ()
) -> tuple[bool, Graph]:
    """(conforms, the SHACL validation report) of ``batch`` (a graph or N-Triples text) by the
    vocabulary's validator."""
    context = list(context)
    if vocabulary.validator == "pyshacl":
        return _pyshacl(vocabulary.shapes, _graph(batch), context, vocabulary.ontology)
    return _fast(vocabulary, batch, context)


def _graph(batch: Graph | str) -> Graph:
    return Graph().parse(data=batch, format="nt") if isinstance(batch, str) else batch


def _pyshacl(shapes: Graph, *graphs: Iterable[tuple[Node, Node, Node]]) -> tuple[bool, Graph]:
    """pyshacl, the reference validator, over one rdflib graph of ``graphs``."""
    data = Graph()
    # The vocabulary goes into our own fresh graph: given as ont_graph, pyshacl would
    # copy the whole data graph to mix it in (a third of its time on large batches).
    for graph in graphs:
        for triple in graph:
            data.add(triple)
    conforms, report, _text = shacl_validate(
        data,
        shacl_graph=shapes,
        inference="none",
        inplace=True,
        advanced=True,  # SPARQL-based targets (SHACL-AF) keep the SPARQL shapes fast
        abort_on_first=False,
        allow_infos=True,
        allow_warnings=True,
    )
    return bool(conforms), report


def _fast(vocabulary: Vocabulary, batch: Graph | str, context: list) -> tuple[bool, Graph]:
    """The compiled shapes over the batch staged in pyoxigraph; pyshacl for the shapes left over."""
    compiled = vocabulary.compiled
    if isinstance(batch, str):
        staged = stage(context, text=batch + vocabulary.ontology_text)
    else:
        staged = stage(batch, context, vocabulary.ontology)
    results = compiled.validate(staged)
    report = _report(results, vocabulary.shapes)
    conforms = not any(r.severity not in (SH.Warning, SH.Info) for r in results)
    if compiled.fallback is not None:
        more_conforms, more = _pyshacl(compiled.fallback, _graph(batch), context, vocabulary.ontology)
        if not more_conforms:
            conforms = False
            for result in more.objects(None, SH.result):
                report.add((_REPORT_NODE, SH.result, result))
            for triple in more:
                if triple[1] not in (SH.result, SH.conforms) and triple[0] != _REPORT_NODE:
                    report.add(triple)
    report.set((_REPORT_NODE, SH.conforms, Literal(conforms)))
    return conforms, report


_REPORT_NODE = BNode("report")


def _report(results: list[Result], shapes: Graph) -> Graph:
    """A SHACL validation report of ``results``, shaped as pyshacl's."""
    report = Graph(bind_namespaces="core")
    for prefix, namespace in shapes.namespace_manager.namespaces():
        report.namespace_manager.bind(prefix, namespace)
    report.add((_REPORT_NODE, RDF.type, SH.ValidationReport))
    for result in results:
        node = BNode()
        report.add((_REPORT_NODE, SH.result, node))
        report.add((node, RDF.type, SH.ValidationResult))
        report.add((node, SH.focusNode, result.focus))
        report.add((node, SH.sourceShape, _copy(shapes, result.shape, report)))
        report.add((node, SH.sourceConstraintComponent, result.component))
        report.add((node, SH.resultSeverity, result.severity))
        if result.path is not None:
            report.add((node, SH.resultPath, _copy(shapes, result.path, report)))
        if result.value is not None:
            report.add((node, SH.value, result.value))
        if result.constraint is not None:
            report.add((node, SH.sourceConstraint, _copy(shapes, result.constraint, report)))
        for message in result.messages:
            report.add((node, SH.resultMessage, message))
    return report


def _copy(source: Graph, node: Node, target: Graph) -> Node:
    """``node`` for the report; a blank node is copied with what it says, keeping its id."""
    if isinstance(node, BNode) and (node, None, None) not in target:
        for p, o in source.predicate_objects(node):
            target.add((node, p, o))
            _copy(source, o, target)
    return node


def report_results(report: Graph) -> set[tuple]:
    """Each result of a report as (focus, shape, path, value, messages, severity, component).

    The equivalence test compares validators with it. A simple literal and an
    ``xsd:string`` one are the same term (RDF 1.1).
    """

    def same(node: Node | None) -> Node | None:
        if isinstance(node, Literal) and node.datatype == XSD.string and not node.language:
            return Literal(str(node))
        return node

    found = set()
    for result in report.objects(None, SH.result):
        found.add(
            (
                report.value(result, SH.focusNode),
                report.value(result, SH.sourceShape),
                report.value(result, SH.resultPath),
                same(report.value(result, SH.value)),
                frozenset(report.objects(result, SH.resultMessage)),
                report.value(result, SH.resultSeverity),
                report.value(result, SH.sourceConstraintComponent),
            )
        )
    return found


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

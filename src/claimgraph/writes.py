"""Guarded writes: every change to the store passes the SHACL guard and keeps the consensus.

Every write is a SPARQL Update. A Graph Store request, a claim sheet and a
withdrawal are turned into one here; a SPARQL Update from a client is taken as
it is. :func:`guarded_update` then

1. runs the update on a scratch copy of the store (in memory for a small store,
   a RocksDB checkpoint made of hard links for a large one),
2. diffs the copy against the store, and finds the claims the change touches:
   claims among the changed subjects (``#fragment`` stripped), and claims that
   point at a changed node (their document, their claimant…),
3. validates those claims and changed nodes, with the context they need, against
   the same shapes as the loader, and recomputes the consensus graph,
4. runs the update and the consensus change on the real store as ONE update,
   which pyoxigraph runs in one transaction: all or nothing.

The update is run again rather than its diff applied because SPARQL cannot
name an existing blank node, so a diff that removes one cannot be written
back. Updates that call ``NOW()``, ``RAND()`` or ``UUID()`` may therefore give
other values the second time; the shapes never look at such values.

No request may make the server fetch a URL: ``LOAD`` and ``SERVICE`` are
refused, as are RDF uploads that would make a parser fetch or expand anything
(a remote JSON-LD ``@context``, an XML ``DOCTYPE`` or ``ENTITY``).

>>> refuse_remote("INSERT DATA { <http://example.org/s> <http://example.org/p> 'LOAD' }")
>>> refuse_remote("load <http://example.org/data.ttl>")
Traceback (most recent call last):
...
claimgraph.errors.QueryRefused: LOAD is not allowed: the server never fetches a URL
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, URIRef

from .errors import (
    ClaimgraphError,
    Problem,
    QueryError,
    QueryRefused,
    SheetError,
    StoreError,
    ValidationFailed,
)
from .loader import Locate, consensus_triples, corpus_locator, validate_consensus_change
from .mapping import Minter, claim_triples, document_triples, entity_triples
from .model import Corpus, Entity
from .namespaces import CG, PROV, RDF, SCHEMA, SH
from .sheets import parse_yaml, read_entities, read_sheet
from .store import Store, from_ox, to_ox
from .validation import Vocabulary, referenced_nodes, validate_batch

#: Stores with fewer quads than this are copied in memory for a dry run; larger
#: ones are checkpointed on disk (hard links, so the copy costs little).
MEMORY_COPY_LIMIT = 100_000


class BadRdf(ClaimgraphError):
    """An upload that cannot be parsed, or that would make the parser fetch or expand something.

    ``line`` and ``column`` say where, when the parser knows.
    """

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class UnsupportedFormat(ClaimgraphError):
    """An upload in a media type no parser here reads."""


@dataclass
class WriteReport:
    """What a guarded write changed."""

    added: int = 0
    removed: int = 0
    claims: list[str] = field(default_factory=list)
    removed_claims: list[str] = field(default_factory=list)
    created: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "removed": self.removed,
            "claims": self.claims,
            "removed_claims": self.removed_claims,
        }


# ---------------------------------------------------------------- refusing remote access

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# Strings, IRIs and comments, which may mention LOAD or SERVICE harmlessly.
_INERT = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\s]*>"
    r"|#[^\n]*",
    re.DOTALL,
)
_REMOTE = re.compile(r"(?<![\w:?$.-])(LOAD|SERVICE)(?![\w:-])", re.IGNORECASE)


def refuse_remote(sparql: str) -> None:
    """Refuse a SPARQL request that would make the server fetch a URL (``LOAD``, ``SERVICE``).

    The check is lexical and errs on the side of refusing: codepoint escapes are
    undone first (SPARQL applies them before parsing), then strings, IRIs and
    comments are blanked, and the keywords are looked for as whole tokens.

    :raises QueryRefused: naming the keyword.
    """
    text = _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), sparql)
    text = _INERT.sub(" ", text)
    found = _REMOTE.search(text)
    if found:
        raise QueryRefused(f"{found.group(1).upper()} is not allowed: the server never fetches a URL")


_TOKEN = re.compile(r"(?<![\w:?$.-])(WHERE|USING|WITH)(?![\w:-])", re.IGNORECASE)


def with_dataset(sparql: str, using: Iterable[str] = (), using_named: Iterable[str] = ()) -> str:
    """Apply the protocol's ``using-graph-uri`` / ``using-named-graph-uri`` to an update.

    They act as ``USING`` / ``USING NAMED`` on every operation with a ``WHERE``
    clause, so those clauses are written in before each top-level ``WHERE``.

    :raises QueryError: when the update has its own ``USING`` or ``WITH`` (the protocol forbids both).

    >>> with_dataset("INSERT { ?s a 1 } WHERE { ?s ?p ?o }", ["http://e/g"])
    'INSERT { ?s a 1 } USING <http://e/g> WHERE { ?s ?p ?o }'
    """
    clauses = [f"USING <{ox.NamedNode(g).value}>" for g in using]
    clauses += [f"USING NAMED <{ox.NamedNode(g).value}>" for g in using_named]
    if not clauses:
        return sparql
    # Blank strings, IRIs and comments without moving anything, then find the keywords.
    blank = _INERT.sub(lambda m: " " * len(m.group(0)), sparql)
    depth, cuts = 0, []
    tokens = {m.start(): m.group(1).upper() for m in _TOKEN.finditer(blank)}
    for index, char in enumerate(blank):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif depth == 0 and index in tokens:
            word = tokens[index]
            if word in ("USING", "WITH"):
                raise QueryError(f"the update has its own {word}; it cannot be combined with using-graph-uri")
            # DELETE WHERE { … } is the short form, which takes no USING.
            if word == "WHERE" and not blank[:index].rstrip().upper().endswith("DELETE"):
                cuts.append(index)
    for index in reversed(cuts):
        sparql = f"{sparql[:index]}{' '.join(clauses)} {sparql[index:]}"
    return sparql


# ---------------------------------------------------------------- parsing uploads

#: Media type → pyoxigraph format, for graph uploads.
UPLOAD_FORMATS: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/n3": ox.RdfFormat.N3,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}

_XML_DECLARATIONS = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def parse_upload(data: bytes, media_type: str, *, base_iri: str | None) -> list[ox.Triple]:
    """Parse an uploaded graph, refusing anything that would fetch or expand.

    :param media_type: the Content-Type without parameters.
    :raises UnsupportedFormat: for a media type not in :data:`UPLOAD_FORMATS`.
    :raises BadRdf: for unsafe or malformed input, with the parser's line and column.

    >>> [str(t) for t in parse_upload(b'<s> <p> 1 .', "text/turtle", base_iri="http://example.org/")]
    ['<http://example.org/s> <http://example.org/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer>']
    """
    fmt = UPLOAD_FORMATS.get(media_type.strip().lower())
    if fmt is None:
        raise UnsupportedFormat(
            f"cannot read {media_type or 'a body without Content-Type'}; send one of {', '.join(UPLOAD_FORMATS)}"
        )
    if fmt == ox.RdfFormat.RDF_XML:
        _check_xml(data)
    elif fmt == ox.RdfFormat.JSON_LD:
        _check_json_ld(data)
    try:
        quads = list(ox.parse(data, fmt, base_iri=base_iri, without_named_graphs=True))
    except SyntaxError as exc:
        line, column = _position(exc)
        raise BadRdf(f"cannot parse the {media_type} body: {exc}", line=line, column=column) from None
    except ValueError as exc:
        raise BadRdf(f"cannot parse the {media_type} body: {exc}") from None
    return [ox.Triple(q.subject, q.predicate, q.object) for q in quads]


def _position(exc: SyntaxError) -> tuple[int | None, int | None]:
    return getattr(exc, "lineno", None), getattr(exc, "offset", None)


def _check_xml(data: bytes) -> None:
    # Entities are how XML fetches files (external entities) and how a few hundred
    # bytes become gigabytes (nested entities); RDF/XML never needs a DTD.
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:1024]:
        raise BadRdf("RDF/XML must be sent as UTF-8")
    found = _XML_DECLARATIONS.search(data)
    if found:
        line = data.count(b"\n", 0, found.start()) + 1
        raise BadRdf(
            f"RDF/XML with a <!{found.group(1).decode().upper()}> declaration is refused: "
            "document type declarations and entities are not allowed",
            line=line,
        )


def _check_json_ld(data: bytes) -> None:
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        column = getattr(exc, "colno", None)
        raise BadRdf(f"cannot parse the JSON-LD body: {exc}", line=line, column=column) from None
    for context in _contexts(document):
        if _remote_context(context):
            raise BadRdf(
                "JSON-LD with a remote @context (a URL or @import) is refused: "
                "the server never fetches a URL; send the context inline"
            )


def _contexts(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                yield value
            yield from _contexts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _contexts(item)


def _remote_context(context: Any) -> bool:
    if isinstance(context, str):
        return True
    if isinstance(context, list):
        return any(_remote_context(c) for c in context)
    return isinstance(context, dict) and "@import" in context


# ---------------------------------------------------------------- the guard


def _raw(store: Store) -> ox.Store:
    raw = getattr(store, "raw", None)
    if raw is None:
        raise StoreError("guarded writes need the embedded store")
    return raw


@contextmanager
def scratch_copy(store: Store) -> Iterator[ox.Store]:
    """A throw-away read-write copy of the store, for a dry run."""
    raw = _raw(store)
    path = getattr(store, "path", None)
    if path is None or len(raw) < MEMORY_COPY_LIMIT:
        copy = ox.Store()
        copy.extend(raw)
        yield copy
        return
    # Beside the store, so that the checkpoint can hard-link its files.
    folder = Path(tempfile.mkdtemp(prefix=".dry-run-", dir=Path(path).parent))
    try:
        raw.backup(str(folder / "copy"))
        copy = ox.Store(str(folder / "copy"))
        try:
            yield copy
        finally:
            del copy
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run(target: ox.Store, sparql: str, base_iri: str | None) -> None:
    try:
        target.update(sparql, base_iri=base_iri)
    except SyntaxError as exc:
        raise QueryError(f"SPARQL syntax error: {exc}") from None
    except RuntimeError as exc:  # e.g. CREATE GRAPH of a graph that exists
        raise QueryError(f"the update failed: {exc}") from None
    except OSError as exc:
        raise StoreError(f"write failed, nothing was written: {exc}") from None


def guarded_update(
    store: Store,
    sparql: str,
    *,
    mint: Minter,
    vocabulary: Vocabulary,
    base_iri: str | None = None,
    locate: Locate | None = None,
) -> WriteReport:
    """Run a SPARQL Update only if the store it leaves passes the shapes; keep the consensus.

    :raises QueryError: for a syntax error, a failing operation, ``LOAD`` or ``SERVICE``.
    :raises ValidationFailed: when the result would break a shape; nothing is written.
    """
    refuse_remote(sparql)
    raw = _raw(store)
    with scratch_copy(store) as copy:
        before = set(copy)
        _run(copy, sparql, base_iri)
        after = set(copy)
        removed, added = before - after, after - before
        if not removed and not added:
            return WriteReport()
        report = WriteReport()
        claims = _check(copy, raw, removed | added, mint, vocabulary, locate, report)
        drop, put = _consensus_change(copy, mint, vocabulary, removed | added)
    final = sparql
    if drop or put:
        final = _append(sparql, _data_update(drop, put), base_iri)
    _run(raw, final, base_iri)
    report.claims = sorted(str(c) for c in claims)
    report.added = len(added) + len(put)
    report.removed = len(removed) + len(drop)
    return report


def _append(sparql: str, extra: str, base_iri: str | None) -> str:
    # The client's text may end in ';' or in a prologue; whichever separator
    # parses (tried on an empty store, where it costs nothing) is used.
    for separator in ("\n;\n", "\n"):
        candidate = sparql + separator + extra
        try:
            ox.Store().update(candidate, base_iri=base_iri)
        except SyntaxError:
            continue
        except RuntimeError:
            pass
        return candidate
    raise QueryError("cannot append the consensus change to this update")


_CLAIM = ox.NamedNode(str(CG.Claim))
_TYPE = ox.NamedNode(str(RDF.type))


def _base(term: Any) -> Any:
    if isinstance(term, ox.NamedNode) and "#" in term.value:
        return ox.NamedNode(term.value.split("#", 1)[0])
    return term


def _is_claim(target: ox.Store, node: Any) -> bool:
    return any(True for _ in target.quads_for_pattern(node, _TYPE, _CLAIM, None))


def _check(
    copy: ox.Store,
    original: ox.Store,
    changed: set[ox.Quad],
    mint: Minter,
    vocabulary: Vocabulary,
    locate: Locate | None,
    report: WriteReport,
) -> set[Any]:
    """Validate what a change touches, as it will be after the change."""
    subjects = {q.subject for q in changed} | {_base(q.subject) for q in changed}
    claims = {s for s in subjects if _is_claim(copy, s)}
    report.removed_claims = sorted(
        str(s.value) if isinstance(s, ox.NamedNode) else str(s)
        for s in subjects
        if s not in claims and _is_claim(original, s)
    )
    # Claims that point at a changed node (their document, agent, step…), two hops up.
    frontier = {s for s in subjects if s not in claims}
    for _ in range(2):
        referrers = set()
        for node in frontier:
            if isinstance(node, ox.Literal):
                continue
            for q in copy.quads_for_pattern(None, None, node, None):
                holder = _base(q.subject)
                if _is_claim(copy, holder):
                    claims.add(holder)
                else:
                    referrers.add(q.subject)
        frontier = referrers
    problems = [
        Problem("a claim must be an IRI, not a blank node", claim=str(c))
        for c in claims
        if isinstance(c, ox.BlankNode)
    ]
    for c in claims:
        for q in copy.quads_for_pattern(c, ox.NamedNode(str(RDF.object)), None, None):
            if isinstance(q.object, ox.BlankNode):
                problems.append(
                    Problem(
                        "a claim's object must not be a blank node", claim=str(c.value), path=str(RDF.object)
                    )
                )
    if problems:
        raise ValidationFailed(problems)
    described = set(claims) | {
        s for s in subjects if any(True for _ in copy.quads_for_pattern(s, None, None))
    }
    data = Graph()
    _describe(copy, described, data)
    for _ in range(2):  # the documents and agents the data points at, and their creators
        wanted = {to_ox(n) for n in referenced_nodes(data)} - described
        described |= wanted
        _describe(copy, wanted, data, closure=False)
    targets = set(vocabulary.shapes.objects(None, SH.targetClass))
    if any(o in targets for o in data.objects(None, RDF.type)):
        validate_batch(data, vocabulary, locate=locate)
    return claims


def _describe(source: ox.Store, nodes: Iterable[Any], into: Graph, *, closure: bool = True) -> None:
    """Every triple (in any graph) about ``nodes``; with ``closure``, also about their ``#`` nodes."""
    todo = list(nodes)
    seen = set(todo)
    while todo:
        node = todo.pop()
        if isinstance(node, ox.Literal):
            continue
        for q in source.quads_for_pattern(node, None, None, None):
            into.add((from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)))
            o = q.object
            if (
                closure
                and isinstance(o, ox.NamedNode)
                and isinstance(node, ox.NamedNode)
                and o.value.startswith(_base(node).value + "#")
                and o not in seen
            ):
                seen.add(o)
                todo.append(o)


def _consensus_change(
    copy: ox.Store, mint: Minter, vocabulary: Vocabulary, changed: set[ox.Quad]
) -> tuple[set[tuple], set[tuple]]:
    """The consensus quads to drop and to add so that the copy's consensus matches its claims."""
    graph = mint.consensus_graph
    answer = copy.query(
        f"SELECT ?c ?s ?p ?o WHERE {{ GRAPH ?g {{ ?c a <{CG.Claim}> ; <{RDF.subject}> ?s ;"
        f" <{RDF.predicate}> ?p ; <{RDF.object}> ?o }} }}"
    )
    rows = [tuple(from_ox(solution[v]) for v in ("c", "s", "p", "o")) for solution in answer]
    wanted = {(s, p, o, graph) for s, p, o in consensus_triples(rows, mint)}
    current = {
        (from_ox(q.subject), from_ox(q.predicate), from_ox(q.object), graph)
        for q in copy.quads_for_pattern(None, None, None, to_ox(graph))
    }
    drop, put = current - wanted, wanted - current
    touched = any(q.graph_name == to_ox(graph) for q in changed)
    if touched and (drop or put):
        raise ValidationFailed(
            [
                Problem(
                    f"the consensus graph <{graph}> is derived from the claims and cannot be written "
                    "directly; change the claims instead",
                    focus=str(graph),
                )
            ]
        )
    if put:
        validate_consensus_change(put, rows, vocabulary)
    return drop, put


def _data_update(drop: Iterable[tuple], put: Iterable[tuple]) -> str:
    parts = []
    if drop:
        parts.append(f"DELETE DATA {{\n{data_block(drop)}\n}}")
    if put:
        parts.append(f"INSERT DATA {{\n{data_block(put)}\n}}")
    return " ;\n".join(parts)


def data_block(quads: Iterable[tuple]) -> str:
    """Quads (rdflib terms, graph last; None for the default graph) as the body of ``INSERT DATA``.

    >>> from rdflib import Literal
    >>> data_block([(URIRef("http://e/s"), URIRef("http://e/p"), Literal("a\\nb"), URIRef("http://e/g"))])
    'GRAPH <http://e/g> { <http://e/s> <http://e/p> "a\\\\nb" . }'
    """
    by_graph: dict[Any, list[str]] = {}
    for q in quads:
        s, p, o = (str(to_ox(t)) for t in q[:3])
        graph = q[3] if len(q) > 3 else None
        by_graph.setdefault(graph, []).append(f"{s} {p} {o} .")
    lines = []
    for graph, triples in by_graph.items():
        body = "\n".join(triples)
        lines.append(body if graph is None else f"GRAPH {to_ox(graph)} {{ {body} }}")
    return "\n".join(lines)


def _triples_block(triples: Iterable[ox.Triple]) -> str:
    return "\n".join(f"{t.subject} {t.predicate} {t.object} ." for t in triples)


# ---------------------------------------------------------------- Graph Store operations


def graph_exists(store: Store, graph: URIRef | None) -> bool:
    """Whether a named graph exists (the default graph always does)."""
    return graph is None or _raw(store).contains_named_graph(ox.NamedNode(str(graph)))


def _target(graph: URIRef | None) -> str:
    return "DEFAULT" if graph is None else f"GRAPH <{graph}>"


def _insert(graph: URIRef | None, triples: list[ox.Triple]) -> str:
    if graph is None:
        return f"INSERT DATA {{\n{_triples_block(triples)}\n}}"
    return f"INSERT DATA {{ GRAPH <{graph}> {{\n{_triples_block(triples)}\n}} }}"


def put_graph(
    store: Store, graph: URIRef | None, triples: list[ox.Triple], *, mint: Minter, vocabulary: Vocabulary
) -> WriteReport:
    """Replace a graph (None: the default graph) with ``triples``; ``created`` says it was new."""
    created = not graph_exists(store, graph)
    parts = [f"DROP SILENT {_target(graph)}"]
    parts.append(_insert(graph, triples) if triples else f"CREATE SILENT {_target(graph)}")
    if graph is None and not triples:
        parts.pop()
    report = guarded_update(store, " ;\n".join(parts), mint=mint, vocabulary=vocabulary)
    report.created = created
    return report


def post_graph(
    store: Store, graph: URIRef | None, triples: list[ox.Triple], *, mint: Minter, vocabulary: Vocabulary
) -> WriteReport:
    """Merge ``triples`` into a graph, creating it if needed."""
    created = not graph_exists(store, graph)
    if triples:
        sparql = _insert(graph, triples)
    elif graph is not None:
        sparql = f"CREATE SILENT GRAPH <{graph}>"
    else:
        return WriteReport()
    report = guarded_update(store, sparql, mint=mint, vocabulary=vocabulary)
    report.created = created
    return report


def delete_graph(store: Store, graph: URIRef | None, *, mint: Minter, vocabulary: Vocabulary) -> WriteReport:
    """Drop a graph (clear the default graph).

    :raises LookupError: when the named graph does not exist.
    """
    if not graph_exists(store, graph):
        raise LookupError(str(graph))
    sparql = "DROP DEFAULT" if graph is None else f"DROP GRAPH <{graph}>"
    return guarded_update(store, sparql, mint=mint, vocabulary=vocabulary)


def new_graph_iri(mint: Minter) -> URIRef:
    """A fresh graph IRI for a POST to the graph store itself."""
    return URIRef(f"{mint.base}graph/upload/{uuid.uuid4().hex}")


# ---------------------------------------------------------------- claims


@dataclass(frozen=True)
class SheetUpload:
    """A claim sheet sent to the server, with what it may need beside it."""

    sheet: str
    name: str = "sheet.yaml"
    document: bytes | None = None
    corpus: str | None = None
    corpus_name: str = "web"


def known_entities(store: Store, mint: Minter) -> tuple[set[str], set[str]]:
    """The ids of the entities in the store, and of those that are agents."""
    prefix = f"{mint.base}entity/"
    answer = store.query(
        "SELECT DISTINCT ?e ?agent WHERE { ?e a ?t . "
        f'FILTER (STRSTARTS(STR(?e), "{prefix}")) '
        f"BIND (EXISTS {{ ?e a <{PROV.Agent}> }} AS ?agent) }}"
    )
    known, agents = set(), set()
    for row in answer.rows:
        ident = str(row["e"])[len(prefix) :]
        known.add(ident)
        if row["agent"].toPython():
            agents.add(ident)
    return known, agents


def _stored_document(store: Store, mint: Minter, ident: str) -> tuple[str, str, str] | None:
    node = mint.document(ident)
    answer = store.query(
        f"SELECT ?file ?sha ?text WHERE {{ <{node}> <{CG.fileName}> ?file ; <{CG.sha256}> ?sha ;"
        f" <{SCHEMA.text}> ?text }} LIMIT 1"
    )
    if not answer.rows:
        return None
    row = answer.rows[0]
    return str(row["file"]), str(row["sha"]), str(row["text"])


def add_sheet(store: Store, upload: SheetUpload, *, mint: Minter, vocabulary: Vocabulary) -> WriteReport:
    """Read a claim sheet against the store and commit its document graph whole.

    The sheet replaces its document's graph, as ``claimgraph load`` does, so
    sending the same sheet twice changes nothing. Its document is the one in
    the store (its text, file name and SHA-256 must match the sheet) unless the
    upload carries the document's bytes. Entities and agents come from the store
    and from ``upload.corpus``, whose entities are merged into the graph
    ``graph/corpus/<corpus_name>``.

    :raises SheetError: for every problem in the sheet, with sheet and line.
    :raises ValidationFailed: when the claims break a shape; nothing is written.
    """
    head = parse_yaml(upload.sheet, sheet=upload.name)
    document_node = head.get("document") if isinstance(head, dict) else None
    ident = str(document_node.get("id") or "") if isinstance(document_node, dict) else ""
    known, agents = known_entities(store, mint)
    entities: list[Entity] = []
    if upload.corpus is not None:
        entities = read_entities(upload.corpus, sheet="corpus.yaml")
        known |= {e.id for e in entities}
        agents |= {e.id for e in entities if e.is_agent}
    data = upload.document
    if data is None and ident:
        stored = _stored_document(store, mint, ident)
        if stored is None:
            raise SheetError(
                [
                    Problem(
                        f"document {ident!r} is not in the store; send its file with the sheet "
                        "(multipart/form-data fields sheet, document and optionally corpus)",
                        sheet=upload.name,
                        line=getattr(document_node, "line", None),
                    )
                ]
            )
        file_name, _sha, text = stored
        if document_node.get("file") != file_name:
            raise SheetError(
                [
                    Problem(
                        f"document: file {document_node.get('file')!r} does not match the stored "
                        f"document's file name {file_name!r}",
                        sheet=upload.name,
                        line=getattr(document_node, "line", None),
                    )
                ]
            )
        data = text.encode("utf-8")
    document, claims = read_sheet(
        upload.sheet, sheet=upload.name, document_bytes=data, known_ids=known, agent_ids=agents
    )
    corpus = Corpus(
        name=upload.corpus_name, entities=tuple(entities), documents=(document,), claims=tuple(claims)
    )
    graph = mint.document_graph(document.id)
    quads: list[tuple] = [(s, p, o, graph) for s, p, o in document_triples(document, mint)]
    for claim in claims:
        quads += [(s, p, o, graph) for s, p, o in claim_triples(claim, mint)]
    corpus_graph = mint.corpus_graph(upload.corpus_name)
    for entity in entities:
        quads += [(s, p, o, corpus_graph) for s, p, o in entity_triples(entity, mint)]
    sparql = f"DROP SILENT GRAPH <{graph}> ;\nINSERT DATA {{\n{data_block(quads)}\n}}"
    report = guarded_update(
        store, sparql, mint=mint, vocabulary=vocabulary, locate=corpus_locator(corpus, mint)
    )
    report.claims = sorted(str(mint.claim(c)) for c in claims)
    return report


def add_claims_rdf(
    store: Store, triples: list[ox.Triple], *, mint: Minter, vocabulary: Vocabulary
) -> WriteReport:
    """Merge claims given as RDF into the graphs of the documents they derive from.

    Each claim node (``a cg:Claim``) must be an IRI and derive from one document
    ``<base>document/<id>``; every triple must be about a claim or one of its
    ``#`` nodes.

    :raises ValidationFailed: listing every claim that cannot be placed, or that breaks a shape.
    """
    derived = ox.NamedNode(str(PROV.wasDerivedFrom))
    claims = {t.subject for t in triples if t.predicate == _TYPE and t.object == _CLAIM}
    problems: list[Problem] = []
    graphs: dict[Any, URIRef] = {}
    prefix = f"{mint.base}document/"
    for claim in claims:
        if not isinstance(claim, ox.NamedNode):
            problems.append(Problem("a claim must be an IRI, not a blank node", claim=str(claim)))
            continue
        sources = {t.object for t in triples if t.subject == claim and t.predicate == derived}
        if len(sources) != 1:
            problems.append(
                Problem(
                    "a claim needs exactly one source document (prov:wasDerivedFrom a cg:SourceDocument)",
                    claim=claim.value,
                    path=str(PROV.wasDerivedFrom),
                )
            )
            continue
        [source] = sources
        if not isinstance(source, ox.NamedNode) or not source.value.startswith(prefix):
            problems.append(
                Problem(
                    f"the source document must be a document of this store ({prefix}<id>)", claim=claim.value
                )
            )
            continue
        graphs[claim] = mint.document_graph(source.value[len(prefix) :])
    if not claims:
        problems.append(Problem("the body holds no claim (nothing of type cg:Claim)"))
    quads: list[tuple] = []
    for t in triples:
        graph = graphs.get(_base(t.subject))
        if graph is None:
            if _base(t.subject) not in claims:
                problems.append(
                    Problem(
                        "this triple is not about a claim; send documents and entities with a sheet "
                        "or through the Graph Store",
                        focus=str(t.subject),
                    )
                )
            continue
        quads.append((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object), graph))
    if problems:
        raise ValidationFailed(problems)
    report = guarded_update(
        store, f"INSERT DATA {{\n{data_block(quads)}\n}}", mint=mint, vocabulary=vocabulary
    )
    report.claims = sorted(c.value for c in graphs)
    return report


def withdraw(store: Store, document_id: str, *, mint: Minter, vocabulary: Vocabulary) -> WriteReport:
    """Drop a document's graph (its claims) and update the consensus.

    :raises LookupError: when the store holds no graph for that document.
    """
    graph = mint.document_graph(document_id)
    if not graph_exists(store, graph):
        raise LookupError(document_id)
    return guarded_update(store, f"DROP GRAPH <{graph}>", mint=mint, vocabulary=vocabulary)

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
   which the store runs in one transaction: all or nothing.

The store mechanics (the copy, the diff, parsing uploads) are in
:mod:`claimgraph.store`; this module decides what a change may do.

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

import re
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

# BadRdf, UnsupportedFormat, UPLOAD_FORMATS and parse_upload are re-exported for the web edge.
from .errors import BadRdf as BadRdf
from .errors import (
    NotFound,
    Problem,
    QueryError,
    QueryRefused,
    SheetError,
    StoreError,
    ValidationFailed,
)
from .errors import UnsupportedFormat as UnsupportedFormat
from .loader import Locate, consensus_triples, corpus_locator, validate_consensus_change
from .mapping import Minter, claim_triples, document_triples, entity_triples
from .model import Corpus, Entity
from .namespaces import CG, PROV, RDF, SCHEMA, SH
from .sheets import parse_yaml, read_entities, read_sheet
from .store import (
    MEMORY_COPY_LIMIT,
    OxigraphStore,
    Quad,
    Store,
    Triple,
    absolute_iri,
    sparql_term,
    update_parses,
)
from .store import UPLOAD_FORMATS as UPLOAD_FORMATS
from .store import parse_upload as parse_upload
from .validation import Vocabulary, referenced_nodes, validate_batch


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
    try:
        clauses = [f"USING <{absolute_iri(g)}>" for g in using]
        clauses += [f"USING NAMED <{absolute_iri(g)}>" for g in using_named]
    except ValueError as exc:
        raise QueryError(f"using-graph-uri / using-named-graph-uri must be absolute IRIs: {exc}") from None
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


# ---------------------------------------------------------------- the guard


def _embedded(store: Store) -> OxigraphStore:
    if not isinstance(store, OxigraphStore):
        raise StoreError("guarded writes need the embedded store")
    return store


@contextmanager
def scratch_copy(store: Store) -> Iterator[OxigraphStore]:
    """A throw-away read-write copy of the store, for a dry run (see :meth:`OxigraphStore.scratch_copy`)."""
    with _embedded(store).scratch_copy(memory_limit=MEMORY_COPY_LIMIT) as copy:
        yield copy


def guarded_update(
    store: Store,
    sparql: str,
    *,
    mint: Minter,
    vocabulary: Vocabulary,
    base_iri: str | None = None,
    locate: Locate | None = None,
    timeout: float | None = None,
) -> WriteReport:
    """Run a SPARQL Update only if the store it leaves passes the shapes; keep the consensus.

    :param timeout: seconds the dry run may take (in a child process that is killed
        then); None runs it here, for updates built from bounded data.
    :raises QueryError: for a syntax error, a failing operation, ``LOAD`` or ``SERVICE``.
    :raises QueryTimeout: when the dry run passes ``timeout``; nothing is written.
    :raises ValidationFailed: when the result would break a shape; nothing is written.
    """
    refuse_remote(sparql)
    embedded = _embedded(store)
    with embedded.dry_run(sparql, base_iri=base_iri, memory_limit=MEMORY_COPY_LIMIT, timeout=timeout) as run:
        if not run.removed and not run.added:
            return WriteReport()
        report = WriteReport()
        changed = run.removed + run.added
        claims = _check(run.after, embedded, changed, mint, vocabulary, locate, report)
        drop, put = _consensus_change(run.after, mint, vocabulary, changed)
    final = sparql
    if drop or put:
        final = _append(sparql, _data_update(drop, put), base_iri)
    embedded.update(final, base_iri=base_iri)
    report.claims = sorted(str(c) if isinstance(c, URIRef) else sparql_term(c) for c in claims)
    report.added = len(run.added) + len(put)
    report.removed = len(run.removed) + len(drop)
    return report


def _append(sparql: str, extra: str, base_iri: str | None) -> str:
    # The client's text may end in ';' or in a prologue; whichever separator
    # parses (tried on an empty store, where it costs nothing) is used.
    for separator in ("\n;\n", "\n"):
        candidate = sparql + separator + extra
        if update_parses(candidate, base_iri=base_iri):
            return candidate
    raise QueryError("cannot append the consensus change to this update")


def _base(term: Node) -> Node:
    if isinstance(term, URIRef) and "#" in term:
        return URIRef(term.split("#", 1)[0])
    return term


def _is_claim(target: Store, node: Node) -> bool:
    return any(True for _ in target.quads(subject=node, predicate=RDF.type, object=CG.Claim))


def _check(
    after: Store,
    original: Store,
    changed: list[Quad],
    mint: Minter,
    vocabulary: Vocabulary,
    locate: Locate | None,
    report: WriteReport,
) -> set[Node]:
    """Validate what a change touches, as it will be after the change."""
    subjects = {q[0] for q in changed} | {_base(q[0]) for q in changed}
    claims = {s for s in subjects if _is_claim(after, s)}
    report.removed_claims = sorted(
        str(s) if isinstance(s, URIRef) else sparql_term(s)
        for s in subjects
        if s not in claims and _is_claim(original, s)
    )
    # Claims that point at a changed node (their document, agent, step…), two hops up.
    frontier = {s for s in subjects if s not in claims}
    for _ in range(2):
        referrers = set()
        for node in frontier:
            if isinstance(node, Literal):
                continue
            for q in after.quads(object=node):
                holder = _base(q[0])
                if _is_claim(after, holder):
                    claims.add(holder)
                else:
                    referrers.add(q[0])
        frontier = referrers
    # Sorted, so that the problems come in the same order every time.
    ordered = sorted(claims, key=sparql_term)
    problems = [
        Problem("a claim must be an IRI, not a blank node", claim=sparql_term(c))
        for c in ordered
        if isinstance(c, BNode)
    ]
    for c in ordered:
        for q in after.quads(subject=c, predicate=RDF.object):
            if isinstance(q[2], BNode):
                problems.append(
                    Problem("a claim's object must not be a blank node", claim=str(c), path=str(RDF.object))
                )
    if problems:
        raise ValidationFailed(problems)
    described = set(claims) | {s for s in subjects if any(True for _ in after.quads(subject=s))}
    data = Graph()
    _describe(after, described, data)
    for _ in range(2):  # the documents and agents the data points at, and their creators
        wanted = set(referenced_nodes(data)) - described
        described |= wanted
        _describe(after, wanted, data, closure=False)
    targets = set(vocabulary.shapes.objects(None, SH.targetClass))
    if any(o in targets for o in data.objects(None, RDF.type)):
        validate_batch(data, vocabulary, locate=locate)
    return claims


def _describe(source: Store, nodes: Iterable[Node], into: Graph, *, closure: bool = True) -> None:
    """Every triple (in any graph) about ``nodes``; with ``closure``, also about their ``#`` nodes."""
    todo = list(nodes)
    seen = set(todo)
    while todo:
        node = todo.pop()
        if isinstance(node, Literal):
            continue
        for s, p, o, _graph in source.quads(subject=node):
            into.add((s, p, o))
            if (
                closure
                and isinstance(o, URIRef)
                and isinstance(node, URIRef)
                and str(o).startswith(f"{_base(node)}#")
                and o not in seen
            ):
                seen.add(o)
                todo.append(o)


def _consensus_change(
    after: Store, mint: Minter, vocabulary: Vocabulary, changed: list[Quad]
) -> tuple[set[tuple], set[tuple]]:
    """The consensus quads to drop and to add so that the copy's consensus matches its claims."""
    graph = mint.consensus_graph
    answer = after.query(
        f"SELECT ?c ?s ?p ?o WHERE {{ GRAPH ?g {{ ?c a <{CG.Claim}> ; <{RDF.subject}> ?s ;"
        f" <{RDF.predicate}> ?p ; <{RDF.object}> ?o }} }}",
        union_default_graph=False,
    )
    rows = [tuple(row[v] for v in ("c", "s", "p", "o")) for row in answer.rows]
    wanted = {(s, p, o, graph) for s, p, o in consensus_triples(rows, mint)}
    current = {(s, p, o, graph) for s, p, o, _graph in after.quads(graph)}
    drop, put = current - wanted, wanted - current
    touched = any(q[3] == graph for q in changed)
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
        s, p, o = (sparql_term(t) for t in q[:3])
        graph = q[3] if len(q) > 3 else None
        by_graph.setdefault(graph, []).append(f"{s} {p} {o} .")
    lines = []
    for graph, triples in by_graph.items():
        body = "\n".join(triples)
        lines.append(body if graph is None else f"GRAPH {sparql_term(graph)} {{ {body} }}")
    return "\n".join(lines)


def _triples_block(triples: Iterable[Triple]) -> str:
    return "\n".join(f"{sparql_term(s)} {sparql_term(p)} {sparql_term(o)} ." for s, p, o in triples)


# ---------------------------------------------------------------- Graph Store operations


def graph_exists(store: Store, graph: URIRef | None) -> bool:
    """Whether a named graph exists (the default graph always does)."""
    return graph is None or store.has_graph(graph)


def _target(graph: URIRef | None) -> str:
    return "DEFAULT" if graph is None else f"GRAPH <{graph}>"


def _insert(graph: URIRef | None, triples: list[Triple]) -> str:
    if graph is None:
        return f"INSERT DATA {{\n{_triples_block(triples)}\n}}"
    return f"INSERT DATA {{ GRAPH <{graph}> {{\n{_triples_block(triples)}\n}} }}"


def put_graph(
    store: Store, graph: URIRef | None, triples: list[Triple], *, mint: Minter, vocabulary: Vocabulary
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
    store: Store, graph: URIRef | None, triples: list[Triple], *, mint: Minter, vocabulary: Vocabulary
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

    :raises NotFound: when the named graph does not exist.
    """
    if not graph_exists(store, graph):
        raise NotFound(f"no graph <{graph}> in the store")
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
    store: Store, triples: list[Triple], *, mint: Minter, vocabulary: Vocabulary
) -> WriteReport:
    """Merge claims given as RDF into the graphs of the documents they derive from.

    Each claim node (``a cg:Claim``) must be an IRI and derive from one document
    ``<base>document/<id>``; every triple must be about a claim or one of its
    ``#`` nodes.

    :raises ValidationFailed: listing every claim that cannot be placed, or that breaks a shape.
    """
    claims = {s for s, p, o in triples if p == RDF.type and o == CG.Claim}
    problems: list[Problem] = []
    graphs: dict[Node, URIRef] = {}
    prefix = f"{mint.base}document/"
    # Sorted, so that the problems come in the same order every time.
    for claim in sorted(claims, key=sparql_term):
        if not isinstance(claim, URIRef):
            problems.append(Problem("a claim must be an IRI, not a blank node", claim=sparql_term(claim)))
            continue
        sources = {o for s, p, o in triples if s == claim and p == PROV.wasDerivedFrom}
        if len(sources) != 1:
            problems.append(
                Problem(
                    "a claim needs exactly one source document (prov:wasDerivedFrom a cg:SourceDocument)",
                    claim=str(claim),
                    path=str(PROV.wasDerivedFrom),
                )
            )
            continue
        [source] = sources
        if not isinstance(source, URIRef) or not source.startswith(prefix):
            problems.append(
                Problem(
                    f"the source document must be a document of this store ({prefix}<id>)", claim=str(claim)
                )
            )
            continue
        graphs[claim] = mint.document_graph(str(source)[len(prefix) :])
    if not claims:
        problems.append(Problem("the body holds no claim (nothing of type cg:Claim)"))
    quads: list[tuple] = []
    for s, p, o in triples:
        graph = graphs.get(_base(s))
        if graph is None:
            if _base(s) not in claims:
                problems.append(
                    Problem(
                        "this triple is not about a claim; send documents and entities with a sheet "
                        "or through the Graph Store",
                        focus=sparql_term(s),
                    )
                )
            continue
        quads.append((s, p, o, graph))
    if problems:
        raise ValidationFailed(problems)
    report = guarded_update(
        store, f"INSERT DATA {{\n{data_block(quads)}\n}}", mint=mint, vocabulary=vocabulary
    )
    report.claims = sorted(str(c) for c in graphs)
    return report


def withdraw(store: Store, document_id: str, *, mint: Minter, vocabulary: Vocabulary) -> WriteReport:
    """Drop a document's graph (its claims) and update the consensus.

    :raises NotFound: when the store holds no graph for that document.
    """
    graph = mint.document_graph(document_id)
    if not graph_exists(store, graph):
        raise NotFound(f"no document {document_id!r} in the store")
    return guarded_update(store, f"DROP GRAPH <{graph}>", mint=mint, vocabulary=vocabulary)

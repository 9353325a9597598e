"""Corpora, claim sheets and claim uploads, turned into changes for the one write path.

A corpus folder becomes one :class:`~claimgraph.changes.Change`: it replaces the
graph of each of its documents, merges its entities and agents into the one
registry graph (each described once, whichever corpus declared it), and records
in its own corpus graph what it declared and which documents it owns. Nothing
is written here: :func:`claimgraph.changes.commit` checks and writes the change.

Nothing is silently replaced: a document belongs to the corpus that loaded it,
and declaring an entity again with another label or type is refused, naming
both places.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.term import Node

from .changes import SHAPES, Change, FreshGraph, Locate, Stream, _base
from .errors import NotFound, Problem, SheetError, ValidationFailed
from .mapping import (
    Minter,
    NTriplesTerms,
    Triple,
    claim_triples,
    corpus_triples,
    count_kind_iri,
    document_triples,
    entity_triples,
    literal,
)
from .model import Claim, Corpus, Document, Entity, EntityRef
from .namespaces import CG, PROV, RDF, RDFS, SCHEMA
from .queries import CORPUS_QUERIES, NamedQuery, read_corpus_queries
from .rdf.terms import Quad, sparql_term
from .sheets import (
    CORPUS_FILE,
    bad_id,
    open_corpus,
    parse_yaml,
    read_corpus,
    read_documents,
    read_entities,
    read_sheet,
)
from .store import Store
from .termcheck import Terms


def corpus_locator(corpus: Corpus, mint: Minter) -> Locate:
    """Map IRIs minted from a corpus back to the sheet and line they came from."""
    places: dict[str, tuple[str | None, int | None, str | None]] = {}
    for claim in corpus.claims:
        places[str(mint.claim(claim))] = (claim.sheet, claim.line, claim.digest())
    for document in corpus.documents:
        places[str(mint.document(document.id))] = (document.sheet, 1, None)
    for entity in corpus.entities:
        places[str(mint.entity(entity.id))] = (CORPUS_FILE, entity.line, None)
    places[str(mint.corpus(corpus.name))] = (CORPUS_FILE, 1, None)
    queries = f"{mint.corpus(corpus.name)}/query/"  # its named queries (see queries_change)

    def locate(iri: str) -> tuple[str | None, int | None, str | None]:
        if iri.startswith(queries):
            return f"{CORPUS_QUERIES}/{iri[len(queries) :]}.rq", 1, None
        return places.get(iri.split("#", 1)[0], (None, None, None))

    return locate


def known_entities(store: Store, mint: Minter) -> tuple[set[str], set[str]]:
    """The ids of the entities and agents in the registry, and of those that are agents."""
    prefix = mint.under("entity")
    known, agents = set(), set()
    for s, _p, o, _g in store.quads(mint.registry_graph, predicate=RDF.type):
        if str(s).startswith(prefix):
            ident = str(s)[len(prefix) :]
            known.add(ident)
            if o == PROV.Agent:
                agents.add(ident)
    return known, agents


class RegistryIds:
    """Whether an id is an entity (with ``agents``: an agent) in the store's registry, looked
    up one id at a time and remembered: a sheet names a few of the registry's many entities,
    so that reading them all (:func:`known_entities`) would make a small write cost what the
    store holds.

    :param also: ids that count as known besides the registry's (a sheet's own corpus entities).
    """

    def __init__(self, store: Store, mint: Minter, *, agents: bool = False, also: Iterable[str] = ()) -> None:
        self._store, self._mint, self._agents = store, mint, agents
        self._also = set(also)
        self._seen: dict[str, bool] = {}

    def __contains__(self, ident: object) -> bool:
        if not isinstance(ident, str):
            return False
        if ident in self._also:
            return True
        if ident not in self._seen:
            entity = self._mint.entity(ident)
            types = {
                q[2] for q in self._store.quads(self._mint.registry_graph, subject=entity, predicate=RDF.type)
            }
            self._seen[ident] = PROV.Agent in types if self._agents else bool(types)
        return self._seen[ident]


def read_corpus_for(store: Store, folder: Path, mint: Minter, problems: list[Problem]) -> Corpus:
    """Read a corpus folder whose sheets may use every entity and agent in the store."""
    known, agents = known_entities(store, mint)
    return read_corpus(folder, known_ids=known, agent_ids=agents, problems=problems)


def corpus_change(
    store: Store,
    corpus: Corpus,
    mint: Minter,
    *,
    replace: bool = False,
    problems: Iterable[Problem] = (),
) -> Change:
    """The change a corpus read whole makes (see :func:`documents_change`).

    :param replace: let it take over documents that another corpus owns.
    :param problems: problems already found in its sheets, reported with the change's.
    """
    claims: dict[str, list[Claim]] = defaultdict(list)
    for claim in corpus.claims:
        claims[claim.document].append(claim)
    return documents_change(
        store,
        corpus.name,
        corpus.entities,
        ((document, claims[document.id]) for document in corpus.documents),
        mint,
        total=len(corpus.documents),
        replace=replace,
        problems=list(problems),
    )


def folder_change(
    store: Store,
    folder: Path,
    mint: Minter,
    *,
    replace: bool = False,
    terms: Terms | None = None,
    builtin_queries: Collection[str] = (),
) -> Change:
    """The change a corpus folder makes, its sheets read one at a time while it is checked,
    with the named queries of its ``queries/`` folder (see :func:`queries_change`).

    :param terms: the terms its types and predicates are checked against (with the ``cg:`` ones in use).
    :param builtin_queries: the names of the built-in named queries, which its own may not take.
    :raises CorpusNotFound: when the folder has no ``corpus.yaml``.
    """
    problems: list[Problem] = []
    known, agents = known_entities(store, mint)
    corpus = open_corpus(folder, known_ids=known, agent_ids=agents, problems=problems, terms=terms)
    queries = read_corpus_queries(folder, corpus.name, problems)
    documents = read_documents(corpus, problems=problems)
    change = documents_change(
        store,
        corpus.name,
        corpus.entities,
        documents,
        mint,
        total=len(corpus.sheets),
        replace=replace,
        problems=problems,
    )
    queries_change(change, store, mint, corpus.name, queries, builtin=builtin_queries)
    return change


def queries_change(
    change: Change,
    store: Store,
    mint: Minter,
    name: str,
    queries: list[NamedQuery],
    *,
    builtin: Collection[str] = (),
) -> None:
    """Put a corpus's named queries in its corpus graph (in place of those it brought before).

    A query may not take the name of a built-in one, nor of another corpus's: either is a
    problem of the change, naming both.
    """
    graph, node = mint.corpus_graph(name), mint.corpus(name)
    new: list[Quad] = []
    for query in queries:
        where = f"{CORPUS_QUERIES}/{query.name}.rq"
        if query.name in builtin:
            change.problems.append(
                Problem(
                    f"a built-in named query is called {query.name!r}: a corpus's query cannot replace "
                    "it; rename the file",
                    sheet=where,
                    line=1,
                )
            )
            continue
        others = sorted(
            _name(owner)
            for _q, _p, _o, other in store.quads(predicate=CG.queryName, object=Literal(query.name))
            if other != graph
            for owner, _p2, _o2, _g in store.quads(other, predicate=CG.namedQuery)
        )
        if others:
            change.problems.append(
                Problem(
                    f"corpus {others[0]!r} has a named query called {query.name!r} already; rename the file",
                    sheet=where,
                    line=1,
                )
            )
            continue
        iri = URIRef(f"{node}/query/{query.name}")  # corpus_locator finds its file again
        new += [
            (node, CG.namedQuery, iri, graph),
            (iri, RDF.type, CG.NamedQuery, graph),
            (iri, CG.queryName, Literal(query.name), graph),
            (iri, CG.queryText, Literal(query.text), graph),
        ]
    old = [
        quad
        for _s, _p, iri, _g in store.quads(graph, subject=node, predicate=CG.namedQuery)
        for quad in [(node, CG.namedQuery, iri, graph), *store.quads(graph, subject=iri)]
    ]
    keep = set(new)
    change.remove += [q for q in old if q not in keep]
    change.add += new


def documents_change(
    store: Store,
    name: str,
    entities: tuple[Entity, ...],
    documents: Iterable[tuple[Document, list[Claim]]],
    mint: Minter,
    *,
    total: int,
    replace: bool = False,
    problems: list[Problem],
) -> Change:
    """The change a corpus makes: its document graphs replaced, its entities merged
    into the registry, its record added to its corpus graph.

    A document whose graph is new is streamed (:class:`~claimgraph.changes.FreshGraph`):
    read, checked and spooled one at a time, so that a large corpus is never held
    whole. A document that replaces a stored one goes through the change whole.

    :param documents: each document with its claims, read lazily (sheet problems go to ``problems``).
    :param total: how many documents to expect (for progress).
    :param replace: let it take over documents that another corpus owns.
    :param problems: problems found in its sheets, reported with the change's; the
        change's own list, so that problems found while the documents are read join it.
    """
    corpus = Corpus(name=name, entities=entities, documents=(), claims=())
    change = Change(locate=corpus_locator(corpus, mint), problems=problems)
    registry = [t for e in entities for t in entity_triples(e, mint)]
    change.add += registry_merge(store, corpus, mint, registry, change.problems)
    read: list[Document] = []
    stored: list[tuple[Document, list[Claim]]] = []
    terms = _TermCache(mint)

    def fresh() -> Iterator[FreshGraph]:
        for document, claims in documents:
            if not document.id:
                continue
            read.append(dataclasses.replace(document, text=""))
            assert change.fresh is not None
            change.fresh.claims_read += len(claims)
            if store.has_graph(mint.document_graph(document.id)):
                stored.append((document, claims))
                continue
            yield fresh_graph(document, claims, mint, terms)

    def complete() -> Change:
        """What the corpus adds once its documents are read (joined to the change by the write path)."""
        rest = Change()
        whole = Corpus(
            name=name,
            entities=entities,
            documents=tuple(read),
            claims=tuple(c for _d, claims in stored for c in claims),
        )
        corpus_graph = mint.corpus_graph(name)
        rest.add += [(s, p, o, corpus_graph) for s, p, o in corpus_triples(whole, mint)]
        owners = document_owners(store, [mint.document(d.id) for d in read])
        mine = mint.corpus(name)
        for document in read:
            node = mint.document(document.id)
            for owner, graph in sorted(owners.get(node, ())):
                if owner == mine:
                    continue
                if not replace:
                    rest.problems.append(
                        Problem(
                            f"document {document.id!r} belongs to corpus {_name(owner)!r} (its graph "
                            f"<{graph}>); corpus {name!r} would replace it. Load with --replace "
                            "to take it over, or give the document another id",
                            sheet=document.sheet,
                            line=1,
                            shape=SHAPES + "DocumentOwnerRule",
                        )
                    )
                else:
                    rest.remove.append((owner, CG.holdsDocument, node, graph))
        for document, claims in stored:
            graph = mint.document_graph(document.id)
            rest.replace[graph] = [
                *document_triples(document, mint),
                *(t for claim in claims for t in claim_triples(claim, mint)),
            ]
        if stored:
            places = corpus_locator(
                Corpus(
                    name=name, entities=entities, documents=tuple(d for d, _c in stored), claims=whole.claims
                ),
                mint,
            )
            first = change.locate

            def locate(iri: str) -> tuple[str | None, int | None, str | None]:
                found = places(iri)
                return found if found != (None, None, None) or first is None else first(iri)

            rest.locate = locate
        return rest

    change.fresh = Stream(fresh(), total=total, complete=complete)
    return change


class _TermCache:
    """The rdflib terms of claim rows (for the consensus), each built once: a load names
    the same few entities, properties, values and count kinds over and over."""

    def __init__(self, mint: Minter) -> None:
        self.mint = mint
        self.nt = NTriplesTerms()
        self.entities: dict[str, URIRef] = {}
        self.iris: dict[str, URIRef] = {}
        self.literals: dict[tuple[type, object], Literal] = {}

    def entity(self, ident: str) -> URIRef:
        found = self.entities.get(ident)
        if found is None:
            found = self.entities[ident] = self.mint.entity(ident)
        return found

    def iri(self, value: str) -> URIRef:
        found = self.iris.get(value)
        if found is None:
            found = self.iris[value] = URIRef(value)
        return found

    def literal(self, value: object) -> Literal:
        key = (type(value), value)
        found = self.literals.get(key)
        if found is None:
            found = self.literals[key] = literal(value)  # type: ignore[arg-type]
        return found


def fresh_graph(
    document: Document, claims: list[Claim], mint: Minter, terms: _TermCache | None = None
) -> FreshGraph:
    """A document's graph as N-Triples terms, with its claim rows and where each claim came from."""
    terms = terms or _TermCache(mint)
    nt = terms.nt
    triples = list(document_triples(document, mint, nt))
    rows = []
    document_node = mint.document(document.id)
    places: dict[str, tuple[str | None, int | None, str | None]] = {
        str(document_node): (document.sheet, 1, None)
    }
    for claim in claims:
        node = mint.claim(claim)
        triples += claim_triples(claim, mint, nt, node=node)
        value = claim.value
        obj = terms.entity(value.id) if isinstance(value, EntityRef) else terms.literal(value)
        kind = next((terms.iri(count_kind_iri(v)) for k, v in claim.qualifiers if k == "count_kind"), None)
        rows.append(
            (
                node,
                terms.entity(claim.subject),
                terms.iri(claim.predicate),
                obj,
                kind,
                terms.entity(claim.claimant),
                document_node,
                frozenset(
                    {terms.entity(step.agent) for step in claim.chain}
                    | {terms.entity(str(v)) for k, v in claim.qualifiers if k == "basis"}
                ),
            )
        )
        places[str(node)] = (claim.sheet, claim.line, str(node).rsplit("/", 1)[1])
    return FreshGraph(mint.document_graph(document.id), triples, rows, places)


def _name(corpus: Node) -> str:
    return str(corpus).rstrip("/").rsplit("/", 1)[-1]


def document_owners(store: Store, documents: list[URIRef]) -> dict[Node, set[tuple[Node, Node]]]:
    """For each document, the corpora that hold it (corpus node, corpus graph)."""
    owners: dict[Node, set[tuple[Node, Node]]] = defaultdict(set)
    for document in documents:
        for corpus, _p, _o, graph in store.quads(predicate=CG.holdsDocument, object=document):
            owners[document].add((corpus, graph))
    return owners


def registry_merge(
    store: Store, corpus: Corpus, mint: Minter, triples: list[Triple], problems: list[Problem]
) -> list[Quad]:
    """The registry quads a corpus adds; a declaration that contradicts the registry is a problem.

    An entity already in the registry must be declared with the same label and types;
    a declaration that only adds alternative labels (or identifiers, a description) is merged.
    """
    registry = mint.registry_graph
    by_entity: dict[Node, list[Triple]] = defaultdict(list)
    for t in triples:
        by_entity[t[0]].append(t)
    lines = {mint.entity(e.id): e for e in corpus.entities}
    add: list[Quad] = []
    for node, new in by_entity.items():
        stored = [(s, p, o) for s, p, o, _g in store.quads(registry, subject=node, exact=True)]
        if stored:
            old_label = {o for _s, p, o in stored if p == RDFS.label}
            new_label = {o for _s, p, o in new if p == RDFS.label}
            old_types = {o for _s, p, o in stored if p == RDF.type}
            new_types = {o for _s, p, o in new if p == RDF.type}
            if old_label != new_label or old_types != new_types:
                entity: Entity = lines[node]
                declared = sorted(_name(c) for c, *_ in store.quads(predicate=CG.declares, object=node))
                where = f"corpus {', '.join(map(repr, declared))}" if declared else f"<{registry}>"
                problems.append(
                    Problem(
                        f"{entity.id!r} is declared here as {_describe(new_label, new_types)}, but the "
                        f"store has it from {where} as {_describe(old_label, old_types)}; use the same "
                        "label and type (alt_labels may add spellings) or another id",
                        sheet=CORPUS_FILE if corpus.name else None,
                        line=entity.line,
                        shape=SHAPES + "RegistryRule",
                    )
                )
                continue
        add += [(s, p, o, registry) for s, p, o in new if (s, p, o) not in set(stored)]
    return add


def _describe(labels: set[Node], types: set[Node]) -> str:
    label = " / ".join(repr(str(x)) for x in sorted(labels)) or "no label"
    kinds = ", ".join(sparql_term(t) for t in sorted(types))
    return f"{label} ({kinds})"


def withdraw_change(store: Store, document_id: str, mint: Minter) -> Change:
    """Withdraw a document: its graph, its place in its corpus, and the entities and
    agents nothing else refers to any more.

    :raises NotFound: when the store holds no graph for that document.
    """
    if bad_id(document_id):  # never minted into an IRI: no document has it
        raise NotFound(f"no document {document_id!r} in the store (a document id is a lower-case slug)")
    graph = mint.document_graph(document_id)
    if not store.has_graph(graph):
        raise NotFound(f"no document {document_id!r} in the store")
    node = mint.document(document_id)
    change = Change(drop={graph})
    holders = [
        (c, CG.holdsDocument, node, g) for c, p, _o, g in store.quads(object=node) if p == CG.holdsDocument
    ]
    change.remove += holders
    for corpus, _p, _o, corpus_graph in holders:
        # A corpus record goes with its last document (the write path keeps it, withdrawn).
        if all(
            o == node
            for _s, _p2, o, _g in store.quads(corpus_graph, subject=corpus, predicate=CG.holdsDocument)
        ):
            change.drop.add(corpus_graph)
    prefix = mint.under("entity")
    candidates = {
        o for _s, _p, o, _g in store.quads(graph) if isinstance(o, URIRef) and str(o).startswith(prefix)
    }
    for entity in sorted(candidates):
        if not _referred_elsewhere(store, entity, graph, mint):
            change.remove += list(store.quads(mint.registry_graph, subject=entity, exact=True))
            change.remove += [q for q in store.quads(object=entity, exact=True) if q[1] == CG.declares]
    return change


def _referred_elsewhere(store: Store, entity: URIRef, withdrawn: URIRef, mint: Minter) -> bool:
    """Whether a claim, document or entity outside ``withdrawn`` refers to ``entity``."""
    ignored = {withdrawn, mint.consensus_graph, mint.registry_graph}
    corpora = mint.under("graph/corpus")
    for _s, _p, _o, g in store.quads(object=entity):
        if g in ignored or (g is not None and str(g).startswith(corpora)):
            continue
        return True
    for _s, _p, _o, g in store.quads(subject=entity):
        if g not in ignored and not (g is not None and str(g).startswith(corpora)):
            return True
    return False


# ---------------------------------------------------------------- the claims API


@dataclass(frozen=True)
class SheetUpload:
    """A claim sheet sent to the server, with what it may need beside it."""

    sheet: str
    name: str = "sheet.yaml"
    document: bytes | None = None
    corpus: str | None = None
    corpus_name: str | None = None


def _stored_document(store: Store, mint: Minter, ident: str) -> tuple[str, str] | None:
    node = mint.document(ident)
    files = [o for *_x, o, _g in store.quads(subject=node, predicate=CG.fileName)]
    texts = [o for *_x, o, _g in store.quads(subject=node, predicate=SCHEMA.text)]
    if not files or not texts:
        return None
    return str(files[0]), str(texts[0])


def sheet_change(
    store: Store, upload: SheetUpload, mint: Minter, *, terms: Terms | None = None
) -> tuple[Change, list[URIRef]]:
    """The change a claim sheet sent to the server makes, as a one-document corpus, and the
    IRIs of every claim of the sheet (new or kept).

    Its document is the one in the store (its text and file name must match the sheet)
    unless the upload carries the document's bytes. The corpus is the document's owner
    unless the upload names one (``corpus_name``, default ``web``).

    :raises SheetError: for every problem in the sheet, with sheet and line.
    """
    head = parse_yaml(upload.sheet, sheet=upload.name)
    document_node = head.get("document") if isinstance(head, dict) else None
    ident = document_node.get("id") if isinstance(document_node, dict) else None
    ident = ident if not bad_id(ident) else ""  # read_sheet says what is wrong with it
    entities: list[Entity] = []
    if upload.corpus is not None:
        entities = read_entities(upload.corpus, sheet=CORPUS_FILE, terms=terms)
    known = RegistryIds(store, mint, also={e.id for e in entities})
    agents = RegistryIds(store, mint, agents=True, also={e.id for e in entities if e.is_agent})
    data = upload.document
    if data is None and ident:
        stored = _stored_document(store, mint, ident)
        line = getattr(document_node, "line", None)
        if stored is None:
            raise SheetError(
                [
                    Problem(
                        f"document {ident!r} is not in the store; send its file with the sheet "
                        "(multipart/form-data fields sheet, document and optionally corpus)",
                        sheet=upload.name,
                        line=line,
                    )
                ]
            )
        file_name, text = stored
        if document_node.get("file") != file_name:
            raise SheetError(
                [
                    Problem(
                        f"document: file {document_node.get('file')!r} does not match the stored "
                        f"document's file name {file_name!r}",
                        sheet=upload.name,
                        line=line,
                    )
                ]
            )
        data = text.encode("utf-8")
    problems: list[Problem] = []
    document, claims = read_sheet(
        upload.sheet,
        sheet=upload.name,
        document_bytes=data,
        known_ids=known,
        agent_ids=agents,
        problems=problems,
        terms=terms,
    )
    name = upload.corpus_name
    if name is None:
        owners = document_owners(store, [mint.document(document.id)]).get(mint.document(document.id), set())
        name = _name(sorted(owners)[0][0]) if owners else "web"
    corpus = Corpus(name=name, entities=tuple(entities), documents=(document,), claims=tuple(claims))
    return corpus_change(store, corpus, mint, problems=problems), [mint.claim(c) for c in claims]


def rdf_claims_change(store: Store, triples: list[Triple], mint: Minter) -> Change:
    """Claims given as RDF, merged into the graphs of the documents they derive from.

    Each claim node (``a cg:Claim``) must be an IRI and derive from one document
    ``<base>document/<id>``; every triple must be about a claim or one of its ``#`` nodes.

    :raises ValidationFailed: listing every claim that cannot be placed.
    """
    claims = {s for s, p, o in triples if p == RDF.type and o == CG.Claim}
    problems: list[Problem] = []
    graphs: dict[Node, URIRef] = {}
    prefix = mint.under("document")
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
    quads: list[Quad] = []
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
    return Change(add=quads)


def entity_quads(entities: Iterable[Entity], mint: Minter) -> list[Quad]:
    """The registry quads of some entities (for tests and tools that build a registry by hand)."""
    return [(s, p, o, mint.registry_graph) for e in entities for s, p, o in entity_triples(e, mint)]


__all__ = [
    "RegistryIds",
    "SheetUpload",
    "corpus_change",
    "corpus_locator",
    "documents_change",
    "folder_change",
    "known_entities",
    "rdf_claims_change",
    "read_corpus_for",
    "sheet_change",
    "withdraw_change",
]

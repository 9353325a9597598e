"""Claim sheets and claims given as RDF (``POST /claims``) as changes."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import URIRef
from rdflib.term import Node

from ..changes import Change, _base
from ..errors import Problem, SheetError, ValidationFailed
from ..mapping import Minter, Triple
from ..model import Corpus, Entity
from ..namespaces import CG, PROV, RDF, SCHEMA
from ..rdf.terms import Quad, sparql_term
from ..sheets import CORPUS_FILE, bad_id, parse_yaml, read_entities, read_sheet
from ..store import Store
from ..termcheck import Terms
from .folders import RegistryIds, corpus_change
from .registry import corpus_id, document_owners


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
        name = corpus_id(sorted(owners)[0][0]) if owners else "web"
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

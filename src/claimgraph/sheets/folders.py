"""Reading a corpus folder: its ``corpus.yaml``, then each claim sheet with its document."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import CorpusNotFound, Problem, SheetError
from ..model import Claim, Corpus, Document, Entity
from ..termcheck import Terms
from .claims import read_sheet
from .entities import read_entities
from .yamltext import parse_yaml, read_text

CORPUS_FILE = "corpus.yaml"


def sheet_for(document_path: Path) -> Path:
    """The sheet that belongs to a document: same name, ``.yaml`` extension."""
    return document_path.with_suffix(".yaml")


@dataclass(frozen=True)
class CorpusFolder:
    """A corpus folder whose ``corpus.yaml`` has been read: its sheets are read one by one."""

    folder: Path
    name: str
    entities: tuple[Entity, ...]
    sheets: tuple[Path, ...]
    known: frozenset[str]
    agents: frozenset[str]
    terms: Terms | None = None


def open_corpus(
    folder: Path,
    *,
    known_ids: Iterable[str] = (),
    agent_ids: Iterable[str] = (),
    problems: list[Problem],
    terms: Terms | None = None,
) -> CorpusFolder:
    """Read a corpus folder's ``corpus.yaml`` and find its claim sheets (read by :func:`read_documents`).

    :param known_ids: ids of entities and agents the store holds already, which
        sheets may use beside those of ``corpus.yaml``.
    :param agent_ids: those of them that are agents.
    :param problems: every problem found is added to it.
    :param terms: the terms types and predicates are checked against (see :mod:`claimgraph.termcheck`).
    :raises CorpusNotFound: when ``folder`` has no ``corpus.yaml`` (not a corpus at all).
    """
    folder = Path(folder)
    entities_path = folder / CORPUS_FILE
    if not entities_path.is_file():
        raise CorpusNotFound(f"{folder}: no {CORPUS_FILE} here, so this is not a corpus folder")
    try:
        entities = read_entities(
            read_text(entities_path, sheet=_rel(entities_path)), sheet=_rel(entities_path), terms=terms
        )
    except SheetError as exc:
        problems += exc.problems
        entities = []
    named = {e.id for e in entities} | set(known_ids)
    for entity in entities:
        for event in entity.party_to:
            if event not in named:
                problems.append(
                    Problem(
                        f"{entity.id}: party_to {event!r} is not an entity in the store or declared in corpus.yaml",
                        sheet=_rel(entities_path),
                        line=entity.line,
                    )
                )
    sheets = sorted(p for p in folder.glob("*.yaml") if p.name != CORPUS_FILE)
    if not sheets:
        problems.append(Problem(f"no claim sheets (*.yaml) in {folder}", sheet=str(folder)))
    return CorpusFolder(
        folder=folder,
        name=folder.resolve().name,
        entities=tuple(entities),
        sheets=tuple(sheets),
        known=frozenset({e.id for e in entities} | set(known_ids)),
        agents=frozenset({e.id for e in entities if e.is_agent} | set(agent_ids)),
        terms=terms,
    )


def read_documents(
    corpus: CorpusFolder, *, problems: list[Problem]
) -> Iterator[tuple[Document, list[Claim]]]:
    """Each claim sheet of a corpus, read against its document, one at a time (so that a
    large corpus is never held whole); every problem is added to ``problems``."""
    seen: dict[str, str] = {}
    for path in corpus.sheets:
        name = _rel(path)
        try:
            text = read_text(path, sheet=name)
            head = parse_yaml(text, sheet=name)
        except SheetError as exc:
            problems += exc.problems
            continue
        document_node = head.get("document") if isinstance(head, dict) else None
        file_name = document_node.get("file") if isinstance(document_node, dict) else None
        doc_path = corpus.folder / file_name if isinstance(file_name, str) and file_name else None
        data = None
        if doc_path and doc_path.is_file():
            try:
                data = doc_path.read_bytes()
            except OSError as exc:
                problems.append(Problem(f"document file {file_name!r}: {exc.strerror or exc}", sheet=name))
                continue
        try:
            document, read = read_sheet(
                text,
                sheet=name,
                document_bytes=data,
                known_ids=corpus.known,
                agent_ids=corpus.agents,
                problems=problems,
                parsed=head,
                terms=corpus.terms,
            )
        except SheetError as exc:
            problems += exc.problems
            continue
        if document.id in seen:
            problems.append(
                Problem(f"document id {document.id!r} also used by {seen[document.id]}", sheet=document.sheet)
            )
        seen[document.id] = document.sheet or ""
        yield document, read


def read_corpus(
    folder: Path,
    *,
    known_ids: Iterable[str] = (),
    agent_ids: Iterable[str] = (),
    problems: list[Problem] | None = None,
    terms: Terms | None = None,
) -> Corpus:
    """Read ``corpus.yaml`` and every claim sheet in ``folder``.

    :param known_ids: ids of entities and agents the store holds already, which
        sheets may use beside those of ``corpus.yaml``.
    :param agent_ids: those of them that are agents.
    :param problems: when given, every problem is added to it and what could be read
        is returned, so that the rest can be validated too; otherwise they are raised.
    :param terms: the terms types and predicates are checked against (see :mod:`claimgraph.termcheck`).
    :raises CorpusNotFound: when ``folder`` has no ``corpus.yaml`` (not a corpus at all).
    :raises SheetError: listing every problem in every sheet.
    """
    found: list[Problem] = []
    corpus = open_corpus(folder, known_ids=known_ids, agent_ids=agent_ids, problems=found, terms=terms)
    documents: list[Document] = []
    claims: list[Claim] = []
    for document, read in read_documents(corpus, problems=found):
        documents.append(document)
        claims += read
    if problems is not None:
        problems += found
    elif found:
        raise SheetError(found)
    return Corpus(
        name=corpus.name,
        entities=corpus.entities,
        documents=tuple(d for d in documents if d.id),
        claims=tuple(claims),
    )


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)

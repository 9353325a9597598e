"""A corpus folder as a change: its documents, its registry, its named queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from pathlib import Path

from rdflib import Literal, URIRef

from ..changes import Change
from ..errors import Problem
from ..mapping import Minter
from ..model import Claim, Corpus
from ..namespaces import CG, PROV, RDF
from ..queries import CORPUS_QUERIES, NamedQuery, read_corpus_queries
from ..rdf.terms import Quad
from ..sheets import open_corpus, read_corpus, read_documents
from ..store import Store
from ..termcheck import Terms
from .documents import documents_change
from .registry import corpus_id


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
            corpus_id(owner)
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

"""A document withdrawn as a change: its graph, its claims, and the entities nothing else refers to."""

from __future__ import annotations

from rdflib import URIRef

from ..changes import Change
from ..errors import NotFound
from ..mapping import Minter
from ..namespaces import CG
from ..sheets import bad_id
from ..store import Store


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

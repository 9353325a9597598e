"""The store's metadata, owned here alone: its base IRI, the format of its records, and the
counters the write path keeps (the history's length), all in :data:`~claimgraph.iris.METADATA_GRAPH`
(named outside any base, so that it survives a rebase).
"""

from __future__ import annotations

from rdflib import Literal

from ..errors import StoreError
from ..iris import METADATA_GRAPH, STORE_NODE
from ..namespaces import CG, RDF
from ..rdf.terms import Quad
from ..store import Store

#: The shape of the records this claimgraph writes, raised whenever they change shape:
#: 1 held count kinds as text; 2 holds them as IRIs of the count-kind scheme, and every
#: derived record its count of independent sources (cg:sourceCount); 3 gives every value of a
#: key a record (dates agreeing at different precision too: cg:CompatibleValue), and statements
#: their claims', documents' and claimants' figures and every record its source groups, so that
#: a write keeps them from its change alone.
STORE_FORMAT = 3


def metadata_quads(base: str) -> list[Quad]:
    """What the store records of itself at its first write."""
    return [
        (STORE_NODE, RDF.type, CG.Store, METADATA_GRAPH),
        (STORE_NODE, CG.baseIri, Literal(base), METADATA_GRAPH),
        (STORE_NODE, CG.storeFormat, Literal(STORE_FORMAT), METADATA_GRAPH),
    ]


def _recorded(store: Store, predicate: object) -> Literal | None:
    for _, _, o, _ in store.quads(METADATA_GRAPH, subject=STORE_NODE, predicate=predicate):
        return o  # type: ignore[return-value]
    return None


def recorded_base(store: Store) -> str | None:
    """The base IRI the store was minted under, or None for a store never written."""
    found = _recorded(store, CG.baseIri)
    return None if found is None else str(found)


def recorded_format(store: Store) -> int | None:
    """The format the store's records were written in (None: a store never written)."""
    found = _recorded(store, CG.storeFormat)
    if found is None:
        return None
    try:
        return int(found.toPython())
    except (TypeError, ValueError):
        return 0


def check_format(store: Store, *, where: str) -> None:
    """Refuse a store whose records were written in another format than this claimgraph's
    (``where``: "at <its location>", or what it is to be used for).

    :raises StoreError: one line, saying how to reload it.
    """
    found = recorded_format(store)
    if found is None and recorded_base(store) is None:
        return  # never written
    if found != STORE_FORMAT:
        raise StoreError(
            f"the store {where} holds records of store format {found if found is not None else 'unknown'}, "
            f"and this claimgraph reads format {STORE_FORMAT}: load your corpora again into a new, empty "
            f"store (`claimgraph load FOLDER --store NEW`), then use that store"
        )


def check_base(store: Store, base: str, *, where: str) -> None:
    """Refuse to use a store of another format, or under another base IRI than the one it was
    minted under.

    :raises StoreError: one line, saying how to change it.
    """
    check_format(store, where=f"at {where}")
    recorded = recorded_base(store)
    if recorded is not None and recorded != base:
        raise StoreError(
            f"the store at {where} was minted under the base IRI {recorded}, not {base}: "
            f"run with --base-iri {recorded} (or CLAIMGRAPH_BASE_IRI), or re-mint it with "
            f"`claimgraph rebase {base}`"
        )


# ---------------------------------------------------------------- counters


def history_length(store: Store) -> int:
    """How many writes the history records (a counter in the store's metadata)."""
    found = _recorded(store, CG.historyLength)
    return 0 if found is None else int(found.toPython())


def history_length_quads(length: int) -> tuple[list[Quad], list[Quad]]:
    """The quads that advance the history's counter from ``length`` by one: (remove, add)."""
    remove = [(STORE_NODE, CG.historyLength, Literal(length), METADATA_GRAPH)] if length else []
    return remove, [(STORE_NODE, CG.historyLength, Literal(length + 1), METADATA_GRAPH)]

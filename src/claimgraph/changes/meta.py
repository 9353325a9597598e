"""The store's metadata: its base IRI and format version (and the history's counter)."""

from __future__ import annotations

from rdflib import Literal

from ..errors import StoreError
from ..iris import METADATA_GRAPH, STORE_NODE
from ..namespaces import CG, RDF
from ..rdf.terms import Quad
from ..store import Store

#: The shape of the records this claimgraph writes (raised when they change shape).
STORE_FORMAT = 1

# ---------------------------------------------------------------- the store's base IRI


def metadata_quads(base: str) -> list[Quad]:
    """What the store records of itself at its first write."""
    return [
        (STORE_NODE, RDF.type, CG.Store, METADATA_GRAPH),
        (STORE_NODE, CG.baseIri, Literal(base), METADATA_GRAPH),
        (STORE_NODE, CG.storeFormat, Literal(STORE_FORMAT), METADATA_GRAPH),
    ]


def recorded_base(store: Store) -> str | None:
    """The base IRI the store was minted under, or None for a store never written."""
    for _, _, o, _ in store.quads(METADATA_GRAPH, subject=STORE_NODE, predicate=CG.baseIri):
        return str(o)
    return None


def check_base(store: Store, base: str, *, where: str) -> None:
    """Refuse to use a store under another base IRI than the one it was minted under.

    :raises StoreError: one line, saying how to change it.
    """
    recorded = recorded_base(store)
    if recorded is not None and recorded != base:
        raise StoreError(
            f"the store at {where} was minted under the base IRI {recorded}, not {base}: "
            f"run with --base-iri {recorded} (or CLAIMGRAPH_BASE_IRI), or re-mint it with "
            f"`claimgraph rebase {base}`"
        )

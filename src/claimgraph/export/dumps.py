"""The whole store (or quads already read) as one of the published dumps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..errors import ClaimgraphError
from ..iris import Minter
from ..namespaces import PREFIXES
from ..store import Store
from .catalogue import FORMATS
from .nanopubs import nanopublications, rdf12
from .quads import store_quads
from .serializing import jsonld, load_context, serialize
from .void import void_description


def export(
    store: Store,
    fmt: str,
    *,
    context_path: Path | None = None,
    mint: Minter | None = None,
    root: str | None = None,
    license: str = "",
) -> bytes:
    """The whole store in one of :data:`FORMATS`.

    :param mint: the store's minter (its base IRI names the nanopublications and the dataset).
    :param root: where the server publishes the dumps and the endpoint (default: the base IRI).
    :raises ClaimgraphError: for an unknown format.
    """
    return dump(
        store_quads(store), fmt, context=load_context(context_path), mint=mint, root=root, license=license
    )


def dump(
    quads: list[ox.Quad],
    fmt: str,
    *,
    context: dict[str, Any] | None = None,
    mint: Minter | None = None,
    root: str | None = None,
    license: str = "",
) -> bytes:
    """:func:`export` for quads already read."""
    if fmt not in FORMATS:
        raise ClaimgraphError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    mint = mint or Minter("http://127.0.0.1:5000/")
    if fmt in ("trig", "nquads", "turtle"):
        return serialize(quads, fmt, context=context)
    if fmt == "jsonld":
        return jsonld(quads, context or dict(PREFIXES))
    if fmt == "rdf12":
        return ox.serialize(rdf12(quads), format=ox.RdfFormat.N_QUADS)
    if fmt == "nanopubs":
        nanopubs = nanopublications(quads, mint, license=license)
        return serialize(nanopubs, "trig")
    return serialize(void_description(quads, mint, root=root or mint.base, license=license), "turtle")

"""What a commit of the embedded store writes into the engine: one update's text, or, for a
large spool, the engine's bulk loader under a journal that the next opening rolls back if
the process died (:meth:`claimgraph.store.embedded.OxigraphStore.apply`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import URIRef

from ..errors import StoreError, write_failed
from .spool import Spool

__all__ = ["JOURNAL_GRAPH", "bulk_commit", "delete_insert", "roll_back_journal"]

#: The graph that lists the new graphs of a bulk commit under way (empty otherwise).
JOURNAL_GRAPH = "urn:claimgraph:journal"
_CREATES = "urn:claimgraph:creates"


def bulk_commit(store: ox.Store, spool: Spool, rest: str, path: Path | None) -> None:
    """Bulk-load the spool's new graphs into ``store`` under a journal, then ``rest`` and the
    journal's end at once; ``path``: the store's folder, for the error."""
    loaded = spool.finish()
    journal = ox.NamedNode(JOURNAL_GRAPH)
    creates = ox.NamedNode(_CREATES)
    try:
        store.extend(ox.Quad(journal, creates, ox.NamedNode(str(g)), journal) for g in spool.graphs)
        store.bulk_load(path=str(loaded), format=ox.RdfFormat.N_QUADS)
        end = f"DROP SILENT GRAPH <{JOURNAL_GRAPH}>"
        store.update(f"{rest};\n{end}" if rest else end)
    except (OSError, RuntimeError, SyntaxError, ValueError) as exc:
        try:
            roll_back_journal(store)
        except (OSError, RuntimeError) as again:
            raise StoreError(
                f"write failed ({exc}), and undoing it failed too ({again}): the next opening of "
                "the store for writing drops what was written"
            ) from None
        raise write_failed(exc, path) from None


def roll_back_journal(store: ox.Store) -> None:
    """Drop the new graphs of a bulk commit that did not finish, one transaction each, then the journal."""
    journal = ox.NamedNode(JOURNAL_GRAPH)
    if not store.contains_named_graph(journal):
        return
    for quad in list(store.quads_for_pattern(journal, ox.NamedNode(_CREATES), None, journal)):
        store.update(f"DROP SILENT GRAPH {quad.object}")
    store.update(f"DROP SILENT GRAPH <{JOURNAL_GRAPH}>")


def delete_insert(
    removing: list[ox.Quad],
    adding: list[ox.Quad],
    creating: list[Any] = (),
    dropping: list[Any] = (),
    fresh: list[tuple[URIRef, str]] = (),
) -> str:
    """The one update of a commit: graphs dropped, quads removed, graphs created, quads added
    (and new graphs' N-Triples text as it is).

    >>> delete_insert([], [ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("o"))])
    'INSERT DATA {\\n<http://e/s> <http://e/p> "o" .\\n}'
    """

    def block(quads: list[ox.Quad]) -> str:
        lines = []
        for q in quads:
            triple = f"{q.subject} {q.predicate} {q.object} ."
            if isinstance(q.graph_name, ox.DefaultGraph):
                lines.append(triple)
            else:
                lines.append(f"GRAPH {q.graph_name} {{ {triple} }}")
        return "\n".join(lines)

    parts = [f"DROP SILENT GRAPH {g}" for g in dropping]
    if removing:
        parts.append(f"DELETE DATA {{\n{block(removing)}\n}}")
    parts += [f"CREATE SILENT GRAPH {g}" for g in creating]
    if adding or fresh:
        # N-Triples is SPARQL's syntax of triples too: a new graph's text goes in as it is.
        graphs = "".join(f"GRAPH <{g}> {{\n{text}}}\n" for g, text in fresh)
        parts.append(f"INSERT DATA {{\n{block(adding)}\n{graphs}}}")
    return ";\n".join(parts)

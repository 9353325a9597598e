"""Committing: a checked change written with its consensus delta in one transaction;
the rebase; a client's SPARQL Update as a change."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from rdflib import URIRef
from rdflib.term import Node

from ..consensus import consensus_triples
from ..errors import QueryError
from ..iris import METADATA_GRAPH, Minter
from ..namespaces import CG, PROV, RDF
from ..rdf.terms import Quad, sparql_term
from ..sparqltext import inspect_update, update_targets
from ..store import Store
from .change import (
    Change,
    Plan,
    Policy,
    Progress,
    WriteReport,
    claim_row,
    quad_key,
    silent,
)
from .meta import check_format, metadata_quads
from .plan import plan

# ---------------------------------------------------------------- committing


def advance_marker(store: Store) -> None:
    """An empty commit: the store's commit marker advances (a store that keeps it in a file of
    its own writes that file again, after a write whose marker could not be recorded)."""
    store.apply()


def commit(store: Store, change: Change, policy: Policy, *, progress: Progress = silent) -> WriteReport:
    """Check ``change`` and write it with its consensus delta in one transaction.

    :raises ValidationFailed: listing every problem; nothing is written then.
    :raises StoreError: when the store cannot be written; nothing is written then.
    """
    spool = store.spool() if change.fresh is not None else None
    try:
        planned = plan(store, change, policy, progress=progress, spool=spool)
        change = planned.change or change  # completed by its stream
        report = _report(planned, change)  # what the change did; the record is the write path's own
        if change.record is not None:
            gone, kept = change.record(planned)
            planned.remove |= set(gone)
            planned.add |= set(kept)
        total = len(planned.add) + len(planned.remove) + planned.fresh_quads
        progress("committing", 0, total)
        if not planned.empty:
            store.apply(
                remove=sorted(planned.remove, key=quad_key),
                add=sorted(planned.add, key=quad_key),
                create=sorted(planned.create),
                drop=sorted(planned.drop),
                spool=spool,
            )
        progress("committing", total, total)
    finally:
        if spool is not None:
            spool.close()
    return report


def _report(planned: Plan, change: Change) -> WriteReport:
    graphs = set(change.replace) | change.drop | change.create | {q[3] for q in change.add}
    return WriteReport(
        added=len(planned.add) + planned.fresh_quads,
        removed=len(planned.remove),
        claims=sorted(_show(c) for c in planned.claims),
        removed_claims=sorted(_show(c) for c in planned.removed_claims),
        graphs=len(graphs | set(planned.fresh_graphs)),
        graph_names=changed_graphs(change, planned.fresh_graphs),
    )


def changed_graphs(change: Change, planned_graphs: Iterable[URIRef] = ()) -> set[URIRef | None]:
    """Every graph a change names (and the new graphs it streamed)."""
    graphs = {*change.replace, *change.create, *change.drop, *change.vocabulary}
    graphs |= {q[3] for q in (*change.add, *change.remove)}
    return graphs | set(planned_graphs)


def _show(node: Node) -> str:
    return str(node) if isinstance(node, URIRef) else sparql_term(node)


def rebase(store: Store, old: str, new: str, mint: Minter, *, extra: Iterable[Quad] = ()) -> WriteReport:
    """Re-mint every IRI under ``old`` as under ``new``, in one transaction (with ``extra``
    quads, minted under ``new``: the rebase's own history entry).

    Consensus statement IRIs digest their terms, so the consensus is derived again
    from the re-minted claims; skolem IRIs keep their labels under the new base.
    """

    def remint(term: Node) -> Node:
        if isinstance(term, URIRef) and str(term).startswith(old):
            return URIRef(new + str(term)[len(old) :])
        return term

    everything = list(store.quads(exact=True))
    check_format(store, where="to rebase")  # a rebase records this claimgraph's format
    consensus_old = Minter(old).consensus_graph
    kept: set[Quad] = set()
    for s, p, o, g in everything:
        if g in (consensus_old, METADATA_GRAPH):
            continue
        kept.add((remint(s), p, remint(o), remint(g) if g is not None else None))
    by_node: dict[Node, list[Quad]] = defaultdict(list)
    for q in kept:
        if q[1] in (RDF.type, RDF.subject, RDF.predicate, RDF.object, CG.countKind) or q[1] in (
            PROV.wasAttributedTo,
            PROV.wasDerivedFrom,
        ):
            by_node[q[0]].append(q)
    rows = [row for node, quads in by_node.items() if (row := claim_row(node, quads)) is not None]
    kept |= {(s, p, o, mint.consensus_graph) for s, p, o in consensus_triples(rows, mint)}
    kept |= set(metadata_quads(new)) | set(extra)
    old_graphs = [g for g in {q[3] for q in everything} if g is not None]
    new_graphs = {q[3] for q in kept if q[3] is not None}
    store.apply(
        remove=sorted(everything, key=quad_key),
        add=sorted(kept, key=quad_key),
        drop=sorted(g for g in old_graphs if g not in new_graphs),
    )
    return WriteReport(added=len(kept), removed=len(everything))


# ---------------------------------------------------------------- SPARQL Update


def update_change(
    store: Store,
    sparql: str,
    *,
    base_iri: str | None,
    timeout: float | None,
    allow_service: bool = False,
) -> Change:
    """Dry-run a client's SPARQL Update on the graphs it can touch; its diff as a :class:`Change`.

    :raises QueryRefused: for nesting past the limits, ``LOAD`` or ``SERVICE`` (before anything runs).
    :raises QueryError: for a syntax error or a failing operation (``CREATE GRAPH`` twice).
    :raises QueryTimeout: when the dry run passes ``timeout``.
    """
    inspect_update(sparql, allow_service=allow_service, base_iri=base_iri)
    targets = update_targets(sparql, base_iri=base_iri)
    graphs = None if targets is None else [URIRef(t) for t in targets]
    run = store.dry_run(sparql, graphs=graphs, base_iri=base_iri, timeout=timeout)
    return Change(add=run.added, remove=run.removed, create=set(run.created), drop=set(run.dropped))


def check_update_text(sparql: str) -> None:
    """Refuse an empty update text early (pyoxigraph accepts it as a no-op)."""
    if not sparql.strip():
        raise QueryError("the update is empty")

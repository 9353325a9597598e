"""Running a SPARQL Update on a throw-away copy of a store, to learn what it would change.

A client's update becomes a change of the one write path this way: the copy holds the
graphs the update can touch, the update runs there (in a child process killed at the time
limit, for a store on disk: an update cannot be stopped inside pyoxigraph), and the
difference is the change.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import URIRef

from ..errors import QueryError, QueryTimeout, StoreError
from ..processes import ChildDied, Deadline, run_once
from ..rdf.terms import rdflib_quad
from .protocol import DryRun

__all__ = ["MEMORY_COPY_LIMIT", "dry_run", "dry_run_copy", "run_update"]

#: Stores with fewer quads than this are copied in memory for a dry run; larger
#: ones are checkpointed on disk (hard links, so the copy costs little).
MEMORY_COPY_LIMIT = 100_000


def dry_run(
    raw: ox.Store,
    path: Path | None,
    sparql: str,
    *,
    graphs: Any = None,
    base_iri: str | None = None,
    memory_limit: int | None = None,
    timeout: float | None = None,
) -> DryRun:
    """Run ``sparql`` on a copy of ``raw`` (kept in the folder ``path``, or None: in memory);
    see :meth:`claimgraph.store.embedded.OxigraphStore.dry_run`."""
    names = None if graphs is None else sorted({ox.NamedNode(str(g)) for g in graphs}, key=str)
    memory_limit = MEMORY_COPY_LIMIT if memory_limit is None else memory_limit
    if timeout is not None and path is not None:
        folder = Path(tempfile.mkdtemp(prefix=".dry-run-", dir=path.parent))
        try:
            raw.backup(str(folder / "copy"))
            _update_in_child(folder / "copy", sparql, base_iri=base_iri, timeout=timeout)
            copy = ox.Store(str(folder / "copy"))
            try:
                return _compare(raw, copy, names)
            finally:
                del copy
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    if names is None and path is not None and len(raw) >= memory_limit:
        # Beside the store, so that the checkpoint can hard-link its files.
        folder = Path(tempfile.mkdtemp(prefix=".dry-run-", dir=path.parent))
        try:
            raw.backup(str(folder / "copy"))
            copy = ox.Store(str(folder / "copy"))
            try:
                run_update(copy, sparql, base_iri=base_iri)
                return _compare(raw, copy, names)
            finally:
                del copy
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    copy = ox.Store()
    if names is None:
        copy.extend(raw)
        for graph in raw.named_graphs():
            copy.add_graph(graph)
    else:
        copy.extend(raw.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        for graph in names:
            if raw.contains_named_graph(graph):
                copy.add_graph(graph)
                copy.extend(raw.quads_for_pattern(None, None, None, graph))
    run_update(copy, sparql, base_iri=base_iri)
    return _compare(raw, copy, names)


def dry_run_copy(
    fill: Callable[[ox.Store], None],
    sparql: str,
    *,
    graphs: list[str] | None,
    base_iri: str | None = None,
    timeout: float | None = None,
) -> DryRun:
    """Dry-run ``sparql`` on a store of its own that ``fill`` fills (a SPARQL server's graphs):
    in memory, or, with a time limit, in a folder, so that the update runs in a child process
    killed at the limit.

    :raises QueryTimeout: when filling the copy and running the update pass ``timeout``.
    """
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="claimgraph-dry-run-")) if timeout is not None else None
    try:
        copy = ox.Store(str(folder / "copy")) if folder is not None else ox.Store()
        try:
            fill(copy)
            left = None
            if timeout is not None:
                left = timeout - (time.monotonic() - started)
                if left <= 0:
                    raise QueryTimeout(
                        f"reading the graphs the update can touch took past the {timeout:g} s limit; "
                        "nothing was written"
                    )
                copy.flush()
            names = None if graphs is None else [URIRef(n) for n in graphs]
            path = folder / "copy" if folder is not None else None
            return dry_run(copy, path, sparql, graphs=names, base_iri=base_iri, timeout=left)
        finally:
            del copy
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def run_update(raw: ox.Store, sparql: str, *, base_iri: str | None = None) -> None:
    """Run an update on a store of this layer's own (a copy) in one transaction.

    :raises QueryError: on a syntax error, or an operation that fails (``CREATE GRAPH`` of a graph that exists).
    :raises StoreError: when the copy cannot be written.
    """
    try:
        raw.update(sparql, base_iri=base_iri)
    except SyntaxError as exc:
        raise QueryError(f"SPARQL syntax error: {exc}") from None
    except RuntimeError as exc:
        raise QueryError(f"the update failed: {exc}") from None
    except OSError as exc:
        raise StoreError(f"write failed, nothing was written: {exc}") from None


def _update_folder(conn: Any, folder: str, sparql: str, base_iri: str | None) -> None:
    """Child process: run an update on the store copy in ``folder``; report how it ended."""
    try:
        target = ox.Store(folder)
        target.update(sparql, base_iri=base_iri)
        target.flush()
        del target
        conn.send(("ok", ""))
    except SyntaxError as exc:
        conn.send(("syntax", str(exc)))
    except (OSError, RuntimeError, ValueError) as exc:
        conn.send(("failed", str(exc)))


def _update_in_child(folder: Path, sparql: str, *, base_iri: str | None, timeout: float) -> None:
    """Run an update on a store copy in a child process, killed after ``timeout`` seconds.

    :raises QueryError: when the update does not parse or fails.
    :raises QueryTimeout: when it runs past the time limit.
    """
    try:
        kind, message = run_once(_update_folder, (str(folder), sparql, base_iri), timeout=timeout)
    except Deadline:
        raise QueryTimeout(
            f"the update ran past the {timeout:g} s limit and was stopped; nothing was written"
        ) from None
    except ChildDied as exc:
        raise StoreError(f"the update's process died ({exc}); nothing was written") from None
    if kind == "syntax":
        raise QueryError(f"SPARQL syntax error: {message}")
    if kind == "failed":
        raise QueryError(f"the update failed: {message}")


def _compare(before: ox.Store, after: ox.Store, names: list[Any] | None) -> DryRun:
    """What changed from ``before`` to ``after``, in the default graph and ``names`` (None: all)."""
    if names is None:
        old, new = set(before), set(after)
        old_graphs, new_graphs = set(before.named_graphs()), set(after.named_graphs())
    else:
        old, new = set(), set()
        for graph in [ox.DefaultGraph(), *names]:
            old.update(before.quads_for_pattern(None, None, None, graph))
            new.update(after.quads_for_pattern(None, None, None, graph))
        old_graphs = {g for g in names if before.contains_named_graph(g)}
        new_graphs = {g for g in names if after.contains_named_graph(g)}
    return DryRun(
        removed=[rdflib_quad(q, exact=True) for q in old - new],
        added=[rdflib_quad(q, exact=True) for q in new - old],
        created=sorted(URIRef(g.value) for g in new_graphs - old_graphs),
        dropped=sorted(URIRef(g.value) for g in old_graphs - new_graphs),
    )

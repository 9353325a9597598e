"""Snapshots of the embedded store: the engine's online backup (a checkpoint: hard links to its
immutable files, in the store's own folder) with the commit marker of the commit it holds.

A server keeps its store open for writing and answers queries from the newest snapshot, taken
after each commit, so that reads go on while a write is validated and committed
(:class:`claimgraph.workers.ProcessExecutor`); ``claimgraph backup`` copies one. A snapshot
in use is locked (shared) by whoever reads it, and removed only when no one does.
"""

from __future__ import annotations

import fcntl
import shutil
import uuid
from pathlib import Path
from typing import Any

from ..errors import StoreError, write_failed
from .folder import COMMIT_FILE, LOCK_FILE, take_lock, write_commit_marker

__all__ = ["SNAPSHOTS", "newest", "prune", "take", "take_newest"]

#: The folder, inside a store's folder, that holds its snapshots.
SNAPSHOTS = "claimgraph-snapshots"


def take(store: Any, target: Path | None = None) -> Path:
    """A consistent copy of ``store`` (an open :class:`~claimgraph.store.embedded.OxigraphStore`
    on disk) at ``target`` (default: a new snapshot in its folder), with its commit marker.

    :raises StoreError: when the copy cannot be written (nothing is left of it then).
    """
    if store.path is None:
        raise StoreError("an in-memory store has no backup: export it instead")
    marker = store.commit_marker()
    if target is None:
        target = store.path / SNAPSHOTS / f"{marker.count:09d}-{uuid.uuid4().hex[:8]}"
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        store.raw.backup(str(target))
        write_commit_marker(str(target), marker)
    except OSError as exc:
        shutil.rmtree(target, ignore_errors=True)
        raise write_failed(exc, target, outcome="no copy was made") from None
    return target


def newest(folder: Path) -> Path | None:
    """The newest whole snapshot of the store at ``folder`` (one with its commit marker)."""
    found = sorted(p for p in (folder / SNAPSHOTS).glob("*") if (p / COMMIT_FILE).is_file())
    return found[-1] if found else None


def take_newest(folder: Path) -> tuple[Path, Any]:
    """The newest snapshot of ``folder`` with a shared lock on it, so that it is not removed
    while it is read (release: ``lock.close()``).

    :raises StoreError: when the store has no snapshot.
    """
    for _ in range(5):
        snapshot = newest(folder)
        if snapshot is None:
            break
        try:
            lock = take_lock(snapshot, shared=True)
        except (StoreError, OSError):
            continue
        if (snapshot / COMMIT_FILE).is_file():  # not removed before the lock was taken
            return snapshot, lock
        if lock is not None:
            lock.close()
    raise StoreError(f"the store at {folder} is in use by a writer and has no snapshot to read")


def prune(folder: Path, keep: set[Path]) -> None:
    """Remove the snapshots of ``folder`` but those in ``keep`` and those someone reads."""
    for snapshot in (folder / SNAPSHOTS).glob("*"):
        if snapshot in keep:
            continue
        try:
            handle = open(snapshot / LOCK_FILE, "a+")  # noqa: SIM115 - closed below
        except OSError:
            shutil.rmtree(snapshot, ignore_errors=True)
            continue
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue  # read now (a backup being copied): removed at a later commit
        try:
            # Out of the listing first, so that no reader finds it half removed.
            (snapshot / COMMIT_FILE).unlink(missing_ok=True)
            shutil.rmtree(snapshot, ignore_errors=True)
        finally:
            handle.close()

"""Opening the embedded engine in its folder (:class:`claimgraph.store.embedded.OxigraphStore`):
the lock, a reader beside a server's writer on the newest snapshot, an empty folder made an
empty store for a reader, a writer's clean-up (old logs, a bulk commit's journal), and a
failed opening that leaves the folder as it found it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..errors import NoSpace, StoreError, write_failed
from .folder import check_folder, leave_as_found, read_commit_marker, remove_old_logs, take_lock
from .protocol import CommitMarker
from .snapshots import take_newest
from .transactions import roll_back_journal

__all__ = ["open_engine"]


def open_engine(path: Path, *, read_only: bool) -> tuple[ox.Store, Any, CommitMarker | None]:
    """The engine in the folder ``path``, the lock held on it, and the commit marker of the
    snapshot a reader opened instead (None: read from the folder when asked).

    :raises StoreError: (:class:`NoSpace` when the device is full) when it cannot be opened.
    """
    lock: Any = None
    before = leave_as_found(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        check_folder(path)
        try:
            lock = take_lock(path, shared=read_only)
        except StoreError:
            if not read_only:
                raise
            # A server keeps the store open for writing: a reader reads its newest snapshot.
            snapshot, lock = take_newest(path)
            return ox.Store.read_only(str(snapshot)), lock, read_commit_marker(str(snapshot))
        if read_only and not (path / "CURRENT").is_file():
            # An empty folder: make it an empty store, so that a reader finds one.
            ox.Store(str(path)).flush()
        if read_only:
            return ox.Store.read_only(str(path)), lock, None
        store = ox.Store(str(path))
        remove_old_logs(path)
        roll_back_journal(store)
        return store, lock, None
    except OSError as exc:
        if lock is not None:
            lock.close()
        if not read_only:  # a writer alone in the folder: what it added is its own
            before()
        if isinstance(write_failed(exc, path), NoSpace):
            raise write_failed(exc, path, outcome="it cannot be opened") from None
        raise StoreError(f"cannot open the store at {path}: {exc}") from None

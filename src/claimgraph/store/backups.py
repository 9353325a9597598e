"""``claimgraph backup`` and ``restore``: a consistent copy of an embedded store's folder
(the engine's online backup, or a running server's newest snapshot), and a copy back."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from ..errors import StoreError, write_failed
from .embedded import OxigraphStore
from .folder import LOCK_FILE
from .snapshots import SNAPSHOTS, take, take_newest

__all__ = ["backup", "restore"]


#: What a copy of a store folder leaves out: the lock, the snapshots, the search index (rebuilt).
_NOT_COPIED = {LOCK_FILE, SNAPSHOTS, "claimgraph-search.sqlite", "claimgraph-search.sqlite-journal"}


def backup(location: str, dest: Path) -> Path:
    """Copy the embedded store at ``location`` to the new folder ``dest``, consistently, also
    while a server serves it: beside no writer, the engine's online backup of the store
    opened read-only; beside a server (which keeps it open for writing), its newest snapshot,
    which holds the last commit whole.

    :raises StoreError: when ``location`` is no store folder, ``dest`` exists, or the copy
        cannot be written (nothing is left of it then).
    """
    folder = Path(location)
    if not (folder / "CURRENT").is_file():
        raise StoreError(f"there is no store at {folder} to back up")
    if dest.exists():
        raise StoreError(f"{dest} exists: name a new folder for the backup")
    try:
        store = OxigraphStore(folder, read_only=True)
    except StoreError:  # a writer holds it: a server, whose snapshot is read
        snapshot, lock = take_newest(folder)
        try:
            _copy(snapshot, dest)
        finally:
            if lock is not None:
                lock.close()
        return dest
    try:
        take(store, dest)
    finally:
        store.close()
    return dest


def restore(source: Path, target: Path, *, check: Callable[[Path], None] = lambda _: None) -> Path:
    """Copy the backup at ``source`` to the store folder ``target`` (new, or empty).

    :param check: what else a backup must be (it may raise), run on ``source`` before the copy.
    :raises StoreError: when ``source`` is no store, ``target`` holds files, or the copy
        cannot be written (nothing is left of it then).
    """
    if not (source / "CURRENT").is_file():
        raise StoreError(f"{source} is not a claimgraph store or backup (it has no CURRENT file)")
    check(source)
    if target.exists() and any(target.iterdir()):
        raise StoreError(
            f"{target} is not empty: restore into a new folder, or move the old store away first"
        )
    if target.exists():
        target.rmdir()
    _copy(source, target)
    return target


def _copy(source: Path, dest: Path) -> None:
    try:
        shutil.copytree(source, dest, ignore=lambda _d, names: [n for n in names if n in _NOT_COPIED])
    except (OSError, shutil.Error) as exc:
        shutil.rmtree(dest, ignore_errors=True)
        raise write_failed(
            exc if isinstance(exc, OSError) else OSError(str(exc)), dest, outcome="no copy was made"
        ) from None

"""The embedded store's folder: the lock that keeps one writer (and readers beside no
writer), the check that a folder is a store, and the commit marker file."""

from __future__ import annotations

import errno
import fcntl
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import StoreError
from .protocol import MEMORY, CommitMarker

__all__ = [
    "LOCK_FILE",
    "check_folder",
    "leave_as_found",
    "read_commit_marker",
    "remove_old_logs",
    "take_lock",
    "write_commit_marker",
]

LOCK_FILE = "claimgraph.lock"


def check_folder(folder: Path) -> None:
    """Refuse a folder that holds files but no store: it is someone else's.

    >>> import tempfile; folder = Path(tempfile.mkdtemp()); _ = (folder / "notes.txt").write_text("x")
    >>> check_folder(folder)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    claimgraph.errors.StoreError: ... is not a claimgraph store (it holds notes.txt); name an empty or new folder
    """
    if (folder / "CURRENT").is_file():
        return
    others = sorted(p.name for p in folder.iterdir() if p.name != LOCK_FILE)
    if others:
        shown = ", ".join(others[:3]) + (", …" if len(others) > 3 else "")
        raise StoreError(
            f"{folder} is not a claimgraph store (it holds {shown}); name an empty or new folder"
        )


def take_lock(folder: Path, *, shared: bool) -> Any:
    """Lock the store folder: shared for readers, exclusive for the writer.

    pyoxigraph's read-only opening is undefined behaviour while another process
    writes, so a writer must never run beside readers, nor readers beside it.

    A reader opens the lock file for reading only (a folder on read-only media can be read);
    on a file system mounted read-only, where no writer can be, one without a lock file
    is read without a lock.
    """
    path = folder / LOCK_FILE
    try:
        # A shared lock needs no write access to the file; only its creation does.
        handle = open(path, "r" if shared and path.is_file() else "a+")  # noqa: SIM115 - held for the store's lifetime
    except OSError as exc:
        if shared and exc.errno == errno.EROFS:
            return None
        raise
    try:
        fcntl.flock(handle, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        who = "a writer" if shared else "another process (a running server or load)"
        raise StoreError(f"the store at {folder} is in use by {who}; try again when it is free") from None
    return handle


#: How many of the engine's earlier info logs (``LOG.old.*``, one per opening for writing) are kept.
KEPT_LOGS = 1


def remove_old_logs(folder: Path, keep: int = KEPT_LOGS) -> None:
    """Remove the engine's earlier info logs but the newest ``keep``.

    RocksDB starts a new info log (``LOG``) at each opening for writing and renames the last
    one ``LOG.old.<time>``, keeping up to a thousand of them; pyoxigraph does not expose the
    setting. They are text for a person reading after a crash, never read by the engine, so
    a store folder keeps its size whatever the number of openings.
    """
    old = sorted(folder.glob("LOG.old.*"), key=lambda p: p.name)  # the suffix is the time in microseconds
    for log in old[: max(len(old) - keep, 0)]:
        log.unlink(missing_ok=True)


def leave_as_found(folder: Path) -> Callable[[], None]:
    """What undoes a failed opening of ``folder``: it removes the folder if the opening made it,
    else the files the opening added (an engine's first files on a full disk), and nothing else."""
    if not folder.exists():
        parent = folder.parent

        def remove_folder() -> None:
            if folder.exists() and folder.parent == parent:
                shutil.rmtree(folder, ignore_errors=True)

        return remove_folder
    try:
        found = {p.name for p in folder.iterdir()}
    except OSError:
        return lambda: None

    def remove_new() -> None:
        try:
            added = [p for p in folder.iterdir() if p.name not in found and p.name != LOCK_FILE]
        except OSError:
            return
        for path in added:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)

    return remove_new


COMMIT_FILE = "claimgraph-commit.json"


def read_commit_marker(location: str) -> CommitMarker:
    """The marker a store folder records; for a store without one, its folder's age.

    >>> read_commit_marker(":memory:").count
    0
    """
    if location == MEMORY:
        return CommitMarker(0, time.time())
    path = Path(location) / COMMIT_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return CommitMarker(int(data["count"]), float(data["time"]))
    except FileNotFoundError:
        folder = Path(location)
        return CommitMarker(0, folder.stat().st_mtime if folder.exists() else time.time())
    except (ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"{path} is not a commit marker ({exc}); delete it to start again") from None


def write_commit_marker(location: str, marker: CommitMarker) -> None:
    """Record ``marker`` in a store folder (a no-op for ``:memory:``), replacing the file atomically."""
    if location == MEMORY:
        return
    folder = Path(location)
    temporary = folder / (COMMIT_FILE + ".new")
    temporary.write_text(json.dumps({"count": marker.count, "time": marker.time}), encoding="utf-8")
    temporary.replace(folder / COMMIT_FILE)

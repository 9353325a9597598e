"""The embedded store's folder: the lock that keeps one writer (and readers beside no
writer), the check that a folder is a store, and the commit marker file."""

from __future__ import annotations

import fcntl
import json
import time
from pathlib import Path
from typing import Any

from ..errors import StoreError
from .protocol import MEMORY, CommitMarker

__all__ = ["LOCK_FILE", "check_folder", "read_commit_marker", "take_lock", "write_commit_marker"]

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
    """
    handle = open(folder / LOCK_FILE, "a+")  # noqa: SIM115 - held for the store's lifetime
    try:
        fcntl.flock(handle, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        who = "a writer" if shared else "another process (a running server or load)"
        raise StoreError(f"the store at {folder} is in use by {who}; try again when it is free") from None
    return handle


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

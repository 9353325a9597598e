"""Which store a location names: the embedded store (a folder, ``:memory:``) or a SPARQL server (a URL).

>>> from claimgraph.config import load_settings
>>> opener = StoreOpener.for_settings(load_settings({"store": ":memory:"}, environ={}))
>>> opener.remote is None, type(opener()).__name__
(True, 'OxigraphStore')
>>> StoreOpener.for_settings(load_settings({"store": "http://127.0.0.1:7878/query"}, environ={})).remote.endpoints.update
'http://127.0.0.1:7878/update'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from ..config import Settings
from .embedded import OxigraphStore
from .folder import read_commit_marker
from .protocol import MEMORY, CommitMarker, Store, is_remote
from .remote import RemoteOptions, RemoteStore

__all__ = ["StoreOpener", "is_remote", "open_store"]


@dataclass(frozen=True)
class StoreOpener:
    """Opens the store of one location; picklable, so that worker processes open their own.

    ``remote``: how to reach the server, for a location that is a URL (None for a folder).
    """

    location: str
    remote: RemoteOptions | None = None

    @classmethod
    def for_settings(cls, settings: Settings) -> StoreOpener:
        if not is_remote(settings.store):
            return cls(settings.store)
        return cls(
            settings.store,
            RemoteOptions(
                url=settings.store,
                update_url=settings.update_url,
                gsp_url=settings.gsp_url,
                user=settings.store_user,
                password=settings.store_password,
                token=settings.store_token,
                timeout_param=settings.store_timeout_param,
                query_timeout=settings.query_timeout,
                write_timeout=settings.store_write_timeout,
            ),
        )

    def __call__(self, *, read_only: bool = False) -> Store:
        """The store, opened (read-only: no writes; for the embedded store, a shared lock).

        :raises StoreError: when it cannot be opened, or a server would answer with the wrong
            dataset (:meth:`claimgraph.store.remote.RemoteStore.check_dataset`).
        """
        if self.remote is not None:
            store = RemoteStore(self.remote, read_only=read_only)
            try:
                store.check_dataset()
            except BaseException:
                store.close()
                raise
            return store
        return OxigraphStore(self.location, read_only=read_only)

    @property
    def shared(self) -> bool:
        """Whether other processes may write the store beside this one (a SPARQL server): its
        commit marker is read again, and a write need not stop the readers."""
        return self.remote is not None

    @property
    def folder(self) -> Path | None:
        """The embedded store's folder (None in memory or on a server), where the files that
        go with it (the search index) are kept."""
        if self.remote is not None or self.location == MEMORY:
            return None
        return Path(self.location)

    def marker_reader(self) -> Callable[[], CommitMarker | None]:
        """What reads the store's last commit without opening it for a query: the folder's
        file, or the server's register through a connection kept for it (None for
        ``:memory:``, whose one store object keeps its own)."""
        if self.remote is not None:
            return RemoteStore(self.remote, read_only=True).commit_marker
        if self.location == MEMORY:
            return lambda: None
        return partial(read_commit_marker, self.location)


def open_store(where: str | Settings, *, read_only: bool = False) -> Store:
    """The one way to open a store: a folder, ``:memory:``, a SPARQL server's query URL (with
    the defaults), or what settings name (``CLAIMGRAPH_STORE`` and how to reach a server).

    :raises StoreError: when it cannot be opened.
    """
    opener = StoreOpener(where) if isinstance(where, str) else StoreOpener.for_settings(where)
    if isinstance(where, str) and is_remote(where):
        opener = StoreOpener(where, RemoteOptions(url=where))
    return opener(read_only=read_only)

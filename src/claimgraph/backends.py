"""Which store a location names: the embedded store (a folder, ``:memory:``) or a SPARQL server (a URL).

>>> from claimgraph.config import load_settings
>>> opener = StoreOpener.for_settings(load_settings({"store": ":memory:"}, environ={}))
>>> opener.remote is None, type(opener()).__name__
(True, 'OxigraphStore')
>>> StoreOpener.for_settings(load_settings({"store": "http://127.0.0.1:7878/query"}, environ={})).remote.endpoints.update
'http://127.0.0.1:7878/update'
"""

from __future__ import annotations

from dataclasses import dataclass

from .config import Settings
from .remote import RemoteOptions, RemoteStore, is_remote
from .store import OxigraphStore, Store

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
            dataset (:meth:`claimgraph.remote.RemoteStore.check_dataset`).
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


def open_store(settings: Settings, *, read_only: bool = False) -> Store:
    """The store the settings name (``CLAIMGRAPH_STORE`` and, for a server, how to reach it)."""
    return StoreOpener.for_settings(settings)(read_only=read_only)

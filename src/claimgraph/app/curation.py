"""Curators and their tokens, as the application object checks them.

A part of :class:`claimgraph.api.Claimgraph` (whose fields and other parts it uses).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable

from ..changes import Change
from ..curators import (
    Curator,
    add_quads,
    authenticate,
    curators_from_quads,
    curators_graph,
    new_token,
    operator,
    read_curators,
    revoke_quads,
)
from ..curators import now as _now
from ..errors import Forbidden
from ..store import Store


class Curation:
    """Curators and their tokens, as the application object checks them."""

    def curators(self, store: Store) -> list[Curator]:
        """Every curator the store records (revoked ones too)."""
        return read_curators(store, self.mint)

    def add_curator(self, store: Store, name: str) -> tuple[Curator, str]:
        """Add curator ``name`` with a new token; returns it and the token (shown once, never stored).

        :raises Conflict: when the name is taken. :raises QueryError: for a name that is no slug.
        """
        token = new_token()
        quads = add_quads(self.mint, name, token, self.curators(store), at=_now())
        self._curator_write(store, quads, f"curator {name} added")
        return next(c for c in self.curators(store) if c.name == name), token

    def revoke_curator(self, store: Store, name: str) -> Curator:
        """Revoke curator ``name``'s token (the curator and its history stay).

        :raises NotFound: when there is no such curator.
        """
        quads = revoke_quads(self.mint, name, self.curators(store), at=_now())
        if quads:
            self._curator_write(store, quads, f"curator {name} revoked")
        return next(c for c in self.curators(store) if c.name == name)

    def _curator_write(self, store: Store, quads: list, summary: str) -> None:
        activity = self._activity("curator")
        activity.extra = quads
        if not activity.reason:
            activity.reason = summary
        self._commit(store, Change(), kind="curator", activity=activity)
        self.committed(store, [curators_graph(self.mint)])

    def authenticate(self, store: Store, token: str | None) -> Curator:
        """Whose ``token`` it is, read from the store now (inside the write it guards).

        :raises Unauthorized: (401) no token, or an unknown one. :raises Revoked: (403).
        :raises Forbidden: (403) writes are off: no operator token and no curator.
        """
        self._check_writable()
        if self._is_operator(token):
            return operator(self.mint)
        return self._check(token, self.curators(store))

    def _is_operator(self, token: str | None) -> bool:
        operator_token = self.settings.token
        return bool(token and operator_token) and hmac.compare_digest(
            str(token).encode(), operator_token.encode()
        )

    def check_token(self, token: str | None, select: Callable[[str], list]) -> Curator:
        """:meth:`authenticate` from the curators read through ``select`` (a query worker), kept
        for the commit they were read at: a write that adds or revokes a curator changes the
        commit, so a revoked token is refused at once."""
        self._check_writable()
        if self._is_operator(token):
            return operator(self.mint)
        remote = self.opener.remote is not None
        if remote:
            self._marker = None  # a curator revoked by another process: read the marker again
        tag = self.marker.tag
        cached = self._curators_read
        if cached is None or cached[0] != tag:
            rows = select(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{curators_graph(self.mint)}> {{ ?s ?p ?o }} }}")
            curators = curators_from_quads(((r["s"], r["p"], r["o"]) for r in rows), self.mint)
            cached = self._curators_read = (tag, curators)
        return self._check(token, cached[1])

    def _check_writable(self) -> None:
        if self.settings.read_only:
            raise Forbidden("writes are off: this server serves its store read-only (read_only is set)")

    def _check(self, token: str | None, curators: list[Curator]) -> Curator:
        operator_token = self.settings.token
        if not operator_token and not curators:
            raise Forbidden("writes are off: this server has no CLAIMGRAPH_TOKEN configured and no curator")
        return authenticate(token, curators, operator_token=operator_token, mint=self.mint)

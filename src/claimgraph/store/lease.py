"""The write lease on a SPARQL server: one claimgraph process writes at a time.

Several claimgraph processes (``serve`` processes, a CLI) may share one server. A write
reads the store (to validate the change and derive its consensus) and then commits; two
writes whose reads and commits interleave would commit changes planned on a store that
has moved. So a writer holds the lease from its first read to its commit, and the commit's
own operation joins the lease (:mod:`.commit`): a commit whose lease ran out matches
nothing and writes nothing.

Taking the lease is a compare-and-set that needs no more of the server than read-committed
updates (Virtuoso does not serialise two ``DELETE/INSERT`` operations on one counter: both
read the old value): each candidate inserts a lease node of its own, then reads every lease
node; it holds the lease when no other unexpired one is there, and otherwise withdraws its
own and tries again after a random pause. Two candidates cannot both hold it: the later
one's read comes after the earlier one's insert. A lease past its time (a process that died)
is ignored and removed.
"""

from __future__ import annotations

import contextlib
import random
import time
import uuid

from ..errors import QueryError, QueryTimeout, StoreError
from .http import SparqlClient
from .register import LEASE, LEASE_UNTIL, REGISTER

__all__ = ["LEASE_SECONDS", "Lease"]

#: How long a lease holds without its writer (a process that died frees it after this).
LEASE_SECONDS = 900.0


class Lease:
    """The lease of one store on a server, taken by :meth:`take` and given back by :meth:`drop`."""

    def __init__(self, client: SparqlClient, *, wait: float, timeout: float, read: object) -> None:
        """:param wait: seconds to wait for another writer; :param timeout: of each request;
        :param read: ``read(select) -> rows``, the store's reader of its register."""
        self.client = client
        self.wait = wait
        self.timeout = timeout
        self._read = read
        self.node: str | None = None

    def take(self) -> str:
        """Take the lease; the IRI of this holder's lease node.

        :raises StoreError: when another writer holds it for longer than ``wait`` seconds.
        """
        deadline = time.monotonic() + self.wait
        while True:
            node = f"{LEASE}{uuid.uuid4().hex}"
            until = round((time.time() + LEASE_SECONDS) * 1000)
            self._update(f"INSERT DATA {{ GRAPH <{REGISTER}> {{ <{node}> <{LEASE_UNTIL}> {until} }} }}")
            now = round(time.time() * 1000)
            rows = self._read(f"SELECT ?l ?u WHERE {{ GRAPH <{REGISTER}> {{ ?l <{LEASE_UNTIL}> ?u }} }}")
            others = [(r["l"].value, int(r["u"].value)) for r in rows if r["l"].value != node]
            stale = [name for name, u in others if u < now]
            if stale:
                self._forget(stale)
            if not [name for name, u in others if u >= now]:
                self.node = node
                return node
            self._forget([node])
            if time.monotonic() > deadline:
                raise StoreError(
                    f"another claimgraph process has been writing to the SPARQL server for more than "
                    f"{self.wait:g} s; nothing was written: try again when it is done"
                )
            time.sleep(random.uniform(0.05, 0.3))

    def drop(self) -> None:
        """Give the lease back (a lease that cannot be given back runs out by itself)."""
        if self.node is not None:
            with contextlib.suppress(StoreError, QueryError, QueryTimeout):
                self._forget([self.node])
            self.node = None

    def _forget(self, nodes: list[str]) -> None:
        values = " ".join(f"<{n}>" for n in nodes)
        self._update(
            f"DELETE {{ GRAPH <{REGISTER}> {{ ?l <{LEASE_UNTIL}> ?u }} }} "
            f"WHERE {{ VALUES ?l {{ {values} }} GRAPH <{REGISTER}> {{ ?l <{LEASE_UNTIL}> ?u }} }}"
        )

    def _update(self, text: str) -> None:
        self.client.update(text, timeout=self.timeout)

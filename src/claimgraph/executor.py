"""Running queries for the server: the contract, and an in-process executor.

The web layer never queries the store directly; it asks an executor, which
answers with bytes already serialised in the negotiated format. Two
implementations share this contract:

* :class:`InlineExecutor` runs in the calling process (the CLI, tests, and
  ``:memory:`` stores). It cannot stop a runaway query.
* ``ProcessExecutor`` (see below, when present) runs queries in a pool of
  worker processes that open the store read-only and are killed and replaced
  when a query passes its time limit or crashes.

pyoxigraph's read-only opening is undefined behaviour while another process
writes, so a write goes through :meth:`Executor.write`: it waits for running
queries, closes every reader, opens the store for writing, runs the write,
closes it, and reopens the readers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from .errors import NotAcceptable, QueryRefused, QueryTimeout, ResultTooLarge, WorkerCrashed
from .store import Store

__all__ = [
    "Executor",
    "InlineExecutor",
    "NotAcceptable",
    "QueryAnswer",
    "QueryRefused",
    "QueryRequest",
    "QueryTimeout",
    "ResultTooLarge",
    "WorkerCrashed",
]

T = TypeVar("T")


@dataclass(frozen=True)
class QueryRequest:
    """Everything a worker needs to run one query and serialise its answer."""

    sparql: str
    accept: str = "*/*"
    format: str | None = None  # an explicit format name (?format=json) that beats Accept
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    union_default_graph: bool = True
    base_iri: str | None = None


@dataclass(frozen=True)
class QueryAnswer:
    kind: str  # "select", "ask" or "graph"
    media_type: str
    body: bytes


class Executor(Protocol):
    def query(self, request: QueryRequest, *, timeout: float | None = None) -> QueryAnswer: ...

    def write(self, action: Callable[[Store], T]) -> T: ...

    def close(self) -> None: ...


class InlineExecutor:
    """Runs queries and writes in this process, one write at a time.

    ``answer`` turns a request into a :class:`QueryAnswer` against a store; it is
    given by the caller so that this module stays below serialisation choices.
    """

    def __init__(self, store: Store, answer: Callable[[Store, QueryRequest], QueryAnswer]) -> None:
        self._store = store
        self._answer = answer
        self._lock = threading.RLock()

    def query(self, request: QueryRequest, *, timeout: float | None = None) -> QueryAnswer:
        with self._lock:
            return self._answer(self._store, request)

    def write(self, action: Callable[[Store], T]) -> T:
        with self._lock:
            return action(self._store)

    def close(self) -> None:
        self._store.close()

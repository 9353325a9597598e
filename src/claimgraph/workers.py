"""A pool of killable workers that answer requests, and an in-process stand-in.

The pool is given the function it runs, ``answer(store, request) -> answer``
(for the server, :func:`claimgraph.answers.answer` with its limits), and knows
nothing of queries or formats: it opens the store, hands each request to the
function in a worker process, and kills the process at the time limit. Two
implementations share this contract:

* :class:`InlineExecutor` runs in the calling process (the CLI, tests, and
  ``:memory:`` stores). It cannot stop a runaway query.
* :class:`ProcessExecutor` runs requests in a pool of worker processes that
  open the store read-only and are killed (SIGKILL) and replaced when a request
  passes its time limit or crashes. pyoxigraph cannot cancel a running query,
  so killing its process is the only way to free the CPU.

pyoxigraph's read-only opening is undefined behaviour while another process
writes. So either the server keeps the store open for writing and the workers read
snapshots of it (``snapshots=True``: the engine's online backup after each commit, hard
links in the store's folder; reads go on while a write is validated and committed, and
the next query reads the new commit), or a write goes through :meth:`Executor.write` with
every reader closed: it waits for running queries, closes every reader, opens the store
for writing, runs the write, closes it, and reopens the readers.
"""

from __future__ import annotations

import atexit
import contextlib
import threading
import time
import traceback
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

from .errors import QueryTimeout, StoreError, WorkerCrashed
from .processes import context as processes_context
from .store import Store
from .store import snapshots as snapshot_folder
from .workerloop import Answer, Opener, Worker, await_open, close, open_store

__all__ = ["Answer", "Executor", "InlineExecutor", "ProcessExecutor"]

T = TypeVar("T")


class Executor(Protocol):
    def query(self, request: Any, *, timeout: float | None = None) -> Any: ...

    def write(self, action: Callable[[Store], T]) -> T: ...

    def close(self) -> None: ...


class InlineExecutor:
    """Runs requests and writes in this process, one at a time, with the ``answer`` it is given."""

    def __init__(self, store: Store, answer: Answer) -> None:
        self._store = store
        self._answer = answer
        self._lock = threading.RLock()

    def query(self, request: Any, *, timeout: float | None = None) -> Any:
        with self._lock:
            return self._answer(self._store, request)

    def write(self, action: Callable[[Store], T]) -> T:
        with self._lock:
            return action(self._store)

    def close(self) -> None:
        self._store.close()


class ProcessExecutor:
    """Runs each query in one of ``workers`` processes that hold the store open read-only.

    A query that runs past ``timeout`` seconds has its process killed; the
    caller gets :class:`QueryTimeout` and a fresh process takes its place. A
    process that dies during a query (pyoxigraph can crash on hostile input)
    gives :class:`WorkerCrashed` and is replaced too. Other queries go on in the
    other processes meanwhile. Waiting for a free process counts against the
    same time limit, so a request waits at most twice ``timeout`` in all.

    Processes are started from a ``forkserver`` (never forked from this process,
    whose threads and RocksDB handles a fork would copy in an unknown state),
    which imports the module of ``answer`` once so that a replacement starts in
    milliseconds.

    :param store_path: the store's folder; ``:memory:`` cannot be shared
        between processes (use :class:`InlineExecutor`).
    :param answer: what a worker runs for each request, a picklable
        ``(store, request) -> answer`` (a module-level function or a
        :func:`functools.partial` of one); whatever it raises reaches the caller.
    :param start_timeout: seconds a new worker may take to open the store.
    :param opener: opens the store, ``opener(read_only=…)`` (default: the embedded store in
        ``store_path``); a store on a SPARQL server is opened so.
    :param exclusive_writes: stop every reader while a write runs (the embedded store must;
        a SPARQL server takes writes beside reads, and queries go on).
    :raises StoreError: when the workers cannot open the store (e.g. a writer holds it).
    """

    def __init__(
        self,
        store_path: str | Path,
        answer: Answer,
        *,
        workers: int = 2,
        timeout: float = 30.0,
        start_timeout: float = 60.0,
        context: str = "forkserver",
        opener: Opener | None = None,
        exclusive_writes: bool = True,
        snapshots: bool = False,
    ) -> None:
        if str(store_path) == ":memory:":
            raise StoreError("an in-memory store cannot be shared with worker processes")
        if workers < 1:
            raise StoreError("a process executor needs at least one worker")
        self.path = str(store_path)
        self.workers = workers
        self.timeout = timeout
        self.start_timeout = start_timeout
        self._answer = answer
        self._opener = opener
        self._exclusive = exclusive_writes
        self._ctx = processes_context(context)
        if context == "forkserver":
            self._ctx.set_forkserver_preload([_module_of(answer)])
        self._cond = threading.Condition()
        self._write_lock = threading.Lock()
        self._idle: list[Worker] = []
        self._busy: set[Worker] = set()
        self._writing = False
        self._closed = False
        self._writer: Store | None = None
        self._snapshot: Path | None = None  # the one the next query reads (snapshots=True)
        self._taken = 0  # snapshots taken, and the number of the one queries read (never goes back)
        self._reading = 0
        _LIVE.add(self)
        try:
            if snapshots:
                self._writer = self._open(read_only=False)
                snapshot_folder.prune(Path(self.path), keep=set())  # a former server's
                self._snapshot = snapshot_folder.take(self._writer)
            self._idle = [self._spawn() for _ in range(workers)]
            for worker in self._idle:
                worker.wait_ready(start_timeout)
        except BaseException:
            self.close()
            raise

    def _spawn(self) -> Worker:
        if self._snapshot is not None:
            worker = Worker(self._ctx, (str(self._snapshot), self._answer, None))
            worker.snapshot = self._snapshot
            return worker
        return Worker(self._ctx, (self.path, self._answer, self._opener))

    def pids(self) -> list[int]:
        """Process ids of the current workers, idle and busy (for monitoring and tests)."""
        with self._cond:
            return sorted(w.process.pid for w in [*self._idle, *self._busy] if w.process.pid)

    def query(self, request: Any, *, timeout: float | None = None) -> Any:
        """Run ``request`` in a worker and return what ``answer`` returned.

        :raises QueryTimeout: when the request (or the wait for a free worker) passes ``timeout``.
        :raises WorkerCrashed: when the worker died during the request; it has been replaced.
        :raises ClaimgraphError: and whatever else ``answer`` raised.
        """
        limit = self.timeout if timeout is None else timeout
        worker = self._acquire(limit)
        healthy = False
        try:
            worker.wait_ready(self.start_timeout)
            try:
                worker.conn.send(("query", request, limit, str(worker.snapshot) if worker.snapshot else None))
                deadline = time.monotonic() + limit
                while True:  # what comes before the reply says a snapshot was opened
                    if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                        worker.kill()
                        raise QueryTimeout(f"the query ran longer than {limit:g} s and was stopped")
                    status, payload = worker.conn.recv()
                    if status != "opened":
                        break
                worker.pending = False
            except (EOFError, OSError):
                worker.kill()
                raise WorkerCrashed(
                    f"the query stopped the process running it ({worker.how_it_ended()}); "
                    "it has been replaced"
                ) from None
            healthy = True
        finally:
            self._release(worker, healthy)
        if status == "ok":
            return payload
        raise payload

    def _acquire(self, limit: float) -> Worker:
        deadline = time.monotonic() + limit
        with self._cond:
            while True:
                if self._closed:
                    raise StoreError("the query executor is closed")
                if not self._writing and self._idle:
                    worker = self._ready_worker()
                    self._busy.add(worker)
                    worker.snapshot = self._snapshot or worker.snapshot  # the newest commit
                    return worker
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise QueryTimeout(f"no query worker was free within {limit:g} s; try again later")
                self._cond.wait(remaining)

    def _ready_worker(self) -> Worker:
        """The idle worker a read should go to (with the lock held): one that holds the newest
        snapshot open already, else one that is not still opening another, else any."""
        ranked = sorted(
            self._idle, key=lambda w: (w.pending, self._snapshot is not None and w.snapshot != self._snapshot)
        )
        self._idle.remove(ranked[0])
        return ranked[0]

    def _release(self, worker: Worker, healthy: bool) -> None:
        if not healthy:
            worker.kill()
        with self._cond:
            self._busy.discard(worker)
            closed, writing = self._closed, self._writing
        # A write restarts every worker itself, and a closed executor needs none.
        replacement = None if healthy or closed or writing else self._spawn()
        with self._cond:
            if healthy and not self._closed:
                self._idle.append(worker)
            elif replacement is not None and not self._closed:
                self._idle.append(replacement)
            else:
                stray = worker if healthy else replacement
                if stray is not None:
                    stray.stop()
            self._cond.notify_all()

    def write(self, action: Callable[[Store], T]) -> T:
        """Run ``action`` on the store opened for writing, with every reader closed.

        New queries wait; running ones finish or are stopped by their time
        limits; the workers are stopped (releasing their shared locks), the
        store is opened read-write here, ``action`` runs, the store is closed and
        fresh workers start, whether ``action`` succeeded or raised. Without
        ``exclusive_writes``, ``action`` runs on a store of its own while queries go on.
        """
        if self._writer is not None:
            return self._write_beside_readers(action)
        if not self._exclusive:
            with self._write_lock:
                store = self._open(read_only=False)
                try:
                    return action(store)
                finally:
                    store.close()
        with self._write_lock:
            with self._cond:
                if self._closed:
                    raise StoreError("the query executor is closed")
                self._writing = True
                self._cond.wait_for(lambda: not self._busy)
                retired, self._idle = self._idle, []
            try:
                for worker in retired:
                    worker.stop()
                store = self._open(read_only=False)
                try:
                    return action(store)
                except BaseException as exc:
                    _forget_locals(exc)
                    raise
                finally:
                    store.close()
            finally:
                with self._cond:
                    closed = self._closed
                fresh = [] if closed else [self._spawn() for _ in range(self.workers)]
                with self._cond:
                    self._idle.extend(fresh)
                    self._writing = False
                    self._cond.notify_all()

    def _write_beside_readers(self, action: Callable[[Store], T]) -> T:
        """Run ``action`` on the store kept open for writing while the workers read the last
        snapshot; then publish a snapshot of what it committed and remove those no one reads."""
        taken: tuple[Path, int] | None = None
        try:
            with self._write_lock:
                if self._writer is None:  # closed after a failed write: open again (space freed?)
                    self._writer = self._open(read_only=False)
                writer = self._writer
                try:
                    return action(writer)
                except BaseException as exc:
                    _forget_locals(exc)
                    if isinstance(exc, StoreError):  # the engine stops writing after an I/O error
                        self._writer = None
                        close(writer)
                    raise
                finally:
                    if self._writer is not None:
                        self._taken += 1
                        taken = snapshot_folder.take(self._writer), self._taken
        finally:
            if taken is not None:  # the next write commits meanwhile
                self._publish(*taken)

    def _publish(self, snapshot: Path, number: int) -> None:
        """Make ``snapshot`` the one queries read, once a worker holds it open.

        Opening a snapshot takes tens of milliseconds; a read beside a stream of writes would
        pay it at every commit. So one idle worker opens it first while reads still go to the
        others (and the previous snapshot); the write returns once it has, so that a read sent
        after the write's answer reads what it committed; the other idle workers open it next,
        and a read prefers a worker that is not opening one. A worker holds the snapshot it
        reads locked, so pruning leaves it be.
        """
        with self._cond:
            first = min(self._idle, key=lambda w: w.pending) if self._idle else None
            if first is not None:
                self._idle.remove(first)
                self._busy.add(first)
        if first is not None:
            try:
                first.conn.send(("open", str(snapshot)))
                opened = await_open(first, snapshot, self.start_timeout)
            except (OSError, EOFError):
                opened = None
            first.pending = False
            if opened:
                first.snapshot = snapshot
            self._release(first, healthy=opened is not None)
        with self._cond:
            if number > self._reading:
                self._snapshot, self._reading = snapshot, number
            for worker in self._idle:
                if worker.snapshot != self._snapshot:
                    with contextlib.suppress(OSError):
                        worker.conn.send(("open", str(self._snapshot)))
                        worker.snapshot, worker.pending = self._snapshot, True
            keep = {self._snapshot} | {w.snapshot for w in [*self._idle, *self._busy]}
        snapshot_folder.prune(Path(self.path), keep={k for k in keep if k is not None})

    def _open(self, *, read_only: bool) -> Store:
        return open_store(self.path, self._opener, read_only=read_only)

    def close(self) -> None:
        """Stop every worker; running queries end with :class:`WorkerCrashed`."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            idle, busy = self._idle, list(self._busy)
            self._idle = []
            self._cond.notify_all()
        for worker in busy:
            worker.kill()
        for worker in idle:
            worker.stop()
        if self._writer is not None:
            with self._write_lock:
                writer, self._writer = self._writer, None
                if writer is not None:
                    close(writer)
                    snapshot_folder.prune(Path(self.path), keep=set())
        _LIVE.discard(self)

    def __enter__(self) -> ProcessExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _module_of(answer: Answer) -> str:
    """The module that defines ``answer`` (through a :func:`functools.partial`)."""
    return getattr(getattr(answer, "func", answer), "__module__", None) or __name__


def _forget_locals(exc: BaseException) -> None:
    """Clear the locals of the frames an exception carries.

    A failed write's traceback keeps the frames of ``action`` alive, and with
    them any reference to the pyoxigraph store, whose RocksDB lock would then
    outlive :meth:`claimgraph.store.embedded.OxigraphStore.close` and refuse the next write.
    """
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        traceback.clear_frames(current.__traceback__)
        todo += [current.__cause__, current.__context__]


_LIVE: weakref.WeakSet[ProcessExecutor] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    """No worker outlives the server, however it exits."""
    for executor in list(_LIVE):
        executor.close()

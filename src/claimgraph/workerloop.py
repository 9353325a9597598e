"""What runs inside a query worker process (:class:`claimgraph.workers.ProcessExecutor`).

A worker opens the store read-only and answers the requests its pipe brings, one at a time:

* ``("query", request, timeout, snapshot)``: answers ``("ok", answer)`` or ``("error", exc)``,
  after opening ``snapshot`` first when it is not the one the worker holds;
* ``("open", snapshot)``: opens a newer commit's snapshot before a read asks for it and answers
  ``("opened", (snapshot, whether it did))``;
* ``("stop",)``: leaves.

A watchdog thread ends the worker when the server is gone during a query.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import StoreError
from .processes import Child, ChildDied, Deadline
from .store import Store, StoreOpener

__all__ = ["Answer", "Opener", "Worker", "await_open", "close", "open_store", "worker_main"]

#: What a pool is given to run: ``(store, request) -> answer``; picklable for a process pool.
Answer = Callable[[Store, Any], Any]
#: What opens the store in a worker (``read_only=True``) and for a write; picklable.
Opener = Callable[..., Store]


def open_store(path: str, opener: Opener | None, *, read_only: bool) -> Store:
    return (opener if opener is not None else StoreOpener(path))(read_only=read_only)


def close(store: Store) -> None:
    with contextlib.suppress(StoreError):  # its flush failed (a full device): the commits are in its log
        store.close()


def worker_main(conn: Any, path: str, answer: Answer, opener: Opener | None = None) -> None:
    """A worker's life: open the store read-only, answer requests until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which stops us
    try:
        store = open_store(path, opener, read_only=True)
    except Exception as exc:
        conn.send(("failed", _portable(exc)))
        return
    conn.send(("ready", os.getpid()))
    watchdog = _Watchdog(conn)
    try:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                return  # the parent is gone
            if message[0] == "stop":
                return
            if message[0] == "open":  # a newer commit's snapshot, opened before a read asks
                with contextlib.suppress(Exception):  # a read opens it again, and says why not
                    if message[1] != path:
                        opened = open_store(message[1], None, read_only=True)
                        close(store)
                        store, path = opened, message[1]
                try:
                    conn.send(("opened", (message[1], path == message[1])))
                except OSError:
                    return
                continue
            _, request, timeout, snapshot = message
            watchdog.arm(timeout)
            try:
                if snapshot is not None and snapshot != path:  # a newer commit's snapshot
                    store.close()
                    store = open_store(snapshot, None, read_only=True)
                    path = snapshot
                reply: tuple[str, Any] = ("ok", answer(store, request))
            except Exception as exc:
                reply = ("error", _portable(exc))
            watchdog.disarm()
            try:
                conn.send(reply)
            except OSError:
                return
    finally:
        store.close()


class _Watchdog:
    """Ends the worker itself when the server is gone during a query, or the query outlives its limit by far.

    The server kills a worker at the time limit; this matters only when the
    server died without doing so (SIGKILL, OOM), so that no orphan runs a
    runaway query on. While a query runs the server sends nothing, so the
    pipe turning readable then means its other end was closed.
    """

    GRACE = 10.0

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self._deadline: float | None = None
        self._lock = threading.Lock()
        threading.Thread(target=self._watch, name="claimgraph-watchdog", daemon=True).start()

    def arm(self, timeout: float) -> None:
        with self._lock:
            self._deadline = time.monotonic() + 2 * timeout + self.GRACE

    def disarm(self) -> None:
        with self._lock:
            self._deadline = None

    def _watch(self) -> None:
        while True:
            time.sleep(0.5)
            # Checked under the lock: once disarmed, the next request may arrive.
            with self._lock:
                if self._deadline is not None and (time.monotonic() > self._deadline or self._conn.poll(0)):
                    os._exit(70)


def _portable(exc: Exception) -> Exception:
    """``exc`` if it survives pickling, else a plain error that says what it was."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


class Worker(Child):
    """One worker process and the parent's end of its pipe (:class:`claimgraph.processes.Child`)."""

    def __init__(self, ctx: Any, args: tuple[Any, ...]) -> None:
        super().__init__(worker_main, args, name="claimgraph-query", ctx=ctx)
        self.ready = False
        self.snapshot: Path | None = None  # the snapshot it reads (snapshots=True)
        self.pending = False  # told to open one, and its answer not read yet

    def wait_ready(self, timeout: float) -> None:
        if self.ready:
            return
        try:
            status, payload = self.receive(timeout=timeout)
        except Deadline:
            raise StoreError(f"a query worker did not open the store within {timeout:g} s") from None
        except ChildDied as exc:
            raise StoreError(f"a query worker died while opening the store ({exc})") from None
        if status != "ready":
            raise payload
        self.ready = True


def await_open(worker: Worker, snapshot: Path, timeout: float) -> bool | None:
    """Whether ``worker`` opened ``snapshot`` (answers to earlier opens it was sent, and that it
    started, are read on the way); None when it died or did not answer within ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while worker.conn.poll(max(0.0, deadline - time.monotonic())):
        status, payload = worker.conn.recv()
        if status == "ready":
            worker.ready = True
        elif status == "failed":
            return None
        elif status == "opened" and payload[0] == str(snapshot):
            return bool(payload[1])
    return None

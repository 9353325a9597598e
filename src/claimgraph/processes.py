"""Child processes: started, given a deadline, killed, their errors passed back.

One set of rules for every child claimgraph starts — the query workers
(:mod:`claimgraph.workers`), the dry run of an update on disk
(:mod:`claimgraph.store.dryrun`) and background validation (:mod:`claimgraph.validation`):

* a child is a fresh interpreter from the forkserver, never a fork of this process, whose
  threads and open store a fork would copy in an unknown state;
* it talks to its parent through a pipe: messages are ``(kind, payload)`` tuples;
* pyoxigraph cannot cancel a running query or update, so a child past its deadline is
  killed (SIGKILL): killing its process is the only way to free the CPU;
* a child that died says how (exit code or signal), for the error message.

>>> child = Child(_echo, ("ready",))
>>> child.receive(timeout=60)
('echo', 'ready')
>>> child.stop(); child.how_it_ended()
'exit code 0'
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
from collections.abc import Callable
from typing import Any

__all__ = ["CONTEXT", "Child", "ChildDied", "Deadline", "context", "run_once"]

#: How children start (see above).
CONTEXT = "forkserver"


class Deadline(Exception):
    """A child did not answer within its time; it has been killed."""


class ChildDied(Exception):
    """A child ended without answering; the message says how."""


def context(name: str = CONTEXT) -> Any:
    """The multiprocessing context children start from."""
    return multiprocessing.get_context(name)


class Child:
    """A child process running ``target(conn, *args)``, and the parent's end of its pipe."""

    def __init__(
        self, target: Callable[..., None], args: tuple[Any, ...], *, name: str = "claimgraph", ctx: Any = None
    ) -> None:
        ctx = ctx if ctx is not None else context()
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=target, args=(child, *args), name=name, daemon=True)
        self.process.start()
        child.close()

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def send(self, message: tuple[Any, ...]) -> None:
        self.conn.send(message)

    def receive(self, *, timeout: float | None) -> tuple[Any, ...]:
        """The child's next message.

        :raises Deadline: when none comes within ``timeout`` seconds (the child is killed).
        :raises ChildDied: when the child ends without one.
        """
        try:
            if timeout is not None and not self.conn.poll(timeout):
                self.kill()
                raise Deadline(f"no answer within {timeout:g} s")
            return self.conn.recv()
        except (EOFError, OSError):
            self.kill()
            raise ChildDied(self.how_it_ended()) from None

    def kill(self) -> None:
        """Kill the child (if it still runs) and wait for it."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()

    def stop(self, *, grace: float = 5.0) -> None:
        """Ask the child to leave (a ``("stop",)`` message); kill it if it does not."""
        with contextlib.suppress(OSError):
            self.conn.send(("stop",))
        self.process.join(grace)
        self.kill()

    def how_it_ended(self) -> str:
        code = self.process.exitcode
        if code is None:
            return "still running"
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exit code {code}"


def run_once(target: Callable[..., None], args: tuple[Any, ...], *, timeout: float) -> tuple[Any, ...]:
    """Run ``target(conn, *args)`` in a child until it sends one message; kill it then, or at the deadline.

    :raises Deadline: past ``timeout`` seconds. :raises ChildDied: when it ends without a message.
    """
    child = Child(target, args)
    try:
        return child.receive(timeout=timeout)
    finally:
        child.kill()


def _echo(conn: Any, text: str) -> None:
    conn.send(("echo", text))

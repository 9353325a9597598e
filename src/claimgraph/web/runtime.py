"""Which executor the server uses.

Queries are answered by :func:`claimgraph.answers.answer` (pyoxigraph
serialisers, format chosen by :func:`claimgraph.negotiation.choose_format`,
capped at ``max_rows``), either in worker processes or in this process.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from ..answers import answer
from ..api import Claimgraph
from ..store import MEMORY, Store
from ..workers import Executor, InlineExecutor, QueryAnswer, QueryRequest


def answer_function(cg: Claimgraph) -> Callable[[Store, QueryRequest], QueryAnswer]:
    """:func:`claimgraph.answers.answer` with this claimgraph's limits."""
    s = cg.settings
    return partial(answer, max_rows=s.max_rows, allow_service=s.allow_service)


def make_executor(cg: Claimgraph, *, processes: bool = False) -> Executor:
    """The executor of an app.

    :param processes: run queries in worker processes with a time limit
        (:class:`claimgraph.workers.ProcessExecutor`), as ``serve`` does; else in
        this process (:class:`InlineExecutor`), as tests and ``:memory:`` stores do.
    """
    s = cg.settings
    if processes and s.store != MEMORY:
        from ..workers import ProcessExecutor

        # Workers open the store read-only, which needs it to exist: create it
        # first, so that serve works on a fresh machine.
        if not Path(s.store).exists():
            cg.open_store().close()
        return ProcessExecutor(
            s.store,
            workers=s.query_workers,
            timeout=s.query_timeout,
            max_rows=s.max_rows,
            allow_service=s.allow_service,
        )
    return InlineExecutor(cg.open_store(), answer_function(cg))

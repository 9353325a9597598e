"""A load's phases timed separately: read, validate, spool, consensus, commit, index.

The write path streams a large load (sheets are read while earlier chunks are validated,
and each validated chunk is spooled), so its phases interleave; this hook charges each
moment of the loading thread's wall time to the one phase it is spent in, so that the
phases add up to the load's time. It uses the write path's own ``Progress`` callback (the
stage it reports: validating, reading what the change touches, deriving consensus,
committing) and wraps, on the objects of one load only, the three calls the stages do not
separate: pulling the next new graph from the sheets (read), writing a chunk to the spool
(spool) and the after-commit hook that indexes the new quotes for search (index).

* **read** — the corpus folder read and mapped to RDF (sheets, quotes anchored in their
  texts, the registry, the vocabulary graphs);
* **validate** — the SHACL checks of the new graphs and of what the change touches, with
  the store reads they need (from the second chunk on, validation runs in a background
  process: what is charged here is the loading thread's wait for it);
* **spool** — the new graphs written to the spool for the commit;
* **consensus** — the consensus delta of the keys the change touches;
* **commit** — the transaction (the spool and the quads added and removed);
* **index** — the search index brought up to date after the commit.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

PHASES = ("read", "validate", "spool", "consensus", "commit", "index")
#: The write path's progress stages → the phase they are.
STAGES = {
    "validating": "validate",
    "reading": "validate",  # the store's triples of what the change touches, read to validate it
    "deriving consensus": "consensus",
    "committing": "commit",
}


class PhaseClock:
    """Wall time per phase: the innermost phase running is charged; the phases add up."""

    def __init__(self, first: str = "read") -> None:
        self.seconds: dict[str, float] = dict.fromkeys(PHASES, 0.0)
        self.stack = [first]
        self.mark = time.perf_counter()

    def _charge(self) -> None:
        now = time.perf_counter()
        self.seconds[self.stack[-1]] = self.seconds.get(self.stack[-1], 0.0) + now - self.mark
        self.mark = now

    def enter(self, phase: str) -> None:
        self._charge()
        self.stack.append(phase)

    def leave(self) -> None:
        self._charge()
        self.stack.pop()

    def progress(self, stage: str, done: int, total: int) -> None:
        """The write path's ``Progress`` callback: a stage switches the phase beneath any wrapped call."""
        self._charge()
        phase = STAGES.get(stage, stage)
        if stage == "committing" and total and done >= total:
            phase = "other"  # the commit is done: what follows is the report and the after-commit hook
        self.stack[0] = phase

    def stop(self) -> dict[str, float]:
        self._charge()
        return dict(self.seconds)

    def timed(self, phase: str, call: Any) -> Any:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            self.enter(phase)
            try:
                return call(*args, **kwargs)
            finally:
                self.leave()

        return wrapped

    def timed_iter(self, phase: str, items: Iterable[Any]) -> Iterator[Any]:
        iterator = iter(items)
        while True:
            self.enter(phase)
            try:
                item = next(iterator)
            except StopIteration:
                return
            finally:
                self.leave()
            yield item


class _TimedSpool:
    """A spool whose ``add`` is charged to the spool phase; everything else is the spool's."""

    def __init__(self, spool: Any, clock: PhaseClock) -> None:
        self._spool = spool
        self.add = clock.timed("spool", spool.add)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._spool, name)


def timed_load(app: Any, store: Any, folder: Path) -> tuple[Any, dict[str, float]]:
    """``app.load(store, folder)`` with its phases timed; returns its report and the seconds per phase.

    The hooks are set on ``app`` and ``store`` for this load only, and removed after it.
    """
    clock = PhaseClock()
    make_change, make_spool, committed = app._corpus_change, store.spool, app.committed

    def change(*args: Any, **kwargs: Any) -> Any:
        found = make_change(*args, **kwargs)
        if found.fresh is not None:
            found.fresh.graphs = clock.timed_iter("read", found.fresh.graphs)
        return found

    app._corpus_change = change
    store.spool = lambda: _TimedSpool(make_spool(), clock)
    app.committed = clock.timed("index", committed)
    try:
        start = time.perf_counter()
        report = app.load(store, folder, progress=clock.progress)
        total = time.perf_counter() - start
    finally:
        del app._corpus_change, app.committed, store.spool
    seconds = clock.stop()
    seconds["total"] = total
    return report, seconds

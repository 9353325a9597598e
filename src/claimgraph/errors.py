"""One base error class, and the domain errors the edges translate.

Each error knows where its cause is, so that the CLI can print one line and the
web layer can build one JSON body from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class ClaimgraphError(Exception):
    """Base class of every error claimgraph raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, with where it is.

    >>> str(Problem("quote not found", sheet="a.yaml", line=12, claim="c1"))
    'a.yaml:12: claim c1: quote not found'
    """

    message: str
    sheet: str | None = None
    line: int | None = None
    claim: str | None = None
    shape: str | None = None
    focus: str | None = None
    path: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.sheet:
            where = f"{self.sheet}:{self.line}: " if self.line else f"{self.sheet}: "
        parts = [where]
        if self.claim:
            parts.append(f"claim {self.claim}: ")
        parts.append(self.message)
        if self.shape:
            parts.append(f" [shape {self.shape}]")
        return "".join(parts)

    def as_dict(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class InvalidInput(ClaimgraphError):
    """Input that cannot be accepted: every problem found, not just the first."""

    problems: list[Problem] = field(default_factory=list)
    report: str | None = None

    def __str__(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        lines = [f"{len(self.problems)} problems:"]
        lines += [f"  {p}" for p in self.problems]
        return "\n".join(lines)


class SheetError(InvalidInput):
    """A claim sheet that cannot be read or whose claims cannot be anchored."""


class ValidationFailed(InvalidInput):
    """A batch that breaks the SHACL shapes; ``report`` is the Turtle report."""


class QueryError(ClaimgraphError):
    """A SPARQL query or update that cannot be parsed or is not allowed."""


class StoreError(ClaimgraphError):
    """The store cannot be opened, read or written."""


class ConfigError(ClaimgraphError):
    """A setting with a value that cannot be used."""


class QueryRefused(QueryError):
    """A query asks for something this server does not allow (SERVICE, LOAD, FROM outside the store)."""


class QueryTimeout(ClaimgraphError):
    """The query ran past its time limit and was stopped."""


class ResultTooLarge(ClaimgraphError):
    """The answer has more rows (or triples) than the configured limit."""


class NotAcceptable(ClaimgraphError):
    """No format the client accepts can carry this kind of answer."""


class WorkerCrashed(ClaimgraphError):
    """The process running a query died; it has been replaced."""


class BadRdf(ClaimgraphError):
    """An upload that cannot be parsed, or that would make the parser fetch or expand something.

    ``line`` and ``column`` say where, when the parser knows.
    """

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class UnsupportedFormat(ClaimgraphError):
    """An upload in a media type no parser here reads."""


class CorpusNotFound(ClaimgraphError):
    """A folder given as a corpus that holds no ``corpus.yaml``: an error (exit 2), not a violation."""


class Conflict(InvalidInput):
    """A write that would replace or contradict what another corpus put in the store (409)."""

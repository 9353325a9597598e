"""One base error class, and the domain errors the edges translate: the one error table.

Each error knows where its cause is, so that the CLI can print one line and the
web layer can build one JSON body from it. Each domain error's row is declared
once, here, as class attributes: its HTTP ``status``, its ``code`` (the
``error.code`` of the JSON body) and the CLI's ``exit_code``; ``details()``
gives what the JSON body carries beside the message. A subclass inherits its
parent's row. A :class:`ClaimgraphError` without a row (``status`` None), like
anything unexpected, is a logged 500 with a generic message.

>>> NotFound.status, NotFound.code, NotFound.exit_code
(404, 'not-found', 2)
>>> BadRdf("bad", line=3).details()
{'line': 3}
>>> sorted(cls.__name__ for cls in table())[:3]
['BadRdf', 'ConfigError', 'Conflict']
"""

from __future__ import annotations

import errno
from dataclasses import dataclass, field


class ClaimgraphError(Exception):
    """Base class of every error claimgraph raises on purpose."""

    #: HTTP status; None: no row of its own (a logged 500 with a generic message).
    status: int | None = None
    #: The ``error.code`` of the JSON body.
    code: str = "internal"
    #: What the CLI exits with.
    exit_code: int = 2

    def details(self) -> dict[str, object]:
        """What the JSON error body carries beside the message."""
        return {}


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

    status = 422
    code = "invalid-input"

    def details(self) -> dict[str, object]:
        out: dict[str, object] = {"problems": [p.as_dict() for p in self.problems]}
        if self.report:
            out["report"] = self.report
        return out

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

    status = 400
    code = "bad-query"


class StoreError(ClaimgraphError):
    """The store cannot be opened, read or written."""

    status = 503
    code = "store-unavailable"


class NoSpace(StoreError):
    """The device that holds the store is full (or over its quota): the write did not happen."""

    status = 507
    code = "insufficient-storage"


#: What the engine says when the device is full (it does not always set ``errno``).
_FULL = ("No space left on device", "Disk quota exceeded")


def write_failed(exc: BaseException, location: object, *, outcome: str = "nothing was written") -> StoreError:
    """The domain error for an I/O error while the store at ``location`` was written.

    A full device is :class:`NoSpace` (507), anything else a :class:`StoreError` (503);
    ``outcome`` says what became of the write.

    >>> str(write_failed(OSError("IO error: No space left on device: While appending"), "/s"))
    'no space left on the device of the store at /s: nothing was written; free some space and try again (IO error: No space left on device: While appending)'
    >>> type(write_failed(OSError(errno.EIO, "Input/output error"), "/s")).__name__
    'StoreError'
    """
    text = str(exc)
    if getattr(exc, "errno", None) in (errno.ENOSPC, errno.EDQUOT) or any(f in text for f in _FULL):
        return NoSpace(
            f"no space left on the device of the store at {location}: {outcome}; "
            f"free some space and try again ({text})"
        )
    return StoreError(f"write failed, {outcome}: {text}")


class ConfigError(ClaimgraphError):
    """A setting with a value that cannot be used."""

    status = 500
    code = "bad-setting"


class QueryRefused(QueryError):
    """A query asks for something this server does not allow (SERVICE, LOAD, FROM outside the store)."""

    status = 400
    code = "refused"


class QueryTimeout(ClaimgraphError):
    """The query ran past its time limit and was stopped."""

    status = 503
    code = "timeout"


class ResultTooLarge(ClaimgraphError):
    """The answer has more rows (or triples) than the configured limit."""

    status = 422
    code = "result-too-large"


class NotAcceptable(ClaimgraphError):
    """No format the client accepts can carry this kind of answer."""

    status = 406
    code = "not-acceptable"


class WorkerCrashed(ClaimgraphError):
    """The process running a query died; it has been replaced."""

    status = 500
    code = "query-crashed"


class BadRdf(ClaimgraphError):
    """An upload that cannot be parsed, or that would make the parser fetch or expand something.

    ``line`` and ``column`` say where, when the parser knows.
    """

    status = 400
    code = "bad-rdf"

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column

    def details(self) -> dict[str, object]:
        return {k: v for k, v in (("line", self.line), ("column", self.column)) if v is not None}


class UnsupportedFormat(ClaimgraphError):
    """An upload in a media type no parser here reads."""

    status = 415
    code = "unsupported-media-type"


class NotFound(ClaimgraphError, LookupError):
    """What a request names (a graph, a document, a named query) is not in the store."""

    status = 404
    code = "not-found"


def table() -> list[type[ClaimgraphError]]:
    """Every error class that declares a row of its own (its ``status`` or ``code``)."""
    found: list[type[ClaimgraphError]] = []
    todo: list[type[ClaimgraphError]] = [ClaimgraphError]
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls is not ClaimgraphError and ("status" in vars(cls) or "code" in vars(cls)):
            found.append(cls)
    return found


class CorpusNotFound(ClaimgraphError):
    """A folder given as a corpus that holds no ``corpus.yaml``: an error (exit 2), not a violation."""

    status = 400
    code = "not-a-corpus"


class Unauthorized(ClaimgraphError):
    """A write without a token, or with one that is neither the operator's nor a curator's."""

    status = 401
    code = "unauthorized"


class Forbidden(ClaimgraphError):
    """A write that no token can make here: writes are off (no operator token, no curator)."""

    status = 403
    code = "writes-disabled"


class Revoked(Forbidden):
    """A write with a curator's token that has been revoked."""

    code = "revoked"


class Conflict(ClaimgraphError):
    """A name that is taken already (a curator added twice)."""

    status = 409
    code = "conflict"

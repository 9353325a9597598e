"""What every reader of a sheet shares: the collector of problems, ids and IRIs."""

from __future__ import annotations

import re
from typing import Any

from ..errors import Problem
from ..termcheck import Terms, known_terms

#: Why a text is not an IRI, for the sheet's reader.
_NOT_IRI = (
    "an absolute IRI has a scheme (http:…), at most one #, % only before two hex digits, "
    "and no spaces, quotes, brackets or any of <>{}|^`\\"
)


SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


class _Collector:
    """Gathers problems for one sheet so that all of them are reported at once."""

    def __init__(self, sheet: str, terms: Terms | None = None) -> None:
        self.sheet = sheet
        self.problems: list[Problem] = []
        self.terms = terms or known_terms()

    def add(
        self, message: str, node: Any = None, *, line: int | None = None, claim: str | None = None
    ) -> None:
        if line is None:
            line = getattr(node, "line", None)
        self.problems.append(Problem(message, sheet=self.sheet, line=line, claim=claim))

    def term(self, iri: str, kind: str, what: str, node: Any) -> None:
        """A problem when ``iri`` is not a ``kind`` its vocabulary defines (see :mod:`claimgraph.termcheck`)."""
        problem = self.terms.problem(iri, kind)
        if problem is not None:
            self.add(f"{what}: {problem}", node)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def bad_id(value: Any) -> str | None:
    """Why a sheet's reference to an entity, agent or document is not an id; None when it is one.

    Ids become parts of IRIs, so that only a lower-case slug is one (as ``corpus.yaml`` declares them).

    >>> bad_id("flood-2020") is None, bad_id("a b"), bad_id(["x"])
    (True, "'a b' is not an id (a lower-case slug: a-z, 0-9, '.', '_', '-')", "must be an id (text), got ['x']")
    """
    if not isinstance(value, str):
        return f"must be an id (text), got {value!r}"
    if not SLUG.match(value):
        return f"{value!r} is not an id (a lower-case slug: a-z, 0-9, '.', '_', '-')"
    return None

"""How claims are counted: values that agree at different precision, and independent source groups.

Pure functions over rdflib terms and plain Python values; the consensus and the pages
both count this way (docs/reference/counting.md says it in words).

**Dates at different precision.** A date is given at the precision the text gives it
(a day, a month, a year, a day of a month with no year). Two dates are *compatible*
when every part that both give is equal: ``--09-01`` and ``2013-09-01`` agree, as do
``2013`` and ``2013-09-01``; ``2013-09-01`` and ``2013-09-02`` do not.

>>> from rdflib import Literal
>>> from rdflib.namespace import XSD
>>> compatible(Literal("--09-01", datatype=XSD.gMonthDay), Literal("2013-09-01", datatype=XSD.date))
True
>>> compatible(Literal("2013-09-01", datatype=XSD.date), Literal("2013-09-02", datatype=XSD.date))
False

**Source groups.** Two claims depend on each other when their attribution chains share an
agent (one claimant passed on through the other, or both through a third, the document's
own voice included) or when a claimant cites another as its basis: such claims fall into
one source group, transitively. Corroboration counts groups, not claimants.

>>> groups = source_groups({"a": {"mek"}, "b": {"mek", "eyewitnesses"}, "c": {"author-000"}})
>>> sorted(sorted(g) for g in groups)
[['a', 'b'], ['c']]
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping
from typing import TypeVar

from rdflib import Literal
from rdflib.namespace import XSD
from rdflib.term import Node

#: The date datatypes, and the parts (year, month, day) each gives.
_DATE_PATTERNS = {
    XSD.date: re.compile(r"^(-?\d{4,})-(\d{2})-(\d{2})"),
    XSD.dateTime: re.compile(r"^(-?\d{4,})-(\d{2})-(\d{2})T"),
    XSD.gYearMonth: re.compile(r"^(-?\d{4,})-(\d{2})(?!\d)"),
    XSD.gYear: re.compile(r"^(-?\d{4,})(?![\d-])"),
    XSD.gMonthDay: re.compile(r"^--(\d{2})-(\d{2})"),
}

DateParts = tuple[int | None, int | None, int | None]


def date_parts(value: Node) -> DateParts | None:
    """(year, month, day) of a typed date literal, None for each part it does not give;
    None when ``value`` is no date.

    >>> date_parts(Literal("2017-09", datatype=XSD.gYearMonth))
    (2017, 9, None)
    """
    if not isinstance(value, Literal) or value.datatype not in _DATE_PATTERNS:
        return None
    found = _DATE_PATTERNS[value.datatype].match(str(value))
    if found is None:
        return None
    numbers = [int(g) for g in found.groups()]
    if value.datatype == XSD.gMonthDay:
        return (None, numbers[0], numbers[1])
    if value.datatype == XSD.gYearMonth:
        return (numbers[0], numbers[1], None)
    if value.datatype == XSD.gYear:
        return (numbers[0], None, None)
    return (numbers[0], numbers[1], numbers[2])


def compatible(a: Node, b: Node) -> bool:
    """Whether two values can both be true of one fact: equal, or dates whose shared parts agree."""
    if a == b:
        return True
    left, right = date_parts(a), date_parts(b)
    if left is None or right is None:
        return False
    return all(x is None or y is None or x == y for x, y in zip(left, right, strict=True))


def all_compatible(values: Iterable[Node]) -> bool:
    """Whether every two of ``values`` are compatible (one value is, trivially)."""
    found = list(dict.fromkeys(values))
    return all(compatible(a, b) for i, a in enumerate(found) for b in found[i + 1 :])


K = TypeVar("K", bound=Hashable)


def source_groups(agents: Mapping[K, Iterable[Hashable]]) -> list[set[K]]:
    """The claims (keys of ``agents``) in groups that share an agent, directly or through others.

    :param agents: each claim's agents: every agent of its attribution chain, the document's
        own voice included, and any agent it cites as its basis.
    :returns: the groups, largest first, each a set of claims.
    """
    parent: dict[K, K] = {claim: claim for claim in agents}

    def root(claim: K) -> K:
        while parent[claim] != claim:
            parent[claim] = parent[parent[claim]]
            claim = parent[claim]
        return claim

    first: dict[Hashable, K] = {}
    for claim, names in agents.items():
        for agent in names:
            if agent in first:
                parent[root(claim)] = root(first[agent])
            else:
                first[agent] = claim
    groups: dict[K, set[K]] = {}
    for claim in agents:
        groups.setdefault(root(claim), set()).add(claim)
    return sorted(groups.values(), key=lambda g: (-len(g), sorted(map(str, g))))

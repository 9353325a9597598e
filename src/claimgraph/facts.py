"""What the claims on one key say together, in the words a page uses.

A claim's key is (subject, property, count kind). A :class:`Fact` holds the claims of one
key and says exactly what they say, no more:

* **contested** — claims of a functional property (one true value) give values that
  exclude each other: "contested: 50 vs 52 killed";
* **several values** — a property that may hold several values at once has more than one;
* **compatible** — dates given at different precision that agree (``--09-01``,
  ``2013-09-01``): neither contested nor several values;
* **uncontested** — every claim gives one value: "n claims from k independent sources";
  a value that one source gives is said to be given by one source, never "agreed".

Sources are counted as independent source groups (:func:`claimgraph.counting.source_groups`):
claims whose chains share an agent are one source, however many claimants they name.
The objects are duck-typed claim views (:class:`claimgraph.describe.ClaimView`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .counting import all_compatible, source_groups

CONTESTED, SEVERAL, COMPATIBLE, UNCONTESTED = "contested", "several values", "compatible", "uncontested"


@dataclass
class Value:
    """One value of a key, the claims that give it and the independent sources behind them."""

    term: Any
    claims: list[Any]
    groups: list[list[Any]] = field(default_factory=list)  # each a list of claims
    #: The agents a curator declared party to the subject (cg:partyTo), by IRI.
    parties: frozenset[str] = frozenset()

    @property
    def text(self) -> str:
        return value_text(self.term, self.claims)

    @property
    def sources(self) -> int:
        return len(self.groups)

    @property
    def source_names(self) -> list[str]:
        """Each independent source named by its claimants (one group may name several)."""
        return [
            " / ".join(sorted({_named(c.claimant, self.parties) for c in group})) for group in self.groups
        ]

    @property
    def from_parties(self) -> list[str]:
        """The claimants of this value that are declared parties to the event."""
        return sorted({c.claimant.text for c in self.claims if c.claimant.iri in self.parties})


def _named(agent: Any, parties: frozenset[str]) -> str:
    return f"{agent.text} (party to the event)" if agent.iri in parties else agent.text


def value_text(term: Any, claims: list[Any] = ()) -> str:  # type: ignore[assignment]
    """A value as a page says it: "≥ 15" where every claim of it gives a lower bound."""
    bounds = {c.bound for c in claims}
    if term.number is not None and len(bounds) == 1:
        bound = next(iter(bounds))
        sign = {"at least": "≥ ", "at most": "≤ ", "approximately": "≈ ", "about": "≈ "}.get(bound, "")
        return sign + term.text
    return term.text


def groups_of(claims: list[Any]) -> list[list[Any]]:
    """The claims in independent source groups (claims sharing a chain agent are one)."""
    by_iri = {c.iri: c for c in claims}
    found = source_groups({c.iri: c.agents for c in claims})
    return [sorted((by_iri[i] for i in group), key=lambda c: c.claimant.text) for group in found]


@dataclass
class Fact:
    """The claims of one key (subject, property, count kind)."""

    predicate: Any
    claims: list[Any]
    functional: bool = False
    #: The count kind (a term with its label), or None for a property that counts nothing.
    kind: Any = None
    #: The agents a curator declared party to the subject (cg:partyTo), by IRI.
    parties: frozenset[str] = frozenset()

    @staticmethod
    def label_of(claims: list[Any]) -> str:
        """The value the ``claims`` give, as a page says it ("≥ 15")."""
        return value_text(claims[0].object, claims)

    @property
    def values(self) -> list[Any]:
        seen: dict[str, Any] = {}
        for claim in self.claims:
            seen.setdefault(claim.object.node.n3(), claim.object)
        return list(seen.values())

    @property
    def by_value(self) -> list[Value]:
        """Each value with its claims and independent sources, the most sources first."""
        out: dict[str, Value] = {}
        for claim in self.claims:
            out.setdefault(
                claim.object.node.n3(), Value(claim.object, [], parties=self.parties)
            ).claims.append(claim)
        for value in out.values():
            value.groups = groups_of(value.claims)
        return sorted(out.values(), key=lambda v: (-v.sources, -len(v.claims), v.term.text))

    @property
    def status(self) -> str:
        values = self.values
        if len(values) == 1:
            return UNCONTESTED
        if all_compatible(v.node for v in values):
            return COMPATIBLE
        return CONTESTED if self.functional else SEVERAL

    @property
    def contested(self) -> bool:
        return self.status == CONTESTED

    @property
    def numeric(self) -> bool:
        return all(v.number is not None for v in self.values)

    @property
    def groups(self) -> list[list[Any]]:
        return groups_of(self.claims)

    @property
    def sources(self) -> int:
        """How many independent source groups the claims come from."""
        return len(self.groups)

    @property
    def kind_text(self) -> str:
        return self.kind.text if self.kind is not None else ""

    @property
    def title(self) -> str:
        """The key in words: "death count (killed)"."""
        return f"{self.predicate.text} ({self.kind_text})" if self.kind is not None else self.predicate.text

    @property
    def agreement(self) -> str:
        """What the claims of this key say together, in one line."""
        n, k = len(self.claims), self.sources
        claims = f"{n} claim{'s' if n != 1 else ''}"
        sources = _sources(k)
        kind = f" {self.kind_text}" if self.kind is not None else ""
        status = self.status
        if status == UNCONTESTED:
            value = value_text(self.values[0], self.claims)
            if k == 1:
                return f"uncontested, from one source: {value}{kind} ({claims})"
            return f"uncontested: {value}{kind} ({claims} from {sources})"
        if status == CONTESTED:
            # Sources are counted per value: a document that relays another's figure beside
            # its own does not make the two figures one source's.
            ordered = sorted(self.by_value, key=lambda v: _order(v.term))
            each = ", ".join(f"{v.text} from {_sources(v.sources)}" for v in ordered)
            return f"contested: {' vs '.join(v.text for v in ordered)}{kind} ({claims}; {each})"
        if status == COMPATIBLE:
            shown = ", ".join(v.text for v in sorted(self.by_value, key=lambda v: v.term.text))
            return f"compatible: {shown}, given at different precision ({claims} from {sources})"
        shown = "; ".join(v.text for v in self.by_value)
        return f"several values, which may all hold: {shown}{kind} ({claims})"


def _sources(k: int) -> str:
    return "one source" if k == 1 else f"{k} independent sources"


def _order(term: Any) -> tuple[int, float, str]:
    number = term.number
    return (0, number, "") if number is not None else (1, 0.0, term.text)


def facts_by_key(
    claims: list[Any], functional: set[str], parties: frozenset[str] = frozenset()
) -> list[Fact]:
    """The claims grouped by key, contested first, then uncontested, compatible and several values."""
    keys: dict[tuple[str, str, str], list[Any]] = {}
    for claim in claims:
        keys.setdefault(claim.key, []).append(claim)
    facts = [
        Fact(group[0].predicate, group, group[0].predicate.iri in functional, group[0].kind, parties)
        for group in keys.values()
    ]
    rank = {CONTESTED: 0, UNCONTESTED: 1, COMPATIBLE: 2, SEVERAL: 3}
    return sorted(facts, key=lambda f: (rank[f.status], not f.numeric, f.predicate.text, f.kind_text))

"""Ranges under stated rules: which claims of a key each rule includes, and why it leaves others out.

The rules are data (``ontology/range-rules.ttl``): each has an IRI, a version, a
description and the test each claim passes or fails, written in words; this module
applies the test a rule's notation names, as the named query ``ranges.rq`` does. A
range is stated for a numeric key (subject, property, count kind):

* ``every-value`` — every claim is included: low and high of all (Iraq Body Count's min/max);
* ``independent-sources`` — a claim is included when its value is given by two or more
  independent source groups (:func:`claimgraph.counting.source_groups`);
* ``excluding-parties`` — a claim is included when its claimant is not declared party to the
  event (``cg:partyTo`` in the registry, a curator's declaration);
* ``most-conservative`` — a claim is included when it carries no hedge (modality) and no
  "at most" or "approximately" bound; best is the lowest included value (ACLED's lowest
  reliable figure).

The claims are duck-typed claim views and the facts :class:`claimgraph.facts.Fact`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: Bounds that do not give a reliable figure: the value may be lower, or is not a count.
LOOSE_BOUNDS = {"at most", "approximately", "about"}


@dataclass(frozen=True)
class Rule:
    """A range rule as the ontology states it."""

    iri: str
    notation: str
    label: str
    version: str
    definition: str = ""
    test: str = ""


@dataclass
class Range:
    """What one rule gives for one key: low, high, best, and each claim in or out with its reason."""

    rule: Rule
    low: float | None = None
    high: float | None = None
    best: float | None = None
    included: list[Any] = field(default_factory=list)
    excluded: list[tuple[Any, str]] = field(default_factory=list)

    @property
    def stated(self) -> bool:
        return self.low is not None

    @property
    def text(self) -> str:
        """The range in words: "50–52", "52", or that the rule states none."""
        if self.low is None or self.high is None:
            return "no range: no claim passes the rule's test"
        span = f"{self.low:g}" if self.low == self.high else f"{self.low:g}–{self.high:g}"
        return span + (f" (best {self.best:g})" if self.best is not None else "")


def _every_value(fact: Any) -> Callable[[Any], str | None]:
    return lambda claim: None


def _independent_sources(fact: Any) -> Callable[[Any], str | None]:
    sources = {v.term.node.n3(): v for v in fact.by_value}

    def test(claim: Any) -> str | None:
        value = sources[claim.object.node.n3()]
        if value.sources >= 2:
            return None
        return f"{value.text} is given by one independent source ({'; '.join(value.source_names)})"

    return test


def _most_conservative(fact: Any) -> Callable[[Any], str | None]:
    def test(claim: Any) -> str | None:
        modality = dict(claim.qualifiers).get("modality")
        if modality:
            return f"hedged: “{modality}”"
        if claim.bound in LOOSE_BOUNDS:
            return f"bound “{claim.bound}”: not a reliable figure"
        return None

    return test


def _excluding_parties(fact: Any) -> Callable[[Any], str | None]:
    def test(claim: Any) -> str | None:
        if claim.claimant.iri in fact.parties:
            return f"its claimant, {claim.claimant.text}, is declared party to the event"
        return None

    return test


#: The test of each rule, by its notation (the rule's cg:claimTest says it in words).
TESTS: dict[str, Callable[[Any], Callable[[Any], str | None]]] = {
    "every-value": _every_value,
    "independent-sources": _independent_sources,
    "most-conservative": _most_conservative,
    "excluding-parties": _excluding_parties,
}
#: The rules that name a best value: the lowest included one.
BEST_IS_LOWEST = {"most-conservative"}


def apply(rule: Rule, fact: Any) -> Range:
    """The range ``rule`` gives for the claims of ``fact`` (one numeric key).

    :raises KeyError: for a rule whose test this version of claimgraph does not know.
    """
    test = TESTS[rule.notation](fact)
    found = Range(rule)
    for claim in fact.claims:
        reason = test(claim)
        if reason is None and claim.object.number is None:
            reason = "not a number"
        if reason is None:
            found.included.append(claim)
        else:
            found.excluded.append((claim, reason))
    values = [c.object.number for c in found.included]
    if values:
        found.low, found.high = min(values), max(values)
        if rule.notation in BEST_IS_LOWEST:
            found.best = found.low
    return found


def known(rules: list[Rule]) -> list[Rule]:
    """The rules whose test this version applies, in the order given."""
    return [r for r in rules if r.notation in TESTS]

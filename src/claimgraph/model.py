"""Frozen dataclasses for what a claim sheet says: no I/O, no RDF.

A :class:`Claim` is one act of asserting one triple: one claimant, in one
document, with one quote. Its identity is a digest of that content, so that
the same claim read twice is the same claim.

>>> q = Quote(exact="52 deaths", start=10, end=19, prefix="in ", suffix=".")
>>> c = Claim(document="doc", subject="attack", predicate="https://w3id.org/claimgraph/ns#deathCount",
...           value=52, claimant="author", chain=(Step("author"),), quote=q)
>>> c.digest() == Claim(**{**c.__dict__}).digest()
True
>>> len(c.digest())
16
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Year:
    """A calendar year and nothing finer, as a text gives it ("the 1988 massacre"): ``xsd:gYear``.

    >>> str(Year(1988))
    '1988'
    """

    year: int

    def __str__(self) -> str:
        return f"{self.year:04d}"


@dataclass(frozen=True, order=True)
class YearMonth:
    """A month of a year and nothing finer ("in October 2015"): ``xsd:gYearMonth``.

    >>> str(YearMonth(2015, 10))
    '2015-10'
    """

    year: int
    month: int

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True, order=True)
class MonthDay:
    """A day of a month with no year ("The September 1 attack"): ``xsd:gMonthDay``.

    >>> str(MonthDay(9, 1))
    '--09-01'
    """

    month: int
    day: int

    def __str__(self) -> str:
        return f"--{self.month:02d}-{self.day:02d}"


#: Dates at the precision a text gives them: a full date, a year-month, a year, a day of a month.
PartialDate = dt.date | YearMonth | Year | MonthDay

#: Literal values a claim may carry; ``EntityRef`` names an entity instead.
LiteralValue = bool | int | float | str | dt.date | YearMonth | Year | MonthDay


@dataclass(frozen=True)
class EntityRef:
    """A reference to an entity or agent by its corpus id."""

    id: str


@dataclass(frozen=True)
class Entity:
    """An entity or agent declared in a corpus: stable id, types, labels."""

    id: str
    types: tuple[str, ...]
    label: str
    alt_labels: tuple[str, ...] = ()
    same_as: tuple[str, ...] = ()
    is_agent: bool = False
    description: str | None = None
    line: int | None = None
    #: Events a curator declares this agent a party to (cg:partyTo in the registry).
    party_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class Document:
    """A source document: its metadata record and its text."""

    id: str
    file: str
    sha256: str
    text: str
    creator: str
    language: str | None = None
    title: str | None = None
    publisher: str | None = None
    date: PartialDate | None = None
    place: str | None = None
    sheet: str | None = None


@dataclass(frozen=True)
class Step:
    """One link of an attribution chain: who spoke, and in which work."""

    agent: str
    medium: str | None = None


@dataclass(frozen=True)
class Quote:
    """A verbatim span of a document's text, anchored by character offsets."""

    exact: str
    start: int
    end: int
    prefix: str
    suffix: str


#: Qualifier names a sheet may give, in the order they are written out.
#: ``count_kind`` is a notation of the count-kind scheme (``killed``); ``wording`` the text's words.
#: ``basis`` is the id of an agent the claimant cites as its basis ("X confirms").
QUALIFIERS: tuple[str, ...] = ("count_kind", "wording", "bound", "modality", "basis", "stated_on", "note")


@dataclass(frozen=True)
class Claim:
    """One claimant asserting one triple in one document with one quote.

    ``value`` is an :class:`EntityRef` or a literal; ``chain`` runs from the
    document's own voice (step 0) to the claimant (the last step).
    """

    document: str
    subject: str
    predicate: str
    value: EntityRef | LiteralValue
    claimant: str
    chain: tuple[Step, ...]
    quote: Quote
    qualifiers: tuple[tuple[str, LiteralValue], ...] = ()
    sheet: str | None = field(default=None, compare=False)
    line: int | None = field(default=None, compare=False)

    def digest(self) -> str:
        """A 16-hex-digit digest of everything that makes this claim this claim."""
        if isinstance(self.value, EntityRef):
            value = ["entity", self.value.id]
        else:
            value = [type(self.value).__name__, str(self.value)]
        content = [
            self.document,
            self.subject,
            self.predicate,
            value,
            self.claimant,
            [[s.agent, s.medium] for s in self.chain],
            [self.quote.exact, self.quote.start],
            [[k, str(v)] for k, v in self.qualifiers],
        ]
        encoded = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(encoded.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Corpus:
    """Everything one folder declares: entities, documents and their claims."""

    name: str
    entities: tuple[Entity, ...]
    documents: tuple[Document, ...]
    claims: tuple[Claim, ...]

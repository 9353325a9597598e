"""Highlighting a document: its text cut at the edges of its quotes, and a quote's context."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise

#: Characters of the document shown on each side of a quote on a claim page.
CONTEXT_CHARS = 300


@dataclass
class Segment:
    """A run of a document's text, and the claims whose quotes cover it."""

    text: str
    claims: list[str]
    starts: list[str] = field(default_factory=list)  # claims whose quote begins here


def segments(text: str, spans: Iterable[tuple[str, int, int]]) -> list[Segment]:
    """Cut ``text`` at every quote boundary; each piece lists the claims (by IRI) whose span covers it.

    :param spans: (claim, start, end) in code points, as ``oa:TextPositionSelector`` gives them.

    >>> [(s.text, s.claims) for s in segments("one two three", [("a", 4, 7), ("b", 4, 13)])]
    [('one ', []), ('two', ['a', 'b']), (' three', ['b'])]
    """
    valid = [(c, s, e) for c, s, e in spans if 0 <= s < e <= len(text)]
    cuts = sorted({0, len(text), *(s for _, s, _ in valid), *(e for _, _, e in valid)})
    out: list[Segment] = []
    for left, right in pairwise(cuts):
        covering = [c for c, s, e in valid if s <= left and right <= e]
        out.append(Segment(text[left:right], covering, [c for c, s, _ in valid if s == left]))
    return out


def context_around(text: str, start: int, end: int, chars: int = CONTEXT_CHARS) -> tuple[str, str, str]:
    """The text before a quote, the quote, and the text after, ``chars`` each side.

    >>> context_around("abcdefgh", 3, 5, chars=2)
    ('bc', 'de', 'fg')
    """
    return text[max(0, start - chars) : start], text[start:end], text[end : end + chars]

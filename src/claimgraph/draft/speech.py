"""Reported speech: who says what, over which span of the text, and the chain of speakers at a point."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..mentions import Sentence, speech_cues
from .registry import Found, is_person, is_work


@dataclass(frozen=True)
class Attribution:
    """Someone's words: who (when the registry knows them), in which work, over which span."""

    agent: str | None
    medium: str | None
    scope: tuple[int, int]
    cue: str


def attributions(
    text: str,
    sentence: Sentence,
    here: list[Found],
    quotes: list[tuple[int, int]],
    agents: set[str],
    last: dict[str, str | None],
) -> list[Attribution]:
    """The speech cues of a sentence, each with its speaker (when the registry knows them), the
    work it was said in, and the span it governs: the quotation next to it, else its clause."""
    out = []
    names = [(f.start - sentence.start, f.end - sentence.start) for f in here if f.entity.is_agent]
    # "Press reports" names a speaker: its "reports" is no cue.
    cues = [
        c
        for c in speech_cues(text[sentence.start : sentence.end])
        if not any(a <= c[0] < b for a, b in names)
    ]
    for number, (cue_start, cue_end) in enumerate(cues):
        cs, ce = sentence.start + cue_start, sentence.start + cue_end
        cue = text[cs:ce]
        inside = _enclosing(quotes, cs)
        clause_start = max(
            [sentence.start]
            + [q[1] for q in quotes if sentence.start < q[1] <= cs]
            + [sentence.start + e for _s, e in cues[:number]]
        )
        level = [f for f in here if _enclosing(quotes, f.start) == inside]
        people = [f for f in level if f.entity.id in agents]
        speaker: Found | None = None
        passive = re.match(r"\s+(?:[\w.’']+\s+){0,4}?by\s+", text[ce : sentence.end])
        if cue.lower() == "according to":
            speaker = next((f for f in people if 0 <= f.start - ce <= 40), None)
        elif passive:
            speaker = next((f for f in people if 0 <= f.start - (ce + passive.end()) <= 60), None)
        else:
            before = [f for f in people if clause_start <= f.start and f.end <= cs]
            persons = [f for f in before if is_person(f.entity)]
            speaker = (persons or before or [None])[-1]
            if speaker is None:
                speaker = next((f for f in people if 0 <= f.start - ce <= 3), None)
        agent = speaker.entity.id if speaker else None
        pronoun = re.search(r"\b(he|she|it)\s+(?:\w+\s+)?$", text[clause_start:cs], re.I)
        works = [f for f in level if is_work(f.entity)]
        medium = min(works, key=lambda f: abs(f.start - cs)).entity.id if works else None
        if agent is None and pronoun:
            if pronoun.group(1).lower() == "it":
                medium = medium or last.get("work")
            else:
                agent = last.get("person")
        scope = _scope(text, sentence, quotes, inside, cs, ce)
        if scope is None:
            if cue.lower() == "according to" or speaker is None:
                scope = (clause_start, sentence.end)
            elif passive or _closes(text[ce : sentence.end]):
                scope = (clause_start, cs)  # "…, the fire service said on Wednesday."
            else:
                scope = (cs, sentence.end)  # "Okafor said that …"
        out.append(Attribution(agent, medium, scope, cue))
    return out


def _closes(tail: str) -> bool:
    """Whether a cue ends its sentence ("…, she said." or "… said on Wednesday.")."""
    return re.fullmatch(r"[\W_]*(?:(?!that\b)\w+[\W_]*){0,3}", tail) is not None


def _enclosing(quotes: list[tuple[int, int]], at: int) -> tuple[int, int] | None:
    return next((q for q in quotes if q[0] <= at < q[1]), None)


def _scope(
    text: str,
    sentence: Sentence,
    quotes: list[tuple[int, int]],
    inside: tuple[int, int] | None,
    cs: int,
    ce: int,
) -> tuple[int, int] | None:
    """The quotation a cue introduces (``said: “…”``) or closes (``“…,” she said``), if any."""
    for q in quotes:
        if q == inside:
            continue
        if ce <= q[0] <= ce + 6 and q[0] < sentence.end:
            return q
        if sentence.start < q[1] <= cs and not re.search(r"[“”«»\"]", text[q[1] : cs]) and cs - q[1] <= 80:
            return q
    return None


def chain(
    at: int, said: list[Attribution], creator: str | None
) -> tuple[str | None, list[str], str | None, str | None]:
    """Claimant, via, medium and the speaker's cue of what is said at offset ``at``: the
    attributions whose span holds it, outer to inner (the document's creator is step 0).

    >>> outer, inner = Attribution("a", None, (0, 50), "said"), Attribution("b", "w", (10, 20), "said")
    >>> chain(15, [outer, inner], "me"), chain(30, [outer, inner], "me"), chain(60, [outer], "me")
    (('b', ['a'], 'w', 'said'), ('a', [], None, 'said'), ('me', [], None, None))
    """
    governing = [a for a in said if a.scope[0] <= at < a.scope[1]]
    governing.sort(key=lambda a: -(a.scope[1] - a.scope[0]))
    if not governing:
        return creator, [], None, None
    speakers = [a.agent for a in governing if a.agent]
    speakers = [a for i, a in enumerate(speakers) if i == 0 or a != speakers[i - 1]]
    inner = governing[-1]
    if not speakers or speakers == [creator]:
        return (creator if inner.agent else None), [], inner.medium, inner.cue
    claimant, via = speakers[-1], [a for a in speakers[:-1] if a != creator]
    return claimant, via, inner.medium, inner.cue

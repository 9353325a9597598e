"""Draft claims: each value a sentence states, and each sentence of reported speech, as a proposed claim."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..mentions import Mention, Sentence, find_values, is_furniture, quotations, sentences
from ..model import Entity
from ..sheets import anchor_quote
from .registry import Found, find_entities, fold, is_event, is_person, is_work
from .speech import Attribution, attributions, chain
from .terms import NO_TERMS, Terms

#: How far (characters) a count's words may be from its number to count as its kind.
_AFTER, _BEFORE = 50, 30


@dataclass
class Draft:
    """One proposed claim, every field a proposal to correct."""

    kind: str  # number, date, quantity or speech
    sentence: Sentence
    start: int
    end: int
    quote: str
    occurrence: int | None = None
    subject: str | None = None
    also: list[str] = field(default_factory=list)
    predicate: str | None = None
    value: Any = None
    claimant: str | None = None
    via: list[str] = field(default_factory=list)
    medium: str | None = None
    count_kind: str | None = None
    wording: str | None = None
    bound: str | None = None
    speaker_words: str | None = None


def draft_claims(
    text: str,
    *,
    creator: str | None,
    registry: Sequence[Entity],
    terms: Terms = NO_TERMS,
    language: str | None = "en",
    date: Any = None,
) -> list[Draft]:
    """The draft claims of a document's ``text``, in the order of the text.

    :param date: the document's date (its sheet's header): where a paragraph opens with it
        (a dateline), it is the document's, not a claim.
    """
    language = language or "en"
    drafts: list[Draft] = []
    quotes = quotations(text)
    split = sentences(text, language)
    named = {s: find_entities(text, s.start, s.end, registry) for s in split}
    agents = {e.id for e in registry if e.is_agent}
    said: list[Attribution] = []
    own: dict[Sentence, list[Attribution]] = {}
    last: dict[str, str | None] = {}  # the last person and work named before: "he said", "it read"
    for sentence in split:  # every cue first: a quotation may name its speaker after it
        own[sentence] = attributions(text, sentence, named[sentence], quotes, agents, last)
        said += own[sentence]
        for found in named[sentence]:
            if found.entity.is_agent and is_person(found.entity):
                last["person"] = found.entity.id
            if is_work(found.entity):
                last["work"] = found.entity.id
    last_event: str | None = None
    seen: set[str] = set()
    for sentence in split:
        here = named[sentence]
        words = text[sentence.start : sentence.end]
        if " ".join(words.split()) in seen:
            continue  # a caption or title printed twice is drafted once
        seen.add(" ".join(words.split()))
        values = [] if is_furniture(words) else find_values(words, language)
        opening = text.rfind("\n", 0, sentence.start) + 1
        values = [
            v
            for v in values
            if not (date is not None and v.value == date and sentence.start + v.start - opening <= 60)
        ]
        for index, mention in enumerate(values):
            bounds = (
                sentence.start + (values[index - 1].end if index else 0),
                sentence.start + (values[index + 1].start if index + 1 < len(values) else len(words)),
            )
            draft = _value_draft(text, sentence, mention, here, terms, said, creator, last_event, bounds)
            drafts.append(draft)
        if not values and own[sentence]:
            drafts.append(_speech_draft(text, sentence, quotes, said, own[sentence], creator, here))
        events = [f.entity.id for f in here if is_event(f.entity)]
        last_event = events[-1] if events else last_event
    drafts = [d for d in drafts if d.quote.strip()]
    for draft in drafts:
        _anchor(text, draft)
    return drafts


def _value_draft(
    text: str,
    sentence: Sentence,
    mention: Mention,
    here: list[Found],
    terms: Terms,
    said: list[Attribution],
    creator: str | None,
    last_event: str | None,
    bounds: tuple[int, int],
) -> Draft:
    start, end = sentence.start + mention.start, sentence.start + mention.end
    draft = Draft(
        kind=mention.kind,
        sentence=sentence,
        start=start,
        end=end,
        quote=text[start:end],
        value=mention.value,
        bound=mention.bound,
    )
    if mention.kind == "number":
        _count_kind(text, bounds, draft, terms)
    _subject(text, draft, here, last_event)
    if mention.kind == "date":
        draft.predicate = _date_property(draft, here, terms)
    elif draft.count_kind or draft.wording:
        draft.predicate = _count_property(draft, terms)
    draft.claimant, draft.via, draft.medium, draft.speaker_words = chain(start, said, creator)
    return draft


def _speech_draft(
    text: str,
    sentence: Sentence,
    quotes: list[tuple[int, int]],
    said: list[Attribution],
    own: list[Attribution],
    creator: str | None,
    here: list[Found],
) -> Draft:
    """The sentence's words as someone's: the quotation it holds, else the sentence whole, said
    by the speaker of its own cue ("Rajavi stressed that …")."""
    inside = [q for q in quotes if sentence.start <= q[0] < sentence.end]
    start, end = (
        (inside[0][0] + 1, min(inside[0][1], sentence.end)) if inside else (sentence.start, sentence.end)
    )
    words = text[start:end].rstrip('”"» ')
    if not words.strip():  # an empty quotation: the sentence is what was said
        start, words = sentence.start, text[sentence.start : sentence.end]
    end = start + len(words)
    draft = Draft(kind="speech", sentence=sentence, start=start, end=end, quote=words)
    cue = own[-1].scope[0] if sentence.start <= own[-1].scope[0] < sentence.end else start
    at = start if inside and start >= own[-1].scope[0] else max(start, cue)
    draft.claimant, draft.via, draft.medium, draft.speaker_words = chain(at, said, creator)
    _subject(text, draft, here, None)
    return draft


def _count_kind(text: str, bounds: tuple[int, int], draft: Draft, terms: Terms) -> None:
    """The count kind whose words stand nearest the number in its clause (after it first: "52
    deaths", else before it: "the deaths of 50"); the quote grows to hold them."""
    stop = re.compile(r"[,;:()“”\"«»]")
    lo, hi = max(bounds[0], draft.start - _BEFORE), min(bounds[1], draft.end + _AFTER)
    if cut := list(stop.finditer(text, lo, draft.start)):
        lo = cut[-1].end()
    if cut := stop.search(text, draft.end, hi):
        hi = cut.start()
    best: tuple[int, int, int, int, int, str] | None = None  # before?, distance, -length, start, end, id
    for kind in terms.count_kinds:
        for label in kind.labels:
            for match in _label_pattern(label).finditer(fold(text[lo:hi])):
                s, e = lo + match.start(), lo + match.end()
                if s < draft.end and draft.start < e:
                    continue
                after = s >= draft.end
                key = (
                    0 if after else 1,
                    s - draft.end if after else draft.start - e,
                    s - e,
                    s,
                    e,
                    kind.notation,
                )
                if best is None or key < best:
                    best = key
    if best is not None:
        s, e, draft.count_kind = best[3:]
        draft.wording = text[s:e]
        draft.start, draft.end = min(draft.start, s), max(draft.end, e)
        draft.quote = text[draft.start : draft.end]
        return
    if not terms.count_kinds:  # no scheme: the text's own word after the number
        after = re.match(r"\s+(?:of\s+(?:the\s+)?)?([^\W\d_][\w-]+)", text[draft.end : bounds[1]])
        if after and after.group(1).islower():
            draft.wording = after.group(1)


def _label_pattern(label: str) -> re.Pattern[str]:
    """A count kind's label as a pattern: verbatim, and a one-word label in its other forms
    where its stem is four letters or more ("killed": "killing"; "deaths": "death")."""
    folded = fold(label)
    stem = re.sub(r"(?:ed|ing|es|s)$", "", folded)
    if " " not in folded and len(stem) >= 4 and stem != folded:
        return re.compile(r"(?<!\w)" + re.escape(stem) + r"\w{0,3}(?!\w)")
    return re.compile(r"(?<!\w)" + re.escape(folded) + r"(?!\w)")


def _count_property(draft: Draft, terms: Terms) -> str | None:
    """The count property whose label and comment share most stems with the count kind's labels
    (without a count kind, the property whose label holds the text's word: "deaths", "missing")."""
    kind = next((k for k in terms.count_kinds if k.notation == draft.count_kind), None)
    if kind is None:
        words, where = set(re.findall(r"[a-z]+", (draft.wording or "").lower())), 1
    else:
        words, where = {w for label in kind.labels for w in re.findall(r"[a-z]+", label.lower())}, 2
    stems = {w[:5] for w in words if len(w) >= 4}
    best, score = None, 0
    for prop in terms.count_properties:
        hits = sum(1 for stem in stems if re.search(r"\b" + re.escape(stem), prop[where]))
        if hits > score:
            best, score = prop[0], hits
    return best


def _date_property(draft: Draft, here: list[Found], terms: Terms) -> str | None:
    subject = next((f.entity for f in here if f.entity.id == draft.subject), None)
    names = terms.date_properties or ("dct:date", "schema:startDate")
    if subject is not None and is_event(subject):
        return next((p for p in names if "start" in p.lower()), names[0])
    return next((p for p in names if p.lower().endswith(":date")), names[0])


def _subject(text: str, draft: Draft, here: list[Found], last_event: str | None) -> None:
    """The subject: an entity just before a date, else an event the sentence names (the nearest),
    else the last event named before, else the nearest entity; the others as alternatives."""
    # A name that takes the date in ("Reuters report on September 1, 2013") is the date's subject.
    holding = [
        f
        for f in here
        if (f.start < draft.start < f.end or f.start <= draft.start < draft.end <= f.end)
        and not f.entity.is_agent
    ]
    others = [f for f in here if not (f.start < draft.end and draft.start < f.end)]
    distance = {id(f): min(abs(f.start - draft.end), abs(draft.start - f.end)) for f in others}
    ranked = sorted(others, key=lambda f: distance[id(f)])
    choice = None
    if draft.kind == "date":
        before = [
            f
            for f in ranked
            if f.end <= draft.start
            and re.fullmatch(r"[\s,]*(?:on|of|dated|from|in)?\s*", text[f.end : draft.start])
            and not f.entity.is_agent
        ]
        choice = next((f.entity.id for f in holding + before), None)
    if choice is None:
        choice = next((f.entity.id for f in ranked if is_event(f.entity)), None)
    if choice is None and last_event and draft.kind != "speech":
        choice = last_event
    if choice is None:
        choice = next((f.entity.id for f in ranked if not f.entity.is_agent), None)
    draft.subject = choice
    draft.also = list(dict.fromkeys(f.entity.id for f in ranked if f.entity.id != choice))[:4]


def _anchor(text: str, draft: Draft) -> None:
    """The occurrence that the loader will find at the draft's offsets (checked by anchoring it)."""
    count, at = 0, text.find(draft.quote)
    while at != -1 and at < draft.start:
        count += 1
        at = text.find(draft.quote, at + len(draft.quote))
    total = text.count(draft.quote)
    occurrence = count + 1 if total > 1 else None
    anchored = anchor_quote(text, draft.quote, occurrence=occurrence)
    if anchored.start != draft.start:  # overlapping copies: str.find skips them as the loader does
        draft.start, draft.end = anchored.start, anchored.end
    draft.occurrence = occurrence

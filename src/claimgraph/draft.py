"""The drafting assistant: a document's sentences that state a value or someone's words, as draft claims.

Every sentence that states a number (digits or words, "dozens", "more than 50"), a date
(at the precision the text gives) or attributes speech ("said", "according to",
"reads", "claim", "confirms") becomes a commented-out claim of the sheet format, with
its quote anchored as the loader anchors quotes (the shortest span that holds the
value, with the count's words when they are next to it), the value parsed, the count
kind guessed from the SKOS scheme of count kinds, and subject, claimant and chain
proposed from the registry: labels and alternative labels found in the sentence, the
document's creator as step 0, the speaker of a quotation as the claimant. A researcher
uncomments, corrects and loads. Rule-based, offline (:mod:`claimgraph.mentions`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from .documents import yaml_date, yaml_scalar
from .mentions import Mention, Sentence, find_values, is_furniture, quotations, sentences, speech_cues
from .model import QUALIFIERS, Entity, MonthDay, Year, YearMonth
from .sheets import anchor_quote

#: Where a sheet's drafts start; a sheet that has it has been drafted already.
MARKER = "# --- drafts by `claimgraph draft`"
#: How far (characters) a count's words may be from its number to count as its kind.
_AFTER, _BEFORE = 50, 30
_FUZZY_CUTOFF = 88


# ------------------------------------------------------------- the vocabulary used


@dataclass(frozen=True)
class CountKind:
    """A concept of the count-kind scheme: its notation and the words texts use for it."""

    notation: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class Terms:
    """What drafting reads of the vocabulary: count kinds, count properties and date properties."""

    count_kinds: tuple[CountKind, ...] = ()
    #: (CURIE, the words of its label and comment) of each cg:CountProperty.
    count_properties: tuple[tuple[str, str], ...] = ()
    date_properties: tuple[str, ...] = ()


def read_terms(paths: Iterable[Path]) -> Terms:
    """Count kinds (any ``skos:Concept`` with a ``skos:notation``), count and date properties,
    from the Turtle files given (an ontology folder's, and a count-kind scheme's)."""
    from rdflib import Graph
    from rdflib.namespace import RDF, RDFS, SKOS

    from .namespaces import CG, PREFIXES

    graph = Graph()
    for path in paths:
        graph.parse(path, format="turtle")

    def curie(iri: Any) -> str:
        for prefix, base in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
            if str(iri).startswith(base):
                return f"{prefix}:{str(iri)[len(base) :]}"
        return f"<{iri}>"

    kinds = []
    for concept in sorted(set(graph.subjects(RDF.type, SKOS.Concept))):
        notation = graph.value(concept, SKOS.notation)
        if notation is None:
            continue
        labels = {str(notation).replace("-", " ")}
        labels |= {str(x) for p in (SKOS.prefLabel, SKOS.altLabel) for x in graph.objects(concept, p)}
        kinds.append(CountKind(str(notation), tuple(sorted(labels, key=lambda w: (-len(w), w)))))
    counts = []
    for prop in sorted(set(graph.subjects(RDF.type, CG.CountProperty))):
        words = " ".join(str(x) for p in (RDFS.label, RDFS.comment) for x in graph.objects(prop, p))
        counts.append((curie(prop), words.lower()))
    dates = tuple(sorted(curie(p) for p in set(graph.subjects(RDF.type, CG.DateProperty))))
    return Terms(tuple(kinds), tuple(counts), dates)


def vocabulary_files(ontology_dir: Path, scheme: Path | None = None) -> list[Path]:
    """The Turtle files drafting reads: the ontology folder's, and a scheme file of one's own."""
    files = sorted(Path(ontology_dir).glob("*.ttl")) if Path(ontology_dir).is_dir() else []
    return files + ([Path(scheme)] if scheme else [])


# ------------------------------------------------------------------- the registry


@dataclass(frozen=True)
class Found:
    """An entity of the registry named in the text, by offsets."""

    entity: Entity
    start: int
    end: int


def _fold(text: str) -> str:
    """Lower case with curly apostrophes straight: the same length, so offsets stay."""
    return text.lower().replace("’", "'").replace("‘", "'")


def find_entities(text: str, start: int, end: int, registry: Sequence[Entity]) -> list[Found]:
    """The registry's entities named in ``text[start:end]`` by a label or an alternative label:
    verbatim (case aside), or close enough (a spelling variant) for names of six letters or more."""
    window = _fold(text[start:end])
    found: list[tuple[Found, bool]] = []
    for entity in registry:
        names = {n for n in (entity.label, *entity.alt_labels) if n and n.strip()}
        exact = False
        for name in names:
            for match in re.finditer(r"(?<!\w)" + re.escape(_fold(name)) + r"(?!\w)", window):
                found.append((Found(entity, start + match.start(), start + match.end()), True))
                exact = True
        if exact:
            continue
        for name in names:
            if len(name) < 6:
                continue
            hit = fuzz.partial_ratio_alignment(_fold(name), window, score_cutoff=_FUZZY_CUTOFF)
            if hit is None:
                continue
            left, right = _to_words(window, hit.dest_start, hit.dest_end)
            if fuzz.ratio(_fold(name), window[left:right]) >= _FUZZY_CUTOFF:
                found.append((Found(entity, start + left, start + right), False))
    found.sort(key=lambda f: (-(f[0].end - f[0].start), not f[1]))
    kept: list[Found] = []
    for item, _exact in found:
        if not any(k.start < item.end and item.start < k.end for k in kept):
            kept.append(item)
    return sorted(kept, key=lambda f: f.start)


def _to_words(text: str, left: int, right: int) -> tuple[int, int]:
    while left > 0 and text[left - 1].isalnum():
        left -= 1
    while right < len(text) and text[right].isalnum():
        right += 1
    return left, right


def _is_event(entity: Entity) -> bool:
    return any("event" in t.rsplit("/", 1)[-1].rsplit("#", 1)[-1].lower() for t in entity.types)


def _is_person(entity: Entity) -> bool:
    return any(t.rsplit("/", 1)[-1].rsplit("#", 1)[-1].lower() == "person" for t in entity.types)


def _is_work(entity: Entity) -> bool:
    return any(t.endswith(("#CitedWork", "/CreativeWork", "/Report")) for t in entity.types)


# ---------------------------------------------------------------------- drafting


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


@dataclass(frozen=True)
class _Attribution:
    """Someone's words: who (when the registry knows them), in which work, over which span."""

    agent: str | None
    medium: str | None
    scope: tuple[int, int]
    cue: str


def draft_claims(
    text: str,
    *,
    creator: str | None,
    registry: Sequence[Entity],
    terms: Terms = Terms(),
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
    attributions: list[_Attribution] = []
    own: dict[Sentence, list[_Attribution]] = {}
    last: dict[str, str | None] = {}  # the last person and work named before: "he said", "it read"
    for sentence in split:  # every cue first: a quotation may name its speaker after it
        own[sentence] = _attributions(text, sentence, named[sentence], quotes, agents, last)
        attributions += own[sentence]
        for found in named[sentence]:
            if found.entity.is_agent and _is_person(found.entity):
                last["person"] = found.entity.id
            if _is_work(found.entity):
                last["work"] = found.entity.id
    last_event: str | None = None
    for sentence in split:
        here = named[sentence]
        words = text[sentence.start : sentence.end]
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
            draft = _value_draft(
                text, sentence, mention, here, terms, attributions, creator, last_event, bounds
            )
            drafts.append(draft)
        if not values and own[sentence]:
            drafts.append(_speech_draft(text, sentence, quotes, attributions, creator, here))
        events = [f.entity.id for f in here if _is_event(f.entity)]
        last_event = events[-1] if events else last_event
    for draft in drafts:
        _anchor(text, draft)
    return drafts


def _attributions(
    text: str,
    sentence: Sentence,
    here: list[Found],
    quotes: list[tuple[int, int]],
    agents: set[str],
    last: dict[str, str | None],
) -> list[_Attribution]:
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
            persons = [f for f in before if _is_person(f.entity)]
            speaker = (persons or before or [None])[-1]
            if speaker is None:
                speaker = next((f for f in people if 0 <= f.start - ce <= 3), None)
        agent = speaker.entity.id if speaker else None
        pronoun = re.search(r"\b(he|she|it)\s+(?:\w+\s+)?$", text[clause_start:cs], re.I)
        works = [f for f in level if _is_work(f.entity)]
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
        out.append(_Attribution(agent, medium, scope, cue))
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


def _chain(
    at: int, attributions: list[_Attribution], creator: str | None
) -> tuple[str | None, list[str], str | None, str | None]:
    """Claimant, via, medium and the speaker's cue of what is said at offset ``at``."""
    governing = [a for a in attributions if a.scope[0] <= at < a.scope[1]]
    governing.sort(key=lambda a: -(a.scope[1] - a.scope[0]))
    if not governing:
        return creator, [], None, None
    chain = [a.agent for a in governing if a.agent]
    chain = [a for i, a in enumerate(chain) if i == 0 or a != chain[i - 1]]
    inner = governing[-1]
    if not chain or chain == [creator]:
        return (creator if inner.agent else None), [], inner.medium, inner.cue
    claimant, via = chain[-1], [a for a in chain[:-1] if a != creator]
    return claimant, via, inner.medium, inner.cue


def _value_draft(
    text: str,
    sentence: Sentence,
    mention: Mention,
    here: list[Found],
    terms: Terms,
    attributions: list[_Attribution],
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
    draft.claimant, draft.via, draft.medium, draft.speaker_words = _chain(start, attributions, creator)
    return draft


def _speech_draft(
    text: str,
    sentence: Sentence,
    quotes: list[tuple[int, int]],
    attributions: list[_Attribution],
    creator: str | None,
    here: list[Found],
) -> Draft:
    inside = [q for q in quotes if sentence.start <= q[0] < sentence.end]
    start, end = (
        (inside[0][0] + 1, min(inside[0][1], sentence.end)) if inside else (sentence.start, sentence.end)
    )
    words = text[start:end].rstrip('”"» ')
    end = start + len(words)
    draft = Draft(kind="speech", sentence=sentence, start=start, end=end, quote=words)
    draft.claimant, draft.via, draft.medium, draft.speaker_words = _chain(start, attributions, creator)
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
    best: tuple[int, int, int, str] | None = None  # before?, distance, -length, start
    notation_at: dict[int, str] = {}
    for kind in terms.count_kinds:
        for label in kind.labels:
            for match in _label_pattern(label).finditer(_fold(text[lo:hi])):
                s, e = lo + match.start(), lo + match.end()
                if s < draft.end and draft.start < e:
                    continue
                after = s >= draft.end
                key = (0 if after else 1, s - draft.end if after else draft.start - e, -(e - s), s)
                if best is None or key < best:
                    best, notation_at[s] = key, kind.notation
    if best is not None:
        s, e = best[3], best[3] - best[2]
        draft.count_kind, draft.wording = notation_at[s], text[s:e]
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
    folded = _fold(label)
    stem = re.sub(r"(?:ed|ing|es|s)$", "", folded)
    if " " not in folded and len(stem) >= 4 and stem != folded:
        return re.compile(r"(?<!\w)" + re.escape(stem) + r"\w{0,3}(?!\w)")
    return re.compile(r"(?<!\w)" + re.escape(folded) + r"(?!\w)")


def _count_property(draft: Draft, terms: Terms) -> str | None:
    """The count property whose label and comment share most stems with the count's words."""
    kind = next((k for k in terms.count_kinds if k.notation == draft.count_kind), None)
    words = {w for label in (kind.labels if kind else ()) for w in re.findall(r"[a-z]+", label.lower())}
    words |= set(re.findall(r"[a-z]+", (draft.wording or "").lower()))
    stems = {w[:5] for w in words if len(w) >= 4}
    best, score = None, 0
    for curie, described in terms.count_properties:
        hits = sum(1 for stem in stems if re.search(r"\b" + re.escape(stem), described))
        if hits > score:
            best, score = curie, hits
    return best


def _date_property(draft: Draft, here: list[Found], terms: Terms) -> str | None:
    subject = next((f.entity for f in here if f.entity.id == draft.subject), None)
    names = terms.date_properties or ("dct:date", "schema:startDate")
    if subject is not None and _is_event(subject):
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
        choice = next((f.entity.id for f in ranked if _is_event(f.entity)), None)
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


# ---------------------------------------------------------------------- the sheet


def render(drafts: Sequence[Draft], text: str, *, creator: str | None) -> str:
    """The drafts as commented-out claims: uncommented (``# `` taken off each line), each is a
    claim of the sheet format; the lines that say where it comes from stay comments (``##``)."""
    lines = [
        "",
        MARKER + f": {len(drafts)} proposals, every field to check. Uncomment a claim (take",
        "# one '# ' off its lines), correct it, keep only what the text says, and validate. ---",
    ]
    writes_wording = "wording" in QUALIFIERS
    for number, draft in enumerate(drafts, 1):
        what = {
            "number": "a number",
            "date": "a date",
            "quantity": "a vague quantity",
            "speech": "reported speech",
        }
        lines.append("")
        lines.append(
            f"  ## {number}. ¶{draft.sentence.paragraph}, {what[draft.kind]}: {_context(text, draft)}"
        )
        claim = [f"- subject: {yaml_scalar(draft.subject)}" + _also(draft.also)]
        claim.append(
            f"  predicate: {yaml_scalar(draft.predicate)}" + ("" if draft.predicate else "   # a CURIE")
        )
        claim.append(
            f"  value: {_value(draft.value)}"
            + ("   # or object: an entity id" if draft.kind == "speech" else "")
        )
        speaker = (
            f"   # the speaker of “{draft.speaker_words}”"
            if draft.speaker_words and not draft.claimant
            else ""
        )
        claim.append(f"  claimant: {yaml_scalar(draft.claimant)}{speaker}")
        if draft.via:
            claim.append(f"  via: [{', '.join(draft.via)}]")
        if draft.medium and (draft.via or draft.claimant != creator):
            claim.append(f"  medium: {draft.medium}")
        claim.append(f"  quote: {yaml_scalar(draft.quote)}")
        if draft.occurrence:
            claim.append(f"  occurrence: {draft.occurrence}")
        if draft.count_kind:
            claim.append(f"  count_kind: {yaml_scalar(draft.count_kind)}")
        if draft.wording and writes_wording:
            claim.append(f"  wording: {yaml_scalar(draft.wording)}")
        elif draft.wording and not draft.count_kind:
            claim.append(f"  count_kind: {yaml_scalar(draft.wording)}   # the text's word")
        if draft.bound:
            claim.append(f"  bound: {yaml_scalar(draft.bound)}")
        lines += [f"  # {line}" for line in claim]
    return "\n".join(lines) + "\n"


def _also(others: list[str]) -> str:
    return f"   # also named here: {', '.join(others)}" if others else ""


def _value(value: Any) -> str:
    if isinstance(value, YearMonth | Year | MonthDay) or hasattr(value, "isoformat"):
        return yaml_date(value)
    return yaml_scalar(value)


def _context(text: str, draft: Draft, width: int = 90) -> str:
    sentence = text[draft.sentence.start : draft.sentence.end]
    start, end = draft.start - draft.sentence.start, draft.end - draft.sentence.start
    left = max(0, min(start - (width - (end - start)) // 2, len(sentence) - width))
    shown = sentence[left : left + max(width, end - start)]
    shown = " ".join(shown.split())
    return ("…" if left > 0 else "") + shown + ("…" if left + max(width, end - start) < len(sentence) else "")


@dataclass(frozen=True)
class DraftSheet:
    """A document's sheet with its drafts added, and the drafts."""

    sheet: Path
    text: str
    drafts: tuple[Draft, ...]


def draft_sheet(
    document: Path,
    *,
    corpus: Path | None = None,
    registry: Sequence[Entity] = (),
    terms: Terms = Terms(),
) -> DraftSheet:
    """The draft sheet of ``document``: its sheet (as ``add-document`` wrote it, or a new header)
    followed by the drafts. The registry is ``corpus.yaml``'s entities and agents, then
    ``registry`` (a store's).

    :raises InvalidInput: when the document is not UTF-8, ``corpus.yaml`` or the sheet cannot
        be read, or the sheet holds drafts already.
    """
    from .documents import AddedDocument, sheet_header, slug
    from .errors import InvalidInput, Problem
    from .sheets import CORPUS_FILE, parse_yaml, read_date, read_entities, read_text, sheet_for

    document = Path(document)
    if not document.is_file():
        raise InvalidInput([Problem("no such file", sheet=str(document))])
    text = read_text(document, sheet=str(document))
    folder = Path(corpus) if corpus else document.parent
    entities: list[Entity] = []
    if (folder / CORPUS_FILE).is_file():
        entities = read_entities(
            read_text(folder / CORPUS_FILE, sheet=str(folder / CORPUS_FILE)), sheet=str(folder / CORPUS_FILE)
        )
    declared = {e.id for e in entities}
    entities += [e for e in registry if e.id not in declared]
    sheet = sheet_for(document)
    creator, language, date = None, "en", None
    if sheet.is_file():
        head = read_text(sheet, sheet=str(sheet))
        if MARKER in head:
            raise InvalidInput(
                [Problem("the sheet holds drafts already; remove them to draft again", sheet=str(sheet))]
            )
        parsed = parse_yaml(head, sheet=str(sheet))
        record = parsed.get("document") if isinstance(parsed, dict) else None
        if isinstance(record, dict):
            creator = record.get("creator") if isinstance(record.get("creator"), str) else None
            language = record.get("language") if isinstance(record.get("language"), str) else language
            try:
                date = read_date(record["date"]) if record.get("date") is not None else None
            except ValueError:
                date = None
        if not re.search(r"^claims:", head, re.M):
            head = head.rstrip("\n") + "\nclaims:\n"
    else:
        import hashlib

        added = AddedDocument(
            document,
            sheet,
            slug(document.stem),
            hashlib.sha256(document.read_bytes()).hexdigest(),
            None,
            None,
            None,
        )
        head = sheet_header(added)
    drafts = draft_claims(
        text,
        creator=creator,
        registry=entities,
        terms=terms,
        language=(language or "en").split("-")[0],
        date=date,
    )
    body = head if head.endswith("\n") else head + "\n"
    return DraftSheet(sheet, body + render(drafts, text, creator=creator), tuple(drafts))


def registry_entities(store: Any, mint: Any) -> list[Entity]:
    """The entities and agents of a store's registry, with their labels, for proposals.

    :param store: a :class:`claimgraph.store.Store`; :param mint: its :class:`~claimgraph.mapping.Minter`.
    """
    from .namespaces import PROV, RDF, RDFS, SKOS

    prefix = f"{mint.base}entity/"
    found: dict[str, dict[str, Any]] = {}
    for s, p, o, _g in store.quads(mint.registry_graph):
        if not str(s).startswith(prefix):
            continue
        record = found.setdefault(
            str(s)[len(prefix) :], {"types": [], "label": "", "alt": [], "agent": False}
        )
        if p == RDF.type:
            record["agent"] |= o == PROV.Agent
            record["types"].append(str(o))
        elif p == RDFS.label:
            record["label"] = str(o)
        elif p == SKOS.altLabel:
            record["alt"].append(str(o))
    return [
        Entity(
            id=ident,
            types=tuple(r["types"]),
            label=r["label"],
            alt_labels=tuple(r["alt"]),
            is_agent=r["agent"],
        )
        for ident, r in sorted(found.items())
    ]

"""Where a text states a number, a date or someone's words: sentences, values and cues, with offsets.

Rule-based and offline: sentences are split with sentencex, number words read with
text2num, dates with dateparser (at the precision the text gives: a day, a month of a
year, a year, or a day of a month with no year). Every span is a pair of offsets into
the text (Unicode code points, as the loader's quote anchors), so that a span's words
are ``text[start:end]`` verbatim.

>>> [(m.words, m.value, m.bound) for m in find_values("More than 50 died on 3 May 2021; seven fled.")]
[('More than 50', 50, 'More than'), ('3 May 2021', datetime.date(2021, 5, 3), None), ('seven', 7, None)]
>>> [(m.words, m.value) for m in find_values("The September 1 attack; the 1988 massacre; in October 2015.")]
[('September 1', MonthDay(month=9, day=1)), ('1988', Year(year=1988)), ('October 2015', YearMonth(year=2015, month=10))]
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from .model import MonthDay, PartialDate, Year, YearMonth


@dataclass(frozen=True)
class Sentence:
    """A sentence of the text, by offsets, and the paragraph (1-based) it is in."""

    start: int
    end: int
    paragraph: int


@dataclass(frozen=True)
class Mention:
    """A value the text states: a number, a date, or a vague quantity kept in its words."""

    kind: str  # "number", "date" or "quantity"
    start: int
    end: int
    words: str
    value: int | float | str | PartialDate
    bound: str | None = None


def sentences(text: str, language: str = "en") -> list[Sentence]:
    """The sentences of ``text`` with their offsets; a blank line ends a paragraph, and a line
    break ends a sentence unless the next line goes on in lower case (a wrapped line).

    >>> text = "One thing. Another one.\\n\\nA caption - 2017\\nA caption - 2017\\nwrapped here."
    >>> [(text[s.start:s.end], s.paragraph) for s in sentences(text)]
    [('One thing.', 1), ('Another one.', 1), ('A caption - 2017', 2), ('A caption - 2017\\nwrapped here.', 2)]
    """
    from sentencex import segment

    found: list[Sentence] = []
    paragraph = 0
    for block in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]*)*", text):
        if not block.group().strip():
            continue
        paragraph += 1
        for unit in _lines(block.group(), block.start()):
            cursor = unit[0]
            for piece in segment(language or "en", text[unit[0] : unit[1]]):
                stripped = piece.strip()
                if not stripped:
                    continue
                start = text.find(stripped, cursor, unit[1])
                if start < 0:  # the segmenter changed the text: fall back to the line whole
                    found.append(Sentence(unit[0], unit[1], paragraph))
                    break
                for left, right in _split_further(stripped):
                    found.append(Sentence(start + left, start + right, paragraph))
                cursor = start + len(stripped)
    return found


def _lines(block: str, offset: int) -> list[tuple[int, int]]:
    """The spans of a paragraph's lines, a line that the next one continues (in lower case) joined to it."""
    spans: list[tuple[int, int]] = []
    at = 0
    for line in block.split("\n"):
        start, end = offset + at, offset + at + len(line)
        at += len(line) + 1
        if spans and line[:1].islower():
            spans[-1] = (spans[-1][0], end)
        elif line.strip():
            spans.append((start, end))
    return spans


#: A sentence end that the segmenter keeps inside a quotation: ". The", ".” The", ". “The".
_INNER_END = re.compile(r"(?<=[.!?])[”\"»]?\s+(?=[“\"«]?[A-Z])")
_ABBREVIATION = re.compile(
    r"(?:\b[A-Z]\.)+$|\b(?:Mr|Mrs|Ms|Dr|St|Gen|Lt|Col|Sgt|No|Jr|Sr|Prof|Rev|vs|etc)\.$"
)


def _split_further(sentence: str) -> list[tuple[int, int]]:
    """A segment split at the sentence ends inside it (sentencex keeps a quotation whole).

    >>> s = 'He said: “One died. Two fled.” Mr. Smith left.'
    >>> [s[a:b] for a, b in _split_further(s)]
    ['He said: “One died.', 'Two fled.”', 'Mr. Smith left.']
    """
    pieces, left = [], 0
    for match in _INNER_END.finditer(sentence):
        head = sentence[left : match.start()]
        if _ABBREVIATION.search(head):
            continue
        end = match.start() + len(match.group().rstrip())
        pieces.append((left, end))
        left = match.end()
    pieces.append((left, len(sentence)))
    return [(a, b) for a, b in pieces if sentence[a:b].strip()]


# ------------------------------------------------------------------------ dates

_MONTHS = (
    r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|July?|Aug(?:ust|\.)?"
    r"|Sep(?:tember|t\.|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[5-9]\d\d|20\d\d)"
#: Date patterns, longest first; each names the parts it holds.
_DATE_PATTERNS = [
    (re.compile(rf"\b{_MONTHS}\s+{_DAY},?\s+{_YEAR}\b"), "dmy"),
    (re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTHS},?\s+{_YEAR}\b"), "dmy"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}\b"), "dmy"),
    (re.compile(rf"\b{_MONTHS},?\s+{_YEAR}\b"), "my"),
    (re.compile(rf"\b{_MONTHS}\s+{_DAY}\b(?![.,]?\d)"), "dm"),
    (re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTHS}\b"), "dm"),
    (re.compile(rf"(?<![\w$€£.,/+-]){_YEAR}(?![\w%]|[.,]\d)"), "y"),
]
_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$")


@lru_cache(maxsize=8)
def _date_parser(language: str):
    from dateparser.date import DateDataParser

    return DateDataParser(
        languages=[language],
        settings={"PREFER_DAY_OF_MONTH": "first", "RETURN_AS_TIMEZONE_AWARE": False},
    )


def parse_date(raw: str, language: str = "en") -> PartialDate | None:
    """A date at the precision ``raw`` gives it, or None when it is no date.

    ISO forms are read as written; other forms by dateparser, whose precision (a day, a
    month, a year) is kept, and a day with no year is a day of a month (``--09-01``).

    >>> parse_date("2019-10-19T09:30:00Z"), parse_date("2019-10"), parse_date("1988")
    (datetime.date(2019, 10, 19), YearMonth(year=2019, month=10), Year(year=1988))
    >>> parse_date("September 1"), parse_date("February 30, 2020"), parse_date("on Tuesday")
    (MonthDay(month=9, day=1), None, None)
    """
    text = raw.strip()
    if match := _ISO.match(text):
        year, month, day = (int(g) if g else None for g in match.groups())
        try:
            if day is not None:
                return dt.date(year, month, day)
            if month is not None:
                return YearMonth(year, month) if 1 <= month <= 12 else None
            return Year(year)
        except ValueError:
            return None
    if not re.search(r"\d", text):
        return None  # "on Tuesday", "yesterday": relative, not a date the text gives
    data = _date_parser(language or "en").get_date_data(text)
    if data is None or data.date_obj is None:
        return None
    found = data.date_obj
    has_year = re.search(r"\b\d{4}\b", text) is not None
    if data.period == "year":
        return Year(found.year)
    if data.period == "month":
        return YearMonth(found.year, found.month) if has_year else None
    if not has_year:
        return MonthDay(found.month, found.day)
    return found.date()


def find_dates(text: str, language: str = "en") -> list[Mention]:
    """Every date ``text`` states, at its precision, with its offsets."""
    taken: list[tuple[int, int]] = []
    found: list[Mention] = []
    for pattern, _parts in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            value = parse_date(match.group(), language)
            if value is None:
                continue
            taken.append(match.span())
            found.append(Mention("date", match.start(), match.end(), match.group(), value))
    return sorted(found, key=lambda m: m.start)


# ---------------------------------------------------------------------- numbers

_UNITS = [
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "seventy",
    "eighty",
    "ninety",
]
_SCALES = ["hundred", "thousand", "million", "billion"]
_WORD = "(?:" + "|".join(sorted(_UNITS + _SCALES, key=len, reverse=True)) + ")"
_NUMBER_WORDS = re.compile(rf"\b{_WORD}(?:(?:[\s-]+|\s+and\s+){_WORD})*\b", re.I)
_DIGITS = re.compile(
    r"(?<![\w.,/+:-])(\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s+(million|billion|thousand)|%)?(?!\w|[.,:]\d)",
    re.I,
)
#: Quantities the text gives only roughly; the value is kept in the text's words.
_VAGUE = re.compile(
    r"\b(?:(?:tens|hundreds) of )?(?:dozens|scores|hundreds|thousands|millions|billions)"
    r"(?: of (?!the\b|them\b|those\b|these\b)[A-Za-z]+)?\b",
    re.I,
)
_DOZEN = re.compile(r"\b(?:a|one) dozen\b", re.I)
#: Words before a number that bound it ("more than 50"): kept as the claim's bound.
_BOUNDS = re.compile(
    r"\b(?:more than|over|at least|no fewer than|no less than|fewer than|less than|at most|up to|"
    r"nearly|almost|about|around|approximately|roughly|some|as many as|upwards of|close to|"
    r"an estimated|estimated)\s+$",
    re.I,
)
_SCALE_VALUE = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}


def _number(words: str, language: str) -> int | None:
    from text_to_num import text2num

    try:
        return int(text2num(re.sub(r"\s+", " ", words.lower()), language or "en"))
    except (ValueError, TypeError):
        return None


def find_numbers(text: str, language: str = "en") -> list[Mention]:
    """Every number ``text`` states, in digits or words, with a bound before it ("more than").

    A lone "one" (a pronoun as often as a number) and ordinals are left out; a vague
    quantity ("dozens", "millions of dollars") keeps its words as its value.

    >>> [(m.words, m.value) for m in find_numbers("Dozens were hurt; 1,200 fled, fifty-two died, one of them.")]
    [('Dozens', 'Dozens'), ('1,200', 1200), ('fifty-two', 52)]
    """
    found: list[Mention] = []
    for match in _DIGITS.finditer(text):
        digits = match.group(1).replace(",", "")
        raw = match.group().split()[0].replace(",", "").rstrip("%")
        value: int | float = float(raw) if "." in raw else int(digits)
        if match.group(2):
            value = value * _SCALE_VALUE[match.group(2).lower()]
            value = int(value) if float(value).is_integer() else value
        found.append(Mention("number", match.start(), match.end(), match.group(), value))
    for match in _NUMBER_WORDS.finditer(text):
        words = match.group()
        if words.lower() in ("one", *_SCALES):
            continue
        value = _number(words, language)
        if value is not None:
            found.append(Mention("number", match.start(), match.end(), words, value))
    for match in _DOZEN.finditer(text):
        found.append(Mention("number", match.start(), match.end(), match.group(), 12))
    for match in _VAGUE.finditer(text):
        found.append(Mention("quantity", match.start(), match.end(), match.group(), match.group()))
    found = _without_overlaps(found)
    return [_with_bound(text, m) for m in found]


def _without_overlaps(found: list[Mention]) -> list[Mention]:
    kept: list[Mention] = []
    for mention in sorted(found, key=lambda m: (m.start, -(m.end - m.start))):
        if kept and mention.start < kept[-1].end:
            continue
        kept.append(mention)
    return kept


def _with_bound(text: str, mention: Mention) -> Mention:
    if mention.kind != "number":
        return mention
    before = _BOUNDS.search(text, max(0, mention.start - 20), mention.start)
    if before is None or before.end() != mention.start:
        return mention
    return Mention(
        mention.kind,
        before.start(),
        mention.end,
        text[before.start() : mention.end],
        mention.value,
        bound=before.group().strip(),
    )


def find_values(text: str, language: str = "en") -> list[Mention]:
    """The dates and numbers ``text`` states, in order; a number inside a date is the date's."""
    dates = find_dates(text, language)
    numbers = [
        n for n in find_numbers(text, language) if not any(d.start < n.end and n.start < d.end for d in dates)
    ]
    return sorted(dates + numbers, key=lambda m: m.start)


def is_furniture(sentence: str) -> bool:
    """Page furniture rather than a sentence: no word of three letters or more ("728 x 90").

    >>> is_furniture("728 x 90"), is_furniture("Seven died.")
    (True, False)
    """
    return re.search(r"[^\W\d_]{3,}", sentence) is None


# --------------------------------------------------------------- reported speech

#: Words that attribute what follows or precedes to a speaker (or a work).
SPEECH_CUES = re.compile(
    r"\b(?:said|says|say|told|tells|stated|states|explained|explains|added|adds|noted|notes|stressed|"
    r"stresses|reported|reports|claimed|claims|claim|confirmed|confirms|confirm|reads|read|wrote|writes|"
    r"announced|announces|insisted|argued|warned|warns|alleged|alleges|testified|according to|"
    r"cited|quoted|reminded|recalled|acknowledged|admitted|denied|denies)\b",
    re.I,
)
_OPENERS = {"“": "”", "«": "»", "„": "“", '"': '"'}


def quotations(text: str) -> list[tuple[int, int]]:
    """The spans of quoted passages (“…”, «…», "…"), marks included, outermost only.

    >>> quotations('He said: “Go.” She said "no".')
    [(9, 14), (24, 28)]
    """
    spans: list[tuple[int, int]] = []
    index = 0
    while index < len(text):
        char = text[index]
        closer = _OPENERS.get(char)
        if closer is None:
            index += 1
            continue
        paragraph_end = text.find("\n\n", index)
        paragraph_end = len(text) if paragraph_end < 0 else paragraph_end
        end = text.find(closer, index + 1, paragraph_end)
        if end < 0:  # open to the paragraph's end (a quotation continued in the next one)
            spans.append((index, paragraph_end))
            index = paragraph_end
            continue
        spans.append((index, end + 1))
        index = end + 1
    return spans


def speech_cues(text: str) -> list[tuple[int, int]]:
    """The spans of the words that attribute speech (inside quoted passages too).

    >>> speech_cues("Officials said 5 died, according to the report.")
    [(10, 14), (23, 35)]
    """
    return [m.span() for m in SPEECH_CUES.finditer(text)]

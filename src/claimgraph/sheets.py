"""Reading claim sheets and anchoring their quotes in the documents.

A corpus folder holds ``corpus.yaml`` (entities and agents), the documents and
one sheet per document. Reading collects every problem, each with its sheet
and line, before it raises.

>>> anchor_quote("one two one", "one", occurrence=2)
Quote(exact='one', start=8, end=11, prefix='one two ', suffix='')
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Container, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .countkinds import bundled as count_kinds
from .errors import CorpusNotFound, Problem, SheetError
from .model import (
    QUALIFIERS,
    Claim,
    Corpus,
    Document,
    Entity,
    EntityRef,
    LiteralValue,
    MonthDay,
    Quote,
    Step,
    Year,
    YearMonth,
)
from .namespaces import expand_curie, is_iri
from .termcheck import Terms, known_terms

#: Why a text is not an IRI, for the sheet's reader.
_NOT_IRI = (
    "an absolute IRI has a scheme (http:…), at most one #, % only before two hex digits, "
    "and no spaces, quotes, brackets or any of <>{}|^`\\"
)

#: Characters of context kept on each side of a quote (oa:prefix, oa:suffix).
CONTEXT_CHARS = 32
SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*$")

CORPUS_FILE = "corpus.yaml"
ENTITY_KEYS = {"id", "type", "label", "alt_labels", "same_as", "description", "party_to"}
DOCUMENT_KEYS = {"id", "file", "sha256", "title", "publisher", "creator", "date", "place", "language"}
CLAIM_KEYS = {
    "subject",
    "predicate",
    "object",
    "value",
    "claimant",
    "via",
    "medium",
    "quote",
    "occurrence",
    *QUALIFIERS,
}


YEAR_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
MONTH_DAY = re.compile(r"^--(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


def read_value(raw: Any) -> LiteralValue:
    """A sheet's literal at the precision it is written, typed.

    A full date (``2013-09-01``) is an ``xsd:date``; ``'2017-09'`` a year-month
    (``xsd:gYearMonth``); ``{year: 1988}`` a year (``xsd:gYear``); ``'--09-01'``
    a day of a month with no year (``xsd:gMonthDay``); numbers, true/false and
    other text stay what they are.

    :raises ValueError: for anything else, saying what was given.

    >>> read_value("2015-10"), read_value({"year": 1988}), read_value("--09-01")
    (YearMonth(year=2015, month=10), Year(year=1988), MonthDay(month=9, day=1))
    >>> read_value("2015-13")
    '2015-13'
    >>> read_value({"year": "1988"})
    Traceback (most recent call last):
    ...
    ValueError: a year is written {year: 1988} (four digits), got {'year': '1988'}
    """
    if isinstance(raw, dict):
        year = raw.get("year")
        if (
            set(raw) != {"year"}
            or isinstance(year, bool)
            or not isinstance(year, int)
            or not 0 < year < 10000
        ):
            raise ValueError(f"a year is written {{year: 1988}} (four digits), got {dict(raw)!r}")
        return Year(year)
    if isinstance(raw, str):
        if match := YEAR_MONTH.match(raw):
            return YearMonth(int(match.group(1)), int(match.group(2)))
        if match := MONTH_DAY.match(raw):
            return MonthDay(int(match.group(1)), int(match.group(2)))
        return raw
    if isinstance(raw, bool | int | float | dt.date):
        return raw
    raise ValueError(
        "value must be a number, a date (2013-09-01, '2013-09', {year: 2013}, '--09-01'), "
        f"true/false or text, got {type(raw).__name__}"
    )


def read_date(raw: Any) -> dt.date | YearMonth | Year:
    """A date at the precision a text gives it: full date, year-month or year.

    :raises ValueError: for anything else.

    >>> read_date("2017-09")
    YearMonth(year=2017, month=9)
    >>> read_date("September 2017")
    Traceback (most recent call last):
    ...
    ValueError: expected a date like 2013-09-13, '2013-09' or {year: 2013}, got 'September 2017'
    """
    try:
        value = read_value(raw)
    except ValueError:
        value = None
    if isinstance(value, dt.date | YearMonth | Year) and not isinstance(value, dt.datetime):
        return value
    raise ValueError(f"expected a date like 2013-09-13, '2013-09' or {{year: 2013}}, got {raw!r}")


class QuoteNotFound(ValueError):
    """The quote is not in the text, or is there more than once without a choice."""


def anchor_quote(text: str, exact: str, *, occurrence: int | None = None) -> Quote:
    """Find ``exact`` verbatim in ``text`` and compute its selectors.

    :param occurrence: which occurrence (1-based), required when there are several.
    :raises QuoteNotFound: when the quote is absent, ambiguous or the occurrence is out of range.

    >>> anchor_quote("He said: “52 bodies”.", "“52 bodies”").start
    9
    >>> anchor_quote("it’s", "it's")
    Traceback (most recent call last):
    ...
    claimgraph.sheets.QuoteNotFound: quote not found verbatim in the document: "it's"
    """
    if not exact:
        raise QuoteNotFound("quote is empty")
    # str.find, not a regular expression compiled per quote; matches do not overlap, as
    # re.finditer's do not.
    starts = []
    found = text.find(exact)
    while found != -1:
        starts.append(found)
        found = text.find(exact, found + len(exact))
    if not starts:
        raise QuoteNotFound(f"quote not found verbatim in the document: {_show(exact)}")
    if occurrence is None:
        if len(starts) > 1:
            raise QuoteNotFound(
                f"quote occurs {len(starts)} times in the document; say which with occurrence: {_show(exact)}"
            )
        occurrence = 1
    if not 1 <= occurrence <= len(starts):
        raise QuoteNotFound(
            f"occurrence {occurrence} asked but the quote occurs {len(starts)} time(s): {_show(exact)}"
        )
    start = starts[occurrence - 1]
    end = start + len(exact)
    return Quote(
        exact=exact,
        start=start,
        end=end,
        prefix=text[max(0, start - CONTEXT_CHARS) : start],
        suffix=text[end : end + CONTEXT_CHARS],
    )


def _show(text: str, limit: int = 60) -> str:
    short = text if len(text) <= limit else text[: limit - 1] + "…"
    return '"' + short + '"'


class _Node(dict):
    """A mapping that remembers the line it started on."""

    line: int = 0


# libyaml's parser when PyYAML has it (about ten times faster); the constructors are Python either way.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_BaseLoader):
    #: Each key given twice in one mapping: the key and the lines of both (YAML would keep the last).
    duplicates: list[tuple[Any, int, int]]

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> _Node:
        seen: dict[Any, int] = {}
        for key_node, _value in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key, line = self.construct_object(key_node, deep=deep), key_node.start_mark.line + 1
            if key in seen:
                self.duplicates.append((key, seen[key], line))
            else:
                seen[key] = line
        mapping = _Node(super().construct_mapping(node, deep=deep))
        mapping.line = node.start_mark.line + 1
        return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping)


def parse_yaml(text: str, *, sheet: str) -> Any:
    """Parse YAML whose mappings know their line numbers.

    :raises SheetError: with the parser's line on a syntax error; naming the key and both
        lines when a mapping gives a key twice.
    """
    loader = _LineLoader(text)
    loader.duplicates = []
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise SheetError([Problem(f"YAML syntax error: {problem}", sheet=sheet, line=line)]) from None
    except ValueError as exc:
        # A value YAML reads as a date but that is no date (2024-02-30).
        line, value = _bad_date(text)
        shown = f" {value!r}" if value else ""
        raise SheetError([Problem(f"not a valid date{shown}: {exc}", sheet=sheet, line=line)]) from None
    finally:
        loader.dispose()
    if loader.duplicates:
        raise SheetError(
            [
                Problem(
                    f"key {key!r} is given twice in one mapping, on line {first} and line {line}; "
                    "YAML would keep only the last: remove one",
                    sheet=sheet,
                    line=line,
                )
                for key, first, line in sorted(loader.duplicates, key=lambda d: d[2])
            ]
        )
    return data


_DATE = re.compile(r"(?<![\w.-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\w.-])")


def _bad_date(text: str) -> tuple[int | None, str | None]:
    """The line and text of the first date-like value that is no date.

    >>> _bad_date("a: 2024-02-28\\nb: 2024-02-30\\n")
    (2, '2024-02-30')
    """
    for number, line in enumerate(text.splitlines(), 1):
        for match in _DATE.finditer(line.split("#", 1)[0]):
            try:
                dt.date(*(int(g) for g in match.groups()))
            except ValueError:
                return number, match.group()
    return None, None


def read_text(path: Path, *, sheet: str) -> str:
    """A file's text, which must be UTF-8.

    :raises SheetError: naming the file and the line of the first byte that is not UTF-8, or
        saying why it cannot be read (a folder, no permission).
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        what = "a folder, not a file" if path.is_dir() else f"unreadable: {exc.strerror or exc}"
        raise SheetError([Problem(f"the sheet is {what}", sheet=sheet)]) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SheetError(
            [Problem(f"the file is not UTF-8 (byte {exc.start}); save it as UTF-8", sheet=sheet, line=line)]
        ) from None


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


def read_entities(text: str, *, sheet: str, terms: Terms | None = None) -> list[Entity]:
    """Read a ``corpus.yaml``: its ``agents`` and ``entities`` lists.

    :param terms: the terms types are checked against (default: the known vocabularies', no ``cg:``).
    :raises SheetError: listing every problem found.
    """
    data = parse_yaml(text, sheet=sheet)
    out = _Collector(sheet, terms)
    if not isinstance(data, dict):
        raise SheetError([Problem("expected a mapping with 'agents' and 'entities'", sheet=sheet, line=1)])
    for key in set(data) - {"agents", "entities"}:
        out.add(f"unknown key {key!r}", data)
    entities: list[Entity] = []
    seen: dict[str, int] = {}
    for section, is_agent in (("agents", True), ("entities", False)):
        for item in _as_list(data.get(section)):
            entity = _read_entity(item, is_agent=is_agent, out=out)
            if entity is None:
                continue
            if entity.id in seen:
                out.add(f"id {entity.id!r} declared twice (first on line {seen[entity.id]})", item)
                continue
            seen[entity.id] = item.line
            entities.append(entity)
    if out.problems:
        raise SheetError(out.problems)
    return entities


def _read_entity(item: Any, *, is_agent: bool, out: _Collector) -> Entity | None:
    if not isinstance(item, dict):
        out.add("expected a mapping with id, type and label", line=getattr(item, "line", None))
        return None
    for key in set(item) - ENTITY_KEYS:
        out.add(f"unknown key {key!r}", item)
    ident, label = item.get("id"), item.get("label")
    if not isinstance(ident, str) or not SLUG.match(ident):
        out.add(f"id must be a lower-case slug, got {ident!r}", item)
        return None
    if not isinstance(label, str) or not label.strip():
        out.add(f"{ident}: label is required", item)
    types = []
    for curie in _as_list(item.get("type")):
        try:
            types.append(expand_curie(str(curie)))
        except KeyError:
            out.add(f"{ident}: unknown prefix in type {curie!r}", item)
            continue
        if not is_iri(types[-1]):
            out.add(f"{ident}: type {curie!r} is not an IRI: {_NOT_IRI}", item)
        else:
            out.term(types[-1], "class", f"{ident}: type", item)
    for other in _as_list(item.get("same_as")):
        if not is_iri(str(other)):
            out.add(f"{ident}: same_as {other!r} is not an IRI: {_NOT_IRI}", item)
    if not types:
        out.add(f"{ident}: type is required", item)
    party_to = tuple(str(e) for e in _as_list(item.get("party_to")))
    if party_to and not is_agent:
        out.add(f"{ident}: party_to is declared for agents only", item)
    return Entity(
        party_to=party_to,
        id=ident,
        types=tuple(types),
        label=str(label or ""),
        alt_labels=tuple(str(a) for a in _as_list(item.get("alt_labels"))),
        same_as=tuple(str(s) for s in _as_list(item.get("same_as"))),
        is_agent=is_agent,
        description=item.get("description"),
        line=item.line,
    )


def read_sheet(
    text: str,
    *,
    sheet: str,
    document_bytes: bytes | None,
    known_ids: Container[str] | Iterable[str],
    agent_ids: Container[str] | Iterable[str],
    problems: list[Problem] | None = None,
    parsed: Any = None,
    terms: Terms | None = None,
) -> tuple[Document, list[Claim]]:
    """Read one claim sheet against its document's bytes.

    :param document_bytes: the bytes of the file the sheet names, or None when it is missing.
    :param known_ids: every entity and agent id the sheet may use (a set, or anything that
        answers ``in``, such as a lookup in the store's registry).
    :param agent_ids: the ids that may stand as claimants, creators and publishers.
    :param problems: when given, problems are added to it and what could be read is
        returned (so that the rest can be checked too); otherwise they are raised.
    :param parsed: the sheet's YAML already parsed by :func:`parse_yaml` (so that it is parsed once).
    :param terms: the terms predicates are checked against (default: the known vocabularies', no ``cg:``).
    :raises SheetError: listing every problem, each with sheet and line.
    """
    data = parse_yaml(text, sheet=sheet) if parsed is None else parsed
    out = _Collector(sheet, terms)
    known = known_ids if isinstance(known_ids, Container) else set(known_ids)
    agents = agent_ids if isinstance(agent_ids, Container) else set(agent_ids)
    if not isinstance(data, dict) or not isinstance(data.get("document"), dict):
        raise SheetError([Problem("expected a mapping with 'document' and 'claims'", sheet=sheet, line=1)])
    for key in set(data) - {"document", "claims"}:
        out.add(f"unknown key {key!r}", data)
    document = _read_document(data["document"], document_bytes, known, agents, out)
    claims = []
    for item in _as_list(data.get("claims")):
        claim = _read_claim(item, document, known, agents, out)
        if claim is not None:
            claims.append(claim)
    if problems is not None:
        problems += out.problems
    elif out.problems:
        raise SheetError(out.problems)
    return document, claims


def _read_document(
    node: Mapping[str, Any],
    data: bytes | None,
    known: Container[str],
    agents: Container[str],
    out: _Collector,
) -> Document:
    for key in set(node) - DOCUMENT_KEYS:
        out.add(f"document: unknown key {key!r}", node)
    for key in ("id", "file", "sha256", "creator"):
        if not node.get(key):
            out.add(f"document: {key} is required", node)
    ident = node.get("id") or ""
    if ident and bad_id(ident):
        out.add(f"document: id must be a lower-case slug, got {ident!r}", node)
        ident = ""  # never minted into an IRI
    text = ""
    if data is None:
        out.add(f"document: file {node.get('file')!r} not found beside the sheet", node)
    else:
        digest = hashlib.sha256(data).hexdigest()
        if node.get("sha256") and str(node["sha256"]).lower() != digest:
            out.add(
                f"document: sha256 {node['sha256']} does not match the file's bytes ({digest})",
                node,
            )
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            out.add(f"document: file is not UTF-8 (byte {exc.start})", node)
    for key in ("creator", "publisher"):
        ref = node.get(key)
        if ref is not None and (why := bad_id(ref)):
            out.add(f"document: {key} {why}", node)
        elif ref is not None and ref not in agents:
            out.add(f"document: {key} {ref!r} is not an agent in the store or declared in corpus.yaml", node)
    for key in ("title", "language"):
        if node.get(key) is not None and not isinstance(node[key], str):
            out.add(f"document: {key} must be text, got {node[key]!r}", node)
    date = None
    if node.get("date") is not None:
        try:
            date = read_date(node["date"])
        except ValueError as exc:
            out.add(f"document: date: {exc}", node)
    place = node.get("place")
    if place is not None and (why := bad_id(place)):
        out.add(f"document: place {why}", node)
        place = None
    elif place is not None and place not in known:
        out.add(f"document: place {place!r} is not an entity in the store or declared in corpus.yaml", node)
    return Document(
        id=ident,
        file=str(node.get("file") or ""),
        sha256=hashlib.sha256(data).hexdigest() if data is not None else "",
        text=text,
        creator=node["creator"] if not bad_id(node.get("creator")) else "",
        language=node["language"] if isinstance(node.get("language"), str) else None,
        title=node["title"] if isinstance(node.get("title"), str) else None,
        publisher=node["publisher"] if not bad_id(node.get("publisher")) else None,
        date=date,
        place=place if place in known else None,
        sheet=out.sheet,
    )


def _read_claim(
    item: Any, document: Document, known: Container[str], agents: Container[str], out: _Collector
) -> Claim | None:
    line = getattr(item, "line", None)
    if not isinstance(item, dict):
        out.add("a claim must be a mapping", line=line)
        return None
    before = len(out.problems)
    for key in sorted(set(item) - CLAIM_KEYS, key=str):  # keys of any YAML type
        out.add(f"unknown key {key!r}", item)
    for key in ("subject", "predicate", "claimant", "quote"):
        if item.get(key) in (None, ""):
            out.add(f"{key} is required", item)
    if ("object" in item) == ("value" in item):
        out.add("give exactly one of object (an entity id) and value (a literal)", item)

    def ref(key: str, value: Any, pool: Container[str], what: str) -> None:
        if value is not None and (why := bad_id(value)):
            out.add(f"{key} {why}", item)
        elif value is not None and value not in pool:
            out.add(f"{key} {value!r} is not {what} in the store or declared in corpus.yaml", item)

    ref("subject", item.get("subject"), known, "an entity or agent")
    ref("object", item.get("object"), known, "an entity or agent")
    ref("claimant", item.get("claimant"), agents, "an agent")
    ref("medium", item.get("medium"), known, "an entity")
    predicate = ""
    if item.get("predicate") is not None and not isinstance(item["predicate"], str):
        out.add(f"predicate must be text (a CURIE or an <IRI>), got {item['predicate']!r}", item)
    elif item.get("predicate"):
        try:
            predicate = expand_curie(str(item["predicate"]))
        except KeyError:
            out.add(f"predicate {item['predicate']!r} is not a CURIE with a known prefix", item)
        else:
            if not is_iri(predicate):
                out.add(f"predicate {item['predicate']!r} is not an IRI: {_NOT_IRI}", item)
            else:
                out.term(predicate, "property", "predicate", item)
    value: Any = EntityRef(item["object"]) if "object" in item else None
    if "value" in item:
        try:
            value = read_value(item["value"])
        except ValueError as exc:
            out.add(str(exc), item)
    via: list[Step] = []
    for hop in _as_list(item.get("via")):
        agent, medium = (hop.get("agent"), hop.get("medium")) if isinstance(hop, dict) else (hop, None)
        ref("via agent", agent, agents, "an agent")
        ref("via medium", medium, known, "an entity")
        via.append(Step(str(agent), medium))
    qualifiers = []
    for name in QUALIFIERS:
        if item.get(name) is None:
            continue
        if name == "stated_on":
            try:
                qualifiers.append((name, read_date(item[name])))
            except ValueError as exc:
                out.add(f"stated_on: {exc}", item)
        elif not isinstance(item[name], str) or not item[name].strip():
            out.add(f"{name} must be text, got {item[name]!r}", item)
        elif name == "count_kind" and item[name] not in count_kinds().kinds:
            out.add(count_kinds().unknown(item[name]), item)
        elif name == "basis" and item[name] not in agents:
            ref("basis", item[name], agents, "an agent")
        else:
            qualifiers.append((name, item[name]))
    occurrence = item.get("occurrence")
    if occurrence is not None and (not isinstance(occurrence, int) or isinstance(occurrence, bool)):
        out.add(f"occurrence must be a whole number, got {occurrence!r}", item)
        occurrence = None
    quote = None
    if isinstance(item.get("quote"), str) and document.text:
        try:
            quote = anchor_quote(document.text, item["quote"], occurrence=occurrence)
        except QuoteNotFound as exc:
            out.add(f"{exc} (in {document.file})", item)
    elif item.get("quote") is not None and not isinstance(item.get("quote"), str):
        out.add("quote must be text", item)
    if len(out.problems) > before or quote is None:
        return None
    claimant = str(item["claimant"])
    # Step 0 is the document's own voice; its medium is the document itself.
    chain = [Step(document.creator), *via]
    if claimant != document.creator or via:
        chain.append(Step(claimant, item.get("medium")))
    elif item.get("medium"):
        out.add(
            "medium given for a claim in the document's own voice (its medium is the document)",
            item,
        )
        return None
    return Claim(
        document=document.id,
        subject=str(item["subject"]),
        predicate=predicate,
        value=value,
        claimant=claimant,
        chain=tuple(chain),
        quote=quote,
        qualifiers=tuple(qualifiers),
        sheet=out.sheet,
        line=line,
    )


def sheet_for(document_path: Path) -> Path:
    """The sheet that belongs to a document: same name, ``.yaml`` extension."""
    return document_path.with_suffix(".yaml")


@dataclass(frozen=True)
class CorpusFolder:
    """A corpus folder whose ``corpus.yaml`` has been read: its sheets are read one by one."""

    folder: Path
    name: str
    entities: tuple[Entity, ...]
    sheets: tuple[Path, ...]
    known: frozenset[str]
    agents: frozenset[str]
    terms: Terms | None = None


def open_corpus(
    folder: Path,
    *,
    known_ids: Iterable[str] = (),
    agent_ids: Iterable[str] = (),
    problems: list[Problem],
    terms: Terms | None = None,
) -> CorpusFolder:
    """Read a corpus folder's ``corpus.yaml`` and find its claim sheets (read by :func:`read_documents`).

    :param known_ids: ids of entities and agents the store holds already, which
        sheets may use beside those of ``corpus.yaml``.
    :param agent_ids: those of them that are agents.
    :param problems: every problem found is added to it.
    :param terms: the terms types and predicates are checked against (see :mod:`claimgraph.termcheck`).
    :raises CorpusNotFound: when ``folder`` has no ``corpus.yaml`` (not a corpus at all).
    """
    folder = Path(folder)
    entities_path = folder / CORPUS_FILE
    if not entities_path.is_file():
        raise CorpusNotFound(f"{folder}: no {CORPUS_FILE} here, so this is not a corpus folder")
    try:
        entities = read_entities(
            read_text(entities_path, sheet=_rel(entities_path)), sheet=_rel(entities_path), terms=terms
        )
    except SheetError as exc:
        problems += exc.problems
        entities = []
    named = {e.id for e in entities} | set(known_ids)
    for entity in entities:
        for event in entity.party_to:
            if event not in named:
                problems.append(
                    Problem(
                        f"{entity.id}: party_to {event!r} is not an entity in the store or declared in corpus.yaml",
                        sheet=_rel(entities_path),
                        line=entity.line,
                    )
                )
    sheets = sorted(p for p in folder.glob("*.yaml") if p.name != CORPUS_FILE)
    if not sheets:
        problems.append(Problem(f"no claim sheets (*.yaml) in {folder}", sheet=str(folder)))
    return CorpusFolder(
        folder=folder,
        name=folder.resolve().name,
        entities=tuple(entities),
        sheets=tuple(sheets),
        known=frozenset({e.id for e in entities} | set(known_ids)),
        agents=frozenset({e.id for e in entities if e.is_agent} | set(agent_ids)),
        terms=terms,
    )


def read_documents(
    corpus: CorpusFolder, *, problems: list[Problem]
) -> Iterator[tuple[Document, list[Claim]]]:
    """Each claim sheet of a corpus, read against its document, one at a time (so that a
    large corpus is never held whole); every problem is added to ``problems``."""
    seen: dict[str, str] = {}
    for path in corpus.sheets:
        name = _rel(path)
        try:
            text = read_text(path, sheet=name)
            head = parse_yaml(text, sheet=name)
        except SheetError as exc:
            problems += exc.problems
            continue
        document_node = head.get("document") if isinstance(head, dict) else None
        file_name = document_node.get("file") if isinstance(document_node, dict) else None
        doc_path = corpus.folder / file_name if isinstance(file_name, str) and file_name else None
        data = None
        if doc_path and doc_path.is_file():
            try:
                data = doc_path.read_bytes()
            except OSError as exc:
                problems.append(Problem(f"document file {file_name!r}: {exc.strerror or exc}", sheet=name))
                continue
        try:
            document, read = read_sheet(
                text,
                sheet=name,
                document_bytes=data,
                known_ids=corpus.known,
                agent_ids=corpus.agents,
                problems=problems,
                parsed=head,
                terms=corpus.terms,
            )
        except SheetError as exc:
            problems += exc.problems
            continue
        if document.id in seen:
            problems.append(
                Problem(f"document id {document.id!r} also used by {seen[document.id]}", sheet=document.sheet)
            )
        seen[document.id] = document.sheet or ""
        yield document, read


def read_corpus(
    folder: Path,
    *,
    known_ids: Iterable[str] = (),
    agent_ids: Iterable[str] = (),
    problems: list[Problem] | None = None,
    terms: Terms | None = None,
) -> Corpus:
    """Read ``corpus.yaml`` and every claim sheet in ``folder``.

    :param known_ids: ids of entities and agents the store holds already, which
        sheets may use beside those of ``corpus.yaml``.
    :param agent_ids: those of them that are agents.
    :param problems: when given, every problem is added to it and what could be read
        is returned, so that the rest can be validated too; otherwise they are raised.
    :param terms: the terms types and predicates are checked against (see :mod:`claimgraph.termcheck`).
    :raises CorpusNotFound: when ``folder`` has no ``corpus.yaml`` (not a corpus at all).
    :raises SheetError: listing every problem in every sheet.
    """
    found: list[Problem] = []
    corpus = open_corpus(folder, known_ids=known_ids, agent_ids=agent_ids, problems=found, terms=terms)
    documents: list[Document] = []
    claims: list[Claim] = []
    for document, read in read_documents(corpus, problems=found):
        documents.append(document)
        claims += read
    if problems is not None:
        problems += found
    elif found:
        raise SheetError(found)
    return Corpus(
        name=corpus.name,
        entities=corpus.entities,
        documents=tuple(d for d in documents if d.id),
        claims=tuple(claims),
    )


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)

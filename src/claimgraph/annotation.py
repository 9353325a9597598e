"""One claim recorded from the annotation page, as a change for the one write path.

The page sends a claim as JSON: the document's id, the quote with its offsets (code points
into the document's text, as the loader anchors quotes), subject, predicate, value or object,
claimant, chain and qualifiers, and any new entities or agents the claim needs. It is read by
the claim-sheet reader itself (:func:`claimgraph.sheets.read_sheet`, against the document as
the store holds it), so that it is checked exactly as a sheet's claim is; each problem names
the field it concerns (``path``), for the page to show it there.

>>> field_of("claimant 'x' is not an agent in the store or declared in corpus.yaml")
'claimant'
>>> field_of("give exactly one of object (an entity id) and value (a literal)")
'value'
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .changes import Change
from .errors import InvalidInput, NotFound, Problem
from .iris import Minter
from .loader import RegistryIds
from .mapping import claim_triples, entity_triples
from .model import QUALIFIERS, Claim, Entity
from .namespaces import CG, DCT, OA, PROV, RDF, SCHEMA, expand_curie, is_iri
from .search import Select
from .sheets import SLUG, read_sheet
from .store import Quad, Store
from .termcheck import Terms

#: The fields of a claim sent as JSON (beside the sheet's: offsets and new entities).
CLAIM_FIELDS = (
    "document",
    "subject",
    "predicate",
    "object",
    "value",
    "claimant",
    "via",
    "medium",
    "quote",
    "start",
    "end",
    "entities",
    *QUALIFIERS,
)
#: What a new entity or agent sent with a claim may say.
ENTITY_FIELDS = ("id", "label", "type", "alt_labels", "agent", "description")
#: The most new entities one claim may bring.
MAX_NEW_ENTITIES = 10
#: Where a problem reported by the sheet reader belongs, by the words it starts with.
_FIELD_WORDS = (
    ("give exactly one of object", "value"),
    ("a year is written", "value"),
    ("value must", "value"),
    ("via agent", "via"),
    ("via medium", "via"),
    ("medium given", "medium"),
    ("document:", "document"),
)
_FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def field_of(message: str) -> str | None:
    """The field of the claim form a problem of the sheet reader concerns (None: the whole claim)."""
    for words, name in _FIELD_WORDS:
        if message.startswith(words):
            return name
    first = re.split(r"[\s:]", message, maxsplit=1)[0]
    if first in CLAIM_FIELDS:
        return first
    if message.startswith(("unknown key '", "quote")):
        return message.split("'")[1] if message.startswith("unknown") else "quote"
    return None


@dataclass(frozen=True)
class StoredDocument:
    """What the annotation page needs of a document in the store."""

    id: str
    file: str
    text: str
    creator: str | None
    language: str | None
    date: str | None
    corpus: str | None
    title: str | None = None


def stored_document(select: Select, mint: Minter, ident: str) -> StoredDocument:
    """The document ``ident`` as the store holds it (read through ``select``).

    :raises NotFound: when the store holds no such document (or it has no text).
    """
    if not SLUG.match(ident):
        raise NotFound(f"no document {ident!r} in the store (a document id is a lower-case slug)")
    node = mint.document(ident)
    rows = select(f"SELECT ?p ?o WHERE {{ GRAPH <{mint.document_graph(ident)}> {{ <{node}> ?p ?o }} }}")
    found: dict[Any, Any] = {}
    for row in rows:
        found.setdefault(row["p"], row["o"])
    if CG.fileName not in found or SCHEMA.text not in found:
        raise NotFound(f"no document {ident!r} in the store")
    owners = sorted(
        str(row["c"])
        for row in select(f"SELECT ?c WHERE {{ GRAPH ?g {{ ?c <{CG.holdsDocument}> <{node}> }} }}")
    )
    prefix = mint.under("entity")
    creator = str(found.get(DCT.creator, ""))
    return StoredDocument(
        id=ident,
        file=str(found[CG.fileName]),
        text=str(found[SCHEMA.text]),
        creator=creator[len(prefix) :] if creator.startswith(prefix) else None,
        language=str(found[DCT.language]) if DCT.language in found else None,
        date=str(found[DCT.date]) if DCT.date in found else None,
        corpus=owners[0].rstrip("/").rsplit("/", 1)[-1] if owners else None,
        title=str(found[DCT.title]) if DCT.title in found else None,
    )


def document_claims(select: Select, mint: Minter, ident: str) -> list[dict[str, Any]]:
    """The claims read in a document, with their quotes' offsets, for the page to highlight."""
    rows = select(
        f"SELECT ?c ?start ?end ?p ?o ?who WHERE {{ GRAPH <{mint.document_graph(ident)}> {{ "
        f"?c a <{CG.Claim}> ; <{RDF.predicate}> ?p ; <{RDF.object}> ?o ; <{PROV.wasAttributedTo}> ?who ; "
        f"<{CG.evidence}>/<{OA.hasSelector}> ?sel . ?sel <{OA.start}> ?start ; <{OA.end}> ?end }} }}"
    )
    out = {}
    for row in rows:
        out[str(row["c"])] = {
            "iri": str(row["c"]),
            "start": int(row["start"].toPython()),
            "end": int(row["end"].toPython()),
            "predicate": str(row["p"]),
            "value": str(row["o"]),
            "claimant": str(row["who"]),
        }
    return sorted(out.values(), key=lambda c: (c["start"], c["end"]))


def _problem(message: str, field: str | None) -> Problem:
    return Problem(message, sheet="annotation", path=field)


def new_entities(data: Any, store: Store, mint: Minter) -> tuple[list[Entity], list[Problem]]:
    """The new entities and agents a claim brings (``entities``: a list of objects with ``id``,
    ``label``, ``type`` (a CURIE or a list), ``alt_labels``, ``agent`` (true for an agent))."""
    problems: list[Problem] = []
    if data is None:
        return [], problems
    if not isinstance(data, list) or len(data) > MAX_NEW_ENTITIES:
        return [], [_problem(f"entities must be a list of at most {MAX_NEW_ENTITIES} objects", "entities")]
    known = RegistryIds(store, mint)
    out: list[Entity] = []
    for item in data:
        if not isinstance(item, dict):
            problems.append(_problem("each new entity must be an object with id, label and type", "entities"))
            continue
        ident, label = item.get("id"), item.get("label")
        where = f"entities.{ident}" if isinstance(ident, str) else "entities"
        for key in sorted(set(item) - set(ENTITY_FIELDS)):
            problems.append(_problem(f"new entity: unknown key {key!r}", where))
        if not isinstance(ident, str) or not SLUG.match(ident):
            problems.append(_problem(f"new entity: id must be a lower-case slug, got {ident!r}", where))
            continue
        if ident in known or any(e.id == ident for e in out):
            problems.append(_problem(f"new entity: {ident!r} is in the registry already; pick it", where))
            continue
        if not isinstance(label, str) or not label.strip():
            problems.append(_problem(f"new entity {ident!r}: label is required", where))
            continue
        raw_types = item.get("type") or []
        types = []
        for curie in raw_types if isinstance(raw_types, list) else [raw_types]:
            try:
                iri = expand_curie(str(curie))
            except KeyError:
                problems.append(_problem(f"new entity {ident!r}: unknown prefix in type {curie!r}", where))
                continue
            if is_iri(iri):
                types.append(iri)
        if not types:
            problems.append(_problem(f"new entity {ident!r}: type is required (a CURIE)", where))
            continue
        alt = item.get("alt_labels") or []
        if not isinstance(alt, list) or not all(isinstance(a, str) for a in alt):
            problems.append(_problem(f"new entity {ident!r}: alt_labels must be a list of text", where))
            continue
        description = item.get("description")
        out.append(
            Entity(
                id=ident,
                types=tuple(types),
                label=label.strip(),
                alt_labels=tuple(a.strip() for a in alt if a.strip()),
                is_agent=item.get("agent") is True,
                description=description if isinstance(description, str) and description.strip() else None,
            )
        )
    return out, problems


def sheet_value(text: Any, *, date_property: bool) -> Any:
    """A value typed in a form field, as a sheet's YAML would have read it.

    >>> sheet_value("52", date_property=False), sheet_value("2013-09-01", date_property=False)
    (52, datetime.date(2013, 9, 1))
    >>> sheet_value("1988", date_property=True), sheet_value("2.5", date_property=False)
    ({'year': 1988}, 2.5)
    >>> len(sheet_value("9" * 5000, date_property=False))  # text: too long for a number
    5000
    """
    if not isinstance(text, str):
        return text
    value = text.strip()
    if _FULL_DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    if re.fullmatch(r"\d{4}", value) and date_property:
        return {"year": int(value)}
    if re.fullmatch(r"-?\d{1,30}", value):
        return int(value)
    if re.fullmatch(r"-?\d{1,30}\.\d{1,30}", value):
        return float(value)
    return {"true": True, "false": False}.get(value, value)


def occurrence_at(text: str, quote: str, start: int) -> int | None:
    """Which occurrence of ``quote`` (as :func:`claimgraph.sheets.anchor_quote` counts them) starts
    at ``start``; None when none does.

    >>> occurrence_at("one two one", "one", 8), occurrence_at("one two one", "one", 4)
    (2, None)
    """
    count, found = 0, text.find(quote)
    while found != -1 and quote:
        count += 1
        if found == start:
            return count
        found = text.find(quote, found + len(quote))
    return None


def claim_change(
    store: Store,
    data: Mapping[str, Any],
    mint: Minter,
    *,
    date_properties: frozenset[str] = frozenset(),
    terms: Terms | None = None,
) -> tuple[Change, Claim, list[Entity]]:
    """The change one claim sent as JSON makes: its triples in its document's graph, and the new
    entities and agents it brings in the registry (declared by the document's corpus).

    :param date_properties: the IRIs of the date properties (a year typed alone is a year).
    :param terms: the terms a claim may use (as a sheet's; default: the known vocabularies').
    :raises NotFound: when the document is not in the store.
    :raises InvalidInput: listing every problem, each with the field it concerns (``path``).
    """
    if not isinstance(data, Mapping):
        raise InvalidInput([_problem("send one claim as a JSON object", None)])
    problems = [_problem(f"unknown field {k!r}", k) for k in sorted(set(data) - set(CLAIM_FIELDS))]
    ident = data.get("document")
    if not isinstance(ident, str) or not ident:
        raise InvalidInput([*problems, _problem("document is required (the document's id)", "document")])
    document = stored_document(lambda sparql: store.query(sparql).rows, mint, ident)
    entities, found = new_entities(data.get("entities"), store, mint)
    problems += found
    item: dict[str, Any] = {k: data[k] for k in CLAIM_FIELDS if k in data and k not in _NOT_SHEET}
    for key in ("subject", "object", "claimant", "medium", *QUALIFIERS):
        if isinstance(item.get(key), str):
            item[key] = item[key].strip() or None
        if key in item and item[key] is None:
            del item[key]
    predicate = str(item.get("predicate") or "").strip()
    item["predicate"] = predicate
    try:
        expanded = expand_curie(predicate) if predicate else ""
    except KeyError:
        expanded = predicate
    if "value" in item:
        item["value"] = sheet_value(item["value"], date_property=expanded in date_properties)
    if isinstance(item.get("stated_on"), str) and _FULL_DATE.match(item["stated_on"].strip()):
        item["stated_on"] = sheet_value(item["stated_on"], date_property=True)
    if isinstance(item.get("via"), list):
        item["via"] = [v for v in item["via"] if v]
    quote, start, end = data.get("quote"), data.get("start"), data.get("end")
    if not isinstance(quote, str) or not quote:
        problems.append(_problem("select the quote in the text (quote is required)", "quote"))
    elif not all(isinstance(x, int) and not isinstance(x, bool) for x in (start, end)):
        problems.append(_problem("the quote's start and end offsets are required (whole numbers)", "quote"))
    elif document.text[start:end] != quote:
        problems.append(
            _problem(
                f"the text at {start}–{end} is not the quote sent: the selection and the text differ",
                "quote",
            )
        )
    else:
        occurrence = occurrence_at(document.text, quote, start)
        if occurrence is None:
            problems.append(
                _problem("the quote overlaps an earlier occurrence of itself: select more or less", "quote")
            )
        elif document.text.count(quote) > 1:
            item["occurrence"] = occurrence
    if problems and "quote" in item and any(p.path == "quote" for p in problems):
        del item["quote"]
    if not document.creator:
        problems.append(_problem(f"document {ident!r} has no creator in the store", "document"))
        raise InvalidInput(problems)
    data_bytes = document.text.encode("utf-8")
    header = {
        "id": document.id,
        "file": document.file,
        "sha256": hashlib.sha256(data_bytes).hexdigest(),
        "creator": document.creator,
    }
    known = RegistryIds(store, mint, also={e.id for e in entities})
    agents = RegistryIds(store, mint, agents=True, also={e.id for e in entities if e.is_agent})
    read: list[Problem] = []
    _doc, claims = read_sheet(
        "",
        sheet="annotation",
        document_bytes=data_bytes,
        known_ids=known,
        agent_ids=agents,
        problems=read,
        parsed={"document": header, "claims": [item]},
        terms=terms,
    )
    seen = {p.path for p in problems}
    problems += [_problem(p.message, f) for p in read if (f := field_of(p.message)) not in seen or f is None]
    if problems or not claims:
        raise InvalidInput(problems or [_problem("the claim could not be read", None)])
    [claim] = claims
    graph = mint.document_graph(ident)
    add: list[Quad] = [(s, p, o, graph) for s, p, o in claim_triples(claim, mint)]
    add += [(s, p, o, mint.registry_graph) for e in entities for s, p, o in entity_triples(e, mint)]
    if entities and document.corpus:
        corpus_graph = mint.corpus_graph(document.corpus)
        add += [
            (mint.corpus(document.corpus), CG.declares, mint.entity(e.id), corpus_graph) for e in entities
        ]
    node = str(mint.claim(claim))

    def locate(iri: str) -> tuple[str | None, int | None, str | None]:
        return ("annotation", None, claim.digest()) if iri.split("#", 1)[0] == node else (None, None, None)

    return Change(add=add, locate=locate), claim, entities


#: Fields of the JSON claim that are not a sheet's keys.
_NOT_SHEET = {"document", "start", "end", "entities"}


__all__ = [
    "CLAIM_FIELDS",
    "StoredDocument",
    "claim_change",
    "document_claims",
    "field_of",
    "new_entities",
    "occurrence_at",
    "sheet_value",
    "stored_document",
]

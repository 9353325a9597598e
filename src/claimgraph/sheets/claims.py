"""Reading one claim sheet against its document: the document's record and its claims."""

from __future__ import annotations

import hashlib
from collections.abc import Container, Iterable, Mapping
from typing import Any

from ..countkinds import bundled as count_kinds
from ..errors import Problem, SheetError
from ..model import QUALIFIERS, Claim, Document, EntityRef, Step
from ..namespaces import expand_curie, is_iri
from ..termcheck import Terms
from .checks import _NOT_IRI, _as_list, _Collector, bad_id
from .quotes import QuoteNotFound, anchor_quote
from .values import read_date, read_value
from .yamltext import parse_yaml

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

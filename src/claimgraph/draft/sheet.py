"""The draft sheet: a document's sheet followed by its drafts, commented out."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..documents import AddedDocument, sheet_header, slug, yaml_date, yaml_scalar
from ..errors import InvalidInput, Problem
from ..model import QUALIFIERS, Entity, MonthDay, Year, YearMonth
from ..sheets import CORPUS_FILE, parse_yaml, read_date, read_entities, read_text, sheet_for
from .claims import Draft, draft_claims
from .terms import NO_TERMS, Terms

#: Where a sheet's drafts start; a sheet that has it has been drafted already.
MARKER = "# --- drafts by `claimgraph draft`"


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
    terms: Terms = NO_TERMS,
) -> DraftSheet:
    """The draft sheet of ``document``: its sheet (as ``add-document`` wrote it, or a new header)
    followed by the drafts. The registry is ``corpus.yaml``'s entities and agents, then
    ``registry`` (a store's).

    :raises InvalidInput: when the document is not UTF-8, ``corpus.yaml`` or the sheet cannot
        be read, or the sheet holds drafts already.
    """

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

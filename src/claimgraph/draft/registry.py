"""The registry's entities and agents named in a text: labels and alternative labels, verbatim or nearly."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from ..model import Entity
from ..namespaces import PROV, RDF, RDFS, SKOS

#: How close (0–100) a spelling variant must be to a name of six letters or more.
_FUZZY_CUTOFF = 88


@dataclass(frozen=True)
class Found:
    """An entity of the registry named in the text, by offsets."""

    entity: Entity
    start: int
    end: int


def fold(text: str) -> str:
    """Lower case with curly apostrophes straight: the same length, so offsets stay."""
    return text.lower().replace("’", "'").replace("‘", "'")


def find_entities(text: str, start: int, end: int, registry: Sequence[Entity]) -> list[Found]:
    """The registry's entities named in ``text[start:end]`` by a label or an alternative label:
    verbatim (case aside), or close enough (a spelling variant) for names of six letters or more."""
    window = fold(text[start:end])
    found: list[tuple[Found, bool]] = []
    for entity in registry:
        names = {n for n in (entity.label, *entity.alt_labels) if n and n.strip()}
        exact = False
        for name in names:
            for match in re.finditer(r"(?<!\w)" + re.escape(fold(name)) + r"(?!\w)", window):
                found.append((Found(entity, start + match.start(), start + match.end()), True))
                exact = True
        if exact:
            continue
        for name in names:
            if len(name) < 6:
                continue
            hit = fuzz.partial_ratio_alignment(fold(name), window, score_cutoff=_FUZZY_CUTOFF)
            if hit is None:
                continue
            left, right = _to_words(window, hit.dest_start, hit.dest_end)
            if fuzz.ratio(fold(name), window[left:right]) >= _FUZZY_CUTOFF:
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


def is_event(entity: Entity) -> bool:
    return any("event" in t.rsplit("/", 1)[-1].rsplit("#", 1)[-1].lower() for t in entity.types)


def is_person(entity: Entity) -> bool:
    return any(t.rsplit("/", 1)[-1].rsplit("#", 1)[-1].lower() == "person" for t in entity.types)


def is_work(entity: Entity) -> bool:
    return any(t.endswith(("#CitedWork", "/CreativeWork", "/Report")) for t in entity.types)


def registry_entities(store: Any, mint: Any) -> list[Entity]:
    """The entities and agents of a store's registry, with their labels, for proposals.

    :param store: a :class:`claimgraph.store.Store`; :param mint: its :class:`~claimgraph.mapping.Minter`.
    """

    prefix = mint.under("entity")
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

"""Reading ``corpus.yaml``: the entities and agents a corpus's sheets talk about."""

from __future__ import annotations

from typing import Any

from ..errors import Problem, SheetError
from ..model import Entity
from ..namespaces import expand_curie, is_iri
from ..termcheck import Terms
from .checks import _NOT_IRI, SLUG, _as_list, _Collector
from .yamltext import parse_yaml

ENTITY_KEYS = {"id", "type", "label", "alt_labels", "same_as", "description", "party_to"}


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

"""A corpus as its page shows it: its documents, the entities it declares, and the writes of the
history that touched it (its corpus graph or one of its documents).

What the store says of ``<base>corpus/<name>`` (``cg:Corpus``, in ``<base>graph/corpus/<name>``):
``cg:holdsDocument`` and ``cg:declares``; labels and types from wherever the store holds them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rdflib.term import Node

from .audit import Entry, Filters, read_entries
from .describe import local_name
from .mapping import Minter
from .namespaces import CG, DCT, PROV, RDFS, SCHEMA

Select = Callable[[str], list[dict[str, Node]]]
#: How many pages of the history a corpus page reads, at most, for the writes that touched it.
HISTORY_PAGES = 20


@dataclass
class Member:
    iri: str
    label: str
    kind: str = "entity"


@dataclass
class Corpus:
    iri: str
    label: str
    documents: list[Member] = field(default_factory=list)
    declared: dict[str, list[Member]] = field(default_factory=dict)
    history: list[Entry] = field(default_factory=list)


def read_corpus(select: Select, mint: Minter, iri: str) -> Corpus | None:
    """The corpus ``iri``; None when the store holds no ``cg:Corpus`` of that IRI."""
    rows = select(
        f"""SELECT ?label ?rel ?m ?mLabel ?type WHERE {{
  <{iri}> a <{CG.Corpus}> .
  OPTIONAL {{ <{iri}> <{RDFS.label}> ?label }}
  OPTIONAL {{
    VALUES ?rel {{ <{CG.holdsDocument}> <{CG.declares}> }}
    <{iri}> ?rel ?m .
    OPTIONAL {{ ?m <{RDFS.label}>|<{DCT.title}> ?mLabel }}
    OPTIONAL {{ ?m a ?type }}
  }}
}}"""
    )
    if not rows:
        return None
    corpus = Corpus(iri, str(rows[0].get("label") or local_name(iri)))
    members: dict[tuple[str, str], Member] = {}
    types: dict[str, set[str]] = {}
    for row in rows:
        if "m" not in row:
            continue
        key = (str(row["rel"]), str(row["m"]))
        members.setdefault(key, Member(str(row["m"]), str(row.get("mLabel") or local_name(str(row["m"])))))
        if "type" in row:
            types.setdefault(str(row["m"]), set()).add(str(row["type"]))
    for (rel, m), member in sorted(members.items(), key=lambda kv: kv[1].label.lower()):
        found = types.get(m, set())
        member.kind = (
            "event" if str(SCHEMA.Event) in found else "agent" if str(PROV.Agent) in found else "entity"
        )
        if rel == str(CG.holdsDocument):
            corpus.documents.append(member)
        else:
            corpus.declared.setdefault(member.kind, []).append(member)
    corpus.history = touching(select, mint, iri.rsplit("/", 1)[-1], {d.iri for d in corpus.documents})
    return corpus


def touching(select: Select, mint: Minter, name: str, documents: set[str]) -> list[Entry]:
    """The writes (newest first) that wrote the corpus graph or one of ``documents``."""
    graph = str(mint.corpus_graph(name))
    found: list[Entry] = []
    for page in range(1, HISTORY_PAGES + 1):
        entries, more = read_entries(select, mint, Filters(page=page))
        for entry in entries:
            graphs = {g for listed in entry.graphs.values() for g in listed}
            if graph in graphs or documents & {d.get("document", "") for d in entry.documents}:
                found.append(entry)
        if not more:
            break
    return found

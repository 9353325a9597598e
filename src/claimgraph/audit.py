"""Reading the history: its entries (newest first, paged, filtered), one entry whole, the
story of one claim or document, and the history as an Atom feed.

Everything here reads through a ``select`` (the app's query workers, or a store's own
query), from the graphs :mod:`claimgraph.history` writes: ``<base>graph/history``, the
curators' labels in ``<base>graph/curators`` and the withdrawn claims in
``<base>graph/withdrawn``.

``since`` is a sequence number (entries after it, oldest first: what a replication client
follows) or a UTC time ``YYYY-MM-DDTHH:MM:SS`` (entries that ended at or after it).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree as ET

from rdflib.term import Node

from .curators import curators_graph
from .errors import QueryError
from .history import history_graph, withdrawn_graph
from .mapping import Minter
from .namespaces import CG, OA, PROV, RDF, RDFS

Select = Callable[[str], list[dict[str, Node]]]

#: Entries on one page of the history.
PAGE_SIZE = 50
#: The most claims one entry lists (a large load generates many; its count says how many).
CLAIMS_LISTED = 1000

_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
_ATOM = "http://www.w3.org/2005/Atom"


@dataclass
class Entry:
    """One write, as the history records it."""

    iri: str
    sequence: int
    kind: str
    curator: str
    curator_name: str
    started: str
    ended: str
    reason: str | None = None
    graphs: dict[str, list[str]] = field(default_factory=dict)
    documents: list[dict[str, str]] = field(default_factory=list)
    generated: int = 0
    invalidated: int = 0
    generated_claims: list[str] = field(default_factory=list)
    invalidated_claims: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.kind} by {self.curator_name}"

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "iri": self.iri,
            "sequence": self.sequence,
            "kind": self.kind,
            "curator": self.curator,
            "curator_name": self.curator_name,
            "started": self.started + "Z",
            "ended": self.ended + "Z",
            "reason": self.reason,
            "graphs": self.graphs,
            "documents": self.documents,
            "generated": self.generated,
            "invalidated": self.invalidated,
        }
        if self.generated_claims or self.invalidated_claims:
            out["generated_claims"] = self.generated_claims
            out["invalidated_claims"] = self.invalidated_claims
        return out


@dataclass(frozen=True)
class Filters:
    """Which entries: by curator name, document id, and ``since`` (see the module)."""

    curator: str | None = None
    document: str | None = None
    since: str | None = None
    page: int = 1

    def __post_init__(self) -> None:
        if self.since and not (self.since.isdigit() or _TIME.fullmatch(self.since.rstrip("Z"))):
            raise QueryError(
                f"since={self.since!r}: give a sequence number or a UTC time YYYY-MM-DDTHH:MM:SS"
            )
        if self.page < 1:
            raise QueryError("page= counts from 1")
        for name, value in (("curator", self.curator), ("document", self.document)):
            if value is not None and not re.fullmatch(r"[\w.~-]+", value):
                raise QueryError(f"{name}={value!r}: give a {name}'s id")


def _iri(node: Any) -> str:
    return f"<{node}>"


def _text(row: dict[str, Node], name: str) -> str | None:
    value = row.get(name)
    return None if value is None else str(value)


def entries_query(mint: Minter, filters: Filters, *, size: int = PAGE_SIZE) -> str:
    """The page of entries ``filters`` asks for (one more row than ``size``: is there a next page?)."""
    h = _iri(history_graph(mint))
    where = []
    if filters.curator:
        where.append(f"FILTER (?who = <{mint.curator(filters.curator)}>)")
    if filters.document:
        where.append(f"?act <{CG.documentVersion}>/<{CG.document}> {_iri(mint.document(filters.document))} .")
    ascending = bool(filters.since)
    if filters.since and filters.since.isdigit():
        where.append(f"FILTER (?n > {int(filters.since)})")
    elif filters.since:
        where.append(f'FILTER (STR(?end) >= "{filters.since.rstrip("Z")}")')
    order = "?n" if ascending else "DESC(?n)"
    return f"""SELECT ?act ?n ?kind ?who ?whoLabel ?start ?end ?reason WHERE {{
  GRAPH {h} {{
    ?act <{CG.sequence}> ?n ; <{CG.requestKind}> ?kind ; <{PROV.wasAssociatedWith}> ?who ;
         <{PROV.startedAtTime}> ?start ; <{PROV.endedAtTime}> ?end .
    {" ".join(where)}
    OPTIONAL {{ ?act <{CG.reason}> ?reason }}
  }}
  OPTIONAL {{ GRAPH {_iri(curators_graph(mint))} {{ ?who <{RDFS.label}> ?whoLabel }} }}
}} ORDER BY {order} LIMIT {size + 1} OFFSET {(filters.page - 1) * size}"""


def _details_query(mint: Minter, acts: list[str]) -> str:
    values = " ".join(_iri(a) for a in acts)
    graphs = ", ".join(_iri(p) for p in (CG.addedGraph, CG.replacedGraph, CG.droppedGraph))
    return f"""SELECT ?act ?p ?g ?doc ?sha ?change WHERE {{ GRAPH {_iri(history_graph(mint))} {{
  VALUES ?act {{ {values} }}
  {{ ?act ?p ?g FILTER (?p IN ({graphs})) }}
  UNION
  {{ ?act <{CG.documentVersion}> ?v . ?v <{CG.document}> ?doc ; <{CG.versionChange}> ?change
     OPTIONAL {{ ?v <{CG.versionSha256}> ?sha }} }}
}} }}"""


def _counts_query(mint: Minter, acts: list[str]) -> str:
    values = " ".join(_iri(a) for a in acts)
    return f"""SELECT ?act ?p (COUNT(?c) AS ?n) WHERE {{ GRAPH {_iri(history_graph(mint))} {{
  VALUES ?act {{ {values} }}
  VALUES ?p {{ {_iri(PROV.generated)} {_iri(PROV.invalidated)} }}
  ?act ?p ?c
}} }} GROUP BY ?act ?p"""


def read_entries(
    select: Select, mint: Minter, filters: Filters, *, size: int = PAGE_SIZE
) -> tuple[list[Entry], bool]:
    """A page of entries (newest first; oldest first with ``since``) and whether more follow."""
    rows = select(entries_query(mint, filters, size=size))
    more = len(rows) > size
    entries = [_entry(row, mint) for row in rows[:size]]
    _complete(select, mint, entries)
    return entries, more


def read_entry(select: Select, mint: Minter, iri: str) -> Entry | None:
    """One entry whole, with the claims it generated and invalidated."""
    h = _iri(history_graph(mint))
    rows = select(
        f"""SELECT ?act ?n ?kind ?who ?whoLabel ?start ?end ?reason WHERE {{
  GRAPH {h} {{
    VALUES ?act {{ {_iri(iri)} }}
    ?act <{CG.sequence}> ?n ; <{CG.requestKind}> ?kind ; <{PROV.wasAssociatedWith}> ?who ;
         <{PROV.startedAtTime}> ?start ; <{PROV.endedAtTime}> ?end .
    OPTIONAL {{ ?act <{CG.reason}> ?reason }}
  }}
  OPTIONAL {{ GRAPH {_iri(curators_graph(mint))} {{ ?who <{RDFS.label}> ?whoLabel }} }}
}}"""
    )
    if not rows:
        return None
    entry = _entry(rows[0], mint)
    _complete(select, mint, [entry])
    for p, target in ((PROV.generated, entry.generated_claims), (PROV.invalidated, entry.invalidated_claims)):
        found = select(
            f"SELECT ?c WHERE {{ GRAPH {h} {{ {_iri(iri)} {_iri(p)} ?c }} }} ORDER BY ?c LIMIT {CLAIMS_LISTED}"
        )
        target += [str(r["c"]) for r in found]
    return entry


def _entry(row: dict[str, Node], mint: Minter) -> Entry:
    who = str(row["who"])
    return Entry(
        iri=str(row["act"]),
        sequence=int(str(row["n"])),
        kind=str(row["kind"]),
        curator=who,
        curator_name=_text(row, "whoLabel") or who.rsplit("/", 1)[-1],
        started=str(row["start"]),
        ended=str(row["end"]),
        reason=_text(row, "reason"),
    )


def _complete(select: Select, mint: Minter, entries: list[Entry]) -> None:
    if not entries:
        return
    by_iri = {e.iri: e for e in entries}
    names = {CG.addedGraph: "added", CG.replacedGraph: "replaced", CG.droppedGraph: "dropped"}
    for row in select(_details_query(mint, list(by_iri))):
        entry = by_iri[str(row["act"])]
        if row.get("p") is not None:
            entry.graphs.setdefault(names[row["p"]], []).append(str(row["g"]))
        elif row.get("doc") is not None:
            entry.documents.append(
                {"document": str(row["doc"]), "change": str(row["change"]), "sha256": _text(row, "sha") or ""}
            )
    for row in select(_counts_query(mint, list(by_iri))):
        entry = by_iri[str(row["act"])]
        if row["p"] == PROV.generated:
            entry.generated = int(str(row["n"]))
        else:
            entry.invalidated = int(str(row["n"]))
    for entry in entries:
        entry.documents.sort(key=lambda d: d["document"])
        for graphs in entry.graphs.values():
            graphs.sort()


# ---------------------------------------------------------------- one claim's or document's story


@dataclass
class Story:
    """What the history says of one claim or document, for its page."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    #: ``claim``, ``document`` or ``corpus`` when the IRI is kept withdrawn; else None.
    withdrawn: str | None = None
    #: The entry that withdrew (or replaced) it.
    withdrawal: dict[str, Any] | None = None
    #: The claims that replaced it (prov:wasRevisionOf), and the ones it replaced.
    replaced_by: list[str] = field(default_factory=list)
    revision_of: list[str] = field(default_factory=list)
    #: A document's withdrawn and replaced claims (IRI, quote).
    withdrawn_claims: list[tuple[str, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.entries or self.withdrawn or self.withdrawn_claims)


def story_query(mint: Minter, iri: str) -> str:
    """Every entry that generated, invalidated or versioned ``iri``, oldest first."""
    target = _iri(iri)
    return f"""SELECT ?act ?n ?kind ?who ?whoLabel ?end ?reason ?role WHERE {{
  GRAPH {_iri(history_graph(mint))} {{
    {{ ?act <{PROV.generated}> {target} BIND ("recorded" AS ?role) }}
    UNION {{ ?act <{PROV.invalidated}> {target} BIND ("withdrawn" AS ?role) }}
    UNION {{ ?act <{CG.documentVersion}> ?v . ?v <{CG.document}> {target} ; <{CG.versionChange}> ?role }}
    ?act <{CG.sequence}> ?n ; <{CG.requestKind}> ?kind ; <{PROV.wasAssociatedWith}> ?who ; <{PROV.endedAtTime}> ?end .
    OPTIONAL {{ ?act <{CG.reason}> ?reason }}
  }}
  OPTIONAL {{ GRAPH {_iri(curators_graph(mint))} {{ ?who <{RDFS.label}> ?whoLabel }} }}
}} ORDER BY ?n"""


def read_story(select: Select, mint: Minter, iri: str) -> Story:
    """The history of ``iri`` (a claim or a document), whether it is kept withdrawn, and its revisions."""
    story = Story()
    for row in select(story_query(mint, iri)):
        who = str(row["who"])
        story.entries.append(
            {
                "iri": str(row["act"]),
                "sequence": int(str(row["n"])),
                "kind": str(row["kind"]),
                "curator": who,
                "curator_name": _text(row, "whoLabel") or who.rsplit("/", 1)[-1],
                "ended": str(row["end"]),
                "reason": _text(row, "reason"),
                "role": str(row["role"]),
            }
        )
    w, h = _iri(withdrawn_graph(mint)), _iri(history_graph(mint))
    kinds = {CG.WithdrawnClaim: "claim", CG.WithdrawnDocument: "document", CG.WithdrawnCorpus: "corpus"}
    for row in select(f"SELECT ?t WHERE {{ GRAPH {w} {{ {_iri(iri)} a ?t }} }}"):
        story.withdrawn = kinds.get(row["t"], story.withdrawn)  # type: ignore[arg-type]
    links = select(
        f"""SELECT ?new ?old WHERE {{ GRAPH {h} {{
  {{ ?new <{PROV.wasRevisionOf}> {_iri(iri)} BIND ({_iri(iri)} AS ?old) }}
  UNION {{ {_iri(iri)} <{PROV.wasRevisionOf}> ?old BIND ({_iri(iri)} AS ?new) }} }} }}"""
    )
    story.replaced_by = sorted({str(r["new"]) for r in links if str(r["new"]) != iri})
    story.revision_of = sorted({str(r["old"]) for r in links if str(r["old"]) != iri})
    if story.withdrawn:
        gone = [e for e in story.entries if e["role"] == "withdrawn"]
        story.withdrawal = gone[-1] if gone else None
    rows = select(
        f"""SELECT ?claim ?exact WHERE {{ GRAPH {w} {{
  ?claim a <{CG.WithdrawnClaim}> ; <{PROV.wasDerivedFrom}> {_iri(iri)} ; <{CG.evidence}>/<{OA.hasSelector}> ?q .
  ?q a <{OA.TextQuoteSelector}> ; <{OA.exact}> ?exact }} }} ORDER BY ?claim LIMIT {CLAIMS_LISTED}"""
    )
    story.withdrawn_claims = [(str(r["claim"]), str(r["exact"])) for r in rows]
    return story


def claim_parts(select: Select, mint: Minter, iri: str) -> dict[str, str]:
    """A withdrawn claim's triple, claimant, document and quote (from the withdrawn graph)."""
    w = _iri(withdrawn_graph(mint))
    labels = " ".join(
        f"OPTIONAL {{ ?{v} <{RDFS.label}> ?{v}Label }}" for v in ("s", "p", "o", "claimant", "doc")
    )
    rows = select(
        f"""SELECT ?s ?p ?o ?claimant ?doc ?exact ?sLabel ?pLabel ?oLabel ?claimantLabel ?docLabel WHERE {{
  GRAPH {w} {{
    {_iri(iri)} <{RDF.subject}> ?s ; <{RDF.predicate}> ?p ; <{RDF.object}> ?o ;
         <{PROV.wasAttributedTo}> ?claimant ; <{PROV.wasDerivedFrom}> ?doc .
    OPTIONAL {{ {_iri(iri)} <{CG.evidence}>/<{OA.hasSelector}> ?q . ?q a <{OA.TextQuoteSelector}> ; <{OA.exact}> ?exact }}
  }}
  {labels}
}} LIMIT 1"""
    )
    return {k: str(v) for k, v in rows[0].items()} if rows else {}


# ---------------------------------------------------------------- Atom


def atom(entries: list[Entry], *, feed_url: str, mint: Minter, page_url: str) -> bytes:
    """The entries as an Atom feed (RFC 4287), each entry linking to what it recorded."""
    ET.register_namespace("", _ATOM)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{_ATOM}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    feed = ET.Element(f"{{{_ATOM}}}feed")
    sub(feed, "id", mint.history)
    sub(feed, "title", "claimgraph: the history of the store")
    sub(feed, "updated", (entries[0].ended if entries else "1970-01-01T00:00:00") + "Z")
    sub(feed, "link", rel="self", href=feed_url)
    sub(feed, "link", rel="alternate", type="text/html", href=page_url)
    for e in entries:
        item = sub(feed, "entry")
        sub(item, "id", e.iri)
        sub(item, "title", f"#{e.sequence} {e.label}")
        sub(item, "updated", e.ended + "Z")
        sub(item, "published", e.started + "Z")
        author = sub(item, "author")
        sub(author, "name", e.curator_name)
        sub(author, "uri", e.curator)
        sub(item, "link", rel="alternate", href=e.iri)
        for document in e.documents:
            sub(item, "link", rel="related", href=document["document"], title=document["change"])
        summary = f"{e.generated} claims recorded, {e.invalidated} withdrawn"
        if e.reason:
            summary += f". Reason: {e.reason}"
        sub(item, "summary", summary)
        sub(item, "category", term=e.kind)
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode")).encode(
        "utf-8"
    )


def is_history_entry(mint: Minter, iri: str) -> bool:
    return iri.startswith(mint.under("history"))


__all__ = ["Entry", "Filters", "Story", "atom", "read_entries", "read_entry", "read_story"]

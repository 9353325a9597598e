"""What the annotation page offers as one types: entities and agents, properties, count kinds,
and the drafting assistant's proposals for a document.

Every list is bounded (:data:`MAX_SUGGESTIONS`). Entities and agents are found by their labels
and alternative labels in the search index (:mod:`claimgraph.search`); properties and count
kinds in the vocabulary and in the claims the store holds. Drafts are
:func:`claimgraph.draft.draft_claims` run on the document's text as the store holds it, so
that their offsets are the text's (code points, as the loader anchors quotes).

>>> matches("bodies seen", "bod"), matches("United Nations officials", "nat off"), matches("x", "y")
(True, True, False)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS, SKOS

from .annotation import StoredDocument
from .changes import claim_properties
from .documents import form_date
from .draft import Terms, draft_claims
from .model import Entity
from .namespaces import CG, PREFIXES, expand_curie
from .search import Select
from .validation import Vocabulary

#: The most suggestions one request returns.
MAX_SUGGESTIONS = 20
#: The most drafts the page is sent for one document.
MAX_DRAFTS = 500
#: What the page may ask suggestions of.
KINDS = ("entity", "agent", "property", "count_kind")


def matches(text: str, query: str) -> bool:
    """Whether every word of ``query`` starts a word of ``text`` (case and accents aside)."""
    words = re.findall(r"\w+", text.casefold())
    return all(any(w.startswith(q) for w in words) for q in re.findall(r"\w+", query.casefold()))


def curie(iri: str) -> str:
    """An IRI as a CURIE of the sheets' prefixes, where one fits.

    >>> curie("https://w3id.org/claimgraph/ns#deathCount"), curie("http://e.org/x")
    ('cg:deathCount', '<http://e.org/x>')
    """
    for prefix, base in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(base) and re.fullmatch(r"[\w.-]+", iri[len(base) :]):
            return f"{prefix}:{iri[len(base) :]}"
    return f"<{iri}>"


@dataclass(frozen=True)
class Property:
    """A property a claim may be made with, and what its values are."""

    curie: str
    label: str
    #: ``count`` (a whole number with a count kind), ``date``, ``entity`` or ``literal``.
    kind: str

    def as_dict(self) -> dict[str, str]:
        return {"id": self.curie, "label": self.label, "kind": self.kind}


def properties(vocabulary: Vocabulary, terms: Terms, select: Select) -> list[Property]:
    """The properties of the vocabulary's facts and those the store's claims use, labelled."""
    ontology = vocabulary.ontology
    counts = {c for c, _label, _words in terms.count_properties}
    dates = set(terms.date_properties)
    used: dict[str, bool] = {}
    rows = select(
        f"SELECT ?p (SAMPLE(isIRI(?o)) AS ?entity) WHERE {{ ?c a <{CG.Claim}> ; "
        f"<{RDF.predicate}> ?p ; <{RDF.object}> ?o }} GROUP BY ?p LIMIT 1000"
    )
    for row in rows:
        used[str(row["p"])] = bool(row.get("entity") is not None and row["entity"].toPython())
    iris = {str(p) for p in claim_properties(vocabulary)} | set(used)
    iris |= {expand_curie(c) for c in counts | dates if not c.startswith("<")}
    found = []
    for iri in sorted(iris):
        short = curie(iri)
        label = next((str(x) for x in ontology.objects(URIRef(iri), RDFS.label)), "")
        if short in counts:
            kind = "count"
        elif short in dates:
            kind = "date"
        elif iri in used:
            kind = "entity" if used[iri] else "literal"
        elif (URIRef(iri), RDF.type, OWL.ObjectProperty) in ontology:
            kind = "entity"
        else:
            kind = "literal"
        found.append(Property(short, label or short.split(":", 1)[-1], kind))
    return found


def count_kinds(terms: Terms, select: Select) -> list[dict[str, str]]:
    """The count kinds of the vocabulary's scheme and those the store's claims give."""
    found = {k.notation: ", ".join(k.labels) for k in terms.count_kinds}
    for row in select(f"SELECT DISTINCT ?k WHERE {{ ?c <{CG.countKind}> ?k }} LIMIT 1000"):
        value = row["k"]
        if isinstance(value, Literal):
            found.setdefault(str(value), str(value))
    # Found by any of the words texts use for it (its alternative labels), shown by its name.
    return [{"id": k, "label": k.replace("-", " "), "matched": v} for k, v in sorted(found.items())]


def pick(items: Iterable[dict[str, str]], query: str) -> list[dict[str, str]]:
    """The first :data:`MAX_SUGGESTIONS` items whose id, label or other words (``matched``) hold every word of ``query``
    (those whose label starts with it first)."""
    query = query.strip()
    hits = [i for i in items if not query or matches(f"{i['id']} {i['label']} {i.get('matched', '')}", query)]
    hits.sort(key=lambda i: (not i["label"].casefold().startswith(query.casefold()), i["label"].casefold()))
    return hits[:MAX_SUGGESTIONS]


def registry(select: Select, mint: Any) -> list[Entity]:
    """The registry's entities and agents with their labels (for drafting), read through ``select``."""
    prefix = mint.under("entity")
    found: dict[str, dict[str, Any]] = {}
    rows = select(
        f"SELECT ?s ?p ?o WHERE {{ GRAPH <{mint.registry_graph}> {{ ?s ?p ?o "
        f"FILTER (?p IN (<{RDF.type}>, <{RDFS.label}>, <{SKOS.altLabel}>)) }} }}"
    )
    for row in rows:
        s, p, o = str(row["s"]), row["p"], row["o"]
        if not s.startswith(prefix):
            continue
        record = found.setdefault(s[len(prefix) :], {"types": [], "label": "", "alt": [], "agent": False})
        if p == RDF.type:
            record["agent"] |= o == PROV.Agent
            record["types"].append(str(o))
        elif p == RDFS.label:
            record["label"] = str(o)
        else:
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


def drafts(document: StoredDocument, registry: Sequence[Entity], terms: Terms) -> list[dict[str, Any]]:
    """The drafting assistant's proposals for a stored document, as the page shows them."""
    try:
        date = form_date(document.date) if document.date else None
    except ValueError:
        date = None
    found = draft_claims(
        document.text,
        creator=document.creator,
        registry=registry,
        terms=terms,
        language=(document.language or "en").split("-")[0],
        date=date,
    )
    out = []
    for number, draft in enumerate(found[:MAX_DRAFTS], 1):
        start = draft.start
        value = draft.value
        out.append(
            {
                "n": number,
                "kind": draft.kind,
                "quote": draft.quote,
                "start": start,
                "end": start + len(draft.quote),
                "subject": draft.subject,
                "predicate": draft.predicate,
                "value": None if value is None else str(value),
                "claimant": draft.claimant,
                "via": list(draft.via),
                "medium": draft.medium,
                "count_kind": draft.count_kind,
                "wording": draft.wording,
                "bound": draft.bound,
            }
        )
    return out


__all__ = [
    "KINDS",
    "MAX_SUGGESTIONS",
    "Property",
    "count_kinds",
    "curie",
    "drafts",
    "pick",
    "properties",
    "registry",
]

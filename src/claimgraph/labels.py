"""Labels for people of the terms of the vocabularies claimgraph writes (schema.org, PROV-O,
Dublin Core terms, SKOS, RDF, RDFS, OWL), where the store holds none.

The labels are data, as each vocabulary gives them (``labels.tsv``, shipped with the package).
Several vocabularies label a term with its name ("startDate", "wasAttributedTo"); a page shows
the words of it, lower-cased, as claimgraph's own labels read ("start date").

>>> vocabulary_label("http://schema.org/startDate"), vocabulary_label("http://schema.org/memberOf")
('start date', 'member of')
>>> vocabulary_label("http://purl.org/dc/terms/created"), vocabulary_label("http://www.w3.org/2004/02/skos/core#prefLabel")
('date created', 'preferred label')
>>> vocabulary_label("http://example.org/mine") is None
True
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

FILE = Path(__file__).resolve().parent / "labels.tsv"


@cache
def _labels() -> dict[str, str]:
    labels: dict[str, str] = {}
    for line in FILE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            iri, _, label = line.partition("\t")
            labels[iri] = label
    return labels


def words(name: str) -> str:
    """A name or label as words, lower-cased but for acronyms.

    >>> words("wasAttributedTo"), words("Date Created"), words("isbn"), words("URL"), words("gtin13")
    ('was attributed to', 'date created', 'isbn', 'URL', 'gtin13')
    """
    split = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", name).split()
    return " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in split)


def vocabulary_label(iri: str) -> str | None:
    """The label of a term of a known vocabulary, as words; None for any other IRI.

    ``https://schema.org/`` terms are looked up as ``http://schema.org/`` ones.
    """
    if iri.startswith("https://schema.org/"):
        iri = "http://" + iri[len("https://") :]
    label = _labels().get(iri)
    return None if label is None else words(label)

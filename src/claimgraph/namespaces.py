"""Vocabulary constants: the namespaces claimgraph reads and writes.

>>> str(CG.Claim)
'https://w3id.org/claimgraph/ns#Claim'
>>> expand_curie("schema:Event")
'http://schema.org/Event'
"""

import re

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, XSD

CG = Namespace("https://w3id.org/claimgraph/ns#")
OA = Namespace("http://www.w3.org/ns/oa#")
SCHEMA = Namespace("http://schema.org/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
NP = Namespace("http://www.nanopub.org/nschema#")
DCT = DCTERMS

#: The prefixes that claim sheets, queries and serialisations share.
PREFIXES: dict[str, str] = {
    "cg": str(CG),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "prov": str(PROV),
    "oa": str(OA),
    "dct": str(DCTERMS),
    "skos": str(SKOS),
    "schema": str(SCHEMA),
    "foaf": str(FOAF),
    "sh": str(SH),
}

__all__ = [
    "CG",
    "DCAT",
    "DCT",
    "FOAF",
    "NP",
    "OA",
    "OWL",
    "PREFIXES",
    "PROV",
    "RDF",
    "RDFS",
    "SCHEMA",
    "SD",
    "SH",
    "SKOS",
    "VOID",
    "XSD",
    "expand_curie",
    "is_iri",
]

#: What an IRI may not hold (RFC 3987; N-Triples and SPARQL refuse it).
_NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def is_iri(text: str) -> bool:
    """Whether ``text`` is an absolute IRI that RDF syntaxes can write.

    >>> is_iri("https://w3id.org/claimgraph/ns#deathCount"), is_iri("https://w3id.org/claimgraph/ns#death Count")
    (True, False)
    """
    colon = text.find(":")
    return colon > 0 and text[0].isalpha() and not _NOT_IN_IRI.search(text)


def expand_curie(text: str) -> str:
    """Expand a CURIE with a known prefix, or unwrap an IRI written as ``<…>``.

    :param text: ``prefix:local`` or ``<http://…>``.
    :raises KeyError: if the prefix is unknown or the text is neither form.

    >>> expand_curie("<http://example.org/x>")
    'http://example.org/x'
    """
    if text.startswith("<") and text.endswith(">") and len(text) > 2:
        return text[1:-1]
    prefix, sep, local = text.partition(":")
    if not sep or prefix not in PREFIXES:
        raise KeyError(text)
    return PREFIXES[prefix] + local

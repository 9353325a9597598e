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

#: What an IRI may not hold (RFC 3987; N-Triples and SPARQL refuse it), and what the
#: engine refuses besides: a second ``#``, a ``%`` without two hex digits, private-use
#: and non-characters.
_NOT_IN_IRI = re.compile(
    r'[\x00-\x20<>"{}|^`\\\ue000-\uf8ff\ufdd0-\ufdef\ufffe\uffff\U000f0000-\U0010ffff]'
    r"|#.*#|%(?![0-9A-Fa-f]{2})"
)
#: A scheme, and an authority (user, host, a port in digits); an IPv6 host in brackets is
#: not accepted (no IRI of a corpus needs one).
_SCHEME = re.compile(
    r"[A-Za-z][A-Za-z0-9+.-]*:"
    r"(?P<authority>//(?:[^/?#@\[\]]*@)?[^/?#@:\[\]]*(?::[0-9]*)?(?=[/?#]|$))?"
)


def is_iri(text: str) -> bool:
    """Whether ``text`` is an absolute IRI that RDF syntaxes and the engine can write.

    >>> is_iri("https://w3id.org/claimgraph/ns#deathCount"), is_iri("https://w3id.org/claimgraph/ns#death Count")
    (True, False)
    >>> is_iri("http://x/a#b#c"), is_iri("http://x/%zz"), is_iri("http://x/a]"), is_iri("http://x:80/a%41")
    (False, False, False, True)
    >>> is_iri("http://x:port/"), is_iri("http://x//a")
    (False, True)
    """
    scheme = _SCHEME.match(text)
    if scheme is None or _NOT_IN_IRI.search(text):
        return False
    rest = text[scheme.end() :]
    if scheme.group("authority") is None and rest.startswith("//"):
        return False  # an authority that is none (a port that is not a number, two @)
    return "[" not in rest and "]" not in rest


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

"""Whether a term a sheet names is one its vocabulary defines, and what was meant if not.

A type or predicate in a namespace claimgraph knows — schema.org, PROV-O, Dublin Core terms,
SKOS, FOAF, and claimgraph's own ``cg:`` — must be a term that vocabulary defines, of the
right kind (a type is a class, a predicate a property): ``schema:Plase`` and
``schema:locaton`` are typing slips, which RDF would store as new terms without a word. The
term lists of the five vocabularies ship with claimgraph (``termlists/``, written from each
vocabulary's published term list); the ``cg:`` terms are those of the vocabulary in use
(``--ontology-dir``). A term of any other namespace is the author's own and is not checked.

>>> terms = known_terms()
>>> terms.problem("http://schema.org/Place", "class") is None
True
>>> terms.problem("http://schema.org/Plase", "class")
'schema:Plase is not a term of schema.org; did you mean schema:Place?'
>>> terms.problem("http://schema.org/location", "class")
'schema:location is a property of schema.org, not a class'
>>> terms.problem("http://example.org/anything", "property") is None
True
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .namespaces import CG, DCT, FOAF, PREFIXES, PROV, SKOS

LISTS = Path(__file__).resolve().parent / "termlists"

#: Each known namespace: the vocabulary's name (in messages) and the file of its terms.
VOCABULARIES: dict[str, tuple[str, str]] = {
    "http://schema.org/": ("schema.org", "schema.txt"),
    "https://schema.org/": ("schema.org", "schema.txt"),
    str(PROV): ("PROV-O", "prov.txt"),
    str(DCT): ("Dublin Core terms", "dct.txt"),
    str(SKOS): ("SKOS", "skos.txt"),
    str(FOAF): ("FOAF", "foaf.txt"),
}

KINDS = ("class", "property", "individual")

#: The rdf:type of a ``cg:`` term that makes it a class or a property.
CLASS_TYPES = {
    "http://www.w3.org/2000/01/rdf-schema#Class",
    "http://www.w3.org/2002/07/owl#Class",
    "http://www.w3.org/2000/01/rdf-schema#Datatype",
}
PROPERTY_TYPES = {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property",
    "http://www.w3.org/2002/07/owl#ObjectProperty",
    "http://www.w3.org/2002/07/owl#DatatypeProperty",
    "http://www.w3.org/2002/07/owl#AnnotationProperty",
}


def read_term_list(path: Path) -> dict[str, str]:
    """A term list: ``kind local-name`` lines, ``#`` comments.

    :raises ValueError: on a line that is not ``kind name``.
    """
    kinds: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        kind, _, name = line.partition(" ")
        if kind not in KINDS or not name:
            raise ValueError(f"{path}:{number}: expected 'class|property|individual NAME', got {line!r}")
        kinds[name] = kind
    return kinds


@dataclass(frozen=True)
class Terms:
    """The terms of each checked namespace: namespace → local name → kind."""

    namespaces: Mapping[str, Mapping[str, str]]
    names: Mapping[str, str] = field(default_factory=dict)

    def with_vocabulary(self, triples: Iterable[tuple[object, object, object]]) -> Terms:
        """These terms and the ``cg:`` terms that ``triples`` (the vocabulary in use) declare."""
        types: dict[str, set[str]] = {}
        rdf_type = PREFIXES["rdf"] + "type"
        for s, p, o in triples:
            if str(p) == rdf_type and str(s).startswith(str(CG)) and str(s) != str(CG):
                types.setdefault(str(s)[len(str(CG)) :], set()).add(str(o))
        own = {
            name: "class" if kinds & CLASS_TYPES else "property" if kinds & PROPERTY_TYPES else "individual"
            for name, kinds in types.items()
        }
        return Terms({**self.namespaces, str(CG): own}, {**self.names, str(CG): "the claimgraph vocabulary"})

    def problem(self, iri: str, kind: str) -> str | None:
        """What is wrong with ``iri`` used as a ``kind`` ("class" or "property"), or None.

        A term outside the checked namespaces is never a problem.
        """
        namespace = next((ns for ns in self.namespaces if iri.startswith(ns)), None)
        if namespace is None:
            return None
        return _problem(self, namespace, iri[len(namespace) :], kind)


def _curie(namespace: str, name: str) -> str:
    for prefix, iri in PREFIXES.items():
        if iri == namespace:
            return f"{prefix}:{name}"
    return f"<{namespace}{name}>"


def _problem(terms: Terms, namespace: str, name: str, kind: str) -> str | None:
    defined = terms.namespaces[namespace]
    vocabulary = terms.names.get(namespace, namespace)
    found = defined.get(name)
    if found == kind:
        return None
    shown = _curie(namespace, name)
    if found is not None:
        return f"{shown} is {'an' if found == 'individual' else 'a'} {found} of {vocabulary}, not a {kind}"
    guesses = suggest(name, defined, kind)
    hint = f"; did you mean {' or '.join(_curie(namespace, g) for g in guesses)}?" if guesses else ""
    return f"{shown} is not a term of {vocabulary}{hint}"


def suggest(name: str, defined: Mapping[str, str], kind: str, limit: int = 3) -> list[str]:
    """The defined names ``name`` most likely stands for: the same name in another case if
    there is one, else the closest (those of ``kind`` if any are close, else any).

    >>> suggest("startdate", {"startDate": "property", "jobStartDate": "property"}, "property")
    ['startDate']
    >>> suggest("locaton", {"location": "property", "Location": "class", "toLocation": "property"}, "property")
    ['location']
    """
    same_case = [other for other in defined if other.lower() == name.lower()]
    if same_case:
        return sorted(same_case, key=lambda other: defined[other] != kind)[:limit]
    for pool in ([o for o, k in defined.items() if k == kind], list(defined)):
        scored = []
        for other in pool:
            matcher = difflib.SequenceMatcher(None, name.lower(), other.lower())
            if matcher.real_quick_ratio() >= CUTOFF and matcher.quick_ratio() >= CUTOFF:
                ratio = matcher.ratio()
                if ratio >= CUTOFF:
                    scored.append((ratio, other))
        if scored:
            scored.sort(key=lambda item: (-item[0], item[1]))
            best = scored[0][0]
            return [other for ratio, other in scored if ratio >= best - 0.05][:limit]
    return []


#: How alike (difflib's ratio) a defined name must be to be offered.
CUTOFF = 0.75


@lru_cache(maxsize=1)
def known_terms() -> Terms:
    """The five vocabularies' terms, read once from the lists that ship with claimgraph."""
    lists: dict[str, dict[str, str]] = {}
    namespaces, names = {}, {}
    for namespace, (name, file) in VOCABULARIES.items():
        if file not in lists:
            lists[file] = read_term_list(LISTS / file)
        namespaces[namespace] = lists[file]
        names[namespace] = name
    return Terms(namespaces, names)

"""Dumps of the whole graph, and the vocabulary graphs a load writes.

>>> sorted(FORMATS)
['jsonld', 'nquads', 'rdf12', 'trig', 'turtle']
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.term import Node

from .errors import ClaimgraphError
from .mapping import Minter
from .namespaces import PREFIXES, RDF
from .store import Store

#: Export format name → (media type, file extension).
FORMATS: dict[str, tuple[str, str]] = {
    "trig": ("application/trig", "trig"),
    "nquads": ("application/n-quads", "nq"),
    "turtle": ("text/turtle", "ttl"),
    "jsonld": ("application/ld+json", "jsonld"),
    "rdf12": ("application/n-triples", "nt"),
}


def vocabulary_graphs(ontology_dir: Path, mint: Minter) -> dict[URIRef, Graph]:
    """The vocabulary and the shapes, as the named graphs a load writes beside the data."""
    folder = Path(ontology_dir)
    ontology = Graph()
    for path in sorted(folder.glob("*.ttl")):
        if path.name != "shapes.ttl":
            ontology.parse(path, format="turtle")
    shapes = Graph().parse(folder / "shapes.ttl", format="turtle")
    return {
        mint.ontology_graph: skolemized(ontology, mint),
        URIRef(f"{mint.base}graph/shapes"): skolemized(shapes, mint),
    }


def skolemized(graph: Graph, mint: Minter) -> Graph:
    """The graph with its blank nodes replaced by IRIs that depend on content only.

    Canonical labelling makes the same file give the same IRIs on every load, so
    that reloading an unchanged vocabulary changes nothing in the store.
    """
    canonical = to_canonical_graph(graph)
    out = Graph()
    genid = f"{mint.base}.well-known/genid/"

    def fix(term: Node) -> Node:
        return URIRef(genid + str(term)) if isinstance(term, BNode) else term

    for s, p, o in canonical:
        out.add((fix(s), p, fix(o)))
    return out


def export(store: Store, fmt: str, *, context_path: Path | None = None) -> bytes:
    """The whole store in one format.

    ``turtle`` merges every graph into one; ``rdf12`` writes each claim's triple as
    an RDF 1.2 triple term (``rdf:reifies``) in N-Triples 1.2.

    :raises ClaimgraphError: for an unknown format.
    """
    if fmt not in FORMATS:
        raise ClaimgraphError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    raw = store.raw  # type: ignore[attr-defined]
    if fmt == "trig":
        return raw.dump(format=ox.RdfFormat.TRIG, prefixes=PREFIXES)
    if fmt == "nquads":
        return raw.dump(format=ox.RdfFormat.N_QUADS)
    if fmt == "rdf12":
        return "".join(_reifier_lines(store)).encode("utf-8")
    dataset = Dataset()
    dataset.parse(data=raw.dump(format=ox.RdfFormat.N_QUADS), format="nquads")
    if fmt == "turtle":
        merged = Graph()
        for prefix, ns in PREFIXES.items():
            merged.bind(prefix, ns)
        for s, p, o, _ in dataset.quads((None, None, None, None)):
            merged.add((s, p, o))
        return merged.serialize(format="turtle").encode("utf-8")
    context = json.loads(context_path.read_text()) if context_path else {"@context": PREFIXES}
    return dataset.serialize(format="json-ld", context=context.get("@context")).encode("utf-8")


def _reifier_lines(store: Store) -> Iterator[str]:
    answer = store.query(
        "SELECT ?c ?s ?p ?o WHERE { ?c a <https://w3id.org/claimgraph/ns#Claim> ;"
        f" <{RDF.subject}> ?s ; <{RDF.predicate}> ?p ; <{RDF.object}> ?o }} ORDER BY ?c"
    )
    reifies = f"<{RDF}reifies>"
    for row in answer.rows:
        yield f"{row['c'].n3()} {reifies} <<( {row['s'].n3()} {row['p'].n3()} {row['o'].n3()} )>> .\n"

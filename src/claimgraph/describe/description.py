"""The bounded RDF description of an IRI, and a named graph's, as SPARQL.

**The description of an IRI** (what ``/entity/x.ttl`` returns) holds, in every
named graph, the triples whose subject is the IRI; those of the nodes it names
under its own IRI with a fragment (a claim's ``#evidence``, ``#quote``,
``#position``, ``#step-N``), two links deep; and those of the claims and
consensus statements whose ``rdf:subject`` or ``rdf:object`` is the IRI (not
their fragments). At most :data:`DESCRIPTION_CAP` quads; past that the
description says so (:func:`description_query` asks for one more to know).

>>> "LIMIT 5001" in description_query("http://e/x")
True
"""

from __future__ import annotations

from rdflib import Literal

from ..iris import Minter
from ..namespaces import RDF
from .terms import DESCRIPTION_CAP, Select, _iri


def description_query(iri: str, *, cap: int = DESCRIPTION_CAP) -> str:
    """The SPARQL SELECT (``?s ?p ?o ?g``) of an IRI's description, one quad past ``cap``."""
    x = _iri(iri)
    frag = Literal(iri + "#").n3()
    return f"""SELECT DISTINCT ?s ?p ?o ?g WHERE {{
  {{ VALUES ?s {{ {x} }} GRAPH ?g {{ ?s ?p ?o }} }}
  UNION {{ {x} ?a ?s . FILTER (isIRI(?s) && STRSTARTS(STR(?s), {frag})) GRAPH ?g {{ ?s ?p ?o }} }}
  UNION {{ {x} ?a ?m . ?m ?b ?s .
          FILTER (isIRI(?m) && isIRI(?s) && STRSTARTS(STR(?m), {frag}) && STRSTARTS(STR(?s), {frag}))
          GRAPH ?g {{ ?s ?p ?o }} }}
  UNION {{ ?s <{RDF.subject}>|<{RDF.object}> {x} . GRAPH ?g {{ ?s ?p ?o }} }}
}} LIMIT {cap + 1}"""


def graph_query(graph: str, *, cap: int = DESCRIPTION_CAP) -> str:
    """The SPARQL SELECT (``?s ?p ?o ?g``) of a whole named graph, one quad past ``cap``."""
    return f"SELECT ?s ?p ?o ?g WHERE {{ VALUES ?g {{ {_iri(graph)} }} GRAPH ?g {{ ?s ?p ?o }} }} LIMIT {cap + 1}"


def exists_query(iri: str) -> str:
    """ASK-like SELECT: one row when the store mentions ``iri`` as a subject, or holds a graph of that name."""
    x = _iri(iri)
    return f"SELECT ?x WHERE {{ {{ {x} ?p ?o BIND (1 AS ?x) }} UNION {{ GRAPH {x} {{ }} BIND (2 AS ?x) }} }} LIMIT 1"


def graph_summary(select: Select, graph: str, mint: Minter) -> dict[str, object] | None:
    """How many quads and subjects a named graph holds, and the document it is the graph of
    (None when the store has no such graph)."""
    if not select(f"SELECT ?g WHERE {{ VALUES ?g {{ {_iri(graph)} }} GRAPH ?g {{ }} }}"):
        return None
    rows = select(
        f"SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?s) AS ?subjects) WHERE {{ GRAPH {_iri(graph)} {{ ?s ?p ?o }} }}"
    )
    counts = rows[0] if rows else {}
    return {
        "quads": int(counts["n"].toPython()) if "n" in counts else 0,  # type: ignore[attr-defined]
        "subjects": int(counts["subjects"].toPython()) if "subjects" in counts else 0,  # type: ignore[attr-defined]
        "document": str(document) if (document := mint.document_of(graph)) is not None else None,
    }

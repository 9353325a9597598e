"""The store layer: the protocol (:mod:`.protocol`), the embedded store (:mod:`.embedded`,
its folder :mod:`.folder` and dry runs :mod:`.dryrun`), the spool of new graphs
(:mod:`.spool`), the store on a SPARQL server (:mod:`.remote`, its commits :mod:`.commit`,
its names :mod:`.register`, its HTTP client :mod:`.http`), and the one :func:`open_store`
(:mod:`.open`). Above this package nothing asks which store it has.

The names other modules import are re-exported here, with the term conversion, upload
parsing and results of :mod:`claimgraph.rdf` they used to find in ``claimgraph.store``.

>>> store = open_store(":memory:")
>>> from rdflib import URIRef, Literal
>>> g = URIRef("http://example.org/g")
>>> store.apply(add=[(URIRef("http://example.org/s"), URIRef("http://example.org/p"), Literal(1), g)])
>>> store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0]["n"].toPython()
1
"""

from ..rdf.parse import UPLOAD_FORMATS, parse_upload
from ..rdf.results import QueryResult, parse_results, read_answer
from ..rdf.terms import ANY, DEFAULT, Quad, Triple, absolute_iri, from_ox, rdflib_quad, sparql_term, to_ox
from .backups import backup as backup_store
from .backups import restore as restore_store
from .embedded import JOURNAL_GRAPH, LOCK_FILE, OxigraphStore
from .folder import read_commit_marker, write_commit_marker
from .open import StoreOpener, open_store
from .protocol import MEMORY, UNION, CommitMarker, DryRun, Store, is_remote, update_parses
from .remote import RemoteOptions, RemoteStore
from .spool import BULK_QUADS, Spool

__all__ = [
    "ANY",
    "BULK_QUADS",
    "DEFAULT",
    "JOURNAL_GRAPH",
    "LOCK_FILE",
    "MEMORY",
    "UNION",
    "UPLOAD_FORMATS",
    "CommitMarker",
    "DryRun",
    "OxigraphStore",
    "Quad",
    "QueryResult",
    "RemoteOptions",
    "RemoteStore",
    "Spool",
    "Store",
    "StoreOpener",
    "Triple",
    "absolute_iri",
    "backup_store",
    "from_ox",
    "is_remote",
    "open_store",
    "parse_results",
    "parse_upload",
    "rdflib_quad",
    "read_answer",
    "read_commit_marker",
    "restore_store",
    "sparql_term",
    "to_ox",
    "update_parses",
    "write_commit_marker",
]

"""The names claimgraph keeps for itself on a SPARQL server (all under ``urn:claimgraph:``).

The register graph records the store's graphs (Virtuoso keeps no empty graph), its count
of quads, its commit marker and the mark the start-up check looks for; claimgraph's
default graph is a named graph of the server; a commit stages its quads in graphs of its own.
"""

from __future__ import annotations

from ..iris import METADATA_GRAPH

#: The private graph where the store records its graphs and its last commit.
REGISTER = "urn:claimgraph:register"
#: The server graph that holds claimgraph's default graph.
DEFAULT_GRAPH = "urn:claimgraph:default"
#: Prefix of the staging graphs of a commit in progress.
STAGE = "urn:claimgraph:stage:"
#: A staged quad's predicate is this prefix before its own: the server's union default graph
#: shows staging graphs to every query, and a staged quad must not read as data before its commit.
STAGED = "urn:claimgraph:staged:"
#: Names claimgraph keeps for itself; the metadata graph (changes.METADATA_GRAPH) is a graph like any other.
RESERVED = "urn:claimgraph:"
METADATA = str(METADATA_GRAPH)

STORE_NODE = f"<{METADATA_GRAPH}>"
HAS_GRAPH = "<urn:claimgraph:graph>"
COMMITS = "<urn:claimgraph:commits>"
COMMITTED_AT = "<urn:claimgraph:committedAt>"
LAST_COMMIT = "<urn:claimgraph:lastCommit>"
#: The number of quads the store holds, kept by each commit (a count per request grows with the store).
QUADS = "<urn:claimgraph:quads>"
TICKET = "<urn:claimgraph:ticket>"
MARK = f"{STORE_NODE} <urn:claimgraph:holds> <urn:claimgraph:Store>"
RECORDED = f"GRAPH <{REGISTER}> {{ {STORE_NODE} {HAS_GRAPH} ?g }}"
#: Prefix of a writer's lease node (:mod:`.lease`), and the time (ms since the epoch) its lease runs out.
LEASE = "urn:claimgraph:lease:"
LEASE_UNTIL = "urn:claimgraph:leaseUntil"
#: Prefix of a commit's own node (its ticket's subject).
COMMIT = "urn:claimgraph:commit:"
#: ``<commit> PENDING <graph>``: a graph a large commit moved into place before its switch
#: (:mod:`.moves`); the switch removes the record, so one left over names a graph to drop.
PENDING = "<urn:claimgraph:pending>"

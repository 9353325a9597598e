"""Refusing dangerous SPARQL before pyoxigraph sees it.

pyoxigraph parses recursively: a query nested a few thousand brackets deep
overflows the stack and kills the whole process (measured with 0.5.13: ``{``
nested 3,200 deep segfaults), and nested blank-node brackets ``[ ... ]`` take
time that grows like a power of the depth (100 deep: 6 s of parsing, which no
timeout can interrupt in-process). It also runs ``SERVICE`` calls and ``LOAD``
itself, which would make the server fetch any URL a client names.

So a small tokenizer reads the text first. It skips comments, the four forms of
string literals and IRIs, and tells keywords from prefixed names (``ex:SERVICE``)
and variables (``?service``), so that nothing inside those fools it.

The package, one job a module: :mod:`.lexer` (the tokens, positions, prefixes),
:mod:`.inspection` (the limits and refusals; the dataset a query runs on), :mod:`.rewriting`
(the graphs an update touches; the protocol's dataset out of a query or into an update).

>>> inspect_query("SELECT * WHERE { ?s ?p ?o }").depth
1
>>> inspect_query("SELECT * WHERE { SERVICE <http://x/sparql> { ?s ?p ?o } }")
Traceback (most recent call last):
...
claimgraph.errors.QueryRefused: SERVICE (line 1, column 18) is not allowed on this server
>>> inspect_query('SELECT ("SERVICE" AS ?service) WHERE { ?s ex:LOAD ?o } # LOAD').keywords
()
"""

from ..errors import QueryRefused
from .inspection import MAX_BRACKET_DEPTH, MAX_DEPTH, Dataset, Inspection, inspect_query, inspect_update
from .lexer import Token, tokens
from .rewriting import update_targets, with_dataset, without_dataset

__all__ = [
    "MAX_BRACKET_DEPTH",
    "MAX_DEPTH",
    "Dataset",
    "Inspection",
    "QueryRefused",
    "Token",
    "inspect_query",
    "inspect_update",
    "tokens",
    "update_targets",
    "with_dataset",
    "without_dataset",
]

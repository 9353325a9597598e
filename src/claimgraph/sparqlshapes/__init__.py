"""SHACL shapes compiled to SPARQL checks that pyoxigraph runs over a staged batch.

The fast validator beside pyshacl (which stays the reference, in ``validation``).
Each shape of a shapes graph is compiled, generically, into SPARQL queries: its
targets (class, node, subjects-of, objects-of and SHACL-AF SPARQL targets)
become a pattern binding ``?this``; each SHACL Core constraint becomes one query
that selects the focus nodes (and values) that may break it; each ``sh:sparql``
constraint runs with ``$this`` bound to the shape's focus nodes. Where the
engine and pyshacl could disagree on a value (a literal's datatype, a regular
expression, an order comparison), SPARQL only selects the suspects and Python
judges them by pyshacl's rules, so that the verdicts, messages included, are the
same as pyshacl's.

A shape that uses a construct not compiled here (``sh:node``, ``sh:or``,
qualified value shapes, …) is left to pyshacl: :attr:`CompiledShapes.fallback`
holds those shapes only, and ``validation`` runs pyshacl with it.

The package, one job a module: :mod:`.results` (a result, and what is left to pyshacl),
:mod:`.staging` (a batch in an in-memory store, its literals as written), :mod:`.wording`
(nodes and messages as pyshacl writes them), :mod:`.querytext` (terms, paths and a
constraint's SELECT as SPARQL), :mod:`.values` (pyshacl's rules for a value),
:mod:`.checks` (the compiled checks), :mod:`.core` (a SHACL Core constraint as a query),
:mod:`.compiler` (a shapes graph compiled), :mod:`.running` (checks run over a batch).

>>> from rdflib import Graph
>>> shapes = Graph().parse(data='''
...   @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
...   ex:S a sh:NodeShape ; sh:targetClass ex:Person ;
...     sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:message "needs a name" ] .
... ''', format="turtle")
>>> compiled = CompiledShapes(shapes)
>>> compiled.fallback is None
True
>>> data = Graph().parse(data='<http://example.org/a> a <http://example.org/Person> .', format="turtle")
>>> [(str(r.focus), str(r.messages[0])) for r in compiled.validate(stage(data))]
[('http://example.org/a', 'needs a name')]
"""

from .checks import FOCUS
from .compiler import CompiledShapes
from .querytext import Select, path_sparql, read_select, sparql_term
from .results import Result, Uncompiled
from .staging import LEXICAL, Staged, Triple, stage, to_rdflib
from .wording import stringify

__all__ = [
    "FOCUS",
    "LEXICAL",
    "CompiledShapes",
    "Result",
    "Select",
    "Staged",
    "Triple",
    "Uncompiled",
    "path_sparql",
    "read_select",
    "sparql_term",
    "stage",
    "stringify",
    "to_rdflib",
]

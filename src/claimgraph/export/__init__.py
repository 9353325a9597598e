"""Dumps of the whole store, nanopublications and the VoID/DCAT description.

Every dump is written from the store's quads as :func:`store_quads` reads them
(the one place that reads a whole store), or from quads a caller already has
(the server reads them through its query workers). Formats:

* ``trig``, ``nquads`` — every quad, with its graph;
* ``turtle`` — every triple, the graphs merged;
* ``jsonld`` — every quad, compacted with the project's context (``ontology/context.jsonld``);
* ``rdf12`` — RDF 1.2 N-Quads: everything the store holds, and for each claim
  ``<claim> rdf:reifies <<( s p o )>>`` in the claim's graph;
* ``nanopubs`` — one nanopublication per claim, as TriG (:func:`nanopublications`);
* ``void`` — the VoID and DCAT description of the dataset, as Turtle (:func:`void_description`).

The package, one job a module: :mod:`.catalogue` (the dumps: names, formats, files),
:mod:`.quads` (quads read from a store, bytes or results), :mod:`.serializing` (quads
written in a format, gzip), :mod:`.nanopubs` (a claim as an RDF 1.2 reifier and as a
nanopublication), :mod:`.void` (the VoID/DCAT description), :mod:`.dumps` (a whole dump).

>>> sorted(FORMATS)
['jsonld', 'nanopubs', 'nquads', 'rdf12', 'trig', 'turtle', 'void']
"""

from .catalogue import FORMATS, GZIP, DumpFormat, dump_file
from .dumps import dump, export
from .nanopubs import REIFIES, claims_of, nanopub_iri, nanopublications, rdf12
from .quads import noted, quads_from_results, read_quads, store_quads, subject_document
from .serializing import (
    OUTPUT_PREFIXES,
    RDF_FORMATS,
    gzipped,
    in_default_graph,
    jsonld,
    load_context,
    serialize,
    used_prefixes,
)
from .void import DatasetCounts, count, dataset_iri, void_description

__all__ = [
    "FORMATS",
    "GZIP",
    "OUTPUT_PREFIXES",
    "RDF_FORMATS",
    "REIFIES",
    "DatasetCounts",
    "DumpFormat",
    "claims_of",
    "count",
    "dataset_iri",
    "dump",
    "dump_file",
    "export",
    "gzipped",
    "in_default_graph",
    "jsonld",
    "load_context",
    "nanopub_iri",
    "nanopublications",
    "noted",
    "quads_from_results",
    "rdf12",
    "read_quads",
    "serialize",
    "store_quads",
    "subject_document",
    "used_prefixes",
    "void_description",
]

"""What the store says about one IRI: its bounded RDF description, and the data of its pages.

Everything is read through a ``select`` function (SPARQL text → rows of rdflib
terms), so the web edge can answer it with its query workers and a test with a
store. Nothing here renders HTML.

The package, one job a module: :mod:`.terms` (the ``select``, the caps, labels and
:class:`Term`), :mod:`.description` (the bounded description of an IRI or a graph, as
SPARQL), :mod:`.claims` (claims as a page shows them), :mod:`.subjectfacts` (facts by key and
the derived statements about a subject), :mod:`.resources` (a resource's own triples, a
document's text, a vocabulary's terms), :mod:`.agents` (documents created, reliance),
:mod:`.highlight` (a document cut at its quotes), :mod:`.views` (what each page shows).

>>> "LIMIT 5001" in description_query("http://e/x")
True
"""

from .agents import Reliance, documents_created_by, reliance
from .claims import (
    QUALIFIERS,
    ClaimView,
    Step,
    chains_query,
    claims_by,
    claims_in_document,
    claims_naming,
    claims_passed_on,
    claims_query,
    read_claim,
    read_claims,
)
from .description import description_query, exists_query, graph_query, graph_summary
from .highlight import CONTEXT_CHARS, Segment, context_around, segments
from .resources import Resource, document_text, read_resource, vocabulary_terms
from .subjectfacts import (
    Consensus,
    by_property,
    consensus_query,
    facts_about,
    functional_properties,
    parties_to,
    range_rules,
    read_consensus,
)
from .terms import CLAIM_CAP, DESCRIPTION_CAP, NUMERIC, Select, Term, labels_of, local_name, term
from .views import (
    DOCUMENT_METADATA,
    Piece,
    View,
    claim_view,
    consensus_view,
    document_view,
    entity_view,
    resource_view,
)

__all__ = [
    "CLAIM_CAP",
    "CONTEXT_CHARS",
    "DESCRIPTION_CAP",
    "DOCUMENT_METADATA",
    "NUMERIC",
    "QUALIFIERS",
    "ClaimView",
    "Consensus",
    "Piece",
    "Reliance",
    "Resource",
    "Segment",
    "Select",
    "Step",
    "Term",
    "View",
    "by_property",
    "chains_query",
    "claim_view",
    "claims_by",
    "claims_in_document",
    "claims_naming",
    "claims_passed_on",
    "claims_query",
    "consensus_query",
    "consensus_view",
    "context_around",
    "description_query",
    "document_text",
    "document_view",
    "documents_created_by",
    "entity_view",
    "exists_query",
    "facts_about",
    "functional_properties",
    "graph_query",
    "graph_summary",
    "labels_of",
    "local_name",
    "parties_to",
    "range_rules",
    "read_claim",
    "read_claims",
    "read_consensus",
    "read_resource",
    "reliance",
    "resource_view",
    "segments",
    "term",
    "vocabulary_terms",
]

"""rdflib's SPARQL text, parsed once per test session.

rdflib parses and translates a query's text at every ``Graph.query`` call. pyshacl, the
reference validator the tests hold the fast one equal to, sends the same few SPARQL-based
targets and constraints at every validation: parsing them again was half of its time (2.2 s
of a 190-triple batch's validation). The translated query is what rdflib's own
``prepareQuery`` gives for reuse; evaluating it is unchanged.
"""

from __future__ import annotations

import functools
from typing import Any

from rdflib.plugins.sparql import processor


def keep_parsed_queries() -> None:
    """Make ``SPARQLProcessor.query`` translate each (text, base, namespaces) once."""
    query = processor.SPARQLProcessor.query
    if getattr(query, "keeps_parsed", False):
        return

    @functools.lru_cache(maxsize=1024)
    def prepared(text: str, base: str | None, namespaces: tuple[tuple[str, str], ...]) -> Any:
        return processor.translateQuery(processor.parseQuery(text), base, dict(namespaces))

    @functools.wraps(query)
    def keeping(
        self: Any,
        strOrQuery: Any,
        initBindings: Any = None,
        initNs: Any = None,
        base: Any = None,
        DEBUG: bool = False,
    ) -> Any:
        if isinstance(strOrQuery, str):
            namespaces = tuple(sorted((str(k), str(v)) for k, v in (initNs or {}).items()))
            strOrQuery = prepared(strOrQuery, base, namespaces)
        return query(self, strOrQuery, initBindings, initNs, base, DEBUG)

    keeping.keeps_parsed = True  # type: ignore[attr-defined]
    processor.SPARQLProcessor.query = keeping

"""The named queries: the built-in ones and those the corpora bring, with their parameters bound.

A part of :class:`claimgraph.api.Claimgraph` (whose fields and other parts it uses).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path

from ..errors import NotFound
from ..queries import NamedQuery, bind_parameters, corpus_queries, load_named_queries
from ..rdf.results import QueryResult
from ..search import Select
from ..store import Store

#: An IRI given relative to the base: a short id, or a path of segments.
_RELATIVE = re.compile(r"[\w.~-]+(?:/[\w.~%-]+)*")


class NamedQueries:
    """The named queries: the built-in ones and those the corpora bring, with their parameters bound."""

    @cached_property
    def builtin_queries(self) -> dict[str, NamedQuery]:
        """The named queries of ``queries_dir`` (the ones installed with claimgraph by default)."""
        return load_named_queries(Path(self.settings.queries_dir))

    @property
    def named_queries(self) -> dict[str, NamedQuery]:
        """Every named query: the built-in ones, then those the corpora brought (as last read by
        :meth:`read_named_queries`); a built-in one keeps its name."""
        corpora = self._corpus_queries[1]
        return {**self.builtin_queries, **{k: q for k, q in corpora.items() if k not in self.builtin_queries}}

    def read_named_queries(self, select: Select) -> dict[str, NamedQuery]:
        """:attr:`named_queries`, the corpora's read again through ``select`` when the store has
        changed since they were last read."""
        tag = self.marker.tag
        if self._corpus_queries[0] != tag:
            self._corpus_queries = (tag, corpus_queries(select))
        return self.named_queries

    def run_named(self, store: Store, name: str, params: Mapping[str, str] | None = None) -> QueryResult:
        """Run one of ``queries/*.rq`` with its parameters bound.

        :raises NotFound: for an unknown query; :raises QueryError: for an unknown parameter.
        """
        return store.query(self.named_query_text(name, params))

    def named_query_text(self, name: str, params: Mapping[str, str] | None = None) -> str:
        """The text of one of ``queries/*.rq`` with its parameters bound.

        An IRI parameter may be given relative to the base IRI: a short id names
        an entity (``camp-ashraf-attack-2013`` → ``<base>entity/camp-ashraf-attack-2013``),
        a path anything under the base (``claim/…``, ``document/…``).

        :raises NotFound: for an unknown query.
        :raises QueryError: for an unknown parameter or a value of the wrong type.
        """
        query = self.named_query(name)
        iris = {p.name for p in query.parameters if p.type == "iri"}
        values = {k: self.expand_iri(v) if k in iris else v for k, v in (params or {}).items()}
        return bind_parameters(query, values)

    def named_query(self, name: str) -> NamedQuery:
        """One of ``queries/*.rq``.

        :raises NotFound: for an unknown name; the message lists the known ones.
        """
        if name not in self.named_queries:
            known = ", ".join(sorted(self.named_queries)) or "none"
            raise NotFound(f"no named query {name!r}; known: {known}")
        return self.named_queries[name]

    def expand_iri(self, text: str) -> str:
        """An IRI as given, or relative to the base IRI (see :meth:`named_query_text`)."""
        if not _RELATIVE.fullmatch(text):
            return text  # an IRI, or something render_parameter will refuse as one
        return self.mint.expand(text)

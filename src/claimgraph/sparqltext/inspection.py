"""Refusing dangerous SPARQL before the engine parses it (depth, SERVICE, LOAD), and the dataset a query runs on."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ..errors import QueryRefused
from .lexer import Token, _join, _resolve, _unescape, _where, tokens

#: Deepest nesting of ( { [ << accepted; far below the depth that overflows the stack.
MAX_DEPTH = 100
#: Deepest nesting of blank-node brackets ``[``, whose parsing time grows fast with depth.
MAX_BRACKET_DEPTH = 24


@dataclass(frozen=True)
class Dataset:
    """The RDF dataset a query runs on (SPARQL 1.1 Query §13.2, Protocol §2.1.4).

    ``None`` means what the store holds: the union of all its graphs as the
    default graph, every named graph as a named graph.
    """

    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None

    @property
    def union_default_graph(self) -> bool:
        return self.default_graphs is None


@dataclass(frozen=True)
class Inspection:
    """What the tokenizer found in a query or update that passed."""

    depth: int
    keywords: tuple[str, ...]  # the watched keywords present, upper case, in order
    from_graphs: tuple[str, ...]
    from_named_graphs: tuple[str, ...]
    dataset: Dataset = Dataset()


_WATCHED = {"SERVICE", "LOAD", "FROM", "NAMED", "PREFIX", "BASE"}
_OPEN = {"(": ")", "{": "}", "[": "]", "<<": ">>"}
_CLOSE = {v: k for k, v in _OPEN.items()}
_ABSOLUTE_IRI = re.compile(r'[A-Za-z][A-Za-z0-9+.-]*:[^<>"{}|^`\\\x00-\x20]*')


def _measure_depth(text: str, toks: list[Token], max_depth: int, max_bracket_depth: int) -> int:
    stack: list[str] = []
    deepest = brackets = 0
    for tok in toks:
        if tok.kind == "open":
            stack.append(tok.text)
            brackets += tok.text == "["
            deepest = max(deepest, len(stack))
            if len(stack) > max_depth:
                raise QueryRefused(
                    f"the query is nested more than {max_depth} deep at {_where(text, tok.offset)}"
                )
            if brackets > max_bracket_depth:
                raise QueryRefused(
                    f"blank-node brackets [ ] are nested more than {max_bracket_depth} deep "
                    f"at {_where(text, tok.offset)}"
                )
        elif tok.kind == "close" and stack and stack[-1] == _CLOSE[tok.text]:
            # An unbalanced closer is the parser's business; only depth matters here.
            brackets -= stack.pop() == "["
    return deepest


def _inspect(
    text: str,
    *,
    allow_service: bool,
    refuse: set[str],
    max_depth: int,
    max_bracket_depth: int,
    base_iri: str | None,
) -> tuple[Inspection, list[tuple[str, str, int]]]:
    toks = tokens(text)
    depth = _measure_depth(text, toks, max_depth, max_bracket_depth)
    prefixes: dict[str, str] = {}
    base = base_iri or ""
    keywords: list[str] = []
    froms: list[tuple[str, str, int]] = []  # (FROM or FROM NAMED, IRI, offset)
    for k, tok in enumerate(toks):
        if tok.kind != "word" or tok.text.upper() not in _WATCHED:
            continue
        word = tok.text.upper()
        after = toks[k + 1 : k + 4]
        if word == "PREFIX" and len(after) >= 2 and after[0].kind == "pname" and after[1].kind == "iri":
            prefixes[after[0].text[:-1]] = _join(base, after[1].text[1:-1])
            continue
        if word == "BASE" and after and after[0].kind == "iri":
            base = _join(base, after[0].text[1:-1])
            continue
        if word in {"PREFIX", "BASE", "NAMED"}:
            continue
        keywords.append(word)
        if word == "SERVICE" and not allow_service:
            raise QueryRefused(f"SERVICE ({_where(text, tok.offset)}) is not allowed on this server")
        if word in refuse:
            raise QueryRefused(f"{word} ({_where(text, tok.offset)}) is not allowed on this server")
        if word == "FROM":
            clause = "FROM"
            if after and after[0].kind == "word" and after[0].text.upper() == "NAMED":
                clause, after = "FROM NAMED", after[1:]
            if after:
                iri = _resolve(after[0], prefixes, base)
                if iri is not None:
                    froms.append((clause, iri, tok.offset))
    inspection = Inspection(
        depth=depth,
        keywords=tuple(keywords),
        from_graphs=tuple(iri for clause, iri, _ in froms if clause == "FROM"),
        from_named_graphs=tuple(iri for clause, iri, _ in froms if clause == "FROM NAMED"),
    )
    return inspection, froms


def inspect_query(
    text: str,
    *,
    allow_service: bool = False,
    graph_exists: Callable[[str], bool] | None = None,
    base_iri: str | None = None,
    default_graphs: Sequence[str] = (),
    named_graphs: Sequence[str] = (),
    max_depth: int = MAX_DEPTH,
    max_bracket_depth: int = MAX_BRACKET_DEPTH,
) -> Inspection:
    """Check a SPARQL query before it runs, and decide the dataset it runs on.

    The dataset is the protocol's (``default_graphs``, ``named_graphs``: the
    request's ``default-graph-uri`` and ``named-graph-uri``) when it names one,
    else the query's own ``FROM`` and ``FROM NAMED``, else the union default graph.

    :param allow_service: let ``SERVICE`` through (the operator's choice).
    :param graph_exists: tells whether the store holds a named graph; when given,
        the dataset may only name such graphs (this server never fetches one).
    :param base_iri: the base against which relative IRIs in ``FROM`` resolve.
    :raises QueryRefused: for nesting deeper than the limits, ``SERVICE`` (unless
        allowed), ``LOAD``, a protocol graph that is not an absolute IRI, or a
        dataset naming a graph the store does not hold; the message says where.

    >>> inspect_query("SELECT * FROM <http://x/g> { ?s ?p ?o }", graph_exists=lambda g: False)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    claimgraph.errors.QueryRefused: FROM <http://x/g> (line 1, column 10): the store has no such graph; ...
    >>> inspect_query("PREFIX g: <http://x/> SELECT * FROM NAMED g:a { }").from_named_graphs
    ('http://x/a',)
    >>> inspect_query("ASK " + "{" * 101 + "}" * 101)
    Traceback (most recent call last):
    ...
    claimgraph.errors.QueryRefused: the query is nested more than 100 deep at line 1, column 105
    >>> inspect_query("SELECT * FROM <http://x/g> { }").dataset
    Dataset(default_graphs=('http://x/g',), named_graphs=())
    >>> inspect_query("SELECT * FROM <http://x/g> { }", named_graphs=["http://x/h"]).dataset
    Dataset(default_graphs=(), named_graphs=('http://x/h',))
    >>> inspect_query("ASK {}").dataset.union_default_graph
    True
    """
    inspection, froms = _inspect(
        text,
        allow_service=allow_service,
        refuse={"LOAD"},
        max_depth=max_depth,
        max_bracket_depth=max_bracket_depth,
        base_iri=base_iri,
    )
    protocol = [("default-graph-uri", iri) for iri in default_graphs]
    protocol += [("named-graph-uri", iri) for iri in named_graphs]
    for param, iri in protocol:
        if not _ABSOLUTE_IRI.fullmatch(iri):
            raise QueryRefused(f"{param}: not an absolute IRI: {iri!r}")
    if protocol:
        # The protocol's dataset overrides the query's own (SPARQL 1.1 Protocol §2.1.4).
        dataset = Dataset(tuple(default_graphs), tuple(named_graphs))
        named = [(f"{param} <{iri}>", iri) for param, iri in protocol]
    elif froms:
        dataset = Dataset(inspection.from_graphs, inspection.from_named_graphs)
        named = [(f"{clause} <{iri}> ({_where(text, offset)})", iri) for clause, iri, offset in froms]
    else:
        dataset, named = Dataset(), []
    if graph_exists is not None:
        for where, iri in named:
            if not graph_exists(iri):
                raise QueryRefused(
                    f"{where}: the store has no such graph; this endpoint queries only the graphs it "
                    "holds and never fetches one from the web (the service description lists them)"
                )
    return replace(inspection, dataset=dataset)


def inspect_update(
    text: str,
    *,
    allow_service: bool = False,
    base_iri: str | None = None,
    max_depth: int = MAX_DEPTH,
    max_bracket_depth: int = MAX_BRACKET_DEPTH,
) -> Inspection:
    """Check a SPARQL update before it runs: the same limits and refusals as a query.

    Codepoint escapes (``\\u004C``) are undone first, as SPARQL does before parsing.
    ``USING`` names graphs of the store (an absent one is empty), never a document to
    fetch, so unlike a query's ``FROM`` it is not refused.

    :raises QueryRefused: as :func:`inspect_query` does, and for ``LOAD``.

    >>> inspect_update("LOAD <http://evil.example/data.ttl>")
    Traceback (most recent call last):
    ...
    claimgraph.errors.QueryRefused: LOAD (line 1, column 1) is not allowed on this server
    >>> inspect_update("INSERT DATA { <http://x/s> <http://x/load> 'LOAD' }").keywords
    ()
    >>> inspect_update("\\u004cOAD <http://evil.example/data.ttl>")
    Traceback (most recent call last):
    ...
    claimgraph.errors.QueryRefused: LOAD (line 1, column 1) is not allowed on this server
    """
    inspection, _ = _inspect(
        _unescape(text),
        allow_service=allow_service,
        refuse={"LOAD"},
        max_depth=max_depth,
        max_bracket_depth=max_bracket_depth,
        base_iri=base_iri,
    )
    return inspection

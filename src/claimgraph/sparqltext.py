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

>>> inspect_query("SELECT * WHERE { ?s ?p ?o }").depth
1
>>> inspect_query("SELECT * WHERE { SERVICE <http://x/sparql> { ?s ?p ?o } }")
Traceback (most recent call last):
...
claimgraph.errors.QueryRefused: SERVICE (line 1, column 18) is not allowed on this server
>>> inspect_query('SELECT ("SERVICE" AS ?service) WHERE { ?s ex:LOAD ?o } # LOAD').keywords
()
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urljoin

from .errors import QueryError, QueryRefused

__all__ = [
    "MAX_BRACKET_DEPTH",
    "MAX_DEPTH",
    "Dataset",
    "Inspection",
    "QueryRefused",
    "inspect_query",
    "inspect_update",
    "update_targets",
    "with_dataset",
    "without_dataset",
]

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


@dataclass(frozen=True)
class Token:
    kind: str  # "open", "close", "word", "pname", "iri", "other"
    text: str
    offset: int


_WATCHED = {"SERVICE", "LOAD", "FROM", "NAMED", "PREFIX", "BASE"}
_OPEN = {"(": ")", "{": "}", "[": "]", "<<": ">>"}
_CLOSE = {v: k for k, v in _OPEN.items()}
_IRI = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_ABSOLUTE_IRI = re.compile(r'[A-Za-z][A-Za-z0-9+.-]*:[^<>"{}|^`\\\x00-\x20]*')
_STRING = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*(?:"""|$)'
    r"|'''(?:[^'\\]|\\.|'(?!''))*(?:'''|$)"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*'",
    re.DOTALL,
)
# A keyword, a prefixed name (ex:local, :local, _:b) or a bare word; a dot may
# sit inside a local name but not end it.
_NAME = re.compile(r"(?:[^\W\d][\w\-.]*)?:(?:[\w\-:%]|\\.|\.(?=[\w\-:%\\]))*|[^\W\d][\w\-]*")
_VARIABLE = re.compile(r"[?$][\w]*")
_LANGTAG = re.compile(r"@[A-Za-z][A-Za-z0-9\-]*")
_DIGITS = frozenset("0123456789")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?")


def tokens(text: str) -> list[Token]:
    """Split SPARQL into the tokens this module cares about.

    Strings, comments, variables, numbers and language tags are dropped;
    whatever else is kept as ``other``.

    >>> [t.text for t in tokens("ASK { <http://x#y> ?p 'a{' } # }")]
    ['ASK', '{', '<http://x#y>', '}']
    """
    out: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif c in "\"'":
            match = _STRING.match(text, i)
            # An unterminated string is a syntax error; reading on finds more, never less.
            i = match.end() if match else i + 1
        elif c == "<":
            if text.startswith("<<", i) and not _IRI.match(text, i + 1):
                out.append(Token("open", "<<", i))
                i += 2
                continue
            match = _IRI.match(text, i)
            if match:
                out.append(Token("iri", match.group(), i))
                i = match.end()
            else:
                out.append(Token("other", c, i))
                i += 1
        elif text.startswith(">>", i):
            out.append(Token("close", ">>", i))
            i += 2
        elif c in "({[":
            out.append(Token("open", c, i))
            i += 1
        elif c in ")}]":
            out.append(Token("close", c, i))
            i += 1
        elif c in "?$":
            i = _VARIABLE.match(text, i).end()  # type: ignore[union-attr]
        elif c == "@" and (match := _LANGTAG.match(text, i)):
            i = match.end()
        elif c in _DIGITS or (c == "." and i + 1 < n and text[i + 1] in _DIGITS):
            # Only ASCII digits: str.isdigit() is true for "٣" and "²", which no number matches.
            i = _NUMBER.match(text, i).end()  # type: ignore[union-attr]
        elif match := _NAME.match(text, i):
            word = match.group()
            out.append(Token("pname" if ":" in word else "word", word, i))
            i = match.end()
        else:
            out.append(Token("other", c, i))
            i += 1
    return out


def _join(base: str, iri: str) -> str:
    """``iri`` resolved against ``base``; as it is when it cannot be (``http://[x/``: the parser
    refuses it later, with its position).

    >>> _join("http://e/", "a"), _join("http://e/", "http://[x/")
    ('http://e/a', 'http://[x/')
    """
    try:
        return urljoin(base, iri)
    except ValueError:
        return iri


def _where(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


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


def _resolve(tok: Token, prefixes: dict[str, str], base: str) -> str | None:
    if tok.kind == "iri":
        return _join(base, tok.text[1:-1])
    if tok.kind == "pname":
        prefix, _, local = tok.text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
    return None  # an undeclared prefix: the parser will refuse the query


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


_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _unescape(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def _prologue(toks: list[Token], base_iri: str | None) -> tuple[dict[str, str], str]:
    prefixes: dict[str, str] = {}
    base = base_iri or ""
    for k, tok in enumerate(toks):
        if tok.kind != "word":
            continue
        word = tok.text.upper()
        after = toks[k + 1 : k + 3]
        if word == "PREFIX" and len(after) == 2 and after[0].kind == "pname" and after[1].kind == "iri":
            prefixes[after[0].text[:-1]] = _join(base, after[1].text[1:-1])
        elif word == "BASE" and after and after[0].kind == "iri":
            base = _join(base, after[0].text[1:-1])
    return prefixes, base


_GRAPH_OPERATIONS = {"CREATE", "DROP", "CLEAR", "COPY", "MOVE", "ADD"}
_NAMING = {"GRAPH", "WITH", "USING", "NAMED", "INTO", "TO"}


def update_targets(text: str, *, base_iri: str | None = None) -> frozenset[str] | None:
    """The named graphs an update can read or write, or None when it can touch any.

    A graph named after ``GRAPH``, ``WITH``, ``USING``, ``INTO``, ``TO`` or as the operand
    of a graph operation is a target; ``GRAPH ?g``, ``ALL`` and ``NAMED`` (every named
    graph) make it None. The default graph is always touchable.

    >>> sorted(update_targets("PREFIX e: <http://e/> INSERT DATA { GRAPH e:a { e:s e:p 1 } } ; COPY <http://e/b> TO DEFAULT"))
    ['http://e/a', 'http://e/b']
    >>> update_targets("DELETE WHERE { GRAPH ?g { ?s ?p ?o } }") is None
    True
    >>> update_targets("CLEAR ALL") is None
    True
    >>> sorted(update_targets("INSERT DATA { <http://e/s> <http://e/p> 'GRAPH ?g' }"))
    []
    """
    toks = tokens(_unescape(text))
    prefixes, base = _prologue(toks, base_iri)
    targets: set[str] = set()
    for k, tok in enumerate(toks):
        if tok.kind != "word":
            continue
        word = tok.text.upper()
        nxt = toks[k + 1] if k + 1 < len(toks) else None
        if word in _GRAPH_OPERATIONS:
            rest = toks[k + 1 : k + 3]
            if rest and rest[0].kind == "word" and rest[0].text.upper() == "SILENT":
                rest = rest[1:]
            if rest and rest[0].kind == "word" and rest[0].text.upper() in {"ALL", "NAMED"}:
                return None
            if rest and rest[0].kind in {"iri", "pname"}:
                iri = _resolve(rest[0], prefixes, base)
                if iri is not None:
                    targets.add(iri)
        elif word in _NAMING:
            if nxt is not None and nxt.kind in {"iri", "pname"}:
                iri = _resolve(nxt, prefixes, base)
                if iri is not None:
                    targets.add(iri)
            elif word == "GRAPH" and not (nxt is not None and nxt.kind == "word"):
                return None  # GRAPH ?g: any graph
            elif word == "NAMED" and k > 0 and toks[k - 1].text.upper() in {"DROP", "CLEAR", "SILENT"}:
                return None
    return frozenset(targets)


def without_dataset(text: str) -> str:
    """``text`` with its ``FROM`` and ``FROM NAMED`` clauses blanked out (spaces, so that
    positions in error messages stay true).

    For a server that is sent the dataset as protocol parameters and would otherwise
    merge the two (Virtuoso adds the query's ``FROM`` graphs to ``default-graph-uri``'s
    instead of letting the protocol's replace them, SPARQL 1.1 Protocol §2.1.4).

    >>> without_dataset("PREFIX e: <http://e/> SELECT * FROM e:g FROM NAMED <http://e/h> { ?s ?p 'FROM <x>' }")
    "PREFIX e: <http://e/> SELECT *                                  { ?s ?p 'FROM <x>' }"
    """
    toks = tokens(text)
    depth, spans = 0, []
    for k, tok in enumerate(toks):
        if tok.kind in ("open", "close"):
            depth += 1 if tok.kind == "open" else -1
        elif depth == 0 and tok.kind == "word" and tok.text.upper() == "FROM":
            rest = toks[k + 1 : k + 3]
            if rest and rest[0].kind == "word" and rest[0].text.upper() == "NAMED":
                rest = rest[1:]
            if rest and rest[0].kind in ("iri", "pname"):
                spans.append((tok.offset, rest[0].offset + len(rest[0].text)))
    for start, end in reversed(spans):
        text = text[:start] + " " * (end - start) + text[end:]
    return text


_ABSOLUTE_IRI = re.compile(r'^[A-Za-z][A-Za-z0-9+.\-]*:[^<>"{}|^`\\\x00-\x20]*$')


def with_dataset(
    text: str, using: list[str] | tuple[str, ...] = (), using_named: list[str] | tuple[str, ...] = ()
) -> str:
    """Apply the protocol's ``using-graph-uri`` / ``using-named-graph-uri`` to an update.

    They act as ``USING`` / ``USING NAMED`` on every operation with a ``WHERE``
    clause, so those clauses are written in before each top-level ``WHERE``.

    :raises QueryError: when a graph is not an absolute IRI, or the update has its own
        ``USING`` or ``WITH`` (the protocol forbids both).

    >>> with_dataset("INSERT { ?s a 1 } WHERE { ?s ?p ?o }", ["http://e/g"])
    'INSERT { ?s a 1 } USING <http://e/g> WHERE { ?s ?p ?o }'
    >>> with_dataset("DELETE WHERE { ?s ?p 'WHERE' } ; INSERT { ?s a 1 } WHERE { ?s ?p 2 }", ["http://e/g"])
    "DELETE WHERE { ?s ?p 'WHERE' } ; INSERT { ?s a 1 } USING <http://e/g> WHERE { ?s ?p 2 }"
    """
    bad = [g for g in (*using, *using_named) if not _ABSOLUTE_IRI.match(g)]
    if bad:
        raise QueryError(f"using-graph-uri / using-named-graph-uri must be absolute IRIs: {bad[0]!r}")
    clauses = [f"USING <{g}>" for g in using] + [f"USING NAMED <{g}>" for g in using_named]
    if not clauses:
        return text
    toks = tokens(text)
    depth, cuts = 0, []
    for k, tok in enumerate(toks):
        if tok.text == "{":
            depth += 1
        elif tok.text == "}":
            depth -= 1
        elif tok.kind == "word" and depth == 0:
            word = tok.text.upper()
            if word in ("USING", "WITH"):
                raise QueryError(f"the update has its own {word}; it cannot be combined with using-graph-uri")
            # DELETE WHERE { … } is the short form, which takes no USING.
            if word == "WHERE" and not (k and toks[k - 1].text.upper() == "DELETE"):
                cuts.append(tok.offset)
    for offset in reversed(cuts):
        text = f"{text[:offset]}{' '.join(clauses)} {text[offset:]}"
    return text

"""What an update touches, and a request's dataset taken out of or written into SPARQL text."""

from __future__ import annotations

import re

from ..errors import QueryError
from .lexer import _prologue, _resolve, _unescape, tokens

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

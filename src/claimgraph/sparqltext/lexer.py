"""The one SPARQL lexer: tokens (strings and comments skipped), positions, the prologue's prefixes and base."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin


@dataclass(frozen=True)
class Token:
    kind: str  # "open", "close", "word", "pname", "iri", "other"
    text: str
    offset: int


_IRI = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
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


def _resolve(tok: Token, prefixes: dict[str, str], base: str) -> str | None:
    if tok.kind == "iri":
        return _join(base, tok.text[1:-1])
    if tok.kind == "pname":
        prefix, _, local = tok.text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
    return None  # an undeclared prefix: the parser will refuse the query


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

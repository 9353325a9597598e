"""How deep an uploaded RDF body nests, measured before a parser sees it.

The engine's JSON-LD parser recurses: a body nested 10,000 deep kills the whole
process (measured with pyoxigraph 0.5: a segmentation fault), and Python's own
``json`` raises ``RecursionError`` past about 1,000. Its RDF/XML parser takes time
that grows with the square of the depth (20,000 nested elements, 0.9 MB: 24 s of
parsing that no time limit can interrupt in-process). Turtle, TriG, N-Triples and
N-Quads parse without recursion and need no check.

So the brackets of JSON and the elements of XML are counted first, by a scan that
skips strings (and XML comments, CDATA and processing instructions), and a body
deeper than :data:`MAX_RDF_DEPTH` is refused with where the limit was passed.

>>> json_depth(b'{"a": [1, {"b": "[[["}]}')
3
>>> xml_depth(b'<a><b/><c x="<d>"><!-- <e> --><d></d></c></a>')
3
>>> check_depth(b"[" * 101 + b"]" * 101, "jsonld")
Traceback (most recent call last):
...
claimgraph.errors.BadRdf: the JSON-LD body is nested more than 100 deep (line 1, column 101); refused before parsing
"""

from __future__ import annotations

import re

from .errors import BadRdf

__all__ = ["MAX_RDF_DEPTH", "check_depth", "json_depth", "xml_depth"]

#: Deepest nesting of JSON arrays and objects, or of XML elements, in an uploaded body.
#: Real claims nest about ten deep.
MAX_RDF_DEPTH = 100

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"?', re.DOTALL)
_XML_SKIP = {b"<!--": b"-->", b"<![CDATA[": b"]]>", b"<?": b"?>", b"<!": b">"}
_XML_TAG_END = re.compile(rb"""(?:[^>"']|"[^"]*"|'[^']*')*>""")


def json_depth(data: bytes, limit: int | None = None) -> int:
    """The deepest nesting of ``[`` and ``{`` in a JSON text (strings skipped).

    :param limit: stop and return at the first offset deeper than this, as ``-offset - 1``.
    """
    depth = deepest = 0
    i, n = 0, len(data)
    while i < n:
        c = data[i]
        if c == 0x22:  # "
            i = _JSON_STRING.match(data, i).end()  # type: ignore[union-attr]
            continue
        if c in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > deepest:
                deepest = depth
                if limit is not None and depth > limit:
                    return -i - 1
        elif c in (0x5D, 0x7D):  # ] }
            depth -= 1
        i += 1
    return deepest


def xml_depth(data: bytes, limit: int | None = None) -> int:
    """The deepest nesting of elements in an XML text (comments, CDATA, declarations and
    quoted attribute values skipped).

    :param limit: stop and return at the first offset deeper than this, as ``-offset - 1``.
    """
    depth = deepest = 0
    i = data.find(b"<")
    while i != -1:
        for opener, closer in _XML_SKIP.items():
            if data.startswith(opener, i):
                end = data.find(closer, i + len(opener))
                i = len(data) if end < 0 else end + len(closer)
                break
        else:
            match = _XML_TAG_END.match(data, i + 1)
            end = match.end() if match else len(data)
            if data.startswith(b"</", i):
                depth -= 1
            elif data[end - 2 : end] != b"/>":
                depth += 1
                if depth > deepest:
                    deepest = depth
                    if limit is not None and depth > limit:
                        return -i - 1
            i = end
        i = data.find(b"<", i)
    return deepest


def check_depth(data: bytes, format_name: str, limit: int = MAX_RDF_DEPTH) -> None:
    """Refuse a JSON-LD or RDF/XML body nested deeper than ``limit``; other formats pass.

    :param format_name: the format's name in :mod:`claimgraph.formats` (``jsonld``, ``rdfxml``…).
    :raises BadRdf: saying the limit and where it was passed.
    """
    measure = {"jsonld": (json_depth, "JSON-LD"), "rdfxml": (xml_depth, "RDF/XML")}.get(format_name)
    if measure is None:
        return
    function, label = measure
    found = function(data, limit)
    if found < 0:
        offset = -found - 1
        line = data.count(b"\n", 0, offset) + 1
        column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
        raise BadRdf(
            f"the {label} body is nested more than {limit} deep (line {line}, column {column}); "
            "refused before parsing",
            line=line,
            column=column,
        )

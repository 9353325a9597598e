"""The text of an HTML page saved to disk, with the title, date and language the page states.

>>> page = read_html(b'<html lang="en"><head><title>A &amp; B</title></head>'
...                  b'<body><h1>A &amp; B</h1><p>One  two.<br>Three</p><script>x()</script></body></html>')
>>> page.text, page.title, page.language
('A & B\\n\\nOne two.\\nThree\\n', 'A & B', 'en')
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from .mentions import parse_date
from .model import MonthDay, PartialDate

#: Elements whose text is no part of the document.
_SKIPPED = {"script", "style", "noscript", "template", "svg", "head", "iframe", "object", "canvas", "nav"}
#: Elements that start and end a paragraph of the text.
_BLOCKS = {
    *("p", "div", "section", "article", "main", "header", "footer", "aside", "figure"),
    *("h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "figcaption", "address"),
    *("ul", "ol", "li", "dl", "dt", "dd", "table", "tr", "caption", "hr", "form", "fieldset"),
}
#: Metadata that states when a page was published, most specific first.
_DATE_META = (
    "article:published_time",
    "datepublished",
    "dcterms.date",
    "dcterms.issued",
    "dc.date.issued",
    "dc.date",
    "date",
    "pubdate",
    "publishdate",
    "og:published_time",
)
_TITLE_META = ("og:title", "dc.title", "dcterms.title", "twitter:title")
#: A line break (<br>) while a paragraph is collected: the page's own newlines are spaces.
_BREAK = "\ue000"
#: Runs of white space inside a paragraph, as a browser collapses them (no-break spaces stay).
_SPACES = re.compile(r"[ \t\r\n\f]+")


@dataclass(frozen=True)
class Page:
    """What a saved page says: its text, and its title, date and language where it states them."""

    text: str
    title: str | None = None
    date: PartialDate | None = None
    language: str | None = None


class _PageParser(HTMLParser):
    """Collects a page's paragraphs of text and its metadata."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self.current: list[str] = []
        self.skipping: list[str] = []
        self.meta: dict[str, str] = {}
        self.title_parts: list[str] | None = None
        self.title: str | None = None
        self.h1_parts: list[str] | None = None
        self.h1: str | None = None
        self.language: str | None = None
        self.times: list[str] = []
        self.scripts: list[str] = []
        self.in_json_ld = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "html" and values.get("lang"):
            self.language = values["lang"]
        elif tag == "meta":
            key = (values.get("property") or values.get("name") or values.get("itemprop") or "").lower()
            if key and "content" in values:
                self.meta.setdefault(key, values["content"])
        elif tag == "time" and values.get("datetime"):
            self.times.append(values["datetime"])
        if tag == "title":
            self.title_parts = []
        if tag == "h1" and self.h1 is None:
            self.h1_parts = []
        if tag == "script" and values.get("type", "").lower() == "application/ld+json":
            self.in_json_ld = True
        if tag in _SKIPPED:
            self.skipping.append(tag)
        elif tag == "br":
            self.current.append(_BREAK)
        elif tag in _BLOCKS:
            self._end_paragraph()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in _SKIPPED and self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self.title_parts is not None:
            self.title = _collapse("".join(self.title_parts)) or None
            self.title_parts = None
        if tag == "h1" and self.h1_parts is not None:
            self.h1 = _collapse("".join(self.h1_parts)) or None
            self.h1_parts = None
        if tag == "script":
            self.in_json_ld = False
        if tag in _SKIPPED:
            if tag in self.skipping:
                while self.skipping.pop() != tag:
                    pass
        elif tag in _BLOCKS:
            self._end_paragraph()

    def handle_data(self, data: str) -> None:
        if self.title_parts is not None:
            self.title_parts.append(data)
        if self.in_json_ld:
            self.scripts.append(data)
        if self.skipping:
            return
        if self.h1_parts is not None:
            self.h1_parts.append(data)
        self.current.append(data)

    def _end_paragraph(self) -> None:
        lines = [_collapse(line) for line in "".join(self.current).split(_BREAK)]
        text = "\n".join(line for line in lines if line)
        if text:
            self.paragraphs.append(text)
        self.current = []

    def close(self) -> None:
        super().close()
        self._end_paragraph()


def _collapse(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _charset(data: bytes) -> str:
    head = data[:4096].decode("ascii", "replace")
    found = re.search(r"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", head, re.I)
    return found.group(1) if found else "utf-8"


def read_html(data: bytes) -> Page:
    """The text of a saved HTML page (a paragraph per block, separated by a blank line), with
    the title, publication date and language the page states.

    The title is the page's ``og:title`` (or Dublin Core title), else its first ``<h1>``, else
    its ``<title>``; the date its ``article:published_time`` (or ``datePublished``, a Dublin
    Core date, a ``<time datetime>``), at the precision it is written.
    """
    try:
        html = data.decode(_charset(data))
    except (LookupError, UnicodeDecodeError):
        html = data.decode("utf-8", "replace")
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    text = "\n\n".join(parser.paragraphs) + "\n"
    title = (
        next((parser.meta[k] for k in _TITLE_META if parser.meta.get(k)), None) or parser.h1 or parser.title
    )
    return Page(
        text=text,
        title=_collapse(title) if title else None,
        date=_page_date(parser),
        language=parser.language or parser.meta.get("dc.language") or parser.meta.get("og:locale"),
    )


def _page_date(parser: _PageParser) -> PartialDate | None:
    found = [parser.meta[k] for k in _DATE_META if parser.meta.get(k)]
    for script in parser.scripts:
        try:
            found += list(_json_ld_dates(json.loads(script)))
        except ValueError:
            continue
    found += parser.times
    for raw in found:
        date = parse_date(raw.strip())
        if date is not None and not isinstance(date, MonthDay):
            return date
    return None


def _json_ld_dates(node: object):
    if isinstance(node, dict):
        if isinstance(node.get("datePublished"), str):
            yield node["datePublished"]
        for value in node.values():
            yield from _json_ld_dates(value)
    elif isinstance(node, list):
        for value in node:
            yield from _json_ld_dates(value)

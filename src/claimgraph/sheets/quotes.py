"""Anchoring a quote verbatim in its document's text (the selectors of the annotation)."""

from __future__ import annotations

from ..model import Quote

#: Characters of context kept on each side of a quote (oa:prefix, oa:suffix).
CONTEXT_CHARS = 32


class QuoteNotFound(ValueError):
    """The quote is not in the text, or is there more than once without a choice."""


def anchor_quote(text: str, exact: str, *, occurrence: int | None = None) -> Quote:
    """Find ``exact`` verbatim in ``text`` and compute its selectors.

    :param occurrence: which occurrence (1-based), required when there are several.
    :raises QuoteNotFound: when the quote is absent, ambiguous or the occurrence is out of range.

    >>> anchor_quote("He said: “52 bodies”.", "“52 bodies”").start
    9
    >>> anchor_quote("it’s", "it's")
    Traceback (most recent call last):
    ...
    claimgraph.sheets.quotes.QuoteNotFound: quote not found verbatim in the document: "it's"
    """
    if not exact:
        raise QuoteNotFound("quote is empty")
    # str.find, not a regular expression compiled per quote; matches do not overlap, as
    # re.finditer's do not.
    starts = []
    found = text.find(exact)
    while found != -1:
        starts.append(found)
        found = text.find(exact, found + len(exact))
    if not starts:
        raise QuoteNotFound(f"quote not found verbatim in the document: {_show(exact)}")
    if occurrence is None:
        if len(starts) > 1:
            raise QuoteNotFound(
                f"quote occurs {len(starts)} times in the document; say which with occurrence: {_show(exact)}"
            )
        occurrence = 1
    if not 1 <= occurrence <= len(starts):
        raise QuoteNotFound(
            f"occurrence {occurrence} asked but the quote occurs {len(starts)} time(s): {_show(exact)}"
        )
    start = starts[occurrence - 1]
    end = start + len(exact)
    return Quote(
        exact=exact,
        start=start,
        end=end,
        prefix=text[max(0, start - CONTEXT_CHARS) : start],
        suffix=text[end : end + CONTEXT_CHARS],
    )


def _show(text: str, limit: int = 60) -> str:
    short = text if len(text) <= limit else text[: limit - 1] + "…"
    return '"' + short + '"'

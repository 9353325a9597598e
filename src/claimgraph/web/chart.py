"""The geometry of an event page's dot chart of the numbers by source (drawn as inline SVG).

One row per claimant, whose whole name is wrapped onto as many lines as it needs; one mark
per value that claimant gives (however many documents give it); a bound drawn as such
("≥ 15" with an arrow pointing where the true value may lie); the axis scaled to the values'
range, with zero marked when it is in view; the low and the high as dashed rules, and every
label set beside its mark, away from the rules.
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

WIDTH, LEFT, RIGHT, HEAD = 720, 190, 16, 26
#: A phone's chart: as wide as the screen, each claimant's name on the line above its row.
NARROW_WIDTH, NARROW_LEFT, NARROW_NAME_CHARS = 360, 14, 44
#: Pixels kept free beside the outermost marks, for their labels.
LABEL_ROOM = 96
LINE = 15
NAME_CHARS = 16


def nice_step(span: float) -> float:
    """A round tick step for an axis that spans ``span``.

    >>> nice_step(52), nice_step(7), nice_step(0)
    (10.0, 2.0, 1.0)
    """
    if span <= 0:
        return 1.0
    raw = span / 6
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return float(factor * power)
    return float(10 * power)


def domain(
    low: float, high: float, plot: float, left: float = LABEL_ROOM, right: float = LABEL_ROOM
) -> tuple[float, float]:
    """The axis's ends: the values' range with ``left`` and ``right`` pixels kept free beside the
    outermost marks for their labels; it reaches zero only when the values come near it (never
    below zero for counts).

    >>> domain(50, 52, 400, 100, 100)
    (49.0, 53.0)
    >>> domain(7, 7, 400)
    (6.0, 8.0)
    >>> domain(3, 40, 400, 50, 50)
    (0.0, 46.166667)
    """
    span = high - low
    if span == 0:
        pad = max(1.0, abs(high) * 0.1)
        lo, hi = low - pad, high + pad
    else:
        inner = max(plot - left - right, plot / 4)
        lo, hi = low - span * left / inner, high + span * right / inner
    if low >= 0 and lo < span * 0.25:
        lo = 0.0  # the values come near zero: the axis starts there, and zero is marked
    return round(lo, 6), round(hi, 6)


def chart(fact: Any, *, width: int = WIDTH, ranges: list[Any] = (), narrow: bool = False) -> dict[str, Any]:  # type: ignore[assignment]
    """The geometry of the chart of a numeric fact's claims (:class:`claimgraph.facts.Fact`), with
    the low and high of each stated rule's range (:class:`claimgraph.ranges.Range`) to switch between.

    :param narrow: a phone's chart (``NARROW_WIDTH`` wide), each claimant's name above its row
        rather than beside it, so that nothing is cut off or shrunk to unreadable.

    >>> from rdflib import Literal, URIRef
    >>> from claimgraph import describe
    >>> from claimgraph.facts import Fact
    >>> def claim(who, n, bound=()):
    ...     t = lambda x: describe.Term(URIRef("http://e/" + x), x)
    ...     return describe.ClaimView("http://e/c" + who + str(n), t("s"), t("p"), describe.Term(Literal(n)),
    ...                               t(who), t("d"), "q", qualifiers=list(bound))
    >>> g = chart(Fact(describe.Term(URIRef("http://e/p")), [claim("a", 52), claim("a", 52), claim("b", 50),
    ...                                                      claim("c", 15, [("bound", "at least")])]))
    >>> [(m["source"], m["label"], m["claims"]) for m in g["marks"]], g["low"], g["high"]
    ([('a', '52', 2), ('b', '50', 1), ('c', '≥ 15', 1)], 15.0, 52.0)
    >>> g["zero"] is not None, g["marks"][2]["arrow"]
    (False, 1)
    """
    groups: dict[tuple[str, float, str], list[Any]] = {}
    sources: dict[str, Any] = {}
    by_kind: dict[str, list[float]] = {}
    for claim in fact.claims:
        value = claim.object.number
        if value is None:
            continue
        sources.setdefault(claim.claimant.iri, claim.claimant)
        groups.setdefault((claim.claimant.iri, value, claim.bound), []).append(claim)
        by_kind.setdefault(claim.count_kind, []).append(value)
    order = sorted(sources, key=lambda s: sources[s].text.lower())
    # Where the values count different things, each kind is drawn its own way and named.
    styles = {kind: i for i, kind in enumerate(sorted(by_kind))} if len(by_kind) > 1 else {}
    values = [v for _, v, _ in groups] or [0.0]
    low, high = min(values), max(values)
    if narrow:
        width = NARROW_WIDTH
    left_edge = NARROW_LEFT if narrow else LEFT
    right = width - RIGHT
    plot = right - left_edge

    def label(claims: list[Any]) -> str:
        kinds = sorted({c.count_kind for c in claims if c.count_kind})
        text = fact.label_of(claims)
        return f"{text} {', '.join(kinds)}" if styles and kinds else text

    labels = {key: label(claims) for key, claims in groups.items()}

    # Room beside the outermost marks for their labels (about 7 pixels a character): on the left
    # for the labels of the lowest marks, which stand left of them, on the right for the others.
    def room(texts: list[str]) -> float:
        return min(plot * (0.3 if narrow else 0.42), 7.4 * max((len(t) for t in texts), default=0) + 16)

    left_labels = [t for (_, v, _), t in labels.items() if v == low and low != high]
    right_labels = [t for (_, v, _), t in labels.items() if not (v == low and low != high)]
    lo, hi = domain(low, high, plot, room(left_labels), room(right_labels))

    def x(value: float) -> float:
        return round(left_edge + plot * ((value - lo) / (hi - lo) if hi > lo else 0.5), 1)

    chars = NARROW_NAME_CHARS if narrow else NAME_CHARS
    names = {s: textwrap.wrap(sources[s].text, chars) or [""] for s in order}
    if narrow:  # the name's lines, then the row of marks below them
        heights = {s: LINE * len(names[s]) + 30 for s in order}
    else:
        heights = {s: max(34, LINE * len(names[s]) + 14) for s in order}
    tops, y = {}, HEAD
    for s in order:
        tops[s] = y
        y += heights[s]
    axis_y = y + 8

    def row_y(s: str) -> float:
        return tops[s] + LINE * len(names[s]) + 14 if narrow else tops[s] + heights[s] / 2

    marks = []
    for (source, value, bound), claims in sorted(
        groups.items(), key=lambda i: (order.index(i[0][0]), i[0][1])
    ):
        mx = x(value)
        # Beside the mark, on the side away from the range's nearer rule, unless the label would
        # run past the picture's edge there (a long label on a narrow chart).
        left_side = value == low and low != high
        text_width = 7.4 * len(labels[(source, value, bound)]) + 12
        if not left_side and mx + text_width > width and mx - text_width >= 0:
            left_side = True
        marks.append(
            {
                "source": sources[source].text,
                "source_iri": source,
                "value": value,
                "label": labels[(source, value, bound)],
                "value_label": fact.label_of(claims),
                "bound": bound,
                "arrow": {"at least": 1, "at most": -1}.get(bound, 0),
                "claims": len(claims),
                "kinds": sorted({c.count_kind for c in claims if c.count_kind}),
                "style": min((styles[c.count_kind] for c in claims), default=0) if styles else 0,
                "claim": claims[0].iri,
                "documents": sorted({c.document.text for c in claims}),
                "x": mx,
                "y": row_y(source),
                "label_x": mx - 12 if left_side else mx + 12,
                "anchor": "end" if left_side else "start",
            }
        )
    step = nice_step(hi - lo)
    ticks, tick = [], math.ceil(lo / step - 1e-9) * step
    while tick <= hi + 1e-9:
        ticks.append({"x": x(tick), "label": f"{tick:g}"})
        tick = round(tick + step, 9)
    return {
        "predicate": fact.predicate,
        "width": width,
        "height": axis_y + 30,
        "left": left_edge,
        "narrow": narrow,
        "right": right,
        "axis_y": axis_y,
        "rows": [
            {
                "lines": names[s],
                "iri": s,
                "y": row_y(s),
                "label": sources[s].text,
                # Beside the row, right-aligned before the plot; or, narrow, above it from the left.
                "label_x": left_edge if narrow else left_edge - 10,
                "label_y": tops[s] + 11 if narrow else row_y(s) + 4 - 7.5 * (len(names[s]) - 1),
                "anchor": "start" if narrow else "end",
            }
            for s in order
        ],
        "marks": marks,
        "ticks": ticks,
        "zero": x(0) if lo <= 0 <= hi else None,
        "low": low,
        "high": high,
        "low_x": x(low),
        "high_x": x(high),
        "sources": len(order),
        "ranges": [
            {
                "rule": r.rule,
                "text": r.text,
                "low_x": x(r.low) if r.low is not None else None,
                "high_x": x(r.high) if r.high is not None else None,
                "kind": r.included[0].count_kind if r.included else "",
            }
            for r in ranges
        ],
        "value_count": len({v for _, v, _ in groups}),
        "kinds": [
            {"kind": kind or "no count kind", "low": min(vs), "high": max(vs), "style": styles[kind]}
            for kind, vs in sorted(by_kind.items())
        ]
        if len(by_kind) > 1
        else [],
    }

"""What the linked-data routes and the researcher pages share: reading the store
through the app's executor, the addresses of minted IRIs, content negotiation of
RDF forms, caching from the store's last commit, and descriptions of IRIs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import pyoxigraph as ox
from flask import Response, request
from werkzeug.exceptions import NotFound

from .. import describe
from ..api import EVERY_GRAPH, DumpRequest, QueryRequest, best_match, choose_format
from ..errors import NotAcceptable
from ..export import dump, load_context, serialize
from ..formats import FORMATS
from ..store import from_ox
from .context import get_claimgraph, get_executor

HTML = "text/html"
XHTML = "application/xhtml+xml"
#: RDF formats a resource is offered in, in order of preference (the first for ``*/*``).
RDF_OFFERS = ("turtle", "ntriples", "jsonld", "rdfxml", "trig", "nquads")
#: File extensions of the alternates each page links.
EXTENSIONS = {
    "turtle": "ttl",
    "ntriples": "nt",
    "jsonld": "jsonld",
    "rdfxml": "rdf",
    "trig": "trig",
    "nquads": "nq",
}
CACHE_CONTROL = "public, max-age=60, must-revalidate"

SPECS = {fmt.name: fmt for fmt in FORMATS if fmt.is_rdf}


# ------------------------------------------------------------------ reading through the executor


def select_ox(sparql: str) -> list[Any]:
    """The rows of a SELECT, as pyoxigraph solutions, run by the app's executor."""
    cg = get_claimgraph()
    answer = get_executor().query(
        QueryRequest(sparql=sparql, format="json"), timeout=cg.settings.query_timeout
    )
    return list(ox.parse_query_results(answer.body, ox.QueryResultsFormat.JSON))


def select_table(sparql: str) -> tuple[list[str], list[Any]]:
    """A SELECT's variable names and its rows (pyoxigraph solutions), run by the app's executor."""
    cg = get_claimgraph()
    answer = get_executor().query(
        QueryRequest(sparql=sparql, format="json"), timeout=cg.settings.query_timeout
    )
    results = ox.parse_query_results(answer.body, ox.QueryResultsFormat.JSON)
    return [v.value for v in results.variables], list(results)


def select(sparql: str) -> list[dict[str, Any]]:
    """The rows of a SELECT as dicts of rdflib terms (unbound variables left out)."""
    cg = get_claimgraph()
    answer = get_executor().query(
        QueryRequest(sparql=sparql, format="json"), timeout=cg.settings.query_timeout
    )
    results = ox.parse_query_results(answer.body, ox.QueryResultsFormat.JSON)
    names = [v.value for v in results.variables]
    return [{n: from_ox(row[n]) for n in names if row[n] is not None} for row in results]


def quads_of(rows: list[Any]) -> list[ox.Quad]:
    return [
        ox.Quad(r["s"], r["p"], r["o"], r["g"] if r["g"] is not None else ox.DefaultGraph()) for r in rows
    ]


def all_quads() -> list[ox.Quad]:
    """Every quad of the store, serialised by a worker (literals exactly as stored)."""
    cg = get_claimgraph()
    answer = get_executor().query(
        DumpRequest(graph=EVERY_GRAPH, format="nquads"), timeout=cg.settings.query_timeout
    )
    return list(ox.parse(answer.body, ox.RdfFormat.N_QUADS))


# ------------------------------------------------------------------ addresses


def base_path() -> str:
    """The path of the base IRI (``/`` for ``http://host/``, ``/cg/`` for ``http://host/cg/``)."""
    return urlsplit(get_claimgraph().mint.base).path or "/"


def local_url(iri: str) -> str | None:
    """Where a minted IRI answers on this server (same host and port as the request), or None.

    ``<base>entity/x`` → ``http://<this host>/entity/x``.
    """
    base = get_claimgraph().mint.base
    if not iri.startswith(base):
        return None
    return request.host_url + iri[len(base) :]


def href(iri: str) -> str:
    """The link a page gives for an IRI: its local address when minted here, else the IRI itself."""
    return local_url(iri) or iri


def minted(rest: str) -> str:
    """The IRI a local path names: ``entity/x`` → ``<base>entity/x``."""
    return get_claimgraph().mint.base + rest


# ------------------------------------------------------------------ negotiation


def offered() -> str:
    return ", ".join([HTML, *(SPECS[name].media_type for name in RDF_OFFERS)])


def split_extension(name: str) -> tuple[str, str | None]:
    """``x.ttl`` → (``x``, ``ttl``); a name without a known extension is kept whole.

    >>> split_extension("camp-ashraf.jsonld"), split_extension("article-000")
    (('camp-ashraf', 'jsonld'), ('article-000', None))
    """
    stem, dot, ext = name.rpartition(".")
    if dot and stem and (ext == "html" or ext in EXTENSIONS.values()):
        return stem, ext
    return name, None


def wanted_format(extension: str | None, *, html: bool = True) -> str:
    """``"html"`` or an RDF format name, from the extension, ``?format=`` or ``Accept``.

    :raises NotAcceptable: listing what is offered.
    """
    explicit = extension or request.args.get("format")
    if explicit:
        if explicit.lower() in ("html", HTML) and html:
            return "html"
        try:
            fmt = choose_format("graph", "", explicit)
        except NotAcceptable:
            raise NotAcceptable(
                f"unknown format {explicit!r}; this resource is offered as {offered()}"
            ) from None
        if fmt.name not in RDF_OFFERS:
            raise NotAcceptable(f"format {explicit!r} is not offered here; ask for one of {offered()}")
        return fmt.name
    offers: list[tuple[str, str]] = []
    for name in RDF_OFFERS:
        spec = SPECS[name]
        offers += [(media, name) for media in (spec.media_type, *spec.aliases)]
    if html:
        offers += [(HTML, "html"), (XHTML, "html")]
    media = best_match(request.headers.get("Accept"), [m for m, _ in offers])
    if media is None:
        raise NotAcceptable(
            f"nothing here fits Accept: {request.headers.get('Accept')}; this resource is offered as {offered()}"
        )
    return dict(offers)[media]


def media_type(fmt: str) -> str:
    return "text/html; charset=utf-8" if fmt == "html" else f"{SPECS[fmt].media_type}; charset=utf-8"


# ------------------------------------------------------------------ caching


def last_modified() -> datetime:
    return datetime.fromtimestamp(int(get_claimgraph().marker.time), tz=UTC)


def etag(variant: str) -> str:
    return f'"{get_claimgraph().marker.tag}-{variant}"'


def not_modified(tag: str) -> bool:
    """Whether the request's conditional headers match: ``If-None-Match`` first, then ``If-Modified-Since``."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or tag in tags
    since = request.headers.get("If-Modified-Since")
    if since:
        try:
            return last_modified() <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def cached(variant: str, make: Callable[[], Response], *, links: list[tuple[str, str]] = ()) -> Response:
    """``make()``'s response with the caching headers, or 304 when the client's copy is current.

    :param variant: what the representation depends on besides the commit (its format).
    :param links: (url, media type) of the other forms, sent as ``Link: rel="alternate"``.
    """
    tag = etag(variant)
    response = Response(status=304) if not_modified(tag) else make()
    response.headers["ETag"] = tag
    response.headers["Last-Modified"] = format_datetime(last_modified(), usegmt=True)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["Vary"] = "Accept"
    if links:
        response.headers["Link"] = ", ".join(
            f'<{url}>; rel="alternate"; type="{media}"' for url, media in links
        )
    return response


def alternates(page: str) -> list[tuple[str, str, str]]:
    """(format, url, media type) of every RDF form of a page."""
    return [(name, f"{page}.{EXTENSIONS[name]}", SPECS[name].media_type) for name in RDF_OFFERS]


# ------------------------------------------------------------------ describing an IRI


def cap() -> int:
    return max(1, min(describe.DESCRIPTION_CAP, get_claimgraph().settings.max_rows - 1))


def description(iri: str) -> tuple[list[ox.Quad], bool]:
    """The quads of an IRI's description (see :mod:`claimgraph.describe`) and whether it was cut."""
    limit = cap()
    rows = select_ox(describe.description_query(iri, cap=limit))
    return quads_of(rows[:limit]), len(rows) > limit


def graph_content(graph: str) -> tuple[list[ox.Quad], bool]:
    limit = cap()
    rows = select_ox(describe.graph_query(graph, cap=limit))
    return quads_of(rows[:limit]), len(rows) > limit


def rdf_body(quads: list[ox.Quad], fmt: str, *, truncated: bool, page: str) -> bytes:
    if truncated:
        note = (
            f"This description is cut at {len(quads)} quads; the store holds more. "
            "Ask the SPARQL endpoint (/sparql) for the rest."
        )
        quads = [
            *quads,
            ox.Quad(ox.NamedNode(page), ox.NamedNode(str(describe.RDFS.comment)), ox.Literal(note)),
        ]
    context = load_context(get_claimgraph().context_path)
    return serialize(quads, fmt, context=context)


def resource_response(
    iri: str,
    *,
    page: str,
    extension: str | None,
    render: Callable[[], str],
    read: Callable[[], tuple[list[ox.Quad], bool]] | None = None,
) -> Response:
    """Answer for one IRI: the HTML ``render()`` gives, or its description in an RDF format.

    :param page: this resource's address on the server, without extension.
    :raises NotFound: when the store says nothing of it.
    """
    fmt = wanted_format(extension)
    forms = alternates(page)
    links = [(url, media) for _, url, media in forms] + [(page, HTML)]

    def make() -> Response:
        if fmt == "html":
            return Response(render(), mimetype="text/html")
        quads, truncated = (read or (lambda: description(iri)))()
        if not quads:
            raise NotFound(f"the store says nothing about <{iri}>")
        return Response(rdf_body(quads, fmt, truncated=truncated, page=page), content_type=media_type(fmt))

    response = cached(fmt, make, links=links)
    if response.status_code == 200 and fmt != "html":
        response.headers["Content-Type"] = media_type(fmt)
    return response


# ------------------------------------------------------------------ dumps and VoID

_dump_lock = threading.Lock()


def dump_bytes(name: str) -> bytes:
    """A dump of the store as it is now, built once per commit (kept in memory until the next one)."""
    cg = get_claimgraph()
    cache: dict[tuple[str, str], bytes] = cg.__dict__.setdefault("_dump_cache", {})
    key = (cg.marker.tag, name)
    with _dump_lock:
        if key not in cache:
            for old in [k for k in cache if k[0] != key[0]]:
                del cache[old]
            cache[key] = dump(
                all_quads(),
                name,
                context=load_context(cg.context_path),
                mint=cg.mint,
                root=request.host_url,
                license=cg.settings.data_license,
            )
        return cache[key]

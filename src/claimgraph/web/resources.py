"""What the linked-data routes and the researcher pages share: reading the store
through the app's executor, the addresses of minted IRIs, content negotiation of
RDF forms, caching from the store's last commit, and descriptions of IRIs.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urlsplit

from flask import Response, request
from rdflib.term import Node
from werkzeug.exceptions import NotFound

from ..api import Description, Reader, absolute_iri, best_match, choose_format
from ..errors import NotAcceptable
from ..formats import FORMATS
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


def get_reader() -> Reader:
    """What this request reads through the app's executor (:meth:`claimgraph.api.Claimgraph.reader`)."""
    return get_claimgraph().reader(get_executor())


def select(sparql: str) -> list[dict[str, Node]]:
    """The rows of a SELECT as dicts of rdflib terms (unbound variables left out)."""
    return get_reader().select(sparql)


def read_named_queries() -> None:
    """Bring the corpora's named queries up to the store's last commit (read through the executor)."""
    get_claimgraph().read_named_queries(select)


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
    """The IRI a local path names: ``entity/x`` → ``<base>entity/x``.

    :raises NotFound: when that is no IRI (``entity/a b``): nothing in the store has it.
    """
    iri = get_claimgraph().mint.base + rest
    try:
        return absolute_iri(iri)
    except ValueError:
        raise NotFound(f"no resource here: <{iri}> is not an IRI") from None


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
    """The entity tag of a representation at the current commit.

    A variant that holds a client's text (a search) is hashed: a header may not hold a
    line break or a quote, and the tag must not echo the request.
    """
    if not _PLAIN.fullmatch(variant):
        variant = hashlib.sha256(variant.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f'"{get_claimgraph().marker.tag}-{variant}"'


_PLAIN = re.compile(r"[A-Za-z0-9._+-]*")


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


def resource_response(
    iri: str,
    *,
    page: str,
    extension: str | None,
    render: Callable[[], str],
    read: Callable[[Reader], Description] | None = None,
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
        reader = get_reader()
        found = read(reader) if read is not None else reader.description(iri)
        if not found:
            raise NotFound(f"the store says nothing about <{iri}>")
        return Response(reader.rdf(found, fmt, page=page), content_type=media_type(fmt))

    response = cached(fmt, make, links=links)
    if response.status_code == 200 and fmt != "html":
        response.headers["Content-Type"] = media_type(fmt)
    return response


# ------------------------------------------------------------------ dumps and VoID


def dump_bytes(name: str) -> bytes:
    """A dump of the store as it is now, as published on this host (built once per commit)."""
    return get_reader().dump(name, root=request.host_url)

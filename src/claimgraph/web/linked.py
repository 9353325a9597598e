"""Linked data: every IRI claimgraph mints answers, as HTML for people and as RDF for programs.

Routes match by path under the base IRI (``<base>entity/x`` answers at
``/entity/x`` on whatever host and port the server runs, and also under the
base IRI's own path when it has one), so the pages work behind any address.

* ``/entity/<id>``, ``/document/<id>``, ``/corpus/<name>``, ``/claim/<digest>`` (its ``#evidence``,
  ``#quote``, ``#position`` and ``#step-N`` are in its description),
  ``/consensus/<id>``, ``/.well-known/genid/<id>``, ``/nanopub/<digest>``;
* ``/ns`` (the vocabulary, where ``cg:`` terms are described) and ``/shapes``;
* ``/graph/<path>`` in a browser (programs get the Graph Store protocol);
* ``/dumps/<file>`` and ``/.well-known/void``.

Formats: HTML, Turtle, N-Triples, JSON-LD (compacted with the project's
context), RDF/XML, TriG and N-Quads, chosen by ``Accept``, by a file extension
(``/entity/x.ttl``) or by ``?format=``; 406 with the list otherwise. Every
answer carries ``ETag`` and ``Last-Modified`` from the store's last commit
(:attr:`claimgraph.api.Claimgraph.marker`), ``Cache-Control`` and ``Vary:
Accept``, and answers a matching ``If-None-Match`` or ``If-Modified-Since``
with 304; every page links its RDF forms (``Link: rel="alternate"``).

All reads go through the app's query executor, as ``/sparql``'s do.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, request
from werkzeug.exceptions import NotFound

from ..api import EXPORT_FORMATS as DUMPS
from ..api import GZIP, Description, Reader, best_match, dump_file, gzipped
from .context import get_claimgraph
from .pages import render_corpus, render_dumps, render_graph, render_resource, render_vocabulary, render_void
from .resources import (
    EXTENSIONS,
    HTML,
    RDF_OFFERS,
    SPECS,
    base_path,
    cached,
    dump_bytes,
    minted,
    resource_response,
    split_extension,
    wanted_format,
)

blueprint = Blueprint("linked", __name__)


# ------------------------------------------------------------------ routes


def _page_for(kind: str, name: str) -> tuple[str, str, str | None]:
    stem, ext = split_extension(name)
    rest = f"{kind}/{stem}"
    return minted(rest), request.host_url + rest, ext


def _render(kind: str, iri: str) -> Callable[[], str]:

    return lambda: render_resource(kind, iri)


@blueprint.route("/entity/<path:name>")
def entity(name: str) -> Response:
    iri, page, ext = _page_for("entity", name)
    return resource_response(iri, page=page, extension=ext, render=_render("entity", iri))


@blueprint.route("/document/<name>")
def document(name: str) -> Response:
    iri, page, ext = _page_for("document", name)
    return resource_response(iri, page=page, extension=ext, render=_render("document", iri))


@blueprint.route("/claim/<name>")
def claim(name: str) -> Response:
    iri, page, ext = _page_for("claim", name)
    return resource_response(iri, page=page, extension=ext, render=_render("claim", iri))


@blueprint.route("/consensus/<name>")
def consensus(name: str) -> Response:
    iri, page, ext = _page_for("consensus", name)
    return resource_response(iri, page=page, extension=ext, render=_render("resource", iri))


@blueprint.route("/corpus/<name>")
def corpus(name: str) -> Response:
    """A corpus: its documents, the entities it declares, the writes that touched it."""
    iri, page, ext = _page_for("corpus", name)
    return resource_response(iri, page=page, extension=ext, render=lambda: render_corpus(iri))


@blueprint.route("/.well-known/genid/<name>")
def genid(name: str) -> Response:
    iri, page, ext = _page_for(".well-known/genid", name)
    return resource_response(iri, page=page, extension=ext, render=_render("resource", iri))


@blueprint.route("/nanopub/<name>")
def nanopub(name: str) -> Response:
    """One claim's nanopublication (its four graphs); HTML points at the claim's page."""
    iri, page, ext = _page_for("nanopub", name)
    claim_iri = minted(f"claim/{split_extension(name)[0]}")

    if ext is None and request.args.get("format") is None and wanted_format(None) == "html":
        extension: str | None = "html"
    else:
        extension = ext
    if extension == "html":
        return resource_response(claim_iri, page=page, extension="html", render=_render("claim", claim_iri))
    return resource_response(
        iri,
        page=page,
        extension=extension,
        render=_render("claim", claim_iri),
        read=lambda reader: reader.nanopublication(claim_iri),
    )


@blueprint.route("/ns")
@blueprint.route("/ns.<ext>")
def vocabulary(ext: str | None = None) -> Response:
    """The vocabulary where ``cg:`` points (``https://w3id.org/claimgraph/ns#``), from the store's ontology graph."""
    return _vocabulary("ns", get_claimgraph().mint.ontology_graph, ext)


@blueprint.route("/shapes")
@blueprint.route("/shapes.<ext>")
def shapes(ext: str | None = None) -> Response:
    """The SHACL shapes (``https://w3id.org/claimgraph/shapes#``), from the store's shapes graph."""
    return _vocabulary("shapes", get_claimgraph().mint.shapes_graph, ext)


def _vocabulary(name: str, graph: str, ext: str | None) -> Response:

    if ext is not None and ext not in EXTENSIONS.values() and ext != "html":
        raise NotFound(f"no /{name}.{ext}; try {', '.join(EXTENSIONS.values())}")
    page = request.host_url + name
    return resource_response(
        str(graph),
        page=page,
        extension=ext,
        render=lambda: render_vocabulary(name, str(graph)),
        read=lambda reader: reader.graph(str(graph)),
    )


@blueprint.before_app_request
def graph_page() -> Response | None:
    """``/graph/<path>`` in a browser is a page about the graph; programs get the Graph Store protocol."""
    if request.method not in ("GET", "HEAD"):
        return None
    prefix = next((p for p in _prefixes() if request.path.startswith(p + "graph/")), None)
    if prefix is None:
        return None
    explicit = request.args.get("format")
    if explicit and explicit.lower() not in ("html", HTML):
        return None  # ``?format=ttl``: the graph itself, in that form
    # HTML last: ``*/*`` (or no Accept) gets Turtle, as every other IRI does; a browser names HTML.
    if (
        not explicit
        and best_match(request.headers.get("Accept"), [*(SPECS[n].media_type for n in RDF_OFFERS), HTML])
        != HTML
    ):
        return None

    rest = request.path[len(prefix) :]
    iri = minted(rest)
    return cached("html", lambda: Response(render_graph(iri), mimetype="text/html"))


def _prefixes() -> list[str]:
    """``/`` and, when the base IRI has a path, that path (``/cg/``)."""
    path = base_path()
    return ["/"] if path == "/" else ["/", path]


@blueprint.route("/dumps/<file>")
def dumps(file: str) -> Response:
    """The whole store at a stable URL: ``/dumps/claimgraph.trig`` (``.nq``, ``.ttl``, ``.jsonld``,
    ``-rdf12.nq``), ``/dumps/nanopubs.trig``, each also as ``….gz``."""
    found = dump_file(file)
    if found is None:
        names = ", ".join(f"{f.file}[.gz]" for f in DUMPS.values())
        raise NotFound(f"no dump {file!r}; there are {names}")
    name, compressed = found

    def make() -> Response:
        data = dump_bytes(name)
        if compressed:
            response = Response(gzipped(data), mimetype=GZIP)
        else:
            response = Response(data, content_type=f"{DUMPS[name].media_type}; charset=utf-8")
        response.headers["Content-Disposition"] = f'inline; filename="{file}"'
        return response

    return cached(file + request.host_url, make)


@blueprint.route("/dumps/")
@blueprint.route("/dumps")
def dump_index() -> Response:

    return cached("html" + request.host_url, lambda: Response(render_dumps(), mimetype="text/html"))


@blueprint.route("/.well-known/void")
@blueprint.route("/.well-known/void.<ext>")
def void(ext: str | None = None) -> Response:
    """The VoID and DCAT description of the dataset (Turtle by default; HTML for a browser)."""

    page = request.host_url + ".well-known/void"
    root = request.host_url

    def read(reader: Reader) -> Description:
        return reader.void(root=root)

    return resource_response(page, page=page, extension=ext, render=render_void, read=read)


def register(app: Flask) -> None:
    """Serve the routes at ``/`` and, when the base IRI has a path, under it too."""
    app.register_blueprint(blueprint)
    path = urlsplit(app.extensions["claimgraph"]["claimgraph"].mint.base).path.rstrip("/")
    if path:
        app.register_blueprint(blueprint, url_prefix=path, name="linked_under_base")

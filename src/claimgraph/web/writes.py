"""The write edge: SPARQL Update, the Graph Store HTTP Protocol and the claims API.

Reading is open to everyone; every write needs ``Authorization: Bearer <token>``
with the operator's ``CLAIMGRAPH_TOKEN`` or a curator's token (no operator token
and no curator: writes are off, 403; an unknown token 401, a revoked one 403). The
token is checked again inside the write, against the curators as the store holds
them then, and the write is recorded in the store's history as that curator's, with
the ``reason`` query parameter or form field. Every write runs through the executor's ``write`` (no query worker runs
beside it) and through the application's write methods, which all go through
the one write path (:mod:`claimgraph.changes`): it refuses with 422 any change
that would break a shape or put an unsourced assertion in the store, and writes
nothing then.

Blank nodes are stored as skolem IRIs (``<base>.well-known/genid/…``); a graph
read through the Graph Store gives them back as blank nodes.

Endpoints:

* ``POST /update`` — SPARQL Update (``update=`` form field or
  ``application/sparql-update`` body); ``/sparql`` calls :func:`handle_update`.
* ``/rdf-graph-store?graph=<iri>`` / ``?default`` — GET, HEAD, PUT, POST, DELETE;
  POST to ``/rdf-graph-store`` itself makes a new graph (201 + Location);
  GET of it dumps the whole store (TriG, N-Quads or JSON-LD).
* ``/graph/<path>`` — the same, for the graph named ``<base>graph/<path>``.
* ``POST /claims`` — a claim sheet (YAML, or multipart with ``sheet``,
  ``document``, ``corpus``), claims as Turtle / N-Triples / JSON-LD / RDF/XML, or one
  claim as a JSON object without ``@`` keys (the annotation page's; :mod:`claimgraph.annotation`).
* ``DELETE /claims/<document-id>`` (or ``/documents/<document-id>``) — withdraw a
  document's claims.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Response, json, request
from rdflib import URIRef

from .. import formats
from ..api import (
    EVERY_GRAPH,
    UPLOAD_FORMATS,
    DumpRequest,
    SheetUpload,
    Triple,
    WriteReport,
    absolute_iri,
    parse_upload,
)
from ..errors import BadRdf, ClaimgraphError, Forbidden, NotFound, QueryError, Unauthorized, UnsupportedFormat
from .context import get_claimgraph, get_executor
from .errors import error_response
from .resources import SPECS, cached, wanted_format

blueprint = Blueprint("writes", __name__)

GSP_METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE"]
YAML_TYPES = {"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"}

# ---------------------------------------------------------------- access


def bearer() -> str | None:
    """The request's bearer token, if it has one."""
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return given.strip() or None if scheme.lower() == "bearer" else None


def denied_response(exc: ClaimgraphError) -> Response:
    """The 401 or 403 for a write that may not be made (the one error shape)."""
    response = error_response(exc.status or 403, exc.code, str(exc))
    if isinstance(exc, Unauthorized):
        response.headers["WWW-Authenticate"] = 'Bearer realm="claimgraph"'
    return response


def check_token() -> Response | None:
    """None when the request may write; otherwise the 403 or 401 response to send.

    Checked before the body is read, against the curators as of the last commit; the write
    checks again inside (see :func:`_write`).
    """
    cg = get_claimgraph()
    try:
        cg.check_token(bearer(), cg.reader(get_executor()).select)
    except (Unauthorized, Forbidden) as exc:
        return denied_response(exc)
    return None


def write_access(view: Callable[..., Response]) -> Callable[..., Response]:
    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Response:
        denied = check_token()
        return denied if denied is not None else view(*args, **kwargs)

    return guarded


def _write(action: Callable[[Any], WriteReport]) -> WriteReport:
    """Run a write of the application object (which commits and records it) with no reader
    beside it, as the curator whose token the request carries (checked against the store as
    the write finds it), for the request's ``reason``."""
    cg = get_claimgraph()
    token = bearer()
    reason = request.values.get("reason")

    def guarded(store: Any) -> WriteReport:
        curator = cg.authenticate(store, token)
        with cg.acting(curator, reason):
            return action(store)

    return get_executor().write(guarded)


def _json(body: dict[str, Any], status: int) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


# ---------------------------------------------------------------- SPARQL Update


def handle_update(sparql: str | None = None) -> Response:
    """Answer a SPARQL Update request; ``/sparql`` calls this for update requests.

    :param sparql: the update text, when the caller has read it already; otherwise
        it is read from the ``update`` form field or an ``application/sparql-update`` body.
    :returns: 200 with JSON ``{"added", "removed", "claims", "removed_claims"}``;
        405 for a GET; 403/401 without write access; 400 for a syntax error,
        ``LOAD``, ``SERVICE``, or ``using-graph-uri`` beside ``USING``/``WITH``; 422 with the SHACL report
        when the result would break a shape (nothing is written).
    """
    if request.method != "POST":
        response = error_response(405, "method-not-allowed", "a SPARQL Update must be sent with POST")
        response.headers["Allow"] = "POST"
        return response
    denied = check_token()
    if denied is not None:
        return denied
    if sparql is None:
        if request.mimetype == "application/sparql-update":
            sparql = request.get_data(as_text=True)
        elif "update" in request.form:
            sparql = request.form["update"]
        else:
            raise QueryError(
                "no update given: send an update= form field or an application/sparql-update body"
            )
    using = request.values.getlist("using-graph-uri")
    using_named = request.values.getlist("using-named-graph-uri")
    cg = get_claimgraph()
    base = request.base_url  # relative IRIs in an update resolve against the endpoint (SPARQL 1.1 Protocol)
    report = _write(
        lambda store: cg.update(store, sparql, base_iri=base, using=using, using_named=using_named)
    )
    return _json(report.as_dict(), 200)


@blueprint.route("/update", methods=["GET", "POST"])
def update() -> Response:
    return handle_update()


# ---------------------------------------------------------------- Graph Store HTTP Protocol


@blueprint.route("/rdf-graph-store", methods=GSP_METHODS)
def graph_store() -> Response:
    if "graph" in request.args and "default" in request.args:
        raise QueryError("give ?graph= or ?default, not both")
    if "graph" in request.args:
        return _graph_operation(_graph_iri(request.args["graph"]))
    if "default" in request.args:
        return _graph_operation(None)
    if request.method in ("GET", "HEAD"):
        return _dataset()
    if request.method == "POST":
        return _create_graph()
    raise QueryError(f"{request.method} needs a graph: add ?graph=<iri> or ?default")


@blueprint.route("/graph/<path:rest>", methods=GSP_METHODS)
def direct_graph(rest: str) -> Response:
    iri = str(get_claimgraph().mint.graph(rest))
    try:
        graph = URIRef(absolute_iri(iri))
    except ValueError:
        raise NotFound(f"no graph here: <{iri}> is not an IRI") from None
    return _graph_operation(graph)


def _graph_iri(text: str) -> URIRef:
    try:
        return URIRef(absolute_iri(text))
    except ValueError as exc:
        raise QueryError(f"?graph= is not an absolute IRI: {exc}") from None


def _graph_operation(graph: URIRef | None) -> Response:
    if request.method in ("GET", "HEAD"):
        return _dump(None if graph is None else str(graph))
    denied = check_token()
    if denied is not None:
        return denied
    cg = get_claimgraph()
    if request.method == "DELETE":
        _write(lambda store: cg.delete_graph(store, graph))
        return Response(status=204)
    triples = _uploaded_triples(str(graph) if graph is not None else cg.mint.base)
    operation = cg.put_graph if request.method == "PUT" else cg.post_graph
    report = _write(lambda store: operation(store, graph, triples))
    return Response(status=201 if report.created and graph is not None else 204)


def _create_graph() -> Response:
    denied = check_token()
    if denied is not None:
        return denied
    cg = get_claimgraph()
    graph = cg.new_graph_iri()
    triples = _uploaded_triples(str(graph))
    _write(lambda store: cg.post_graph(store, graph, triples))
    response = Response(status=201)
    response.headers["Location"] = str(graph)
    return response


def _uploaded_triples(base_iri: str) -> list[Triple]:
    if request.mimetype == "multipart/form-data":
        triples: list[Triple] = []
        for _name, part in request.files.items(multi=True):
            media = part.mimetype
            if media not in UPLOAD_FORMATS and part.filename:
                # Else parse_upload names the media type it cannot read.
                with contextlib.suppress(LookupError):
                    media = formats.by_extension(part.filename.rsplit(".", 1)[-1], "graph").media_type
            triples += parse_upload(part.read(), media, base_iri=base_iri)
        return triples
    return parse_upload(request.get_data(), request.mimetype, base_iri=base_iri)


def _dump(graph: str | None) -> Response:
    """A graph (None: the default graph; EVERY_GRAPH: the store) serialised by the store, through the
    executor; with the ETag and Last-Modified of the commit (304 when the client's copy is current)."""
    accept = request.headers.get("Accept", "")
    if request.args.get("format"):  # a link cannot set Accept: ?format=ttl names the form instead
        accept = SPECS[wanted_format(None, html=False)].media_type

    def make() -> Response:
        answer = get_executor().query(
            DumpRequest(graph=graph, accept=accept, skolem=get_claimgraph().mint.skolem("")),
            timeout=get_claimgraph().settings.query_timeout,
        )
        response = Response(answer.body, status=200)
        response.headers["Content-Type"] = f"{answer.media_type}; charset=utf-8"
        return response

    variant = hashlib.sha256(f"{graph}\n{accept}".encode()).hexdigest()[:16]
    return cached("graph-" + variant, make)


def _dataset() -> Response:
    return _dump(EVERY_GRAPH)


# ---------------------------------------------------------------- claims


@blueprint.route("/claims", methods=["POST"])
@write_access
def post_claims() -> Response:
    cg = get_claimgraph()
    media = request.mimetype
    claim = _json_claim() if media == "application/json" else None
    if claim is not None:
        report = _write(lambda store: cg.add_claim(store, claim))
    elif media in YAML_TYPES or media == "multipart/form-data":
        upload = _sheet_upload()
        report = _write(lambda store: cg.add_sheet(store, upload))
    elif media in UPLOAD_FORMATS:
        triples = parse_upload(request.get_data(), media, base_iri=cg.mint.base)
        report = _write(lambda store: cg.add_claims_rdf(store, triples))
    else:
        raise UnsupportedFormat(
            f"cannot read {media or 'a body without Content-Type'} as claims; send a claim sheet "
            f"(application/yaml or multipart/form-data) or one of {', '.join(UPLOAD_FORMATS)}"
        )
    return _json(report.as_dict(), 201 if report.added else 200)


def _json_claim() -> dict[str, Any] | None:
    """One claim as a JSON object (the annotation page's), or None for JSON-LD: an object with
    no ``@`` key says nothing in JSON-LD, so that no JSON-LD upload is read as a claim."""
    try:
        body = json.loads(request.get_data(as_text=True))
    except (ValueError, RecursionError):  # JSON-LD's reader says what is wrong with it
        return None
    if isinstance(body, dict) and body and not any(str(k).startswith("@") for k in body):
        return body
    return None


def _text(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRdf(f"{what} is not UTF-8 (byte {exc.start})") from None


def _sheet_upload() -> SheetUpload:
    if request.mimetype != "multipart/form-data":
        return SheetUpload(
            sheet=_text(request.get_data(), "the sheet"), name=request.args.get("name", "sheet.yaml")
        )

    def field(name: str) -> tuple[bytes | None, str | None]:
        if name in request.files:
            part = request.files[name]
            return part.read(), part.filename
        if name in request.form:
            return request.form[name].encode("utf-8"), None
        return None, None

    sheet, sheet_name = field("sheet")
    if sheet is None:
        raise QueryError("multipart upload without a 'sheet' field")
    document, _ = field("document")
    corpus, _ = field("corpus")
    return SheetUpload(
        sheet=_text(sheet, "the sheet"),
        name=sheet_name or "sheet.yaml",
        document=document,
        corpus=_text(corpus, "corpus.yaml") if corpus is not None else None,
        corpus_name=request.form.get("corpus_name"),
    )


@blueprint.route("/claims/<document_id>", methods=["DELETE"])
@blueprint.route("/documents/<document_id>", methods=["DELETE"])
@write_access
def withdraw_document(document_id: str) -> Response:
    cg = get_claimgraph()
    report = _write(lambda store: cg.withdraw(store, document_id))
    body = {"document": str(cg.mint.document(document_id)), "withdrawn": report.removed_claims}
    return _json({**body, **report.as_dict()}, 200)

"""The annotation page: a document in annotate mode, for curators; and adding a document.

The page is the document's text with its claims highlighted and a claim form beside it
(``static/annotate.js``): select a passage, pick what it claims, submit. It reads what it
offers through JSON endpoints open to everyone (the store is public to read), and writes
only through the guarded write path, with the curator's token that the page asks for once
and keeps in the browser's session storage (never in a URL):

* ``GET /document/<id>/annotate`` — the page.
* ``GET /document/<id>/annotate.json`` — the document's text and its claims with offsets.
* ``GET /document/<id>/drafts`` — the drafting assistant's proposals for it (JSON).
* ``GET /suggest?kind=entity|agent|property|count_kind&q=…`` — at most 20 matches (JSON).
* ``POST /claims`` with one claim as JSON — see :mod:`claimgraph.web.writes`.
* ``GET /documents/new`` — the form to add a document; ``POST /documents`` adds it (a
  curator's token; multipart with a ``file``, or a ``text`` and its file ``name``).
"""

from __future__ import annotations

from flask import Blueprint, Response, json, render_template, request, url_for

from ..api import QUALIFIER_FIELDS, DocumentUpload
from ..errors import QueryError
from .context import get_claimgraph
from .resources import select
from .writes import _write, write_access

blueprint = Blueprint("annotate", __name__)


def _json(body: object, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


@blueprint.route("/document/<ident>/annotate")
def annotate_page(ident: str) -> Response:
    cg = get_claimgraph()
    document = cg.annotation_document(select, ident)
    html = render_template(
        "annotate.html",
        document=document,
        iri=str(cg.mint.document(ident)),
        qualifiers=[q for q in QUALIFIER_FIELDS if q != "count_kind"],
        base=cg.mint.base,
    )
    return Response(html, mimetype="text/html")


@blueprint.route("/document/<ident>/annotate.json")
def annotate_data(ident: str) -> Response:
    cg = get_claimgraph()
    document = cg.annotation_document(select, ident)
    return _json(
        {
            "document": document.id,
            "iri": str(cg.mint.document(ident)),
            "text": document.text,
            "creator": document.creator,
            "claims": cg.annotation_claims(select, ident),
        }
    )


@blueprint.route("/document/<ident>/drafts")
def drafts(ident: str) -> Response:
    return _json(get_claimgraph().annotation_drafts(select, ident))


@blueprint.route("/suggest")
def suggest() -> Response:
    kind = request.args.get("kind", "entity")
    return _json(
        {"kind": kind, "suggestions": get_claimgraph().suggest(select, kind, request.args.get("q", ""))}
    )


@blueprint.route("/documents/new")
def new_document_page() -> Response:
    return Response(render_template("add_document.html"), mimetype="text/html")


@blueprint.route("/documents", methods=["POST"])
@write_access
def add_document() -> Response:
    cg = get_claimgraph()
    form = request.form
    if "file" in request.files and request.files["file"].filename:
        part = request.files["file"]
        data, name = part.read(), part.filename or ""
    elif form.get("text", "").strip():
        data, name = form["text"].replace("\r\n", "\n").encode("utf-8"), form.get("name", "")
    else:
        raise QueryError("send a file (multipart field 'file') or pasted text (fields 'text' and 'name')")
    upload = DocumentUpload(
        data=data,
        name=name,
        ident=form.get("id"),
        creator=form.get("creator"),
        title=form.get("title"),
        date=form.get("date"),
        language=form.get("language"),
        corpus=form.get("corpus"),
    )
    report, ident = _write(lambda store: cg.add_document_upload(store, upload))
    body = report.as_dict()
    body["document"] = str(cg.mint.document(ident))
    body["annotate"] = url_for("annotate.annotate_page", ident=ident)
    return _json(body, 201)

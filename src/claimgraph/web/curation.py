"""The curation edge: corpora sent to the running server, and its curators.

Every request here needs a token (see :mod:`claimgraph.web.writes`); the curators are
administered with the operator's token only.

* ``POST /uploads?corpus=NAME`` — open a staging area for a corpus folder → ``201 {"upload": id}``.
* ``PUT /uploads/<id>/<file>`` — stage one file of it (sent again, it replaces itself) → ``204``.
* ``GET /uploads/<id>`` — the files staged so far (a client resumes from there).
* ``POST /uploads/<id>/load`` (``replace=1``, ``reason=…``) — validate and commit the corpus
  whole, as ``claimgraph load`` does → ``201`` with the report, or ``422`` with every problem
  (sheet and line) and nothing written; ``POST /uploads/<id>/validate`` checks it against the
  store without writing → ``200``.
* ``POST /corpora?corpus=NAME`` — the same in one multipart request (one part per file).
* ``GET /curators``, ``POST /curators`` (``{"name": …}`` → its token, shown once),
  ``DELETE /curators/<name>`` (revoke).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, json, request

from ..api import Curator, WriteReport
from ..errors import Forbidden, QueryError
from .context import get_claimgraph, get_executor
from .writes import _write, bearer, write_access

blueprint = Blueprint("curation", __name__)


def _json(body: dict[str, Any], status: int) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _report(report: WriteReport, **extra: Any) -> dict[str, Any]:
    return {**extra, **report.as_dict(), "summary": str(report)}


# ---------------------------------------------------------------- corpora


@blueprint.route("/uploads", methods=["POST"])
@write_access
def open_upload() -> Response:
    upload = get_claimgraph().uploads.open(request.args.get("corpus", ""))
    return _json({"upload": upload, "corpus": request.args.get("corpus")}, 201)


@blueprint.route("/uploads/<upload>", methods=["GET"])
@write_access
def upload_files(upload: str) -> Response:
    return _json({"upload": upload, "files": get_claimgraph().uploads.files(upload)}, 200)


@blueprint.route("/uploads/<upload>/<name>", methods=["PUT"])
@blueprint.route("/uploads/<upload>/queries/<query>", methods=["PUT"])
@write_access
def put_file(upload: str, name: str = "", query: str = "") -> Response:
    """Stage a file of the corpus folder, or a named query of its ``queries/`` folder."""
    get_claimgraph().uploads.put(upload, f"queries/{query}" if query else name, request.get_data())
    return Response(status=204)


@blueprint.route("/uploads/<upload>/<action>", methods=["POST"])
@write_access
def finish_upload(upload: str, action: str) -> Response:
    if action not in ("load", "validate"):
        raise QueryError(f"POST /uploads/<id>/{action}: use load or validate")
    return _finish(upload, action)


@blueprint.route("/corpora", methods=["POST"])
@write_access
def post_corpus() -> Response:
    cg = get_claimgraph()
    if request.mimetype != "multipart/form-data":
        raise QueryError("send a corpus as multipart/form-data, one part per file of its folder")
    upload = cg.uploads.open(request.args.get("corpus", ""))
    try:
        for part in request.files.getlist("file") or list(request.files.values()):
            cg.uploads.put(upload, part.filename or "", part.read())
        return _finish(upload, request.args.get("action", "load"))
    finally:
        cg.uploads.close(upload)  # one request: nothing to resume


def _finish(upload: str, action: str) -> Response:
    cg = get_claimgraph()
    folder = cg.uploads.folder(upload)
    replace = request.args.get("replace", "") in ("1", "true", "yes")
    if action == "validate":
        claims = _write(lambda store: cg.validate(folder, store=store, replace=replace))
        return _json({"corpus": folder.name, "conforms": True, "claims": claims}, 200)
    report = _write(lambda store: cg.load(store, folder, replace=replace))
    cg.uploads.close(upload)
    return _json(_report(report, corpus=folder.name), 201 if report.added or report.removed else 200)


# ---------------------------------------------------------------- curators


def _as_operator(action: Any) -> Any:
    """Run a curators' write, which only the operator's token may make."""
    cg = get_claimgraph()

    def guarded(store: Any) -> Any:
        curator = cg.authenticate(store, bearer())
        if not curator.is_operator:
            raise Forbidden("the curators are administered with the operator's token (CLAIMGRAPH_TOKEN)")
        with cg.acting(curator, request.values.get("reason")):
            return action(store)

    return get_executor().write(guarded)


def _curator(curator: Curator) -> dict[str, Any]:
    return curator.as_dict()


@blueprint.route("/curators", methods=["GET"])
@write_access
def list_curators() -> Response:
    cg = get_claimgraph()
    curators = _as_operator(cg.curators)
    return _json({"curators": [_curator(c) for c in curators]}, 200)


@blueprint.route("/curators", methods=["POST"])
@write_access
def add_curator() -> Response:
    cg = get_claimgraph()
    body = request.get_json(silent=True) if request.is_json else None
    name = (body or {}).get("name") or request.values.get("name", "")
    curator, token = _as_operator(lambda store: cg.add_curator(store, str(name)))
    return _json({**_curator(curator), "token": token}, 201)


@blueprint.route("/curators/<name>", methods=["DELETE"])
@write_access
def revoke_curator(name: str) -> Response:
    cg = get_claimgraph()
    curator = _as_operator(lambda store: cg.revoke_curator(store, name))
    return _json(_curator(curator), 200)

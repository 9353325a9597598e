"""The SPARQL 1.1 Protocol at ``/sparql``, named queries at ``/queries/``, the vocabulary at ``/ontology/``.

Query operations (SPARQL 1.1 Protocol §2.1):

* ``GET /sparql?query=…``
* ``POST /sparql`` with ``application/x-www-form-urlencoded`` (``query=…``)
* ``POST /sparql`` with ``application/sparql-query`` (the query is the body)

each with any number of ``default-graph-uri`` and ``named-graph-uri``. This
module only translates the request into one :class:`claimgraph.api.QueryRequest`;
the one inspection of :mod:`claimgraph.sparqltext`, in the worker, decides the
dataset: when the request names no graph (neither by parameter nor by ``FROM``),
the default graph is the union of all graphs, like Fuseki's ``unionDefaultGraph``.
A graph that is named must be one the store holds: this server never fetches a
graph from the web, so naming another is refused with 400.

Update operations (``update=`` or ``application/sparql-update``) are checked
for protocol errors here and handed to :func:`claimgraph.web.writes.handle_update`.

``GET /sparql`` without a query answers with the SPARQL service description
(Turtle, JSON-LD… by ``Accept``); a browser gets the query page instead.

Every response is readable by browser clients on other origins
(``Access-Control-Allow-Origin: *``, never with credentials).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import unquote_to_bytes

from flask import Blueprint, Response, abort, request, send_from_directory, url_for
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, Namespace
from werkzeug.exceptions import BadRequest, NotFound, UnsupportedMediaType

from .. import formats
from ..api import METADATA_GRAPH, QueryRequest, best_match, choose_format
from ..errors import QueryError
from .context import get_claimgraph, get_executor
from .pages import queries_page, query_page
from .resources import CACHE_CONTROL, etag, last_modified, not_modified, read_named_queries
from .writes import handle_update

blueprint = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
QUERY_DIRECT = "application/sparql-query"
UPDATE_DIRECT = "application/sparql-update"
#: Parameters by which clients name a result format (SPARQLWrapper sends all three).
FORMAT_PARAMS = ("format", "output", "results")
#: The only charsets a SPARQL body may declare: the media types are UTF-8 only.
UTF8_CHARSETS = {"utf-8", "utf8", "us-ascii"}
HTML = "text/html"
FORM_RESULTS = "application/sparql-results+json"

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS_NS = Namespace(formats.W3C)

#: Files of ``ontology_dir`` served at ``/ontology/<name>``, with their media types.
ONTOLOGY_FILES = {
    "claimgraph.ttl": "text/turtle",
    "shapes.ttl": "text/turtle",
    "context.jsonld": "application/ld+json",
}

PROVENANCE_GUARANTEE = (
    "Every claim (cg:Claim) in this store has exactly one source document (prov:wasDerivedFrom), "
    "one claimant (prov:wasAttributedTo) and a quote found verbatim in that document "
    "(cg:evidence with an oa:TextQuoteSelector and an oa:TextPositionSelector). "
    "The SHACL shapes this service conforms to refuse any claim without them."
)

# --- reading a protocol request -------------------------------------------------------------------


@dataclass
class Operation:
    """One protocol request: a query, an update, or neither (the service description)."""

    kind: str  # "query", "update" or "none"
    text: str | None = None
    params: dict[str, list[str]] = field(default_factory=dict)

    def first(self, name: str) -> str | None:
        values = self.params.get(name)
        return values[0] if values else None

    def explicit_format(self) -> str | None:
        values = [v for name in FORMAT_PARAMS for v in self.params.get(name, []) if v.strip()]
        return ",".join(values) or None


def read_params(raw: bytes, where: str) -> dict[str, list[str]]:
    """Decode ``application/x-www-form-urlencoded`` bytes strictly as UTF-8.

    :raises BadRequest: when a value is not UTF-8 (werkzeug would replace the bytes silently).

    >>> read_params(b"query=ASK%20%7B%7D&default-graph-uri=a&default-graph-uri=b", "URL")
    {'query': ['ASK {}'], 'default-graph-uri': ['a', 'b']}
    >>> read_params(b"q=%C3%A9t%C3%A9+x&empty=&flag", "URL")
    {'q': ['été x'], 'empty': [''], 'flag': ['']}
    """
    params: dict[str, list[str]] = {}
    for pair in raw.split(b"&"):
        if not pair:
            continue
        key, _, value = pair.partition(b"=")
        try:
            name = unquote_to_bytes(key.replace(b"+", b" ")).decode("utf-8")
            params.setdefault(name, []).append(unquote_to_bytes(value.replace(b"+", b" ")).decode("utf-8"))
        except UnicodeDecodeError:
            raise BadRequest(
                f"the {where} is not valid UTF-8 (percent-encoded bytes must be UTF-8)"
            ) from None
    return params


def decode_body(raw: bytes, what: str) -> str:
    """A direct POST body: UTF-8 only, as the ``application/sparql-query`` and ``-update`` types say.

    :raises UnsupportedMediaType: for a declared charset other than UTF-8.
    :raises BadRequest: for bytes that are not UTF-8.
    """
    charset = request.mimetype_params.get("charset")
    if charset is not None and charset.strip().lower() not in UTF8_CHARSETS:
        raise UnsupportedMediaType(
            f"{request.mimetype} bodies are UTF-8 only (SPARQL 1.1 Query §C, Update §A); got charset={charset}"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(
            f"the {what} in the request body is not valid UTF-8: {exc.reason} at byte {exc.start}"
        ) from None


def read_operation() -> Operation:
    """Read the operation of a request to ``/sparql`` (SPARQL 1.1 Protocol §2.1, §2.2).

    :raises BadRequest: for more than one query or update, an update by GET, or bytes that are not UTF-8.
    :raises UnsupportedMediaType: for a POST body of another media type.
    """
    params = read_params(request.query_string, "URL")
    if request.method in ("GET", "HEAD"):
        if "update" in params:
            raise BadRequest("an update must be sent by POST (SPARQL 1.1 Protocol §2.2), never by GET")
        return _operation(params, body_text=None, body_kind=None)
    mimetype = request.mimetype
    if mimetype == FORM:
        for key, values in read_params(request.get_data(cache=True), "form body").items():
            params.setdefault(key, []).extend(values)
        return _operation(params, body_text=None, body_kind=None)
    if mimetype == QUERY_DIRECT:
        return _operation(
            params, body_text=decode_body(request.get_data(cache=True), "query"), body_kind="query"
        )
    if mimetype == UPDATE_DIRECT:
        return _operation(
            params, body_text=decode_body(request.get_data(cache=True), "update"), body_kind="update"
        )
    raise UnsupportedMediaType(
        f"POST a query as {FORM} (query=…) or as {QUERY_DIRECT}, an update as {FORM} (update=…) "
        f"or as {UPDATE_DIRECT}; got Content-Type: {request.headers.get('Content-Type') or '(none)'}"
    )


def _operation(params: dict[str, list[str]], *, body_text: str | None, body_kind: str | None) -> Operation:
    queries = params.get("query", []) + ([body_text] if body_kind == "query" else [])
    updates = params.get("update", []) + ([body_text] if body_kind == "update" else [])
    if len(queries) + len(updates) > 1:
        raise BadRequest("a request carries exactly one query or one update; this one has more")
    if queries:
        return Operation("query", queries[0], params)
    if updates:
        return Operation("update", updates[0], params)
    return Operation("none", None, params)


# --- the query --------------------------------------------------------------------------------------


def query_request(text: str, op: Operation) -> QueryRequest:
    """The one request the worker answers: the query, its protocol dataset, its format."""
    return QueryRequest(
        sparql=text,
        accept=request.headers.get("Accept", ""),
        format=op.explicit_format(),
        default_graphs=tuple(op.params.get("default-graph-uri", [])),
        named_graphs=tuple(op.params.get("named-graph-uri", [])),
        base_iri=request.base_url,
    )


def graph_names() -> list[str]:
    """The names of every graph a query here can read, for the service description.

    The store's own bookkeeping under ``urn:claimgraph:`` (a server's register) is left out,
    but the metadata graph. On a SPARQL server the list holds whatever else the server's
    dataset holds (Virtuoso's system graphs): a query sees them too.
    """
    # GRAPH ?g {} names every graph, empty ones too; Virtuoso 7 matches none with it, and the
    # graphs that hold quads with the second branch.
    sparql = (
        "SELECT DISTINCT ?g WHERE { { GRAPH ?g {} } UNION { GRAPH ?g { ?s ?p ?o } } "
        f'FILTER (!STRSTARTS(STR(?g), "urn:claimgraph:") || ?g = <{METADATA_GRAPH}>) }} ORDER BY ?g'
    )
    answer = get_executor().query(
        QueryRequest(sparql=sparql, format="json"),
        timeout=get_claimgraph().settings.query_timeout,
    )
    return [row["g"]["value"] for row in json.loads(answer.body)["results"]["bindings"]]


def run_query(text: str, op: Operation) -> Response:
    """Answer a query, or say 304 when the client's copy is of the store's last commit.

    The ``ETag`` names the commit and the request (its text, dataset and format), so a
    cache in front of the server can keep the answer until the next write; the server
    keeps recent answers too (:meth:`claimgraph.api.Claimgraph.remembered`).
    """
    cg = get_claimgraph()
    query = query_request(text, op)
    digest = hashlib.sha256(repr(query).encode("utf-8")).hexdigest()[:16]
    tag = etag(f"q{digest}")
    if not_modified(tag):
        response = Response(status=304)
    else:
        answer = cg.remembered(query, lambda: get_executor().query(query, timeout=cg.settings.query_timeout))
        response = Response(answer.body, mimetype=answer.media_type)
    response.headers["ETag"] = tag
    response.headers["Last-Modified"] = format_datetime(last_modified(), usegmt=True)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["Vary"] = "Accept"
    return response


# --- updates --------------------------------------------------------------------------------------


def run_update(op: Operation) -> Response:
    """Hand a well-formed update request to the write edge, which checks the token."""
    return handle_update(op.text)


# --- the service description ----------------------------------------------------------------------


def service_description() -> Graph:
    """The SPARQL 1.1 Service Description of this endpoint."""
    cg = get_claimgraph()
    endpoint = URIRef(url_for("sparql.sparql", _external=True))
    g = Graph()
    g.bind("sd", SD)
    g.bind("formats", FORMATS_NS)
    g.bind("dct", DCTERMS)
    g.add((endpoint, RDF.type, SD.Service))
    g.add((endpoint, SD.endpoint, endpoint))
    g.add((endpoint, SD.supportedLanguage, SD.SPARQL11Query))
    if cg.settings.token:
        g.add((endpoint, SD.supportedLanguage, SD.SPARQL11Update))
    g.add((endpoint, RDFS.seeAlso, URIRef(url_for("linked.void", _external=True))))
    g.add((endpoint, SD.feature, SD.UnionDefaultGraph))
    if cg.settings.allow_service:
        g.add((endpoint, SD.feature, SD.BasicFederatedQuery))
    for fmt in formats.FORMATS:
        g.add((endpoint, SD.resultFormat, URIRef(fmt.iri)))
    shapes = URIRef(url_for("sparql.ontology", name="shapes.ttl", _external=True))
    g.add((endpoint, DCTERMS.conformsTo, shapes))
    for name in ONTOLOGY_FILES:
        g.add((endpoint, RDFS.seeAlso, URIRef(url_for("sparql.ontology", name=name, _external=True))))
    g.add((endpoint, RDFS.comment, Literal(PROVENANCE_GUARANTEE, lang="en")))
    g.add(
        (
            endpoint,
            RDFS.comment,
            Literal(
                f"Answers are limited to {cg.settings.max_rows} rows and "
                f"{cg.settings.query_timeout:g} seconds.",
                lang="en",
            ),
        )
    )

    dataset, default = BNode(), BNode()
    g.add((endpoint, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    g.add(
        (
            default,
            RDFS.comment,
            Literal(
                "The default graph is the union of all the named graphs, unless a request names its dataset "
                "(default-graph-uri, named-graph-uri, FROM, FROM NAMED) from the graphs listed here.",
                lang="en",
            ),
        )
    )
    for name in graph_names():
        node = BNode()
        g.add((dataset, SD.namedGraph, node))
        g.add((node, RDF.type, SD.NamedGraph))
        g.add((node, SD.name, URIRef(name)))
    return g


def describe_service(op: Operation) -> Response:
    graph_types = [fmt.media_type for fmt in formats.carrying("graph")]
    if (
        op.explicit_format() is None
        and best_match(request.headers.get("Accept"), [*graph_types, HTML]) == HTML
    ):
        return query_page()
    fmt = choose_format("graph", request.headers.get("Accept", ""), op.explicit_format())
    body = service_description().serialize(format=fmt.format.rdflib, encoding="utf-8")
    response = Response(body, mimetype=fmt.media_type)
    response.headers["Vary"] = "Accept"
    return response


# --- routes ---------------------------------------------------------------------------------------


@blueprint.route("/sparql/", methods=["GET", "POST"])
@blueprint.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    op = read_operation()
    if op.kind == "query":
        assert op.text is not None
        return run_query(op.text, op)
    if op.kind == "update":
        return run_update(op)
    if request.method == "POST":
        raise BadRequest("no query given: POST query=… (form) or a body of type application/sparql-query")
    return describe_service(op)


@blueprint.route("/queries/<name>", methods=["GET", "POST"])
def named_query(name: str) -> Response:
    """Run one of ``queries/*.rq`` or of a corpus's own; its parameters come as ``?name=value`` (or a form)."""
    cg = get_claimgraph()
    read_named_queries()
    if name.endswith(".rq"):
        return Response(cg.named_query(name[: -len(".rq")]).text, mimetype=QUERY_DIRECT)
    cg.named_query(name)
    params = read_params(request.query_string, "URL")
    if request.method == "POST":
        if request.mimetype != FORM:
            raise UnsupportedMediaType(f"POST the parameters of a named query as {FORM}")
        for key, values in read_params(request.get_data(cache=True), "form body").items():
            params.setdefault(key, []).extend(values)
    op = Operation("query", None, {k: v for k, v in params.items() if k in FORMAT_PARAMS})
    values: dict[str, str] = {}
    for key, given in params.items():
        if key in FORMAT_PARAMS:
            continue
        if len(given) > 1:
            raise QueryError(f"parameter {key} is given {len(given)} times; give it once")
        values[key] = given[0]
    if (
        op.explicit_format() is None
        and best_match(request.headers.get("Accept"), [FORM_RESULTS, HTML]) == HTML
    ):
        from .pages import named_query_page

        return named_query_page(name, values)
    return run_query(cg.named_query_text(name, values), op)


@blueprint.route("/queries", methods=["GET"])
@blueprint.route("/queries/", methods=["GET"])
def named_queries() -> Response:
    """The named queries with their headers: JSON, or HTML for a browser."""
    cg = get_claimgraph()
    read_named_queries()
    listing = [
        {
            **q.as_dict(),
            "url": url_for("sparql.named_query", name=q.name, _external=True),
            "text_url": url_for("sparql.named_query", name=q.name + ".rq", _external=True),
        }
        for q in cg.named_queries.values()
    ]
    if best_match(request.headers.get("Accept"), ["application/json", HTML]) == HTML:
        return queries_page(listing)
    response = Response(json.dumps({"queries": listing}, ensure_ascii=False), mimetype="application/json")
    response.headers["Vary"] = "Accept"
    return response


@blueprint.route("/ontology/<name>")
def ontology(name: str) -> Response:
    """The vocabulary, the SHACL shapes and the JSON-LD context, from ``ontology_dir``."""
    if name not in ONTOLOGY_FILES:
        raise NotFound(f"no ontology file {name!r}; there are {', '.join(ONTOLOGY_FILES)}")
    folder = Path(get_claimgraph().settings.ontology_dir).resolve()
    if not (folder / name).is_file():
        abort(404, f"{name} is missing from the ontology folder {folder}")
    return send_from_directory(folder, name, mimetype=ONTOLOGY_FILES[name], max_age=300)


@blueprint.after_app_request
def cors(response: Response) -> Response:
    """Let browser clients on any origin read answers, without credentials.

    The origin is never echoed and ``Access-Control-Allow-Credentials`` is never
    sent, so a page elsewhere cannot act with a visitor's cookies or auth.
    """
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers.pop("Access-Control-Allow-Credentials", None)
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type, Authorization"
        response.headers["Access-Control-Max-Age"] = "86400"
    return response

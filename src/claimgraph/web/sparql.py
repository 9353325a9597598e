"""The SPARQL 1.1 Protocol at ``/sparql``, named queries at ``/queries/``, the vocabulary at ``/ontology/``.

Query operations (SPARQL 1.1 Protocol §2.1):

* ``GET /sparql?query=…``
* ``POST /sparql`` with ``application/x-www-form-urlencoded`` (``query=…``)
* ``POST /sparql`` with ``application/sparql-query`` (the query is the body)

each with any number of ``default-graph-uri`` and ``named-graph-uri``. When
the request names no graph (neither by parameter nor by ``FROM``), the default
graph is the union of all graphs, like Fuseki's ``unionDefaultGraph``. A graph
that is named must be one the store holds: this server never fetches a graph
from the web, so naming another is refused with 400.

Update operations (``update=`` or ``application/sparql-update``) are checked
for protocol errors here and handed to :func:`claimgraph.web.writes.handle_update`.

``GET /sparql`` without a query answers with the SPARQL service description
(Turtle, JSON-LD… by ``Accept``); a browser gets the query page instead.

Every response is readable by browser clients on other origins
(``Access-Control-Allow-Origin: *``, never with credentials).
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote_to_bytes, urljoin

from flask import Blueprint, Response, abort, request, send_from_directory, url_for
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, Namespace
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import BadRequest, Forbidden, NotFound, Unauthorized, UnsupportedMediaType
from werkzeug.exceptions import NotImplemented as NotImplementedHere

from ..errors import QueryError
from ..negotiation import GRAPH_FORMATS, RESULT_FORMATS, best_match, choose_format
from ..queries import bind_parameters
from ..workers import QueryRequest
from . import get_claimgraph, get_executor

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
FORMATS_NS = Namespace("http://www.w3.org/ns/formats/")
CG_CLAIM = "https://w3id.org/claimgraph/ns#Claim"

#: Format name → the W3C format IRI announced in the service description.
FORMAT_IRIS = {
    "json": FORMATS_NS.SPARQL_Results_JSON,
    "xml": FORMATS_NS.SPARQL_Results_XML,
    "csv": FORMATS_NS.SPARQL_Results_CSV,
    "tsv": FORMATS_NS.SPARQL_Results_TSV,
    "turtle": FORMATS_NS.Turtle,
    "ntriples": FORMATS_NS["N-Triples"],
    "nquads": FORMATS_NS["N-Quads"],
    "trig": FORMATS_NS.TriG,
    "jsonld": FORMATS_NS["JSON-LD"],
    "rdfxml": FORMATS_NS.RDF_XML,
}

#: Format name → rdflib serializer, for the service description.
RDFLIB_FORMATS = {
    "turtle": "turtle",
    "ntriples": "nt",
    "nquads": "nquads",
    "trig": "trig",
    "jsonld": "json-ld",
    "rdfxml": "xml",
}

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

IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|^`\\]*")


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


# --- the dataset a query runs on ------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<comment>\#[^\n]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<pname>[A-Za-z][\w.-]*:[\w.:%-]*|:[\w.:%-]*)
  | (?P<word>[A-Za-z_]\w*)
  | (?P<other>\S)
    """,
    re.VERBOSE,
)


def dataset_clause(text: str) -> tuple[list[str], list[str]]:
    """The IRIs of a query's ``FROM`` and ``FROM NAMED`` clauses.

    >>> dataset_clause('PREFIX ex: <http://ex/> SELECT * FROM ex:a FROM NAMED <http://ex/b> # FROM <c>\\n{}')
    (['http://ex/a'], ['http://ex/b'])
    >>> dataset_clause('SELECT * { ?s ?p "FROM <http://x/>" }')
    ([], [])
    """
    tokens = [(m.lastgroup, m.group()) for m in _TOKEN.finditer(text) if m.lastgroup not in ("comment",)]
    prefixes: dict[str, str] = {}
    base = ""
    from_graphs: list[str] = []
    from_named: list[str] = []

    def resolve(kind: str | None, token: str) -> str | None:
        if kind == "iri":
            iri = token[1:-1]
            return iri if IRI.fullmatch(iri) or not base else urljoin(base, iri)
        if kind == "pname":
            prefix, _, local = token.partition(":")
            return prefixes[prefix] + local if prefix in prefixes else None
        return None

    i = 0
    while i < len(tokens):
        kind, value = tokens[i]
        upper = value.upper() if kind in ("word", "pname") else ""
        if kind == "word" and upper == "BASE" and i + 1 < len(tokens) and tokens[i + 1][0] == "iri":
            base = tokens[i + 1][1][1:-1]
        elif upper == "PREFIX" and i + 2 < len(tokens) and tokens[i + 2][0] == "iri":
            prefixes[tokens[i + 1][1].rstrip(":")] = tokens[i + 2][1][1:-1]
        elif kind == "word" and upper == "FROM" and i + 1 < len(tokens):
            named = tokens[i + 1][0] == "word" and tokens[i + 1][1].upper() == "NAMED"
            target = tokens[i + 2] if named and i + 2 < len(tokens) else tokens[i + 1]
            iri = resolve(*target)
            if iri is None:
                raise QueryError(f"cannot read the graph named after FROM: {target[1]!r}")
            (from_named if named else from_graphs).append(iri)
        i += 1
    return from_graphs, from_named


def _check_iris(iris: Iterable[str], where: str) -> None:
    for iri in iris:
        if not IRI.fullmatch(iri):
            raise BadRequest(f"{where}: not an absolute IRI: {iri!r}")


def missing_graphs(iris: Iterable[str]) -> list[str]:
    """Of ``iris``, those that name no graph in the store (asked through the executor)."""
    wanted = sorted(set(iris))
    if not wanted:
        return []
    values = " ".join(URIRef(i).n3() for i in wanted)
    sparql = f"SELECT ?g WHERE {{ VALUES ?g {{ {values} }} FILTER NOT EXISTS {{ GRAPH ?g {{}} }} }}"
    return [row["g"]["value"] for row in _select_json(sparql)]


def graph_names() -> list[str]:
    """The names of every graph in the store."""
    return [row["g"]["value"] for row in _select_json("SELECT DISTINCT ?g WHERE { GRAPH ?g {} } ORDER BY ?g")]


def _select_json(sparql: str) -> list[dict[str, dict[str, str]]]:
    answer = get_executor().query(
        QueryRequest(sparql=sparql, format="json"), timeout=get_claimgraph().settings.query_timeout
    )
    return json.loads(answer.body)["results"]["bindings"]


def query_request(text: str, op: Operation) -> QueryRequest:
    """The executor request for a query: its dataset checked, its format named.

    :raises BadRequest: when a graph it names is not in the store (it is never fetched).
    """
    default_graphs = op.params.get("default-graph-uri", [])
    named_graphs = op.params.get("named-graph-uri", [])
    _check_iris(default_graphs, "default-graph-uri")
    _check_iris(named_graphs, "named-graph-uri")
    protocol_dataset = bool(default_graphs or named_graphs)
    from_graphs, from_named = ([], []) if protocol_dataset else dataset_clause(text)
    named = [*default_graphs, *named_graphs, *from_graphs, *from_named]
    missing = missing_graphs(named)
    if missing:
        raise BadRequest(
            f"no graph named {', '.join(missing)} in this store; this endpoint queries only the graphs it "
            "holds and never fetches one from the web (see the service description for the graph names)"
        )
    return QueryRequest(
        sparql=text,
        accept=request.headers.get("Accept", ""),
        format=op.explicit_format(),
        default_graphs=tuple(default_graphs) if protocol_dataset else None,
        named_graphs=tuple(named_graphs) if protocol_dataset else None,
        union_default_graph=not (protocol_dataset or from_graphs or from_named),
        base_iri=request.base_url,
    )


def run_query(text: str, op: Operation) -> Response:
    settings = get_claimgraph().settings
    answer = get_executor().query(query_request(text, op), timeout=settings.query_timeout)
    response = Response(answer.body, mimetype=answer.media_type)
    response.headers["Vary"] = "Accept"
    return response


# --- updates --------------------------------------------------------------------------------------


def run_update(op: Operation) -> Response:
    """Hand a well-formed update request to the writes module, which checks the token."""
    try:
        from .writes import handle_update  # type: ignore[attr-defined]
    except ImportError:
        handle_update = None
    if handle_update is not None:
        return handle_update(op.text)
    token = get_claimgraph().settings.token
    if not token:
        raise Forbidden("this endpoint is read-only: updates are refused (no write token is configured)")
    sent = request.headers.get("Authorization", "")
    if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        raise Unauthorized(
            "an update needs the header 'Authorization: Bearer <token>'",
            www_authenticate=WWWAuthenticate("bearer"),
        )
    raise NotImplementedHere("SPARQL Update is not available in this version")


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
    for spec in (*RESULT_FORMATS, *GRAPH_FORMATS):
        g.add((endpoint, SD.resultFormat, FORMAT_IRIS[spec.name]))
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
    graph_types = [spec.media_type for spec in GRAPH_FORMATS]
    if (
        op.explicit_format() is None
        and best_match(request.headers.get("Accept"), [*graph_types, HTML]) == HTML
    ):
        from .pages import query_page

        return query_page()
    fmt = choose_format("graph", request.headers.get("Accept", ""), op.explicit_format())
    body = service_description().serialize(format=RDFLIB_FORMATS[fmt.name], encoding="utf-8")
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
    """Run one of ``queries/*.rq``; its parameters come as ``?name=value`` (or a form)."""
    cg = get_claimgraph()
    if name.endswith(".rq"):
        stem = name[: -len(".rq")]
        if stem not in cg.named_queries:
            raise NotFound(_unknown_query(stem))
        return Response(cg.named_queries[stem].text, mimetype=QUERY_DIRECT)
    if name not in cg.named_queries:
        raise NotFound(_unknown_query(name))
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
    text = bind_parameters(cg.named_queries[name], values)
    return run_query(text, op)


def _unknown_query(name: str) -> str:
    known = ", ".join(sorted(get_claimgraph().named_queries)) or "none"
    return f"no named query {name!r}; known: {known}"


@blueprint.route("/queries", methods=["GET"])
@blueprint.route("/queries/", methods=["GET"])
def named_queries() -> Response:
    """The named queries with their headers: JSON, or HTML for a browser."""
    cg = get_claimgraph()
    listing = [
        {
            **q.as_dict(),
            "url": url_for("sparql.named_query", name=q.name, _external=True),
            "text_url": url_for("sparql.named_query", name=q.name + ".rq", _external=True),
        }
        for q in cg.named_queries.values()
    ]
    if best_match(request.headers.get("Accept"), ["application/json", HTML]) == HTML:
        from .pages import queries_page

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

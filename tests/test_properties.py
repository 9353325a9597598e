"""Properties that hold for any input: generated queries, updates, RDF bodies, sheets and corpora.

Hypothesis generates inputs (mutations of real ones, and structures built from hostile
pieces: Unicode digits, brackets, quotes, escapes, lists where text goes, deep nesting)
and sends each where a client would. For every case:

* no 5xx and no traceback (in process, a traceback is a logged 500);
* a refusal is the one JSON error shape;
* a refused write changes nothing in the store;
* the server still answers a query afterwards;

and ``claimgraph validate`` of a corpus folder with a generated ``corpus.yaml`` exits 0, 1
or 2 with its lines, never with a traceback.

Under ``make test`` the run is seeded (``derandomize``) and small, so that it adds a few
seconds; ``make fuzz`` runs the ``fuzz`` profile (many more cases, a fresh seed each
run) and writes each input that breaks a property to ``tests/data/hostile/<folder>/``
as ``found-<digest>.<ext>``, where :mod:`tests.test_hostile` keeps it as a regression.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import string
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimgraph import formats
from claimgraph.api import Claimgraph
from claimgraph.web import create_app

from .conftest import DATA, MINI, ROOT, make_settings
from .test_error_shape import assert_error_shape

TOKEN = "secret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
HOSTILE = DATA / "hostile"
#: Where ``make fuzz`` writes what it finds, and how many times more cases it runs than
#: ``make test`` (tests never see the developer's environment otherwise).
FINDINGS = os.environ.get("CLAIMGRAPH_FUZZ_FINDINGS")
SCALE = int(os.environ.get("CLAIMGRAPH_FUZZ_SCALE", "1")) if FINDINGS else 1

settings.register_profile(
    "seeded",
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "fuzz",
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("fuzz" if FINDINGS else "seeded")


def cases(n: int) -> settings:
    """``n`` cases under ``make test`` (a few seconds a target), ``n * SCALE`` under ``make fuzz``."""
    return settings(max_examples=n * SCALE)


# ---------------------------------------------------------------- the server under test


@pytest.fixture(scope="module")
def prop_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    folder = tmp_path_factory.mktemp("properties")
    cg = Claimgraph(make_settings(folder / "store", token=TOKEN, open_graphs="http://e/ DEFAULT"))
    store = cg.open_store()
    cg.load(store, MINI)
    application = create_app(claimgraph=cg)
    application.extensions["claimgraph"]["executor"] = cg.executor(store=store)
    yield application
    store.close()


@pytest.fixture(scope="module")
def prop_client(prop_app: Flask) -> FlaskClient:
    return prop_app.test_client()


def snapshot(app: Flask) -> set[str]:
    return app.extensions["claimgraph"]["executor"].write(
        lambda s: {" ".join(t.n3() for t in q if t is not None) for q in s.quads(exact=True)}
    )


#: The input each target last found, so that only the smallest (the shrunk one) is kept.
_found: dict[str, Path] = {}


def record(folder: str, extension: str, data: bytes) -> None:
    """Keep an input that broke a property (``make fuzz`` only) as a regression case: while
    Hypothesis shrinks it, each smaller input found replaces the one before."""
    if not FINDINGS:
        return
    target = Path(FINDINGS) / folder
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"found-{hashlib.sha256(data).hexdigest()[:12]}.{extension}"
    before = _found.get(folder)
    if before is not None and before.exists():
        if before.stat().st_size <= len(data):
            return
        before.unlink()
    path.write_bytes(data)
    _found[folder] = path


def holds(
    app: Flask,
    client: FlaskClient,
    send: Callable[[], Any],
    *,
    folder: str,
    extension: str,
    data: bytes,
    write: bool = False,
) -> None:
    """Send one case; the properties every answer has."""
    before = snapshot(app) if write else None
    try:
        response = send()
        assert response.status_code < 500, response.get_data(as_text=True)
        if response.status_code >= 400 and response.request.method != "HEAD":
            assert_error_shape(response, response.status_code)
            if before is not None:
                assert snapshot(app) == before, "a refused write changed the store"
        alive = client.get("/sparql", query_string={"query": "ASK {}"})
        assert alive.status_code == 200, "the server does not answer after the case"
    except AssertionError:
        record(folder, extension, data)
        raise


# ---------------------------------------------------------------- strategies

#: Pieces that broke parsers before: Unicode digits, brackets, quotes, escapes, controls.
HOSTILE_TEXT = "٣²³¹{}[]()<>\"'\\#%:;.,?$@^|`~*+-_/=!&\x00\n\r\t é\u202e\ufffe\U0001f600"


def mutate(text: str, edits: list[tuple[int, str, str]]) -> str:
    """``text`` with each edit applied: (where, what, piece) — insert, delete, replace or repeat."""
    for where, what, piece in edits:
        at = where % (len(text) + 1)
        if what == "insert":
            text = text[:at] + piece + text[at:]
        elif what == "delete":
            text = text[:at] + text[at + len(piece) + 1 :]
        elif what == "replace":
            text = text[:at] + piece + text[at + len(piece) :]
        else:
            text = text[:at] + text[at : at + 8] * (len(piece) + 2) + text[at:]
    return text


EDITS = st.lists(
    st.tuples(
        st.integers(0, 100_000),
        st.sampled_from(["insert", "delete", "replace", "repeat"]),
        st.text(HOSTILE_TEXT, max_size=6),
    ),
    max_size=6,
)


def mutations(seeds: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds(mutate, st.sampled_from(seeds), EDITS),
        st.text(HOSTILE_TEXT + string.ascii_letters, max_size=80),
    )


QUERY_SEEDS = [
    *(path.read_text(encoding="utf-8") for path in sorted((ROOT / "queries").glob("*.rq"))),
    "SELECT * WHERE { ?s ?p ?o } LIMIT 3",
    "ASK { FILTER(2 > 1) }",
    "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1",
    'SELECT (STRLEN("a") AS ?n) (1.5e3 AS ?x) { VALUES ?v { 1 .2 <http://e/x> } }',
    "DESCRIBE <http://example.org/cg/entity/flood-2020>",
]
UPDATE_SEEDS = [
    "INSERT DATA { <http://e/s> <http://e/p> 1 }",
    "DELETE DATA { <http://e/s> <http://e/p> 1 }",
    "DELETE WHERE { GRAPH <http://e/g> { ?s ?p ?o } }",
    "INSERT { GRAPH <http://e/g> { ?s <http://e/p> 2 } } WHERE { ?s a ?t } ",
    "CLEAR SILENT GRAPH <http://e/g> ; CREATE GRAPH <http://e/h>",
    "PREFIX e: <http://e/> INSERT DATA { GRAPH e:g { e:s e:p 'x'@en, 3.5 } }",
    "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(?o = 12) }",
]


@st.composite
def json_values(draw: st.DrawFn, depth: int = 0) -> Any:
    keys = st.sampled_from(
        [
            "@context",
            "@id",
            "@type",
            "@graph",
            "@list",
            "@set",
            "@value",
            "@language",
            "@reverse",
            "@nest",
            "@included",
            "@base",
            "@vocab",
            "@import",
            "http://e/p",
            "p",
            "",
            "٣",
        ]
    )
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from(["http://e/s", "_:b", "p", "@id", "", "http://e/٣", "e:x"]),
        st.text(HOSTILE_TEXT, max_size=8),
    )
    if depth > 4:
        return draw(leaves)
    return draw(
        st.one_of(
            leaves,
            st.lists(st.deferred(lambda: json_values(depth + 1)), max_size=3),
            st.dictionaries(keys, st.deferred(lambda: json_values(depth + 1)), max_size=4),
        )
    )


# ---------------------------------------------------------------- queries and updates


@cases(60)
@given(text=mutations(QUERY_SEEDS))
def test_any_query(prop_app: Flask, prop_client: FlaskClient, text: str) -> None:
    holds(
        prop_app,
        prop_client,
        lambda: prop_client.get("/sparql", query_string={"query": text}),
        folder="queries",
        extension="rq",
        data=text.encode("utf-8", "surrogatepass"),
    )


@cases(3)
@given(
    body=st.one_of(
        mutations(UPDATE_SEEDS).map(lambda t: t.encode("utf-8", "surrogatepass")), st.binary(max_size=200)
    )
)
def test_any_update(prop_app: Flask, prop_client: FlaskClient, body: bytes) -> None:
    holds(
        prop_app,
        prop_client,
        lambda: prop_client.post(
            "/update", data=body, content_type="application/sparql-update", headers=AUTH
        ),
        folder="updates",
        extension="ru",
        data=body,
        write=True,
    )


# ---------------------------------------------------------------- RDF bodies in every accepted format

UPLOADS = formats.carrying("graph")


@pytest.fixture(scope="module")
def rdf_seeds(prop_app: Flask) -> dict[str, str]:
    """One document's claims (the mini corpus's doc-b graph), written in each upload format."""
    quads = prop_app.extensions["claimgraph"]["executor"].write(
        lambda s: [
            q for q in s.quads(exact=True) if q[3] is not None and str(q[3]).endswith("document/doc-b")
        ]
    )
    graph = ox.Store()
    for s, p, o, _g in quads:
        graph.add(
            ox.Quad(
                *(
                    ox.NamedNode(str(t)) if t.__class__.__name__ == "URIRef" else _literal(t)
                    for t in (s, p, o)
                )
            )
        )
    out = {}
    for fmt in UPLOADS:
        engine = getattr(ox.RdfFormat, fmt.engine)
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in graph]
        if engine.supports_datasets:
            out[fmt.name] = ox.serialize(
                [ox.Quad(t.subject, t.predicate, t.object) for t in triples], format=engine
            ).decode()
        else:
            out[fmt.name] = ox.serialize(triples, format=engine).decode()
    return out


def _literal(term: Any) -> ox.Literal:
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


@cases(10)
@given(
    fmt=st.sampled_from(UPLOADS),
    edits=EDITS,
    where=st.sampled_from(["/claims", "/rdf-graph-store?graph=http://e/fuzz"]),
    document=json_values(),
    raw=st.booleans(),
)
def test_any_rdf_body(
    prop_app: Flask,
    prop_client: FlaskClient,
    rdf_seeds: dict[str, str],
    fmt: formats.Format,
    edits: list,
    where: str,
    document: Any,
    raw: bool,
) -> None:
    import json

    if fmt.name == "jsonld" and raw:
        body = json.dumps(document).encode()
    else:
        body = mutate(rdf_seeds[fmt.name], edits).encode("utf-8", "surrogatepass")
    method = prop_client.post if where == "/claims" else prop_client.put
    holds(
        prop_app,
        prop_client,
        lambda: method(where, data=body, content_type=fmt.media_type, headers=AUTH),
        folder="rdf",
        extension=fmt.extensions[0],
        data=body,
        write=True,
    )


# ---------------------------------------------------------------- sheets and corpora

SHEET = yaml.safe_load((MINI / "doc-b.yaml").read_text(encoding="utf-8"))
CORPUS = yaml.safe_load((MINI / "corpus.yaml").read_text(encoding="utf-8"))

YAML_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**20), 10**20),
        st.floats(),
        st.dates(min_value=dt.date(1, 1, 1)),
        st.sampled_from(
            [
                "",
                "flood-2020",
                "author-b",
                "cg:deathCount",
                "cg:a#b",
                "a b",
                "<http://e/x>",
                "2017-09",
                "--09-01",
                "٣",
            ]
        ),
        st.text(HOSTILE_TEXT + "abc", max_size=10),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.text("abyearagentmedium", max_size=6), children, max_size=3),
    ),
    max_leaves=6,
)


def _set(tree: Any, path: list[Any], value: Any) -> Any:
    """``tree`` with the value at ``path`` (keys, or indexes into lists) replaced."""
    node = tree
    for key in path[:-1]:
        node = (
            node[key % len(node)]
            if isinstance(node, list) and node
            else node.setdefault(key, {})
            if isinstance(node, dict)
            else node
        )
    if isinstance(node, dict):
        node[path[-1]] = value
    elif isinstance(node, list) and node:
        node[path[-1] % len(node) if isinstance(path[-1], int) else 0] = value
    return tree


SHEET_PATHS = st.one_of(
    st.tuples(st.just("document"), st.sampled_from([*SHEET["document"], "place", "date", "title", "other"])),
    st.tuples(
        st.just("claims"),
        st.integers(0, 3),
        st.sampled_from([*SHEET["claims"][0], "object", "via", "medium", "stated_on", "occurrence", 7]),
    ),
    st.tuples(st.sampled_from(["document", "claims", "extra"])),
)


@cases(8)
@given(
    changes=st.lists(st.tuples(SHEET_PATHS, YAML_VALUES), max_size=3),
    edits=EDITS,
    as_text=st.booleans(),
)
def test_any_sheet(
    prop_app: Flask, prop_client: FlaskClient, changes: list, edits: list, as_text: bool
) -> None:
    import copy

    sheet = copy.deepcopy(SHEET)
    for path, value in changes:
        sheet = _set(sheet, list(path), value) if isinstance(sheet, dict) else sheet
    text = yaml.safe_dump(sheet, allow_unicode=True, sort_keys=False)
    if as_text:
        text = mutate(text, edits)
    body = text.encode("utf-8", "surrogatepass")
    holds(
        prop_app,
        prop_client,
        lambda: prop_client.post("/claims", data=body, content_type="application/yaml", headers=AUTH),
        folder="sheets",
        extension="yaml",
        data=body,
        write=True,
    )


CORPUS_PATHS = st.one_of(
    st.tuples(
        st.sampled_from(["agents", "entities"]),
        st.integers(0, 5),
        st.sampled_from(["id", "type", "label", "alt_labels", "same_as", "description", "x"]),
    ),
    st.tuples(st.sampled_from(["agents", "entities", "other"])),
)


@cases(8)
@given(changes=st.lists(st.tuples(CORPUS_PATHS, YAML_VALUES), min_size=1, max_size=3))
def test_any_corpus(prop_app: Flask, prop_client: FlaskClient, changes: list) -> None:
    """A sheet sent with a generated ``corpus.yaml`` (multipart), its document stored already."""
    import copy

    corpus = copy.deepcopy(CORPUS)
    for path, value in changes:
        corpus = _set(corpus, list(path), value) if isinstance(corpus, dict) else corpus
    text = yaml.safe_dump(corpus, allow_unicode=True, sort_keys=False)
    sheet = (MINI / "doc-b.yaml").read_text(encoding="utf-8")

    def send() -> Any:
        return prop_client.post(
            "/claims", data={"sheet": sheet, "corpus": text}, content_type="multipart/form-data", headers=AUTH
        )

    holds(
        prop_app,
        prop_client,
        send,
        folder="corpora",
        extension="yaml",
        data=text.encode("utf-8", "surrogatepass"),
        write=True,
    )


# ---------------------------------------------------------------- paths

ROUTES = [
    "/entity/{}",
    "/document/{}",
    "/claim/{}",
    "/consensus/{}",
    "/nanopub/{}",
    "/graph/{}",
    "/graph/document/{}",
    "/queries/{}",
    "/queries/casualties-by-source?event={}",
    "/search?q={}",
    "/rdf-graph-store?graph={}",
    "/sparql?query=ASK%7B%7D&default-graph-uri={}",
    "/dumps/{}",
    "/entity/{}.ttl",
    "/claims/{}",
    "/documents/{}",
    "/ns.{}",
    "/.well-known/genid/{}",
]


@cases(15)
@given(
    route=st.sampled_from(ROUTES),
    piece=st.text(HOSTILE_TEXT + "ab", max_size=8),
    method=st.sampled_from(["GET", "HEAD", "DELETE", "PUT"]),
)
def test_any_path(prop_app: Flask, prop_client: FlaskClient, route: str, piece: str, method: str) -> None:
    from urllib.parse import quote

    path = route.format(quote(piece.encode("utf-8", "surrogatepass"), safe=""))
    holds(
        prop_app,
        prop_client,
        lambda: prop_client.open(path, method=method, headers=AUTH if method in ("DELETE", "PUT") else {}),
        folder="paths",
        extension="txt",
        data=f"{method} {path}".encode(),
        write=method in ("DELETE", "PUT"),
    )


@cases(2)
@given(changes=st.lists(st.tuples(CORPUS_PATHS, YAML_VALUES), min_size=1, max_size=3))
def test_any_corpus_folder_by_the_cli(changes: list) -> None:
    """``claimgraph validate`` of the mini corpus with a generated ``corpus.yaml``: exit 0, 1 or
    2 with its lines, never a traceback."""
    import copy
    import shutil
    import tempfile

    from claimgraph.cli import main

    from .conftest import Runner

    corpus = copy.deepcopy(CORPUS)
    for path, value in changes:
        corpus = _set(corpus, list(path), value) if isinstance(corpus, dict) else corpus
    text = yaml.safe_dump(corpus, allow_unicode=True, sort_keys=False)
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "corpus"
        shutil.copytree(MINI, target)
        (target / "corpus.yaml").write_text(text, encoding="utf-8")
        result = Runner().invoke(main, ["validate", str(target)])
    try:
        assert result.exit_code in (0, 1, 2), result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert "Traceback" not in result.output
    except AssertionError:
        record("corpora", "yaml", text.encode("utf-8", "surrogatepass"))
        raise


@cases(300)
@given(
    start=st.sampled_from(["http:", "http://", "a:", "https://w3id.org/claimgraph/ns#", "http://e/entity/"]),
    rest=st.text("ab:/#%[]?.1F-_é@ \u00a0\ue000٣", max_size=10),
)
def test_is_iri_accepts_only_what_the_engine_accepts(start: str, rest: str) -> None:
    """What the sheet reader and the mapping take for an IRI, the engine stores (an IRI it
    refused was a 500: the reader had let ``cg:a#b`` through)."""
    from claimgraph.namespaces import is_iri

    text = start + rest
    if is_iri(text):
        ox.NamedNode(text)

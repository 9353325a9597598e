"""The IRI scheme is spelled in one place: every IRI is minted by :class:`claimgraph.iris.Minter`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from claimgraph.iris import Minter

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "claimgraph"
KINDS = r"(?:entity|document|claim|consensus|corpus|graph|nanopub|history|curator|\.well-known)"
#: Ways of spelling a minted IRI by hand: an f-string after the base, a path glued on with
#: ``+``, a ``replace`` of one kind's path by another's, the metadata graph's name.
SPELLINGS = (
    re.compile(r"base\}" + KINDS),
    re.compile(r"\w*(?:base|iri|old|new)\w*\s*\+\s*[\"']" + KINDS + r"/"),
    re.compile(r"[\"']/" + KINDS + r"(?:/document)?/[\"']"),
    re.compile(r"[\"']urn:claimgraph:store[\"']"),
)


def spelled(text: str) -> list[str]:
    return [m.group(0) for pattern in SPELLINGS for m in pattern.finditer(text)]


@pytest.mark.parametrize(
    "line",
    [
        'URIRef(f"{mint.base}graph/history")',
        'URIRef(old + "graph/consensus")',
        'claim.iri.replace("/claim/", "/nanopub/")',
        'graph.replace("/graph/document/", "/document/")',
        'METADATA = URIRef("urn:claimgraph:store")',
        'prefix = f"{self.mint.base}entity/"',
    ],
)
def test_the_scan_sees_a_spelling(line: str):
    assert spelled(line)


def test_the_scan_lets_routes_and_the_minter_through():
    assert not spelled('@blueprint.route("/claim/<name>")')
    assert not spelled('page = request.host_url + ".well-known/void"')  # a URL on this server
    assert not spelled('iri = str(mint.graph(rest)); prefix = mint.under("entity")')


@pytest.mark.parametrize(
    "path",
    sorted(p for p in PACKAGE.rglob("*.py") if p.name != "iris.py"),
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_the_iri_scheme_is_spelled_only_in_iris(path: Path):
    found = spelled(path.read_text(encoding="utf-8"))
    assert not found, (
        f"{path.relative_to(PACKAGE)} spells IRIs by hand ({found}): mint them with claimgraph.iris.Minter"
    )


def test_the_minter_reads_back_what_it_minted():
    m = Minter("http://e/")
    assert m.document_of(str(m.document_graph("d1"))) == m.document("d1")
    assert m.corpus_of(str(m.corpus_graph("c"))) == m.corpus("c")
    assert m.document_of(str(m.corpus_graph("c"))) is None
    assert m.graph_path(str(m.history_graph)) == "history"
    assert m.nanopub(str(m.entity("x")).replace("entity", "claim")) == "http://e/nanopub/x"
    assert str(m.activity("1-ab")).startswith(m.history + "/")

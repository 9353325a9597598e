"""The seed corpus: verbatim documents, complete metadata, every claim sourced."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from claimgraph.api import Claimgraph
from claimgraph.sheets import read_corpus
from claimgraph.store import Store

from .conftest import ROOT, SEEDS

SHARED = ROOT.parent / "shared" / "seeds"
CG = "https://w3id.org/claimgraph/ns#"


@pytest.fixture(scope="module")
def corpus():
    return read_corpus(SEEDS)


def test_documents_are_the_shared_seeds_verbatim():
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is not here to compare against")
    for original in SHARED.glob("*.txt"):
        assert (SEEDS / original.name).read_bytes() == original.read_bytes()


def test_each_document_has_its_metadata_record(corpus):
    documents = {d.file: d for d in corpus.documents}
    assert set(documents) == {p.name for p in SEEDS.glob("*.txt")}
    for name, doc in documents.items():
        assert doc.sha256 == hashlib.sha256((SEEDS / name).read_bytes()).hexdigest()
        assert doc.language == "en" and doc.creator


def test_the_full_seed_corpus_validates(seed_claimgraph: Claimgraph):
    assert seed_claimgraph.validate(SEEDS) > 100


def test_every_claim_in_the_store_has_source_claimant_and_quote(seed_store: Store):
    missing = seed_store.query(f"""
        SELECT ?claim WHERE {{
          ?claim a <{CG}Claim> .
          FILTER (NOT EXISTS {{ ?claim <http://www.w3.org/ns/prov#wasDerivedFrom> ?d }}
               || NOT EXISTS {{ ?claim <http://www.w3.org/ns/prov#wasAttributedTo> ?a }}
               || NOT EXISTS {{ ?claim <{CG}evidence>/<http://www.w3.org/ns/oa#hasSelector>/<http://www.w3.org/ns/oa#exact> ?q }})
        }}""")
    assert missing.rows == []
    count = seed_store.query(f"SELECT (COUNT(?c) AS ?n) WHERE {{ ?c a <{CG}Claim> }}").rows[0]["n"].toPython()
    assert count > 100


def test_each_document_contributes_claims(corpus):
    per_doc = {d.id: 0 for d in corpus.documents}
    for claim in corpus.claims:
        per_doc[claim.document] += 1
    assert all(n >= 40 for n in per_doc.values()), per_doc


@pytest.mark.parametrize("boilerplate", ["728 x 90"])
def test_page_boilerplate_is_not_a_claim(corpus, boilerplate: str):
    assert not [c for c in corpus.claims if boilerplate in c.quote.exact]


def test_a_caption_printed_twice_is_quoted_once(corpus):
    doc = next(d for d in corpus.documents if "Maryam Rajavi honors" in d.text)
    first = doc.text.index("Maryam Rajavi honors")
    second = doc.text.index("Maryam Rajavi honors", first + 1)
    line_end = doc.text.index("\n", second)
    assert not [c for c in corpus.claims if c.document == doc.id and second <= c.quote.start < line_end]
    assert [c for c in corpus.claims if c.document == doc.id and first <= c.quote.start < second]


@pytest.mark.parametrize(
    ("ident", "spellings"),
    [
        ("kataib-hezbollah", {"Kata’ib Hezbollah", "Kata’ib Hezballah"}),
        ("mek", {"MEK", "MeK", "PMOI", "Mujahedeen-e Khalq"}),
    ],
)
def test_spelling_variants_are_one_entity(corpus, ident: str, spellings: set[str]):
    [entity] = [e for e in corpus.entities if e.id == ident]
    names = {entity.label, *entity.alt_labels}
    normalised = {n.replace("'", "’") for n in names}
    assert spellings <= normalised | names, names


def test_quotes_sit_at_their_offsets(corpus):
    texts = {d.id: d.text for d in corpus.documents}
    for claim in corpus.claims:
        assert texts[claim.document][claim.quote.start : claim.quote.end] == claim.quote.exact


def test_seed_sheets_name_their_documents():
    for sheet in SEEDS.glob("*.yaml"):
        if sheet.name == "corpus.yaml":
            continue
        assert Path(SEEDS / sheet.with_suffix(".txt").name).is_file()

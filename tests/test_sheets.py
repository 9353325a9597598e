"""Reading claim sheets: anchoring quotes and reporting every problem with its line."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest

from claimgraph.errors import SheetError
from claimgraph.mapping import literal
from claimgraph.sheets import QuoteNotFound, anchor_quote, read_corpus

from .conftest import MINI


def test_anchor_computes_offsets_prefix_and_suffix():
    text = "Before the quote “52 bodies” after it."
    quote = anchor_quote(text, "“52 bodies”")
    assert text[quote.start : quote.end] == "“52 bodies”"
    assert quote.prefix == "Before the quote "
    assert quote.suffix == " after it."


@pytest.mark.parametrize(
    ("text", "quote"),
    [
        ("it’s here", "it's here"),  # curly apostrophe in the document, straight in the sheet
        ("“quoted”", '"quoted"'),  # curly double quotes
        ("two\u00a0words", "two words"),  # a non-breaking space is not a space
        ("Hezballah", "Hezbollah"),
    ],
)
def test_no_normalisation_hides_a_mismatch(text: str, quote: str):
    with pytest.raises(QuoteNotFound, match="not found verbatim"):
        anchor_quote(text, quote)


def test_repeated_quote_needs_an_occurrence():
    with pytest.raises(QuoteNotFound, match="occurs 2 times"):
        anchor_quote("a b a", "a")
    assert anchor_quote("a b a", "a", occurrence=2).start == 4
    with pytest.raises(QuoteNotFound, match="occurrence 3"):
        anchor_quote("a b a", "a", occurrence=3)


def copy_mini(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(MINI, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def test_a_quote_not_in_the_document_names_sheet_and_line(tmp_path: Path):
    corpus = copy_mini(tmp_path)
    sheet = corpus / "doc-a.yaml"
    edit(sheet, "quote: killed 12 people, the mayor said", "quote: killed twelve people")
    claim_line = line_of(sheet, "- subject: flood-2020")  # the first claim is the broken one
    with pytest.raises(SheetError) as caught:
        read_corpus(corpus)
    [problem] = caught.value.problems
    assert problem.sheet.endswith("doc-a.yaml")
    assert problem.line == claim_line
    assert "killed twelve people" in problem.message
    assert f"doc-a.yaml:{claim_line}:" in str(caught.value)


def test_every_problem_is_reported_at_once(tmp_path: Path):
    corpus = copy_mini(tmp_path)
    edit(corpus / "doc-a.yaml", "claimant: mayor", "claimant: nobody")
    edit(corpus / "doc-b.yaml", "quote: 12 died", "quote: 13 died")
    edit(corpus / "doc-b.yaml", "subject: flood-2020", "subject: flood-2021")
    with pytest.raises(SheetError) as caught:
        read_corpus(corpus)
    messages = [str(p) for p in caught.value.problems]
    assert len(messages) == 3, messages
    assert any("doc-a.yaml" in m and "'nobody' is not an agent" in m for m in messages)
    assert any("doc-b.yaml" in m and "13 died" in m for m in messages)
    assert any("doc-b.yaml" in m and "'flood-2021'" in m for m in messages)


def test_missing_claimant_is_refused_with_its_line(tmp_path: Path):
    corpus = copy_mini(tmp_path)
    sheet = corpus / "doc-b.yaml"
    edit(sheet, "    claimant: author-b\n    quote: 12 died", "    quote: 12 died")
    with pytest.raises(SheetError, match=r"doc-b.yaml:\d+: claimant is required"):
        read_corpus(corpus)


def test_a_changed_document_is_caught_by_its_sha256(tmp_path: Path):
    corpus = copy_mini(tmp_path)
    (corpus / "doc-b.txt").write_text("Residents say 12 died in the flood!\n", encoding="utf-8")
    with pytest.raises(SheetError, match="does not match the file's bytes"):
        read_corpus(corpus)


def test_yaml_syntax_error_gives_the_line(tmp_path: Path):
    corpus = copy_mini(tmp_path)
    sheet = corpus / "doc-b.yaml"
    sheet.write_text(sheet.read_text() + "  - subject: [unclosed\n", encoding="utf-8")
    with pytest.raises(SheetError, match=r"doc-b.yaml:\d+: YAML syntax error"):
        read_corpus(corpus)


def test_a_predicate_type_or_same_as_that_is_no_iri_is_refused_with_its_line(tmp_path: Path):
    """A space in an expanded CURIE once reached the store as a traceback (Invalid IRI code point)."""
    corpus = copy_mini(tmp_path)
    edit(corpus / "doc-a.yaml", "predicate: cg:deathCount", 'predicate: "cg:death Count"')
    edit(corpus / "corpus.yaml", "type: schema:Event", 'type: "schema:Big Event"')
    with pytest.raises(SheetError) as caught:
        read_corpus(corpus)
    messages = [str(p) for p in caught.value.problems]
    assert any("doc-a.yaml" in m and "'cg:death Count' is not an IRI" in m for m in messages), messages
    assert any("corpus.yaml" in m and "'schema:Big Event' is not an IRI" in m for m in messages), messages


def test_object_and_value_are_exclusive(tmp_path: Path):
    corpus = copy_mini(tmp_path)
    edit(corpus / "doc-b.yaml", "    value: 12\n", "    value: 12\n    object: mayor\n")
    with pytest.raises(SheetError, match="exactly one of object"):
        read_corpus(corpus)


def test_chain_runs_from_document_voice_to_claimant():
    corpus = read_corpus(MINI)
    [relayed] = [c for c in corpus.claims if c.value == 14]
    assert [s.agent for s in relayed.chain] == ["author-a", "agency", "hospitals"]
    assert relayed.chain[1].medium == "agency-report"
    [own] = [c for c in corpus.claims if c.document == "doc-b" and c.value == 12]
    assert [s.agent for s in own.chain] == ["author-b"]


def test_document_metadata_is_read_with_digest(tmp_path: Path):
    corpus = read_corpus(MINI)
    doc = next(d for d in corpus.documents if d.id == "doc-a")
    assert doc.sha256 == hashlib.sha256((MINI / "doc-a.txt").read_bytes()).hexdigest()
    assert doc.date.isoformat() == "2020-05-04"
    assert doc.text.startswith("The flood of 3 May 2020")


@pytest.mark.parametrize(
    ("written", "lexical", "datatype"),
    [
        ("2020-05-03", "2020-05-03", "date"),
        ("'2020-05'", "2020-05", "gYearMonth"),
        ("{year: 2020}", "2020", "gYear"),
        ("'--05-03'", "--05-03", "gMonthDay"),
    ],
)
def test_dates_are_read_at_their_precision_and_typed(
    tmp_path: Path, written: str, lexical: str, datatype: str
):
    corpus = copy_mini(tmp_path)
    edit(corpus / "doc-b.yaml", "    value: 2020-05-03\n", f"    value: {written}\n")
    [claim] = [c for c in read_corpus(corpus).claims if c.document == "doc-b" and "startDate" in c.predicate]
    value = literal(claim.value)
    assert (str(value), str(value.datatype)) == (lexical, f"http://www.w3.org/2001/XMLSchema#{datatype}")


@pytest.mark.parametrize(
    ("key", "written", "message"),
    [
        ("value", "{year: '2020'}", "a year is written {year: 1988}"),
        (
            "stated_on",
            "September 2020",
            "stated_on: expected a date like 2013-09-13, '2013-09' or {year: 2013}",
        ),
        ("count_kind", "3", "count_kind must be text"),
    ],
)
def test_a_bad_date_or_qualifier_is_refused_with_its_line(
    tmp_path: Path, key: str, written: str, message: str
):
    corpus = copy_mini(tmp_path)
    old = "    value: 2020-05-03\n    claimant: author-b\n"
    new = (
        f"    value: {written}\n    claimant: author-b\n"
        if key == "value"
        else old + f"    {key}: {written}\n"
    )
    edit(corpus / "doc-b.yaml", old, new)
    with pytest.raises(SheetError, match=r"doc-b.yaml:\d+: " + re.escape(message)):
        read_corpus(corpus)


def test_an_unknown_count_kind_is_refused_with_the_known_ones(tmp_path: Path):
    """A sheet names a concept of the count-kind scheme by its id; the text's words go in wording."""
    corpus = copy_mini(tmp_path)
    sheet = corpus / "doc-a.yaml"
    edit(sheet, "    count_kind: killed\n    wording: killed\n", "    count_kind: deaths\n")
    with pytest.raises(SheetError) as caught:
        read_corpus(corpus)
    [problem] = caught.value.problems
    assert problem.line == line_of(sheet, "- subject: flood-2020")
    assert "count_kind 'deaths' is not a count kind id" in problem.message
    assert "write count_kind: killed, wording: deaths" in problem.message
    assert (
        "known count kinds: abducted, bodies-seen, casualties, deprived-of-liberty, detained, displaced"
        in (problem.message)
    )


def test_a_count_kind_is_a_concept_and_the_wording_stays_on_the_claim():
    from claimgraph.mapping import Minter, claim_triples
    from claimgraph.namespaces import CG

    corpus = read_corpus(MINI)
    claim = next(c for c in corpus.claims if c.document == "doc-b" and "deathCount" in c.predicate)
    triples = set(claim_triples(claim, Minter("http://e/")))
    kinds = {o for _, p, o in triples if p == CG.countKind}
    words = {str(o) for _, p, o in triples if p == CG.wording}
    assert [str(k) for k in kinds] == ["https://w3id.org/claimgraph/count-kinds#killed"]
    assert words == {"died"}


def test_a_basis_is_an_agent(tmp_path: Path):
    """basis names the agent a claimant cites ("X confirms"); an unknown one is refused with its line."""
    corpus = copy_mini(tmp_path)
    sheet = corpus / "doc-a.yaml"
    edit(
        sheet, "    count_kind: killed\n    wording: killed\n", "    count_kind: killed\n    basis: nobody\n"
    )
    with pytest.raises(SheetError) as caught:
        read_corpus(corpus)
    [problem] = caught.value.problems
    assert "basis 'nobody' is not an agent" in problem.message
    edit(sheet, "    basis: nobody\n", "    basis: agency\n")
    claim = next(c for c in read_corpus(corpus).claims if dict(c.qualifiers).get("basis"))
    assert dict(claim.qualifiers)["basis"] == "agency"


def test_party_to_is_a_curators_declaration_about_an_agent(tmp_path: Path):
    """party_to (cg:partyTo in the registry) names events an agent is party to; checked id by id."""
    corpus = copy_mini(tmp_path)
    entities = corpus / "corpus.yaml"
    edit(entities, "    label: The mayor\n", "    label: The mayor\n    party_to: [flood-2020]\n")
    [mayor] = [e for e in read_corpus(corpus).entities if e.id == "mayor"]
    assert mayor.party_to == ("flood-2020",)
    edit(entities, "party_to: [flood-2020]", "party_to: [flood-1999]")
    with pytest.raises(SheetError, match=r"corpus.yaml:\d+: mayor: party_to 'flood-1999' is not an entity"):
        read_corpus(corpus)

"""Sheets refuse what a person did not mean: a key given twice, a term its vocabulary does not define."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, URIRef

from claimgraph.api import Claimgraph
from claimgraph.cli import main
from claimgraph.errors import SheetError
from claimgraph.namespaces import PREFIXES
from claimgraph.sheets import parse_yaml, read_corpus
from claimgraph.store import Store
from claimgraph.termcheck import LISTS, VOCABULARIES, known_terms, read_term_list

from .conftest import MINI, ROOT, all_quads


def copy_mini(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(MINI, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str, start: int = 0) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if number > start and needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def problems(folder: Path, claimgraph: Claimgraph | None = None) -> list[str]:
    terms = claimgraph.terms if claimgraph is not None else None
    with pytest.raises(SheetError) as caught:
        read_corpus(folder, terms=terms)
    return [str(p).replace(f"{folder}/", "") for p in caught.value.problems]


# ---------------------------------------------------------------- a key given twice


def test_a_key_given_twice_in_a_claim_is_refused_naming_the_key_and_both_lines(tmp_path: Path):
    """``value: 12`` then ``value: 120`` once loaded 120 without a word."""
    corpus = copy_mini(tmp_path)
    sheet = corpus / "doc-b.yaml"
    edit(sheet, "    value: 12\n", "    value: 12\n    value: 120\n")
    first = line_of(sheet, "value: 12")
    second = line_of(sheet, "value: 120")
    assert problems(corpus) == [
        f"doc-b.yaml:{second}: key 'value' is given twice in one mapping, on line {first} and line "
        f"{second}; YAML would keep only the last: remove one"
    ]


def test_a_key_given_twice_in_corpus_yaml_or_at_the_top_of_a_sheet_is_refused(tmp_path: Path):
    corpus = copy_mini(tmp_path)
    edit(corpus / "corpus.yaml", "    label: The mayor\n", "    label: The mayor\n    label: The major\n")
    sheet = corpus / "doc-a.yaml"
    sheet.write_text(sheet.read_text(encoding="utf-8") + "claims: []\n", encoding="utf-8")
    found = problems(corpus)
    label = line_of(corpus / "corpus.yaml", "label: The mayor")
    assert any(
        f"corpus.yaml:{label + 1}: key 'label' is given twice in one mapping, on line {label} and line {label + 1}"
        in m
        for m in found
    ), found
    claims = line_of(sheet, "claims:")
    again = line_of(sheet, "claims: []")
    assert any(
        f"doc-a.yaml:{again}: key 'claims' is given twice in one mapping, on line {claims} and line {again}"
        in m
        for m in found
    ), found


def test_every_key_given_twice_is_reported_and_the_same_key_in_two_mappings_is_not():
    text = "a: 1\nb:\n  a: 2\n  c: 3\n  c: 4\nb: 5\n"
    with pytest.raises(SheetError) as caught:
        parse_yaml(text, sheet="s.yaml")
    assert [(p.line, p.message.split(",")[0]) for p in caught.value.problems] == [
        (5, "key 'c' is given twice in one mapping"),
        (6, "key 'b' is given twice in one mapping"),
    ]
    assert parse_yaml("a: 1\nb:\n  a: 2\n", sheet="s.yaml") == {"a": 1, "b": {"a": 2}}


# ---------------------------------------------------------------- terms of known vocabularies


def test_a_misspelt_schema_predicate_is_refused_with_did_you_mean(tmp_path: Path):
    corpus = copy_mini(tmp_path)
    sheet = corpus / "doc-b.yaml"
    edit(sheet, "predicate: schema:startDate", "predicate: schema:startdate")
    line = line_of(sheet, "predicate: schema:startdate")
    claim_line = line - 1
    assert problems(corpus) == [
        f"doc-b.yaml:{claim_line}: predicate: schema:startdate is not a term of schema.org; "
        "did you mean schema:startDate?"
    ]


def test_a_misspelt_type_is_refused_with_did_you_mean(tmp_path: Path):
    corpus = copy_mini(tmp_path)
    edit(corpus / "corpus.yaml", "type: schema:Event", "type: schema:Evnet")
    line = line_of(corpus / "corpus.yaml", "id: flood-2020")
    assert (
        problems(corpus)[0]
        == f"corpus.yaml:{line}: flood-2020: type: schema:Evnet is not a term of schema.org; did you mean schema:Event?"
    )


@pytest.mark.parametrize(
    ("where", "old", "new", "message"),
    [
        (
            "doc-b.yaml",
            "predicate: schema:startDate",
            "predicate: schema:locaton",
            "predicate: schema:locaton is not a term of schema.org; did you mean schema:location?",
        ),
        (
            "corpus.yaml",
            "type: schema:Person",
            "type: schema:Plase",
            "mayor: type: schema:Plase is not a term of schema.org; did you mean schema:Place?",
        ),
        (
            "corpus.yaml",
            "type: schema:Person",
            "type: [prov:Agnet, foaf:Persn]",
            "mayor: type: prov:Agnet is not a term of PROV-O; did you mean prov:Agent?",
        ),
        (
            "corpus.yaml",
            "type: schema:Person",
            "type: [prov:Agent, foaf:Persn]",
            "mayor: type: foaf:Persn is not a term of FOAF; did you mean foaf:Person?",
        ),
        (
            "doc-b.yaml",
            "predicate: schema:startDate",
            "predicate: dct:dat",
            "predicate: dct:dat is not a term of Dublin Core terms; did you mean dct:date?",
        ),
        (
            "doc-b.yaml",
            "predicate: schema:startDate",
            "predicate: skos:altLable",
            "predicate: skos:altLable is not a term of SKOS; did you mean skos:altLabel?",
        ),
        (
            "doc-b.yaml",
            "predicate: schema:startDate",
            "predicate: <http://schema.org/startDat>",
            "predicate: schema:startDat is not a term of schema.org; did you mean schema:startDate?",
        ),
        (
            "corpus.yaml",
            "type: schema:Person",
            "type: schema:location",
            "mayor: type: schema:location is a property of schema.org, not a class",
        ),
        (
            "doc-b.yaml",
            "predicate: schema:startDate",
            "predicate: schema:Place",
            "predicate: schema:Place is a class of schema.org, not a property",
        ),
    ],
)
def test_a_term_its_vocabulary_does_not_define_is_refused(
    tmp_path: Path, where: str, old: str, new: str, message: str
):
    corpus = copy_mini(tmp_path)
    edit(corpus / where, old, new)
    found = problems(corpus)
    assert any(m.startswith(f"{where}:") and m.endswith(message) for m in found), found


def test_a_term_outside_the_known_vocabularies_is_the_authors_own(tmp_path: Path):
    corpus = copy_mini(tmp_path)
    edit(corpus / "corpus.yaml", "type: schema:Person", "type: <http://example.org/vocab#Mayor>")
    assert len(read_corpus(corpus).entities) == 7


def test_an_unknown_cg_term_says_did_you_mean_from_the_vocabulary_in_use(
    tmp_path: Path, claimgraph: Claimgraph
):
    corpus = copy_mini(tmp_path)
    edit(corpus / "doc-b.yaml", "predicate: cg:deathCount", "predicate: cg:deathcount")
    edit(corpus / "corpus.yaml", "type: cg:CitedWork", "type: cg:CitedWrok")
    found = problems(corpus, claimgraph)
    assert any(
        m.startswith("doc-b.yaml:")
        and m.endswith(
            "predicate: cg:deathcount is not a term of the claimgraph vocabulary; did you mean cg:deathCount?"
        )
        for m in found
    ), found
    assert any(
        m.startswith("corpus.yaml:")
        and m.endswith(
            "agency-report: type: cg:CitedWrok is not a term of the claimgraph vocabulary; did you mean cg:CitedWork?"
        )
        for m in found
    ), found


def test_a_cg_term_the_vocabulary_in_use_declares_is_accepted(tmp_path: Path, claimgraph: Claimgraph):
    """The ``cg:`` terms are those of ``--ontology-dir``, not a list frozen in the package."""
    ontology = tmp_path / "ontology"
    shutil.copytree(ROOT / "ontology", ontology)
    with (ontology / "claimgraph.ttl").open("a", encoding="utf-8") as out:
        out.write('\ncg:floodDepth a owl:DatatypeProperty ; rdfs:label "flood depth"@en .\n')
    own = Claimgraph(dataclasses.replace(claimgraph.settings, ontology_dir=str(ontology)))
    corpus = copy_mini(tmp_path)
    edit(
        corpus / "doc-b.yaml",
        "predicate: cg:deathCount\n    value: 12\n",
        "predicate: cg:floodDepth\n    value: 12\n",
    )
    edit(corpus / "doc-b.yaml", "    count_kind: killed\n    wording: died\n", "")
    assert any("cg:floodDepth is not a term" in m for m in problems(corpus, claimgraph))
    assert len(read_corpus(corpus, terms=own.terms).claims) == 5


def test_load_refuses_a_misspelt_term_with_exit_1_and_writes_nothing(
    tmp_path: Path, claimgraph: Claimgraph, mini_store: Store, runner: CliRunner
):
    before = all_quads(mini_store)
    corpus = copy_mini(tmp_path)
    edit(corpus / "doc-b.yaml", "predicate: cg:deathCount", "predicate: cg:deathCuont")
    with pytest.raises(SheetError, match=r"did you mean cg:deathCount\?"):
        claimgraph.load(mini_store, corpus)
    assert all_quads(mini_store) == before
    result = runner.invoke(
        main, ["validate", str(corpus), "--ontology-dir", str(ROOT / "ontology")], catch_exceptions=False
    )
    assert result.exit_code == 1
    assert "did you mean cg:deathCount?" in result.stderr


def test_every_known_vocabulary_ships_a_term_list_the_ontology_and_seeds_agree_with():
    """The lists load; every term of these namespaces that claimgraph's vocabulary, shapes,
    queries and seed corpus use is in them (a list cut short would refuse the seeds)."""
    for _name, file in VOCABULARIES.values():
        assert len(read_term_list(LISTS / file)) > 25, file
    terms = known_terms()
    iris = {
        str(term)
        for path in sorted((ROOT / "ontology").glob("*.ttl"))
        for triple in Graph().parse(path, format="turtle")
        for term in triple
        if isinstance(term, URIRef)
    }
    # The queries' and sheets' text, their comments aside (prose may name a term loosely).
    text = "\n".join(
        line.split("#", 1)[0] if path.suffix == ".yaml" else ("" if line.lstrip().startswith("#") else line)
        for folder in ("queries", "seeds")
        for path in sorted((ROOT / folder).rglob("*"))
        if path.suffix in {".rq", ".yaml"}
        for line in path.read_text(encoding="utf-8").splitlines()
    )
    text += "\n".join(
        f"{prefix}:{iri[len(ns) :]}" for prefix, ns in PREFIXES.items() for iri in iris if iri.startswith(ns)
    )
    used = set(re.findall(r"\b(schema|prov|dct|skos|foaf):([A-Za-z][\w-]*)", text))
    assert len(used) > 20
    unknown = [
        f"{prefix}:{name}"
        for prefix, name in used
        if not any(kinds.get(name) for ns, kinds in terms.namespaces.items() if ns == PREFIXES[prefix])
    ]
    assert unknown == []

"""The command line: exit codes are a contract, errors are one line, formats are real."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph

from claimgraph.cli import main

from .conftest import MINI, ROOT, Runner

ONTOLOGY = str(ROOT / "ontology")
QUERIES = str(ROOT / "queries")


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def loaded_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mini corpus loaded by ``claimgraph load`` once for the module (a load is seconds)."""
    store = tmp_path_factory.mktemp("cli") / "store"
    code, out, _ = run(Runner(), "load", str(MINI), "--store", str(store), "--ontology-dir", ONTOLOGY)
    assert code == 0, out
    return store


@pytest.fixture
def loaded(tmp_path: Path, loaded_once: Path) -> str:
    """A store of the test's own, as ``claimgraph load`` of the mini corpus left it (a copy)."""
    store = tmp_path / "store"
    shutil.copytree(loaded_once, store)
    return str(store)


def test_validate_exit_0_when_the_corpus_conforms(runner: CliRunner):
    code, out, _ = run(runner, "validate", str(MINI), "--ontology-dir", ONTOLOGY)
    assert code == 0
    assert "conforms (5 claims)" in out


def test_validate_exit_1_on_violations_with_one_line_each(runner: CliRunner, tmp_path: Path):
    broken = tmp_path / "broken"
    shutil.copytree(MINI, broken)
    sheet = broken / "doc-b.yaml"
    sheet.write_text(sheet.read_text().replace("quote: 12 died", "quote: 12 perished"), encoding="utf-8")
    code, _, err = run(runner, "validate", str(broken), "--ontology-dir", ONTOLOGY)
    assert code == 1
    assert "doc-b.yaml:" in err and "12 perished" in err
    assert "Traceback" not in err


def test_validate_exit_2_on_an_error(runner: CliRunner, tmp_path: Path):
    code, _, err = run(runner, "validate", str(tmp_path / "nowhere"), "--ontology-dir", ONTOLOGY)
    assert code == 2
    assert err.startswith("error:") and len(err.strip().splitlines()) == 1


def test_load_reports_and_a_bad_load_says_nothing_was_loaded(runner: CliRunner, tmp_path: Path, loaded: str):
    broken = tmp_path / "broken"
    shutil.copytree(MINI, broken)
    (broken / "corpus.yaml").write_text("agents: [\n", encoding="utf-8")
    code, _, err = run(runner, "load", str(broken), "--store", loaded, "--ontology-dir", ONTOLOGY)
    assert code == 2
    assert "nothing was loaded" in err and "corpus.yaml" in err


def test_query_formats(runner: CliRunner, loaded: str):
    text = "SELECT ?n WHERE { ?c <http://www.w3.org/1999/02/22-rdf-syntax-ns#object> ?n } ORDER BY ?n"
    code, out, _ = run(runner, "query", text, "--store", loaded, "--format", "json")
    assert code == 0
    values = [b["n"]["value"] for b in json.loads(out)["results"]["bindings"]]
    assert "14" in values and "12" in values
    code, out, _ = run(runner, "query", text, "--store", loaded, "--format", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["n"] and ["14"] in rows
    code, out, _ = run(runner, "query", text, "--store", loaded)
    assert out.splitlines()[0].strip() == "n"


def test_named_query_with_parameter(runner: CliRunner, loaded: str):
    base = "http://127.0.0.1:5000/"
    code, out, err = run(
        runner,
        "query",
        "--name",
        "casualties-by-source",
        "--param",
        f"event={base}entity/flood-2020",
        "--store",
        loaded,
        "--queries-dir",
        QUERIES,
        "--format",
        "json",
    )
    assert code == 0, err
    deaths = sorted(int(b["count"]["value"]) for b in json.loads(out)["results"]["bindings"])
    assert deaths == [12, 12, 14]
    code, _, err = run(
        runner,
        "query",
        "--name",
        "casualties-by-source",
        "--param",
        "event=not an iri",
        "--store",
        loaded,
        "--queries-dir",
        QUERIES,
    )
    assert code == 2 and "not an absolute IRI" in err


def test_query_syntax_error_is_one_line(runner: CliRunner, loaded: str):
    code, _, err = run(runner, "query", "SELECT WHERE {", "--store", loaded)
    assert code == 2
    assert err.startswith("error: SPARQL syntax error") and "Traceback" not in err


@pytest.mark.parametrize("fmt", ["trig", "nquads", "turtle", "jsonld"])
def test_export_parses_back(runner: CliRunner, loaded: str, tmp_path: Path, fmt: str):
    target = tmp_path / f"dump.{fmt}"
    code, _, _ = run(
        runner,
        "export",
        "--format",
        fmt,
        "--output",
        str(target),
        "--store",
        loaded,
        "--ontology-dir",
        ONTOLOGY,
    )
    assert code == 0
    parser = {"trig": "trig", "nquads": "nquads", "turtle": "turtle", "jsonld": "json-ld"}[fmt]
    data = Dataset() if fmt != "turtle" else Graph()
    data.parse(target, format=parser)
    subjects = (
        {q[0] for q in data.quads((None, None, None, None))} if fmt != "turtle" else set(data.subjects())
    )
    claims = {s for s in subjects if str(s).startswith("http://127.0.0.1:5000/claim/") and "#" not in str(s)}
    assert len(claims) == 5


def test_export_rdf12_is_the_whole_store_with_reifiers(runner: CliRunner, loaded: str):
    code, out, _ = run(runner, "export", "--format", "rdf12", "--store", loaded, "--ontology-dir", ONTOLOGY)
    _, nquads, _ = run(runner, "export", "--format", "nquads", "--store", loaded, "--ontology-dir", ONTOLOGY)
    lines = out.splitlines()
    reifiers = [line for line in lines if "<http://www.w3.org/1999/02/22-rdf-syntax-ns#reifies> <<( " in line]
    assert code == 0 and len(reifiers) == 5
    assert sorted(set(lines) - set(reifiers)) == sorted(nquads.splitlines())


def test_stats(runner: CliRunner, loaded: str):
    code, out, _ = run(runner, "stats", "--json", "--store", loaded)
    counts = json.loads(out)
    assert code == 0
    assert counts["claims"] == 5 and counts["documents"] == 2 and counts["contested_facts"] == 1


QUOTES = "SELECT ?quote WHERE { ?q <http://www.w3.org/ns/oa#exact> ?quote } ORDER BY DESC(STRLEN(?quote))"
CLAIM_TYPE = "<https://w3id.org/claimgraph/ns#Claim>"


@pytest.mark.parametrize(
    ("fmt", "parser"),
    [
        ("turtle", "turtle"),
        ("ttl", "turtle"),
        ("ntriples", "nt"),
        ("nt", "nt"),
        ("nquads", "nquads"),
        ("trig", "trig"),
        ("jsonld", "json-ld"),
        ("json", "json-ld"),  # json names JSON-LD for a graph answer
        ("rdfxml", "xml"),
    ],
)
def test_construct_prints_in_every_rdf_format(runner: CliRunner, loaded: str, fmt: str, parser: str):
    text = f"CONSTRUCT {{ ?c a {CLAIM_TYPE} }} WHERE {{ ?c a {CLAIM_TYPE} }}"
    code, out, err = run(runner, "query", text, "--store", loaded, "--format", fmt)
    assert code == 0, err
    data = Dataset() if parser in ("nquads", "trig") else Graph()
    data.parse(data=out, format=parser)
    assert len(set(data.subjects())) == 5


def test_construct_as_a_table_is_n_triples(runner: CliRunner, loaded: str):
    text = f"DESCRIBE ?c WHERE {{ ?c a {CLAIM_TYPE} }} LIMIT 1"
    code, out, _ = run(runner, "query", text, "--store", loaded)
    assert code == 0
    assert len(Graph().parse(data=out, format="nt")) > 3


def test_a_results_format_for_a_graph_answer_is_one_line_exit_2(runner: CliRunner, loaded: str):
    text = f"CONSTRUCT {{ ?c a {CLAIM_TYPE} }} WHERE {{ ?c a {CLAIM_TYPE} }}"
    code, _, err = run(runner, "query", text, "--store", loaded, "--format", "csv")
    assert code == 2 and err.startswith("error: format 'csv' cannot carry a GRAPH answer")


def test_file_dash_reads_standard_input(runner: CliRunner, loaded: str):
    result = runner.invoke(main, ["query", "--file", "-", "--store", loaded, "--format", "csv"], input=QUOTES)
    assert result.exit_code == 0, result.stderr
    assert len(list(csv.reader(io.StringIO(result.stdout)))) == 6  # the header and five quotes


def test_a_parameter_may_name_an_entity_by_its_short_id(runner: CliRunner, loaded: str):
    by_id = run(
        runner,
        "query",
        "--name",
        "casualties-by-source",
        "-p",
        "event=flood-2020",
        "--store",
        loaded,
        "--queries-dir",
        QUERIES,
        "--format",
        "csv",
    )
    by_iri = run(
        runner,
        "query",
        "--name",
        "casualties-by-source",
        "-p",
        "event=http://127.0.0.1:5000/entity/flood-2020",
        "--store",
        loaded,
        "--queries-dir",
        QUERIES,
        "--format",
        "csv",
    )
    assert by_id[0] == 0, by_id[2]
    assert by_id[1] == by_iri[1] and len(by_id[1].splitlines()) == 4


def test_a_table_too_wide_for_the_terminal_is_one_record_per_block_every_value_whole(
    runner: CliRunner, loaded: str
):
    code, out, _ = run(runner, "query", QUOTES, "--store", loaded, "--format", "csv")
    assert code == 0
    quotes = [row[0] for row in list(csv.reader(io.StringIO(out)))[1:]]
    assert len(quotes[0]) > 40
    result = runner.invoke(main, ["query", QUOTES, "--store", loaded], env={"COLUMNS": "40"})
    assert result.exit_code == 0 and "…" not in result.stdout
    blocks = re.split(r"^-\[ \d+ \]-*$\n", result.stdout, flags=re.M)[1:]
    assert len(blocks) == len(quotes)
    for block, quote in zip(blocks, quotes, strict=True):
        assert block.startswith("quote: ")
        assert " ".join(block[len("quote: ") :].split()) == " ".join(quote.split())  # whole, wrapped
    lines = result.stdout.splitlines()
    assert all(len(line) <= 40 or " " not in line.strip() for line in lines)


def test_a_table_that_fits_is_columns_and_expanded_forces_blocks(runner: CliRunner, loaded: str):
    count = "SELECT (COUNT(*) AS ?claims) WHERE { ?c a <https://w3id.org/claimgraph/ns#Claim> }"
    result = runner.invoke(main, ["query", count, "--store", loaded], env={"COLUMNS": "40"})
    assert result.exit_code == 0 and result.stdout.splitlines() == ["claims", "------", "5"]
    code, out, _ = run(runner, "query", count, "--store", loaded, "--format", "expanded")
    assert code == 0 and out.splitlines()[1:] == ["claims: 5"] and out.startswith("-[ 1 ]-")


# ---------------------------------------------------------------- bad input: one line each, exit 2


def corpus_copy(tmp_path: Path, name: str = "corpus") -> Path:
    folder = tmp_path / name
    shutil.copytree(MINI, folder)
    return folder


def load_fails(runner: CliRunner, folder: Path, tmp_path: Path) -> list[str]:
    store = tmp_path / "store"
    code, _, err = run(runner, "load", str(folder), "--store", str(store), "--ontology-dir", ONTOLOGY)
    assert code == 2, err
    assert "Traceback" not in err
    # Progress goes to standard error a line per stage; the error is what follows it.
    report = err[err.index("error: ") :]
    assert report.startswith("error: nothing was loaded.")
    return report.strip().splitlines()


def test_a_sheet_that_is_not_utf8_is_one_line(runner: CliRunner, tmp_path: Path):
    folder = corpus_copy(tmp_path)
    with open(folder / "doc-a.yaml", "ab") as sheet:
        sheet.write(b"# caf\xe9\n")
    [line] = load_fails(runner, folder, tmp_path)
    assert "doc-a.yaml:" in line and "not UTF-8" in line


def test_a_corpus_file_that_is_not_utf8_names_it_first(runner: CliRunner, tmp_path: Path):
    folder = corpus_copy(tmp_path)
    with open(folder / "corpus.yaml", "ab") as corpus:
        corpus.write(b"# caf\xe9\n")
    lines = load_fails(runner, folder, tmp_path)
    assert any("corpus.yaml:" in line and "not UTF-8" in line for line in lines)


def test_a_date_that_is_no_date_names_sheet_and_line(runner: CliRunner, tmp_path: Path):
    folder = corpus_copy(tmp_path)
    sheet = folder / "doc-b.yaml"
    text = sheet.read_text(encoding="utf-8")
    sheet.write_text(text.replace("quote: 12 died\n", "quote: 12 died\n    stated_on: 2024-02-30\n", 1))
    [line] = load_fails(runner, folder, tmp_path)
    where = sheet.read_text(encoding="utf-8").splitlines().index("    stated_on: 2024-02-30") + 1
    assert f"doc-b.yaml:{where}:" in line and "2024-02-30" in line


def test_sheet_and_shape_problems_come_in_one_report(runner: CliRunner, tmp_path: Path):
    folder = corpus_copy(tmp_path)
    b = folder / "doc-b.yaml"
    b.write_text(b.read_text(encoding="utf-8").replace("quote: 12 died", "quote: 12 perished"))
    a = folder / "doc-a.yaml"
    a.write_text(a.read_text(encoding="utf-8").replace("    count_kind: killed\n", ""))
    lines = load_fails(runner, folder, tmp_path)
    assert lines[0].endswith("3 problems:"), lines
    assert sum("doc-b.yaml:" in line and "12 perished" in line for line in lines) == 1
    assert sum("doc-a.yaml:" in line and "CountKindShape" in line for line in lines) == 2


def test_validate_without_corpus_yaml_is_an_error(runner: CliRunner, tmp_path: Path):
    folder = corpus_copy(tmp_path)
    (folder / "corpus.yaml").unlink()
    code, _, err = run(runner, "validate", str(folder), "--ontology-dir", ONTOLOGY)
    assert code == 2 and err.startswith("error:") and "corpus.yaml" in err
    assert len(err.strip().splitlines()) == 1


def test_a_folder_holding_other_files_is_not_taken_for_a_store(runner: CliRunner, tmp_path: Path):
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    code, _, err = run(runner, "load", str(MINI), "--store", str(folder), "--ontology-dir", ONTOLOGY)
    assert code == 2 and "notes.txt" in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


def test_a_store_under_another_base_is_refused_then_rebased(runner: CliRunner, loaded: str):
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    select = (
        f"SELECT ?claim ?value WHERE {{ ?claim a <https://w3id.org/claimgraph/ns#Claim> ; <{rdf}object> ?value }}"
        " ORDER BY ?claim ?value"
    )
    before = run(runner, "query", select, "--store", loaded, "--format", "csv")
    assert before[0] == 0
    new = "https://data.example.org/cg/"
    code, _, err = run(runner, "query", select, "--store", loaded, "--base-iri", new)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "minted under the base IRI http://127.0.0.1:5000/" in err and "claimgraph rebase" in err
    code, _, err = run(runner, "rebase", new, "--store", loaded, "--ontology-dir", ONTOLOGY)
    assert code == 0, err
    after = run(runner, "query", select, "--store", loaded, "--base-iri", new, "--format", "csv")
    assert after[0] == 0
    assert after[1] == before[1].replace("http://127.0.0.1:5000/", new)
    old = run(runner, "query", select, "--store", loaded)
    assert old[0] == 2 and "minted under the base IRI " + new in old[2]


def test_serve_on_a_port_in_use_is_one_line_before_any_serving(runner: CliRunner, loaded: str):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        code, out, err = run(runner, "serve", "--store", loaded, "--host", "127.0.0.1", "--port", port)
    assert code == 2 and "serving" not in out + err
    assert err.startswith("error:") and port in err and len(err.strip().splitlines()) == 1

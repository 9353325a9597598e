"""From a new document to its claims: ``claimgraph init``, ``add-document`` and ``draft``.

The drafts are checked as a researcher uses them: uncommented, they are claims of the
sheet format whose quotes the loader anchors; and against gold sheets (the seed
documents and a document written for these tests, ``tests/data/draft/``), through the
draft-recall benchmark's own scoring (``benchmarks/draft.py``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from claimgraph.api import Claimgraph
from claimgraph.cli import main
from claimgraph.draft import MARKER, draft_claims, read_terms, registry_entities, vocabulary_files
from claimgraph.model import MonthDay, YearMonth
from claimgraph.pages import read_html
from claimgraph.sheets import CLAIM_KEYS, anchor_quote, read_corpus

from .conftest import BACKENDS, DATA, ROOT, SEEDS, backend_settings

ONTOLOGY = str(ROOT / "ontology")
DRAFT = DATA / "draft"
SCHEME = DRAFT / "count-kinds.ttl"


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def benchmark():
    """benchmarks/draft.py, the draft-recall benchmark, whose scoring the recall test uses."""
    spec = importlib.util.spec_from_file_location("draft_benchmark", ROOT / "benchmarks" / "draft.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["draft_benchmark"] = module
    spec.loader.exec_module(module)
    return module


def uncommented(sheet: str) -> str:
    """The sheet with every draft uncommented, as a researcher does: one '# ' off each line."""
    head, _, drafts = sheet.partition(MARKER)
    lines = [re.sub(r"^(\s*)# ", r"\1", line) for line in drafts.splitlines()[2:]]
    return head + "\n".join(lines) + "\n"


# ------------------------------------------------------------------------ init


def test_init_writes_a_commented_corpus_yaml_and_refuses_twice(tmp_path: Path, runner: CliRunner):
    folder = tmp_path / "mine"
    code, out, _ = run(runner, "init", str(folder))
    assert code == 0 and "corpus.yaml" in out
    text = (folder / "corpus.yaml").read_text("utf-8")
    assert yaml.safe_load(text) == {"agents": None, "entities": None}
    assert "# - id:" in text  # the commented examples
    code, _, err = run(runner, "init", str(folder))
    assert code == 2 and "exists already" in err
    assert (folder / "corpus.yaml").read_text("utf-8") == text


# ---------------------------------------------------------------- add-document


def test_add_document_copies_a_text_and_writes_its_sheet_header(tmp_path: Path, runner: CliRunner):
    corpus = tmp_path / "c"
    run(runner, "init", str(corpus))
    source = DRAFT / "harbour-fire.txt"
    code, out, err = run(runner, "add-document", str(source), "--corpus", str(corpus), "--creator", "me")
    assert code == 0, err
    copied = corpus / "harbour-fire.txt"
    assert copied.read_bytes() == source.read_bytes()
    header = yaml.safe_load((corpus / "harbour-fire.yaml").read_text("utf-8"))
    assert header["document"] == {
        "id": "harbour-fire",
        "file": "harbour-fire.txt",
        "sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
        "title": None,
        "publisher": None,
        "creator": "me",
        "date": dt.date(2024, 3, 14),  # the dateline's; its place is no entity of this corpus
        "place": None,
        "language": None,
    }
    assert header["claims"] is None
    assert "harbour-fire" in out


PAGE = """<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Fire | The Gazette</title>
<meta property="og:title" content="Fire at the harbour: seven dead">
<meta property="article:published_time" content="2024-03-14T08:00:00+00:00">
<style>p { color: red }</style><script>var seven = 7;</script></head>
<body><nav>Home | News</nav><article><h1>Fire at the harbour</h1>
<p>Fire swept through the warehouses on March 12, 2024, killing seven workers,
   the city&#8217;s fire service said.</p>
<p>&ldquo;We counted nine bodies,&rdquo; Lena&nbsp;Okafor said.<br>More later.</p></article></body></html>
"""


def test_add_document_extracts_a_saved_pages_text_title_date_and_language(tmp_path: Path, runner: CliRunner):
    corpus = tmp_path / "c"
    run(runner, "init", str(corpus))
    page = tmp_path / "fire.html"
    page.write_text(PAGE, encoding="utf-8")
    code, _, err = run(runner, "add-document", str(page), "--corpus", str(corpus))
    assert code == 0, err
    text = (corpus / "fire.txt").read_text("utf-8")
    assert text == (
        "Fire at the harbour\n\n"
        "Fire swept through the warehouses on March 12, 2024, killing seven workers, "
        "the city’s fire service said.\n\n"
        "“We counted nine bodies,” Lena\u00a0Okafor said.\nMore later.\n"
    )
    header = yaml.safe_load((corpus / "fire.yaml").read_text("utf-8"))["document"]
    assert header["sha256"] == hashlib.sha256((corpus / "fire.txt").read_bytes()).hexdigest()
    assert header["title"] == "Fire at the harbour: seven dead"
    assert str(header["date"]) == "2024-03-14" and header["language"] == "en-GB"
    assert header["creator"] is None


def test_a_page_states_its_date_at_its_precision_or_not_at_all():
    assert read_html(b'<meta name="dc.date" content="2017-09"><p>x</p>').date == YearMonth(2017, 9)
    json_ld = (
        b'<script type="application/ld+json">{"@graph": [{"datePublished": "2019-10-19"}]}</script><p>x</p>'
    )
    assert str(read_html(json_ld).date) == "2019-10-19"
    assert read_html(b"<title>T</title><p>No date here, 52 died.</p>").date is None
    assert read_html(b"<title>T</title><p>x</p>").title == "T"


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        (
            "nothing",
            ["--corpus", "{tmp}/none"],
            "no corpus.yaml here; start the corpus with `claimgraph init",
        ),
        ("latin1", ["--corpus", "{tmp}/c"], ":1: not UTF-8 text (byte 3); save it as UTF-8"),
        ("twice", ["--corpus", "{tmp}/c"], "exists already"),
        ("bad id", ["--corpus", "{tmp}/c", "--id", "Not A Slug"], "document id must be a lower-case slug"),
    ],
)
def test_add_document_refuses_with_one_line_and_writes_nothing(
    tmp_path: Path, runner: CliRunner, setup: str, args: list[str], message: str
):
    corpus = tmp_path / "c"
    run(runner, "init", str(corpus))
    source = tmp_path / "doc.txt"
    source.write_bytes(b"caf\xe9\n" if setup == "latin1" else b"Seven died.\n")
    if setup == "twice":
        assert run(runner, "add-document", str(source), "--corpus", str(corpus))[0] == 0
    before = sorted((p.name, p.read_bytes()) for p in corpus.iterdir())
    code, _out, err = run(runner, "add-document", str(source), *[a.format(tmp=tmp_path) for a in args])
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
    assert sorted((p.name, p.read_bytes()) for p in corpus.iterdir()) == before


# ------------------------------------------------------------------------ draft


def terms():
    return read_terms(vocabulary_files(ROOT / "ontology", SCHEME))


@pytest.mark.parametrize("name", ["000_29cd18593cd2def4.txt", "002_f220016d3d926a61.txt"])
def test_uncommented_drafts_are_claims_whose_quotes_the_loader_anchors(
    tmp_path: Path, runner: CliRunner, name
):
    corpus = tmp_path / "seeds"
    corpus.mkdir()
    shutil.copy(SEEDS / "corpus.yaml", corpus)
    shutil.copy(SEEDS / name, corpus)
    code, out, err = run(
        runner, "draft", str(corpus / name), "--ontology-dir", ONTOLOGY, "--count-kinds", str(SCHEME)
    )
    assert code == 0, err
    text = (corpus / name).read_text("utf-8")
    sheet = yaml.safe_load(uncommented(out))
    claims = sheet["claims"]
    assert len(claims) >= 10
    for claim in claims:
        assert set(claim) <= CLAIM_KEYS, claim
        quote = anchor_quote(text, claim["quote"], occurrence=claim.get("occurrence"))
        assert quote.exact == claim["quote"]
    values = [c["value"] for c in claims]
    assert 52 in values and 7 in values and 50 in values
    assert sheet["document"]["sha256"] == hashlib.sha256((corpus / name).read_bytes()).hexdigest()


def test_draft_recall_on_the_seed_documents_and_the_tests_document():
    """The benchmark's figures, computed here: recall ≥ 0.8 on numbers, ≥ 0.6 on dates, on each."""
    bench = benchmark()
    scores = [s for folder in (SEEDS, DRAFT) for s in bench.score_corpus(folder)]
    assert {s.document for s in scores} == {
        "seeds/000_29cd18593cd2def4.txt",
        "seeds/002_f220016d3d926a61.txt",
        "draft/harbour-fire.txt",
    }
    for score in scores:
        assert score.numbers[1] >= 7 and score.dates[1] >= 4, score  # the gold has numbers and dates
        assert score.rate("numbers") >= 0.8, score
        assert score.rate("dates") >= 0.6, score
        assert score.rate("precision") >= 0.5, score


def test_the_scoring_counts_a_miss_and_a_wrong_value():
    """The scoring can fail: drafts that hold other values, or quotes outside the gold's, score 0."""
    bench = benchmark()
    corpus = read_corpus(DRAFT)
    [document] = corpus.documents
    drafts = draft_claims(document.text, creator=document.creator, registry=corpus.entities, terms=terms())
    for draft in drafts:
        draft.value = 999 if draft.kind == "number" else draft.value
    score = bench.score_document(document.text, list(corpus.claims), drafts, "x")
    assert score.numbers == (0, 7) and score.dates == (4, 4)
    moved = draft_claims(document.text, creator=document.creator, registry=corpus.entities, terms=terms())
    for draft in moved:
        draft.start, draft.end = 0, 5
    assert bench.score_document(document.text, list(corpus.claims), moved, "x").rate("numbers") == 0


def drafted(**options):
    corpus = read_corpus(DRAFT)
    [document] = corpus.documents
    found = draft_claims(document.text, creator=document.creator, registry=corpus.entities, **options)
    return {d.quote: d for d in found}


def test_values_counts_kinds_and_bounds_are_parsed():
    drafts = drafted(terms=terms())
    assert drafts["killing seven"].value == 7 and drafts["killing seven"].count_kind == "killed"
    assert drafts["killing seven"].predicate == "cg:deathCount"
    assert drafts["nine bodies"].count_kind == "bodies-seen"
    bound = drafts["more than 50 people were missing"]
    assert (bound.value, bound.bound, bound.count_kind, bound.predicate) == (
        50,
        "more than",
        "missing",
        "cg:missingCount",
    )
    assert drafts["twenty-three people died"].value == 23
    assert drafts["dozens of families"].value == "dozens of families"
    assert drafts["dozens of families"].kind == "quantity"
    assert drafts["120 crew members stayed"].predicate == "cg:remainingCount"
    assert drafts["October 2023"].value == YearMonth(2023, 10)
    assert drafts["March 12"].value == MonthDay(3, 12)
    assert drafts["1987"].value.year == 1987


def test_subject_claimant_and_chain_are_proposed_from_the_registry():
    drafts = drafted(terms=terms())
    # "…, killing seven workers, the city's fire service said on Wednesday."
    assert drafts["killing seven"].claimant == "port-aldren-fire-service"
    assert drafts["killing seven"].subject == "harbour-fire-2024"
    # “We counted nine bodies …,” fire chief Lena Okafor told reporters.
    assert drafts["nine bodies"].claimant == "lena-okafor"
    # According to the harbour authority, more than 50 …
    assert drafts["more than 50 people were missing"].claimant == "port-aldren-harbour-authority"
    # Okafor said that two firefighters were killed
    assert drafts["two firefighters were killed"].claimant == "lena-okafor"
    # The document's own voice: its creator.
    assert drafts["October 2023"].claimant == "author-harbour-fire"
    assert drafts["October 2023"].subject == "harbour-inspection-2023"


def test_a_quotation_within_a_quotation_is_a_chain():
    """Boumedra reads out a passage in which United Nations officials said they saw 52 bodies."""
    corpus = read_corpus(SEEDS)
    document = next(d for d in corpus.documents if d.id == "article-000")
    drafts = draft_claims(document.text, creator=document.creator, registry=corpus.entities, terms=terms())
    bodies = next(d for d in drafts if d.quote == "52 bodies")
    assert (bodies.claimant, bodies.via, bodies.count_kind) == (
        "un-officials",
        ["tahar-boumedra"],
        "bodies-seen",
    )


def test_without_a_scheme_the_texts_own_word_is_kept():
    drafts = drafted()  # no count-kind scheme at all
    assert drafts["nine"].count_kind is None and drafts["nine"].wording == "bodies"


def test_draft_in_place_then_edit_validate_and_load(tmp_path: Path, runner: CliRunner):
    """The tutorial's path: init, add-document, draft, uncomment and correct, validate, load."""
    corpus = tmp_path / "fire"
    run(runner, "init", str(corpus))
    shutil.copy(DRAFT / "corpus.yaml", corpus / "corpus.yaml")
    args = ["--corpus", str(corpus), "--creator", "author-harbour-fire"]
    assert run(runner, "add-document", str(DRAFT / "harbour-fire.txt"), *args)[0] == 0
    sheet = corpus / "harbour-fire.yaml"
    draft = ["draft", str(corpus / "harbour-fire.txt"), "--in-place", "--ontology-dir", ONTOLOGY]
    code, _, err = run(runner, *draft, "--count-kinds", str(SCHEME))
    assert code == 0 and "draft claims added" in err
    code, _, err = run(runner, *draft)
    assert code == 2 and "holds drafts already" in err
    # A researcher keeps the drafts whose every field is filled in, as they are.
    parsed = yaml.safe_load(uncommented(sheet.read_text("utf-8")))
    kept = [c for c in parsed["claims"] if all(v is not None for v in c.values()) and c.get("subject")]
    assert len(kept) >= 8
    parsed["claims"] = kept
    sheet.write_text(yaml.safe_dump(parsed, allow_unicode=True, sort_keys=False), encoding="utf-8")
    code, out, err = run(runner, "validate", str(corpus), "--ontology-dir", ONTOLOGY)
    assert code == 0, err
    store = str(tmp_path / "store")
    code, out, err = run(runner, "load", str(corpus), "--store", store, "--ontology-dir", ONTOLOGY)
    assert code == 0 and f"{len(kept)} claims" in out, (out, err)


def test_draft_proposes_the_stores_registry(tmp_path: Path, runner: CliRunner):
    """With --against-store, the entities a store holds (not in corpus.yaml) are proposed too."""
    store = str(tmp_path / "store")
    assert run(runner, "load", str(DRAFT), "--store", store, "--ontology-dir", ONTOLOGY)[0] == 0
    corpus = tmp_path / "new"
    run(runner, "init", str(corpus))
    report = tmp_path / "report.txt"
    report.write_text(
        "The harbour authority says that 31 people died in the March 12 fire.\n", encoding="utf-8"
    )
    assert run(runner, "add-document", str(report), "--corpus", str(corpus))[0] == 0
    common = ["draft", str(corpus / "report.txt"), "--ontology-dir", ONTOLOGY, "--count-kinds", str(SCHEME)]
    code, out, _ = run(runner, *common)
    assert code == 0 and "subject: null" in out and "harbour-fire-2024" not in out
    code, out, err = run(runner, *common, "--against-store", "--store", store)
    assert code == 0, err
    claims = yaml.safe_load(uncommented(out))["claims"]
    deaths = next(c for c in claims if c["value"] == 31)
    assert deaths["subject"] == "harbour-fire-2024" and deaths["claimant"] == "port-aldren-harbour-authority"


def test_the_benchmarks_section_is_kept_when_results_md_is_written_again():
    bench = benchmark()
    section = f"{bench.BEGIN}\n## Draft recall\n{bench.END}\n"
    written = bench.with_section("# Benchmark results\n\n## 1,000 claims\n", section)
    assert written.endswith(section) and written.startswith("# Benchmark results")
    again = bench.with_section(written, section.replace("Draft recall", "Draft recall, again"))
    assert again.count(bench.BEGIN) == 1 and "again" in again and "## 1,000 claims" in again


@pytest.mark.parametrize("where", BACKENDS)
def test_the_registry_is_read_from_a_store_on_every_backend(tmp_path: Path, servers, where: str):
    """A store's entities, labels and alternative labels, on the embedded store and on a server."""
    settings = backend_settings(where, servers, tmp_path / "store", role="drafting", ontology_dir=ONTOLOGY)
    app = Claimgraph(settings)
    store = app.open_store()
    try:
        app.load(store, DRAFT)
        entities = {e.id: e for e in registry_entities(store, app.mint)}
        corpus = tmp_path / "new"
        corpus.mkdir()
        report = corpus / "report.txt"
        report.write_text("The harbour authority says that 31 people died in the March 12 fire.\n", "utf-8")
        drafted = app.draft(report, store=store, scheme=SCHEME)
    finally:
        store.close()
    fire = entities["harbour-fire-2024"]
    assert set(fire.alt_labels) == {"harbour fire", "March 12 fire"} and not fire.is_agent
    assert entities["lena-okafor"].is_agent and entities["lena-okafor"].label == "Lena Okafor"
    assert set(entities) == {e.id for e in read_corpus(DRAFT).entities}
    deaths = next(d for d in drafted.drafts if d.value == 31)
    assert (deaths.subject, deaths.claimant, deaths.count_kind) == (
        "harbour-fire-2024",
        "port-aldren-harbour-authority",
        "killed",
    )


def test_a_sentence_of_reported_speech_is_a_draft_of_its_speakers():
    corpus = read_corpus(SEEDS)
    found = [
        draft
        for document in corpus.documents
        for draft in draft_claims(document.text, creator=document.creator, registry=corpus.entities)
        if draft.kind == "speech"
    ]

    def starting(words: str):
        return next(d for d in found if d.quote.startswith(words))

    stressed = starting("Mrs. Rajavi also stressed that")
    assert (stressed.claimant, stressed.value, stressed.predicate) == ("maryam-rajavi", None, None)
    assert starting("Press reports claim members of the QF").claimant == "press-reports"
    # He said: “The reality …” — "he" is the last person named before.
    assert starting("The reality about Camp Ashraf").claimant == "tahar-boumedra"
    # A sentence in the document's own voice that quotes no one is no speech draft.
    assert not any(d.quote.startswith("Those responsible") for d in found)


@pytest.mark.parametrize("wording", [True, False])
def test_the_texts_words_go_where_the_loader_reads_them(monkeypatch, wording: bool):
    """With a count-kind scheme, count_kind is its notation; the text's words are ``wording`` where
    the loader knows that qualifier. Without a scheme, the text's word is all there is."""
    from claimgraph.draft import sheet

    qualifiers = ("count_kind", "wording", "bound") if wording else ("count_kind", "bound")
    monkeypatch.setattr(sheet, "QUALIFIERS", qualifiers)
    corpus = read_corpus(DRAFT)
    [document] = corpus.documents
    for vocabulary, expected in ((terms(), "count_kind: bodies-seen"), (None, None)):
        options = {"terms": vocabulary} if vocabulary else {}
        found = draft_claims(document.text, creator=document.creator, registry=corpus.entities, **options)
        nine = next(d for d in found if d.value == 9)
        text = uncommented("claims:\n" + sheet.render([nine], document.text, creator=None))
        [claim] = yaml.safe_load(text)["claims"]
        if expected:
            assert claim["count_kind"] == "bodies-seen"
            assert claim.get("wording") == ("bodies" if wording else None)
        else:
            assert claim.get("wording" if wording else "count_kind") == "bodies"
            assert ("count_kind" in claim) != wording


def test_drafting_needs_no_network(tmp_path: Path):
    """Nothing downloads a model or data at run time: drafting works with every connection refused."""
    code = (
        "import socket\n"
        "def refuse(*args, **kwargs):\n"
        "    raise OSError('no network in this test')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "from pathlib import Path\n"
        "from claimgraph.draft import draft_sheet\n"
        f"drafted = draft_sheet(Path({str(DRAFT / 'harbour-fire.txt')!r}))\n"
        "print(len(drafted.drafts))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path, check=False
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) >= 10


def test_a_seed_document_added_again_has_the_seed_sheets_sha256(tmp_path: Path, runner: CliRunner):
    corpus = tmp_path / "again"
    run(runner, "init", str(corpus))
    name = "000_29cd18593cd2def4.txt"
    assert run(runner, "add-document", str(SEEDS / name), "--corpus", str(corpus))[0] == 0
    seed = yaml.safe_load((SEEDS / "000_29cd18593cd2def4.yaml").read_text("utf-8"))["document"]
    added = yaml.safe_load((corpus / "000_29cd18593cd2def4.yaml").read_text("utf-8"))["document"]
    assert added["sha256"] == seed["sha256"] and added["file"] == seed["file"]


def test_draft_refuses_a_document_that_is_not_utf8(tmp_path: Path, runner: CliRunner):
    document = tmp_path / "latin1.txt"
    document.write_bytes(b"Seven died in M\xe1laga.\n")
    code, out, err = run(runner, "draft", str(document), "--ontology-dir", ONTOLOGY)
    assert code == 2 and out == "" and "not UTF-8" in err and "latin1.txt:1" in err


def test_an_empty_quotation_and_numbers_in_money_and_percent():
    [said] = draft_claims("He said: “”", creator="me", registry=[])
    assert said.kind == "speech" and said.quote == "He said: “”"
    found = draft_claims(
        "Damage: $5 million; turnout 50%; COVID-19 and P5+1 are names.", creator="me", registry=[]
    )
    assert [(d.quote, d.value) for d in found] == [("5 million", 5_000_000), ("50%", 50)]

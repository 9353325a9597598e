"""The seed corpus: verbatim documents, complete metadata, every claim sourced."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import pytest

from claimgraph.api import Claimgraph
from claimgraph.model import EntityRef, MonthDay, Year, YearMonth
from claimgraph.namespaces import XSD
from claimgraph.sheets import read_corpus
from claimgraph.store import Store

from .conftest import SEEDS, SHARED, needs_shared

SHARED_SEEDS = SHARED / "seeds"
CG = "https://w3id.org/claimgraph/ns#"
SCHEMA = "http://schema.org/"
DATES = (dt.date, YearMonth, Year, MonthDay)


@pytest.fixture(scope="module")
def corpus():
    return read_corpus(SEEDS)


def test_documents_are_the_shared_seeds_verbatim():
    needs_shared(SHARED_SEEDS)
    originals = sorted(SHARED_SEEDS.glob("*.txt"))
    assert originals
    for original in originals:
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


# ---------------------------------------------------------------- the reading rules, checked on the data

ATTACK = "camp-ashraf-attack-2013"
COUNTS = {CG + n for n in ("deathCount", "abductedCount", "remainingCount", "missingCount")}


def claims_on(corpus, predicate: str, subject: str | None = None):
    return [
        c for c in corpus.claims if c.predicate == predicate and (subject is None or c.subject == subject)
    ]


def test_headline_and_caption_are_the_publishers_voice(corpus):
    """Rule 1: a headline or caption that names another party's finding is still the publisher's."""
    doc = next(d for d in corpus.documents if d.id == "article-002")
    byline = doc.text.index("Reporting by")
    top = [c for c in corpus.claims if c.document == doc.id and c.quote.start < byline]
    assert top and {c.claimant for c in top} == {doc.creator}
    assert all(len(c.chain) == 1 for c in top)


def test_a_gloss_beyond_the_quoted_words_is_the_documents_own(corpus):
    """Rule 1: "explained that the Quds Force was behind the attack" is the article's claim."""
    [gloss] = [c for c in corpus.claims if "was behind the attack" in c.quote.exact]
    assert gloss.claimant == "author-000" and gloss.predicate == CG + "heldResponsible"
    assert not [
        c for c in corpus.claims if c.claimant == "tahar-boumedra" and c.predicate == CG + "assistedBy"
    ]


def test_a_passage_read_out_keeps_the_speaker_and_is_not_dated_by_the_speaking(corpus):
    """Rule 2: the third-person passage Boumedra read out: he is in the chain, its author after him."""
    doc = next(d for d in corpus.documents if d.id == "article-000")
    start = doc.text.index("He said: “Iraq’s security forces")
    end = doc.text.index("\n", start)
    passage = [c for c in corpus.claims if c.document == doc.id and start <= c.quote.start < end]
    assert len(passage) > 10
    for claim in passage:
        agents = [s.agent for s in claim.chain]
        assert agents[:3] == ["author-000", "tahar-boumedra", "boumedra-passage-author"], claim.line
        assert "stated_on" not in dict(claim.qualifiers), claim.line
    spoken = [c for c in corpus.claims if c.claimant == "tahar-boumedra"]
    assert spoken and all(dict(c.qualifiers).get("stated_on") == dt.date(2013, 9, 13) for c in spoken)


def test_parties_to_one_act_are_parties_to_that_act(corpus):
    """Rule 3: the abduction's perpetrators are claimed for the abduction, a part of the attack."""
    abduction = "camp-ashraf-abduction-2013"
    assert {c.value for c in claims_on(corpus, SCHEMA + "superEvent", abduction)} == {EntityRef(ATTACK)}
    assert {c.value.id for c in claims_on(corpus, CG + "carriedOutBy", abduction)} == {
        "quds-force",
        "kataib-hezbollah",
        "asaib-ahl-al-haq",
    }
    wider = [c for c in claims_on(corpus, CG + "carriedOutBy", ATTACK) if "abducted" in c.quote.exact]
    assert wider == []


def test_who_could_enter_is_not_who_attacked_and_allowed_is_not_helped(corpus):
    """Rule 3: predicates do not over-read."""
    entry = [c for c in corpus.claims if "Nobody could penetrate" in c.quote.exact]
    assert {c.predicate for c in entry} == {CG + "accessControlledBy"}
    [opened] = [
        c for c in corpus.claims if c.quote.exact == "opened the way for them to attack the residents"
    ]
    assert opened.predicate == CG + "assistedBy"
    [allowed] = [c for c in corpus.claims if "administration in Iraq allowed" in c.quote.exact]
    assert allowed.predicate == CG + "allowedBy"
    deadly = [
        c for c in corpus.claims if "deadly raid" in c.quote.exact and c.predicate == CG + "carriedOutBy"
    ]
    assert deadly == []


def test_alternative_labels_are_names_the_documents_use(corpus):
    """Rule 4: an alternative label is a name the text uses for that entity."""
    text = "\n".join(d.text for d in corpus.documents)
    for entity in corpus.entities:
        for alt in entity.alt_labels:
            assert alt in text, (entity.id, alt)
    generic = next(e for e in corpus.entities if e.id == "iranian-proxies-in-iraq")
    assert not {"Iranian proxies", "Iran proxies"} & set(generic.alt_labels)
    army = next(e for e in corpus.entities if e.id == "iraqi-army")
    assert "Iraqi military" in army.alt_labels


def test_groups_the_text_tells_apart_are_two_entities(corpus):
    """Rule 4: those who stayed in Ashraf and those moved to Liberty."""
    moved = {c.subject for c in claims_on(corpus, CG + "relocatedTo")}
    protected = {c.subject for c in claims_on(corpus, CG + "protectedBy") if "supposedly" in c.quote.exact}
    assert moved == {"ashraf-residents-moved-to-liberty"}
    assert protected == {"ashraf-remaining-residents-2013"}
    caption = {c.subject for c in corpus.claims if "August 2017" in c.quote.exact}
    ceremony = {c.subject for c in corpus.claims if "In September 2017" in c.quote.exact}
    assert caption == {"rajavi-commemoration-2017-08"} and ceremony == {"ashraf-anniversary-ceremony-2017"}


def test_every_count_says_what_it_counted(corpus):
    """Rule 5: a count kind on every count."""
    counts = [c for c in corpus.claims if c.predicate in COUNTS]
    assert counts and all(dict(c.qualifiers).get("count_kind") for c in counts)
    kinds = {dict(c.qualifiers)["count_kind"] for c in counts if c.subject == ATTACK}
    assert kinds == {"killed", "bodies-seen", "abducted", "remaining", "missing"}
    # The text's own words stay on the claim: "taken hostage" and "abducted" are one count kind.
    wordings = {
        dict(c.qualifiers).get("wording") for c in counts if dict(c.qualifiers)["count_kind"] == "abducted"
    }
    assert wordings == {"taken hostage", None}


def test_hedges_are_modalities_on_every_claim_they_govern(corpus):
    """Rule 5: "according to the press", "press reports claim" on each claim in their scope."""
    for claim in corpus.claims:
        if claim.claimant == "press-reports":
            assert dict(claim.qualifiers).get("modality") in {"press reports claim", "according to the press"}


def test_dates_are_at_the_precision_the_text_gives(corpus):
    """Rule 6: year-months and years typed, no year borrowed."""
    values = {(c.subject, c.quote.exact): c.value for c in corpus.claims if isinstance(c.value, DATES)}
    assert values[("khamenei-jcpoa-approval-2015", "approval of the JCPOA in October 2015")] == YearMonth(
        2015, 10
    )
    assert values[("nuclear-agreement-2013-11", "signing of an agreement on November 2013")] == YearMonth(
        2013, 11
    )
    assert values[("iran-1988-massacre", "the 1988 massacre")] == Year(1988)
    assert values[(ATTACK, "The September 1 attack on Camp Ashraf")] == MonthDay(9, 1)
    assert not [
        c for c in corpus.claims if isinstance(c.value, str) and re.fullmatch(r"\d{4}(-\d\d){0,2}", c.value)
    ]


def test_typed_dates_reach_the_store(seed_store: Store):
    found = seed_store.query(
        "SELECT DISTINCT ?datatype WHERE { ?c a <https://w3id.org/claimgraph/ns#Claim> ; "
        "<http://www.w3.org/1999/02/22-rdf-syntax-ns#object> ?o . FILTER isLiteral(?o) BIND (DATATYPE(?o) AS ?datatype) }"
    ).rows
    datatypes = {str(r["datatype"]) for r in found}
    assert {str(XSD.date), str(XSD.gYearMonth), str(XSD.gYear), str(XSD.gMonthDay)} <= datatypes


def test_no_act_of_asserting_is_recorded_twice(corpus):
    """Rule 7: same claimant, document, triple and (overlapping) quote is one claim; so is a
    sub-property claim with its super-property claim from the same quote."""
    supers = {CG + "heldResponsible"}
    for i, a in enumerate(corpus.claims):
        for b in corpus.claims[i + 1 :]:
            same = (a.document, a.claimant, a.subject, a.value) == (
                b.document,
                b.claimant,
                b.subject,
                b.value,
            )
            overlap = a.quote.start < b.quote.end and b.quote.start < a.quote.end
            related = a.predicate == b.predicate or {a.predicate, b.predicate} & supers
            assert not (same and overlap and related), (a.line, b.line)


def test_metadata_as_the_text_gives_it(corpus):
    """Rule 8: a byline names the creator, not the publisher; the dateline's place is recorded."""
    doc = next(d for d in corpus.documents if d.id == "article-002")
    assert (doc.creator, doc.publisher, doc.date, doc.place) == (
        "mek",
        None,
        dt.date(2019, 10, 19),
        "washington",
    )
    unsigned = next(d for d in corpus.documents if d.id == "article-000")
    assert (unsigned.creator, unsigned.publisher, unsigned.date) == ("author-000", None, None)


@pytest.mark.parametrize(
    ("clause", "predicate"),
    [
        ("international calls for an independent UN-led investigation", CG + "demandedAction"),
        ("coup-de-grace shots to the injured", CG + "injuredVictims"),
        ("The reality about Camp Ashraf is …. sealed.", CG + "characterizedAs"),
    ],
)
def test_every_factual_clause_is_a_claim(corpus, clause: str, predicate: str):
    """Rule 9: coverage."""
    assert [c for c in corpus.claims if clause in c.quote.exact and c.predicate == predicate]


# ---------------------------------------------------------------- the second reading (rules 10-13)


def test_one_act_is_recorded_once_with_its_full_chain(corpus):
    """Rule 10: the United Nations' rebuke, paraphrased by the article and then read out by
    Boumedra, is one claim, with the passage's author in its chain."""
    rebukes = [
        c
        for c in corpus.claims
        if c.claimant == "united-nations" and c.predicate == CG + "heldResponsible" and c.subject == ATTACK
    ]
    assert len(rebukes) == 1
    assert [s.agent for s in rebukes[0].chain] == [
        "author-000",
        "tahar-boumedra",
        "boumedra-passage-author",
        "united-nations",
    ]


def test_one_form_per_fact(corpus):
    """Rule 11: the IRGC's designation is an act of its own, not also a triple."""
    assert not [c for c in corpus.claims if c.predicate == CG + "designatedTerroristBy"]
    act = {
        c.predicate.rsplit("/", 1)[-1] for c in corpus.claims if c.subject == "us-irgc-terrorist-designation"
    }
    assert {"agent", "object"} <= act


def test_a_partys_judging_words_are_characterisations(corpus):
    """Rule 12: MEK's "massacre" and "murdered" are characterisations, not only a name and a count;
    the headline's "U.S. State Department confirms" is MEK's claim with the report as its basis."""
    mine = {
        str(c.value)
        for c in corpus.claims
        if c.claimant == "mek" and c.subject == ATTACK and c.predicate == CG + "characterizedAs"
    }
    assert {"massacre", "murder"} <= mine
    headline = [c for c in corpus.claims if "U.S. State Department confirms" in c.quote.exact]
    assert headline and all(c.claimant == "mek" for c in headline)
    assert all(dict(c.qualifiers).get("basis") == "us-state-department" for c in headline)


def test_registry_labels_carry_no_claim_and_every_party_is_recorded(corpus):
    """Rule 13: the series' label names no perpetrator; the abduction's victim is recorded."""
    [series] = [e for e in corpus.entities if e.id == "iranian-attacks-on-mek"]
    assert "Iranian regime" not in series.label
    assert any(
        c.subject == "iranian-attacks-on-mek" and c.predicate == CG + "carriedOutBy" for c in corpus.claims
    )
    victims = {
        c.value.id
        for c in corpus.claims
        if c.subject == "camp-ashraf-abduction-2013" and c.predicate == CG + "victim"
    }
    assert victims == {"mek"}


def test_a_party_to_the_event_is_declared_not_claimed(corpus):
    """cg:partyTo is a curator's declaration in the registry; agreements are claimed with cg:partyToAgreement."""
    parties = {e.id: e.party_to for e in corpus.entities if e.party_to}
    assert parties == {"mek": ("camp-ashraf-attack-2013",)}
    assert not [c for c in corpus.claims if c.predicate == CG + "partyTo"]
    assert len([c for c in corpus.claims if c.predicate == CG + "partyToAgreement"]) == 8

"""Every named query runs, and its answer on the seed corpus is checked."""

from __future__ import annotations

from collections import defaultdict

import pytest

from claimgraph.api import Claimgraph
from claimgraph.queries import load_named_queries
from claimgraph.store import QueryResult, Store

from .conftest import ROOT

NAMED = load_named_queries(ROOT / "queries")


def rows(result: QueryResult) -> list[dict[str, object]]:
    return [{k: v.toPython() if hasattr(v, "toPython") else v for k, v in r.items()} for r in result.rows]


def entity(cg: Claimgraph, ident: str) -> str:
    return str(cg.mint.entity(ident))


def document(cg: Claimgraph, ident: str) -> str:
    return str(cg.mint.document(ident))


@pytest.fixture(scope="module")
def answers(seed_claimgraph: Claimgraph, seed_store: Store) -> dict[str, list[dict[str, object]]]:
    return {name: rows(seed_claimgraph.run_named(seed_store, name)) for name in NAMED}


def test_the_expected_queries_exist():
    assert {
        "casualties-by-source",
        "contested-facts",
        "claims-by-claimant",
        "who-blames-whom",
        "attribution-chains",
        "corroboration",
    } <= set(NAMED)


@pytest.mark.parametrize("name", sorted(NAMED))
def test_every_query_has_a_header_and_answers(name: str, answers):
    query = NAMED[name]
    assert query.title and query.description
    assert answers[name], f"{name} has no answer on the seed corpus"


def test_casualties_by_source(seed_claimgraph: Claimgraph, answers):
    cg = seed_claimgraph
    by_value = defaultdict(set)
    for row in answers["casualties-by-source"]:
        assert row["quote"] and row["document"] and row["claimant"]
        by_value[row["deaths"]].add((str(row["claimant"]), str(row["document"])))
    # 50 dead: the US State Department report, reported in both documents.
    assert by_value[50] == {
        (entity(cg, "us-state-department"), document(cg, "article-000")),
        (entity(cg, "us-state-department"), document(cg, "article-002")),
    }
    # 52: United Nations officials (through the testimony) and both articles' own voice.
    assert {
        (entity(cg, "un-officials"), document(cg, "article-000")),
        (entity(cg, "author-000"), document(cg, "article-000")),
        (entity(cg, "mek"), document(cg, "article-002")),
    } <= by_value[52]
    assert set(by_value) == {50, 52}
    [un] = [r for r in answers["casualties-by-source"] if str(r["claimant"]) == entity(cg, "un-officials")]
    assert un["countKind"] == "bodies seen"
    assert "Boumedra" in un["via"]
    assert "52 bodies" in un["quote"]


def test_casualties_for_one_event_only(seed_claimgraph: Claimgraph, seed_store: Store):
    event = entity(seed_claimgraph, "camp-ashraf-attack-2013")
    one = rows(seed_claimgraph.run_named(seed_store, "casualties-by-source", {"event": event}))
    assert one and all(str(r["event"]) == event for r in one)
    none = rows(
        seed_claimgraph.run_named(
            seed_store, "casualties-by-source", {"event": entity(seed_claimgraph, "iraq")}
        )
    )
    assert none == []


def test_abducted_and_remaining(seed_claimgraph: Claimgraph, seed_store: Store):
    cg = seed_claimgraph
    event = cg.mint.entity("camp-ashraf-attack-2013").n3()
    result = rows(
        seed_store.query(
            "SELECT ?p ?o WHERE { ?c a <https://w3id.org/claimgraph/ns#Claim> ; "
            f"<http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> {event} ; "
            "<http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate> ?p ; "
            "<http://www.w3.org/1999/02/22-rdf-syntax-ns#object> ?o }"
        )
    )
    values = defaultdict(set)
    for row in result:
        values[str(row["p"]).rsplit("#", 1)[-1]].add(row["o"])
    assert values["abductedCount"] == {7}
    assert values["remainingCount"] == {100}


def test_corroboration_tells_repetition_from_independence(seed_claimgraph: Claimgraph, answers):
    death = "https://w3id.org/claimgraph/ns#deathCount"
    rows_ = {r["value"]: r for r in answers["corroboration"] if str(r["property"]) == death}
    assert rows_[50]["status"] == "repeated"
    assert (rows_[50]["claimants"], rows_[50]["documents"]) == (1, 2)
    assert rows_[52]["status"] == "corroborated"
    assert rows_[52]["claimants"] >= 3


def test_contested_facts_and_range(answers):
    death = "https://w3id.org/claimgraph/ns#deathCount"
    contested = {r["value"]: r for r in answers["contested-facts"] if str(r["property"]) == death}
    assert set(contested) == {50, 52}
    assert contested[50]["claimants"] == "U.S. State Department"
    assert contested[50]["functional"] is True
    [span] = [r for r in answers["contested-range"] if str(r["property"]) == death]
    assert (span["low"], span["high"], span["values"]) == (50, 52, 2)
    assert "smallest" in span["rule"]


def test_who_blames_whom(seed_claimgraph: Claimgraph, answers):
    cg = seed_claimgraph
    blame = {
        (str(r["claimant"]), str(r["blamed"]), str(r["role"]).rsplit("#", 1)[-1])
        for r in answers["who-blames-whom"]
    }
    assert (entity(cg, "press-reports"), entity(cg, "quds-force"), "plannedBy") in blame
    assert (entity(cg, "us-state-department"), entity(cg, "kataib-hezbollah"), "carriedOutBy") in blame
    assert (entity(cg, "us-state-department"), entity(cg, "asaib-ahl-al-haq"), "carriedOutBy") in blame
    assert (entity(cg, "author-000"), entity(cg, "iraqi-government"), "allowedBy") in blame
    # Both spellings, one party.
    assert not any("hezballah" in b for _, b, _ in blame)


def test_attribution_chains(seed_claimgraph: Claimgraph, answers):
    cg = seed_claimgraph
    steps = defaultdict(dict)
    for row in answers["attribution-chains"]:
        steps[str(row["claim"])][row["step"]] = (str(row["agent"]), str(row.get("medium") or ""))
    un_chains = [s for s in steps.values() if s[max(s)][0] == entity(cg, "un-officials")]
    assert un_chains
    for chain in un_chains:
        assert [chain[i][0] for i in sorted(chain)] == [
            entity(cg, "author-000"),
            entity(cg, "tahar-boumedra"),
            entity(cg, "un-officials"),
        ]
        assert chain[0][1] == document(cg, "article-000")
        assert chain[1][1] == entity(cg, "boumedra-testimony")
    press = [s for s in steps.values() if s[max(s)][0] == entity(cg, "press-reports")]
    assert press and all(s[1][0] == entity(cg, "us-state-department") for s in press)


def test_claims_by_claimant_with_parameter(seed_claimgraph: Claimgraph, seed_store: Store):
    cg = seed_claimgraph
    who = entity(cg, "us-state-department")
    mine = rows(cg.run_named(seed_store, "claims-by-claimant", {"claimant": who}))
    assert mine and {str(r["claimant"]) for r in mine} == {who}
    assert {str(r["document"]) for r in mine if r["value"] == 50} == {
        document(cg, "article-000"),
        document(cg, "article-002"),
    }


def test_consensus_keeps_agreement_and_drops_disagreement(answers):
    facts = {(str(r["property"]).rsplit("#", 1)[-1], r["value"]) for r in answers["consensus"]}
    assert ("remainingCount", 100) in facts
    assert ("abductedCount", 7) in facts
    # A claim's key is (subject, predicate, count kind): the UN officials' 52 bodies seen
    # stand alone in their kind; the deaths (52 against 50) disagree, so no deaths statement.
    assert {v for p, v in facts if p == "deathCount"} <= {52}

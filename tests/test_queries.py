"""Every named query runs, and its answer on the seed corpus is checked."""

from __future__ import annotations

import shutil
from collections import defaultdict

import pytest
from rdflib import Dataset

from claimgraph.api import Claimgraph
from claimgraph.queries import bind_parameters, load_named_queries
from claimgraph.rdf.terms import DEFAULT
from claimgraph.store import QueryResult, Store

from .conftest import MINI, ROOT

NAMED = load_named_queries(ROOT / "queries")


def rows(result: QueryResult) -> list[dict[str, object]]:
    return [{k: v.toPython() if hasattr(v, "toPython") else v for k, v in r.items()} for r in result.rows]


def kind(row: dict[str, object]) -> str | None:
    """The notation of a row's count kind (the concept's IRI ends with it)."""
    found = row.get("countKind")
    return str(found).rsplit("#", 1)[-1] if found is not None else None


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


def virtuoso_arrows(backend: str, rows_: list[dict[str, object]]) -> None:
    """Virtuoso, once its database has grown a little, gives the query's non-ASCII characters back
    as "?" and takes BOUND of an unbound step as true in via's CONCAT (see
    test_via_gives_a_long_chain_in_its_order_and_says_when_it_stops): a known wrong answer of the
    server there, marked as such when it shows."""
    if backend == "virtuoso" and any(" ? " in str(r.get("via") or "") for r in rows_):
        pytest.xfail("Virtuoso's CONCAT of the query's arrows with stored labels")


def test_casualties_by_source(seed_claimgraph: Claimgraph, answers, backend: str):
    cg = seed_claimgraph
    virtuoso_arrows(backend, answers["casualties-by-source"])
    by_value = defaultdict(set)
    for row in answers["casualties-by-source"]:
        assert row["quote"] and row["document"] and row["claimant"]
        if str(row["property"]).endswith("#deathCount"):
            by_value[row["count"]].add((str(row["claimant"]), str(row["document"])))
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
    assert kind(un) == "bodies-seen" and un["countKindLabel"] == "bodies seen or recovered"
    assert un["wording"] == "seen … bodies"
    # The chain before the claimant, in its order: the article, Boumedra, the passage he read out.
    assert un["via"] == (
        "Unnamed author of 000_29cd18593cd2def4.txt → Tahar Boumedra → "
        "Unnamed author of the passage Tahar Boumedra read out"
    )
    assert "52 bodies" in un["quote"]
    own_voice = [r for r in answers["casualties-by-source"] if str(r["claimant"]) == entity(cg, "mek")]
    deaths = [r for r in own_voice if str(r["property"]).endswith("#deathCount")]
    assert deaths and all(r["via"] == "" and kind(r) == "killed" for r in deaths)
    state = [r for r in answers["casualties-by-source"] if r["count"] == 50]
    assert {r["via"] for r in state} == {"Unnamed author of 000_29cd18593cd2def4.txt", "Mujahedeen-e Khalq"}


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
    rows_ = {(r["value"], kind(r)): r for r in answers["corroboration"] if str(r["property"]) == death}
    assert rows_[(50, "killed")]["status"] == "repeated"
    assert (rows_[(50, "killed")]["claimants"], rows_[(50, "killed")]["documents"]) == (1, 2)
    # 52 deaths: both articles' own voice. The 52 bodies the UN officials saw are another
    # fact (another count kind): they do not corroborate the deaths.
    deaths52 = rows_[(52, "killed")]
    assert deaths52["status"] == "corroborated" and deaths52["claimants"] == 2
    assert set(deaths52["claimantLabels"].split("; ")) == {
        "Unnamed author of 000_29cd18593cd2def4.txt",
        "Mujahedeen-e Khalq",
    }
    assert (52, "bodies-seen") not in rows_  # one claim: nothing to corroborate it
    assert set(rows_) == {(50, "killed"), (52, "killed")}
    assert (rows_[(50, "killed")]["sources"], deaths52["sources"]) == (1, 2)


def test_corroboration_counts_independent_source_groups_not_claimants(seed_claimgraph: Claimgraph, answers):
    """Claims whose chains share an agent, or whose claimant cites another as its basis, are one source."""
    cg = seed_claimgraph
    by_fact = {
        (str(r["subject"]), str(r["property"]).rsplit("#", 1)[-1], str(r["value"])): r
        for r in answers["corroboration"]
    }
    attack = entity(cg, "camp-ashraf-attack-2013")
    # MEK and the eyewitnesses MEK's article cites: two claimants, one source (the chain passes through MEK).
    assisted = by_fact[(attack, "assistedBy", entity(cg, "iraqi-security-forces"))]
    assert (assisted["claimants"], assisted["sources"], assisted["status"]) == (2, 1, "single")
    assert set(assisted["claimantLabels"].split("; ")) == {"Mujahedeen-e Khalq", "Eyewitnesses"}
    # MEK's headline "…, U.S. State Department confirms" cites the report as its basis: with the
    # report's own claim, one source.
    kh = by_fact[(attack, "carriedOutBy", entity(cg, "kataib-hezbollah"))]
    assert (kh["claimants"], kh["sources"], kh["status"]) == (2, 1, "repeated")
    # 7 abducted: "taken hostage" in article 000's voice and the press reports through the State
    # Department report in both articles: linked by article 000's voice and the report, one source.
    [abducted] = [r for r in answers["corroboration"] if str(r["property"]).endswith("#abductedCount")]
    assert (abducted["value"], abducted["claims"], abducted["sources"]) == (7, 3, 1)
    assert {r["status"] for r in answers["corroboration"]} <= {"corroborated", "repeated", "single"}
    assert all(r["sources"] <= r["claimants"] for r in answers["corroboration"])


def test_contested_facts_and_range(answers, seed_store: Store):
    death = "https://w3id.org/claimgraph/ns#deathCount"
    contested = {r["value"]: r for r in answers["contested-facts"] if str(r["property"]) == death}
    assert set(contested) == {50, 52}
    assert all(kind(r) == "killed" and r["status"] == "contested" for r in contested.values())
    assert contested[50]["claimants"] == "U.S. State Department"
    assert contested[52]["claims"] == 3 and "United Nations officials" not in contested[52]["claimants"]
    assert contested[50]["otherCountKinds"] == 1  # also counted as bodies seen, and says so
    # Only functional properties are contested; the others have several values that may all hold.
    functional = {
        str(r["p"])
        for r in seed_store.query(
            "SELECT ?p WHERE { ?p a <http://www.w3.org/2002/07/owl#FunctionalProperty> }"
        ).rows
    }
    assert death in functional
    # Contested facts and several values are listed apart, each by its own query.
    assert {r["status"] for r in answers["contested-facts"]} == {"contested"}
    assert all(str(r["property"]) in functional for r in answers["contested-facts"])
    assert {r["status"] for r in answers["several-values"]} == {"several values"}
    assert not any(str(r["property"]) in functional for r in answers["several-values"])
    several = {str(r["property"]).rsplit("#", 1)[-1] for r in answers["several-values"]}
    assert {"victim", "characterizedAs", "carriedOutBy"} <= several
    [span] = [r for r in answers["contested-range"] if str(r["property"]) == death]
    assert (kind(span), span["low"], span["high"], span["values"]) == ("killed", 50, 52, 2)
    assert span["claimants"] == 3 and span["otherCountKinds"] == 1
    assert "smallest" in span["rule"] and "count kind" in span["rule"]


def test_stats_count_contested_keys_apart_from_several_values(
    seed_claimgraph: Claimgraph, seed_store, answers
):
    stats = seed_claimgraph.stats(seed_store)
    keys = defaultdict(set)
    for r in answers["contested-facts"] + answers["several-values"]:
        keys[r["status"]].add((str(r["subject"]), str(r["property"]), r.get("countKind")))
    assert stats["contested_facts"] == len(keys["contested"]) == 1  # deaths: 50 against 52
    assert stats["several_values"] == len(keys["several values"]) > 10


def test_who_blames_whom_follows_every_level_of_the_vocabulary(seed_store: Store):
    """who-blames-whom spells out three levels of rdfs:subPropertyOf (not ``+``, which Virtuoso
    joins wrongly): no property of the vocabulary may sit deeper below cg:heldResponsible."""
    text = NAMED["who-blames-whom"].text
    assert "|rdfs:subPropertyOf/rdfs:subPropertyOf/rdfs:subPropertyOf\n" in text
    deeper = seed_store.query(
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX cg: <https://w3id.org/claimgraph/ns#> "
        "SELECT ?p WHERE { ?p rdfs:subPropertyOf/rdfs:subPropertyOf/rdfs:subPropertyOf/rdfs:subPropertyOf "
        "cg:heldResponsible }"
    ).rows
    below = seed_store.query(
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX cg: <https://w3id.org/claimgraph/ns#> "
        "SELECT ?p WHERE { ?p rdfs:subPropertyOf cg:heldResponsible }"
    ).rows
    assert below and deeper == []


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
    # The abduction is an act of the attack: its parties are blamed for that act.
    attack, abduction = entity(cg, "camp-ashraf-attack-2013"), entity(cg, "camp-ashraf-abduction-2013")
    abductors = {
        str(r["blamed"])
        for r in answers["who-blames-whom"]
        if str(r["event"]) == attack and str(r["act"]) == abduction
    }
    assert abductors == {entity(cg, i) for i in ("quds-force", "kataib-hezbollah", "asaib-ahl-al-haq")}
    assert not [
        r
        for r in answers["who-blames-whom"]
        if str(r["act"]) == attack
        and str(r["claimant"]) == entity(cg, "press-reports")
        and str(r["role"]).endswith("carriedOutBy")
    ]


def test_attribution_chains(seed_claimgraph: Claimgraph, answers):
    cg = seed_claimgraph
    steps = defaultdict(dict)
    for row in answers["attribution-chains"]:
        steps[str(row["claim"])][row["step"]] = (str(row["agent"]), str(row.get("medium") or ""))
    un_chains = [s for s in steps.values() if s[max(s)][0] == entity(cg, "un-officials")]
    assert un_chains
    for chain in un_chains:
        # The article → Boumedra's testimony → the passage he read out (someone
        # else's, in the third person) → the officials who said it.
        assert [chain[i][0] for i in sorted(chain)] == [
            entity(cg, "author-000"),
            entity(cg, "tahar-boumedra"),
            entity(cg, "boumedra-passage-author"),
            entity(cg, "un-officials"),
        ]
        assert chain[0][1] == document(cg, "article-000")
        assert chain[1][1] == entity(cg, "boumedra-testimony")
        assert chain[2][1] == entity(cg, "boumedra-read-passage")
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
    # Each row says what it counts: the 52 is bodies seen, by one claimant (one source).
    [bodies] = [r for r in answers["consensus"] if str(r["property"]).endswith("#deathCount")]
    assert kind(bodies) == "bodies-seen" and bodies["countKindLabel"] == "bodies seen or recovered"
    assert (bodies["claims"], bodies["claimantCount"], bodies["claimants"]) == (
        1,
        1,
        "United Nations officials",
    )
    # "Taken hostage" (article 000's own voice) and "abducted" (the press reports through the
    # State Department) are one count kind: the 7 of each is one row, agreed by both.
    [abducted] = [r for r in answers["consensus"] if str(r["property"]).endswith("#abductedCount")]
    assert (kind(abducted), abducted["value"], abducted["claims"]) == ("abducted", 7, 3)


def test_casualties_by_source_covers_every_count_with_kind_bound_and_modality(seed_claimgraph, answers):
    counts = {
        (str(r["property"]).rsplit("#", 1)[-1], kind(r), r["count"]) for r in answers["casualties-by-source"]
    }
    assert counts == {
        ("deathCount", "killed", 50),
        ("deathCount", "killed", 52),
        ("deathCount", "bodies-seen", 52),
        ("abductedCount", "abducted", 7),
        ("missingCount", "missing", 7),
        ("remainingCount", "remaining", 100),
    }
    press = [r for r in answers["casualties-by-source"] if str(r["claimant"]).endswith("/press-reports")]
    assert press and {r["modality"] for r in press} <= {"press reports claim", "according to the press"}
    hostage = [r for r in answers["casualties-by-source"] if r.get("wording") == "taken hostage"]
    assert [kind(r) for r in hostage] == ["abducted"]
    assert all("countKindLabel" in r for r in answers["casualties-by-source"])


def test_claims_by_claimant_says_what_a_count_counts(seed_claimgraph, answers):
    un = entity(seed_claimgraph, "un-officials")
    [bodies] = [r for r in answers["claims-by-claimant"] if str(r["claimant"]) == un and r["value"] == 52]
    assert kind(bodies) == "bodies-seen" and bodies["countKindLabel"] == "bodies seen or recovered"


# ---------------------------------------------------------------- any SPARQL 1.1 engine

#: Columns that GROUP_CONCAT a set: their order is the engine's, so they are compared as sets.
SET_COLUMNS = {"claimants", "claimantLabels"}

#: One parameter per query that takes one, bound to a seed node with an answer.
PARAMETERS = {
    "casualties-by-source": ("event", "camp-ashraf-attack-2013"),
    "contested-facts": ("subject", "camp-ashraf-attack-2013"),
    "several-values": ("subject", "camp-ashraf-attack-2013"),
    "ranges": ("subject", "camp-ashraf-attack-2013"),
    "contested-range": ("subject", "camp-ashraf-attack-2013"),
    "corroboration": ("subject", "camp-ashraf-attack-2013"),
    "consensus": ("subject", "camp-ashraf-attack-2013"),
    "claims-by-claimant": ("claimant", "mek"),
    "who-blames-whom": ("event", "camp-ashraf-attack-2013"),
}


@pytest.fixture(scope="module")
def rdflib_dataset(seed_store: Store) -> Dataset:
    """The seed store's quads in rdflib's own engine, the default graph the union of all."""
    dataset = Dataset(default_union=True)
    # Graph by graph: the seed store holds more quads than one page of Virtuoso's answers, and
    # paging every quad of the store in one sorted query passes Virtuoso's sort limit (SR353).
    for graph in [None, *seed_store.graph_names()]:
        for s, p, o, g in seed_store.quads(DEFAULT if graph is None else graph):
            (dataset.graph(g) if g is not None else dataset).add((s, p, o))
    return dataset


def comparable(row: dict[str, object]) -> tuple:
    cells = []
    for key, term in sorted(row.items()):
        if term is None:
            continue
        text = term.n3()
        if key in SET_COLUMNS:
            text = tuple(sorted(str(term).split("; ")))
        cells.append((str(key), text))
    return tuple(cells)


def both_engines(seed_store: Store, dataset: Dataset, text: str) -> tuple[list, list]:
    ours = [comparable(r) for r in seed_store.query(text).rows]
    theirs = [comparable(r.asdict()) for r in dataset.query(text)]
    return sorted(ours), sorted(theirs)


@pytest.mark.parametrize("name", sorted(NAMED))
def test_every_query_answers_the_same_on_rdflib(
    name: str, seed_store: Store, rdflib_dataset: Dataset, answers, backend: str
):
    if name == "casualties-by-source":
        virtuoso_arrows(backend, answers[name])
    ours, theirs = both_engines(seed_store, rdflib_dataset, NAMED[name].text)
    assert ours and ours == theirs


@pytest.mark.parametrize("name", sorted(PARAMETERS))
def test_every_bound_query_answers_the_same_on_rdflib(
    name: str,
    seed_claimgraph: Claimgraph,
    seed_store: Store,
    rdflib_dataset: Dataset,
):
    param, ident = PARAMETERS[name]
    text = bind_parameters(NAMED[name], {param: entity(seed_claimgraph, ident)})
    ours, theirs = both_engines(seed_store, rdflib_dataset, text)
    assert ours and ours == theirs


def test_a_bound_claim_chain_answers_the_same_on_rdflib(
    seed_claimgraph: Claimgraph, seed_store: Store, rdflib_dataset: Dataset, answers
):
    un = entity(seed_claimgraph, "un-officials")
    claim = next(str(r["claim"]) for r in answers["casualties-by-source"] if str(r["claimant"]) == un)
    text = bind_parameters(NAMED["attribution-chains"], {"claim": claim})
    ours, theirs = both_engines(seed_store, rdflib_dataset, text)
    assert len(ours) == 4 and ours == theirs


def test_via_gives_a_long_chain_in_its_order_and_says_when_it_stops(
    tmp_path, claimgraph: Claimgraph, store: Store, backend: str
):
    """Six hops between the document and the claimant: via names the first five in order, then "…".

    Virtuoso, once its database has grown a little (the Graph Store tests before this one
    are enough), gives the query's non-ASCII characters (" → ", "…", written plainly or as
    \\u escapes) back as "?" and takes ``BOUND`` of an unbound step's label as true in this
    query's CONCAT (a one-step chain comes back as "Author of doc-a ?  ?  ?  ? "): a known
    wrong answer of the server there, marked as such when it shows."""
    corpus = tmp_path / "relay"
    shutil.copytree(MINI, corpus)
    hops = [f"relay-{n}" for n in range(6)]
    entities = (corpus / "corpus.yaml").read_text(encoding="utf-8")
    agents = "".join(
        f"  - id: {h}\n    type: cg:UnnamedSource\n    label: Relay {n}\n" for n, h in enumerate(hops)
    )
    (corpus / "corpus.yaml").write_text(
        entities.replace("agents:\n", "agents:\n" + agents, 1), encoding="utf-8"
    )
    sheet = corpus / "doc-a.yaml"
    text = sheet.read_text(encoding="utf-8")
    old = "    via: [{agent: agency, medium: agency-report}]\n"
    assert old in text
    sheet.write_text(text.replace(old, f"    via: [{', '.join(reversed(hops))}]\n"), encoding="utf-8")
    claimgraph.load(store, corpus)
    rows_ = rows(claimgraph.run_named(store, "casualties-by-source"))
    [relayed] = [r for r in rows_ if r["count"] == 14]
    if backend == "virtuoso" and "?" in relayed["via"]:
        pytest.xfail(f"Virtuoso's CONCAT of the query's arrows with stored labels: {relayed['via']!r}")
    assert relayed["via"] == "Author of doc-a → Relay 5 → Relay 4 → Relay 3 → Relay 2 → …"
    dataset = Dataset(default_union=True)
    for s, p, o, g in store.quads():
        (dataset.graph(g) if g is not None else dataset).add((s, p, o))
    ours, theirs = both_engines(store, dataset, NAMED["casualties-by-source"].text)
    assert ours == theirs


def test_dates_at_different_precision_are_neither_contested_nor_several_values(seed_claimgraph, answers):
    """The attack's start date is given as --09-01 (MEK) and 2013-09-01 (article 000, the report)."""
    attack = entity(seed_claimgraph, "camp-ashraf-attack-2013")
    listed = {
        (str(r["subject"]), str(r["property"]).rsplit("/", 1)[-1])
        for r in answers["contested-facts"] + answers["several-values"]
    }
    assert (attack, "startDate") not in listed
    assert not any(str(r["property"]) == "http://schema.org/startDate" for r in answers["several-values"])


def test_ranges_under_stated_rules(answers):
    """Each rule's low / high / best for the contested death count, with the rule's IRI and version."""
    rules = {str(r["rule"]).rsplit("#", 1)[-1]: r for r in answers["ranges"]}
    assert set(rules) == {"every-value", "independent-sources", "most-conservative", "excluding-parties"}
    assert all(kind(r) == "killed" and r["ruleVersion"] == "1.0.0" for r in rules.values())
    every = rules["every-value"]
    assert (every["low"], every["high"], every.get("best"), every["included"], every["excluded"]) == (
        50,
        52,
        None,
        5,
        0,
    )
    # 50 is given by one source (the State Department report, quoted twice): left out.
    independent = rules["independent-sources"]
    assert (independent["low"], independent["high"], independent["included"], independent["excluded"]) == (
        52,
        52,
        3,
        2,
    )
    # No death count is hedged: the most conservative figure is the lowest, 50.
    conservative = rules["most-conservative"]
    assert (conservative["low"], conservative["high"], conservative["best"]) == (50, 52, 50)
    # MEK is declared party to the attack (corpus.yaml, party_to): its two claims of 52 are left out.
    parties = rules["excluding-parties"]
    assert (parties["low"], parties["high"], parties["included"], parties["excluded"]) == (50, 52, 3, 2)
